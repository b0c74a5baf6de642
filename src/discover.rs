//! Stage 1: find the Python files to check under the paths the user gave.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};
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

/// Glob-based exclusion: a pattern matches a path's full text or any one of its components
/// (`build` excludes every directory named build; `tests/*.py` matches by path).
pub struct Excluder {
    set: GlobSet,
}

impl Excluder {
    pub fn new(options: &DiscoverOptions) -> Result<Excluder, String> {
        let mut builder = GlobSetBuilder::new();
        let defaults = DEFAULT_EXCLUDES.iter().map(|s| s.to_string());
        let base: Vec<String> = match &options.exclude {
            Some(list) => list.clone(),
            None => defaults.collect(),
        };
        for pattern in base.iter().chain(&options.extend_exclude) {
            if pattern.trim().is_empty() {
                continue; // `--exclude ''` means "no excludes", not "exclude everything".
            }
            let glob = Glob::new(pattern.trim_end_matches('/'))
                .map_err(|e| format!("invalid exclude pattern `{pattern}`: {e}"))?;
            builder.add(glob);
            // `dir/` style patterns and patterns relative to anywhere in the tree.
            if !pattern.starts_with("**/") && !pattern.starts_with('/') {
                let anywhere = format!("**/{}", pattern.trim_end_matches('/'));
                builder.add(Glob::new(&anywhere).map_err(|e| e.to_string())?);
            }
        }
        Ok(Excluder {
            set: builder.build().map_err(|e| e.to_string())?,
        })
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        let path = path.strip_prefix("./").unwrap_or(path);
        self.set.is_match(path)
            || path
                .file_name()
                .is_some_and(|name| self.set.is_match(Path::new(name)))
    }

    /// Is the path or any directory above it excluded? For paths named on the command line with
    /// `--force-exclude`, where no walk skipped the excluded directory on the way down.
    /// Directories above the current one never count (a checkout under `~/build/` is fine).
    pub fn is_excluded_with_ancestors(&self, path: &Path) -> bool {
        let cwd = std::env::current_dir().unwrap_or_default();
        let path = path.strip_prefix(&cwd).unwrap_or(path);
        path.ancestors()
            .filter(|p| !p.as_os_str().is_empty())
            .any(|p| self.is_excluded(p))
    }
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
        if root.is_file() || (!root.is_dir() && root.exists()) {
            // An explicit file is always checked, unless --force-exclude says otherwise.
            if !(options.force_exclude && excluder.is_excluded_with_ancestors(root)) {
                found.lock().unwrap().push(Found::File(root.clone()));
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
                        found.lock().unwrap().push(Found::Error {
                            path,
                            message: err.to_string(),
                        });
                        return WalkState::Continue;
                    }
                };
                let path = entry.path();
                if entry.depth() > 0 && excluder.is_excluded(path) {
                    return WalkState::Skip;
                }
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                if !is_dir && is_python_file(path) {
                    found.lock().unwrap().push(Found::File(path.to_path_buf()));
                }
                WalkState::Continue
            })
        });
    }
    let mut found = found.into_inner().unwrap();
    found.sort_by(|a, b| key(a).cmp(key(b)));
    found.dedup_by(|a, b| key(a) == key(b));
    Ok(found)
}

fn key(found: &Found) -> &Path {
    match found {
        Found::File(p) => p,
        Found::Error { path, .. } => path,
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
