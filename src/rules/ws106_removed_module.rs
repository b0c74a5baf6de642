//! WS106 `removed-module`: `websockets.http` and the top-level `framing`, `handshake`,
//! `parse_uri` and `WebSocketURI` aliases, deprecated since 9.0, were removed in 17.0: importing
//! them fails. Each name moves to where the alias pointed.
//!
//! Source: websockets 13.1 `http.py` (re-exports of `datastructures` and `legacy.http`),
//! 13.1 `__init__.py` (`deprecated_aliases`: `framing`/`handshake` → `.legacy`,
//! `parse_uri`/`WebSocketURI` → `.uri`); 17.4 has no `http.py` and no such aliases, but still
//! `datastructures.py`, `uri.py` and `legacy/{framing,handshake,http}.py`.

use ruff_python_ast::{Expr, ExprContext, Stmt, StmtImportFrom};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::fix::importer::ImportedName;
use crate::rules::ws101_legacy_import::{rewrite, Placed};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};

pub struct RemovedModule;

static META: RuleMeta = RuleMeta {
    code: "WS106",
    name: "removed-module",
    family: Family::ImportsAndNames,
    summary: "`websockets.http`, `websockets.framing`, `websockets.handshake` and the top-level \
              `parse_uri` / `WebSocketURI` were removed in 17.0",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V17_0,
    needles: &["http", "framing", "handshake", "parse_uri", "WebSocketURI"],
    doc: include_str!("../../rules/WS106.md"),
};

/// Removed name → (module of its new home, name there).
const MOVED: &[(&str, &str, &str)] = &[
    (
        "websockets.http.Headers",
        "websockets.datastructures",
        "Headers",
    ),
    (
        "websockets.http.MultipleValuesError",
        "websockets.datastructures",
        "MultipleValuesError",
    ),
    (
        "websockets.http.read_request",
        "websockets.legacy.http",
        "read_request",
    ),
    (
        "websockets.http.read_response",
        "websockets.legacy.http",
        "read_response",
    ),
    ("websockets.framing", "websockets.legacy", "framing"),
    ("websockets.handshake", "websockets.legacy", "handshake"),
    ("websockets.parse_uri", "websockets.uri", "parse_uri"),
    ("websockets.WebSocketURI", "websockets.uri", "WebSocketURI"),
];

/// Modules that no longer exist (their names without a row in `MOVED` have no new home).
const REMOVED_MODULES: &[&str] = &[
    "websockets.http",
    "websockets.framing",
    "websockets.handshake",
];

/// New homes in `MOVED` that are modules themselves: `import` them, not their package.
const NEW_SUBMODULES: &[&str] = &["websockets.legacy.framing", "websockets.legacy.handshake"];

fn moved(qualified: &str) -> Option<(&'static str, &'static str)> {
    MOVED
        .iter()
        .find(|(old, _, _)| *old == qualified)
        .map(|(_, module, name)| (*module, *name))
}

/// Is `qualified` inside a removed module, or one itself?
fn removed(qualified: &str) -> bool {
    REMOVED_MODULES.iter().any(|m| {
        qualified == *m
            || qualified
                .strip_prefix(m)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

impl Rule for RemovedModule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::attributes(|_| true)
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        match stmt {
            Stmt::ImportFrom(import) => from_import(checker, import),
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    if !removed(module) {
                        continue;
                    }
                    let diagnostic = Diagnostic::new(
                        &META,
                        format!(
                            "`import {module}` fails: the module was removed in websockets 17.0"
                        ),
                        alias.range,
                    );
                    if alias.asname.is_some() {
                        checker.report(diagnostic.with_help(
                            "its uses are rewritten to the new homes; then remove this import",
                        ));
                    } else {
                        // `import websockets.http` binds `websockets`; so does `import websockets`.
                        checker.report(diagnostic.with_fix(Fix::safe(
                            "Import `websockets` (uses of the module are rewritten separately)",
                            vec![Edit::replace(alias.name.range(), "websockets")],
                        )));
                    }
                }
            }
            _ => {}
        }
    }

    /// Dotted uses: `websockets.http.Headers`, `http.Headers` after `from websockets import
    /// http`, `websockets.parse_uri`, `websockets.framing.parse_close`.
    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Attribute(attr) = expr else { return };
        if attr.ctx != ExprContext::Load {
            return;
        }
        let Some(qualified) = checker.model.resolve(expr) else {
            return;
        };
        let is_value_of_parent = matches!(
            checker.parent_expr(),
            Some(Expr::Attribute(parent)) if parent.value.range() == expr.range()
        );
        if let Some((module, name)) = moved(&qualified) {
            let edits = dotted_replacement(checker, expr, module, name);
            checker.report(
                Diagnostic::new(
                    &META,
                    format!("`{qualified}` was removed in websockets 17.0; use `{module}.{name}`"),
                    attr.range,
                )
                .with_fix(Fix::safe(format!("Use `{module}.{name}`"), edits)),
            );
            return;
        }
        // `websockets.framing.parse_close`: the `websockets.framing` part is rewritten.
        let prefix_moves = qualified
            .match_indices('.')
            .any(|(i, _)| moved(&qualified[..i]).is_some());
        if prefix_moves || !removed(&qualified) {
            return;
        }
        // `websockets.http` inside `websockets.http.foo`: reported once, on the whole reference.
        if is_value_of_parent {
            return;
        }
        checker.report(
            Diagnostic::new(
                &META,
                format!("`{qualified}` was removed in websockets 17.0"),
                attr.range,
            )
            .with_help(no_home_help(&qualified)),
        );
    }
}

/// `websockets.parse_uri` → `websockets.uri.parse_uri` plus `import websockets.uri` when the
/// reference starts at a plain `import websockets`; otherwise a `from` import of the name.
fn dotted_replacement(checker: &Checker, expr: &Expr, module: &str, name: &str) -> Vec<Edit> {
    let importer = checker.importer();
    let root = checker.model.imports.root_binding(expr);
    let plain_root = root.is_some_and(|b| b.qualified == "websockets")
        && checker.slice(expr.range()).starts_with("websockets.");
    let imported = if plain_root {
        let qualified = format!("{module}.{name}");
        let module_import = if NEW_SUBMODULES.contains(&qualified.as_str()) {
            importer.import_module(&qualified, expr.start())
        } else {
            importer.import_module(module, expr.start())
        };
        ImportedName {
            local: format!("{module}.{name}"),
            edit: module_import.edit,
        }
    } else {
        importer.from_import(module, name, expr.start())
    };
    let mut edits = vec![Edit::replace(expr.range(), imported.local)];
    edits.extend(imported.edit);
    edits
}

fn no_home_help(qualified: &str) -> &'static str {
    if qualified == "websockets.http" {
        "import `Headers` / `MultipleValuesError` from `websockets.datastructures` and \
         `read_request` / `read_response` from `websockets.legacy.http`"
    } else {
        "the new implementation has no public equivalent"
    }
}

fn from_import(checker: &Checker, import: &StmtImportFrom) {
    let Some(module) = import.module.as_ref().map(|m| m.as_str()) else {
        return;
    };
    if import.level > 0 || !(module == "websockets" || module.starts_with("websockets.")) {
        return;
    }
    let mut placed = Vec::new();
    let mut moves = Vec::new();
    let mut stuck = Vec::new();
    for alias in &import.names {
        let name = alias.name.as_str();
        let qualified = format!("{module}.{name}");
        let text = checker.slice(alias.range).to_string();
        if let Some((new_module, new_name)) = moved(&qualified) {
            let asname = alias.asname.as_ref().map(|a| a.as_str());
            let text = match asname {
                Some(a) if a != new_name => format!("{new_name} as {a}"),
                _ => new_name.to_string(),
            };
            moves.push(format!("`{name}` → `{new_module}.{new_name}`"));
            placed.push(Placed {
                module: new_module.to_string(),
                text,
            });
        } else if removed(&qualified) {
            stuck.push(format!("`{name}` ({})", no_home_help(&qualified)));
            placed.push(Placed {
                module: module.to_string(),
                text,
            });
        } else {
            placed.push(Placed {
                module: module.to_string(),
                text,
            });
        }
    }
    if moves.is_empty() && stuck.is_empty() {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        &META,
        format!("`from {module} import ...` imports names removed in websockets 17.0"),
        import.range,
    );
    let mut help = Vec::new();
    if !moves.is_empty() {
        help.push(format!("new homes: {}", moves.join(", ")));
    }
    if !stuck.is_empty() {
        help.push(format!(
            "no new home under this name: {}; its uses are rewritten, then remove it",
            stuck.join("; ")
        ));
    }
    diagnostic.help = Some(help.join("\n"));
    if stuck.is_empty() {
        if let Some(edits) = rewrite(checker, import, &placed) {
            diagnostic = diagnostic.with_fix(Fix::safe("Import from the new homes", edits));
        }
    }
    checker.report(diagnostic);
}
