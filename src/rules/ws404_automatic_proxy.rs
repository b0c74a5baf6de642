//! WS404 `automatic-proxy`: since 15.0, `connect()` (asyncio and threading) goes through the
//! proxy configured in the environment or the operating system; 13.x connected directly.
//! Upstream: changelog 15.0 ("Client connections use SOCKS and HTTP proxies automatically");
//! websockets 17.4 `asyncio/client.py` and `sync/client.py` (`proxy=True` by default, ignored
//! with `unix=True` or `sock=`), `proxy.py` (`get_proxy()` reads `urllib.request.getproxies()`).

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::fix::arguments::append_argument_in;
use crate::rules::sync_api;
use crate::rules::websockets_call::{
    unpacked_entry, unpacked_keys_known, CallKind, WebsocketsCall,
};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct AutomaticProxy;

static META: RuleMeta = RuleMeta {
    code: "WS404",
    name: "automatic-proxy",
    family: Family::BehaviourNotes,
    summary:
        "`connect()` uses the system's HTTP/SOCKS proxy since 15.0: `proxy=None` connects directly",
    fix: FixAvailability::Always,
    default_severity: Severity::Note,
    enabled_by_default: false,
    since: Version::V15_0,
    needles: &["connect"],
    doc: include_str!("../../rules/WS404.md"),
};

impl Rule for AutomaticProxy {
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
        let Some(qualified) = checker.model.resolve(&call.func) else {
            return;
        };
        let asyncio = WebsocketsCall::of(checker, call).filter(|c| c.kind == CallKind::Connect);
        if asyncio.is_none() && !sync_api::is(sync_api::CONNECT, &qualified) {
            return;
        }
        // Unix sockets and given sockets never go through a proxy. A dict unpacked with `**`
        // may set `proxy` or `sock`: unless all its keys are written out, the call is left.
        let arguments = &call.arguments;
        let given = |name| {
            arguments.find_keyword(name).is_some() || unpacked_entry(checker, call, name).is_some()
        };
        if sync_api::is_unix(&qualified)
            || qualified.ends_with(".Connect")
            || given("proxy")
            || given("sock")
            || !unpacked_keys_known(checker, call)
        {
            return;
        }
        let implementation = if asyncio.is_some() {
            "asyncio"
        } else {
            "threading"
        };
        // A call recovered from a syntax error may have no parentheses to add to.
        let Some(edit) = append_argument_in(checker.source, arguments, "proxy=None") else {
            return;
        };
        let diagnostic = Diagnostic::new(
            &META,
            format!(
                "since websockets 15.0 `connect()` ({implementation}) goes through the proxy \
                 set in `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` or the system settings; \
                 websockets 13.x connected directly"
            ),
            call.func.range(),
        )
        .with_help(
            "pass `proxy=None` to keep connecting directly, or `proxy=True` to say the proxy is \
             wanted (a SOCKS proxy needs the `python-socks` package)",
        )
        .with_fix(Fix::unsafe_("Add `proxy=None`", vec![edit]));
        // A legacy call takes `proxy=` only once its import has switched.
        checker.report(diagnostic.with_group(asyncio.and_then(|c| c.group(checker))));
    }
}
