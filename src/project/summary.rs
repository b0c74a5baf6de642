//! What one module tells the rest of the project, read off its semantic model: the callables it
//! hands to websockets that live elsewhere, the calls into other modules that pass connections,
//! the connection attributes of its classes, and the names it re-exports.

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{Expr, ModModule, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange};

use super::ModuleNames;
use crate::semantic::api::Implementation;
use crate::semantic::connections::legacy_origin;
use crate::semantic::definitions::BoundKeywords;
use crate::semantic::forwarding::served_parameter;
use crate::semantic::imports::is_websockets;
use crate::semantic::ClassKey;
use crate::semantic::{
    BindingKind, Callable, Connection, Returned, ScopeId, SemanticModel, WebsocketsClass,
};

/// The keyword arguments of `serve()` that take a callable the server calls.
const SERVED_KEYWORDS: &[&str] = &["process_request", "process_response", "select_subprotocol"];

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub served: Vec<ServedRef>,
    pub calls: Vec<CallRef>,
    /// The functions of other modules that `calls` name (`CallRef::target` indexes it): a
    /// name is kept once however often it is called (a `String` per argument was a seventh of
    /// the peak memory over a big tree).
    pub call_targets: Vec<String>,
    /// `(class, attribute, connection)` for the module's top-level classes.
    pub class_attributes: Vec<(String, String, Connection)>,
    /// Module-level names bound by imports, with what they name (re-exports).
    pub exports: Vec<(String, String)>,
    /// The module calls a websockets `serve()`.
    pub serves: bool,
    /// What the module offers the modules that import it, by the name of a top-level function,
    /// class or method (`open_client`, `Client.open`, `MyProtocol`).
    pub offers: Vec<(String, Offer)>,
    /// The functions of other modules the module calls (qualified, sorted): only those get
    /// their returns and `connect()` reaches from the index.
    pub callees: Vec<String>,
    /// The names of other modules the module refers to (qualified, sorted; also inside string
    /// annotations): only those get the index's facts about classes (a module that imports
    /// another and never names its client class learns nothing from it, and is not checked
    /// again).
    pub references: Vec<String>,
    /// Functions (this module's or another's) passed to functions of other modules.
    pub passes: Vec<PassRef>,
    /// `(top-level function or class, position)`: this module calls its own function with
    /// something that is not a connection there (sorted): callers elsewhere passing one do not
    /// prove the parameter.
    pub local_others: Vec<(String, usize)>,
    /// Functions and classes of other modules read here other than by calling them or in
    /// annotations (`register(Factory)`, sorted): what they are called with is not in sight.
    pub handed: Vec<String>,
}

/// A fact about a top-level definition that other modules use.
#[derive(Debug, Clone, PartialEq)]
pub enum Offer {
    /// Calling the function gives a connection.
    Returns(Returned),
    /// Calling the function runs a websockets `connect()`.
    ReachesConnect(Connection),
    /// The class derives from a websockets class.
    Class(WebsocketsClass),
    /// A parameter of the function reaches a `serve()` as its connection handler: what a call
    /// passes there is served.
    ServesParameter(ServedParameterRef),
}

/// A parameter that a module's `serve()` receives as its handler.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedParameterRef {
    /// Its index among the positional parameters (the receiver of a method not counted);
    /// `None` for a keyword-only parameter.
    pub position: Option<usize>,
    pub name: String,
    pub implementation: Implementation,
    /// For a legacy `serve()`: the group key of its import, a range of this file.
    pub group_key: Option<TextRange>,
    /// The line of the `serve()` call (1-based).
    pub line: usize,
}

/// A function passed as an argument of a call of another module's function (`run(echo)`,
/// `server.start(handler=self.on_connect)`).
#[derive(Debug, Clone, PartialEq)]
pub struct PassRef {
    /// The called function, qualified.
    pub target: String,
    /// The argument's position, or its keyword.
    pub position: Option<usize>,
    pub keyword: Option<String>,
    /// The passed function: qualified, or (`local`) its name in this module (`echo`,
    /// `App.on_connect`).
    pub function: String,
    pub local: bool,
    pub bound_positional: usize,
    pub bound_keywords: Vec<String>,
}

/// A `serve()` argument naming a function of another module.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedRef {
    /// The qualified name the argument refers to (`pkg.handlers.handle`).
    pub target: String,
    pub keyword: Option<String>,
    pub implementation: Implementation,
    pub bound_positional: usize,
    pub bound_keywords: Vec<String>,
    /// For a legacy `serve()`: the group key of its import, a range of this file.
    pub group_key: Option<TextRange>,
    /// The line of the `serve()` call (1-based).
    pub line: usize,
}

/// A positional argument of a call of another module's function: the connection it passes,
/// or `None` for another object (which keeps the parameter from being proven a connection).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallRef {
    /// Into [`Summary::call_targets`].
    pub target: u32,
    pub index: u32,
    pub connection: Option<Connection>,
}

/// The index looks these lists up by binary search.
/// Summaries live until the end of the run, one per project file: the lists keep no spare
/// capacity (before dedup they held every duplicate).
fn sorted_unique<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort_unstable();
    items.dedup();
    items.shrink_to_fit();
    items
}

/// `names`: the project's modules; the names of other modules kept are those the index can
/// locate.
pub fn summarize<'a>(
    text: &str,
    module: &'a ModModule,
    model: &SemanticModel<'a>,
    names: &ModuleNames,
) -> Summary {
    let mut summary = Summary {
        serves: !model.definitions.serve_calls.is_empty(),
        ..Summary::default()
    };
    for serve in &model.definitions.serve_calls {
        let group_key = match serve.implementation {
            Implementation::Legacy => legacy_origin(&model.imports, &serve.call.func),
            Implementation::New => None,
        };
        let mut arguments: Vec<(Option<&str>, &Expr)> = Vec::new();
        if let Some(handler) = serve.handler {
            arguments.push((None, handler));
        }
        // An entry for a handler passed through a parameter repeats its `serve()`'s keywords.
        let keywords = match serve.through {
            None => &serve.call.arguments.keywords[..],
            Some(_) => &[],
        };
        for keyword in keywords {
            if let Some(name) = keyword.arg.as_ref().map(|a| a.as_str()) {
                if let Some(known) = SERVED_KEYWORDS.iter().find(|k| **k == name) {
                    arguments.push((Some(known), &keyword.value));
                }
            }
        }
        for (keyword, argument) in arguments {
            if model.resolve_callable(argument).is_some() {
                continue; // Defined in this file: the file's own model handles it.
            }
            let located = elsewhere(model, argument, 3).filter(|(t, ..)| names.may_locate(t));
            if let Some((target, bound_positional, bound_keywords)) = located {
                summary.served.push(ServedRef {
                    target,
                    keyword: keyword.map(String::from),
                    implementation: serve.implementation,
                    bound_positional,
                    bound_keywords,
                    group_key,
                    line: 1 + text[..serve.call.start().to_usize()].matches('\n').count(),
                });
            }
        }
    }
    let mut calls = Calls {
        model,
        module,
        names,
        passes: Vec::new(),
        local_others: Vec::new(),
        handed: Vec::new(),
        callee: None,
        chain_part: None,
        out: Vec::new(),
        seen: rustc_hash::FxHashSet::default(),
        targets: Vec::new(),
        target_ids: rustc_hash::FxHashMap::default(),
        callees: Vec::new(),
        references: Vec::new(),
        typing: false,
    };
    calls.visit_body(&module.body);
    calls.out.shrink_to_fit();
    calls.targets.shrink_to_fit();
    calls.passes.shrink_to_fit();
    summary.calls = calls.out;
    summary.call_targets = calls.targets;
    summary.passes = calls.passes;
    summary.local_others = sorted_unique(calls.local_others);
    summary.handed = sorted_unique(calls.handed);
    summary.callees = sorted_unique(calls.callees);
    summary.references = sorted_unique(calls.references);
    for ((class, attribute), connection) in &model.connections.attributes {
        if model
            .connections
            .other_attributes
            .contains(&(*class, *attribute))
        {
            continue;
        }
        let Some(info) = model.definitions.class(*class) else {
            continue;
        };
        let top_level = module.body.iter().any(|s| s.range() == info.def.range);
        if top_level {
            summary.class_attributes.push((
                info.def.name.to_string(),
                attribute.to_string(),
                *connection,
            ));
        }
    }
    summary
        .class_attributes
        .sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let scope = model.bindings.scope(ScopeId::MODULE);
    for name in scope.names() {
        let Some(&id) = scope.bindings_of(name).last() else {
            continue;
        };
        if let BindingKind::Import(import) = &model.bindings.binding(id).kind {
            if !is_websockets(&import.qualified) {
                summary
                    .exports
                    .push((name.to_string(), import.qualified.clone()));
            }
        }
    }
    summary.exports.sort();
    summary.offers = offers(module, model);
    served_parameters(text, module, model, &mut summary.offers);
    summary
}

/// The returns, `connect()` reaches and websockets bases of the module's top-level functions,
/// classes and their methods.
fn offers(module: &ModModule, model: &SemanticModel) -> Vec<(String, Offer)> {
    let connections = &model.connections;
    let mut out = Vec::new();
    let mut function = |name: String, def: &ruff_python_ast::StmtFunctionDef| {
        let returned = connections
            .returns
            .get(&def.range)
            .map(|c| (c, false))
            .or_else(|| connections.connectors.get(&def.range).map(|c| (c, true)));
        if let Some((c, connector)) = returned {
            let returned = Returned {
                connection: *c,
                is_async: def.is_async,
                connector,
            };
            out.push((name.clone(), Offer::Returns(returned)));
        }
        if let Some(c) = connections.reaches.get(&def.range) {
            out.push((name, Offer::ReachesConnect(*c)));
        }
    };
    let mut classes = Vec::new();
    for stmt in &module.body {
        match stmt {
            Stmt::FunctionDef(def) => function(def.name.to_string(), def),
            Stmt::ClassDef(class) => {
                for item in &class.body {
                    if let Stmt::FunctionDef(def) = item {
                        function(format!("{}.{}", class.name, def.name), def);
                    }
                }
                let facts = model
                    .definitions
                    .class(ClassKey::of_stmt(stmt))
                    .and_then(|info| model.class_facts(info));
                if let Some(facts) = facts {
                    classes.push((class.name.to_string(), Offer::Class(facts)));
                }
            }
            _ => {}
        }
    }
    out.extend(classes);
    out
}

/// The parameters of top-level functions and methods that reach a `serve()` as its handler.
fn served_parameters(
    text: &str,
    module: &ModModule,
    model: &SemanticModel,
    out: &mut Vec<(String, Offer)>,
) {
    for serve in &model.definitions.serve_calls {
        let Some(served) = serve
            .handler
            .and_then(|h| served_parameter(&model.bindings, &model.definitions, h))
        else {
            continue;
        };
        let Some(name) = top_level_name(module, served.function) else {
            continue;
        };
        let receiver = model
            .definitions
            .function(served.function)
            .is_some_and(|f| f.takes_receiver());
        let position = match served.position {
            Some(p) if receiver => match p.checked_sub(1) {
                Some(p) => Some(p),
                None => continue,
            },
            p => p,
        };
        let group_key = match serve.implementation {
            Implementation::Legacy => legacy_origin(&model.imports, &serve.call.func),
            Implementation::New => None,
        };
        let offer = Offer::ServesParameter(ServedParameterRef {
            position,
            name: served.parameter.name.to_string(),
            implementation: serve.implementation,
            group_key,
            line: 1 + text[..serve.call.start().to_usize()].matches('\n').count(),
        });
        if !out.iter().any(|(n, o)| *n == name && *o == offer) {
            out.push((name, offer));
        }
    }
}

/// The name other modules reach a top-level function or a method of a top-level class by
/// (`echo`, `App.on_connect`).
fn top_level_name(module: &ModModule, def: &StmtFunctionDef) -> Option<String> {
    module.body.iter().find_map(|stmt| match stmt {
        Stmt::FunctionDef(f) if f.range == def.range => Some(f.name.to_string()),
        Stmt::ClassDef(class) if class.range.contains_range(def.range) => {
            class.body.iter().find_map(|item| match item {
                Stmt::FunctionDef(f) if f.range == def.range => {
                    Some(format!("{}.{}", class.name, f.name))
                }
                _ => None,
            })
        }
        _ => None,
    })
}

/// The qualified name of another module's function that `expr` refers to, with what
/// `functools.partial` binds around it.
fn elsewhere(
    model: &SemanticModel,
    expr: &Expr,
    depth: usize,
) -> Option<(String, usize, Vec<String>)> {
    let depth = depth.checked_sub(1)?;
    if let Expr::Call(call) = expr {
        if model.resolve_any(&call.func).as_deref() != Some("functools.partial") {
            return None;
        }
        let (first, rest) = call.arguments.args.split_first()?;
        if rest.iter().any(Expr::is_starred_expr)
            || call.arguments.keywords.iter().any(|k| k.arg.is_none())
        {
            return None;
        }
        let (target, positional, mut keywords) = elsewhere(model, first, depth)?;
        keywords.extend(
            call.arguments
                .keywords
                .iter()
                .filter_map(|k| k.arg.as_ref().map(|a| a.to_string())),
        );
        return Some((target, positional + rest.len(), keywords));
    }
    // `bound = functools.partial(handlers.greet, ...)`, bound once in its scope.
    if let Expr::Name(name) = expr {
        if let Some(binding) = model.binding_of(name) {
            let once = model
                .bindings
                .scope(binding.scope)
                .bindings_of(binding.name)
                .len()
                == 1;
            if let (BindingKind::Assignment(Some(value)), true) = (&binding.kind, once) {
                return elsewhere(model, value, depth);
            }
        }
    }
    let qualified = model.resolve_any(expr)?;
    (!is_websockets(&qualified) && !qualified.starts_with('.')).then_some((
        qualified,
        0,
        Vec::new(),
    ))
}

struct Calls<'m, 'a> {
    model: &'m SemanticModel<'a>,
    module: &'a ModModule,
    names: &'m ModuleNames,
    passes: Vec<PassRef>,
    local_others: Vec<(String, usize)>,
    handed: Vec<String>,
    /// The callee of the call being walked (its range).
    callee: Option<TextRange>,
    /// The object of the attribute being walked (its range).
    chain_part: Option<TextRange>,
    /// Each argument once: the index merges repeats into the same fact.
    out: Vec<CallRef>,
    seen: rustc_hash::FxHashSet<CallRef>,
    targets: Vec<String>,
    target_ids: rustc_hash::FxHashMap<String, u32>,
    callees: Vec<String>,
    references: Vec<String>,
    /// Inside an annotation: a string there is a type.
    typing: bool,
}

impl<'a> Calls<'_, 'a> {
    /// A name or attribute chain naming something of another module.
    fn refer(&mut self, expr: &Expr) {
        let qualified = self.elsewhere(expr);
        self.references.extend(qualified);
    }

    /// What a name or attribute chain names in another module of the project, qualified.
    fn elsewhere(&self, expr: &Expr) -> Option<String> {
        self.model
            .imports
            .resolve_rooted(expr, |root| self.names.may_extend(root))
            .filter(|q| self.located(q))
    }

    /// A name of another module the index can locate.
    fn located(&self, qualified: &str) -> bool {
        !is_websockets(qualified) && !qualified.starts_with('.') && self.names.may_locate(qualified)
    }

    /// The top-level function or class of this module a callee names.
    fn local_callee(&self, func: &Expr) -> Option<&'a str> {
        let Expr::Name(name) = func else { return None };
        let binding = self.model.binding_of(name)?;
        let top = binding.scope == ScopeId::MODULE
            && matches!(
                binding.kind,
                BindingKind::Function(_) | BindingKind::Class(_)
            );
        top.then_some(binding.name)
    }

    /// The functions `call` (of `target`, a function of another module) is given.
    fn passes(&mut self, target: &str, call: &'a ruff_python_ast::ExprCall) {
        let positional = call
            .arguments
            .args
            .iter()
            .take_while(|a| !a.is_starred_expr())
            .enumerate()
            .map(|(i, a)| (Some(i), None, a));
        let keywords = call.arguments.keywords.iter().filter_map(|k| {
            let name = k.arg.as_ref()?.to_string();
            Some((None, Some(name), &k.value))
        });
        for (position, keyword, argument) in positional.chain(keywords) {
            if !matches!(argument, Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_)) {
                continue;
            }
            let passed = match self.model.resolve_callable(argument) {
                Some(local) => {
                    let Callable::Function(def) = local.callable else {
                        continue;
                    };
                    let Some(name) = top_level_name(self.module, def) else {
                        continue;
                    };
                    let keywords = match local.bound_keywords {
                        BoundKeywords::Keywords(keywords) => keywords
                            .iter()
                            .filter_map(|k| k.arg.as_ref().map(|a| a.to_string()))
                            .collect(),
                        BoundKeywords::Names(names) => names.to_vec(),
                    };
                    (name, true, local.bound_positional, keywords)
                }
                None => match elsewhere(self.model, argument, 3) {
                    Some((qualified, positional, keywords)) => {
                        (qualified, false, positional, keywords)
                    }
                    None => continue,
                },
            };
            let (function, local, bound_positional, bound_keywords) = passed;
            self.passes.push(PassRef {
                target: target.to_string(),
                position,
                keyword,
                function,
                local,
                bound_positional,
                bound_keywords,
            });
        }
    }

    /// The names of a string annotation (`"Client"`, `"Optional[pkg.Client]"`).
    fn refer_in_string(&mut self, text: &str) {
        if let Ok(parsed) = ruff_python_parser::parse_expression(text) {
            Names(self).visit_expr(&parsed.syntax().body);
        }
    }
}

/// Visits the names of a string annotation (their ranges are not the file's).
struct Names<'c, 'm, 'a>(&'c mut Calls<'m, 'a>);

impl<'b> Visitor<'b> for Names<'_, '_, '_> {
    fn visit_expr(&mut self, expr: &'b Expr) {
        if matches!(expr, Expr::Name(_) | Expr::Attribute(_)) {
            self.0.refer(expr);
        }
        walk_expr(self, expr);
    }
}

impl<'a> Visitor<'a> for Calls<'_, 'a> {
    fn visit_annotation(&mut self, expr: &'a Expr) {
        let outer = std::mem::replace(&mut self.typing, true);
        self.visit_expr(expr);
        self.typing = outer;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(_) | Expr::Attribute(_) => {
                let part = self.chain_part == Some(expr.range());
                if let Expr::Attribute(attr) = expr {
                    // `a.b` in `a.b.c` is part of a name read, not a read of its own.
                    self.chain_part = Some(attr.value.range());
                }
                if let Some(qualified) = self.elsewhere(expr) {
                    if !self.typing && !part && self.callee != Some(expr.range()) {
                        self.handed.push(qualified.clone());
                    }
                    self.references.push(qualified);
                }
            }
            Expr::StringLiteral(string) if self.typing => {
                self.refer_in_string(string.value.to_str())
            }
            _ => {}
        }
        if let Expr::Call(call) = expr {
            let resolved = self.model.resolve_any(&call.func);
            // `typing.cast("Client", x)`: the model reads the string as a type.
            let cast = matches!(
                resolved.as_deref(),
                Some("typing.cast" | "typing_extensions.cast")
            );
            if let (true, Some(Expr::StringLiteral(string))) = (cast, call.arguments.args.first()) {
                self.refer_in_string(string.value.to_str());
            }
            let callee = self.model.callee_elsewhere(&call.func);
            if let Some(callee) = callee.filter(|c| self.names.may_locate(c)) {
                self.passes(&callee, call);
                self.callees.push(callee);
            }
            let target = resolved.filter(|q| self.located(q));
            if let Some(name) = self.local_callee(&call.func) {
                for (index, argument) in call.arguments.args.iter().enumerate() {
                    if argument.is_starred_expr() {
                        break;
                    }
                    if self.model.connection(argument, &[]).is_none() {
                        self.local_others.push((name.to_string(), index));
                    }
                }
            }
            if let Some(target) = target.filter(|_| !call.arguments.args.is_empty()) {
                let target = match self.target_ids.get(&target) {
                    Some(id) => *id,
                    None => {
                        let id = self.targets.len() as u32;
                        self.targets.push(target.clone());
                        self.target_ids.insert(target, id);
                        id
                    }
                };
                for (index, argument) in call.arguments.args.iter().enumerate() {
                    if argument.is_starred_expr() {
                        break;
                    }
                    let call = CallRef {
                        target,
                        index: index as u32,
                        connection: self.model.connection(argument, &[]),
                    };
                    if self.seen.insert(call.clone()) {
                        self.out.push(call);
                    }
                }
            }
            self.callee = Some(call.func.range());
        }
        walk_expr(self, expr);
    }
}
