//! WS402 `reconnect-retry-policy`: `async for ws in connect(...)` now retries only on network
//! errors and HTTP 5xx; `process_exception=` decides which errors are retried.
//! Upstream: websockets 17.4 `asyncio/client.py` (`process_exception`), docs/howto/upgrade.rst.

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use super::callback_code::{has_double_star, keyword};
use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::api;

pub struct ReconnectRetryPolicy;

static META: RuleMeta = RuleMeta {
    code: "WS402",
    name: "reconnect-retry-policy",
    family: Family::BehaviourNotes,
    summary: "`async for ws in connect(...)` retries fewer errors now",
    fix: FixAvailability::None,
    default_severity: Severity::Note,
    enabled_by_default: false,
    since: Version::V14_0,
    needles: &["async for"],
    doc: include_str!("../../rules/WS402.md"),
};

impl Rule for ReconnectRetryPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::NONE
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        let Stmt::For(for_stmt) = stmt else { return };
        if !for_stmt.is_async {
            return;
        }
        let Expr::Call(call) = &*for_stmt.iter else {
            return;
        };
        let is_connect = checker
            .model
            .resolve(&call.func)
            .is_some_and(|q| api::connect_function(&q).is_some());
        if !is_connect || keyword(call, "process_exception").is_some() || has_double_star(call) {
            return;
        }
        checker.report(
            Diagnostic::new(
                &META,
                "`async for ... in connect(...)` reconnects only after network errors and HTTP \
                 5xx responses since websockets 14.0; the legacy client retried after any \
                 exception raised while connecting",
                call.range(),
            )
            .with_help(
                "to retry after any error as the legacy client did, pass \
                 `process_exception=lambda exc: None`: the callback returns `None` to retry and \
                 an exception to raise it (so `lambda exc: exc` would make every error fatal)",
            ),
        );
    }
}
