//! What calls of project functions give: the connection a function returns (`ws = await
//! helpers.open_client()`, `conn = pool.get()`), and whether a function reaches a websockets
//! `connect()` (what its calls can raise). Functions of this file are followed through the
//! facts this walk gathers; those of other modules through the project index.

use ruff_python_ast::Expr;

use super::*;
use crate::semantic::callees::{Callee, Callees};

impl<'a> Walker<'_, 'a, '_> {
    fn callees(&self) -> Callees<'_, 'a> {
        Callees {
            bindings: self.bindings,
            imports: self.imports,
            definitions: self.defs,
        }
    }

    /// What a connection-creating expression yields (see `created_connection`), also when it
    /// calls a subclass of the `connect` class, of this file or of another module
    /// (`async with RetryingConnect(uri) as ws`), or a project function that returns a
    /// `connect()` un-awaited (`async with dial() as ws`).
    pub(super) fn created(&self, expr: &Expr) -> Option<Connection> {
        if let Some(c) = created_connection(self.imports, expr) {
            return Some(c);
        }
        // `await ctx.__aenter__()`: the `connect()` object entered by hand.
        if let Expr::Call(call) = expr {
            if let Expr::Attribute(attr) = &*call.func {
                if attr.attr.as_str() == "__aenter__" && call.arguments.is_empty() {
                    return self.created(&attr.value);
                }
            }
        }
        self.created_by_subclass(expr)
            .or_else(|| self.connector_returned_by(expr))
            .or_else(|| self.held(expr))
    }

    /// The connection awaiting, entering or iterating a call of a project function that
    /// returns a `connect()` un-awaited gives.
    fn connector_returned_by(&self, expr: &Expr) -> Option<Connection> {
        let Expr::Call(call) = expr else { return None };
        match self.callees().callee(&call.func, self.method_class())? {
            Callee::Local(def) => {
                (!def.is_async).then(|| self.out.connectors.get(&def.range).copied())?
            }
            Callee::Elsewhere(qualified) => {
                self.external?.returned(&qualified)?.connector_connection()
            }
        }
    }

    fn created_by_subclass(&self, expr: &Expr) -> Option<Connection> {
        let Expr::Call(call) = expr else { return None };
        let base = match &*call.func {
            Expr::Name(name) => {
                let id = self.bindings.reference(name.range)??;
                match self.bindings.binding(id).kind {
                    BindingKind::Class(def) => self
                        .defs
                        .class(ClassKey(ruff_text_size::Ranged::start(def).to_u32()))?
                        .connect_base
                        .map(|b| (b.implementation, b.origin, b.origin_file)),
                    BindingKind::Import(_) => None,
                    _ => return None,
                }
            }
            _ => None,
        };
        let (implementation, origin, origin_file) = match base {
            Some(found) => found,
            None => {
                let qualified = self.imports.resolve_any(&call.func)?;
                let class = self.external?.class(&qualified)?;
                if class.kind != crate::semantic::ClassKind::Connect {
                    return None;
                }
                (class.implementation, class.origin, class.origin_file)
            }
        };
        Some(Connection {
            implementation,
            side: Side::Client,
            origin: match implementation {
                Implementation::Legacy => origin,
                Implementation::New => None,
            },
            origin_file,
            evidence: Evidence::Creation,
        })
    }

    /// The connection a call of a project function gives: awaited when the function is
    /// `async` (`await helpers.open_client()`), called when it is not.
    pub(super) fn returned_by(&self, expr: &Expr, awaited: bool) -> Option<Connection> {
        let Expr::Call(call) = expr else { return None };
        match self.callees().callee(&call.func, self.method_class())? {
            Callee::Local(def) => {
                (def.is_async == awaited).then(|| self.out.returns.get(&def.range).copied())?
            }
            Callee::Elsewhere(qualified) => self
                .external?
                .returned(&qualified)?
                .connection_used(awaited),
        }
    }

    /// A call of `connect()`, or of a project function that reaches one, makes the enclosing
    /// function reach it too.
    pub(super) fn record_reach(&mut self, expr: &Expr) {
        let Some(function) = self.functions.last().copied() else {
            return;
        };
        if self.out.reaches.contains_key(&function) {
            return;
        }
        if let Some(c) = self.reached_by(expr) {
            self.out.reaches.insert(function, c);
        }
    }

    fn reached_by(&self, expr: &Expr) -> Option<Connection> {
        if let Some(c) = self.created(expr) {
            return Some(c);
        }
        let Expr::Call(call) = expr else { return None };
        match self.callees().callee(&call.func, self.method_class())? {
            Callee::Local(def) => self.out.reaches.get(&def.range).copied(),
            Callee::Elsewhere(qualified) => self.external?.reached_connect(&qualified),
        }
    }
}
