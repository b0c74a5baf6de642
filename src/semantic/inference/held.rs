//! Names and `self` attributes that hold a `connect()` un-awaited (`self._ctx =
//! websockets.connect(uri)`, python-binance's way): awaiting, entering (also by hand, `await
//! self._ctx.__aenter__()`) or iterating them gives the connection.

use ruff_python_ast::Expr;
use rustc_hash::FxHashMap as HashMap;

use super::{CollectionKey, Connections, Walker};
use crate::semantic::bindings::Bindings;
use crate::semantic::connections::Connection;
use crate::semantic::scope::ClassKey;

/// The key of what a name or `self.<attr>` (in a method of `class`) reads: of the connectors held
/// here, and of the collections of connections (`Walker::collection_key`).
pub(super) fn read_key<'e>(
    bindings: &Bindings,
    expr: &'e Expr,
    class: Option<ClassKey>,
) -> Option<CollectionKey<'e>> {
    match expr {
        Expr::Name(name) => Some(CollectionKey::Binding(bindings.reference(name.range)??)),
        Expr::Attribute(attr) => {
            let Expr::Name(base) = &*attr.value else {
                return None;
            };
            if base.id.as_str() != "self" {
                return None;
            }
            Some(CollectionKey::Attribute(class?, attr.attr.as_str()))
        }
        _ => None,
    }
}

impl Connections<'_> {
    /// The connection awaiting or entering `expr` gives when it is a name or `self.<attr>`
    /// (of `class`, the method's) holding a `connect()` un-awaited.
    pub fn held_by(
        &self,
        bindings: &Bindings,
        expr: &Expr,
        class: Option<ClassKey>,
    ) -> Option<Connection> {
        if self.held.is_empty() {
            return None; // Asked at every call the walk meets.
        }
        // Keys live as long as the module; this one as long as `expr` (the map is covariant).
        let held: &HashMap<CollectionKey<'_>, Connection> = &self.held;
        held.get(&read_key(bindings, expr, class)?).copied()
    }
}

impl<'a> Walker<'_, 'a, '_> {
    /// `target = connect(uri)`, un-awaited: what awaiting or entering `target` gives.
    pub(super) fn hold(&mut self, target: &'a Expr, value: &Expr) {
        if !value.is_call_expr() {
            return;
        }
        let (Some(c), Some(key)) = (self.created(value), self.target_key(target)) else {
            return;
        };
        self.out.held.entry(key).or_insert(c);
    }

    /// The binding a name target creates, or `self.<attr>` of the method's class.
    fn target_key(&self, target: &'a Expr) -> Option<CollectionKey<'a>> {
        match target {
            Expr::Name(name) => Some(CollectionKey::Binding(
                self.bindings.created_at(name.range)?,
            )),
            Expr::Attribute(_) => self.collection_key(target),
            _ => None,
        }
    }

    /// The connection a name or `self.<attr>` holding a `connect()` un-awaited gives.
    pub(super) fn held(&self, expr: &Expr) -> Option<Connection> {
        self.out.held_by(self.bindings, expr, self.method_class())
    }
}
