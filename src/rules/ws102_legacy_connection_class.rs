//! WS102 `legacy-connection-class`: the legacy connection and server classes
//! (`WebSocketClientProtocol`, `WebSocketServerProtocol`, `WebSocketCommonProtocol`,
//! `WebSocketServer`) named in annotations, `isinstance` / `issubclass` and `cast`. Their new
//! counterparts are `ClientConnection`, `ServerConnection`, `Connection` and `Server` in
//! `websockets.asyncio.*`. Upstream: docs/howto/upgrade.rst, "Update import paths".
//!
//! A name bound by a `from` import is renamed as a member of that import's WS101 fix group (the
//! rename only makes sense once the import switches); a dotted reference
//! (`websockets.WebSocketServerProtocol`) is its own switch, so it anchors its own group.

use ruff_python_ast::{Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, FixGroup, GroupRole, Severity};
use crate::fix::string_annotation;
use crate::rules::legacy_names::{self, NameKind};
use crate::rules::ws101_legacy_import::dotted_replacement;
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::{api, Implementation};

pub struct LegacyConnectionClass;

pub(crate) static META: RuleMeta = RuleMeta {
    code: "WS102",
    name: "legacy-connection-class",
    family: Family::ImportsAndNames,
    summary: "Legacy connection class: use `ClientConnection` / `ServerConnection` / `Server`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["Protocol", "WebSocketServer"],
    doc: include_str!("../../rules/WS102.md"),
};

/// Where a class name is used, for deciding whether renaming it keeps the code right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Annotation,
    IsInstance,
    Cast,
    /// A base class (WS103), a `create_protocol=` argument, an instantiation...: renaming is not
    /// enough.
    Other,
}

impl Rule for LegacyConnectionClass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        // Others: string annotations (`ws: "WebSocketClientProtocol"`).
        Interest {
            others: true,
            ..Interest::NAMES_AND_ATTRIBUTES
        }
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        match expr {
            Expr::Name(name) if name.ctx == ExprContext::Load => {
                imported_name(checker, name.id.as_str(), name.range, || {
                    usage(checker, expr)
                })
            }
            Expr::StringLiteral(string) if in_annotation(checker, string.range) => {
                for (id, range) in string_annotation::names_in(checker.source, string) {
                    imported_name(checker, &id, range, || Use::Annotation);
                }
            }
            Expr::Attribute(attr) if attr.ctx == ExprContext::Load => dotted(checker, expr),
            _ => {}
        }
    }
}

/// `WebSocketServerProtocol` bound by `from websockets... import WebSocketServerProtocol`, named
/// at `range` (in code, or inside a string annotation).
fn imported_name(checker: &Checker, local: &str, range: TextRange, usage: impl FnOnce() -> Use) {
    let imports = &checker.model.imports;
    let Some(binding) = imports.import_at(local, range) else {
        return;
    };
    let Some(legacy) = legacy_names::lookup(&binding.qualified) else {
        return;
    };
    if legacy.kind != NameKind::Class || legacy_names::from_import_stmt(checker, binding).is_none()
    {
        return;
    }
    let Some(home) = legacy.home else { return };
    let new_local = legacy_names::switched_local(checker, local, binding);
    if new_local.as_deref() == Some(local) {
        return; // `import ... as X`: the uses need no change once the import switches.
    }
    let usage = usage();
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`{local}` is the legacy {}; the new implementation's is `{}.{}`",
            describe(legacy.name),
            home.module,
            home.name
        ),
        range,
    )
    .with_severity(severity(checker, &binding.qualified, usage))
    .with_group(Some(FixGroup {
        key: binding.stmt,
        role: GroupRole::Member,
        file: None,
    }));
    match (usage, new_local) {
        (Use::Other, _) => diagnostic.help = Some(other_use_help(checker, range)),
        (_, Some(new_local)) => {
            diagnostic = diagnostic.with_fix(Fix::safe(
                format!("Rename to `{new_local}` (imported by the WS101 import switch)"),
                vec![Edit::replace(range, new_local)],
            ));
        }
        (_, None) => {}
    }
    checker.report(diagnostic);
}

/// `websockets.WebSocketServerProtocol`, `websockets.legacy.client.WebSocketClientProtocol`.
fn dotted(checker: &Checker, expr: &Expr) {
    let Some(qualified) = checker.model.resolve(expr) else {
        return;
    };
    let Some(legacy) = legacy_names::lookup(&qualified) else {
        return;
    };
    if legacy.kind != NameKind::Class {
        return;
    }
    let text = checker.slice(expr.range());
    let usage = usage(checker, expr);
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`{text}` is the legacy {} (deprecated since websockets 14.0)",
            describe(legacy.name)
        ),
        expr.range(),
    )
    .with_severity(severity(checker, &qualified, usage))
    .with_group(Some(FixGroup {
        key: expr.range(),
        role: GroupRole::Anchor,
        file: None,
    }));
    match (legacy.home, usage) {
        (None, _) => {
            diagnostic.help = Some(super::ws101_legacy_import::no_home_help(legacy.name).into())
        }
        (Some(_), Use::Other) => diagnostic.help = Some(other_use_help(checker, expr.range())),
        (Some(home), _) => {
            diagnostic = diagnostic.with_fix(Fix::safe(
                format!("Use `{}.{}`", home.module, home.name),
                dotted_replacement(checker, expr, home),
            ));
        }
    }
    checker.report(diagnostic);
}

fn describe(name: &str) -> &'static str {
    match name {
        "WebSocketServer" => "server class",
        _ => "connection class",
    }
}

/// `isinstance(x, websockets.WebSocketServerProtocol)` is silently `False` for the connections
/// of the new `serve()` / `connect()`: an error when the file already uses those.
fn severity(checker: &Checker, qualified: &str, usage: Use) -> Severity {
    let top_level_alias = qualified.matches('.').count() == 1;
    let uses_new = checker
        .model
        .definitions
        .serve_calls
        .iter()
        .any(|s| s.implementation == Implementation::New)
        || checker.model.imports.bindings().any(|(_, b)| {
            api::connect_function(&b.qualified) == Some(Implementation::New)
                || api::serve_function(&b.qualified) == Some(Implementation::New)
        });
    if top_level_alias && usage == Use::IsInstance && uses_new {
        Severity::Error
    } else {
        Severity::Deprecation
    }
}

fn other_use_help(checker: &Checker, range: TextRange) -> String {
    if is_class_base(checker, range) {
        "a subclass of a legacy connection class cannot be renamed: see WS103 for what each \
         overridden method becomes"
            .into()
    } else {
        "only annotations, `isinstance` / `issubclass` and `cast` are rewritten; this use needs \
         manual migration (e.g. `create_protocol=` has no equivalent)"
            .into()
    }
}

/// How far up from a reference `usage` looks for the call or attribute it is part of.
const MAX_ANCESTORS: usize = 64;

fn usage(checker: &Checker, expr: &Expr) -> Use {
    let range = expr.range();
    // The outermost expression of the current statement that contains `expr`.
    let mut n = 1;
    let mut call_arg: Option<(&Expr, usize)> = None;
    let mut child = range;
    while let Some(ancestor) = checker.ancestor_expr(n) {
        // No real use nests a class this deep; stopping keeps a file of deeply nested lists
        // of classes linear (each reference would walk every enclosing list).
        if n > MAX_ANCESTORS {
            return Use::Other;
        }
        if let Expr::Call(call) = ancestor {
            if let Some(i) = call.arguments.args.iter().position(|a| a.range() == child) {
                call_arg.get_or_insert((&call.func, i));
            }
        }
        if matches!(ancestor, Expr::Attribute(a) if a.value.range() == child) {
            return Use::Other; // `WebSocketServerProtocol.some_attr`
        }
        child = ancestor.range();
        n += 1;
    }
    if in_annotation(checker, range) {
        return Use::Annotation;
    }
    let Some((func, i)) = call_arg else {
        return Use::Other;
    };
    let func_name = match func {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => "",
    };
    match (func_name, i) {
        ("isinstance" | "issubclass", 1) => Use::IsInstance,
        ("cast", 0) => Use::Cast,
        _ => Use::Other,
    }
}

fn contains(outer: TextRange, inner: TextRange) -> bool {
    outer.contains_range(inner)
}

fn in_annotation(checker: &Checker, range: TextRange) -> bool {
    match checker.current_stmt() {
        Some(Stmt::FunctionDef(def)) => {
            def.returns
                .as_ref()
                .is_some_and(|r| contains(r.range(), range))
                || def
                    .parameters
                    .iter()
                    .filter_map(|p| p.annotation())
                    .any(|a| contains(a.range(), range))
        }
        Some(Stmt::AnnAssign(assign)) => contains(assign.annotation.range(), range),
        _ => false,
    }
}

fn is_class_base(checker: &Checker, range: TextRange) -> bool {
    matches!(checker.current_stmt(), Some(Stmt::ClassDef(def))
        if def.arguments.as_ref().is_some_and(|a| a.args.iter().any(|b| b.range() == range)))
}
