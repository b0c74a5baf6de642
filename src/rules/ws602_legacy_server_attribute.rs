//! WS602 `legacy-server-attribute`: attributes of the legacy server objects (`WebSocketServer`,
//! and the `Serve` awaitable that `serve()` returned) that the new `Server` lacks.
//!
//! The table is the set difference of the attributes (class attributes, properties, methods and
//! every `self.X = ...`) of websockets 13.1 `legacy.server.WebSocketServer` and
//! `legacy.server.Serve` minus those of 17.4 `asyncio.server.Server` (17.4 `serve()` returns
//! the `Server` itself), minus dunders (script in rules/WS602.md).

use ruff_python_ast::{Expr, ExprContext};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::server_object::{server_object, Stage};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};
use crate::semantic::Implementation;

pub struct LegacyServerAttribute;

static META: RuleMeta = RuleMeta {
    code: "WS602",
    name: "legacy-server-attribute",
    family: Family::Server,
    summary: "Attribute of the legacy server (`server.websockets`, `serve(...).ws_server`, ...) that the new `Server` lacks",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &[
        "websockets",
        "ws_server",
        "register",
        "closed_waiter",
        "wrap",
        "_create_server",
    ],
    doc: include_str!("../../rules/WS602.md"),
};

/// What replaces a legacy attribute.
enum Becomes {
    /// Rename the attribute (unsafe: the meaning differs as the advice says).
    Rename(&'static str),
    /// Drop `.attr`: the receiver already is what it gave (safe).
    Drop,
    /// No fix.
    Report,
}

struct Entry {
    name: &'static str,
    /// Which legacy object had it.
    on: Stage,
    becomes: Becomes,
    advice: &'static str,
}

const TABLE: &[Entry] = &[
    Entry {
        name: "websockets",
        on: Stage::Server,
        becomes: Becomes::Rename("connections"),
        advice: "`server.connections` is the set of open connections; the legacy \
                 `server.websockets` also held connections still in the opening or closing \
                 handshake",
    },
    Entry {
        name: "ws_server",
        on: Stage::Unawaited,
        becomes: Becomes::Drop,
        advice: "the new `serve()` returns the `Server` itself",
    },
    Entry {
        name: "register",
        on: Stage::Server,
        becomes: Becomes::Report,
        advice: "the new server tracks its connections itself: read `server.connections` \
                 instead of registering them",
    },
    Entry {
        name: "unregister",
        on: Stage::Server,
        becomes: Becomes::Report,
        advice: "the new server tracks its connections itself: read `server.connections` \
                 instead of unregistering them",
    },
    Entry {
        name: "closed_waiter",
        on: Stage::Server,
        becomes: Becomes::Report,
        advice: "internal future of the legacy server: `await server.wait_closed()` waits for \
                 the same event",
    },
    Entry {
        name: "wrap",
        on: Stage::Server,
        becomes: Becomes::Report,
        advice: "internal: the new `Server` creates its `asyncio.Server` itself when started; \
                 `server.server` is that object",
    },
    Entry {
        name: "_create_server",
        on: Stage::Unawaited,
        becomes: Becomes::Report,
        advice: "private coroutine of the legacy `Serve`: the new `Server` keeps it as the \
                 private `create_server`; await `serve(...)` instead",
    },
];

impl Rule for LegacyServerAttribute {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    // A module-level server (`s = serve(...)`) is in the vocabulary: the `serve()` binds it.
    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        // Attributes only: the hook returns at once for anything else.
        Interest::attributes(|name| TABLE.iter().any(|e| e.name == name))
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Attribute(attr) = expr else { return };
        let name = attr.attr.as_str();
        let Some(entry) = TABLE.iter().find(|e| e.name == name) else {
            return;
        };
        let Some(server) = server_object(checker, &attr.value) else {
            return;
        };
        if server.stage != entry.on || checker.model.definitions.defines_method(name) {
            return;
        }
        let receiver = checker.slice(attr.value.range());
        let (severity, consequence) = match server.implementation {
            Implementation::New => (Severity::Error, "the new `Server` has no such attribute"),
            Implementation::Legacy => (
                Severity::Deprecation,
                "it exists only on the legacy server, not on the new `Server`",
            ),
        };
        let mut diagnostic = Diagnostic::new(
            &META,
            format!("`{receiver}.{name}`: {consequence}"),
            attr.range(),
        )
        .with_severity(severity)
        .with_help(entry.advice.replace("`server.", &format!("`{receiver}.")))
        .with_group(server.group);
        let fixable = server.implementation == Implementation::New || server.group.is_some();
        let load = matches!(attr.ctx, ExprContext::Load);
        if fixable && load {
            diagnostic = match entry.becomes {
                Becomes::Rename(new) => diagnostic.with_fix(Fix::unsafe_(
                    format!("Replace with `{receiver}.{new}`"),
                    vec![Edit::replace(attr.attr.range(), new)],
                )),
                Becomes::Drop => diagnostic.with_fix(Fix::safe(
                    format!("Replace with `{receiver}`"),
                    vec![Edit::delete(TextRange::new(attr.value.end(), attr.end()))],
                )),
                Becomes::Report => diagnostic,
            };
        }
        checker.report(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_documented_once() {
        let doc = include_str!("../../rules/WS602.md");
        for entry in TABLE {
            let row = format!("| `{}` |", entry.name);
            assert_eq!(doc.matches(&row).count(), 1, "rules/WS602.md: {row}");
        }
        assert_eq!(doc.matches("\n| `").count(), TABLE.len());
    }
}
