//! Edits that make a name importable: shared by every rule whose fix needs an import, so that an
//! import is added once, where a person would put it, reusing what the file already has.
//!
//! The file's imports are indexed once per file (the checker builds one `Importer`), so asking
//! for an import costs a look-up, not a scan of the file.

use std::cell::OnceCell;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use ruff_python_ast::visitor::{
    walk_except_handler, walk_expr, walk_parameter, walk_pattern, walk_stmt, Visitor,
};
use ruff_python_ast::{
    Alias, ExceptHandler, Expr, ModModule, Parameter, Pattern, Stmt, StmtFunctionDef,
    StmtImportFrom,
};
use ruff_text_size::{Ranged, TextRange, TextSize};

use super::import_placement::{self as placement, Entry};
use super::import_sections::{section_of, Section};
use crate::diagnostic::Edit;
use crate::semantic::{Bindings, Imports};

pub struct Importer<'a> {
    source: &'a str,
    module: &'a ModModule,
    imports: &'a Imports,
    bindings: &'a Bindings<'a>,
    /// `containers[0]` is the module's top level; then one per top-level `if TYPE_CHECKING:`.
    containers: Vec<Container<'a>>,
    identifiers: OnceCell<HashSet<&'a str>>,
}

/// A body that holds imports: the module, or an `if TYPE_CHECKING:` block.
pub(super) struct Container<'a> {
    /// The block's body; `None` for the module.
    pub(super) body: Option<TextRange>,
    pub(super) indent: &'a str,
    /// The leading imports (for the module: those before its first other statement).
    pub(super) entries: Vec<Entry>,
    /// Where a first import goes when there is none.
    pub(super) fallback: TextSize,
    /// The fallback is just after the module docstring.
    pub(super) after_docstring: bool,
    /// Every `from` import of the body, in order, for adding a name to one.
    froms: Vec<&'a StmtImportFrom>,
    /// Qualified name → local name, for every name the body's imports bind.
    bound: HashMap<String, String>,
}

/// The local name to write, and the edit (if any) that makes it available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedName {
    pub local: String,
    pub edit: Option<Edit>,
}

impl<'a> Importer<'a> {
    pub fn new(
        source: &'a str,
        module: &'a ModModule,
        imports: &'a Imports,
        bindings: &'a Bindings<'a>,
    ) -> Self {
        let mut containers = vec![Container::of_body(source, &module.body, None)];
        for stmt in &module.body {
            if let Stmt::If(if_) = stmt {
                if is_type_checking(&if_.test) && if_.elif_else_clauses.is_empty() {
                    let body = TextRange::new(
                        if_.body.first().map_or(if_.end(), Ranged::start),
                        if_.end(),
                    );
                    containers.push(Container::of_body(source, &if_.body, Some(body)));
                }
            }
        }
        Importer {
            source,
            module,
            imports,
            bindings,
            containers,
            identifiers: OnceCell::new(),
        }
    }

    /// Makes `module.name` available to a use at `at`, as `name` when that is free, else as an
    /// alias. A use inside `if TYPE_CHECKING:` is served by that block's imports.
    pub fn from_import(&self, module: &str, name: &str, at: TextSize) -> ImportedName {
        let qualified = format!("{module}.{name}");
        let scopes = self.scopes_for(at);
        for &c in &scopes {
            if let Some(local) = self.containers[c].bound.get(&qualified) {
                let unambiguous = !qualified.starts_with("websockets")
                    || self
                        .imports
                        .binding(local)
                        .is_some_and(|b| b.qualified == qualified);
                if unambiguous {
                    return ImportedName {
                        local: local.clone(),
                        edit: None,
                    };
                }
            }
        }
        // The same name imported for type checking only: the same object, so the same name.
        let same_elsewhere = self
            .containers
            .iter()
            .any(|c| c.bound.get(&qualified).is_some_and(|l| l == name));
        let local = if same_elsewhere {
            name.to_string()
        } else {
            self.free_name(name)
        };
        let alias = if local == name {
            name.to_string()
        } else {
            format!("{name} as {local}")
        };
        for &c in &scopes {
            let existing = self.containers[c].froms.iter().find(|import| {
                import.level == 0
                    && import.module.as_ref().is_some_and(|m| m.as_str() == module)
                    && !import.names.iter().any(|a| a.name.as_str() == "*")
                    && placement::ends_its_line(self.source, import.end())
            });
            if let Some(existing) = existing {
                let edit = placement::add_member(self.source, existing, &alias);
                return ImportedName {
                    local,
                    edit: Some(edit),
                };
            }
        }
        let statement = format!("from {module} import {alias}");
        let entry = Entry::new(
            false,
            module,
            Section::of(module),
            module.starts_with("websockets"),
        );
        ImportedName {
            local,
            edit: Some(placement::new_statement(
                self.source,
                &self.containers[scopes[0]],
                &entry,
                &statement,
            )),
        }
    }

    /// Makes the module `module` (e.g. `asyncio`) available under its own name at `at`.
    pub fn import_module(&self, module: &str, at: TextSize) -> ImportedName {
        let scopes = self.scopes_for(at);
        let already = scopes.iter().any(|&c| {
            self.containers[c]
                .bound
                .get(module)
                .is_some_and(|l| l == module)
        });
        let entry = Entry::new(
            true,
            module,
            Section::of(module),
            module.starts_with("websockets"),
        );
        ImportedName {
            local: module.to_string(),
            edit: (!already).then(|| {
                placement::new_statement(
                    self.source,
                    &self.containers[scopes[0]],
                    &entry,
                    &format!("import {module}"),
                )
            }),
        }
    }

    /// A module-level `name = value` (the file's own, or one added after its imports), for
    /// state a fix needs across calls (`_background_tasks = set()`).
    pub fn module_binding(&self, name: &str, value: &str) -> ImportedName {
        let existing = self.module.body.iter().any(|stmt| match stmt {
            Stmt::Assign(assign) => {
                matches!(assign.targets.as_slice(), [Expr::Name(n)] if n.id.as_str() == name)
                    && &self.source[assign.value.range()] == value
            }
            _ => false,
        });
        if existing {
            return ImportedName {
                local: name.to_string(),
                edit: None,
            };
        }
        let local = self.free_name(name);
        ImportedName {
            edit: Some(placement::after_imports(
                self.source,
                &self.containers[0],
                &format!("{local} = {value}"),
            )),
            local,
        }
    }

    /// A name for a new local variable of `function` that clashes with nothing it can see: its
    /// own names and the module's (not those of other functions).
    pub fn fresh_local(&self, name: &str, function: &StmtFunctionDef) -> String {
        let mut visible = Names(HashSet::default());
        visible.visit_body(&function.body);
        for stmt in &self.module.body {
            match stmt {
                Stmt::FunctionDef(def) => {
                    visible.0.insert(def.name.as_str());
                }
                Stmt::ClassDef(def) => {
                    visible.0.insert(def.name.as_str());
                }
                _ => visible.visit_stmt(stmt),
            }
        }
        (1..)
            .map(|n| match n {
                1 => name.to_string(),
                n => format!("{name}_{n}"),
            })
            .find(|candidate| !visible.0.contains(candidate.as_str()))
            .expect("some number is free")
    }

    /// The containers whose imports a use at `at` sees, innermost first.
    fn scopes_for(&self, at: TextSize) -> Vec<usize> {
        let block = self
            .containers
            .iter()
            .position(|c| c.body.is_some_and(|b| b.contains_inclusive(at)));
        match block {
            Some(i) => vec![i, 0],
            None => vec![0],
        }
    }

    /// `name` if no identifier of that spelling appears in the file, else `WsName`, ...
    fn free_name(&self, name: &str) -> String {
        let identifiers = self.identifiers.get_or_init(|| self.bindings.identifiers());
        let candidates = [
            name.to_string(),
            format!("Ws{name}"),
            format!("Websockets{name}"),
        ];
        for candidate in candidates {
            if !identifiers.contains(candidate.as_str()) {
                return candidate;
            }
        }
        format!("_websockets_{name}")
    }
}

/// The edits that add several imports or bindings: insertions at the same offset become one
/// (the fix engine would see two insertions at one place as a conflict).
pub fn joined(edits: impl IntoIterator<Item = Option<Edit>>) -> Vec<Edit> {
    let mut out: Vec<Edit> = Vec::new();
    for edit in edits.into_iter().flatten() {
        match out
            .iter_mut()
            .find(|e| e.range.is_empty() && edit.range.is_empty() && e.range == edit.range)
        {
            Some(same) => same.content = format!("{}{}", same.content, edit.content).into(),
            None => out.push(edit),
        }
    }
    out
}

impl Section {
    fn of(module: &str) -> Section {
        section_of(module, 0)
    }
}

impl<'a> Container<'a> {
    fn of_body(source: &'a str, body: &'a [Stmt], range: Option<TextRange>) -> Container<'a> {
        let first = body.first();
        let indent = match (range, first) {
            (Some(_), Some(stmt)) => placement::indent_of(source, stmt.start()),
            _ => "",
        };
        let mut container = Container {
            body: range,
            indent,
            entries: Vec::new(),
            fallback: TextSize::from(0),
            after_docstring: false,
            froms: Vec::new(),
            bound: HashMap::default(),
        };
        let mut leading = true;
        let mut previous_end: Option<TextSize> = None;
        let mut block = 0usize;
        for (i, stmt) in body.iter().enumerate() {
            match stmt {
                Stmt::Import(_) | Stmt::ImportFrom(_) => {
                    container.bind(stmt);
                    if !leading {
                        continue;
                    }
                    if let Some(end) = previous_end {
                        if placement::blank_line_between(source, end, stmt.start()) {
                            block += 1;
                        }
                    }
                    previous_end = Some(stmt.end());
                    container.entries.push(Entry::of_stmt(stmt, block));
                }
                Stmt::Expr(e)
                    if i == 0 && range.is_none() && matches!(&*e.value, Expr::StringLiteral(_)) =>
                {
                    container.fallback = placement::line_end_after(source, stmt.end());
                    container.after_docstring = true;
                }
                // A `TYPE_CHECKING` block or a guarded import ends an import block, not the
                // imports.
                Stmt::If(_) | Stmt::Try(_) if leading => {
                    if previous_end.is_some() {
                        previous_end = None;
                        block += 1;
                    }
                }
                _ => {
                    if leading && container.entries.is_empty() && range.is_none() && i == 0 {
                        container.fallback = placement::line_start(source, stmt.start());
                    }
                    leading = false;
                }
            }
        }
        if range.is_some() {
            container.fallback = first.map_or(TextSize::from(0), |s| {
                placement::line_start(source, s.start())
            });
        }
        container
    }

    fn bind(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let (qualified, local) = match &alias.asname {
                        Some(asname) => (alias.name.to_string(), asname.to_string()),
                        None => {
                            // `import a.b` binds `a`, and makes `a.b` reachable as written.
                            let full = alias.name.to_string();
                            self.bound.entry(full.clone()).or_insert(full);
                            let top = alias.name.split('.').next().unwrap_or_default();
                            (top.to_string(), top.to_string())
                        }
                    };
                    self.bound.entry(qualified).or_insert(local);
                }
            }
            Stmt::ImportFrom(import) => {
                self.froms.push(import);
                let Some(module) = import.module.as_ref().filter(|_| import.level == 0) else {
                    return;
                };
                for alias in &import.names {
                    let local = alias.asname.as_ref().unwrap_or(&alias.name).to_string();
                    self.bound
                        .entry(format!("{module}.{}", alias.name))
                        .or_insert(local);
                }
            }
            _ => {}
        }
    }
}

/// `TYPE_CHECKING` or `typing.TYPE_CHECKING` (any module's).
fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(attr) => attr.attr.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

/// The names a walk of some statements binds or reads (not attribute names, not words in
/// strings or comments): for a new local, those its function can see.
struct Names<'a>(HashSet<&'a str>);

impl<'a> Visitor<'a> for Names<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                self.0.insert(def.name.as_str());
            }
            Stmt::ClassDef(def) => {
                self.0.insert(def.name.as_str());
            }
            Stmt::Global(global) => self.0.extend(global.names.iter().map(|n| n.as_str())),
            Stmt::Nonlocal(nonlocal) => self.0.extend(nonlocal.names.iter().map(|n| n.as_str())),
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr {
            self.0.insert(name.id.as_str());
        }
        walk_expr(self, expr);
    }

    fn visit_parameter(&mut self, parameter: &'a Parameter) {
        self.0.insert(parameter.name.as_str());
        walk_parameter(self, parameter);
    }

    fn visit_alias(&mut self, alias: &'a Alias) {
        let local = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
        self.0.insert(local.split('.').next().unwrap_or(local));
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        let ExceptHandler::ExceptHandler(h) = handler;
        if let Some(name) = &h.name {
            self.0.insert(name.as_str());
        }
        walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        match pattern {
            Pattern::MatchAs(p) => self.0.extend(p.name.as_ref().map(|n| n.as_str())),
            Pattern::MatchStar(p) => self.0.extend(p.name.as_ref().map(|n| n.as_str())),
            Pattern::MatchMapping(p) => self.0.extend(p.rest.as_ref().map(|n| n.as_str())),
            _ => {}
        }
        walk_pattern(self, pattern);
    }
}

#[cfg(test)]
#[path = "importer_tests.rs"]
mod tests;
