//! What one module tells the rest of the project, read off its semantic model: the callables it
//! hands to websockets that live elsewhere, the calls into other modules that pass connections,
//! the connection attributes of its classes, and the names it re-exports.

use ruff_python_ast::{Expr, ModModule, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange};

use super::ModuleNames;
use crate::semantic::api::Implementation;
use crate::semantic::connections::legacy_origin;
use crate::semantic::forwarding::served_parameter;
use crate::semantic::imports::is_websockets;
use crate::semantic::patches::{self, Entry, Patched};
use crate::semantic::ClassKey;
use crate::semantic::{BindingKind, Connection, Returned, ScopeId, SemanticModel, WebsocketsClass};

mod calls;

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
    /// `(name, websockets name)`: module-level names bound by a websockets import (`import
    /// websockets`, `from websockets.legacy.client import connect`; also in a `try` whose
    /// `except ImportError` binds the name otherwise), sorted: a module of the project that
    /// imports the name from here uses websockets.
    pub websockets_exports: Vec<(String, String, TextRange)>,
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
    /// The module patches legacy classes, which every module's legacy `connect()` or
    /// `serve()` makes (`semantic::patches`).
    pub legacy_patches: Vec<PatchRef>,
    /// The legacy `connect()` / `serve()` the module imports: their switches must wait for
    /// the patches elsewhere that change what they make.
    pub entry_points: Vec<Entry>,
}

/// A patch of a legacy class (`semantic::patches::LegacyPatch`), by line.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRef {
    pub patched: Patched,
    pub class: String,
    pub member: String,
    pub line: usize,
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
                    line: crate::source::line_of(text, serve.call.start()),
                });
            }
        }
    }
    calls::collect(text, module, model, names, &mut summary);
    let mut entry_points: Vec<Entry> = model
        .imports
        .imported()
        .filter_map(|b| patches::entry_point(&b.qualified))
        .collect();
    entry_points.sort();
    entry_points.dedup();
    summary.entry_points = entry_points;
    // A name the index said is the websockets package resolves as websockets now, and so is
    // not among the references the walk finds: it is still one (the index asks again).
    if let Some(external) = model.external {
        summary
            .references
            .extend(external.websockets_aliases.iter().map(|a| a.name.clone()));
        summary.references.sort();
        summary.references.dedup();
    }
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
        let Some(&last) = scope.bindings_of(name).last() else {
            continue;
        };
        if let BindingKind::Import(import) = &model.bindings.binding(last).kind {
            if !is_websockets(&import.qualified) {
                summary
                    .exports
                    .push((name.to_string(), import.qualified.clone()));
            }
        }
        // A websockets import, also behind an `except ImportError` fallback, or a name given
        // a websockets name (`connect = websockets.legacy.client.connect`): its key is the one
        // WS101 anchors the reference's switch on.
        let primary = model.bindings.primary_of(last).unwrap_or(last);
        match &model.bindings.binding(primary).kind {
            BindingKind::Import(import) if is_websockets(&import.qualified) => {
                summary.websockets_exports.push((
                    name.to_string(),
                    import.qualified.clone(),
                    import.stmt,
                ));
            }
            BindingKind::Assignment(Some(value)) => {
                let Some(qualified) = model.imports.resolve(value) else {
                    continue;
                };
                let key = legacy_origin(&model.imports, value).unwrap_or(value.range());
                summary
                    .websockets_exports
                    .push((name.to_string(), qualified, key));
            }
            _ => {}
        }
    }
    summary.exports.sort();
    summary.websockets_exports.sort_by(|a, b| a.0.cmp(&b.0));
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
            line: crate::source::line_of(text, serve.call.start()),
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
