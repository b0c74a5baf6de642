//! WS201 `connect-extra-headers`: `connect(extra_headers=...)` is
//! `connect(additional_headers=...)` in the new implementation.
//! Upstream: docs/howto/upgrade.rst; legacy 13.1 `Connect.__init__` (`extra_headers`,
//! `user_agent_header`), 17.4 `asyncio.client.connect` (`additional_headers`,
//! `user_agent_header`). Both apply the extra headers first and set `User-Agent` only when it is
//! missing (`setdefault`), so a lone `User-Agent` header equals `user_agent_header=`.

use ruff_python_ast::Expr;
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::fix::arguments::{rename_keyword, rename_string_key};
use crate::rules::header_literal::lone_header;
use crate::rules::websockets_call::{CallKind, WebsocketsCall};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};

pub struct ConnectExtraHeaders;

static META: RuleMeta = RuleMeta {
    code: "WS201",
    name: "connect-extra-headers",
    family: Family::CallArguments,
    summary: "`connect(extra_headers=...)` is `connect(additional_headers=...)`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["extra_headers"],
    doc: include_str!("../../rules/WS201.md"),
};

impl Rule for ConnectExtraHeaders {
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
        if target.kind != CallKind::Connect {
            return;
        }
        let Some(keyword) = target.keyword("extra_headers") else {
            if let Some(key) = target.unpacked_key(checker, "extra_headers") {
                report_unpacked(checker, &target, key);
            }
            return;
        };
        let mut diagnostic = Diagnostic::new(
            &META,
            format!(
                "`extra_headers=` of `connect()` is `additional_headers=` in the new \
                 implementation; {}",
                target.consequence()
            ),
            keyword.range(),
        );
        let user_agent = lone_header(&keyword.value, "User-Agent")
            .filter(|_| target.keyword("user_agent_header").is_none());
        let fix = if target.keyword("additional_headers").is_some() {
            diagnostic = diagnostic.with_help(
                "`additional_headers=` is given too: merge the two into `additional_headers=`",
            );
            None
        } else if let Some(value) = user_agent {
            Some(Fix::safe(
                "Replace with `user_agent_header=`",
                vec![Edit::replace(
                    keyword.range(),
                    format!("user_agent_header={}", checker.slice(value.range())),
                )],
            ))
        } else {
            rename_keyword(keyword, "additional_headers").map(|edit| {
                Fix::safe(
                    "Rename `extra_headers=` to `additional_headers=`",
                    vec![edit],
                )
            })
        };
        if let Some(fix) = fix {
            diagnostic = diagnostic.with_fix(fix);
        }
        checker.report(target.diagnostic(checker, diagnostic, Some("extra_headers")));
    }
}

/// `connect(url, **args)` where `args = {"extra_headers": ...}`: rename the key. Unsafe: the
/// dict may also be given to something else that expects `extra_headers`.
fn report_unpacked(checker: &Checker, target: &WebsocketsCall, key: TextRange) {
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`\"extra_headers\"`, unpacked into `connect()`, is `additional_headers=` in the new \
             implementation; {}",
            target.consequence()
        ),
        key,
    );
    if target.unpacked_key(checker, "additional_headers").is_none() {
        if let Some(edit) = rename_string_key(checker.source, key, "additional_headers") {
            diagnostic = diagnostic.with_fix(Fix::unsafe_(
                "Rename the key to `\"additional_headers\"`: check that the dict is not used for \
                 anything else",
                vec![edit],
            ));
        }
    }
    checker.report(target.diagnostic(checker, diagnostic, None));
}
