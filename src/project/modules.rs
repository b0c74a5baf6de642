//! Module names from paths, as Python would import them: a file's package is every enclosing
//! directory holding an `__init__.py`; the first directory without one is the import root
//! (which makes `src/` layouts work: `src/pkg/app.py` is `pkg.app`). A root given explicitly
//! (the `src` setting) wins when the file lies under it, which also names namespace packages.

use std::path::{Path, PathBuf};

use crate::semantic::ModuleName;

/// The module name of a Python file, or `None` for a file whose stem is not an identifier.
pub fn module_name(path: &Path, roots: &[PathBuf]) -> Option<ModuleName> {
    let stem = path.file_stem()?.to_str()?;
    let is_package = stem == "__init__";
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut parts: Vec<String> = Vec::new();
    if !is_package {
        parts.push(stem.to_string());
    }
    let explicit = roots
        .iter()
        .filter_map(|root| {
            let root = std::path::absolute(root).unwrap_or_else(|_| root.clone());
            absolute
                .parent()?
                .strip_prefix(&root)
                .ok()
                .map(Path::to_path_buf)
        })
        .min_by_key(|rest| rest.components().count());
    match explicit {
        Some(rest) => {
            let mut dirs: Vec<String> = rest
                .components()
                .filter_map(|c| c.as_os_str().to_str().map(String::from))
                .collect();
            dirs.extend(parts);
            parts = dirs;
        }
        None => {
            let mut dir = absolute.parent();
            while let Some(d) = dir {
                if !d.join("__init__.py").is_file() {
                    break;
                }
                parts.insert(0, d.file_name()?.to_str()?.to_string());
                dir = d.parent();
            }
        }
    }
    if parts.is_empty() || !parts.iter().all(|p| is_identifier(p)) {
        return None;
    }
    Some(ModuleName {
        name: parts.join("."),
        is_package,
    })
}

/// [`module_name`] for many files, with one `__init__.py` lookup per directory. A file whose
/// packages end (the first directory without `__init__.py`) below a `src` root is named from
/// that root: the directories between are namespace packages (`src/ns/mod.py` is `ns.mod`).
/// A root that holds other roots (the project directory, by default) names none: its
/// subdirectories are script directories as often as packages.
#[derive(Default)]
pub struct Namer {
    packages: rustc_hash::FxHashMap<PathBuf, bool>,
    namespace_roots: Vec<PathBuf>,
}

impl Namer {
    /// `src`: the absolute, normalized `src` roots.
    pub fn new(src: &[PathBuf]) -> Namer {
        Namer {
            packages: Default::default(),
            namespace_roots: namespace_roots(src),
        }
    }

    /// The module name of an absolute, normalized path.
    pub fn name(&mut self, path: &Path) -> Option<ModuleName> {
        let stem = path.file_stem()?.to_str()?;
        let is_package = stem == "__init__";
        let mut parts: Vec<String> = Vec::new();
        if !is_package {
            parts.push(stem.to_string());
        }
        let mut dir = path.parent();
        while let Some(d) = dir {
            if !self.is_package(d) {
                break;
            }
            parts.insert(0, d.file_name()?.to_str()?.to_string());
            dir = d.parent();
        }
        let namespace = dir.and_then(|d| {
            self.namespace_roots
                .iter()
                .filter(|r| d != r.as_path())
                .find_map(|r| d.strip_prefix(r).ok())
        });
        for c in namespace.iter().flat_map(|rest| rest.components()).rev() {
            parts.insert(0, c.as_os_str().to_str()?.to_string());
        }
        (!parts.is_empty() && parts.iter().all(|p| is_identifier(p))).then(|| ModuleName {
            name: parts.join("."),
            is_package,
        })
    }

    /// The first directory above `path` that is not a package: where `import sibling`
    /// looks when the file is run as a script.
    pub fn script_root(&mut self, path: &Path) -> Option<PathBuf> {
        let mut dir = path.parent()?;
        while self.is_package(dir) {
            dir = dir.parent()?;
        }
        Some(dir.to_path_buf())
    }

    fn is_package(&mut self, dir: &Path) -> bool {
        *self
            .packages
            .entry(dir.to_path_buf())
            .or_insert_with(|| dir.join("__init__.py").is_file())
    }
}

/// The import root of a file: the directory its module name is relative to.
pub fn root(path: &Path, name: &ModuleName) -> Option<PathBuf> {
    let levels = name.name.split('.').count() + usize::from(name.is_package);
    let mut dir = path;
    for _ in 0..levels {
        dir = dir.parent()?;
    }
    Some(dir.to_path_buf())
}

/// The directory a file's neighbours live in: its top-level package, or its own directory
/// for a top-level module.
pub fn home(path: &Path, name: &ModuleName) -> Option<PathBuf> {
    let root = root(path, name)?;
    let dotted = name.name.split('.').count() > 1 || name.is_package;
    Some(match (dotted, name.name.split('.').next()) {
        (true, Some(top)) => root.join(top),
        _ => root,
    })
}

/// The files of the run by their normalized path (absolute, `components().collect()`), keyed by
/// its bytes (`OsStr::as_encoded_bytes`): paths built the same way are equal byte for byte, and
/// hashing bytes is a fraction of `Path`'s component-wise hash.
pub type FilesByPath<'a> = rustc_hash::FxHashMap<&'a [u8], usize>;

/// The key of `path` in [`FilesByPath`].
pub fn path_key(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// Is this absolute path already what `components().collect()` makes of it: no empty, `.` or
/// `..` segment, no trailing separator? (`/` alone is.)
pub fn is_normal(path: &Path) -> bool {
    let bytes = path_key(path);
    let separator = std::path::MAIN_SEPARATOR as u8;
    cfg!(unix)
        && bytes.first() == Some(&separator)
        && (bytes.len() == 1
            || bytes[1..]
                .split(|b| *b == separator)
                .all(|segment| !matches!(segment, b"" | b"." | b"..")))
}

/// The [`path_key`]s of a normalized path's ancestors, its parent first (`Path::ancestors`
/// without the path itself, read off the bytes instead of parsing components at each step).
pub fn ancestor_keys(path: &Path) -> impl Iterator<Item = &[u8]> {
    let bytes = path_key(path);
    let separator = std::path::MAIN_SEPARATOR as u8;
    let mut end = bytes.len();
    std::iter::from_fn(move || {
        let at = bytes[..end].iter().rposition(|b| *b == separator)?;
        end = at;
        // The root directory keeps its separator (`/a` → `/`), and `/` has no ancestor.
        let ancestor = &bytes[..at.max(1)];
        (ancestor.len() < bytes.len()).then_some(ancestor)
    })
}

/// The file of the run that holds `module`, under `root` (normalized): `a/b.py` or
/// `a/b/__init__.py`. One buffer, no `PathBuf` (this runs for every import of every file the
/// project reads).
pub fn file_of(root: &Path, module: &str, files: &FilesByPath) -> Option<usize> {
    let separator = std::path::MAIN_SEPARATOR as u8;
    let mut key = Vec::with_capacity(root.as_os_str().len() + module.len() + 13);
    key.extend_from_slice(path_key(root));
    // Bytes, not `str::split` (a char searcher: half the cost of this function).
    for part in module.as_bytes().split(|b| *b == b'.') {
        if part.is_empty() {
            return None;
        }
        if key.last() != Some(&separator) {
            key.push(separator);
        }
        key.extend_from_slice(part);
    }
    let base = key.len();
    key.extend_from_slice(b".py");
    if let Some(file) = files.get(key.as_slice()) {
        return Some(*file);
    }
    key.truncate(base);
    key.push(separator);
    key.extend_from_slice(b"__init__.py");
    files.get(key.as_slice()).copied()
}

/// The `src` roots that hold no other root: those whose subdirectories are namespace packages.
pub fn namespace_roots(src: &[PathBuf]) -> Vec<PathBuf> {
    let holds_another = |r: &PathBuf| src.iter().any(|o| o != r && o.starts_with(r));
    src.iter().filter(|r| !holds_another(r)).cloned().collect()
}

/// The directories an import in `path` (module `name`) is looked up under, in order: the
/// file's import root, the directory it would run from as a script, then the `src` roots.
pub fn search_roots(
    path: &Path,
    name: &ModuleName,
    namer: &mut Namer,
    src: &[PathBuf],
) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = root(path, name).into_iter().collect();
    roots.extend(namer.script_root(path));
    roots.extend(src.iter().cloned());
    let mut seen = rustc_hash::FxHashSet::default();
    roots.retain(|r| seen.insert(r.clone()));
    roots
}

/// The file of the run that holds `module` under the first of `roots` that has it.
pub fn find(roots: &[PathBuf], module: &str, files: &FilesByPath) -> Option<usize> {
    roots.iter().find_map(|root| file_of(root, module, files))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn is_normal_is_what_components_make() {
        let normal = ["/a/b.py", "/", "/.a/b..", "/a b/c-d.py"];
        let not = [
            "/a//b.py",
            "/a/./b.py",
            "/a/../b.py",
            "/a/",
            "/a/.",
            "//a",
            "a/b.py",
        ];
        for path in normal.iter().chain(&not).map(Path::new) {
            let collected: PathBuf = path.components().collect();
            if is_normal(path) {
                assert_eq!(collected.as_os_str(), path.as_os_str(), "{path:?}");
            }
        }
        assert!(normal.iter().all(|p| is_normal(Path::new(p))));
        assert!(!not.iter().any(|p| is_normal(Path::new(p))));
    }

    #[cfg(unix)]
    #[test]
    fn ancestor_keys_are_the_ancestors() {
        for path in ["/a/b/c.py", "/a", "/", "a/b.py", "/x_y/__init__.py"] {
            let path = Path::new(path);
            let expected: Vec<&[u8]> = path
                .ancestors()
                .skip(1)
                .map(path_key)
                .filter(|k| !k.is_empty())
                .collect();
            assert_eq!(
                ancestor_keys(path).collect::<Vec<_>>(),
                expected,
                "{path:?}"
            );
        }
    }

    #[test]
    fn packages_src_layouts_and_explicit_roots() {
        let dir = std::env::temp_dir().join(format!("wsmigrate-modules-{}", std::process::id()));
        let pkg = dir.join("src/pkg");
        std::fs::create_dir_all(pkg.join("sub")).unwrap();
        std::fs::write(pkg.join("__init__.py"), "").unwrap();
        std::fs::write(pkg.join("sub/__init__.py"), "").unwrap();
        let name = |p: &Path, roots: &[PathBuf]| module_name(p, roots).map(|m| m.name);
        assert_eq!(name(&pkg.join("app.py"), &[]).as_deref(), Some("pkg.app"));
        assert_eq!(
            name(&pkg.join("sub/x.py"), &[]).as_deref(),
            Some("pkg.sub.x")
        );
        let init = module_name(&pkg.join("__init__.py"), &[]).unwrap();
        assert_eq!((init.name.as_str(), init.is_package), ("pkg", true));
        assert_eq!(name(&dir.join("tool.py"), &[]).as_deref(), Some("tool"));
        // A namespace package under an explicit root.
        let ns = dir.join("src/ns/mod.py");
        assert_eq!(name(&ns, &[]).as_deref(), Some("mod"));
        assert_eq!(name(&ns, &[dir.join("src")]).as_deref(), Some("ns.mod"));
        assert_eq!(name(&dir.join("my-script.py"), &[]), None);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn namer_names_namespace_packages_under_src_roots_only() {
        let dir = std::env::temp_dir().join(format!("wsmigrate-namer-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("lib/ns")).unwrap();
        std::fs::create_dir_all(dir.join("scripts")).unwrap();
        let src = [dir.clone(), dir.join("src"), dir.join("lib")];
        let mut namer = Namer::new(&src);
        let name = |namer: &mut Namer, p: &str| namer.name(&dir.join(p)).map(|m| m.name);
        assert_eq!(name(&mut namer, "lib/ns/mod.py").as_deref(), Some("ns.mod"));
        assert_eq!(name(&mut namer, "lib/top.py").as_deref(), Some("top"));
        // The project directory holds the other roots: `scripts/` is no namespace package.
        assert_eq!(name(&mut namer, "scripts/run.py").as_deref(), Some("run"));
        assert_eq!(
            namer.script_root(&dir.join("lib/ns/mod.py")),
            Some(dir.join("lib/ns"))
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
