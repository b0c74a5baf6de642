//! WS207 `keyword-only-argument`: websockets 17.0 made `send(..., text=)` and
//! `broadcast(..., raise_exceptions=)` keyword-only.
//! Upstream: websockets 16.0 `asyncio/connection.py` (`send(message, text=None)`,
//! `broadcast(connections, message, raise_exceptions=False)`), 17.4 `asyncio/connection.py`
//! (both after `*`; `broadcast` gained `text` before `raise_exceptions`). The legacy `broadcast`
//! still takes `raise_exceptions` positionally in 17.4 (`legacy/protocol.py`): there the
//! finding is a deprecation whose fix joins the legacy import's group (WS101), since the
//! positional argument breaks only once the import switches. The legacy `send()` has no second
//! parameter. The asyncio `ping()` has no `ack_on_close` (only the threading one), so it is not
//! covered. When a dict the call unpacks with `**` sets the keyword as well, the finding has no
//! fix (by name the argument would be given twice).

use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::websockets_call::{unpacked_entry, CallKind, WebsocketsCall};
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

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
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
                    if let Some(diagnostic) = positional(checker, call, 1, "send()", "text") {
                        checker.report(diagnostic.with_severity(Severity::Error));
                    }
                }
                return;
            }
        }
        let Some(target) = WebsocketsCall::of(checker, call) else {
            return;
        };
        if target.kind != CallKind::Broadcast {
            return;
        }
        let function = "broadcast()";
        if let Some(diagnostic) = positional(checker, call, 2, function, "raise_exceptions") {
            let diagnostic = match target.implementation {
                Implementation::New => diagnostic,
                // 17.4's legacy `broadcast()` still takes it by position.
                Implementation::Legacy => Diagnostic {
                    message: format!(
                        "`raise_exceptions` passed by position to the legacy `{function}`: {}",
                        target.consequence()
                    ),
                    ..diagnostic
                },
            };
            checker.report(target.diagnostic(checker, diagnostic, None));
        }
    }
}

/// The argument at `position` when it is the last one and passed by position, reported with
/// the keyword-only message and a fix that names it.
fn positional(
    checker: &Checker,
    call: &ExprCall,
    position: usize,
    function: &str,
    keyword: &str,
) -> Option<Diagnostic> {
    let args = &call.arguments.args;
    if args.len() != position + 1 || args.iter().any(Expr::is_starred_expr) {
        return None;
    }
    let value = &args[position];
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`{keyword}` of `{function}` is keyword-only since websockets 17.0: passed by \
             position it raises `TypeError`"
        ),
        value.range(),
    );
    // A dict the call unpacks that sets the keyword too: by name it would be given twice.
    if unpacked_entry(checker, call, keyword).is_some() {
        return Some(diagnostic.with_help(format!(
            "the dict unpacked with `**` also sets `{keyword}`: decide which value to keep"
        )));
    }
    // `f(a, (True))`: the expression's range excludes the parentheses; leave it to a human.
    let before = checker.source[..value.start().to_usize()].trim_end();
    if before.ends_with(',') {
        diagnostic = diagnostic.with_fix(Fix::safe(
            format!("Pass it as `{keyword}=`"),
            vec![Edit::insert(value.start(), format!("{keyword}="))],
        ));
    }
    Some(diagnostic)
}
