//! Connection inference: which bindings and attributes hold websockets connections.
//!
//! Facts attach to bindings, not names: `ws = await connect(...)` makes that binding a
//! connection; a later `ws = object()` is another binding, and reads after it are not.
//! Evidence, strongest first: the object was created by a websockets `connect()` (`async with`,
//! `await`, `async for`) or received by a handler given to `serve()`; it is `self` in a subclass
//! of a connection class; it is annotated (or `cast`) as a connection class; it was taken out of
//! a collection that only ever receives connections.

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Comprehension, Expr, Parameters, Stmt};
use ruff_text_size::TextRange;

use super::api::{Implementation, Side};
use super::bindings::{BindingId, BindingKind, Bindings};
use super::callables::Resolver;
use super::connections::{annotated_connection, created_connection, legacy_origin};
use super::connections::{Connection, Evidence};
use super::definitions::Definitions;
use super::external::{function_named, ExternalFacts};
use super::focus::Focus;
use super::imports::Imports;
use super::scope::ClassKey;

mod calls;
mod held;
mod narrowing;
mod seeds;

#[derive(Debug, Default)]
pub struct Connections<'a> {
    /// Bindings that hold connections.
    pub facts: HashMap<BindingId, Connection>,
    /// `self.<attr>` connections per class.
    pub attributes: HashMap<(ClassKey, &'a str), Connection>,
    /// `self.<attr>` that a method of the class sets to another library's object
    /// (`self.conn = aiohttp.ClientSession()`): not proven a connection in that class, whatever
    /// an annotation here or in a base class says.
    pub other_attributes: rustc_hash::FxHashSet<(ClassKey, &'a str)>,
    /// Bindings and `self` attributes that hold collections of connections.
    collections: HashMap<CollectionKey<'a>, Connection>,
    /// Bindings and `self` attributes that hold a `connect()` un-awaited (`self._ctx =
    /// websockets.connect(uri)`): awaiting, entering (also by hand, `await
    /// self._ctx.__aenter__()`) or iterating them gives the connection.
    held: HashMap<CollectionKey<'a>, Connection>,
    /// What the calls of this file pass to a function's parameter.
    passed: HashMap<BindingId, Passed>,
    /// Functions (by the range of their `def`) that return a connection.
    pub returns: HashMap<TextRange, Connection>,
    /// Functions (by the range of their `def`) that return a `connect()` un-awaited
    /// (`return websockets.connect(uri)`): awaiting, entering or iterating their calls gives
    /// the connection.
    pub connectors: HashMap<TextRange, Connection>,
    /// Functions (by the range of their `def`) that call a websockets `connect()`, themselves
    /// or through the project functions they call.
    pub reaches: HashMap<TextRange, Connection>,
    /// Name reads narrowed to a connection by an enclosing `if isinstance(name, X):`.
    pub narrowed: HashMap<TextRange, Connection>,
}

/// What the calls of a function pass for one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Passed {
    /// Always the same connection, or (`None`) nothing known yet.
    Only(Option<Connection>),
    /// Connections and other objects: the parameter is not proven a connection.
    Mixed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CollectionKey<'a> {
    Binding(BindingId),
    Attribute(ClassKey, &'a str),
}

impl<'a> Connections<'a> {
    pub fn infer(
        body: &'a [Stmt],
        focus: &Focus,
        bindings: &Bindings<'a>,
        imports: &Imports,
        defs: &Definitions<'a>,
        external: Option<&ExternalFacts>,
    ) -> Connections<'a> {
        let mut connections = Connections::default();
        let resolver = Resolver {
            bindings,
            imports,
            definitions: defs,
        };
        connections.seed_handlers(&resolver);
        if let Some(external) = external {
            connections.seed_external(bindings, defs, external);
        }
        // Facts flow forward through one walk; later rounds see what a function body learns
        // from a binding made further down (collections filled anywhere, module-level names).
        for _ in 0..3 {
            let before = (
                connections.facts.len(),
                connections.attributes.len(),
                connections.collections.len(),
                connections.held.len(),
                connections.returns.len(),
                connections.connectors.len(),
                connections.reaches.len(),
            );
            let mut walker = Walker {
                bindings,
                imports,
                defs,
                external,
                out: &mut connections,
                classes: Vec::new(),
                functions: Vec::new(),
            };
            for (i, stmt) in body.iter().enumerate() {
                if !focus.skips(i) {
                    walker.visit_stmt(stmt);
                    walker.narrow_after(stmt, &body[i + 1..]);
                }
            }
            connections.carry_over_none(bindings);
            connections.parameters_from_calls(bindings);
            let after = (
                connections.facts.len(),
                connections.attributes.len(),
                connections.collections.len(),
                connections.held.len(),
                connections.returns.len(),
                connections.connectors.len(),
                connections.reaches.len(),
            );
            if before == after {
                break;
            }
        }
        connections
    }
}

struct Walker<'m, 'a, 'i> {
    bindings: &'i Bindings<'a>,
    imports: &'i Imports,
    defs: &'i Definitions<'a>,
    external: Option<&'i ExternalFacts>,
    out: &'m mut Connections<'a>,
    /// For each enclosing function or lambda: the class it is a method of.
    classes: Vec<Option<ClassKey>>,
    /// The enclosing `def`s (their ranges), innermost last.
    functions: Vec<ruff_text_size::TextRange>,
}

impl<'a> Walker<'_, 'a, '_> {
    fn method_class(&self) -> Option<ClassKey> {
        self.classes.last().copied().flatten()
    }

    /// What an expression holds, as far as this walk knows: used for `x = y`, `coll.add(y)`.
    fn connection_of(&self, expr: &Expr) -> Option<Connection> {
        match expr {
            Expr::Name(name) => {
                if let Some(c) = self.out.narrowed.get(&name.range) {
                    return Some(*c);
                }
                let id = self.bindings.reference(name.range)??;
                self.out.facts.get(&id).copied()
            }
            Expr::Attribute(attr) => {
                let Expr::Name(base) = &*attr.value else {
                    return None;
                };
                if base.id.as_str() != "self" {
                    return None;
                }
                let class = self.method_class()?;
                let key = (class, attr.attr.as_str());
                if self.out.other_attributes.contains(&key) {
                    return None;
                }
                self.out.attributes.get(&key).copied()
            }
            Expr::Await(await_) => self
                .created(&await_.value)
                .or_else(|| self.returned_by(&await_.value, true)),
            // `typing.cast(ClientConnection, x)`, or a plain function returning a connection.
            Expr::Call(call) => {
                let func = self.imports.resolve_any(&call.func);
                if !matches!(
                    func.as_deref(),
                    Some("typing.cast" | "typing_extensions.cast")
                ) {
                    return self.returned_by(expr, false);
                }
                let type_ = call.arguments.args.first()?;
                annotated_connection(self.imports, self.external, type_)
            }
            _ => None,
        }
    }

    fn collection_of(&self, expr: &'a Expr) -> Option<Connection> {
        let expr = unwrap_copy(expr);
        let key = self.collection_key(expr)?;
        self.out.collections.get(&key).copied()
    }

    fn collection_key(&self, expr: &'a Expr) -> Option<CollectionKey<'a>> {
        held::read_key(self.bindings, expr, self.method_class())
    }

    /// `self.x = other_library.Thing(...)` (awaited or not): `x` of this class holds an object
    /// that is not a websockets connection. Only calls of imported, non-websockets callables
    /// count; anything unknown (a parameter, a project function) proves nothing either way.
    fn note_other_object(&mut self, target: &'a Expr, value: &Expr) {
        let Expr::Attribute(attr) = target else {
            return;
        };
        let Expr::Name(base) = &*attr.value else {
            return;
        };
        let Some(class) = self.method_class() else {
            return;
        };
        let value = match value {
            Expr::Await(awaited) => &*awaited.value,
            other => other,
        };
        let Expr::Call(call) = value else { return };
        // Not asyncio's: `asyncio.wait_for(connect(...))` wraps what it is given.
        let other = self.imports.resolve_any(&call.func).is_some_and(|q| {
            !super::imports::is_websockets(&q)
                && !q.starts_with('.')
                && q.split('.').next() != Some("asyncio")
                && !matches!(q.as_str(), "typing.cast" | "typing_extensions.cast")
                && self.external.is_none_or(|e| e.returned(&q).is_none())
        });
        if base.id.as_str() == "self" && other {
            self.out
                .other_attributes
                .insert((class, attr.attr.as_str()));
        }
    }

    /// Attaches a connection to the binding a target creates.
    fn assign(&mut self, target: &'a Expr, connection: Option<Connection>) {
        let Some(c) = connection else { return };
        match target {
            Expr::Name(name) => {
                if let Some(id) = self.bindings.created_at(name.range) {
                    self.out.record(id, c);
                }
            }
            Expr::Attribute(attr) => {
                let Expr::Name(base) = &*attr.value else {
                    return;
                };
                if base.id.as_str() == "self" {
                    if let Some(class) = self.method_class() {
                        // As for bindings: what creates the connection outweighs an
                        // annotation (`self.ws: WebSocketClientProtocol = None`, then
                        // `self.ws = await websockets.connect(uri)`, the new one).
                        self.out
                            .attributes
                            .entry((class, attr.attr.as_str()))
                            .and_modify(|old| {
                                if c.evidence > old.evidence {
                                    *old = c;
                                }
                            })
                            .or_insert(c);
                    }
                }
            }
            _ => {}
        }
    }

    fn bind_parameters(&mut self, params: &'a Parameters) {
        for p in params.iter() {
            let Some(c) = p
                .annotation()
                .and_then(|a| annotated_connection(self.imports, self.external, a))
            else {
                continue;
            };
            if let Some(id) = self.bindings.created_at(p.name().range) {
                self.out.record(id, c);
            }
        }
    }

    /// `for c in CLIENTS` inside a comprehension: `c` is a connection.
    fn comprehension(&mut self, generators: &'a [Comprehension]) {
        for generator in generators {
            if generator.is_async {
                continue;
            }
            let Some(c) = self.collection_of(&generator.iter) else {
                continue;
            };
            let c = Connection {
                evidence: Evidence::Collection,
                origin_file: None,
                ..c
            };
            self.assign(&generator.target, Some(c));
        }
    }
}

impl<'a> Walker<'_, 'a, '_> {
    /// `helper(ws)` where `helper` is a function of this file: its parameter receives the
    /// connection (when every positional argument before it is plain).
    fn call_with_connections(&mut self, call: &'a ruff_python_ast::ExprCall) {
        let Expr::Name(func) = &*call.func else {
            return;
        };
        let Some(id) = self.bindings.reference(func.range).flatten() else {
            return;
        };
        // A class of this file that is only ever called (or named in annotations) passes
        // what its calls give to its `__init__`, after `self`.
        let (def, receiver) = match self.bindings.binding(id).kind {
            BindingKind::Function(def) => (def, 0),
            BindingKind::Class(class) if self.bindings.only_called_or_annotated(id) => {
                match super::callees::method_of(&class.body, "__init__") {
                    Some(init) => (init, 1),
                    None => return,
                }
            }
            _ => return,
        };
        let parameters: Vec<_> = def
            .parameters
            .posonlyargs
            .iter()
            .chain(&def.parameters.args)
            .skip(receiver)
            .collect();
        for (i, argument) in call.arguments.args.iter().enumerate() {
            if argument.is_starred_expr() {
                break;
            }
            let Some(parameter) = parameters.get(i) else {
                break;
            };
            let Some(param) = self.bindings.created_at(parameter.parameter.name.range) else {
                continue;
            };
            let vote = self.connection_of(argument);
            let slot = self.out.passed.entry(param).or_insert(Passed::Only(vote));
            if let (Passed::Only(c), Some(v)) = (*slot, vote) {
                if c.is_none_or(|c| c == v) {
                    *slot = Passed::Only(Some(v));
                    continue;
                }
            }
            if vote.is_none() || matches!(slot, Passed::Only(Some(c)) if Some(*c) != vote) {
                *slot = Passed::Mixed;
            }
        }
    }
}

/// Is the function whose parameter `param` is read only as the callee of calls?
fn only_called(bindings: &Bindings, param: BindingId) -> bool {
    let scope = bindings.binding(param).scope;
    let range = bindings.scope(scope).range;
    let Some(function) = bindings
        .all()
        .find(|(_, b)| matches!(b.kind, BindingKind::Function(def) if def.range == range))
        .map(|(id, _)| id)
    else {
        return false;
    };
    bindings
        .references_to(function)
        .all(|read| bindings.is_callee(read))
}

/// `x.copy()`, `list(x)`, `set(x)`, `tuple(x)`, `x.values()` iterate like `x`.
fn unwrap_copy(expr: &Expr) -> &Expr {
    if let Expr::Call(call) = expr {
        if let Expr::Attribute(attr) = &*call.func {
            if matches!(attr.attr.as_str(), "copy" | "values") && call.arguments.is_empty() {
                return &attr.value;
            }
        }
        if let (Expr::Name(func), [arg]) = (&*call.func, &*call.arguments.args) {
            if matches!(func.id.as_str(), "list" | "set" | "tuple" | "frozenset") {
                return arg;
            }
        }
    }
    expr
}

impl<'a> Visitor<'a> for Walker<'_, 'a, '_> {
    fn visit_body(&mut self, body: &'a [Stmt]) {
        for (i, stmt) in body.iter().enumerate() {
            self.visit_stmt(stmt);
            self.narrow_after(stmt, &body[i + 1..]);
        }
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                for d in &def.decorator_list {
                    self.visit_expr(&d.expression);
                }
                let class = self.defs.function(def).and_then(|f| f.class);
                self.bind_parameters(&def.parameters);
                // `self` in a method of a connection subclass.
                if let Some(class) = class {
                    let base = self.defs.class(class).and_then(|c| c.connection_base);
                    let receiver = def.parameters.args.first().map(|p| &p.parameter);
                    if let (Some(base), Some(receiver)) = (base, receiver) {
                        let is_self = receiver.name.as_str() == "self";
                        if let (true, Some(id)) =
                            (is_self, self.bindings.created_at(receiver.name.range))
                        {
                            let origin = match (base.implementation, base.origin_file) {
                                (Implementation::Legacy, None) => base.origin.or(Some(base.base)),
                                (Implementation::Legacy, Some(_)) => base.origin,
                                (Implementation::New, _) => None,
                            };
                            self.out.record(
                                id,
                                Connection {
                                    implementation: base.implementation,
                                    side: base.side,
                                    origin,
                                    evidence: Evidence::Subclass,
                                    origin_file: base.origin_file,
                                },
                            );
                        }
                    }
                }
                self.classes.push(class);
                self.functions.push(def.range);
                self.visit_body(&def.body);
                self.functions.pop();
                self.classes.pop();
            }
            Stmt::With(with) if with.is_async => {
                for item in &with.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        let c = self.created(&item.context_expr);
                        self.assign(target, c);
                    }
                }
                self.visit_body(&with.body);
            }
            Stmt::For(for_) => {
                self.visit_expr(&for_.iter);
                let c = if for_.is_async {
                    self.created(&for_.iter)
                } else {
                    self.collection_of(&for_.iter).map(|c| Connection {
                        evidence: Evidence::Collection,
                        origin_file: None,
                        ..c
                    })
                };
                self.assign(&for_.target, c);
                self.visit_body(&for_.body);
                self.visit_body(&for_.orelse);
            }
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value);
                let c = self.connection_of(&assign.value);
                for target in &assign.targets {
                    if c.is_none() {
                        self.note_other_object(target, &assign.value);
                        self.hold(target, &assign.value);
                    }
                    self.assign(target, c);
                    if let Expr::Subscript(sub) = target {
                        // `clients[key] = ws`: a mapping of connections.
                        if let (Some(c), Some(key)) = (c, self.collection_key(&sub.value)) {
                            self.out.collections.entry(key).or_insert(c);
                        }
                    }
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                }
                let c = assign
                    .value
                    .as_deref()
                    .and_then(|v| self.connection_of(v))
                    .or_else(|| {
                        annotated_connection(self.imports, self.external, &assign.annotation)
                    });
                if let (None, Some(value)) = (c, assign.value.as_deref()) {
                    self.hold(&assign.target, value);
                }
                self.assign(&assign.target, c);
            }
            // `return ws`: calls of the function give the connection.
            Stmt::Return(ret) => {
                walk_stmt(self, stmt);
                let Some((value, &function)) = ret.value.as_deref().zip(self.functions.last())
                else {
                    return;
                };
                if let Some(c) = self.connection_of(value) {
                    self.out.returns.entry(function).or_insert(c);
                } else if let Some(c) = self.created(value) {
                    self.out.connectors.entry(function).or_insert(c);
                }
            }
            Stmt::If(if_) => {
                self.narrow(if_);
                walk_stmt(self, stmt);
            }
            // `ws: ClientConnection` in a class body: instances (and subclasses) hold one.
            Stmt::ClassDef(class) => {
                let key = ClassKey(ruff_text_size::Ranged::start(class).to_u32());
                for item in &class.body {
                    let Stmt::AnnAssign(assign) = item else {
                        continue;
                    };
                    let (Expr::Name(name), Some(c)) = (
                        &*assign.target,
                        annotated_connection(self.imports, self.external, &assign.annotation),
                    ) else {
                        continue;
                    };
                    self.out
                        .attributes
                        .entry((key, name.id.as_str()))
                        .or_insert(c);
                }
                walk_stmt(self, stmt);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Lambda(lambda) => {
                if let Some(params) = &lambda.parameters {
                    self.bind_parameters(params);
                }
                let class = self.method_class();
                self.classes.push(class);
                self.visit_expr(&lambda.body);
                self.classes.pop();
            }
            Expr::Call(call) => {
                self.call_with_connections(call);
                self.record_reach(expr);
                // `clients.add(ws)`, `clients.append(ws)`: a collection of connections.
                if let (Expr::Attribute(attr), [arg]) = (&*call.func, &*call.arguments.args) {
                    if matches!(attr.attr.as_str(), "add" | "append") {
                        if let (Some(c), Some(key)) =
                            (self.connection_of(arg), self.collection_key(&attr.value))
                        {
                            self.out.collections.entry(key).or_insert(c);
                        }
                    }
                }
                walk_expr(self, expr);
            }
            Expr::ListComp(comp) => {
                self.comprehension(&comp.generators);
                walk_expr(self, expr);
            }
            Expr::SetComp(comp) => {
                self.comprehension(&comp.generators);
                walk_expr(self, expr);
            }
            Expr::Generator(comp) => {
                self.comprehension(&comp.generators);
                walk_expr(self, expr);
            }
            Expr::DictComp(comp) => {
                self.comprehension(&comp.generators);
                walk_expr(self, expr);
            }
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                let c = self.connection_of(&named.value);
                self.assign(&named.target, c);
            }
            _ => walk_expr(self, expr),
        }
    }
}
