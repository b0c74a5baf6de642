//! WS403 `subprotocol-negotiation-default`: the new server's default subprotocol selection
//! rejects clients that offer none of the server's subprotocols (HTTP 400) and prefers the
//! server's order; the legacy one continued without a subprotocol and minimized the rank sum.
//! Upstream: websockets 17.4 `server.py` `ServerProtocol.select_subprotocol`.

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use super::callback_code::{has_double_star, keyword, legacy_protocol_class, serve_call};
use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};

pub struct SubprotocolNegotiationDefault;

static META: RuleMeta = RuleMeta {
    code: "WS403",
    name: "subprotocol-negotiation-default",
    family: Family::BehaviourNotes,
    summary: "`serve(subprotocols=...)`: clients offering none of them are now rejected",
    fix: FixAvailability::None,
    default_severity: Severity::Note,
    // On by default: it changes who can connect.
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["subprotocols"],
    doc: include_str!("../../rules/WS403.md"),
};

impl Rule for SubprotocolNegotiationDefault {
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
        let Some(subprotocols) = keyword(serve.call, "subprotocols") else {
            return;
        };
        // Code that imports the new implementation explicitly was written for it: the note
        // would fire forever on a migrated codebase.
        if checker
            .model
            .resolve(&serve.call.func)
            .is_some_and(|q| q.starts_with("websockets.asyncio."))
        {
            return;
        }
        let offers_none = match &subprotocols.value {
            Expr::NoneLiteral(_) => true,
            Expr::List(l) => l.elts.is_empty(),
            Expr::Tuple(t) => t.elts.is_empty(),
            _ => false,
        };
        if offers_none
            || keyword(serve.call, "select_subprotocol").is_some()
            || has_double_star(serve.call)
        {
            return;
        }
        // A protocol subclass with its own selection: WS304 tells where it goes.
        if legacy_protocol_class(checker, serve).is_some_and(|(_, _, methods)| {
            methods
                .iter()
                .any(|m| matches!(m.as_str(), "select_subprotocol" | "process_subprotocol"))
        }) {
            return;
        }
        checker.report(
            Diagnostic::new(
                &META,
                "with `subprotocols=` and no `select_subprotocol=`, the new server (the default \
                 since websockets 14.0) rejects clients that offer none of these subprotocols \
                 with HTTP 400 (the legacy server continued without a subprotocol), and picks the \
                 first of the server's subprotocols the client offers (the legacy server picked \
                 the lowest sum of both ranks)",
                subprotocols.range(),
            )
            .with_help(
                "to keep accepting such clients, pass `select_subprotocol=lambda connection, \
                 subprotocols: next((p for p in SERVER_LIST if p in subprotocols), None)`, with \
                 the same list as `subprotocols=`",
            ),
        );
    }
}
