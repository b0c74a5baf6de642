//! Runs the enabled rules over one parsed file: a single walk of the tree that keeps track of
//! scopes and parents and hands every statement to every rule, and every expression to the
//! rules interested in its kind (`Rule::interest`).

use std::cell::{OnceCell, Ref, RefCell};
use std::rc::Rc;

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprCall, ModModule, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::diagnostic::Diagnostic;
use crate::fix::importer::Importer;
use crate::registry::RuleMeta;
use crate::semantic::definitions::ServeCall;
use crate::semantic::{
    Callable, CallableRef, ClassKey, Connection, Frame, FrameKind, ScopeKey, SemanticModel,
};
use crate::settings::Settings;

pub struct Checker<'a> {
    pub source: &'a str,
    pub module: &'a ModModule,
    pub model: &'a SemanticModel<'a>,
    pub settings: &'a Settings,
    frames: RefCell<Vec<Frame>>,
    exprs: RefCell<Vec<&'a Expr>>,
    stmts: RefCell<Vec<&'a Stmt>>,
    diagnostics: RefCell<Vec<Diagnostic>>,
    importer: OnceCell<Importer<'a>>,
    /// The last call whose callee was resolved, and what it resolved to: the call rules all
    /// ask about the same call in turn.
    callee: RefCell<Option<(TextRange, Option<Rc<str>>)>>,
    /// Every call of the module by the last name of its callee (`f(...)`, `x.f(...)`), built
    /// on first use: rules ask "is this function called directly?" once per function.
    calls_by_name: OnceCell<HashMap<&'a str, Vec<&'a ExprCall>>>,
    /// The `serve()` calls of the model by the range of the call.
    serve_calls_at: OnceCell<HashMap<TextRange, usize>>,
    /// Per argument role of `serve()` (`None`: the handler), the callables each `serve()` is
    /// given, by the range of the callable: resolved once per role, not once per function.
    served: RefCell<HashMap<Option<String>, Rc<ServedIndex<'a>>>>,
    /// What a rule works out once per file ([`Checker::per_file`]), by its type.
    per_file: RefCell<HashMap<std::any::TypeId, Rc<dyn std::any::Any>>>,
}

/// The callables given to `serve()` calls as one argument: by the callable's range, the index of
/// each `serve()` in `model.definitions.serve_calls` and the resolved callable.
pub type ServedIndex<'a> = HashMap<TextRange, Vec<(usize, CallableRef<'a>)>>;

impl<'a> Checker<'a> {
    /// A fact about the whole file that a rule needs at each of its findings, made on first
    /// use and kept for the file (asking at every finding made a rule that scans the source
    /// quadratic in the file). One value per type: give each fact a type of its own.
    pub fn per_file<T: 'static>(&self, make: impl FnOnce() -> T) -> Rc<T> {
        let key = std::any::TypeId::of::<T>();
        let known = self.per_file.borrow().get(&key).cloned();
        if let Some(known) = known {
            return known
                .downcast::<T>()
                .expect("per_file keeps one value per type");
        }
        // Not borrowed while `make` runs: it may ask for another fact.
        let value = Rc::new(make());
        self.per_file
            .borrow_mut()
            .insert(key, value.clone() as Rc<dyn std::any::Any>);
        value
    }

    pub fn report(&self, diagnostic: Diagnostic) {
        self.diagnostics.borrow_mut().push(diagnostic);
    }

    /// Adds imports for fixes; indexes the file's imports once, on first use.
    pub fn importer(&self) -> &Importer<'a> {
        self.importer.get_or_init(|| {
            Importer::new(
                self.source,
                self.module,
                &self.model.imports,
                &self.model.bindings,
            )
        })
    }

    pub fn slice(&self, range: TextRange) -> &'a str {
        &self.source[range]
    }

    /// The scope chain, innermost last.
    pub fn frames(&self) -> Ref<'_, Vec<Frame>> {
        self.frames.borrow()
    }

    /// Is `expr` a websockets connection here?
    pub fn connection(&self, expr: &Expr) -> Option<Connection> {
        self.model.connection(expr, &self.frames.borrow())
    }

    /// The qualified websockets name the callee of `call` refers to (`SemanticModel::resolve`),
    /// computed once per call however many rules ask.
    pub fn resolve_callee(&self, call: &ExprCall) -> Option<Rc<str>> {
        if let Some((range, resolved)) = &*self.callee.borrow() {
            if *range == call.range() {
                return resolved.clone();
            }
        }
        let resolved: Option<Rc<str>> = self.model.resolve(&call.func).map(Rc::from);
        *self.callee.borrow_mut() = Some((call.range(), resolved.clone()));
        resolved
    }

    /// The calls of the module whose callee is the name `name` or an attribute `.name`.
    pub fn calls_named(&self, name: &str) -> &[&'a ExprCall] {
        let calls = self.calls_by_name.get_or_init(|| {
            let mut collector = CallCollector {
                calls: HashMap::default(),
            };
            collector.visit_body(&self.module.body);
            collector.calls
        });
        calls.get(name).map_or(&[], Vec::as_slice)
    }

    /// The model's `serve()` call at `range`.
    pub fn serve_call_at(&self, range: TextRange) -> Option<&'a ServeCall<'a>> {
        let serve_calls = &self.model.definitions.serve_calls;
        let at = self.serve_calls_at.get_or_init(|| {
            serve_calls
                .iter()
                .enumerate()
                .filter(|(_, s)| s.through.is_none())
                .map(|(i, s)| (s.call.range(), i))
                .collect()
        });
        at.get(&range).map(|&i| &serve_calls[i])
    }

    /// The callables the `serve()` calls of this file are given as `role` (`None`: the
    /// handler; `argument` picks that argument from a call), by the callable's range.
    pub fn served_callables(
        &self,
        role: Option<&str>,
        argument: impl Fn(&'a ServeCall<'a>) -> Option<&'a Expr>,
    ) -> Rc<ServedIndex<'a>> {
        let key = role.map(str::to_string);
        if let Some(index) = self.served.borrow().get(&key) {
            return index.clone();
        }
        let mut index = ServedIndex::default();
        for (i, serve) in self.model.definitions.serve_calls.iter().enumerate() {
            if let Some(callable) = argument(serve).and_then(|a| self.model.resolve_callable(a)) {
                index
                    .entry(callable.callable.range())
                    .or_default()
                    .push((i, callable));
            }
        }
        let index = Rc::new(index);
        self.served.borrow_mut().insert(key, index.clone());
        index
    }

    /// The kind of the innermost function-like scope (or the module, or a class body).
    pub fn scope_kind(&self) -> FrameKind {
        self.frames
            .borrow()
            .last()
            .map(|f| f.kind)
            .unwrap_or(FrameKind::Module)
    }

    /// May the current position use `await`?
    pub fn in_async_function(&self) -> bool {
        matches!(self.scope_kind(), FrameKind::Function { is_async: true })
    }

    /// The expression directly containing the one being visited.
    pub fn parent_expr(&self) -> Option<&'a Expr> {
        self.ancestor_expr(1)
    }

    /// The n-th enclosing expression of the one being visited (1 = parent), within the current
    /// statement.
    pub fn ancestor_expr(&self, n: usize) -> Option<&'a Expr> {
        let exprs = self.exprs.borrow();
        exprs.len().checked_sub(n + 1).map(|i| exprs[i])
    }

    /// The innermost statement containing the node being visited.
    pub fn current_stmt(&self) -> Option<&'a Stmt> {
        self.stmts.borrow().last().copied()
    }

    /// The innermost function definition containing the node being visited.
    pub fn enclosing_function(&self) -> Option<&'a ruff_python_ast::StmtFunctionDef> {
        self.stmts
            .borrow()
            .iter()
            .rev()
            .find_map(|stmt| match stmt {
                Stmt::FunctionDef(def) => Some(def),
                _ => None,
            })
    }

    /// The suite (statement list) that holds the innermost statement being visited, and that
    /// statement's index in it: the module body, a function body, one branch of an `if`, ...
    pub fn enclosing_suite(&self) -> Option<(&'a [Stmt], usize)> {
        let stmts = self.stmts.borrow();
        let current = *stmts.last()?;
        let suites: Vec<&'a [Stmt]> = match stmts.len().checked_sub(2) {
            None => vec![&self.module.body],
            Some(i) => crate::fix::statements::suites(stmts[i]),
        };
        // A suite's statements are in source order: a binary search on their start offsets keeps
        // this logarithmic in the suite's length (a module of 16,000 definitions made the linear
        // scan half of a check's instructions).
        suites.into_iter().find_map(|suite| {
            let i = suite.partition_point(|s| s.start() < current.start());
            suite
                .get(i)
                .filter(|s| std::ptr::eq(*s, current))
                .map(|_| (suite, i))
        })
    }

    /// The innermost class definition containing the node being visited.
    pub fn enclosing_class(&self) -> Option<&'a ruff_python_ast::StmtClassDef> {
        self.stmts
            .borrow()
            .iter()
            .rev()
            .find_map(|stmt| match stmt {
                Stmt::ClassDef(class) => Some(class),
                _ => None,
            })
    }

    /// The top-level statement containing the node being visited.
    pub fn top_level_stmt(&self) -> Option<&'a Stmt> {
        self.stmts.borrow().first().copied()
    }
}

/// Runs `rules` over `module` and returns what they report.
pub fn check<'a>(
    source: &'a str,
    module: &'a ModModule,
    model: &'a SemanticModel<'a>,
    settings: &'a Settings,
    rules: &[&'static dyn Rule],
) -> Vec<Diagnostic> {
    let checker = Checker {
        source,
        module,
        model,
        settings,
        frames: RefCell::new(vec![Frame {
            scope: ScopeKey::MODULE,
            kind: FrameKind::Module,
            class: None,
        }]),
        exprs: RefCell::new(Vec::new()),
        stmts: RefCell::new(Vec::new()),
        diagnostics: RefCell::new(Vec::new()),
        importer: OnceCell::new(),
        callee: RefCell::new(None),
        calls_by_name: OnceCell::new(),
        per_file: RefCell::default(),
        serve_calls_at: OnceCell::new(),
        served: RefCell::new(HashMap::default()),
    };
    let mut walker = Walker {
        checker: &checker,
        rules,
        expr_rules: ExprRules::new(rules),
    };
    for (i, stmt) in module.body.iter().enumerate() {
        if !model.focus.skips(i) {
            walker.visit_stmt(stmt);
        }
    }
    checker.diagnostics.into_inner()
}

struct CallCollector<'a> {
    calls: HashMap<&'a str, Vec<&'a ExprCall>>,
}

impl<'a> Visitor<'a> for CallCollector<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            let name = match &*call.func {
                Expr::Name(n) => Some(n.id.as_str()),
                Expr::Attribute(a) => Some(a.attr.as_str()),
                _ => None,
            };
            if let Some(name) = name {
                self.calls.entry(name).or_default().push(call);
            }
        }
        walk_expr(self, expr);
    }
}

struct Walker<'c, 'a> {
    checker: &'c Checker<'a>,
    rules: &'c [&'static dyn Rule],
    expr_rules: ExprRules,
}

/// An attribute-name test (`Interest::attributes`) and the rule it belongs to.
type AttributeRule = (fn(&str) -> bool, &'static dyn Rule);

/// The rules whose `expr` hook wants each kind of expression, in rule order.
struct ExprRules {
    names: Vec<&'static dyn Rule>,
    calls: Vec<&'static dyn Rule>,
    attributes: Vec<AttributeRule>,
    others: Vec<&'static dyn Rule>,
}

impl ExprRules {
    fn new(rules: &[&'static dyn Rule]) -> ExprRules {
        let with = |wants: fn(&Interest) -> bool| -> Vec<&'static dyn Rule> {
            rules
                .iter()
                .copied()
                .filter(|r| wants(&r.interest()))
                .collect()
        };
        ExprRules {
            names: with(|i| i.names),
            calls: with(|i| i.calls),
            attributes: rules
                .iter()
                .filter_map(|r| r.interest().attributes.map(|test| (test, *r)))
                .collect(),
            others: with(|i| i.others),
        }
    }

    fn visit(&self, checker: &Checker, expr: &Expr) {
        let rules = match expr {
            Expr::Name(_) => &self.names,
            Expr::Call(_) => &self.calls,
            Expr::Attribute(attr) => {
                let name = attr.attr.as_str();
                for (wants, rule) in &self.attributes {
                    if wants(name) {
                        rule.expr(checker, expr);
                    }
                }
                return;
            }
            _ => &self.others,
        };
        for rule in rules {
            rule.expr(checker, expr);
        }
    }
}

impl<'a> Visitor<'a> for Walker<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.checker.stmts.borrow_mut().push(stmt);
        for rule in self.rules {
            rule.stmt(self.checker, stmt);
        }
        if let Stmt::FunctionDef(def) = stmt {
            for rule in self.rules {
                rule.callable(self.checker, Callable::Function(def));
            }
        }
        let frame = match stmt {
            Stmt::FunctionDef(def) => {
                let outer = self.checker.frames.borrow().last().copied();
                Some(Frame {
                    scope: ScopeKey::of_stmt(stmt),
                    kind: FrameKind::Function {
                        is_async: def.is_async,
                    },
                    class: match outer {
                        Some(Frame {
                            kind: FrameKind::Class,
                            scope,
                            ..
                        }) => Some(ClassKey(scope.offset())),
                        _ => None,
                    },
                })
            }
            Stmt::ClassDef(_) => Some(Frame {
                scope: ScopeKey::of_stmt(stmt),
                kind: FrameKind::Class,
                class: None,
            }),
            _ => None,
        };
        match frame {
            Some(frame) => {
                // Decorators, defaults and annotations belong to the enclosing scope; visiting
                // them inside is a simplification no rule depends on.
                self.checker.frames.borrow_mut().push(frame);
                walk_stmt(self, stmt);
                self.checker.frames.borrow_mut().pop();
            }
            None => walk_stmt(self, stmt),
        }
        self.checker.stmts.borrow_mut().pop();
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.checker.exprs.borrow_mut().push(expr);
        self.expr_rules.visit(self.checker, expr);
        if let Expr::Lambda(lambda) = expr {
            for rule in self.rules {
                rule.callable(self.checker, Callable::Lambda(lambda));
            }
        }
        if let Expr::Lambda(_) = expr {
            let class = self.checker.frames.borrow().last().and_then(|f| f.class);
            self.checker.frames.borrow_mut().push(Frame {
                scope: ScopeKey::at(expr.start()),
                kind: FrameKind::Lambda,
                class,
            });
            walk_expr(self, expr);
            self.checker.frames.borrow_mut().pop();
        } else {
            walk_expr(self, expr);
        }
        self.checker.exprs.borrow_mut().pop();
    }
}

/// A rule: its registry entry and the hooks the walk calls. Defined here, with the walk that
/// calls it, so that the rules depend on the checker and not the other way round.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Which expressions `expr` looks at: the checker calls it for those only. The default,
    /// every expression, is always correct; a narrower interest saves a call per node.
    fn interest(&self) -> Interest {
        Interest::ALL
    }

    /// Called for every expression of interest, in source order.
    fn expr(&self, _checker: &Checker, _expr: &Expr) {}

    /// Called for every statement, in source order, before its children.
    fn stmt(&self, _checker: &Checker, _stmt: &Stmt) {}

    /// Called for every function definition and lambda (after `stmt` / `expr` for that node):
    /// the rules about callbacks given to `serve()` look at both alike.
    fn callable(&self, _checker: &Checker, _callable: Callable) {}

    /// Which top-level statements this rule needs to see when they name nothing that leads to
    /// websockets (`semantic::focus`): `None`, every one (the default, always correct);
    /// `Some(needles)`, those whose text contains one of these substrings. A rule whose every
    /// finding goes through a websockets name (an import, an inferred connection, a callable
    /// given to `serve()`, a websockets class) gives `Some(&[])`; a rule that also reports by a
    /// heuristic lists what the heuristic reacts to (WS001: `fail_connection`).
    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        None
    }
}

/// The expressions a rule's `expr` hook reacts to (see `Rule::interest`).
#[derive(Clone, Copy)]
pub struct Interest {
    /// `Expr::Name` nodes.
    pub names: bool,
    /// `Expr::Call` nodes.
    pub calls: bool,
    /// `Expr::Attribute` nodes whose attribute name passes this test (`None`: no attribute).
    pub attributes: Option<fn(&str) -> bool>,
    /// Every other kind of expression.
    pub others: bool,
}

impl Interest {
    pub const ALL: Interest = Interest {
        names: true,
        calls: true,
        attributes: Some(|_| true),
        others: true,
    };
    pub const NONE: Interest = Interest {
        names: false,
        calls: false,
        attributes: None,
        others: false,
    };
    pub const CALLS: Interest = Interest {
        calls: true,
        ..Interest::NONE
    };

    /// Attribute nodes whose name passes `test`, nothing else.
    pub const fn attributes(test: fn(&str) -> bool) -> Interest {
        Interest {
            attributes: Some(test),
            ..Interest::NONE
        }
    }

    /// Attribute nodes, whatever their name.
    pub const ATTRIBUTES: Interest = Interest::attributes(|_| true);

    /// Names and attributes (any attribute name): rules that resolve dotted references.
    pub const NAMES_AND_ATTRIBUTES: Interest = Interest {
        names: true,
        attributes: Some(|_| true),
        ..Interest::NONE
    };
}
