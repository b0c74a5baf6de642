//! WS505 `sync-ssl-context`: `ssl_context=` of the threading `connect()` / `serve()` was renamed
//! `ssl=` in 13.0; the old name still works with a `DeprecationWarning`.
//! Source: websockets 13.1 and 17.4 `sync/client.py` / `sync/server.py` ("Backwards
//! compatibility: ssl used to be called ssl_context", "deprecated in 13.0").

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::fix::arguments::rename_keyword;
use crate::rules::sync_api::{call_in, CONNECT, SERVE};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct SyncSslContext;

static META: RuleMeta = RuleMeta {
    code: "WS505",
    name: "sync-ssl-context",
    family: Family::Threading,
    summary: "Threading `connect()` / `serve()`: `ssl_context=` is deprecated, use `ssl=`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["ssl_context"],
    doc: include_str!("../../rules/WS505.md"),
};

impl Rule for SyncSslContext {
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
        if call_in(checker, call, CONNECT)
            .or_else(|| call_in(checker, call, SERVE))
            .is_none()
        {
            return;
        }
        let Some(keyword) = call.arguments.find_keyword("ssl_context") else {
            return;
        };
        let mut diagnostic = Diagnostic::new(
            &META,
            "`ssl_context=` was renamed `ssl=` in websockets 13.0; the old name warns \
             (`DeprecationWarning`)",
            keyword.range(),
        );
        // Both given: a rename would duplicate the keyword; one of them must go, by hand.
        if call.arguments.find_keyword("ssl").is_none() {
            if let Some(edit) = rename_keyword(keyword, "ssl") {
                diagnostic = diagnostic.with_fix(Fix::safe("Rename to `ssl=`", vec![edit]));
            }
        }
        checker.report(diagnostic);
    }
}
