//! Builds [`Bindings`] in one walk of the tree: scopes as the walk enters them, a binding for
//! every name a statement or expression binds, and every read recorded with its scope; reads are
//! resolved once the walk is over (a function body may read a name the module binds later).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use ruff_python_ast::visitor::{walk_expr, walk_pattern, walk_stmt, Visitor};
use ruff_python_ast::{
    Comprehension, ExceptHandler, Expr, ExprContext, ModModule, Parameters, Pattern, Stmt,
};
use ruff_text_size::{Ranged, TextRange};

use super::bindings::{Binding, BindingId, BindingKind, Bindings, Scope, ScopeId, ScopeKind};
use super::module_name::ModuleName;

pub fn build<'a>(module: &'a ModModule, name: Option<&ModuleName>) -> Bindings<'a> {
    let mut builder = Builder {
        out: Bindings::default(),
        stack: Vec::new(),
        loads: Vec::new(),
        blocks: vec![0],
        next_block: 1,
        globals: HashSet::default(),
        nonlocals: HashSet::default(),
        fallback: 0,
        type_checking: 0,
        module_name: name,
    };
    builder.push(ScopeKind::Module, module.range);
    builder.visit_body(&module.body);
    let Builder {
        mut out,
        loads,
        globals,
        nonlocals,
        ..
    } = builder;
    let mut references = HashMap::with_capacity_and_hasher(loads.len(), Default::default());
    let mut reads_by_position = Vec::with_capacity(loads.len());
    out.straight_line.reserve(loads.len());
    for (scope, name, range, block) in loads {
        let resolved = if globals.contains(&(scope, name)) {
            out.lookup(ScopeId::MODULE, name, u32::MAX)
        } else if nonlocals.contains(&(scope, name)) {
            out.scope(scope)
                .parent
                .and_then(|parent| out.lookup(parent, name, u32::MAX))
        } else {
            let resolved = out.lookup(scope, name, range.start().to_u32());
            if let Some(id) = resolved {
                let binding = out.binding(id);
                if binding.scope == scope
                    && binding.block == block
                    && binding.position <= range.start().to_u32()
                {
                    out.straight_line.insert(range);
                }
            }
            resolved
        };
        references.insert(range, (name, resolved));
        reads_by_position.push((range, name, resolved));
    }
    out.references = references;
    out.index_reads(reads_by_position);
    out
}

struct Builder<'a, 'n> {
    out: Bindings<'a>,
    stack: Vec<ScopeId>,
    /// Every read: its scope, name, range and the statement list it is in.
    loads: Vec<(ScopeId, &'a str, TextRange, u32)>,
    /// The statement lists (bodies) around the walk, innermost last, by id.
    blocks: Vec<u32>,
    next_block: u32,
    globals: HashSet<(ScopeId, &'a str)>,
    nonlocals: HashSet<(ScopeId, &'a str)>,
    /// Depth of `except ImportError:` handlers around the walk.
    fallback: u32,
    /// Depth of `if TYPE_CHECKING:` bodies around the walk.
    type_checking: u32,
    module_name: Option<&'n ModuleName>,
}

impl<'a> Builder<'a, '_> {
    fn block(&self) -> u32 {
        *self.blocks.last().expect("the module body is never popped")
    }

    fn current(&self) -> ScopeId {
        *self.stack.last().expect("the module scope is never popped")
    }

    fn push(&mut self, kind: ScopeKind, range: TextRange) -> ScopeId {
        let id = ScopeId(self.out.scopes.len() as u32);
        self.out.scopes.push(Scope {
            kind,
            parent: self.stack.last().copied(),
            range,
            names: HashMap::default(),
        });
        if kind != ScopeKind::Module {
            self.out.scope_of_node.insert(range, id);
        }
        self.stack.push(id);
        id
    }

    fn pop(&mut self) {
        self.stack.pop();
    }

    /// Adds a binding of `name` to the current scope (or, after `global` / `nonlocal`, to the
    /// scope the declaration names).
    fn bind(&mut self, name: &'a str, range: TextRange, position: u32, kind: BindingKind<'a>) {
        let mut scope = self.current();
        if self.globals.contains(&(scope, name)) {
            scope = ScopeId::MODULE;
        } else if self.nonlocals.contains(&(scope, name)) {
            scope = self.out.scope(scope).parent.unwrap_or(ScopeId::MODULE);
        }
        self.bind_in(scope, name, range, position, kind);
    }

    fn bind_in(
        &mut self,
        scope: ScopeId,
        name: &'a str,
        range: TextRange,
        position: u32,
        kind: BindingKind<'a>,
    ) {
        let id = self.push_binding(scope, name, range, position, kind);
        self.out.at.insert(range, id);
    }

    /// A new binding of `name` in `scope`, visible from `position`; not entered in `at` (the
    /// bindings of a star import share its `*`).
    fn push_binding(
        &mut self,
        scope: ScopeId,
        name: &'a str,
        range: TextRange,
        position: u32,
        kind: BindingKind<'a>,
    ) -> BindingId {
        let id = BindingId(self.out.bindings.len() as u32);
        self.out.bindings.push(Binding {
            name,
            kind,
            range,
            scope,
            position,
            fallback: self.fallback > 0,
            block: self.block(),
        });
        self.out.scopes[scope.0 as usize]
            .names
            .entry(name)
            .or_default()
            .push(id);
        id
    }

    /// Binds the names of an assignment target; attributes and subscripts are reads.
    fn bind_target(&mut self, target: &'a Expr, position: u32, kind: BindingKind<'a>) {
        match target {
            Expr::Name(name) => self.bind(name.id.as_str(), name.range, position, kind),
            Expr::Tuple(tuple) => {
                for elt in &tuple.elts {
                    self.bind_target(elt, position, BindingKind::Unpacked);
                }
            }
            Expr::List(list) => {
                for elt in &list.elts {
                    self.bind_target(elt, position, BindingKind::Unpacked);
                }
            }
            Expr::Starred(starred) => {
                self.bind_target(&starred.value, position, BindingKind::Unpacked)
            }
            other => self.visit_expr(other),
        }
    }

    fn bind_parameters(&mut self, parameters: &'a Parameters, position: u32) {
        for parameter in parameters.iter() {
            let parameter = parameter.as_parameter();
            self.bind(
                parameter.name.as_str(),
                parameter.name.range,
                position,
                BindingKind::Parameter(parameter),
            );
        }
    }

    /// Defaults and annotations belong to the enclosing scope.
    fn visit_parameter_values(&mut self, parameters: &'a Parameters) {
        for parameter in parameters.iter_non_variadic_params() {
            if let Some(default) = &parameter.default {
                self.visit_expr(default);
            }
        }
        for parameter in parameters.iter() {
            if let Some(annotation) = parameter.annotation() {
                self.out.annotations.push(annotation.range());
                self.visit_expr(annotation);
            }
        }
    }

    fn comprehension(&mut self, range: TextRange, generators: &'a [Comprehension]) -> bool {
        let Some(first) = generators.first() else {
            return false;
        };
        // The first iterable is evaluated in the enclosing scope.
        self.visit_expr(&first.iter);
        self.push(ScopeKind::Comprehension, range);
        for (i, generator) in generators.iter().enumerate() {
            if i > 0 {
                self.visit_expr(&generator.iter);
            }
            // The result expression is written first but runs after every clause.
            let position = range.start().to_u32();
            self.bind_target(
                &generator.target,
                position,
                BindingKind::ComprehensionTarget {
                    iter: &generator.iter,
                    is_async: generator.is_async,
                },
            );
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        true
    }
}

fn end(node: &impl Ranged) -> u32 {
    node.end().to_u32()
}

/// `except ImportError`, `except (ImportError, ...)`, `except ModuleNotFoundError`.
fn catches_import_error(handler: &ExceptHandler) -> bool {
    let ExceptHandler::ExceptHandler(handler) = handler;
    let is_import_error = |e: &Expr| {
        let name = match e {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => a.attr.as_str(),
            _ => return false,
        };
        matches!(name, "ImportError" | "ModuleNotFoundError")
    };
    match handler.type_.as_deref() {
        Some(Expr::Tuple(tuple)) => tuple.elts.iter().any(is_import_error),
        Some(e) => is_import_error(e),
        None => true,
    }
}

fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(n) => n.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(a) => a.attr.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

impl<'a> Visitor<'a> for Builder<'a, '_> {
    fn visit_body(&mut self, body: &'a [Stmt]) {
        self.blocks.push(self.next_block);
        self.next_block += 1;
        for stmt in body {
            self.visit_stmt(stmt);
        }
        self.blocks.pop();
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                for decorator in &def.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                self.visit_parameter_values(&def.parameters);
                if let Some(returns) = &def.returns {
                    self.out.annotations.push(returns.range());
                    self.visit_expr(returns);
                }
                self.bind(
                    def.name.as_str(),
                    def.name.range,
                    end(def),
                    BindingKind::Function(def),
                );
                self.push(ScopeKind::Function, def.range);
                self.bind_parameters(&def.parameters, def.start().to_u32());
                self.visit_body(&def.body);
                self.pop();
            }
            Stmt::ClassDef(def) => {
                for decorator in &def.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if let Some(arguments) = &def.arguments {
                    self.visit_arguments(arguments);
                }
                self.push(ScopeKind::Class, def.range);
                self.visit_body(&def.body);
                self.pop();
                self.bind(
                    def.name.as_str(),
                    def.name.range,
                    end(def),
                    BindingKind::Class(def),
                );
            }
            Stmt::Import(import) => self.import_stmt(import),
            Stmt::ImportFrom(from) => self.import_from(from),
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value);
                for target in &assign.targets {
                    self.bind_target(
                        target,
                        end(assign),
                        BindingKind::Assignment(Some(&assign.value)),
                    );
                }
            }
            Stmt::AugAssign(aug) => {
                self.visit_expr(&aug.value);
                if let Expr::Name(name) = &*aug.target {
                    let scope = self.current();
                    self.loads
                        .push((scope, name.id.as_str(), name.range, self.block()));
                    // The store shares the node: keep the read resolvable, bind without `at`.
                    let id = BindingId(self.out.bindings.len() as u32);
                    self.out.bindings.push(Binding {
                        name: name.id.as_str(),
                        kind: BindingKind::Assignment(None),
                        range: name.range,
                        scope,
                        position: end(aug),
                        fallback: self.fallback > 0,
                        block: self.block(),
                    });
                    self.out.scopes[scope.0 as usize]
                        .names
                        .entry(name.id.as_str())
                        .or_default()
                        .push(id);
                } else {
                    self.visit_expr(&aug.target);
                }
            }
            Stmt::AnnAssign(assign) => {
                self.out.annotations.push(assign.annotation.range());
                self.visit_expr(&assign.annotation);
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                }
                // A bare `x: T` in a function declares a local without binding it; a binding
                // still tells the model the annotation.
                self.bind_target(
                    &assign.target,
                    end(assign),
                    BindingKind::Annotated {
                        annotation: &assign.annotation,
                        value: assign.value.as_deref(),
                    },
                );
            }
            Stmt::For(for_) => {
                self.visit_expr(&for_.iter);
                self.bind_target(
                    &for_.target,
                    end(&*for_.iter),
                    BindingKind::LoopTarget {
                        iter: &for_.iter,
                        is_async: for_.is_async,
                    },
                );
                self.visit_body(&for_.body);
                self.visit_body(&for_.orelse);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        self.bind_target(
                            target,
                            end(&item.context_expr),
                            BindingKind::WithTarget {
                                context: &item.context_expr,
                                is_async: with.is_async,
                            },
                        );
                    }
                }
                self.visit_body(&with.body);
            }
            Stmt::Try(try_) => {
                self.visit_body(&try_.body);
                for handler in &try_.handlers {
                    let fallback = catches_import_error(handler);
                    self.fallback += u32::from(fallback);
                    let ExceptHandler::ExceptHandler(h) = handler;
                    if let Some(type_) = &h.type_ {
                        self.visit_expr(type_);
                    }
                    if let Some(name) = &h.name {
                        self.bind(
                            name.as_str(),
                            name.range,
                            name.start().to_u32(),
                            BindingKind::ExceptTarget,
                        );
                    }
                    self.visit_body(&h.body);
                    self.fallback -= u32::from(fallback);
                }
                self.visit_body(&try_.orelse);
                self.visit_body(&try_.finalbody);
            }
            Stmt::If(if_) if is_type_checking(&if_.test) => {
                self.visit_expr(&if_.test);
                self.type_checking += 1;
                self.visit_body(&if_.body);
                self.type_checking -= 1;
                for clause in &if_.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.visit_expr(test);
                    }
                    self.visit_body(&clause.body);
                }
            }
            Stmt::Global(global) => {
                let scope = self.current();
                for name in &global.names {
                    self.globals.insert((scope, name.as_str()));
                }
            }
            Stmt::Nonlocal(nonlocal) => {
                let scope = self.current();
                for name in &nonlocal.names {
                    self.nonlocals.insert((scope, name.as_str()));
                }
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    match target {
                        Expr::Name(name) => self.bind(
                            name.id.as_str(),
                            name.range,
                            end(delete),
                            BindingKind::Deletion,
                        ),
                        other => self.visit_expr(other),
                    }
                }
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) => match name.ctx {
                ExprContext::Load => {
                    let scope = self.current();
                    self.loads
                        .push((scope, name.id.as_str(), name.range, self.block()));
                }
                ExprContext::Del => self.bind(
                    name.id.as_str(),
                    name.range,
                    end(name),
                    BindingKind::Deletion,
                ),
                _ => self.bind(name.id.as_str(), name.range, end(name), BindingKind::Other),
            },
            Expr::Call(call) => {
                if let Expr::Name(name) = &*call.func {
                    self.out.callees.insert(name.range);
                }
                walk_expr(self, expr);
            }
            Expr::Attribute(attr) => {
                if let Expr::Name(name) = &*attr.value {
                    if name.ctx == ExprContext::Load {
                        self.out
                            .attribute_reads
                            .insert(name.range, attr.attr.as_str());
                    }
                }
                walk_expr(self, expr);
            }
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                if let Expr::Name(target) = &*named.target {
                    // A walrus in a comprehension binds in the enclosing function or module.
                    let scope = self
                        .stack
                        .iter()
                        .rev()
                        .copied()
                        .find(|s| self.out.scope(*s).kind != ScopeKind::Comprehension)
                        .unwrap_or(ScopeId::MODULE);
                    self.bind_in(
                        scope,
                        target.id.as_str(),
                        target.range,
                        end(named),
                        BindingKind::Walrus(&named.value),
                    );
                }
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameter_values(parameters);
                }
                self.push(ScopeKind::Lambda, lambda.range);
                if let Some(parameters) = &lambda.parameters {
                    self.bind_parameters(parameters, lambda.start().to_u32());
                }
                self.visit_expr(&lambda.body);
                self.pop();
            }
            Expr::ListComp(comp) => {
                if self.comprehension(comp.range, &comp.generators) {
                    self.visit_expr(&comp.elt);
                    self.pop();
                }
            }
            Expr::SetComp(comp) => {
                if self.comprehension(comp.range, &comp.generators) {
                    self.visit_expr(&comp.elt);
                    self.pop();
                }
            }
            Expr::Generator(comp) => {
                if self.comprehension(comp.range, &comp.generators) {
                    self.visit_expr(&comp.elt);
                    self.pop();
                }
            }
            Expr::DictComp(comp) => {
                if self.comprehension(comp.range, &comp.generators) {
                    if let Some(key) = &comp.key {
                        self.visit_expr(key);
                    }
                    self.visit_expr(&comp.value);
                    self.pop();
                }
            }
            _ => walk_expr(self, expr),
        }
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        let name = match pattern {
            Pattern::MatchAs(p) => p.name.as_ref(),
            Pattern::MatchStar(p) => p.name.as_ref(),
            Pattern::MatchMapping(p) => p.rest.as_ref(),
            _ => None,
        };
        if let Some(name) = name {
            self.bind(
                name.as_str(),
                name.range,
                name.end().to_u32(),
                BindingKind::Other,
            );
        }
        walk_pattern(self, pattern);
    }
}

mod imports;

#[cfg(test)]
#[path = "builder_tests.rs"]
mod tests;
