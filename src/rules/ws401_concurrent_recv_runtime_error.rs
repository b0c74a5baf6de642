//! WS401 `concurrent-recv-runtime-error`: since websockets 14.0 concurrent `recv()` calls raise
//! `ConcurrencyError`, a `RuntimeError` subclass: still caught, but worth naming.
//! Upstream: docs/project/changelog.rst (14.0), websockets 17.4 `exceptions.py`.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{ExceptHandler, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};

pub struct ConcurrentRecvRuntimeError;

static META: RuleMeta = RuleMeta {
    code: "WS401",
    name: "concurrent-recv-runtime-error",
    family: Family::BehaviourNotes,
    summary: "`except RuntimeError` around `recv()`: concurrent calls now raise `ConcurrencyError`",
    fix: FixAvailability::None,
    default_severity: Severity::Note,
    enabled_by_default: false,
    since: Version::V14_0,
    needles: &["RuntimeError"],
    doc: include_str!("../../rules/WS401.md"),
};

impl Rule for ConcurrentRecvRuntimeError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::NONE
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        let Stmt::Try(try_stmt) = stmt else { return };
        let catches: Vec<TextRange> = try_stmt
            .handlers
            .iter()
            .filter_map(|h| {
                let ExceptHandler::ExceptHandler(h) = h;
                h.type_.as_deref().and_then(runtime_error)
            })
            .collect();
        if catches.is_empty() {
            return;
        }
        let mut finder = RecvFinder {
            checker,
            found: None,
        };
        finder.visit_body(&try_stmt.body);
        let Some(receiver) = finder.found else { return };
        for range in catches {
            checker.report(
                Diagnostic::new(
                    &META,
                    format!(
                        "`except RuntimeError` around `{receiver}.recv()`: since websockets 14.0 \
                         a `recv()` while another is running raises `ConcurrencyError` (a \
                         `RuntimeError` subclass, so it is still caught here)"
                    ),
                    range,
                )
                .with_help(
                    "catch `websockets.exceptions.ConcurrencyError` to say what you mean (and \
                     not swallow other `RuntimeError`s)",
                ),
            );
        }
    }
}

/// The range of `RuntimeError` in an `except` clause's type (alone or in a tuple).
fn runtime_error(expr: &Expr) -> Option<TextRange> {
    match expr {
        Expr::Name(n) if n.id.as_str() == "RuntimeError" => Some(n.range),
        Expr::Attribute(a)
            if a.attr.as_str() == "RuntimeError"
                && matches!(&*a.value, Expr::Name(b) if b.id.as_str() == "builtins") =>
        {
            Some(a.range)
        }
        Expr::Tuple(t) => t.elts.iter().find_map(runtime_error),
        _ => None,
    }
}

/// Finds `<connection>.recv(...)` in a try body (not in nested functions, which run elsewhere).
struct RecvFinder<'c, 'a> {
    checker: &'c Checker<'a>,
    found: Option<String>,
}

impl<'a> Visitor<'a> for RecvFinder<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) && self.found.is_none() {
            walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            if let Expr::Attribute(attr) = &*call.func {
                if attr.attr.as_str() == "recv" && self.checker.connection(&attr.value).is_some() {
                    self.found = Some(self.checker.slice(attr.value.range()).to_string());
                }
            }
        }
        if !matches!(expr, Expr::Lambda(_)) {
            walk_expr(self, expr);
        }
    }
}
