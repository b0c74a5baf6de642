//! Which expressions hold the object `serve()` returns: the legacy `Serve` awaitable before it
//! is awaited, the server (`WebSocketServer`, or the new `Server`) after. The connection model
//! does not track servers; the WS6xx rules need only this local view:
//!
//! - `serve(...)` itself (not awaited);
//! - a name bound, in the enclosing function (or the module), by `x = serve(...)`,
//!   `x = await serve(...)`, `x = loop.run_until_complete(serve(...))`,
//!   `async with serve(...) as x`, or `x = y.ws_server` for such a `y`;
//! - a parameter annotated with a server class;
//! - `self.x` where a method of the enclosing class binds `self.x` in one of those ways.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprCall, Stmt};

use crate::checker::Checker;
use crate::diagnostic::FixGroup;
use crate::rules::websockets_call::{CallKind, WebsocketsCall};
use crate::semantic::Implementation;

/// Server classes, for annotations: qualified name and implementation.
const SERVER_CLASSES: &[(&str, Implementation)] = &[
    ("websockets.WebSocketServer", Implementation::Legacy),
    ("websockets.server.WebSocketServer", Implementation::Legacy),
    (
        "websockets.legacy.server.WebSocketServer",
        Implementation::Legacy,
    ),
    ("websockets.Server", Implementation::New),
    ("websockets.asyncio.server.Server", Implementation::New),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// What `serve()` returns before it is awaited (the legacy `Serve`).
    Unawaited,
    /// The server itself.
    Server,
}

#[derive(Debug, Clone, Copy)]
pub struct ServerObject {
    pub stage: Stage,
    pub implementation: Implementation,
    /// For a legacy server: the fix group of the import that creates it.
    pub group: Option<FixGroup>,
}

/// The server object `expr` holds, if it is one.
pub fn server_object(checker: &Checker, expr: &Expr) -> Option<ServerObject> {
    match expr {
        Expr::Call(call) => from_serve(checker, call, Stage::Unawaited),
        Expr::Name(name) => {
            let name = name.id.as_str();
            if let Some(def) = checker.enclosing_function() {
                let (found, bound) = bound_in(checker, &def.body, &Target::Name(name));
                if bound {
                    // A local of that name hides the module's.
                    return found;
                }
                if let Some(parameter) = def.parameters.iter().find(|p| p.name().as_str() == name) {
                    let qualified = parameter
                        .annotation()
                        .and_then(|a| checker.model.resolve(a));
                    return SERVER_CLASSES
                        .iter()
                        .find(|(q, _)| Some(*q) == qualified.as_deref())
                        .map(|&(_, implementation)| ServerObject {
                            stage: Stage::Server,
                            implementation,
                            group: None,
                        });
                }
            }
            bound_in(checker, &checker.module.body, &Target::Name(name)).0
        }
        Expr::Attribute(attr) if matches!(&*attr.value, Expr::Name(s) if s.id.as_str() == "self") =>
        {
            let class = checker.enclosing_class()?;
            bound_in(checker, &class.body, &Target::SelfAttr(attr.attr.as_str())).0
        }
        _ => None,
    }
}

fn from_serve(checker: &Checker, call: &ExprCall, stage: Stage) -> Option<ServerObject> {
    let target = WebsocketsCall::of(checker, call).filter(|t| t.kind == CallKind::Serve)?;
    Some(ServerObject {
        stage,
        implementation: target.implementation,
        group: target.group(checker),
    })
}

/// What a bound value makes of its target.
fn value_object(checker: &Checker, value: &Expr) -> Option<ServerObject> {
    match value {
        Expr::Call(call) => {
            if let Some(found) = from_serve(checker, call, Stage::Unawaited) {
                return Some(found);
            }
            // `loop.run_until_complete(serve(...))`
            let is_run = matches!(&*call.func, Expr::Attribute(a)
                if a.attr.as_str() == "run_until_complete");
            match (is_run, call.arguments.args.first()) {
                (true, Some(Expr::Call(inner))) => from_serve(checker, inner, Stage::Server),
                _ => None,
            }
        }
        Expr::Await(await_) => match &*await_.value {
            Expr::Call(call) => from_serve(checker, call, Stage::Server),
            _ => None,
        },
        // `y.ws_server` for an unawaited `y`.
        Expr::Attribute(attr) if attr.attr.as_str() == "ws_server" => {
            let inner = server_object(checker, &attr.value)?;
            (inner.stage == Stage::Unawaited).then_some(ServerObject {
                stage: Stage::Server,
                ..inner
            })
        }
        _ => None,
    }
}

enum Target<'n> {
    Name(&'n str),
    SelfAttr(&'n str),
}

impl Target<'_> {
    fn matches(&self, expr: &Expr) -> bool {
        match (self, expr) {
            (Target::Name(n), Expr::Name(e)) => e.id.as_str() == *n,
            (Target::SelfAttr(n), Expr::Attribute(a)) => {
                a.attr.as_str() == *n
                    && matches!(&*a.value, Expr::Name(s) if s.id.as_str() == "self")
            }
            _ => false,
        }
    }
}

/// The server object bound to `target` somewhere in `body` (nested functions are searched for
/// `self.x` only, since methods bind attributes), and whether `body` binds `target` at all.
fn bound_in(checker: &Checker, body: &[Stmt], target: &Target) -> (Option<ServerObject>, bool) {
    struct Finder<'c, 'k, 't> {
        checker: &'c Checker<'k>,
        target: &'t Target<'t>,
        found: Option<ServerObject>,
        bound: bool,
    }
    impl<'a> Visitor<'a> for Finder<'_, '_, '_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.found.is_some() {
                return;
            }
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_)
                    if matches!(self.target, Target::Name(_)) => {}
                Stmt::Assign(assign) if assign.targets.iter().any(|t| self.target.matches(t)) => {
                    self.bound = true;
                    self.found = value_object(self.checker, &assign.value);
                }
                Stmt::AnnAssign(assign) if self.target.matches(&assign.target) => {
                    self.bound = true;
                    self.found = assign
                        .value
                        .as_deref()
                        .and_then(|v| value_object(self.checker, v));
                }
                Stmt::With(with) => {
                    for item in &with.items {
                        let (Some(var), Expr::Call(call)) =
                            (&item.optional_vars, &item.context_expr)
                        else {
                            continue;
                        };
                        if self.target.matches(var) {
                            self.bound = true;
                            self.found = from_serve(self.checker, call, Stage::Server);
                        }
                    }
                    walk_stmt(self, stmt);
                }
                _ => walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if !matches!(expr, Expr::Lambda(_)) {
                walk_expr(self, expr);
            }
        }
    }
    let mut finder = Finder {
        checker,
        target,
        found: None,
        bound: false,
    };
    finder.visit_body(body);
    (finder.found, finder.bound)
}
