//! WS104 `invalid-status-code`: the legacy `connect()` raised `InvalidStatusCode` (with
//! `status_code` and `headers`) when the server rejected the handshake; the new one raises
//! `InvalidStatus`, whose `response` carries `status_code` and `headers`. `except
//! InvalidStatusCode` never matches the new exception. Upstream: docs/howto/upgrade.rst
//! ("Exceptions"), websockets 17.4 `exceptions.py` (`deprecated_aliases`).

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{BoolOp, ExceptHandler, Expr, ExprContext, Stmt, StmtImportFrom};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, FixGroup, GroupRole, Severity};
use crate::rules::legacy_names::mentions_identifier;
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::{api, Implementation};
use crate::semantic::{BindingId, BindingKind, Bindings, Connection};

pub struct InvalidStatusCode;

static META: RuleMeta = RuleMeta {
    code: "WS104",
    name: "invalid-status-code",
    family: Family::ImportsAndNames,
    summary: "`InvalidStatusCode` is legacy: the new `connect()` raises `InvalidStatus`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["InvalidStatusCode"],
    doc: include_str!("../../rules/WS104.md"),
};

const QUALIFIED: &[&str] = &[
    "websockets.InvalidStatusCode",
    "websockets.exceptions.InvalidStatusCode",
    "websockets.legacy.exceptions.InvalidStatusCode",
    "websockets.legacy.client.InvalidStatusCode",
];

/// Attributes of the legacy exception that moved to `exc.response`.
const MOVED_ATTRIBUTES: &[&str] = &["status_code", "headers"];

impl Rule for InvalidStatusCode {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::NAMES_AND_ATTRIBUTES
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        if let Stmt::ImportFrom(import) = stmt {
            import_from(checker, import);
        }
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let is_load = match expr {
            Expr::Name(n) => n.ctx == ExprContext::Load,
            Expr::Attribute(a) => a.ctx == ExprContext::Load,
            _ => false,
        };
        if !is_load || !is_invalid_status_code(checker, expr) {
            return;
        }
        let coherence = checker.per_file(|| Coherence::of(checker));
        let import_key = match expr {
            Expr::Name(name) => checker
                .model
                .imports
                .binding(name.id.as_str())
                .map(|b| b.alias),
            _ => None,
        };
        let group = coherence.group(import_key, GroupRole::Member);
        // Every use belongs to the group, fixable or not: one that is not holds the others back.
        let diagnostic = Diagnostic::new(
            &META,
            "`InvalidStatusCode` is the legacy exception; the new implementation raises \
             `InvalidStatus` (`exc.response.status_code`, `exc.response.headers`)",
            expr.range(),
        )
        .with_severity(coherence.severity)
        .with_group(group.flatten());
        let Some(group) = group else {
            checker.report(diagnostic.with_help(coherence.help()));
            return;
        };
        let Some(replacement) = replacement(checker, expr) else {
            checker.report(
                diagnostic
                    .with_help("`InvalidStatus` is a name this file already uses: rename by hand"),
            );
            return;
        };
        let edits = replacement;
        // Why the fix is unsafe, if it is.
        let mut unsafe_reason = None;
        // Reads of `exc.status_code` / `exc.headers`: each reported on its own line, fixed
        // together with the `except` clause.
        let reads;
        match context(checker, expr) {
            Context::Except(handler) => match handler_edits(checker, handler) {
                Ok(more) => {
                    // `except (InvalidStatusCode, Other) as exc: exc.status_code`: the read may
                    // be the other type's attribute.
                    if !more.is_empty() && catches_others(handler) {
                        unsafe_reason = Some(
                            "the clause also catches other types: check that these reads are \
                             the `InvalidStatusCode`'s",
                        );
                    }
                    reads = more;
                }
                Err(help) => {
                    checker.report(diagnostic.with_help(help));
                    return;
                }
            },
            Context::IsInstance => {
                unsafe_reason =
                    Some("after `isinstance`, check that the attributes used moved too");
                match narrowed_edits(checker) {
                    Ok(more) => reads = more,
                    Err(help) => {
                        checker.report(diagnostic.with_help(help));
                        return;
                    }
                }
            }
            Context::Other => {
                checker.report(diagnostic.with_help(
                    "only `except` clauses and `isinstance` are rewritten; use `InvalidStatus` \
                     and `exc.response.status_code` here",
                ));
                return;
            }
        }
        let title = "Catch `InvalidStatus`; read `status_code` / `headers` from `exc.response`";
        let fix = match unsafe_reason {
            None => Fix::safe(title, edits),
            Some(reason) => Fix::unsafe_(format!("{title} ({reason})"), edits),
        };
        // Without an import group, the `except` clause anchors a group of its own reads.
        let (own, members) = match group {
            Some(group) => (Some(group), group),
            None => (
                (!reads.is_empty()).then_some(FixGroup {
                    key: expr.range(),
                    role: GroupRole::Anchor,
                    file: None,
                }),
                FixGroup {
                    key: expr.range(),
                    role: GroupRole::Member,
                    file: None,
                },
            ),
        };
        checker.report(diagnostic.with_fix(fix).with_group(own));
        for (range, edit) in reads {
            let read = checker.slice(range);
            let (receiver, attribute) = read.rsplit_once('.').unwrap_or((read, ""));
            let title = format!("Read `{receiver}.response.{attribute}`");
            checker.report(
                Diagnostic::new(
                    &META,
                    format!(
                        "`{read}`: the new `InvalidStatus` has no `{attribute}`; it is \
                         `{receiver}.response.{attribute}`"
                    ),
                    range,
                )
                .with_severity(coherence.severity)
                .with_fix(match unsafe_reason {
                    None => Fix::safe(title, vec![edit]),
                    Some(reason) => Fix::unsafe_(format!("{title} ({reason})"), vec![edit]),
                })
                .with_group(Some(members)),
            );
        }
    }
}

fn is_invalid_status_code(checker: &Checker, expr: &Expr) -> bool {
    checker
        .model
        .resolve(expr)
        .is_some_and(|q| QUALIFIED.contains(&q.as_str()))
}

/// The edits that make `expr` name `InvalidStatus`.
fn replacement(checker: &Checker, expr: &Expr) -> Option<Vec<Edit>> {
    match expr {
        Expr::Name(name) => {
            let binding = checker.model.imports.import_of(name);
            let aliased = binding.is_some_and(|b| checker.slice(b.alias).contains(" as "));
            if aliased {
                return Some(Vec::new()); // The import rename keeps the alias.
            }
            if binding.is_none() || mentions_identifier(checker.source, "InvalidStatus") {
                return None;
            }
            Some(vec![Edit::replace(name.range, "InvalidStatus")])
        }
        Expr::Attribute(attr) => {
            let base = checker.model.resolve(&attr.value)?;
            if base == "websockets" || base == "websockets.exceptions" {
                return Some(vec![Edit::replace(attr.attr.range(), "InvalidStatus")]);
            }
            let importer = checker.importer();
            let imported =
                importer.from_import("websockets.exceptions", "InvalidStatus", attr.start());
            let mut edits = vec![Edit::replace(attr.range, imported.local)];
            edits.extend(imported.edit);
            Some(edits)
        }
        _ => None,
    }
}

enum Context<'a> {
    Except(&'a ruff_python_ast::ExceptHandlerExceptHandler),
    IsInstance,
    Other,
}

fn context<'a>(checker: &Checker<'a>, expr: &Expr) -> Context<'a> {
    if let Some(Stmt::Try(try_)) = checker.current_stmt() {
        for handler in &try_.handlers {
            let ExceptHandler::ExceptHandler(h) = handler;
            if h.type_.as_ref().is_some_and(|t| {
                t.range() == expr.range()
                    || matches!(&**t, Expr::Tuple(tuple) if tuple.elts.iter().any(|e| e.range() == expr.range()))
            }) {
                return Context::Except(h);
            }
        }
    }
    match checker.parent_expr() {
        Some(Expr::Call(call))
            if matches!(&*call.func, Expr::Name(n) if n.id.as_str() == "isinstance")
                && call
                    .arguments
                    .args
                    .get(1)
                    .is_some_and(|a| a.range() == expr.range()) =>
        {
            Context::IsInstance
        }
        _ => Context::Other,
    }
}

/// `exc.status_code` → `exc.response.status_code` for every use of `exc` in the handler; an
/// error (the help) when some use has no rewrite.
fn handler_edits(
    checker: &Checker,
    handler: &ruff_python_ast::ExceptHandlerExceptHandler,
) -> Result<Vec<(TextRange, Edit)>, String> {
    let Some(name) = &handler.name else {
        return Ok(Vec::new());
    };
    let Some(binding) = checker.model.bindings.created_at(name.range) else {
        return Ok(Vec::new());
    };
    let mut uses = Uses {
        bindings: &checker.model.bindings,
        binding,
        edits: Vec::new(),
        blocked: Vec::new(),
        catches_others: catches_others(handler),
    };
    for stmt in &handler.body {
        uses.visit_stmt(stmt);
    }
    uses.result(checker)
}

/// `if isinstance(err, InvalidStatusCode) [and ...]:` on a name that is no `except` target
/// (those are rewritten with their clause): the reads after the test and in the body.
fn narrowed_edits(checker: &Checker) -> Result<Vec<(TextRange, Edit)>, String> {
    let (Some(Expr::Call(call)), Some(Stmt::If(if_))) =
        (checker.parent_expr(), checker.current_stmt())
    else {
        return Ok(Vec::new());
    };
    let (first, rest) = match &*if_.test {
        Expr::BoolOp(op) if op.op == BoolOp::And => match op.values.split_first() {
            Some((first, rest)) => (first, rest),
            None => return Ok(Vec::new()),
        },
        test => (test, &[][..]),
    };
    let bindings = &checker.model.bindings;
    let (Some(Expr::Name(name)), Some(types)) =
        (call.arguments.args.first(), call.arguments.args.get(1))
    else {
        return Ok(Vec::new());
    };
    let binding = match bindings.reference(name.range) {
        Some(Some(binding)) if first.range() == call.range() => binding,
        _ => return Ok(Vec::new()),
    };
    if matches!(bindings.binding(binding).kind, BindingKind::ExceptTarget) {
        return Ok(Vec::new());
    }
    let mut uses = Uses {
        bindings,
        binding,
        edits: Vec::new(),
        blocked: Vec::new(),
        catches_others: matches!(types, Expr::Tuple(t) if t.elts.len() > 1),
    };
    for value in rest {
        uses.visit_expr(value);
    }
    for stmt in &if_.body {
        uses.visit_stmt(stmt);
    }
    uses.result(checker)
}

/// `except (InvalidStatusCode, OSError)`: the clause also catches other types.
fn catches_others(handler: &ruff_python_ast::ExceptHandlerExceptHandler) -> bool {
    matches!(handler.type_.as_deref(), Some(Expr::Tuple(tuple)) if tuple.elts.len() > 1)
}

/// The uses of the `except ... as name` binding, as the model resolves them.
struct Uses<'m, 'a> {
    bindings: &'m Bindings<'a>,
    binding: BindingId,
    edits: Vec<(TextRange, Edit)>,
    blocked: Vec<TextRange>,
    catches_others: bool,
}

impl Uses<'_, '_> {
    fn result(self, checker: &Checker) -> Result<Vec<(TextRange, Edit)>, String> {
        if self.blocked.is_empty() {
            return Ok(self.edits);
        }
        let blocked: Vec<&str> = self.blocked.iter().map(|r| checker.slice(*r)).collect();
        Err(format!(
            "`InvalidStatus` has no `{}`; rewrite these uses by hand, then catch `InvalidStatus`",
            blocked.join("`, `")
        ))
    }
}

impl<'a> Visitor<'a> for Uses<'_, '_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Attribute(attr) = expr {
            if self.bindings.reads_binding(&attr.value, self.binding) {
                let attribute = attr.attr.as_str();
                if MOVED_ATTRIBUTES.contains(&attribute) {
                    if attr.ctx == ExprContext::Load {
                        self.edits
                            .push((attr.range, Edit::insert(attr.value.end(), ".response")));
                    } else {
                        self.blocked.push(attr.range);
                    }
                } else if !self.catches_others
                    && !matches!(attribute, "response" | "args" | "__traceback__")
                {
                    // Caught alone, the exception had only the moved attributes: a read of
                    // another one is a mistake to look at. Caught with other types, it is theirs
                    // (the legacy exception had it no more than the new one).
                    self.blocked.push(attr.range);
                }
                return;
            }
        }
        walk_expr(self, expr);
    }
}

/// `from websockets.exceptions import InvalidStatusCode` → `... import InvalidStatus`.
fn import_from(checker: &Checker, import: &StmtImportFrom) {
    let module = import.module.as_ref().map_or("", |m| m.as_str());
    for alias in &import.names {
        let qualified = format!("{module}.{}", alias.name.as_str());
        if !QUALIFIED.contains(&qualified.as_str()) {
            continue;
        }
        let coherence = checker.per_file(|| Coherence::of(checker));
        let mut diagnostic = Diagnostic::new(
            &META,
            format!("`{qualified}` is the legacy exception; import `InvalidStatus` instead"),
            alias.range,
        )
        .with_severity(coherence.severity);
        let renamable = matches!(module, "websockets" | "websockets.exceptions")
            && (alias.asname.is_some() || !mentions_identifier(checker.source, "InvalidStatus"));
        let group = coherence.group(Some(alias.range), GroupRole::Anchor);
        match (renamable, group) {
            (true, Some(group)) => {
                diagnostic = diagnostic
                    .with_fix(Fix::safe(
                        "Import `InvalidStatus`",
                        vec![Edit::replace(alias.name.range(), "InvalidStatus")],
                    ))
                    .with_group(group);
            }
            (false, _) => {
                diagnostic.help = Some(
                    "import `InvalidStatus` from `websockets.exceptions` (rename by hand)".into(),
                )
            }
            (_, None) => diagnostic.help = Some(coherence.help()),
        }
        checker.report(diagnostic);
    }
}

/// Which implementation raises the exceptions this file catches: the fix is only right once
/// the connections come from the new `connect()`.
struct Coherence {
    /// The legacy imports (and the files they are in, when not this one) that create the
    /// connections whose exceptions this file catches.
    legacy_origins: Vec<(TextRange, Option<u32>)>,
    unknown_dotted: bool,
    severity: Severity,
}

impl Coherence {
    fn of(checker: &Checker) -> Coherence {
        let imports = &checker.model.imports;
        let mut legacy_origins = Vec::new();
        let mut new_connect = false;
        for (local, binding) in imports.bindings() {
            match api::connect_function(&binding.qualified) {
                Some(Implementation::Legacy) if !legacy_origins.contains(&(binding.stmt, None)) => {
                    legacy_origins.push((binding.stmt, None))
                }
                Some(Implementation::New) => new_connect = true,
                _ => {}
            }
            if binding.qualified == "websockets"
                && checker.source.contains(&format!("{local}.connect("))
            {
                new_connect = true;
            }
        }
        // Calls in `try:` bodies that catch `InvalidStatusCode` and run a `connect()` of
        // another module (through project functions).
        for reached in reached_elsewhere(checker) {
            match (reached.implementation, reached.origin) {
                (Implementation::New, _) => new_connect = true,
                (Implementation::Legacy, Some(key)) => {
                    let origin = (key, reached.origin_file);
                    if !legacy_origins.contains(&origin) {
                        legacy_origins.push(origin);
                    }
                }
                (Implementation::Legacy, None) => {}
            }
        }
        // `websockets.legacy.client.connect(...)`, `websockets.legacy.client.Connect`: a dotted
        // legacy use we do not locate here (the module's last two names, from the table).
        let unknown_dotted = api::CONNECT_FUNCTIONS
            .iter()
            .filter(|(_, implementation)| *implementation == Implementation::Legacy)
            .filter_map(|(name, _)| name.rfind(".client.").map(|i| &name[i..]))
            .any(|dotted| checker.source.contains(dotted));
        let severity = if new_connect && legacy_origins.is_empty() && !unknown_dotted {
            Severity::Error
        } else {
            Severity::Deprecation
        };
        Coherence {
            legacy_origins,
            unknown_dotted,
            severity,
        }
    }

    /// `Some(group)` when a fix may be offered: no group (new `connect()` only), or a member of
    /// the single legacy import that must switch with it. For names bound by a `from` import,
    /// the group of that import's rename.
    fn group(&self, import: Option<TextRange>, role: GroupRole) -> Option<Option<FixGroup>> {
        if self.unknown_dotted || self.legacy_origins.len() > 1 {
            return None;
        }
        if let [(key, file)] = self.legacy_origins.as_slice() {
            return Some(Some(FixGroup {
                key: *key,
                role: GroupRole::Member,
                file: *file,
            }));
        }
        // New implementation only: tie the uses of an imported name to the import's rename.
        Some(import.map(|key| FixGroup {
            key,
            role,
            file: None,
        }))
    }

    fn help(&self) -> String {
        "this file creates connections through several legacy imports or dotted legacy \
         references: switch them to the new `connect()` first (WS101), then catch `InvalidStatus`"
            .into()
    }
}

/// The connections of other modules that calls in this file's `try:` bodies reach, where the
/// `try` catches `InvalidStatusCode`: `try: await helpers.open_client() except
/// InvalidStatusCode:` with `open_client` calling `connect()` in another module.
fn reached_elsewhere(checker: &Checker) -> Vec<Connection> {
    let mut tries = Tries {
        checker,
        out: Vec::new(),
    };
    if checker
        .model
        .external
        .is_some_and(|e| !e.reaches_connect.is_empty())
    {
        tries.visit_body(&checker.module.body);
    }
    tries.out
}

struct Tries<'c, 'a> {
    checker: &'c Checker<'a>,
    out: Vec<Connection>,
}

impl<'a> Visitor<'a> for Tries<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::Try(try_) = stmt {
            let catches = try_.handlers.iter().any(|handler| {
                let ExceptHandler::ExceptHandler(h) = handler;
                h.type_.as_deref().is_some_and(|t| match t {
                    Expr::Tuple(tuple) => tuple
                        .elts
                        .iter()
                        .any(|e| is_invalid_status_code(self.checker, e)),
                    other => is_invalid_status_code(self.checker, other),
                })
            });
            if catches {
                let mut calls = Calls {
                    checker: self.checker,
                    out: &mut self.out,
                };
                for stmt in &try_.body {
                    calls.visit_stmt(stmt);
                }
            }
        }
        walk_stmt(self, stmt);
    }
}

/// The connections of other modules that the calls of a `try:` body reach.
struct Calls<'c, 'a, 'o> {
    checker: &'c Checker<'a>,
    out: &'o mut Vec<Connection>,
}

impl<'a> Visitor<'a> for Calls<'_, 'a, '_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Some(c) = self.checker.model.reaches_connect(expr, &[]) {
            if c.origin_file.is_some() || c.origin.is_none() {
                self.out.push(c);
            }
        }
        walk_expr(self, expr);
    }
}
