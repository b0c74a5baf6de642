//! WS304 `legacy-protocol-hook`: the new server has no protocol class to subclass; the hooks a
//! legacy `WebSocketServerProtocol` subclass overrides become arguments of `serve()`.
//! Upstream: docs/howto/upgrade.rst, "Customizing the opening handshake".

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use super::callback_code::{legacy_protocol_class, serve_call};
use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::Implementation;

pub struct LegacyProtocolHook;

static META: RuleMeta = RuleMeta {
    code: "WS304",
    name: "legacy-protocol-hook",
    family: Family::Callbacks,
    summary: "A legacy protocol subclass overrides hooks that are now `serve()` arguments",
    fix: FixAvailability::None,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["create_protocol", "klass"],
    doc: include_str!("../../rules/WS304.md"),
};

/// Hooks of the legacy `WebSocketServerProtocol` (13.1) and what replaces each on the new
/// server (17.4 `serve()` arguments).
const HOOKS: &[(&str, &str)] = &[
    (
        "process_request",
        "`serve(process_request=...)`, a function `(connection, request)` returning `None` or \
         `connection.respond(status, text)`",
    ),
    (
        "select_subprotocol",
        "`serve(select_subprotocol=...)`, a function `(connection, subprotocols)`",
    ),
    (
        "process_subprotocol",
        "`serve(select_subprotocol=...)`, a function `(connection, subprotocols)`",
    ),
    (
        "process_origin",
        "`serve(origins=[...])`, or a check of `request.headers[\"Origin\"]` in `process_request`",
    ),
    ("process_extensions", "`serve(extensions=[...])`"),
    (
        "write_http_response",
        "`serve(process_response=...)`, a function `(connection, request, response)`",
    ),
    (
        "read_http_request",
        "`serve(process_request=...)`, a function `(connection, request)`",
    ),
    (
        "handshake",
        "`serve(process_request=...)` and `serve(process_response=...)`",
    ),
    (
        "connection_made",
        "code at the start of the connection handler",
    ),
    (
        "connection_open",
        "code at the start of the connection handler",
    ),
    (
        "connection_lost",
        "code after `await websocket.wait_closed()` (or in a `finally:`) in the handler",
    ),
    (
        "__init__",
        "`serve()` arguments, or attributes set on the connection in the handler",
    ),
];

impl Rule for LegacyProtocolHook {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::CALLS
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Some(serve) = serve_call(checker, expr) else {
            return;
        };
        let Some((argument, class, methods)) = legacy_protocol_class(checker, serve) else {
            return;
        };
        let hooks: Vec<String> = methods
            .iter()
            .filter_map(|m| {
                HOOKS
                    .iter()
                    .find(|(hook, _)| hook == m)
                    .map(|(hook, new)| format!("`{hook}` → {new}"))
            })
            .collect();
        if hooks.is_empty() {
            return;
        }
        let others: Vec<String> = methods
            .iter()
            .filter(|m| !HOOKS.iter().any(|(hook, _)| hook == *m))
            .map(|m| format!("`{m}`"))
            .collect();
        let keyword = argument
            .arg
            .as_ref()
            .map_or("create_protocol", |a| a.as_str());
        let mut help = format!("move each hook: {}", hooks.join("; "));
        if !others.is_empty() {
            help.push_str(&format!(
                "; other methods ({}) become functions taking the connection",
                others.join(", ")
            ));
        }
        checker.report(
            Diagnostic::new(
                &META,
                format!(
                    "`{keyword}={class}` customizes the legacy server through a protocol \
                     subclass; the new server (the default since websockets 14.0) has no \
                     `{keyword}` and takes these hooks as `serve()` arguments"
                ),
                argument.range(),
            )
            .with_severity(match serve.implementation {
                Implementation::New => Severity::Error,
                Implementation::Legacy => Severity::Deprecation,
            })
            .with_help(help),
        );
    }
}
