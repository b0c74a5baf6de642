//! Functions, classes and `serve()` calls of one file: what the connection inference and the
//! callback rules need to find the code behind a callable.

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{
    Expr, ExprCall, ExprLambda, Keyword, Parameters, Stmt, StmtClassDef, StmtFunctionDef,
};
use ruff_text_size::{Ranged, TextRange, TextSize};

use super::api::{self, Implementation, Side};
use super::external::{ClassKind, ExternalFacts};
use super::imports::Imports;
use super::scope::ClassKey;

#[derive(Debug)]
pub struct FunctionInfo<'a> {
    pub def: &'a StmtFunctionDef,
    /// The class this function is a method of (defined directly in its body).
    pub class: Option<ClassKey>,
    pub is_staticmethod: bool,
}

impl FunctionInfo<'_> {
    /// Does the first parameter receive the instance (`self` or `cls`)?
    pub fn takes_receiver(&self) -> bool {
        self.class.is_some() && !self.is_staticmethod
    }
}

#[derive(Debug)]
pub struct ClassInfo<'a> {
    pub def: &'a StmtClassDef,
    /// Set when the class derives (directly or through classes of this file) from a websockets
    /// connection class: then `self` in its methods is such a connection.
    pub connection_base: Option<ConnectionBase>,
    /// Set when the class derives from the `connect` class (legacy `Connect`): calling it
    /// connects, with the keywords of `connect()`.
    pub connect_base: Option<ConnectionBase>,
}

#[derive(Debug, Clone, Copy)]
pub struct ConnectionBase {
    pub implementation: Implementation,
    pub side: Side,
    /// The range of the base expression in the class statement (`WebSocketServerProtocol`).
    pub base: TextRange,
    /// For a legacy base: the fix-group key of the legacy import it comes from
    /// (`connections::legacy_origin`), the key WS101 anchors its import switch on.
    pub origin: Option<TextRange>,
    /// The run's file `origin` is a range of, when the base is a class of another module.
    pub origin_file: Option<u32>,
}

/// The code a callable argument refers to.
#[derive(Debug, Clone, Copy)]
pub enum Callable<'a> {
    Function(&'a StmtFunctionDef),
    Lambda(&'a ExprLambda),
}

impl<'a> Callable<'a> {
    pub fn parameters(&self) -> Option<&'a Parameters> {
        match self {
            Callable::Function(def) => Some(&def.parameters),
            Callable::Lambda(lambda) => lambda.parameters.as_deref(),
        }
    }

    pub fn range(&self) -> TextRange {
        match self {
            Callable::Function(def) => def.range(),
            Callable::Lambda(lambda) => lambda.range(),
        }
    }
}

/// A resolved callable plus what is already bound before the caller supplies anything: the
/// receiver of a method, positional and keyword arguments given to `functools.partial`.
#[derive(Debug, Clone, Copy)]
pub struct CallableRef<'a> {
    pub callable: Callable<'a>,
    pub bound_positional: usize,
    /// The keywords of the `functools.partial(...)` call(s) around the callable.
    pub bound_keywords: BoundKeywords<'a>,
}

/// Keyword arguments bound by `functools.partial`: in this file's syntax, or by name (the
/// `partial()` is in another module).
#[derive(Debug, Clone, Copy)]
pub enum BoundKeywords<'a> {
    Keywords(&'a [Keyword]),
    Names(&'a [String]),
}

impl<'a> CallableRef<'a> {
    pub fn new(callable: Callable<'a>) -> Self {
        CallableRef {
            callable,
            bound_positional: 0,
            bound_keywords: BoundKeywords::Keywords(&[]),
        }
    }

    /// Is the parameter `name` given by a keyword of `functools.partial`? Then the caller's
    /// positional arguments must stop before it.
    pub fn bound_by_keyword(&self, name: &str) -> bool {
        match self.bound_keywords {
            BoundKeywords::Keywords(keywords) => keywords
                .iter()
                .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name)),
            BoundKeywords::Names(names) => names.iter().any(|n| n == name),
        }
    }

    /// The n-th positional parameter the caller supplies; `None` past the end, or when
    /// `functools.partial` binds it by keyword (the call would give it twice).
    pub fn positional_parameter(&self, n: usize) -> Option<&'a ruff_python_ast::Parameter> {
        let params = self.callable.parameters()?;
        let parameter = params
            .posonlyargs
            .iter()
            .chain(params.args.iter())
            .nth(self.bound_positional + n)
            .map(|p| &p.parameter)?;
        (!self.bound_by_keyword(parameter.name.as_str())).then_some(parameter)
    }
}

/// A call to a websockets `serve()` (legacy or new).
#[derive(Debug)]
pub struct ServeCall<'a> {
    pub call: &'a ExprCall,
    pub implementation: Implementation,
    /// The connection handler: first positional argument, or `handler=` / `ws_handler=`.
    pub handler: Option<&'a Expr>,
    /// Set when the handler reaches the `serve()` through a parameter: the call that passes
    /// it (`run(echo)` for `def run(handler): serve(handler, ...)`). Such an entry repeats an
    /// earlier one's `serve()` with another handler; its other arguments are that entry's.
    pub through: Option<&'a ExprCall>,
}

#[derive(Debug, Default)]
pub struct Definitions<'a> {
    pub functions: Vec<FunctionInfo<'a>>,
    pub classes: Vec<ClassInfo<'a>>,
    pub serve_calls: Vec<ServeCall<'a>>,
    functions_by_name: HashMap<&'a str, Vec<usize>>,
    /// By the start of the `def` (one name bound by many defs made a lookup by name linear).
    functions_by_start: HashMap<TextSize, usize>,
    classes_by_name: HashMap<&'a str, usize>,
}

impl<'a> Definitions<'a> {
    pub fn collect(
        body: &'a [Stmt],
        imports: &Imports,
        external: Option<&ExternalFacts>,
    ) -> Definitions<'a> {
        let mut collector = Collector {
            defs: Definitions::default(),
            imports,
            class_stack: Vec::new(),
        };
        collector.visit_body(body);
        let mut defs = collector.defs;
        for (i, f) in defs.functions.iter().enumerate() {
            defs.functions_by_name
                .entry(f.def.name.as_str())
                .or_default()
                .push(i);
            defs.functions_by_start.insert(f.def.range.start(), i);
        }
        for (i, c) in defs.classes.iter().enumerate() {
            defs.classes_by_name.insert(c.def.name.as_str(), i);
        }
        defs.resolve_class_bases(imports, external);
        defs
    }

    /// Marks classes deriving from websockets connection classes or from the `connect`
    /// class: directly, through classes of this file, or through classes of other modules.
    fn resolve_class_bases(&mut self, imports: &Imports, external: Option<&ExternalFacts>) {
        for i in 0..self.classes.len() {
            for base in self.classes[i].def.bases() {
                let (kind, found) = direct_base(imports, external, base);
                let class = &mut self.classes[i];
                match kind {
                    Some(ClassKind::Connect) if class.connect_base.is_none() => {
                        class.connect_base = found
                    }
                    Some(ClassKind::Connection(_)) if class.connection_base.is_none() => {
                        class.connection_base = found
                    }
                    _ => {}
                }
            }
        }
        // Local inheritance chains: a few rounds reach any realistic depth.
        for _ in 0..4 {
            for i in 0..self.classes.len() {
                let (connection, connect) = self.classes[i]
                    .def
                    .bases()
                    .iter()
                    .filter_map(|base| {
                        let Expr::Name(name) = base else { return None };
                        let j = *self.classes_by_name.get(name.id.as_str())?;
                        Some((
                            self.classes[j].connection_base,
                            self.classes[j].connect_base,
                        ))
                    })
                    .fold((None, None), |(a, b), (c, d)| (a.or(c), b.or(d)));
                let class = &mut self.classes[i];
                class.connection_base = class.connection_base.or(connection);
                class.connect_base = class.connect_base.or(connect);
            }
        }
    }

    pub fn class(&self, key: ClassKey) -> Option<&ClassInfo<'a>> {
        self.classes
            .iter()
            .find(|c| ClassKey(c.def.range.start().to_u32()) == key)
    }

    pub fn function(&self, def: &StmtFunctionDef) -> Option<&FunctionInfo<'a>> {
        let f = &self.functions[*self.functions_by_start.get(&def.range.start())?];
        (f.def.range == def.range).then_some(f)
    }

    /// Does any class of this file define a method with this name? (Then `x.name` may well be
    /// that class's own method, not websockets'.)
    pub fn defines_method(&self, name: &str) -> bool {
        self.functions_by_name
            .get(name)
            .is_some_and(|ids| ids.iter().any(|&i| self.functions[i].class.is_some()))
    }

    /// The one function with this name that satisfies `filter`; `None` when there are several
    /// (we would be guessing).
    pub fn unique_function(
        &self,
        name: &str,
        filter: impl Fn(&FunctionInfo) -> bool,
    ) -> Option<&FunctionInfo<'a>> {
        let mut found = self
            .functions_by_name
            .get(name)?
            .iter()
            .map(|&i| &self.functions[i])
            .filter(|f| filter(f));
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }
}

struct Collector<'a, 'i> {
    defs: Definitions<'a>,
    imports: &'i Imports,
    /// For each enclosing scope: the class whose body it is, if it is one.
    class_stack: Vec<Option<ClassKey>>,
}

impl<'a> Visitor<'a> for Collector<'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                let is_staticmethod = def.decorator_list.iter().any(
                    |d| matches!(&d.expression, Expr::Name(n) if n.id.as_str() == "staticmethod"),
                );
                self.defs.functions.push(FunctionInfo {
                    def,
                    class: self.class_stack.last().copied().flatten(),
                    is_staticmethod,
                });
                self.class_stack.push(None);
                walk_stmt(self, stmt);
                self.class_stack.pop();
            }
            Stmt::ClassDef(def) => {
                self.defs.classes.push(ClassInfo {
                    def,
                    connection_base: None,
                    connect_base: None,
                });
                self.class_stack.push(Some(ClassKey::of_stmt(stmt)));
                walk_stmt(self, stmt);
                self.class_stack.pop();
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            if let Some(implementation) = self
                .imports
                .resolve(&call.func)
                .and_then(|q| api::serve_function(&q))
            {
                let handler = call.arguments.args.first().or_else(|| {
                    call.arguments
                        .keywords
                        .iter()
                        .find(|k| {
                            matches!(
                                k.arg.as_ref().map(|a| a.as_str()),
                                Some("handler" | "ws_handler")
                            )
                        })
                        .map(|k| &k.value)
                });
                self.defs.serve_calls.push(ServeCall {
                    call,
                    implementation,
                    handler,
                    through: None,
                });
            }
        }
        walk_expr(self, expr);
    }
}

/// What a base expression of a class statement is: a websockets connection class, the
/// `connect` class, or such a class of another module.
fn direct_base(
    imports: &Imports,
    external: Option<&ExternalFacts>,
    base: &Expr,
) -> (Option<ClassKind>, Option<ConnectionBase>) {
    if let Some(qualified) = imports.resolve(base) {
        let (kind, implementation, side) =
            if let Some((i, side)) = api::connection_class(&qualified) {
                (ClassKind::Connection(side), i, side)
            } else if let Some(i) = api::connect_class(&qualified) {
                (ClassKind::Connect, i, Side::Client)
            } else {
                return (None, None);
            };
        let origin = match implementation {
            Implementation::Legacy => super::connections::legacy_origin(imports, base),
            Implementation::New => None,
        };
        let found = ConnectionBase {
            implementation,
            side,
            base: base.range(),
            origin,
            origin_file: None,
        };
        return (Some(kind), Some(found));
    }
    let Some(class) = imports
        .resolve_any(base)
        .and_then(|q| external?.class(&q).cloned())
    else {
        return (None, None);
    };
    let side = match class.kind {
        ClassKind::Connection(side) => side,
        ClassKind::Connect => Side::Client,
    };
    let found = ConnectionBase {
        implementation: class.implementation,
        side,
        base: base.range(),
        origin: class.origin,
        origin_file: class.origin_file,
    };
    (Some(class.kind), Some(found))
}
