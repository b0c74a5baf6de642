//! WS203 `removed-argument`: `loop=`, `legacy_recv=` and `read_limit=` of the legacy
//! `connect()`/`serve()` do not exist in the new implementation.
//! Upstream: docs/howto/upgrade.rst ("Arguments of connect() and serve()"); legacy 13.1
//! `Connect.__init__`/`Serve.__init__` pop `loop` and `legacy_recv` from `**kwargs` and take
//! `read_limit`; 17.4 `asyncio.client.connect`/`asyncio.server.serve` pass unknown keywords to
//! `loop.create_connection()`/`create_server()`, which raise `TypeError`.

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::fix::arguments::remove_argument;
use crate::rules::websockets_call::{CallKind, WebsocketsCall};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};

pub struct RemovedArgument;

static META: RuleMeta = RuleMeta {
    code: "WS203",
    name: "removed-argument",
    family: Family::CallArguments,
    summary: "`loop=`, `legacy_recv=` and `read_limit=` were removed from `connect()`/`serve()`",
    fix: FixAvailability::Always,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["loop", "legacy_recv", "read_limit"],
    doc: include_str!("../../rules/WS203.md"),
};

/// Removed keyword, whether deleting it keeps behaviour, and why.
const REMOVED: &[(&str, Applicability, &str)] = &[
    (
        "loop",
        Applicability::Safe,
        "deprecated since 10.0; the running loop is used anyway",
    ),
    (
        "legacy_recv",
        Applicability::Unsafe,
        "`recv()` now raises `ConnectionClosed` instead of returning `None`: check the code \
         that tested for `None`",
    ),
    (
        "read_limit",
        Applicability::Unsafe,
        "the new implementation has no separate read buffer limit; `max_size` and `max_queue` \
         bound memory instead",
    ),
];

impl Rule for RemovedArgument {
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
        let Some(target) = WebsocketsCall::of(checker, call) else {
            return;
        };
        if target.kind == CallKind::Broadcast {
            return;
        }
        for &(name, applicability, why) in REMOVED {
            let Some(keyword) = target.keyword(name) else {
                if let Some(key) = target.unpacked_key(checker, name) {
                    let diagnostic = Diagnostic::new(
                        &META,
                        format!(
                            "`\"{name}\"`, unpacked into `{}`, was removed: {}",
                            target.function_name(),
                            target.consequence()
                        ),
                        key,
                    )
                    .with_help(format!("`{name}`: {why}; remove the entry from the dict"));
                    checker.report(target.diagnostic(checker, diagnostic, None));
                }
                continue;
            };
            let mut diagnostic = Diagnostic::new(
                &META,
                format!(
                    "`{name}=` was removed from `{}`: {}",
                    target.function_name(),
                    target.consequence()
                ),
                keyword.range(),
            )
            .with_help(format!("`{name}`: {why}"));
            if let Some(edit) = remove_argument(checker.source, &call.arguments, keyword.range()) {
                diagnostic = diagnostic.with_fix(Fix {
                    applicability,
                    title: format!("Remove `{name}=`"),
                    edits: vec![edit],
                });
            }
            checker.report(target.diagnostic(checker, diagnostic, Some(name)));
        }
    }
}
