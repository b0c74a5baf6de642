//! The project function a call runs: a function of this file (by name, `self.method()`,
//! `obj.method()` on an instance of a class of this file), or a function of another module,
//! named by its qualified name (`pkg.helpers.open_client`, `pkg.client.Client.open` for a method
//! called on an instance of that imported class). What other modules know about it comes from
//! the project index ([`ExternalFacts`](super::ExternalFacts)).

use super::bindings::{BindingKind, Bindings};
use super::definitions::Definitions;
use super::imports::{is_websockets, Imports};
use super::scope::ClassKey;
use ruff_python_ast::{Expr, ExprName, Stmt, StmtFunctionDef};

pub enum Callee<'a> {
    Local(&'a StmtFunctionDef),
    /// A function (or method) of another module.
    Elsewhere(String),
}

pub struct Callees<'m, 'a> {
    pub bindings: &'m Bindings<'a>,
    pub imports: &'m Imports,
    pub definitions: &'m Definitions<'a>,
}

impl<'a> Callees<'_, 'a> {
    /// The function `func` (the callee of a call) runs; `class` is the class whose method the
    /// call is written in (for `self.method()`).
    pub fn callee(&self, func: &Expr, class: Option<ClassKey>) -> Option<Callee<'a>> {
        match func {
            Expr::Name(name) => {
                let id = self.bindings.reference(name.range)??;
                if let BindingKind::Function(def) = self.bindings.binding(id).kind {
                    return Some(Callee::Local(def));
                }
            }
            Expr::Attribute(attr) => {
                // `Dialer(uri).connection()`: a method of the class just instantiated.
                if let Expr::Call(call) = &*attr.value {
                    if matches!(&*call.func, Expr::Name(_) | Expr::Attribute(_)) {
                        return self.method_of_class(&call.func, attr.attr.as_str());
                    }
                }
                if let Expr::Name(base) = &*attr.value {
                    let method = attr.attr.as_str();
                    if base.id.as_str() == "self" {
                        let info = self.definitions.class(class?)?;
                        return method_of(info.def.body.as_slice(), method).map(Callee::Local);
                    }
                    // `Client.create()`: a class method of a class of this file.
                    if let Some(Some(id)) = self.bindings.reference(base.range) {
                        if let BindingKind::Class(def) = self.bindings.binding(id).kind {
                            return method_of(&def.body, method).map(Callee::Local);
                        }
                    }
                    if let Some(class) = instance_class(self.bindings, base) {
                        return self.method_of_class(class, method);
                    }
                }
            }
            _ => return None,
        }
        let qualified = self.imports.resolve_any(func)?;
        (!is_websockets(&qualified) && !qualified.starts_with('.'))
            .then_some(Callee::Elsewhere(qualified))
    }

    /// `method` of the class an expression names: one of this file, or one imported.
    fn method_of_class(&self, class: &Expr, method: &str) -> Option<Callee<'a>> {
        if let Expr::Name(name) = class {
            let id = self.bindings.reference(name.range)??;
            if let BindingKind::Class(def) = self.bindings.binding(id).kind {
                return method_of(&def.body, method).map(Callee::Local);
            }
        }
        let qualified = self.imports.resolve_any(class)?;
        (!is_websockets(&qualified) && !qualified.starts_with('.'))
            .then(|| Callee::Elsewhere(format!("{qualified}.{method}")))
    }
}

/// The method `name` a class body defines itself (`__init__` for what calling the class runs).
pub(crate) fn method_of<'a>(body: &'a [Stmt], name: &str) -> Option<&'a StmtFunctionDef> {
    body.iter().find_map(|s| match s {
        Stmt::FunctionDef(def) if def.name.as_str() == name => Some(def),
        _ => None,
    })
}

/// The class expression the object `name` holds was made from or is annotated with:
/// `c = Client(...)`, `c: Client = ...`, a parameter `c: Client`.
pub fn instance_class<'a>(bindings: &Bindings<'a>, name: &ExprName) -> Option<&'a Expr> {
    let id = bindings.reference(name.range)??;
    let class = match &bindings.binding(id).kind {
        BindingKind::Assignment(Some(Expr::Call(call))) => &*call.func,
        BindingKind::Annotated { annotation, value } => match value {
            Some(Expr::Call(call)) => &*call.func,
            _ => annotation,
        },
        BindingKind::Parameter(parameter) => parameter.annotation.as_deref()?,
        _ => return None,
    };
    matches!(class, Expr::Name(_) | Expr::Attribute(_)).then_some(class)
}
