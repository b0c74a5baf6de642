//! The import graph before parsing: which modules a file's import statements name, read off its
//! lines. Over-approximates (a line inside a string counts too), never misses an import at the
//! start of a line; used to decide which files the project phase parses at all.

use crate::semantic::ModuleName;

/// The modules a file's imports name: `from a.b import c` gives `a.b` and `a.b.c` (it may be a
/// submodule), `import a.b as x` gives `a.b`, relative imports resolve against `name`.
pub fn imported_modules(text: &str, name: Option<&ModuleName>) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut next_line = 0;
    // Only lines holding `import` can start an import statement: find them with one SIMD
    // search instead of walking every line.
    for hit in memchr::memmem::find_iter(bytes, b"import") {
        if hit < next_line {
            continue;
        }
        let start = memchr::memrchr(b'\n', &bytes[..hit]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[hit..]).map_or(bytes.len(), |i| hit + i);
        next_line = end;
        let line = text[start..end].trim_start();
        if let Some(rest) = line.strip_prefix("import ") {
            for part in rest.split(',') {
                let module = part.split_whitespace().next().unwrap_or("");
                if !module.is_empty() {
                    out.push(module.trim_end_matches(['(', ')', '\\']).to_string());
                }
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import") else {
                continue;
            };
            let module = module.trim();
            let level = module.len() - module.trim_start_matches('.').len();
            let written = module.trim_start_matches('.');
            let base = if level == 0 {
                Some(written.to_string())
            } else {
                name.and_then(|n| {
                    n.relative(level as u32, (!written.is_empty()).then_some(written))
                })
            };
            let Some(base) = base else { continue };
            // The imported names may be submodules; a parenthesised list may go on.
            let mut names = names.to_string();
            if names.contains('(') && !names.contains(')') {
                let close = memchr::memchr(b')', &bytes[end..]).map_or(bytes.len(), |i| end + i);
                names.push_str(&text[end..close]);
                next_line = close;
            }
            for imported in names.split([',', '(', ')', ' ', '\\', '\n', '\r', '\t']) {
                let imported = imported.trim();
                if imported.is_empty() || imported == "as" || imported == "*" {
                    continue;
                }
                if imported.starts_with('#') {
                    break;
                }
                out.push(format!("{base}.{imported}"));
            }
            out.push(base);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_relative_and_parenthesised_imports() {
        let name = ModuleName {
            name: "pkg.app".into(),
            is_package: false,
        };
        let text = "import os, pkg.util as u\nfrom . import (handlers,\n    auth)\n\
                    from .db import Store\n  from websockets.legacy.server import serve\n";
        let modules = imported_modules(text, Some(&name));
        for expected in [
            "os",
            "pkg.util",
            "pkg.handlers",
            "pkg.auth",
            "pkg.db",
            "pkg",
        ] {
            assert!(
                modules.iter().any(|m| m == expected),
                "{expected}: {modules:?}"
            );
        }
        assert!(modules.iter().any(|m| m == "websockets.legacy.server"));
    }
}
