//! WS105 `legacy-handshake-exceptions`: `AbortHandshake` and `RedirectHandshake` belong to the
//! legacy implementation (deprecated aliases on 17.x; the new server and client neither raise
//! nor catch them); `WebSocketProtocolError` is a deprecated alias of `ProtocolError`.
//!
//! Source: websockets 13.1 `legacy/exceptions.py` (`ProtocolError as WebSocketProtocolError`,
//! `AbortHandshake`, `RedirectHandshake`), `legacy/server.py` / `legacy/client.py` (where they are
//! raised and caught), 17.4 `exceptions.py` and `__init__.py` (`deprecated_aliases`),
//! `asyncio/server.py` (`ServerConnection.respond`), `asyncio/client.py` (`process_redirect`).

use ruff_python_ast::{Expr, ExprContext, Stmt, StmtImportFrom};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, FixGroup, GroupRole, Severity};
use crate::rules::legacy_names::mentions_identifier;
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};

pub struct LegacyHandshakeExceptions;

static META: RuleMeta = RuleMeta {
    code: "WS105",
    name: "legacy-handshake-exceptions",
    family: Family::ImportsAndNames,
    summary: "`AbortHandshake`, `RedirectHandshake` and `WebSocketProtocolError` are legacy",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &[
        "AbortHandshake",
        "RedirectHandshake",
        "WebSocketProtocolError",
    ],
    doc: include_str!("../../rules/WS105.md"),
};

/// Legacy exception → the modules that export it (13.1 and 17.4) and what replaces it.
const EXCEPTIONS: &[(&str, &[&str], Replacement)] = &[
    (
        "AbortHandshake",
        &[
            "websockets",
            "websockets.exceptions",
            "websockets.legacy.exceptions",
            "websockets.legacy.server",
        ],
        Replacement::Advice(
            "in the new implementation, `process_request(connection, request)` returns \
             `connection.respond(status, text)` instead of raising `AbortHandshake`; set extra \
             headers on the response it returns (`response.headers[\"...\"] = ...`)",
        ),
    ),
    (
        "RedirectHandshake",
        &[
            "websockets",
            "websockets.exceptions",
            "websockets.legacy.exceptions",
            "websockets.legacy.client",
        ],
        Replacement::Advice(
            "the new `connect()` follows redirects itself and never raises it (a redirect it \
             cannot follow raises `InvalidStatus` or `SecurityError`); to redirect from a server, \
             `process_request` returns `response = connection.respond(302, \"\")` after setting \
             `response.headers[\"Location\"]`",
        ),
    ),
    (
        "WebSocketProtocolError",
        &[
            "websockets",
            "websockets.exceptions",
            "websockets.legacy.exceptions",
        ],
        Replacement::Renamed("ProtocolError"),
    ),
];

#[derive(Clone, Copy)]
enum Replacement {
    /// No equivalent: report with this advice.
    Advice(&'static str),
    /// The same object under a public name, in `websockets` and `websockets.exceptions`.
    Renamed(&'static str),
}

fn lookup(qualified: &str) -> Option<(&'static str, Replacement)> {
    let (module, name) = qualified.rsplit_once('.')?;
    EXCEPTIONS
        .iter()
        .find(|(n, modules, _)| *n == name && modules.contains(&module))
        .map(|(n, _, r)| (*n, *r))
}

/// Modules where the renamed exception exists under its new name.
fn has_new_name(module: &str) -> bool {
    matches!(module, "websockets" | "websockets.exceptions")
}

impl Rule for LegacyHandshakeExceptions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::NAMES_AND_ATTRIBUTES
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        if let Stmt::ImportFrom(import) = stmt {
            import_from(checker, import);
        }
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let loaded = match expr {
            Expr::Name(n) => n.ctx == ExprContext::Load,
            Expr::Attribute(a) => a.ctx == ExprContext::Load,
            _ => false,
        };
        if !loaded {
            return;
        }
        let Some(qualified) = checker.model.resolve(expr) else {
            return;
        };
        let Some((name, replacement)) = lookup(&qualified) else {
            return;
        };
        let diagnostic = Diagnostic::new(
            &META,
            format!("`{name}` is part of the legacy implementation"),
            expr.range(),
        );
        let new = match replacement {
            Replacement::Advice(advice) => {
                checker.report(diagnostic.with_help(advice));
                return;
            }
            Replacement::Renamed(new) => new,
        };
        let diagnostic = Diagnostic::new(
            &META,
            format!("`{name}` is a deprecated alias of `{new}`"),
            expr.range(),
        );
        match expr {
            Expr::Name(n) => {
                let Some(binding) = checker.model.imports.import_of(n) else {
                    return;
                };
                if checker.slice(binding.alias).contains(" as ") {
                    return; // The import is renamed; the alias stays.
                }
                let diagnostic = diagnostic.with_group(Some(FixGroup {
                    key: binding.alias,
                    role: GroupRole::Member,
                    file: None,
                }));
                if renamable(checker, &binding.qualified, new) {
                    checker.report(diagnostic.with_fix(Fix::safe(
                        format!("Use `{new}`"),
                        vec![Edit::replace(n.range, new)],
                    )));
                } else {
                    checker.report(diagnostic.with_help(format!("rename it to `{new}` by hand")));
                }
            }
            Expr::Attribute(attr) => {
                let base = checker.model.resolve(&attr.value).unwrap_or_default();
                let edits = if has_new_name(&base) {
                    vec![Edit::replace(attr.attr.range(), new)]
                } else {
                    let importer = checker.importer();
                    let imported = importer.from_import("websockets.exceptions", new, attr.start());
                    let mut edits = vec![Edit::replace(attr.range, imported.local)];
                    edits.extend(imported.edit);
                    edits
                };
                checker.report(diagnostic.with_fix(Fix::safe(format!("Use `{new}`"), edits)));
            }
            _ => {}
        }
    }
}

/// Can an unaliased import of `qualified` and its uses switch to `new`?
fn renamable(checker: &Checker, qualified: &str, new: &str) -> bool {
    let module = qualified.rsplit_once('.').map_or("", |(m, _)| m);
    has_new_name(module) && !mentions_identifier(checker.source, new)
}

fn import_from(checker: &Checker, import: &StmtImportFrom) {
    let Some(module) = import.module.as_ref().map(|m| m.as_str()) else {
        return;
    };
    if import.level > 0 {
        return;
    }
    for alias in &import.names {
        let qualified = format!("{module}.{}", alias.name.as_str());
        let Some((name, replacement)) = lookup(&qualified) else {
            continue;
        };
        match replacement {
            Replacement::Advice(advice) => checker.report(
                Diagnostic::new(
                    &META,
                    format!("`{name}` is part of the legacy implementation"),
                    alias.range,
                )
                .with_help(format!("{advice}; then remove this import")),
            ),
            Replacement::Renamed(new) => {
                let diagnostic = Diagnostic::new(
                    &META,
                    format!("`{name}` is a deprecated alias of `{new}`"),
                    alias.range,
                )
                // Keyed by the name, not the statement: WS101 may switch the same statement
                // (a group of its own; the two fixes then apply in successive passes).
                .with_group(Some(FixGroup {
                    key: alias.range,
                    role: GroupRole::Anchor,
                    file: None,
                }));
                let fixable = has_new_name(module)
                    && (alias.asname.is_some() || renamable(checker, &qualified, new));
                checker.report(if fixable {
                    diagnostic.with_fix(Fix::safe(
                        format!("Import `{new}`"),
                        vec![Edit::replace(alias.name.range(), new)],
                    ))
                } else {
                    diagnostic.with_help(format!(
                        "import `{new}` from `websockets.exceptions` and rename the uses by hand"
                    ))
                });
            }
        }
    }
}
