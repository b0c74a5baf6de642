//! Stage 1: find the Python files to check under the paths the user gave.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::lexical;
use ignore::{WalkBuilder, WalkState};

/// Directories skipped by default, as ruff skips them.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
];

#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Replaces `DEFAULT_EXCLUDES` when given.
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Vec<String>,
    pub respect_gitignore: bool,
    /// Apply excludes to files named explicitly on the command line too (pre-commit passes
    /// every staged file).
    pub force_exclude: bool,
    pub threads: usize,
}

/// A path found, or a path that could not be walked.
#[derive(Debug)]
pub enum Found {
    File(PathBuf),
    Error { path: PathBuf, message: String },
}

/// The most exclude patterns a run accepts: far more than any real configuration needs, and
/// few enough for the matcher to build quickly.
pub const MAX_PATTERNS: usize = 1024;

/// Glob-based exclusion, with ruff's semantics: a plain pattern matches a path's full text or
/// any one of its components (`build` excludes every directory named build; `tests/*.py`
/// matches by path); `./x` is anchored at the working directory; an absolute pattern matches
/// that absolute path, and `/x`, when nothing of that name exists at the file system's root,
/// is anchored at the working directory too.
pub struct Excluder {
    set: GlobSet,
    anchored: GlobSet,
    cwd: PathBuf,
}

impl Excluder {
    pub fn new(options: &DiscoverOptions) -> Result<Excluder, String> {
        let mut builder = GlobSetBuilder::new();
        let mut anchored = GlobSetBuilder::new();
        // Components drop a trailing `.`: `/a/b/.` → `/a/b`.
        let cwd: PathBuf = crate::config::logical_absolute(Path::new("."))
            .components()
            .collect();
        let root = globset::escape(&cwd.to_string_lossy());
        let defaults = DEFAULT_EXCLUDES.iter().map(|s| s.to_string());
        let base: Vec<String> = match &options.exclude {
            Some(list) => list.clone(),
            None => defaults.collect(),
        };
        let count = base.len() + options.extend_exclude.len();
        if count > MAX_PATTERNS {
            return Err(format!(
                "too many exclude patterns ({count}); at most {MAX_PATTERNS} are accepted \
                 (use directory names or `**` globs to cover many files with one pattern)"
            ));
        }
        let glob = |pattern: &str, original: &str| {
            Glob::new(pattern).map_err(|e| format!("invalid exclude pattern `{original}`: {e}"))
        };
        for pattern in base.iter().chain(&options.extend_exclude) {
            if pattern.trim().is_empty() {
                continue; // `--exclude ''` means "no excludes", not "exclude everything".
            }
            let trimmed = pattern.trim_end_matches('/');
            if let Some(rest) = trimmed.strip_prefix("./") {
                let rest = rest.trim_start_matches("./");
                anchored.add(glob(&format!("{root}/{rest}"), pattern)?);
            } else if trimmed.starts_with('/') {
                anchored.add(glob(trimmed, pattern)?);
                if !Path::new(trimmed).exists() {
                    anchored.add(glob(&format!("{root}{trimmed}"), pattern)?);
                }
            } else {
                builder.add(glob(trimmed, pattern)?);
                if !pattern.starts_with("**/") {
                    builder.add(glob(&format!("**/{trimmed}"), pattern)?);
                }
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build()
                .map_err(|e| format!("cannot use the exclude patterns: {e}"))
        };
        Ok(Excluder {
            set: build(builder)?,
            anchored: build(anchored)?,
            cwd,
        })
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        let path = path.strip_prefix("./").unwrap_or(path);
        self.set.is_match(path)
            || path
                .file_name()
                .is_some_and(|name| self.set.is_match(Path::new(name)))
            || (!self.anchored.is_empty() && self.anchored.is_match(lexical(&self.cwd.join(path))))
    }

    /// Is the path or any directory above it excluded? For paths named on the command line with
    /// `--force-exclude`, where no walk skipped the excluded directory on the way down.
    /// Directories above the current one never count (a checkout under `~/build/` is fine).
    pub fn is_excluded_with_ancestors(&self, path: &Path) -> bool {
        let cwd = std::env::current_dir().unwrap_or_default();
        let path = path.strip_prefix(&cwd).unwrap_or(path);
        let path = path.strip_prefix(&self.cwd).unwrap_or(path);
        path.ancestors()
            .filter(|p| !p.as_os_str().is_empty() && *p != Path::new("."))
            .any(|p| self.is_excluded(p))
    }
}

/// A pattern from a configuration file in `root`: `./x` and `/x` (when nothing of that name
/// exists at the file system's root) become absolute patterns under `root`.
pub fn anchor_at(pattern: &str, root: &Path) -> String {
    let root = globset::escape(&lexical(root).to_string_lossy());
    if let Some(rest) = pattern.strip_prefix("./") {
        format!("{root}/{}", rest.trim_start_matches("./"))
    } else if pattern.starts_with('/') && !Path::new(pattern).exists() {
        format!("{root}{pattern}")
    } else {
        pattern.to_string()
    }
}

/// Splits a comma-separated list of patterns, keeping commas inside `{...}` and `[...]`:
/// `--exclude '{src,tests}/gen,build'` is two patterns.
pub fn split_patterns(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut braces, mut brackets) = (0usize, false);
    let mut current = String::new();
    for c in list.chars() {
        match c {
            '{' if !brackets => braces += 1,
            '}' if !brackets => braces = braces.saturating_sub(1),
            '[' => brackets = true,
            ']' => brackets = false,
            ',' if braces == 0 && !brackets => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out
}

pub fn is_python_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py" | "pyi")
    )
}

/// Walks `paths` (files or directories) in parallel and returns the Python files, sorted.
/// Paths that do not exist are the caller's business (a usage error); unreadable directories
/// come back as `Found::Error`.
pub fn discover(paths: &[PathBuf], options: &DiscoverOptions) -> Result<Vec<Found>, String> {
    let excluder = Excluder::new(options)?;
    let found = Mutex::new(Vec::new());
    for root in paths {
        if !root.is_dir() {
            // An explicit file is always checked, unless --force-exclude says otherwise.
            if !(options.force_exclude && excluder.is_excluded_with_ancestors(root)) {
                found
                    .lock()
                    .unwrap()
                    .push((Found::File(root.clone()), None));
            }
            continue;
        }
        if options.force_exclude && excluder.is_excluded_with_ancestors(root) {
            continue;
        }
        let mut builder = WalkBuilder::new(root);
        builder
            .hidden(false)
            .parents(true)
            .ignore(options.respect_gitignore)
            .git_ignore(options.respect_gitignore)
            .git_exclude(options.respect_gitignore)
            .git_global(options.respect_gitignore)
            .require_git(false)
            .follow_links(false)
            .threads(options.threads);
        let excluder = &excluder;
        let root_path = root.as_path();
        builder.build_parallel().run(|| {
            let found = &found;
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(err) => {
                        let path = error_path(&err).unwrap_or_else(|| root_path.to_path_buf());
                        let what = if path.is_dir() { "directory" } else { "file" };
                        found.lock().unwrap().push((
                            Found::Error {
                                message: format!("cannot read {what}: {}", io_message(&err)),
                                path,
                            },
                            None,
                        ));
                        return WalkState::Continue;
                    }
                };
                let path = entry.path();
                if entry.depth() > 0 && excluder.is_excluded(path) {
                    return WalkState::Skip;
                }
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                // Only regular files (or links to them) are Python files when walking, as in
                // ruff: a FIFO, a socket or a dangling link named `*.py` is skipped.
                if !is_dir && is_python_file(path) && is_regular(&entry) {
                    // The inode the directory listing gives (not a link's: its target's is
                    // another), so that files with inodes of their own need no stat.
                    let symlink = entry.file_type().is_some_and(|t| t.is_symlink());
                    let inode = entry.ino().filter(|_| !symlink);
                    found
                        .lock()
                        .unwrap()
                        .push((Found::File(path.to_path_buf()), inode));
                }
                WalkState::Continue
            })
        });
    }
    let mut found = found.into_inner().unwrap();
    // Path order (component by component) from one key per path: comparing `Path`s parses
    // their components at every comparison, which was a third of a run over a tree that is
    // mostly not about websockets.
    found.sort_by_cached_key(|(f, _)| order_key(key(f)));
    found.dedup_by(|a, b| key(&a.0) == key(&b.0));
    Ok(one_name_per_file(found))
}

/// One file, one identity: the same file reached under two spellings (`. a.py`), through a
/// symlink or a hard link is processed once, under the first of its names in sorted order.
/// `found` comes with the inodes the directory listings gave: only files whose inode another
/// file shares (or that have none: links, explicit paths) are looked up for their device.
fn one_name_per_file(found: Vec<(Found, Option<u64>)>) -> Vec<Found> {
    use rayon::prelude::*;
    use std::os::unix::fs::MetadataExt;
    let stat = |f: &Found| match f {
        Found::File(path) => std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino())),
        Found::Error { .. } => None,
    };
    let unlisted: Vec<Option<(u64, u64)>> = found
        .par_iter()
        .map(|(f, inode)| match inode {
            Some(_) => None,
            None => stat(f),
        })
        .collect();
    let mut inodes: rustc_hash::FxHashMap<u64, usize> = rustc_hash::FxHashMap::default();
    for inode in found
        .iter()
        .filter_map(|(_, i)| *i)
        .chain(unlisted.iter().flatten().map(|(_, i)| *i))
    {
        *inodes.entry(inode).or_default() += 1;
    }
    let ids: Vec<Option<(u64, u64)>> = found
        .par_iter()
        .zip(unlisted)
        .map(|((f, inode), unlisted)| match inode {
            Some(inode) if inodes[inode] > 1 => stat(f),
            // A unique inode: no other name of the run is this file.
            Some(_) => None,
            None => unlisted,
        })
        .collect();
    let mut seen = rustc_hash::FxHashSet::default();
    found
        .into_iter()
        .zip(ids)
        .filter(|(_, id)| id.is_none_or(|id| seen.insert(id)))
        .map(|((f, _), _)| f)
        .collect()
}

fn is_regular(entry: &ignore::DirEntry) -> bool {
    match entry.file_type() {
        Some(t) if t.is_file() => true,
        Some(t) if t.is_symlink() => std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()),
        _ => false,
    }
}

/// Bytes that sort as `Path`s do: each component as a kind tag (the order of
/// `std::path::Component`'s variants), its bytes, then a 0 (below any byte of a name).
fn order_key(path: &Path) -> Vec<u8> {
    use std::path::Component;
    let mut out = Vec::with_capacity(path.as_os_str().len() + 8);
    for component in path.components() {
        out.push(match component {
            Component::Prefix(_) => 1,
            Component::RootDir => 2,
            Component::CurDir => 3,
            Component::ParentDir => 4,
            Component::Normal(_) => 5,
        });
        out.extend_from_slice(component.as_os_str().as_encoded_bytes());
        out.push(0);
    }
    out
}

fn key(found: &Found) -> &Path {
    match found {
        Found::File(p) => p,
        Found::Error { path, .. } => path,
    }
}

/// The error without the path ignore puts in front of it (the report names the path).
fn io_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => io_message(err),
        other => other.to_string(),
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_key_sorts_as_paths_do() {
        let names = [
            "a/b.py", "a-b.py", "a.py", "a/b/c.py", "a b/x.py", "./a.py", "../z.py", "/r/a.py",
            "/r.py", "-x/a.py", "ab", "a", "a/", "a/+", "a/.b", "é/a.py", "Z/a.py",
        ];
        let mut by_path: Vec<&Path> = names.iter().map(Path::new).collect();
        let mut by_key = by_path.clone();
        by_path.sort();
        by_key.sort_by_cached_key(|p| order_key(p));
        assert_eq!(by_key, by_path);
    }

    fn options() -> DiscoverOptions {
        DiscoverOptions {
            exclude: None,
            extend_exclude: vec!["generated_*.py".into()],
            respect_gitignore: true,
            force_exclude: false,
            threads: 1,
        }
    }

    #[test]
    fn excludes_by_component_and_glob() {
        let ex = Excluder::new(&options()).unwrap();
        assert!(ex.is_excluded(Path::new("a/.venv")));
        assert!(ex.is_excluded(Path::new("./build")));
        assert!(ex.is_excluded(Path::new("pkg/generated_api.py")));
        assert!(!ex.is_excluded(Path::new("pkg/api.py")));
        assert!(!ex.is_excluded(Path::new("pkg/builder.py")));
    }
}
