//! Which websockets version the rules target: given explicitly, or (`auto`) the lowest version
//! the project's own requirement allows, read from `pyproject.toml`, `requirements*.txt`, or the
//! version pinned in `uv.lock` / `poetry.lock`.

use std::path::{Path, PathBuf};

use crate::registry::{self, Version};

/// The target websockets version and where it came from, for the summary line.
#[derive(Debug, Clone)]
pub struct Target {
    pub version: Version,
    pub reason: String,
}

/// The first release of the new implementation: the lowest target there is.
const FLOOR: Version = Version::V14_0;

/// `--target-version 15.0` (or the same in a configuration file, named by `source`).
pub fn explicit(requested: &str, source: &str) -> Result<Target, String> {
    Ok(Target {
        version: registry::target_version(requested)?,
        reason: format!("from {source}"),
    })
}

/// `auto`: the requirement declared by the project whose root is at or above `start`.
/// A `pyproject.toml` that is not valid TOML is an error.
pub fn auto(start: &Path) -> Result<Target, String> {
    let absolute = crate::config::logical_absolute(start);
    let first = if absolute.is_dir() {
        Some(absolute.as_path())
    } else {
        absolute.parent()
    };
    for dir in first.into_iter().flat_map(Path::ancestors) {
        if let Some((file, requirement)) = declared(dir)? {
            // No lower bound: `websockets<16` allows legacy releases, bare `websockets` any.
            let unbounded = if requirement.contains('<') {
                Version::new(0, 0)
            } else {
                Version::LATEST
            };
            let lowest = lowest_allowed(&requirement).unwrap_or(unbounded);
            let (version, note) = if lowest < FLOOR {
                (
                    FLOOR,
                    ", raised to the first release of the new implementation",
                )
            } else {
                (lowest, "")
            };
            return Ok(Target {
                version,
                reason: format!("from {file}: {requirement}{note}"),
            });
        }
        // The project root: nothing above it belongs to this project.
        if dir.join(".git").exists() || dir.join("pyproject.toml").is_file() {
            break;
        }
    }
    Ok(Target {
        version: Version::LATEST,
        reason: "latest release; the project declares no websockets requirement".to_string(),
    })
}

/// The first websockets requirement found in `dir`, with the name of the file it came from.
fn declared(dir: &Path) -> Result<Option<(String, String)>, String> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    if let Some(text) = read("pyproject.toml") {
        crate::config::parse_toml(&dir.join("pyproject.toml"), &text)?;
        if let Some(req) = from_pyproject(&text) {
            return Ok(Some(("pyproject.toml".into(), req)));
        }
    }
    Ok(requirement_or_lock(dir, read))
}

fn requirement_or_lock(
    dir: &Path,
    read: impl Fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    let mut requirement_files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("requirements") && n.ends_with(".txt"))
        })
        .collect();
    requirement_files.sort();
    for path in requirement_files {
        let text = std::fs::read_to_string(&path).ok()?;
        if let Some(req) = text.lines().find_map(requirement_line) {
            let name = path.file_name()?.to_string_lossy().into_owned();
            return Some((name, req));
        }
    }
    for lock in ["uv.lock", "poetry.lock"] {
        if let Some(version) = read(lock).as_deref().and_then(locked_version) {
            return Some((lock.into(), format!("websockets=={version}")));
        }
    }
    None
}

fn from_pyproject(text: &str) -> Option<String> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    let pep621 = doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
        .filter_map(|d| d.as_str())
        .find_map(requirement_line);
    if pep621.is_some() {
        return pep621;
    }
    let poetry = doc
        .get("tool")?
        .get("poetry")?
        .get("dependencies")?
        .get("websockets")?;
    let spec = match poetry {
        toml::Value::String(s) => s.clone(),
        toml::Value::Table(t) => t.get("version")?.as_str()?.to_string(),
        _ => return None,
    };
    Some(format!("websockets {spec}"))
}

/// `websockets>=15,<16 ; python_version>"3.9"` → `websockets>=15,<16`.
fn requirement_line(line: &str) -> Option<String> {
    let line = line.split('#').next()?.split(';').next()?.trim();
    let rest = line.strip_prefix("websockets")?;
    // `websockets-proxy` is another package.
    if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
        return None;
    }
    Some(line.to_string())
}

/// `[[package]]\nname = "websockets"\nversion = "15.0.1"` in uv.lock and poetry.lock.
fn locked_version(text: &str) -> Option<String> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    doc.get("package")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some("websockets"))?
        .get("version")?
        .as_str()
        .map(str::to_string)
}

/// The lowest version a requirement allows: the bound of `>=`, `==`, `~=`, `^`, `~`, `>`, or a
/// bare Poetry version. `None` when there is no lower bound.
pub fn lowest_allowed(requirement: &str) -> Option<Version> {
    let spec = requirement.trim_start_matches("websockets").trim();
    // Extras: `websockets[speedups]>=14`.
    let spec = match spec.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or("", |(_, s)| s),
        None => spec,
    };
    spec.split(',')
        .filter_map(|clause| {
            let clause = clause.trim();
            let (op, version) = split_operator(clause);
            let version = Version::parse(version.trim().trim_end_matches(".*"))?;
            match op {
                ">=" | "==" | "~=" | "^" | "~" | "" | "===" => Some(version),
                ">" => Some(Version::new(version.major, version.minor + 1)),
                _ => None,
            }
        })
        .max()
}

fn split_operator(clause: &str) -> (&str, &str) {
    let end = clause
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(clause.len());
    (clause[..end].trim(), &clause[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_allowed_versions() {
        let v = |s| lowest_allowed(s);
        assert_eq!(v("websockets>=15,<16"), Some(Version::V15_0));
        assert_eq!(v("websockets ^14.1"), Some(Version::V14_1));
        assert_eq!(v("websockets~=16.0"), Some(Version::V16_0));
        assert_eq!(v("websockets==15.0.1"), Some(Version::V15_0));
        assert_eq!(v("websockets[speedups] >= 14.2"), Some(Version::V14_2));
        assert_eq!(v("websockets<16"), None);
        assert_eq!(v("websockets"), None);
        assert_eq!(requirement_line("websockets-proxy>=1"), None);
        assert_eq!(
            requirement_line("websockets>=15 ; python_version >= '3.9'  # x"),
            Some("websockets>=15".into())
        );
    }

    #[test]
    fn reads_poetry_and_locks() {
        let poetry = "[tool.poetry.dependencies]\npython = \"^3.9\"\nwebsockets = \"^15.0\"\n";
        assert_eq!(from_pyproject(poetry), Some("websockets ^15.0".into()));
        let lock = "version = 1\n[[package]]\nname = \"websockets\"\nversion = \"16.0\"\n";
        assert_eq!(locked_version(lock), Some("16.0".into()));
    }
}
