//! The import graph before parsing: which modules a file's import statements name, read off its
//! lines. Over-approximates (a line inside a string counts too), never misses an import at the
//! start of a line; used to decide which files the project phase parses at all.

use crate::semantic::imports::is_websockets;
use crate::semantic::ModuleName;

/// What the project stage needs of a file's text, read off once when the file is read (so
/// that a run need not keep the texts of the files that mention websockets while it builds the
/// graph).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    /// The import statements, unresolved (a relative one needs the module's name).
    imports: Vec<Import>,
    /// `serve(` and `def `: the module may hand a handler it is given to `serve()`.
    pub serves_parameter: bool,
    /// The module may define something that gives a connection to the modules that import it:
    /// an instance attribute, a function's return or a class (`self.`, `return `, `class `),
    /// next to `connect(`, `Protocol` or `Connect`.
    pub may_define_connection: bool,
    /// The text names websockets and `path` (a handler that is only likely, `(websocket,
    /// path)`, when no module calls `serve()`).
    pub mentions_path: bool,
    /// `from websockets... import name` or `import websockets...`: the module binds websockets
    /// names (also by assignment, `connect = websockets.connect`) that the modules importing it
    /// may use (`from .compat import connect`).
    pub binds_websockets_names: bool,
    /// A line stores to an attribute of something named `...connect` or `...Protocol`
    /// (`Connect.__aiter__ = ...`, `WebSocketServerProtocol.send = ...`): the module may patch
    /// a legacy class, which the modules of its package use whenever they run (importing one
    /// runs the package first).
    pub may_patch: bool,
}

/// One import statement as written.
#[derive(Debug, Clone, PartialEq)]
enum Import {
    /// `import a.b as x`: `a.b`.
    Module(String),
    /// `from ..a import b, c`: level 2, `a`, `[b, c]` (each may be a submodule).
    From {
        level: u32,
        module: String,
        names: Vec<String>,
    },
}

impl Scan {
    /// Over-approximates (a line inside a string counts too), never misses an import at the
    /// start of a line.
    pub fn of(text: &str) -> Scan {
        let contains = |needles: &[&str]| needles.iter().any(|n| has(text, n));
        let imports = imports(text);
        let binds_websockets_names = imports.iter().any(|import| match import {
            Import::From {
                level: 0,
                module,
                names,
            } => is_websockets(module) && !names.is_empty(),
            Import::Module(module) => is_websockets(module),
            _ => false,
        });
        Scan {
            imports,
            binds_websockets_names,
            serves_parameter: has(text, "serve(") && has(text, "def "),
            may_define_connection: contains(&["self.", "return ", "class "])
                && contains(&["connect(", "Protocol", "Connect"]),
            mentions_path: mentions_path(text),
            may_patch: crate::semantic::patches::may_patch(text),
        }
    }

    /// The modules the imports name: `from a.b import c` gives `a.b` and `a.b.c` (it may be a
    /// submodule), `import a.b as x` gives `a.b`, relative imports resolve against `name`.
    pub fn modules(&self, name: Option<&ModuleName>) -> Vec<String> {
        let mut out = Vec::new();
        for import in &self.imports {
            match import {
                Import::Module(module) => out.push(module.clone()),
                Import::From {
                    level,
                    module,
                    names,
                } => {
                    let base = if *level == 0 {
                        Some(module.clone())
                    } else {
                        name.and_then(|n| {
                            n.relative(*level, (!module.is_empty()).then_some(module))
                        })
                    };
                    let Some(base) = base else { continue };
                    out.extend(names.iter().map(|imported| format!("{base}.{imported}")));
                    out.push(base);
                }
            }
        }
        out
    }
}

/// [`Scan::mentions_path`] of a text.
pub fn mentions_path(text: &str) -> bool {
    has(text, "websockets") && has(text, "path")
}

/// `text.contains(needle)` by SIMD search: each test here reads every byte of every seed of a
/// run (`str::contains` took 1.4% of a check of all-relevant's pip/).
fn has(text: &str, needle: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some()
}

/// The modules a file's imports name ([`Scan::modules`] of the text).
pub fn imported_modules(text: &str, name: Option<&ModuleName>) -> Vec<String> {
    Scan {
        imports: imports(text),
        ..Scan::default()
    }
    .modules(name)
}

fn imports(text: &str) -> Vec<Import> {
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
                    out.push(Import::Module(
                        module.trim_end_matches(['(', ')', '\\']).to_string(),
                    ));
                }
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import") else {
                continue;
            };
            let module = module.trim();
            let level = module.len() - module.trim_start_matches('.').len();
            let written = module.trim_start_matches('.');
            // The imported names may be submodules; a parenthesised list may go on.
            let mut names = names.to_string();
            if names.contains('(') && !names.contains(')') {
                let close = memchr::memchr(b')', &bytes[end..]).map_or(bytes.len(), |i| end + i);
                names.push_str(&text[end..close]);
                next_line = close;
            }
            let mut imported = Vec::new();
            for name in names.split([',', '(', ')', ' ', '\\', '\n', '\r', '\t']) {
                let name = name.trim();
                if name.is_empty() || name == "as" || name == "*" {
                    continue;
                }
                if name.starts_with('#') {
                    break;
                }
                imported.push(name.to_string());
            }
            out.push(Import::From {
                level: level as u32,
                module: written.to_string(),
                names: imported,
            });
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

    #[test]
    fn a_scan_keeps_what_the_graph_asks_of_the_text() {
        let text = "from .client import open_client\nimport websockets\n\
                    def run(handler):\n    return websockets.serve(handler, path)\n";
        let scan = Scan::of(text);
        assert!(scan.serves_parameter && scan.mentions_path);
        assert!(
            !scan.may_define_connection,
            "no connect(, Protocol or Connect"
        );
        // A relative import needs the module's name.
        assert_eq!(scan.modules(None), ["websockets"]);
        let name = ModuleName {
            name: "app.server".into(),
            is_package: false,
        };
        assert_eq!(
            scan.modules(Some(&name)),
            ["app.client.open_client", "app.client", "websockets"]
        );
        let client =
            Scan::of("class Client:\n    def __init__(self):\n        self.ws = connect(u)\n");
        assert!(client.may_define_connection && !client.serves_parameter);
        assert!(!client.may_patch);
        let patch = Scan::of("websockets.legacy.client.Connect.__aiter__ = _aiter\n");
        assert!(patch.may_patch);
        assert!(Scan::of("WebSocketServerProtocol.send = counted\n").may_patch);
        for text in [
            "if connect.BACKOFF_MAX == 5: pass\n",
            "print(Connect.__name__)\n",
        ] {
            assert!(!Scan::of(text).may_patch, "{text}");
        }
    }
}
