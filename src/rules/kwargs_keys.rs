//! Keys set on a dict before it is unpacked into a call: `kwargs["create_protocol"] = P`,
//! `kwargs.setdefault("extra_headers", h)`, `kwargs.update(loop=l)` /
//! `kwargs.update({"loop": l})`, written in the enclosing function before the call, on the
//! binding the call unpacks.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprCall, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::semantic::BindingId;

/// The range of the key `name` (a string literal, or the keyword of `update(name=...)`) set on
/// `binding` before `call` in the enclosing function.
pub fn set_before(
    checker: &Checker,
    binding: BindingId,
    call: &ExprCall,
    name: &str,
) -> Option<TextRange> {
    let function = checker.enclosing_function()?;
    let mut keys = Keys {
        checker,
        binding,
        name,
        before: call.start(),
        found: None,
    };
    for stmt in &function.body {
        keys.visit_stmt(stmt);
    }
    keys.found
}

struct Keys<'c, 'a, 'n> {
    checker: &'c Checker<'a>,
    binding: BindingId,
    name: &'n str,
    before: ruff_text_size::TextSize,
    found: Option<TextRange>,
}

impl Keys<'_, '_, '_> {
    fn is_dict(&self, expr: &Expr) -> bool {
        self.checker
            .model
            .bindings
            .reads_binding(expr, self.binding)
    }

    fn literal(&self, expr: &Expr) -> Option<TextRange> {
        match expr {
            Expr::StringLiteral(s) if s.value.to_str() == self.name => Some(s.range()),
            _ => None,
        }
    }
}

impl<'a> Visitor<'a> for Keys<'_, '_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.found.is_some() || stmt.start() >= self.before {
            return;
        }
        // Nested functions run at another time.
        if matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            return;
        }
        if let Stmt::Assign(assign) = stmt {
            for target in &assign.targets {
                if let Expr::Subscript(sub) = target {
                    if self.is_dict(&sub.value) {
                        self.found = self.found.or(self.literal(&sub.slice));
                    }
                }
            }
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.found.is_some() || expr.start() >= self.before {
            return;
        }
        if let Expr::Call(call) = expr {
            if let Expr::Attribute(attr) = &*call.func {
                if self.is_dict(&attr.value) {
                    self.found = match attr.attr.as_str() {
                        "setdefault" => call.arguments.args.first().and_then(|k| self.literal(k)),
                        "update" => call
                            .arguments
                            .find_keyword(self.name)
                            .and_then(|k| k.arg.as_ref())
                            .map(Ranged::range)
                            .or_else(|| match call.arguments.args.first() {
                                Some(Expr::Dict(dict)) => dict
                                    .items
                                    .iter()
                                    .find_map(|i| i.key.as_ref().and_then(|k| self.literal(k))),
                                _ => None,
                            }),
                        _ => None,
                    };
                }
            }
        }
        walk_expr(self, expr);
    }
}
