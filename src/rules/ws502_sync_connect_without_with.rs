//! WS502 `sync-connect-without-with`: since 17.1 the threading `connect()` warns
//! (`DeprecationWarning`) when its connection is used without `with`, unless `legacy=True`.
//! Source: websockets 17.4 `sync/client.py` (`connect(..., legacy=None)`,
//! `ClientConnection.maybe_raise_legacy_warning`, "deprecated in 17.1").

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::fix::arguments::{append_argument_in, has_kwargs_unpack};
use crate::rules::sync_api::{call_in, CONNECT};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct SyncConnectWithoutWith;

static META: RuleMeta = RuleMeta {
    code: "WS502",
    name: "sync-connect-without-with",
    family: Family::Threading,
    summary: "Threading `connect()` outside `with` warns since 17.1: use `with connect(...)` or `legacy=True`",
    fix: FixAvailability::Always,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::new(17, 1),
    needles: &["connect"],
    doc: include_str!("../../rules/WS502.md"),
};

impl Rule for SyncConnectWithoutWith {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        // Calls only: the hook returns at once for anything else.
        Interest::CALLS
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Call(call) = expr else { return };
        if call_in(checker, call, CONNECT).is_none()
            || call.arguments.find_keyword("legacy").is_some()
            || has_kwargs_unpack(&call.arguments)
        {
            return;
        }
        // `with connect(...)`, `stack.enter_context(connect(...))`, and `return connect(...)`
        // (the caller may enter it) are fine.
        let entered = match checker.current_stmt() {
            Some(Stmt::With(with)) => with
                .items
                .iter()
                .any(|i| i.context_expr.range() == call.range()),
            Some(Stmt::Return(ret)) => ret
                .value
                .as_deref()
                .is_some_and(|v| v.range() == call.range()),
            _ => false,
        };
        let in_enter_context = matches!(checker.parent_expr(), Some(Expr::Call(parent))
            if matches!(&*parent.func, Expr::Attribute(a) if a.attr.as_str() == "enter_context"));
        if entered || in_enter_context {
            return;
        }
        // A call recovered from a syntax error may have no parentheses to add to.
        let Some(edit) = append_argument_in(checker.source, &call.arguments, "legacy=True") else {
            return;
        };
        checker.report(
            Diagnostic::new(
                &META,
                "the threading `connect()` is used outside `with`: since websockets 17.1 the \
                 connection raises a `DeprecationWarning` on first use, and a future release \
                 will return a connecter instead of a connection",
                call.range(),
            )
            .with_help("write `with connect(...) as websocket:`; or pass `legacy=True` to keep the direct connection without the warning")
            .with_fix(Fix::safe(
                "Add `legacy=True` (the current behaviour, without the warning)",
                vec![edit],
            )),
        );
    }
}
