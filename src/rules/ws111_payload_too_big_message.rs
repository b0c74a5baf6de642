//! WS111 `payload-too-big-message`: `PayloadTooBig(message)` is deprecated since 14.0; the
//! exception takes `(size, max_size)` and writes its own message.
//! Source: websockets 17.4 `exceptions.py` (`PayloadTooBig.__init__(size_or_message,
//! max_size=None, current_size=None)`: a `str` warns, "deprecated in 14.0"); changelog 14.0.

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct PayloadTooBigMessage;

static META: RuleMeta = RuleMeta {
    code: "WS111",
    name: "payload-too-big-message",
    family: Family::ImportsAndNames,
    summary: "`PayloadTooBig(message)` is deprecated: raise `PayloadTooBig(size, max_size)`",
    fix: FixAvailability::None,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["PayloadTooBig"],
    doc: include_str!("../../rules/WS111.md"),
};

const QUALIFIED: &[&str] = &[
    "websockets.exceptions.PayloadTooBig",
    "websockets.PayloadTooBig",
];

impl Rule for PayloadTooBigMessage {
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
        let is_exception = checker
            .model
            .resolve(&call.func)
            .is_some_and(|q| QUALIFIED.contains(&q.as_str()));
        let [argument] = &call.arguments.args[..] else {
            return;
        };
        let is_text = matches!(argument, Expr::StringLiteral(_) | Expr::FString(_))
            || matches!(argument, Expr::BinOp(_) if checker.slice(argument.range()).contains('"'));
        if !is_exception || !is_text || !call.arguments.keywords.is_empty() {
            return;
        }
        checker.report(
            Diagnostic::new(
                &META,
                "`PayloadTooBig(message)` is deprecated since websockets 14.0 (it warns); the \
                 exception takes the sizes and formats the message itself",
                call.range(),
            )
            .with_help(
                "raise `PayloadTooBig(size, max_size)` with the frame's size and the limit, as \
                 numbers",
            ),
        );
    }
}
