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

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
