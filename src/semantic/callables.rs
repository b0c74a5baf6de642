//! The code behind a callable expression handed to websockets (a handler, `process_request=`,
//! `select_subprotocol=`, ...): resolved through the bindings visible where the expression is
//! written, so a parameter or local named like a function is not that function.
//!
//! Handled: a function by name; a name bound once to another callable expression; a bound
//! method (`self.on_connect` finds the method of the enclosing class or its bases in this
//! file; `obj.method` the one method of that name in the file); `getattr(obj, "name")`;
//! `functools.partial(f, *args, **kwargs)` with positional and keyword bound arguments; lambdas.

use ruff_python_ast::{Expr, ExprAttribute, Stmt};
use ruff_text_size::Ranged;

use super::bindings::{BindingKind, Bindings};
use super::definitions::{BoundKeywords, Callable, CallableRef, Definitions, FunctionInfo};
use super::imports::Imports;
use super::scope::ClassKey;

pub struct Resolver<'m, 'a> {
    pub bindings: &'m Bindings<'a>,
    pub imports: &'m Imports,
    pub definitions: &'m Definitions<'a>,
}

impl<'a> Resolver<'_, 'a> {
    pub fn resolve_callable(&self, expr: &'a Expr) -> Option<CallableRef<'a>> {
        self.within(expr, 4)
    }

    fn within(&self, expr: &'a Expr, depth: usize) -> Option<CallableRef<'a>> {
        let depth = depth.checked_sub(1)?;
        match expr {
            Expr::Lambda(lambda) => Some(CallableRef::new(Callable::Lambda(lambda))),
            Expr::Name(name) => {
                let id = self.bindings.reference(name.range)??;
                let binding = self.bindings.binding(id);
                match &binding.kind {
                    BindingKind::Function(def) => Some(CallableRef::new(Callable::Function(def))),
                    BindingKind::Assignment(Some(value))
                    | BindingKind::Annotated {
                        value: Some(value), ..
                    } => {
                        // Bound once in its scope (`bound = functools.partial(handler, ...)`),
                        // or just before, in the same statement list (one branch's own value).
                        let scope = self.bindings.scope(binding.scope);
                        (scope.bindings_of(binding.name).len() == 1
                            || self.bindings.reads_straight_line(name.range))
                        .then(|| self.within(value, depth))
                        .flatten()
                    }
                    _ => None,
                }
            }
            Expr::Attribute(attr) => self.method(attr, attr.attr.as_str()),
            Expr::Call(call) => {
                let func = self.imports.resolve_any(&call.func);
                match func.as_deref() {
                    Some("functools.partial") => {
                        let (first, rest) = call.arguments.args.split_first()?;
                        if rest.iter().any(Expr::is_starred_expr)
                            || call.arguments.keywords.iter().any(|k| k.arg.is_none())
                        {
                            return None; // `*args` / `**kwargs`: we would be guessing.
                        }
                        let inner = self.within(first, depth)?;
                        Some(CallableRef {
                            callable: inner.callable,
                            bound_positional: inner.bound_positional + rest.len(),
                            bound_keywords: if call.arguments.keywords.is_empty() {
                                inner.bound_keywords
                            } else {
                                BoundKeywords::Keywords(&call.arguments.keywords)
                            },
                        })
                    }
                    _ if self.is_builtin(&call.func, "getattr") => {
                        let [object, Expr::StringLiteral(name)] = &*call.arguments.args else {
                            return None;
                        };
                        let Expr::Name(_) = object else { return None };
                        self.method_of_receiver(object, name.value.to_str())
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Is `func` the builtin `name` (not rebound anywhere visible)?
    fn is_builtin(&self, func: &Expr, name: &str) -> bool {
        matches!(func, Expr::Name(n) if n.id.as_str() == name
            && self.bindings.reference(n.range) == Some(None))
    }

    fn method(&self, attr: &'a ExprAttribute, name: &str) -> Option<CallableRef<'a>> {
        self.method_of_receiver(&attr.value, name)
    }

    /// `receiver.name` as a bound method: through `self` / `cls` the method of the enclosing
    /// class (or a base class of this file); otherwise the one method of that name in the file.
    fn method_of_receiver(&self, receiver: &'a Expr, name: &str) -> Option<CallableRef<'a>> {
        let function = match self.receiver_class(receiver) {
            Some(class) => self.method_in_class(class, name, 5)?,
            None => self
                .definitions
                .unique_function(name, |f| f.class.is_some())?,
        };
        let mut found = CallableRef::new(Callable::Function(function.def));
        found.bound_positional = usize::from(function.takes_receiver());
        Some(found)
    }

    /// The class whose instance `self` (the first parameter of a method) is.
    fn receiver_class(&self, receiver: &Expr) -> Option<ClassKey> {
        let Expr::Name(name) = receiver else {
            return None;
        };
        let id = self.bindings.reference(name.range)??;
        let BindingKind::Parameter(parameter) = self.bindings.binding(id).kind else {
            return None;
        };
        let function = self
            .definitions
            .functions
            .iter()
            .find(|f| f.def.parameters.range.contains_range(parameter.range))?;
        let first = function.def.parameters.args.first()?;
        (first.parameter.range == parameter.range && function.takes_receiver())
            .then_some(function.class)
            .flatten()
    }

    fn method_in_class(
        &self,
        class: ClassKey,
        name: &str,
        depth: usize,
    ) -> Option<&FunctionInfo<'a>> {
        let depth = depth.checked_sub(1)?;
        let info = self.definitions.class(class)?;
        let own = info.def.body.iter().find_map(|stmt| match stmt {
            Stmt::FunctionDef(def) if def.name.as_str() == name => self.definitions.function(def),
            _ => None,
        });
        if own.is_some() {
            return own;
        }
        info.def.bases().iter().find_map(|base| {
            let Expr::Name(base) = base else { return None };
            let id = self.bindings.reference(base.range)??;
            let BindingKind::Class(def) = self.bindings.binding(id).kind else {
                return None;
            };
            self.method_in_class(ClassKey(def.start().to_u32()), name, depth)
        })
    }
}
