//! Scopes, bindings and references of one file (the shape of ruff's `ruff_python_semantic`,
//! written for what wsmigrate asks): every name a file binds, where and how, and for every name
//! the file reads, the binding visible at that point.
//!
//! Resolution follows Python: a function body sees its own bindings, then those of enclosing
//! functions and of the module, never those of an enclosing class body; a name bound anywhere in
//! a function is local to all of it; code that runs at once (module, class bodies,
//! comprehensions) sees the latest binding before the reference, code that runs later (function
//! bodies, lambdas) sees the last binding of the enclosing scope. An import in the `except
//! ImportError` handler of a `try` that imported the same name (`websockets = None`, another
//! import) is a fallback: the name keeps referring to the `try` import.

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::{Expr, Parameter, StmtClassDef, StmtFunctionDef};
use ruff_text_size::TextRange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId(pub u32);

impl ScopeId {
    pub const MODULE: ScopeId = ScopeId(0);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BindingId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

impl ScopeKind {
    /// Does code in this scope run later than where it is written (a function body)?
    fn is_deferred(self) -> bool {
        matches!(self, ScopeKind::Function | ScopeKind::Lambda)
    }
}

#[derive(Debug)]
pub struct Scope<'a> {
    pub kind: ScopeKind,
    pub parent: Option<ScopeId>,
    /// The node that opens the scope (the whole module, `def`, `class`, lambda, comprehension).
    pub range: TextRange,
    /// Bindings per name, in source order.
    pub(super) names: HashMap<&'a str, Vec<BindingId>>,
}

impl<'a> Scope<'a> {
    pub fn bindings_of(&self, name: &str) -> &[BindingId] {
        self.names.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn names(&self) -> impl Iterator<Item = &&'a str> {
        self.names.keys()
    }
}

/// An import binding: what the local name refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The qualified name: `websockets.legacy.client.connect` for `from websockets.legacy.client
    /// import connect`; `websockets` for `import websockets.http`; `pkg.handlers.handle` for
    /// `from .handlers import handle` in `pkg/app.py` (`.handlers.handle` when the module's own
    /// name is unknown).
    pub qualified: String,
    /// The whole import statement.
    pub stmt: TextRange,
    /// The `name` or `name as alias` part of the statement.
    pub alias: TextRange,
    /// Inside the `except ImportError` handler of a `try` (an alternative, not the import).
    pub fallback: bool,
    /// Bound by `from M import *`: `Some(still exported by websockets 17.4)`.
    pub star: Option<bool>,
    /// Bound under `if TYPE_CHECKING:` only.
    pub type_checking: bool,
}

#[derive(Debug, Clone)]
pub enum BindingKind<'a> {
    Import(Import),
    /// `x = value` (a single name target), `x += value`.
    Assignment(Option<&'a Expr>),
    /// `x: annotation [= value]`.
    Annotated {
        annotation: &'a Expr,
        value: Option<&'a Expr>,
    },
    /// One name of a tuple or list unpacking, or a starred target.
    Unpacked,
    Parameter(&'a Parameter),
    Function(&'a StmtFunctionDef),
    Class(&'a StmtClassDef),
    /// `for x in iter`: the iterable (and whether the loop is `async for`).
    LoopTarget {
        iter: &'a Expr,
        is_async: bool,
    },
    /// `with ctx as x`.
    WithTarget {
        context: &'a Expr,
        is_async: bool,
    },
    ExceptTarget,
    /// `(x := value)`.
    Walrus(&'a Expr),
    /// A comprehension variable and what it iterates.
    ComprehensionTarget {
        iter: &'a Expr,
        is_async: bool,
    },
    /// `del x`: the name is unbound from here on.
    Deletion,
    /// A `match` capture, a type parameter, or another binding no rule asks about.
    Other,
}

#[derive(Debug, Clone)]
pub struct Binding<'a> {
    pub name: &'a str,
    pub kind: BindingKind<'a>,
    /// The range of the bound name (the target, parameter name, `def` name or import alias).
    pub range: TextRange,
    pub scope: ScopeId,
    /// Where the binding takes effect: after the assigned value (`ws = ws.peer` reads the old
    /// `ws`), after a `def` or `class` statement (its decorators read the old name).
    pub position: u32,
    /// Made inside an `except ImportError` handler: an alternative for when the `try` import
    /// failed (`websockets = None`, another import), not what the name means when it worked.
    pub fallback: bool,
    /// The statement list (body) the binding is made in, by id.
    pub(super) block: u32,
}

impl<'a> Binding<'a> {
    pub fn import(&self) -> Option<&Import> {
        match &self.kind {
            BindingKind::Import(import) => Some(import),
            _ => None,
        }
    }
}

/// Every scope, binding and resolved reference of one file.
#[derive(Debug, Default)]
pub struct Bindings<'a> {
    pub(super) scopes: Vec<Scope<'a>>,
    pub(super) bindings: Vec<Binding<'a>>,
    /// Every name the file reads (by the range of its `Name` node) and what it refers to
    /// (`None`: a builtin, or unbound).
    pub(super) references: HashMap<TextRange, (&'a str, Option<BindingId>)>,
    /// The same reads ordered by position, so the reads inside a range are found by binary
    /// search (a scan per function made the WS3xx rules quadratic in the file's functions).
    pub(super) reads_by_position: Vec<(TextRange, &'a str, Option<BindingId>)>,
    /// The binding created at a name's range (a store target, parameter, `def`/`class` name).
    pub(super) at: HashMap<TextRange, BindingId>,
    /// Reads that are the object of an attribute (`ws.open`): the attribute, by the range of
    /// the `Name` node.
    pub(super) attribute_reads: HashMap<TextRange, &'a str>,
    /// Reads that are the callee of a call (`f(...)`), by the range of the `Name` node.
    pub(super) callees: rustc_hash::FxHashSet<TextRange>,
    /// The ranges of annotations (parameters, returns, annotated assignments); when built,
    /// merged where they overlap and sorted, for binary search.
    pub(super) annotations: Vec<TextRange>,
    /// The resolved reads by the binding they read, sorted: the reads of one binding are
    /// found by binary search (a scan of every read per question made asking about each class
    /// call quadratic in the file).
    pub(super) reads_by_binding: Vec<(BindingId, TextRange)>,
    /// The scope a `def`, `class`, lambda or comprehension opens, by the node's range.
    pub(super) scope_of_node: HashMap<TextRange, ScopeId>,
    /// Reads made later in the same statement list as the binding they read, in its scope:
    /// whatever the branches and loops around, that binding is the value read.
    pub(super) straight_line: rustc_hash::FxHashSet<TextRange>,
}

impl<'a> Bindings<'a> {
    /// Once every read is resolved: the lookup tables that answer by binary search (reads by
    /// position and by binding, annotations merged).
    pub(super) fn index_reads(
        &mut self,
        mut reads_by_position: Vec<(TextRange, &'a str, Option<BindingId>)>,
    ) {
        // Walked nearly in source order (a stable sort merges the runs; the ranges are unique).
        reads_by_position.sort_by_key(|(r, _, _)| (r.start(), r.end()));
        // By binding, then position: counted out into each binding's slots, in the order of
        // `reads_by_position` (no two reads start at the same offset).
        let mut next = vec![0usize; self.bindings.len() + 1];
        for (_, _, binding) in &reads_by_position {
            if let Some(binding) = binding {
                next[binding.0 as usize + 1] += 1;
            }
        }
        for i in 1..next.len() {
            next[i] += next[i - 1];
        }
        let mut reads_by_binding = vec![(BindingId(0), TextRange::default()); next[next.len() - 1]];
        for (range, _, binding) in &reads_by_position {
            if let Some(binding) = binding {
                let slot = &mut next[binding.0 as usize];
                reads_by_binding[*slot] = (*binding, *range);
                *slot += 1;
            }
        }
        self.reads_by_position = reads_by_position;
        self.reads_by_binding = reads_by_binding;
        self.annotations = merged(std::mem::take(&mut self.annotations));
    }

    pub fn binding(&self, id: BindingId) -> &Binding<'a> {
        &self.bindings[id.0 as usize]
    }

    pub fn scope(&self, id: ScopeId) -> &Scope<'a> {
        &self.scopes[id.0 as usize]
    }

    pub fn all(&self) -> impl Iterator<Item = (BindingId, &Binding<'a>)> {
        self.bindings
            .iter()
            .enumerate()
            .map(|(i, b)| (BindingId(i as u32), b))
    }

    /// What the `Name` node at `range` reads: `Some(None)` when it reads a builtin or nothing,
    /// `None` when `range` is no name the file reads.
    pub fn reference(&self, range: TextRange) -> Option<Option<BindingId>> {
        self.references.get(&range).map(|(_, b)| *b)
    }

    /// Does the `Name` read at `range` certainly see the binding it resolves to: made before it
    /// in the same statement list, so no branch or loop can bring another binding of the name?
    pub fn reads_straight_line(&self, range: TextRange) -> bool {
        self.straight_line.contains(&range)
    }

    /// Does the file bind or read `name` anywhere (any scope)? Strings and comments do not
    /// count: `"Server listening"` leaves the name `Server` free.
    pub fn uses_name(&self, name: &str) -> bool {
        self.bindings.iter().any(|b| b.name == name)
            || self.references.values().any(|(n, _)| *n == name)
    }

    /// Every read of the file: its range, the name, and what it refers to.
    pub fn reads(&self) -> impl Iterator<Item = (TextRange, &'a str, Option<BindingId>)> + '_ {
        self.references.iter().map(|(r, (n, b))| (*r, *n, *b))
    }

    /// The binding created by the name node (target, parameter, definition name) at `range`.
    pub fn created_at(&self, range: TextRange) -> Option<BindingId> {
        self.at.get(&range).copied()
    }

    /// The scope opened by the node (`def`, `class`, lambda, comprehension) at `range`.
    pub fn scope_of(&self, range: TextRange) -> Option<ScopeId> {
        self.scope_of_node.get(&range).copied()
    }

    /// `name.<attribute>` when the read at `range` is the object of an attribute access.
    pub fn attribute_of_read(&self, range: TextRange) -> Option<&'a str> {
        self.attribute_reads.get(&range).copied()
    }

    /// Every name the file binds or reads, in any scope: a name a fix introduces must be none
    /// of them.
    pub fn identifiers(&self) -> rustc_hash::FxHashSet<&'a str> {
        let mut names = rustc_hash::FxHashSet::with_capacity_and_hasher(
            self.bindings.len() + self.reads_by_position.len(),
            Default::default(),
        );
        names.extend(self.bindings.iter().map(|b| b.name));
        names.extend(self.reads_by_position.iter().map(|(_, name, _)| *name));
        names
    }

    /// Is the read at `range` inside an annotation?
    pub fn in_annotation(&self, range: TextRange) -> bool {
        let after = self
            .annotations
            .partition_point(|a| a.start() <= range.start());
        after > 0 && self.annotations[after - 1].contains_range(range)
    }

    /// Is every read of `id` a call of it or inside an annotation (`Session(ws)`, `s:
    /// Session`)? Then its arguments are all in sight: it is never handed on as a factory nor
    /// derived from.
    pub fn only_called_or_annotated(&self, id: BindingId) -> bool {
        self.references_to(id)
            .all(|read| self.is_callee(read) || self.in_annotation(read))
    }

    /// Is the read at `range` the callee of a call?
    pub fn is_callee(&self, range: TextRange) -> bool {
        self.callees.contains(&range)
    }

    /// Does `expr` read the binding `id` (a `Name` node resolved to it)?
    pub fn reads_binding(&self, expr: &Expr, id: BindingId) -> bool {
        matches!(expr, Expr::Name(n) if self.reference(n.range) == Some(Some(id)))
    }

    /// Every read of the file in source order: its range, the name, what it refers to.
    pub fn reads_by_position(&self) -> &[(TextRange, &'a str, Option<BindingId>)] {
        &self.reads_by_position
    }

    /// The reads inside `range` (an expression of the file).
    pub fn reads_in(
        &self,
        range: TextRange,
    ) -> impl Iterator<Item = (TextRange, &'a str, Option<BindingId>)> + '_ {
        let reads = &self.reads_by_position;
        let first = reads.partition_point(|(r, _, _)| r.start() < range.start());
        reads[first..]
            .iter()
            .take_while(move |(r, _, _)| r.start() < range.end())
            .filter(move |(r, _, _)| range.contains_range(*r))
            .copied()
    }

    /// Every read of the file that refers to `id`.
    pub fn references_to(&self, id: BindingId) -> impl Iterator<Item = TextRange> + '_ {
        let reads = &self.reads_by_binding;
        let first = reads.partition_point(|(b, _)| *b < id);
        reads[first..]
            .iter()
            .take_while(move |(b, _)| *b == id)
            .map(|(_, r)| *r)
    }

    /// The binding of `name` visible at `offset` in `scope` (see the module docs).
    pub fn lookup(&self, scope: ScopeId, name: &str, offset: u32) -> Option<BindingId> {
        let mut current = Some(scope);
        let mut immediate = true;
        let mut first = true;
        while let Some(id) = current {
            let scope = self.scope(id);
            let skip = scope.kind == ScopeKind::Class && !first;
            if !skip {
                let ids = scope.bindings_of(name);
                if !ids.is_empty() {
                    let chosen = if immediate {
                        let before = ids
                            .iter()
                            .rposition(|b| self.binding(*b).position <= offset);
                        match before {
                            Some(i) => Some(self.prefer_primary(ids, i)),
                            // Bound later in a function: local all along (a loop carries it).
                            None if scope.kind.is_deferred() => Some(ids.len() - 1),
                            None => None,
                        }
                    } else {
                        Some(self.prefer_primary(ids, ids.len() - 1))
                    };
                    if let Some(i) = chosen {
                        let id = ids[i];
                        return match self.binding(id).kind {
                            BindingKind::Deletion => None,
                            _ => Some(id),
                        };
                    }
                }
            }
            if scope.kind.is_deferred() {
                immediate = false;
            }
            first = false;
            current = scope.parent;
        }
        None
    }

    /// The `try` import a fallback binding of an `except ImportError` handler stands in for
    /// (`try: from new import connect` / `except ImportError: from old import connect`).
    pub fn primary_of(&self, id: BindingId) -> Option<BindingId> {
        let binding = self.binding(id);
        if !binding.fallback {
            return None;
        }
        let ids = self.scope(binding.scope).bindings_of(binding.name);
        let i = ids.iter().position(|b| *b == id)?;
        let primary = ids[self.prefer_primary(ids, i)];
        (primary != id && !self.binding(primary).fallback).then_some(primary)
    }

    /// Steps back over fallback bindings to the import of the `try` they stand in for.
    fn prefer_primary(&self, ids: &[BindingId], mut i: usize) -> usize {
        while i > 0 {
            let is_fallback = self.binding(ids[i]).fallback;
            let previous_is_import = self.binding(ids[i - 1]).import().is_some();
            if !(is_fallback && previous_is_import) {
                break;
            }
            i -= 1;
        }
        i
    }
}

/// Sorted ranges with those that overlap merged: one binary search tells whether a range lies
/// inside any of them.
fn merged(mut ranges: Vec<TextRange>) -> Vec<TextRange> {
    ranges.sort_unstable_by_key(|r| r.start());
    let mut out: Vec<TextRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match out.last_mut() {
            Some(last) if range.start() <= last.end() => {
                *last = TextRange::new(last.start(), last.end().max(range.end()));
            }
            _ => out.push(range),
        }
    }
    out
}
