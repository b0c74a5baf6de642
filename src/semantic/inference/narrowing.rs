//! `if isinstance(obj, WebSocketClientProtocol):` narrows `obj` to a connection in the branch
//! (and in the conditions after it in an `and`): reads of the same binding there are that
//! connection. The class may be a websockets class, a connection subclass of this file, or one
//! of another module (through the project index).

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{BoolOp, Expr, ExprContext, StmtIf};

use super::*;
use crate::semantic::bindings::BindingId;

impl<'a> Walker<'_, 'a, '_> {
    pub(super) fn narrow(&mut self, if_: &'a StmtIf) {
        let branches = std::iter::once((Some(&*if_.test), &if_.body)).chain(
            if_.elif_else_clauses
                .iter()
                .map(|clause| (clause.test.as_ref(), &clause.body)),
        );
        for (test, body) in branches {
            let Some(test) = test else { continue };
            let conditions: &[Expr] = match test {
                Expr::BoolOp(op) if op.op == BoolOp::And => &op.values,
                other => std::slice::from_ref(other),
            };
            for (i, condition) in conditions.iter().enumerate() {
                let Some((binding, connection)) = self.isinstance_connection(condition) else {
                    continue;
                };
                let mut reads = Reads {
                    bindings: self.bindings,
                    binding,
                    out: Vec::new(),
                };
                for later in &conditions[i + 1..] {
                    reads.visit_expr(later);
                }
                reads.visit_body(body);
                for range in reads.out {
                    self.out.narrowed.entry(range).or_insert(connection);
                }
            }
        }
    }

    /// `isinstance(name, X)` (the builtin) with `X` a connection class, or a tuple of them.
    fn isinstance_connection(&self, condition: &Expr) -> Option<(BindingId, Connection)> {
        let Expr::Call(call) = condition else {
            return None;
        };
        let Expr::Name(func) = &*call.func else {
            return None;
        };
        if func.id.as_str() != "isinstance" || self.bindings.reference(func.range) != Some(None) {
            return None;
        }
        let [Expr::Name(object), class] = &*call.arguments.args else {
            return None;
        };
        let binding = self.bindings.reference(object.range)??;
        let connection = match class {
            Expr::Tuple(tuple) => {
                let all: Option<Vec<Connection>> = tuple
                    .elts
                    .iter()
                    .map(|e| self.class_connection(e))
                    .collect();
                let all = all?;
                let first = *all.first()?;
                all.iter()
                    .all(|c| c.implementation == first.implementation)
                    .then_some(first)?
            }
            other => self.class_connection(other)?,
        };
        Some((binding, connection))
    }

    /// The connection an instance of the class `expr` names is.
    fn class_connection(&self, expr: &Expr) -> Option<Connection> {
        if let Some(c) = annotated_connection(self.imports, self.external, expr) {
            return Some(c);
        }
        let Expr::Name(name) = expr else { return None };
        let id = self.bindings.reference(name.range)??;
        let BindingKind::Class(def) = self.bindings.binding(id).kind else {
            return None;
        };
        let base = self
            .defs
            .class(ClassKey(ruff_text_size::Ranged::start(def).to_u32()))?
            .connection_base?;
        Some(Connection {
            implementation: base.implementation,
            side: base.side,
            origin: match base.implementation {
                Implementation::Legacy => base.origin,
                Implementation::New => None,
            },
            origin_file: base.origin_file,
            evidence: Evidence::Annotation,
        })
    }
}

/// The reads of one binding in a subtree.
struct Reads<'m, 'a> {
    bindings: &'m Bindings<'a>,
    binding: BindingId,
    out: Vec<TextRange>,
}

impl<'a> Visitor<'a> for Reads<'_, 'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr {
            if name.ctx == ExprContext::Load
                && self.bindings.reference(name.range) == Some(Some(self.binding))
            {
                self.out.push(name.range);
            }
        }
        walk_expr(self, expr);
    }
}
