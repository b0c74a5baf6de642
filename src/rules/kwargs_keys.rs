//! Keys set on a dict before it is unpacked into a call: `kwargs["create_protocol"] = P`,
//! `kwargs.setdefault("extra_headers", h)`, `kwargs.update(loop=l)` /
//! `kwargs.update({"loop": l})`, written in the enclosing function before the call, on the
//! binding the call unpacks.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprCall, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::semantic::BindingId;

/// An entry that reaches a call through `**`: the range of its key (a string literal, or the
/// keyword of `update(name=...)` / `dict(name=...)`) and, where it is written there, its value.
#[derive(Debug, Clone, Copy)]
pub struct UnpackedEntry<'a> {
    pub key: TextRange,
    pub value: Option<&'a Expr>,
}

/// The key `name` set on `binding` before `call` in the enclosing function.
pub fn set_before<'c>(
    checker: &Checker<'c>,
    binding: BindingId,
    call: &ExprCall,
    name: &str,
) -> Option<UnpackedEntry<'c>> {
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
    found: Option<UnpackedEntry<'a>>,
}

impl<'a> Keys<'_, 'a, '_> {
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

    fn entry(&self, key: &Expr, value: Option<&'a Expr>) -> Option<UnpackedEntry<'a>> {
        Some(UnpackedEntry {
            key: self.literal(key)?,
            value,
        })
    }
}

impl<'a> Visitor<'a> for Keys<'_, 'a, '_> {
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
                        self.found = self.found.or(self.entry(&sub.slice, Some(&assign.value)));
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
                    let args = &call.arguments.args;
                    self.found = match attr.attr.as_str() {
                        "setdefault" => args.first().and_then(|k| self.entry(k, args.get(1))),
                        "update" => call
                            .arguments
                            .find_keyword(self.name)
                            .and_then(|k| {
                                Some(UnpackedEntry {
                                    key: k.arg.as_ref()?.range(),
                                    value: Some(&k.value),
                                })
                            })
                            .or_else(|| match args.first() {
                                Some(Expr::Dict(dict)) => dict
                                    .items
                                    .iter()
                                    .find_map(|i| self.entry(i.key.as_ref()?, Some(&i.value))),
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
