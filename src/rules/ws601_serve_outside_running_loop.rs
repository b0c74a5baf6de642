//! WS601 `serve-outside-running-loop`: the new `serve()` needs a running event loop; the
//! tutorial pattern `loop.run_until_complete(serve(...))` + `loop.run_forever()` raises
//! `RuntimeError: no running event loop` since 14.0.
//! Upstream: websockets 17.4 `asyncio/server.py` (`Server.__init__` calls
//! `asyncio.get_running_loop()`; `serve.__init__` creates the `Server`); 13.1
//! `legacy/server.py` (`Serve.__init__` uses `asyncio.get_event_loop()`).

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprCall, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::fix::statements::serve_forever_main;
use crate::rules::websockets_call::{CallKind, WebsocketsCall};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};
use crate::semantic::{FrameKind, Implementation};

pub struct ServeOutsideRunningLoop;

static META: RuleMeta = RuleMeta {
    code: "WS601",
    name: "serve-outside-running-loop",
    family: Family::Server,
    summary: "`serve()` called outside a running event loop raises `RuntimeError` since 14.0",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["serve"],
    doc: include_str!("../../rules/WS601.md"),
};

const ADVICE: &str = "start the server in a coroutine run by `asyncio.run()`: `async def main(): \
                      async with serve(...): await asyncio.get_running_loop().create_future()`, \
                      then `asyncio.run(main())`";

/// Where the call runs without an event loop.
#[derive(Debug, Clone, Copy)]
enum Place {
    RunUntilComplete,
    ModuleLevel,
    PlainFunction,
}

impl Place {
    fn describe(self) -> &'static str {
        match self {
            Place::RunUntilComplete => {
                "is handed to `run_until_complete()`, which runs it before \
                                        the loop starts"
            }
            Place::ModuleLevel => "is called at module level, where no event loop runs",
            Place::PlainFunction => "is called in a plain `def` that starts the event loop itself",
        }
    }
}

impl Rule for ServeOutsideRunningLoop {
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
        let Some(target) = WebsocketsCall::of(checker, call) else {
            return;
        };
        if target.kind != CallKind::Serve {
            return;
        }
        let Some(place) = place(checker, call) else {
            return;
        };
        let name = checker
            .model
            .resolve(&call.func)
            .and_then(|q| q.rsplit('.').next().map(str::to_string))
            .unwrap_or_else(|| "serve".into());
        let consequence = match target.implementation {
            Implementation::New => format!(
                "since websockets 14.0 `{name}()` raises `RuntimeError: no running event loop` here"
            ),
            Implementation::Legacy => format!(
                "the legacy `{name}()` allows it, the new one (the default since 14.0) raises \
                 `RuntimeError: no running event loop` here"
            ),
        };
        let mut diagnostic = Diagnostic::new(
            &META,
            format!("`{name}()` {}: {consequence}", place.describe()),
            call.range(),
        )
        .with_help(ADVICE);
        // A legacy call written as a dotted reference is rewritten by the import switch too;
        // replacing the statements around it would collide with that edit.
        let fixable =
            target.implementation == Implementation::New || matches!(&*call.func, Expr::Name(_));
        if let Some((suite, index)) = checker.enclosing_suite().filter(|_| fixable) {
            let scope = checker.enclosing_function().map_or(
                TextRange::up_to(TextSize::of(checker.source)),
                Ranged::range,
            );
            if let Some(edit) = serve_forever_main(checker.source, scope, suite, index, call) {
                diagnostic = diagnostic.with_fix(Fix::unsafe_(
                    "Serve from `async def main()` run by `asyncio.run()`",
                    vec![edit],
                ));
            }
        }
        checker.report(target.diagnostic(checker, diagnostic, None));
    }
}

fn place(checker: &Checker, call: &ExprCall) -> Option<Place> {
    if checker.in_async_function() {
        return None;
    }
    if let Some(Expr::Call(parent)) = checker.parent_expr() {
        let is_run = matches!(&*parent.func, Expr::Attribute(a)
            if a.attr.as_str() == "run_until_complete");
        if is_run
            && parent
                .arguments
                .args
                .first()
                .is_some_and(|a| a.range() == call.range())
        {
            return Some(Place::RunUntilComplete);
        }
    }
    match checker.scope_kind() {
        FrameKind::Module | FrameKind::Class => Some(Place::ModuleLevel),
        FrameKind::Function { is_async: false } => checker
            .enclosing_function()
            .filter(|def| starts_loop(&def.body))
            .map(|_| Place::PlainFunction),
        _ => None,
    }
}

/// Does the body (not nested functions) call `.run_until_complete()` or `.run_forever()`?
fn starts_loop(body: &[Stmt]) -> bool {
    struct Finder(bool);
    impl<'a> Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr {
                if matches!(&*call.func, Expr::Attribute(a)
                    if matches!(a.attr.as_str(), "run_until_complete" | "run_forever"))
                {
                    self.0 = true;
                }
            }
            if !matches!(expr, Expr::Lambda(_)) {
                walk_expr(self, expr);
            }
        }
    }
    let mut finder = Finder(false);
    finder.visit_body(body);
    finder.0
}
