//! WS504 `sync-server-shutdown`: since 17.0 the threading `Server.shutdown()` also closes the
//! open connections (code 1001) and waits for their handlers; until 16.x it only stopped
//! accepting. Source: `inspect.signature(websockets.sync.server.Server.shutdown)` in 16.0
//! (`(self)`) and 17.0 (`(self, close_connections=True, code=1001, reason="")`).

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::sync_api::is_sync_server;
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct SyncServerShutdown;

static META: RuleMeta = RuleMeta {
    code: "WS504",
    name: "sync-server-shutdown",
    family: Family::Threading,
    summary: "Threading `server.shutdown()` closes open connections since 17.0",
    fix: FixAvailability::Always,
    default_severity: Severity::Note,
    enabled_by_default: false,
    since: Version::V17_0,
    needles: &["shutdown"],
    doc: include_str!("../../rules/WS504.md"),
};

impl Rule for SyncServerShutdown {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    // A module-level `with serve(...) as server` is in the vocabulary: the `serve()` binds it.
    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        // Calls only: the hook returns at once for anything else.
        Interest::CALLS
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Call(call) = expr else { return };
        let Expr::Attribute(attr) = &*call.func else {
            return;
        };
        let Expr::Name(receiver) = &*attr.value else {
            return;
        };
        if attr.attr.as_str() != "shutdown"
            || !call.arguments.is_empty()
            || !checker.slice(call.arguments.range()).ends_with(')')
            || call.arguments.range().len() < ruff_text_size::TextSize::from(2)
            || !is_sync_server(checker, receiver.id.as_str())
        {
            return;
        }
        checker.report(
            Diagnostic::new(
                &META,
                format!(
                    "since websockets 17.0 `{}.shutdown()` also closes the open connections \
                     (code 1001) and waits for their handlers; until 16.x it only stopped \
                     accepting new ones",
                    receiver.id.as_str()
                ),
                call.range(),
            )
            .with_help("keep it (a clean shutdown), or pass `close_connections=False` to leave open connections to their handlers as before; unlike 16.x, `shutdown()` then returns only when every handler has returned")
            .with_fix(Fix::unsafe_(
                "Pass `close_connections=False` (open connections go on; `shutdown()` waits for their handlers)",
                vec![Edit::insert(
                    call.arguments.inner_range().start(),
                    "close_connections=False",
                )],
            )),
        );
    }
}
