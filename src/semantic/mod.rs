//! The semantic model of one file: what names refer to, and which objects are websockets
//! connections. Built once per file (only for files that pass the prefilter), read by rules.

pub mod api;
pub mod connections;
pub mod definitions;
pub mod imports;
pub mod scope;

use ruff_python_ast::{Expr, ModModule};

pub use api::{Implementation, Side};
pub use connections::{Connection, Evidence};
pub use definitions::{Callable, CallableRef, Definitions};
pub use imports::Imports;
pub use scope::{ClassKey, Frame, FrameKind, ScopeKey};

use crate::diagnostic::Severity;

pub struct SemanticModel<'a> {
    pub imports: Imports,
    pub definitions: Definitions<'a>,
    pub connections: connections::Connections<'a>,
}

impl<'a> SemanticModel<'a> {
    pub fn build(module: &'a ModModule) -> SemanticModel<'a> {
        let imports = Imports::collect(module);
        let definitions = Definitions::collect(&module.body, &imports);
        let connections = connections::Connections::infer(&module.body, &imports, &definitions);
        SemanticModel {
            imports,
            definitions,
            connections,
        }
    }

    /// The qualified websockets name an expression refers to, if any.
    pub fn resolve(&self, expr: &Expr) -> Option<String> {
        self.imports.resolve(expr)
    }

    /// Is `expr` a websockets connection, seen from the scope chain `frames` (innermost last)?
    /// Handles names (`ws`), `self` in connection subclasses and `self.attr` connections.
    pub fn connection(&self, expr: &Expr, frames: &[Frame]) -> Option<Connection> {
        match expr {
            Expr::Name(name) => self
                .connections
                .comprehension_uses
                .get(&name.range)
                .copied()
                .or_else(|| self.lookup_name(name.id.as_str(), frames)),
            Expr::Attribute(attr) => {
                let Expr::Name(base) = &*attr.value else {
                    return None;
                };
                if base.id.as_str() != "self" {
                    return None;
                }
                let class = frames
                    .iter()
                    .rev()
                    .find(|f| !matches!(f.kind, FrameKind::Class))?
                    .class?;
                self.connections
                    .attributes
                    .get(&(class, attr.attr.as_str()))
                    .copied()
            }
            Expr::Await(await_) => connections::created_connection(&self.imports, &await_.value),
            _ => None,
        }
    }

    fn lookup_name(&self, name: &str, frames: &[Frame]) -> Option<Connection> {
        for frame in frames.iter().rev() {
            if matches!(frame.kind, FrameKind::Class) {
                continue;
            }
            if let Some(facts) = self.connections.scopes.get(&frame.scope) {
                if let Some(c) = facts.connections.get(name) {
                    return Some(*c);
                }
                if facts.bound.contains(name) {
                    return None;
                }
            }
        }
        None
    }
}

impl Connection {
    /// Error when the object already is the new implementation (the code breaks on the target
    /// version); deprecation while it still comes from a legacy import.
    pub fn severity(&self) -> Severity {
        match self.implementation {
            Implementation::New => Severity::Error,
            Implementation::Legacy => Severity::Deprecation,
        }
    }
}

#[cfg(test)]
mod tests;
