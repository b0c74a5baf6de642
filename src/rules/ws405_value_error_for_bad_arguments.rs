//! WS405 `value-error-for-bad-arguments`: since 14.0 `connect()`, `unix_connect()`, `serve()`,
//! `unix_serve()` and `basic_auth()` (asyncio and threading) raise `ValueError` instead of
//! `TypeError` when a required argument is missing or arguments are incompatible.
//! Source: changelog 14.0 ("Several API raise ValueError instead of TypeError on invalid
//! arguments"); websockets 17.4 `asyncio/client.py`, `sync/client.py`, `sync/server.py`.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{ExceptHandler, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::sync_api;
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};
use crate::semantic::api;

pub struct ValueErrorForBadArguments;

static META: RuleMeta = RuleMeta {
    code: "WS405",
    name: "value-error-for-bad-arguments",
    family: Family::BehaviourNotes,
    summary: "`except TypeError` around `connect()` / `serve()`: bad arguments raise `ValueError` since 14.0",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Note,
    enabled_by_default: false,
    since: Version::V14_0,
    needles: &["TypeError"],
    doc: include_str!("../../rules/WS405.md"),
};

impl Rule for ValueErrorForBadArguments {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        let Stmt::Try(try_) = stmt else { return };
        if !calls_websockets(checker, &try_.body) {
            return;
        }
        for handler in &try_.handlers {
            let ExceptHandler::ExceptHandler(handler) = handler;
            let Some(kind) = handler.type_.as_deref() else {
                continue;
            };
            let names: Vec<&str> = match kind {
                Expr::Name(n) => vec![n.id.as_str()],
                Expr::Tuple(t) => t
                    .elts
                    .iter()
                    .filter_map(|e| e.as_name_expr().map(|n| n.id.as_str()))
                    .collect(),
                _ => continue,
            };
            if !names.contains(&"TypeError") || names.contains(&"ValueError") {
                continue;
            }
            let edit = match kind {
                Expr::Name(_) => Edit::replace(kind.range(), "(TypeError, ValueError)"),
                Expr::Tuple(t) => match t.elts.last() {
                    Some(last) => Edit::insert(last.end(), ", ValueError"),
                    None => continue,
                },
                _ => continue,
            };
            checker.report(
                Diagnostic::new(
                    &META,
                    "this `except TypeError` guards a websockets `connect()` / `serve()`: since \
                     14.0 a missing or incompatible argument raises `ValueError` instead",
                    kind.range(),
                )
                .with_fix(Fix::unsafe_("Catch `ValueError` too", vec![edit])),
            );
        }
    }
}

/// Does `body` (not nested functions) call a websockets `connect` / `serve` / `basic_auth`?
fn calls_websockets(checker: &Checker, body: &[Stmt]) -> bool {
    struct Finder<'c, 'k> {
        checker: &'c Checker<'k>,
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder<'_, '_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr {
                if let Some(q) = self.checker.model.resolve(&call.func) {
                    let new_api = api::connect_function(&q) == Some(api::Implementation::New)
                        || api::serve_function(&q) == Some(api::Implementation::New)
                        || q.ends_with(".basic_auth");
                    if new_api
                        || sync_api::is(sync_api::CONNECT, &q)
                        || sync_api::is(sync_api::SERVE, &q)
                    {
                        self.found = true;
                    }
                }
            }
            walk_expr(self, expr);
        }
    }
    let mut finder = Finder {
        checker,
        found: false,
    };
    finder.visit_body(body);
    finder.found
}
