//! WS207 `keyword-only-argument`: websockets 17.0 made `send(..., text=)` and
//! `broadcast(..., raise_exceptions=)` keyword-only.
//! Upstream: websockets 16.0 `asyncio/connection.py` (`send(message, text=None)`,
//! `broadcast(connections, message, raise_exceptions=False)`), 17.4 `asyncio/connection.py`
//! (both after `*`; `broadcast` gained `text` before `raise_exceptions`). The legacy `broadcast`
//! takes `raise_exceptions` positionally, the legacy `send()` has no second parameter. The
//! asyncio `ping()` has no `ack_on_close` (only the threading one), so it is not covered.

use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::websockets_call::{CallKind, WebsocketsCall};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::Implementation;

pub struct KeywordOnlyArgument;

static META: RuleMeta = RuleMeta {
    code: "WS207",
    name: "keyword-only-argument",
    family: Family::CallArguments,
    summary:
        "`send(msg, True)` and `broadcast(conns, msg, True)` need `text=` / `raise_exceptions=`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V17_0,
    needles: &["send", "broadcast"],
    doc: include_str!("../../rules/WS207.md"),
};

impl Rule for KeywordOnlyArgument {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn interest(&self) -> Interest {
        Interest::CALLS
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Call(call) = expr else { return };
        if let Expr::Attribute(attr) = &*call.func {
            if attr.attr.as_str() == "send" {
                let connection = checker.connection(&attr.value);
                if connection.is_some_and(|c| c.implementation == Implementation::New) {
                    report(checker, call, 1, "send()", "text", Severity::Error);
                }
                return;
            }
        }
        if let Some(target) = WebsocketsCall::of(checker, call) {
            if target.kind == CallKind::Broadcast {
                // `raise_exceptions=` works on the legacy `broadcast()` too: no group needed.
                report(
                    checker,
                    call,
                    2,
                    "broadcast()",
                    "raise_exceptions",
                    target.severity(),
                );
            }
        }
    }
}

fn report(
    checker: &Checker,
    call: &ExprCall,
    position: usize,
    function: &str,
    keyword: &str,
    severity: Severity,
) {
    let args = &call.arguments.args;
    if args.len() != position + 1 || args.iter().any(Expr::is_starred_expr) {
        return;
    }
    let value = &args[position];
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`{keyword}` of `{function}` is keyword-only since websockets 17.0: passed by \
             position it raises `TypeError`"
        ),
        value.range(),
    )
    .with_severity(severity);
    // `f(a, (True))`: the expression's range excludes the parentheses; leave it to a human.
    let before = checker.source[..value.start().to_usize()].trim_end();
    if before.ends_with(',') {
        diagnostic = diagnostic.with_fix(Fix::safe(
            format!("Pass it as `{keyword}=`"),
            vec![Edit::insert(value.start(), format!("{keyword}="))],
        ));
    }
    checker.report(diagnostic);
}
