//! WS501 `sync-socket-argument`: the first argument of the threading `ClientConnection`,
//! `ServerConnection` and `Server` is `sock` since 17.0 (it was `socket`).
//! Source: `inspect.signature(...__init__)` in websockets 16.0 and 17.0; changelog 17.0.

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::fix::arguments::rename_keyword;
use crate::rules::sync_api::{call_in, SOCKET_CLASSES};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct SyncSocketArgument;

static META: RuleMeta = RuleMeta {
    code: "WS501",
    name: "sync-socket-argument",
    family: Family::Threading,
    summary: "Threading `ClientConnection` / `ServerConnection` / `Server`: `socket=` is `sock=` since 17.0",
    fix: FixAvailability::Always,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V17_0,
    needles: &["socket="],
    doc: include_str!("../../rules/WS501.md"),
};

impl Rule for SyncSocketArgument {
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
        let Some(qualified) = call_in(checker, call, SOCKET_CLASSES) else {
            return;
        };
        let Some(keyword) = call.arguments.find_keyword("socket") else {
            return;
        };
        let class = qualified.rsplit('.').next().unwrap_or("");
        let mut diagnostic = Diagnostic::new(
            &META,
            format!("`{class}(socket=...)` raises `TypeError` since websockets 17.0: the argument is `sock`"),
            keyword.range(),
        );
        if let Some(edit) = rename_keyword(keyword, "sock") {
            diagnostic = diagnostic.with_fix(Fix::safe("Rename to `sock=`", vec![edit]));
        }
        checker.report(diagnostic);
    }
}
