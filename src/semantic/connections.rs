//! Connection inference: which names and attributes hold websockets connections.
//!
//! Evidence, strongest first: the object was created by a websockets `connect()` (`async with`,
//! `await`, `async for`) or received by a handler given to `serve()`; it is `self` in a subclass
//! of a connection class; it is annotated with a connection class; it was taken out of a
//! collection that only ever receives connections.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Comprehension, Expr, ExprContext, Parameters, Stmt};
use ruff_python_parser::parse_expression;
use ruff_text_size::{Ranged, TextRange};

use super::api::{self, Implementation, Side};
use super::definitions::{Callable, Definitions};
use super::imports::Imports;
use super::scope::{ClassKey, ScopeKey};

/// What the model knows about an object that is a websockets connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection {
    pub implementation: Implementation,
    pub side: Side,
    /// For legacy connections: the source range of the legacy import that must switch for the
    /// new API to be available (a `from ... import` statement, or a dotted reference).
    pub origin: Option<TextRange>,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evidence {
    /// Taken out of a collection that receives connections.
    Collection,
    /// Annotated with a connection class.
    Annotation,
    /// `self` in a subclass of a connection class.
    Subclass,
    /// Created by `connect()` or received by a handler given to `serve()`.
    Creation,
}

#[derive(Debug, Default)]
pub struct ScopeFacts<'a> {
    pub connections: HashMap<&'a str, Connection>,
    /// Every name bound in this scope (parameters, assignments, loop targets, ...).
    pub bound: HashSet<&'a str>,
}

#[derive(Debug, Default)]
pub struct Connections<'a> {
    pub scopes: HashMap<ScopeKey, ScopeFacts<'a>>,
    /// `self.<attr>` connections per class.
    pub attributes: HashMap<(ClassKey, &'a str), Connection>,
    /// Names (per scope) and `self` attributes that hold collections of connections.
    collections: HashMap<CollectionKey<'a>, Connection>,
    /// Uses of a comprehension variable that iterates over a collection of connections
    /// (`[c for c in CLIENTS if c.open]`), by the range of the `Name` node: comprehensions have
    /// no frame of their own, so the variable cannot live in a scope.
    pub comprehension_uses: HashMap<TextRange, Connection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CollectionKey<'a> {
    Name(ScopeKey, &'a str),
    Attribute(ClassKey, &'a str),
}

impl<'a> Connections<'a> {
    pub fn infer(body: &'a [Stmt], imports: &Imports, defs: &Definitions<'a>) -> Connections<'a> {
        let mut connections = Connections::default();
        connections.seed_handlers(imports, defs);
        // Two rounds: the second sees collections filled anywhere in the file (only needed when
        // the first found any).
        for round in 0..2 {
            if round == 1 && connections.collections.is_empty() {
                break;
            }
            let mut walker = Walker {
                imports,
                defs,
                out: &mut connections,
                frames: vec![(ScopeKey::MODULE, None)],
            };
            walker.visit_body(body);
        }
        connections
    }

    /// The first parameter a `serve()` handler receives is a server connection.
    fn seed_handlers(&mut self, imports: &Imports, defs: &Definitions<'a>) {
        for serve in &defs.serve_calls {
            let Some(handler) = serve.handler else {
                continue;
            };
            let Some(callable) = defs.resolve_callable(handler) else {
                continue;
            };
            let Some(param) = callable.positional_parameter(0) else {
                continue;
            };
            let scope = match callable.callable {
                Callable::Function(def) => ScopeKey::at(def.range.start()),
                Callable::Lambda(lambda) => ScopeKey::at(lambda.range.start()),
            };
            let origin = match serve.implementation {
                Implementation::Legacy => legacy_origin(imports, &serve.call.func),
                Implementation::New => None,
            };
            self.record(
                scope,
                param.name.as_str(),
                Connection {
                    implementation: serve.implementation,
                    side: Side::Server,
                    origin,
                    evidence: Evidence::Creation,
                },
            );
        }
    }

    fn record(&mut self, scope: ScopeKey, name: &'a str, connection: Connection) {
        let facts = self.scopes.entry(scope).or_default();
        facts.bound.insert(name);
        let slot = facts.connections.entry(name);
        slot.and_modify(|c| {
            if connection.evidence > c.evidence {
                *c = connection
            }
        })
        .or_insert(connection);
    }

    fn bind(&mut self, scope: ScopeKey, name: &'a str) {
        self.scopes.entry(scope).or_default().bound.insert(name);
    }
}

/// The group key for a connection created through a legacy import: the `from ... import`
/// statement that binds the callee, or the dotted reference itself (`websockets.legacy.client.connect`).
pub fn legacy_origin(imports: &Imports, callee: &Expr) -> Option<TextRange> {
    match callee {
        Expr::Name(name) => imports.binding(name.id.as_str()).map(|b| b.stmt),
        Expr::Attribute(_) => Some(callee.range()),
        _ => None,
    }
}

/// What a connection-creating expression yields, if it is one. `awaited` / `entered` say how the
/// expression is used: a `connect()` call yields a connection only when awaited, entered with
/// `async with` or iterated with `async for`.
pub fn created_connection(imports: &Imports, expr: &Expr) -> Option<Connection> {
    let Expr::Call(call) = expr else { return None };
    let qualified = imports.resolve(&call.func)?;
    let implementation = api::connect_function(&qualified)?;
    let origin = match implementation {
        Implementation::Legacy => legacy_origin(imports, &call.func),
        Implementation::New => None,
    };
    Some(Connection {
        implementation,
        side: Side::Client,
        origin,
        evidence: Evidence::Creation,
    })
}

/// The connection class an annotation names: `X`, `"X"`, `Optional[X]`, `Union[X, None]`,
/// `X | None`.
pub fn annotated_connection(imports: &Imports, annotation: &Expr) -> Option<Connection> {
    match annotation {
        Expr::Name(_) | Expr::Attribute(_) => {
            let qualified = imports.resolve(annotation)?;
            let (implementation, side) = api::connection_class(&qualified)?;
            let origin = match implementation {
                Implementation::Legacy => legacy_origin(imports, annotation),
                Implementation::New => None,
            };
            Some(Connection {
                implementation,
                side,
                origin,
                evidence: Evidence::Annotation,
            })
        }
        Expr::StringLiteral(string) => {
            let parsed = parse_expression(string.value.to_str()).ok()?;
            // Ranges inside a string annotation are not file ranges: keep no origin.
            annotated_connection(imports, &parsed.syntax().body)
                .map(|c| Connection { origin: None, ..c })
        }
        Expr::Subscript(sub) => {
            let head = imports_name(&sub.value)?;
            if !matches!(head, "Optional" | "Union") {
                return None;
            }
            match &*sub.slice {
                Expr::Tuple(tuple) => tuple
                    .elts
                    .iter()
                    .find_map(|e| annotated_connection(imports, e)),
                other => annotated_connection(imports, other),
            }
        }
        Expr::BinOp(binop) => annotated_connection(imports, &binop.left)
            .or_else(|| annotated_connection(imports, &binop.right)),
        _ => None,
    }
}

/// `Optional` for `Optional`, `typing.Optional`, `t.Optional`.
fn imports_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attr) => Some(attr.attr.as_str()),
        _ => None,
    }
}

struct Walker<'m, 'a, 'i> {
    imports: &'i Imports,
    defs: &'i Definitions<'a>,
    out: &'m mut Connections<'a>,
    /// Enclosing function scopes, each with the class it is a method of.
    frames: Vec<(ScopeKey, Option<ClassKey>)>,
}

impl<'a> Walker<'_, 'a, '_> {
    fn scope(&self) -> ScopeKey {
        self.frames.last().map(|f| f.0).unwrap_or(ScopeKey::MODULE)
    }

    fn method_class(&self) -> Option<ClassKey> {
        self.frames.last().and_then(|f| f.1)
    }

    /// What an expression holds, as far as this walk knows: used for `x = y`, `coll.add(y)`.
    fn connection_of(&self, expr: &Expr) -> Option<Connection> {
        match expr {
            Expr::Name(name) => self.lookup_name(name.id.as_str()),
            Expr::Attribute(attr) => {
                let Expr::Name(base) = &*attr.value else {
                    return None;
                };
                if base.id.as_str() != "self" {
                    return None;
                }
                let class = self.method_class()?;
                self.out
                    .attributes
                    .get(&(class, attr.attr.as_str()))
                    .copied()
            }
            Expr::Await(await_) => created_connection(self.imports, &await_.value),
            _ => None,
        }
    }

    fn lookup_name(&self, name: &str) -> Option<Connection> {
        for (scope, _) in self.frames.iter().rev() {
            if let Some(facts) = self.out.scopes.get(scope) {
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

    fn collection_of(&self, expr: &'a Expr) -> Option<Connection> {
        let expr = unwrap_copy(expr);
        let key = self.collection_key(expr)?;
        self.out.collections.get(&key).copied()
    }

    fn collection_key(&self, expr: &'a Expr) -> Option<CollectionKey<'a>> {
        match expr {
            Expr::Name(name) => {
                // The collection lives in the innermost scope that binds it, else the module.
                let id = name.id.as_str();
                let scope = self
                    .frames
                    .iter()
                    .rev()
                    .map(|f| f.0)
                    .find(|s| {
                        self.out
                            .scopes
                            .get(s)
                            .is_some_and(|facts| facts.bound.contains(id))
                    })
                    .unwrap_or(ScopeKey::MODULE);
                Some(CollectionKey::Name(scope, id))
            }
            Expr::Attribute(attr) => {
                let Expr::Name(base) = &*attr.value else {
                    return None;
                };
                if base.id.as_str() != "self" {
                    return None;
                }
                Some(CollectionKey::Attribute(
                    self.method_class()?,
                    attr.attr.as_str(),
                ))
            }
            _ => None,
        }
    }

    /// Binds a target to a connection (or just marks the name as bound).
    fn assign(&mut self, target: &'a Expr, connection: Option<Connection>) {
        match target {
            Expr::Name(name) => {
                let scope = self.scope();
                match connection {
                    Some(c) => self.out.record(scope, name.id.as_str(), c),
                    None => self.out.bind(scope, name.id.as_str()),
                }
            }
            Expr::Attribute(attr) => {
                let (Some(c), Expr::Name(base)) = (connection, &*attr.value) else {
                    return;
                };
                if base.id.as_str() == "self" {
                    if let Some(class) = self.method_class() {
                        self.out
                            .attributes
                            .entry((class, attr.attr.as_str()))
                            .or_insert(c);
                    }
                }
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.assign(e, None)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.assign(e, None)),
            _ => {}
        }
    }

    fn bind_parameters(&mut self, scope: ScopeKey, params: &'a Parameters) {
        for p in params.iter() {
            let name = p.name().as_str();
            match p
                .annotation()
                .and_then(|a| annotated_connection(self.imports, a))
            {
                Some(c) => self.out.record(scope, name, c),
                None => self.out.bind(scope, name),
            }
        }
    }
}

/// Collects the loads of one name, except inside a lambda that rebinds it.
struct NameUses<'n> {
    name: &'n str,
    found: Vec<TextRange>,
}

impl<'a> Visitor<'a> for NameUses<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) if n.id.as_str() == self.name && n.ctx == ExprContext::Load => {
                self.found.push(n.range)
            }
            Expr::Lambda(lambda)
                if lambda
                    .parameters
                    .as_ref()
                    .is_some_and(|p| p.iter().any(|p| p.name().as_str() == self.name)) => {}
            _ => walk_expr(self, expr),
        }
    }
}

impl<'a> Walker<'_, 'a, '_> {
    /// `for c in CLIENTS` inside a comprehension: `c` is a connection in the later clauses and
    /// in the result expressions.
    fn comprehension(&mut self, generators: &'a [Comprehension], results: &[&'a Expr]) {
        for (i, generator) in generators.iter().enumerate() {
            let Expr::Name(target) = &generator.target else {
                continue;
            };
            if generator.is_async {
                continue;
            }
            let Some(c) = self.collection_of(&generator.iter) else {
                continue;
            };
            let mut uses = NameUses {
                name: target.id.as_str(),
                found: Vec::new(),
            };
            for (j, later) in generators.iter().enumerate().skip(i) {
                if j > i {
                    uses.visit_expr(&later.iter);
                }
                later.ifs.iter().for_each(|cond| uses.visit_expr(cond));
            }
            results.iter().for_each(|r| uses.visit_expr(r));
            let c = Connection {
                evidence: Evidence::Collection,
                ..c
            };
            for range in uses.found {
                self.out.comprehension_uses.insert(range, c);
            }
        }
    }
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
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                for d in &def.decorator_list {
                    self.visit_expr(&d.expression);
                }
                self.out.bind(self.scope(), def.name.as_str());
                let scope = ScopeKey::of_stmt(stmt);
                let class = self.defs.function(def).and_then(|f| f.class);
                self.bind_parameters(scope, &def.parameters);
                // `self` in a method of a connection subclass.
                if let Some(class) = class {
                    let base = self.defs.class(class).and_then(|c| c.connection_base);
                    let receiver = def.parameters.args.first().map(|p| p.name().as_str());
                    if let (Some(base), Some("self")) = (base, receiver) {
                        let origin = match base.implementation {
                            Implementation::Legacy => base.origin.or(Some(base.base)),
                            Implementation::New => None,
                        };
                        self.out.record(
                            scope,
                            "self",
                            Connection {
                                implementation: base.implementation,
                                side: base.side,
                                origin,
                                evidence: Evidence::Subclass,
                            },
                        );
                    }
                }
                self.frames.push((scope, class));
                self.visit_body(&def.body);
                self.frames.pop();
            }
            Stmt::ClassDef(def) => {
                self.out.bind(self.scope(), def.name.as_str());
                walk_stmt(self, stmt);
            }
            Stmt::With(with) if with.is_async => {
                for item in &with.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        let c = created_connection(self.imports, &item.context_expr);
                        self.assign(target, c);
                    }
                }
                self.visit_body(&with.body);
            }
            Stmt::For(for_) => {
                self.visit_expr(&for_.iter);
                let c = if for_.is_async {
                    created_connection(self.imports, &for_.iter)
                } else {
                    self.collection_of(&for_.iter).map(|c| Connection {
                        evidence: Evidence::Collection,
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
                    .or_else(|| annotated_connection(self.imports, &assign.annotation));
                self.assign(&assign.target, c);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Lambda(lambda) => {
                let scope = ScopeKey::of_expr(expr);
                if let Some(params) = &lambda.parameters {
                    self.bind_parameters(scope, params);
                }
                let class = self.method_class();
                self.frames.push((scope, class));
                self.visit_expr(&lambda.body);
                self.frames.pop();
            }
            Expr::Call(call) => {
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
                self.comprehension(&comp.generators, &[&comp.elt]);
                walk_expr(self, expr);
            }
            Expr::SetComp(comp) => {
                self.comprehension(&comp.generators, &[&comp.elt]);
                walk_expr(self, expr);
            }
            Expr::Generator(comp) => {
                self.comprehension(&comp.generators, &[&comp.elt]);
                walk_expr(self, expr);
            }
            Expr::DictComp(comp) => {
                let mut results: Vec<&Expr> = vec![&comp.value];
                results.extend(comp.key.as_deref());
                self.comprehension(&comp.generators, &results);
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
