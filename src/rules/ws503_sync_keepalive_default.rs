//! WS503 `sync-keepalive-default`: since 15.0 the threading `connect()` / `serve()` send a Ping
//! every 20 s and close the connection when no Pong comes back within 20 s; 13.x and 14.x had
//! no keepalive in the threading implementation.
//! Source: `inspect.signature(websockets.sync.client.connect)` in 14.0 (no `ping_interval`) and
//! 15.0 (`ping_interval=20`, `ping_timeout=20`); changelog 15.0.

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::fix::arguments::{append_argument_in, has_kwargs_unpack};
use crate::rules::sync_api::{call_in, CONNECT, SERVE};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct SyncKeepaliveDefault;

static META: RuleMeta = RuleMeta {
    code: "WS503",
    name: "sync-keepalive-default",
    family: Family::Threading,
    summary: "Threading `connect()` / `serve()` send keepalive pings since 15.0: `ping_interval=None` turns them off",
    fix: FixAvailability::Always,
    default_severity: Severity::Note,
    enabled_by_default: false,
    since: Version::V15_0,
    needles: &["sync"],
    doc: include_str!("../../rules/WS503.md"),
};

impl Rule for SyncKeepaliveDefault {
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
        let Some(qualified) =
            call_in(checker, call, CONNECT).or_else(|| call_in(checker, call, SERVE))
        else {
            return;
        };
        let args = &call.arguments;
        if args.find_keyword("ping_interval").is_some() || has_kwargs_unpack(args) {
            return;
        }
        let function = qualified.rsplit('.').next().unwrap_or("connect");
        // A call recovered from a syntax error may have no parentheses to add to.
        let Some(edit) = append_argument_in(checker.source, args, "ping_interval=None") else {
            return;
        };
        checker.report(
            Diagnostic::new(
                &META,
                format!(
                    "since websockets 15.0 the threading `{function}()` sends a Ping every 20 s \
                     and closes the connection (1011) when no Pong answers within 20 s; 14.x \
                     sent none"
                ),
                call.func.range(),
            )
            .with_help("keep it (it detects dead connections), tune `ping_interval=` / `ping_timeout=`, or pass `ping_interval=None` for the 14.x behaviour")
            .with_fix(Fix::unsafe_(
                "Add `ping_interval=None` (no keepalive, as before 15.0)",
                vec![edit],
            )),
        );
    }
}
