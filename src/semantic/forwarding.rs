//! Handlers that reach `serve()` through a parameter: `def run(handler): serve(handler, ...)`
//! called as `run(echo)` serves `echo`. Each such call adds a `serve()` entry to the file's
//! definitions with the passed argument as its handler (`ServeCall::through`), so the rules
//! and the connection inference see `echo` as served like any other handler. A few hops
//! (`start(h)` calling `run(h)`) are followed; a parameter rebound before the `serve()` is
//! another binding and is not followed. A handler kept in an attribute (`self.handler = handler`
//! in `__init__`, `serve(self.handler)` in another method) is followed to the parameter it was
//! stored from, and a class called is its `__init__`.

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{Expr, ExprAttribute, ExprCall, ExprName, Parameter, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange};

use super::bindings::{BindingKind, Bindings};
use super::callables::Resolver;
use super::definitions::{Definitions, ServeCall};
use super::imports::Imports;

/// How many parameters deep a handler is followed.
const HOPS: usize = 3;

/// A parameter of a function of this file that a `serve()` receives as its handler.
#[derive(Debug, Clone, Copy)]
pub struct ServedParameter<'a> {
    pub function: &'a StmtFunctionDef,
    pub parameter: &'a Parameter,
    /// Its index among the positional parameters (the receiver counted); `None` for a
    /// keyword-only parameter.
    pub position: Option<usize>,
}

/// The parameter `handler` reads, when it is one that every call of its function supplies.
pub fn served_parameter<'a>(
    bindings: &Bindings<'a>,
    definitions: &Definitions<'a>,
    handler: &Expr,
) -> Option<ServedParameter<'a>> {
    let name = match handler {
        Expr::Name(name) => name,
        Expr::Attribute(attr) => stored_parameter(bindings, definitions, attr)?,
        _ => return None,
    };
    let id = bindings.reference(name.range)??;
    let BindingKind::Parameter(parameter) = bindings.binding(id).kind else {
        return None;
    };
    let function = definitions
        .functions
        .iter()
        .find(|f| f.def.parameters.range.contains_range(parameter.range))?
        .def;
    let params = &function.parameters;
    let position = params
        .posonlyargs
        .iter()
        .chain(params.args.iter())
        .position(|p| p.parameter.range == parameter.range);
    let keyword_only = params
        .kwonlyargs
        .iter()
        .any(|p| p.parameter.range == parameter.range);
    (position.is_some() || keyword_only).then_some(ServedParameter {
        function,
        parameter,
        position,
    })
}

/// For `self.handler` in a method: the parameter read by the one assignment to
/// `self.handler` in the class's methods (`self.handler = handler` in `__init__`), when the
/// class has no method of that name.
fn stored_parameter<'a>(
    bindings: &Bindings<'a>,
    definitions: &Definitions<'a>,
    attr: &ExprAttribute,
) -> Option<&'a ExprName> {
    let Expr::Name(receiver) = &*attr.value else {
        return None;
    };
    let id = bindings.reference(receiver.range)??;
    let BindingKind::Parameter(parameter) = bindings.binding(id).kind else {
        return None;
    };
    let method = definitions
        .functions
        .iter()
        .find(|f| f.def.parameters.range.contains_range(parameter.range))?;
    let first = method.def.parameters.args.first()?;
    if first.parameter.range != parameter.range || !method.takes_receiver() {
        return None;
    }
    let class = definitions.class(method.class?)?;
    let name = attr.attr.as_str();
    let mut stored = None;
    for item in &class.def.body {
        let Stmt::FunctionDef(def) = item else {
            continue;
        };
        if def.name.as_str() == name {
            return None; // `self.handler` is the method.
        }
        let Some(receiver) = def.parameters.args.first() else {
            continue;
        };
        for stmt in &def.body {
            let (targets, value): (&[Expr], Option<&Expr>) = match stmt {
                Stmt::Assign(assign) => (&assign.targets, Some(&assign.value)),
                Stmt::AnnAssign(assign) => (
                    std::slice::from_ref(&*assign.target),
                    assign.value.as_deref(),
                ),
                _ => continue,
            };
            let assigns = targets.iter().any(|t| {
                matches!(t, Expr::Attribute(a) if a.attr.as_str() == name
                    && matches!(&*a.value, Expr::Name(n)
                        if n.id.as_str() == receiver.parameter.name.as_str()))
            });
            if !assigns {
                continue;
            }
            match (stored, value) {
                (None, Some(Expr::Name(value))) => stored = Some(value),
                _ => return None, // Assigned twice, or not a name: we would be guessing.
            }
        }
    }
    stored
}

impl<'a> Definitions<'a> {
    /// Adds a `serve()` entry for each argument a call of this file passes to a parameter
    /// that reaches a `serve()` as its handler.
    pub fn forward_handlers(
        &mut self,
        body: &'a [Stmt],
        bindings: &Bindings<'a>,
        imports: &Imports,
    ) {
        let mut frontier: Vec<usize> = (0..self.serve_calls.len()).collect();
        let mut calls: Option<Vec<&'a ExprCall>> = None;
        let mut seen: Vec<(TextRange, TextRange)> = Vec::new();
        for _ in 0..HOPS {
            let wanted: Vec<(usize, ServedParameter<'a>)> = frontier
                .iter()
                .filter_map(|&i| {
                    let handler = self.serve_calls[i].handler?;
                    Some((i, served_parameter(bindings, self, handler)?))
                })
                .collect();
            if wanted.is_empty() {
                return;
            }
            let calls = calls.get_or_insert_with(|| {
                let mut collector = CallCollector(Vec::new());
                collector.visit_body(body);
                collector.0
            });
            let resolver = Resolver {
                bindings,
                imports,
                definitions: self,
            };
            let mut added = Vec::new();
            for &call in calls.iter() {
                let Some((def, bound)) = callee(&resolver, bindings, call) else {
                    continue;
                };
                for (i, served) in &wanted {
                    if def.range != served.function.range {
                        continue;
                    }
                    let Some(argument) = argument_for(call, served, bound) else {
                        continue;
                    };
                    let serve = &self.serve_calls[*i];
                    if seen.contains(&(serve.call.range(), argument.range())) {
                        continue;
                    }
                    seen.push((serve.call.range(), argument.range()));
                    added.push(ServeCall {
                        call: serve.call,
                        implementation: serve.implementation,
                        handler: Some(argument),
                        through: Some(call),
                    });
                }
            }
            let start = self.serve_calls.len();
            self.serve_calls.extend(added);
            frontier = (start..self.serve_calls.len()).collect();
        }
    }
}

/// The function a call runs, with the positional arguments already bound (the receiver of a
/// method): a function or method of this file, or the `__init__` of a class of this file.
fn callee<'a>(
    resolver: &Resolver<'_, 'a>,
    bindings: &Bindings<'a>,
    call: &'a ExprCall,
) -> Option<(&'a StmtFunctionDef, usize)> {
    if let Some(callee) = resolver.resolve_callable(&call.func) {
        let super::Callable::Function(def) = callee.callable else {
            return None;
        };
        return Some((def, callee.bound_positional));
    }
    let Expr::Name(name) = &*call.func else {
        return None;
    };
    let id = bindings.reference(name.range)??;
    let BindingKind::Class(class) = bindings.binding(id).kind else {
        return None;
    };
    super::callees::method_of(&class.body, "__init__").map(|def| (def, 1))
}

/// The argument `call` gives the served parameter: by keyword, or by position after the
/// `bound` ones (the receiver of a method) and before any `*args`.
pub fn argument_for<'a>(
    call: &'a ExprCall,
    served: &ServedParameter<'_>,
    bound: usize,
) -> Option<&'a Expr> {
    let name = served.parameter.name.as_str();
    if let Some(keyword) = call
        .arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
    {
        return Some(&keyword.value);
    }
    let index = served.position?.checked_sub(bound)?;
    let args = &call.arguments.args;
    if args.iter().take(index + 1).any(Expr::is_starred_expr) {
        return None;
    }
    args.get(index)
}

struct CallCollector<'a>(Vec<&'a ExprCall>);

impl<'a> Visitor<'a> for CallCollector<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            if matches!(&*call.func, Expr::Name(_) | Expr::Attribute(_)) {
                self.0.push(call);
            }
        }
        walk_expr(self, expr);
    }
}
