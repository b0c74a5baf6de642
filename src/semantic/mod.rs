//! The semantic model of one file: its scopes and bindings, what every name read refers to,
//! and which objects are websockets connections. Built once per file (only for files that pass
//! the prefilter), read by rules.

pub mod api;
pub mod bindings;
pub mod builder;
pub mod callables;
pub mod callees;
pub mod classes;
pub mod connections;
pub mod definitions;
pub mod external;
pub mod focus;
pub mod forwarding;
pub mod imports;
pub mod inference;
pub mod module_name;
pub mod patches;
pub mod scope;
pub mod star_exports;

use ruff_python_ast::{Expr, ExprName, ModModule};

pub use api::{Implementation, Side};
pub use bindings::{Binding, BindingId, BindingKind, Bindings, ScopeId, ScopeKind};
pub use connections::{Connection, Evidence};
pub use definitions::{Callable, CallableRef, Definitions};
pub use external::{
    ClassKind, ExternalFacts, ExternalParameter, ExternalPatch, ExternalServed, Returned,
    WebsocketsAlias, WebsocketsClass,
};
pub use imports::Imports;
pub use module_name::ModuleName;
pub use scope::{ClassKey, Frame, FrameKind, ScopeKey};

use crate::registry::Severity;

pub struct SemanticModel<'a> {
    pub bindings: Bindings<'a>,
    pub imports: Imports,
    pub definitions: Definitions<'a>,
    pub connections: inference::Connections<'a>,
    /// What other modules of the project establish about this one.
    pub external: Option<&'a ExternalFacts>,
    /// The top-level statements the inference skipped, and the rules skip.
    pub focus: focus::Focus,
}

impl<'a> SemanticModel<'a> {
    /// The model of a file on its own (relative imports stay unresolved).
    pub fn build(module: &'a ModModule) -> SemanticModel<'a> {
        SemanticModel::build_in(module, None, None)
    }

    /// The model of a file whose module name in its project is known, with the facts other
    /// modules establish about it.
    pub fn build_in(
        module: &'a ModModule,
        name: Option<&ModuleName>,
        external: Option<&'a ExternalFacts>,
    ) -> SemanticModel<'a> {
        SemanticModel::build_focused(module, name, external, None)
    }

    /// [`SemanticModel::build_in`], with the inference (and the checker after it) skipping the
    /// top-level definitions that cannot involve websockets ([`focus`]); `None`: skip nothing.
    pub fn build_focused(
        module: &'a ModModule,
        name: Option<&ModuleName>,
        external: Option<&'a ExternalFacts>,
        focus: Option<&focus::Input>,
    ) -> SemanticModel<'a> {
        let bindings = builder::build(module, name);
        let reexported = external.map_or(&[][..], |e| &e.websockets_aliases[..]);
        let imports = Imports::from_bindings_with(&bindings, module, reexported);
        let mut definitions = Definitions::collect(&module.body, &imports, external);
        definitions.forward_handlers(&module.body, &bindings, &imports);
        // Facts from other modules name this module's definitions: walk it whole.
        let focus = match focus {
            Some(input) if external.is_none_or(ExternalFacts::is_empty) => {
                focus::Focus::of(&module.body, &bindings, &imports, input)
            }
            _ => focus::Focus::everything(),
        };
        let connections = inference::Connections::infer(
            &module.body,
            &focus,
            &bindings,
            &imports,
            &definitions,
            external,
        );
        SemanticModel {
            bindings,
            imports,
            definitions,
            connections,
            external,
            focus,
        }
    }

    pub fn resolve(&self, expr: &Expr) -> Option<String> {
        self.imports.resolve(expr)
    }

    /// The qualified name of any imported object an expression refers to (`functools.partial`).
    pub fn resolve_any(&self, expr: &Expr) -> Option<String> {
        self.imports.resolve_any(expr)
    }

    /// The binding a name read refers to, seen from where it is written.
    pub fn binding_of(&self, name: &ExprName) -> Option<&Binding<'a>> {
        let id = self.bindings.reference(name.range)??;
        Some(self.bindings.binding(id))
    }

    /// The code a callable expression refers to (see [`callables`]).
    pub fn resolve_callable(&self, expr: &'a Expr) -> Option<CallableRef<'a>> {
        self.resolver().resolve_callable(expr)
    }

    fn resolver(&self) -> callables::Resolver<'_, 'a> {
        callables::Resolver {
            bindings: &self.bindings,
            imports: &self.imports,
            definitions: &self.definitions,
        }
    }

    /// Is `expr` a websockets connection, seen from the scope chain `frames` (innermost last)?
    /// Handles names (`ws`, by the binding they read), `self` in connection subclasses and
    /// `self.attr` connections.
    pub fn connection(&self, expr: &Expr, frames: &[Frame]) -> Option<Connection> {
        match expr {
            Expr::Name(name) => {
                if let Some(c) = self.connections.narrowed.get(&name.range) {
                    return Some(*c);
                }
                let id = self.bindings.reference(name.range)??;
                self.connections.facts.get(&id).copied()
            }
            Expr::Attribute(attr) => {
                let Expr::Name(base) = &*attr.value else {
                    return None;
                };
                if base.id.as_str() != "self" {
                    return self.instance_attribute(base, attr.attr.as_str());
                }
                let class = frames
                    .iter()
                    .rev()
                    .find(|f| !matches!(f.kind, FrameKind::Class))?
                    .class?;
                self.class_attribute(class, attr.attr.as_str(), 5)
            }
            Expr::Await(await_) => connections::created_connection(&self.imports, &await_.value)
                .or_else(|| self.returned_by(&await_.value, frames, true))
                .or_else(|| self.connector_returned_by(&await_.value, frames)),
            Expr::Call(_) => self.returned_by(expr, frames, false),
            _ => None,
        }
    }

    /// The `connect()` object a name or `self.<attr>` holds un-awaited (`self._ctx =
    /// websockets.connect(uri)`), as the connection entering it gives.
    pub fn connector(&self, expr: &Expr, frames: &[Frame]) -> Option<Connection> {
        self.connections
            .held_by(&self.bindings, expr, Self::method_class(frames))
    }

    /// The function of another module a call's callee runs (`helpers.open_client`,
    /// `pool.acquire` on an instance of an imported class), by its qualified name.
    pub fn callee_elsewhere(&self, func: &Expr) -> Option<String> {
        match self.callees().callee(func, None)? {
            callees::Callee::Elsewhere(qualified) => Some(qualified),
            callees::Callee::Local(_) => None,
        }
    }

    fn callees(&self) -> callees::Callees<'_, 'a> {
        callees::Callees {
            bindings: &self.bindings,
            imports: &self.imports,
            definitions: &self.definitions,
        }
    }

    /// The method class of the innermost function of `frames`.
    fn method_class(frames: &[Frame]) -> Option<ClassKey> {
        frames
            .iter()
            .rev()
            .find(|f| !matches!(f.kind, FrameKind::Class))?
            .class
    }

    /// The connection a call of a project function gives (see `inference`).
    fn returned_by(&self, expr: &Expr, frames: &[Frame], awaited: bool) -> Option<Connection> {
        let Expr::Call(call) = expr else { return None };
        match self
            .callees()
            .callee(&call.func, Self::method_class(frames))?
        {
            callees::Callee::Local(def) => (def.is_async == awaited)
                .then(|| self.connections.returns.get(&def.range).copied())?,
            callees::Callee::Elsewhere(qualified) => self
                .external?
                .returned(&qualified)?
                .connection_used(awaited),
        }
    }

    /// The connection awaiting a call of a project function that returns a `connect()`
    /// un-awaited gives (see `inference`).
    fn connector_returned_by(&self, expr: &Expr, frames: &[Frame]) -> Option<Connection> {
        let Expr::Call(call) = expr else { return None };
        match self
            .callees()
            .callee(&call.func, Self::method_class(frames))?
        {
            callees::Callee::Local(def) => {
                (!def.is_async).then(|| self.connections.connectors.get(&def.range).copied())?
            }
            callees::Callee::Elsewhere(qualified) => {
                self.external?.returned(&qualified)?.connector_connection()
            }
        }
    }

    /// Does this call run a websockets `connect()`: is it one, or a call of a project function
    /// (of this file or, through the project index, of another module) that reaches one? Then
    /// the exceptions it raises are those of that implementation.
    pub fn reaches_connect(&self, expr: &Expr, frames: &[Frame]) -> Option<Connection> {
        if let Some(c) = connections::created_connection(&self.imports, expr) {
            return Some(c);
        }
        let Expr::Call(call) = expr else { return None };
        match self
            .callees()
            .callee(&call.func, Self::method_class(frames))?
        {
            callees::Callee::Local(def) => self.connections.reaches.get(&def.range).copied(),
            callees::Callee::Elsewhere(qualified) => self.external?.reached_connect(&qualified),
        }
    }
}

impl<'a> SemanticModel<'a> {
    /// The connection instances of `class` hold in `attribute`: set or annotated in the class,
    /// or in a base class of this file or (through the project) of another module.
    pub fn class_attribute(
        &self,
        class: ClassKey,
        attribute: &str,
        depth: usize,
    ) -> Option<Connection> {
        if self
            .connections
            .other_attributes
            .contains(&(class, attribute))
        {
            return None;
        }
        if let Some(c) = self.connections.attributes.get(&(class, attribute)) {
            return Some(*c);
        }
        let depth = depth.checked_sub(1)?;
        let info = self.definitions.class(class)?;
        info.def.bases().iter().find_map(|base| {
            if let Expr::Name(name) = base {
                if let Some(BindingKind::Class(def)) = self.binding_of(name).map(|b| &b.kind) {
                    let key = ClassKey(ruff_text_size::Ranged::start(*def).to_u32());
                    return self.class_attribute(key, attribute, depth);
                }
            }
            let qualified = self.imports.resolve_any(base)?;
            self.external?
                .class_attributes
                .iter()
                .find(|(q, a, _)| *q == qualified && a == attribute)
                .map(|(_, _, c)| *c)
        })
    }

    /// `client.ws` where `client` holds an instance of a class (of this file, or of another
    /// module of the project) that keeps a connection in `ws`.
    fn instance_attribute(&self, base: &ExprName, attribute: &str) -> Option<Connection> {
        let class = callees::instance_class(&self.bindings, base)?;
        if let Expr::Name(name) = class {
            if let Some(BindingKind::Class(def)) = self.binding_of(name).map(|b| &b.kind) {
                let key = ClassKey(ruff_text_size::Ranged::start(*def).to_u32());
                return self.class_attribute(key, attribute, 5);
            }
        }
        let qualified = self.imports.resolve_any(class)?;
        self.external?
            .class_attributes
            .iter()
            .find(|(q, a, _)| *q == qualified && a == attribute)
            .map(|(_, _, c)| *c)
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
