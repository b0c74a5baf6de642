//! WS109 `opcode-constant`: `websockets.frames.OP_CONT` ... `OP_PONG`, aliases of the `Opcode`
//! members, were removed in 17.0: `OP_TEXT` is `Opcode.TEXT`.
//! Source: `dir(websockets.frames)` in 16.0 (`OP_BINARY`, `OP_CLOSE`, `OP_CONT`, `OP_PING`,
//! `OP_PONG`, `OP_TEXT`, each `is` the `Opcode` member) and in 17.0 / 17.4 (none of them).

use ruff_python_ast::{Expr, ExprContext, Stmt, StmtImportFrom};
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Edit, Fix, FixGroup, GroupRole};
use crate::fix::statements::{line_range, merge_import_aliases};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct OpcodeConstant;

static META: RuleMeta = RuleMeta {
    code: "WS109",
    name: "opcode-constant",
    family: Family::ImportsAndNames,
    summary: "`websockets.frames.OP_TEXT` and the other `OP_*` constants were removed in 17.0: use `Opcode.TEXT`",
    fix: FixAvailability::Sometimes,
    default_severity: crate::diagnostic::Severity::Error,
    enabled_by_default: true,
    since: Version::V17_0,
    needles: &["OP_"],
    doc: include_str!("../../rules/WS109.md"),
};

const MODULE: &str = "websockets.frames";

/// `OP_TEXT` → `TEXT`.
fn member(name: &str) -> Option<&'static str> {
    const MEMBERS: &[&str] = &["CONT", "TEXT", "BINARY", "CLOSE", "PING", "PONG"];
    let member = name.strip_prefix("OP_")?;
    MEMBERS.iter().find(|m| **m == member).copied()
}

/// `websockets.frames.OP_TEXT` → `TEXT`.
fn qualified_member(qualified: &str) -> Option<&'static str> {
    member(qualified.strip_prefix(MODULE)?.strip_prefix('.')?)
}

/// Can `Opcode` be written as a bare name here: unbound, or bound to `websockets.frames.Opcode`?
fn opcode_name_free(checker: &Checker) -> bool {
    checker
        .model
        .imports
        .binding("Opcode")
        .is_none_or(|b| b.qualified == "websockets.frames.Opcode")
}

impl Rule for OpcodeConstant {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        if let Stmt::ImportFrom(import) = stmt {
            from_import(checker, import);
        }
    }

    fn interest(&self) -> Interest {
        // Names (`OP_TEXT`) and attributes (`frames.OP_TEXT`) only.
        Interest::NAMES_AND_ATTRIBUTES
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        match expr {
            Expr::Attribute(attr) if attr.ctx == ExprContext::Load => {
                let Some(member) = checker
                    .model
                    .resolve(expr)
                    .and_then(|q| qualified_member(&q))
                else {
                    return;
                };
                let name = attr.attr.as_str();
                checker.report(
                    Diagnostic::new(
                        &META,
                        format!("`{name}` was removed from `websockets.frames` in 17.0"),
                        attr.range(),
                    )
                    .with_fix(Fix::safe(
                        format!("Use `Opcode.{member}`"),
                        vec![Edit::replace(attr.attr.range(), format!("Opcode.{member}"))],
                    )),
                );
            }
            Expr::Name(name) if name.ctx == ExprContext::Load => {
                let Some(binding) = checker.model.imports.binding(name.id.as_str()) else {
                    return;
                };
                let Some(member) = qualified_member(&binding.qualified) else {
                    return;
                };
                let mut diagnostic = Diagnostic::new(
                    &META,
                    format!(
                        "`{}` is `websockets.frames.OP_{member}`, removed in 17.0",
                        name.id.as_str()
                    ),
                    name.range(),
                )
                .with_group(Some(FixGroup {
                    key: binding.stmt,
                    role: GroupRole::Member,
                    file: None,
                }));
                if opcode_name_free(checker) {
                    diagnostic = diagnostic.with_fix(Fix::safe(
                        format!("Use `Opcode.{member}`"),
                        vec![Edit::replace(name.range(), format!("Opcode.{member}"))],
                    ));
                }
                checker.report(diagnostic);
            }
            _ => {}
        }
    }
}

/// `from websockets.frames import OP_TEXT, Frame`: `OP_*` names become one `Opcode`; the uses
/// are rewritten in the same group.
fn from_import(checker: &Checker, import: &StmtImportFrom) {
    if import.level > 0 || import.module.as_ref().is_none_or(|m| m.as_str() != MODULE) {
        return;
    }
    let removed: Vec<&str> = import
        .names
        .iter()
        .map(|a| a.name.as_str())
        .filter(|n| member(n).is_some())
        .collect();
    if removed.is_empty() {
        return;
    }
    let already = checker
        .model
        .imports
        .bindings()
        .any(|(local, b)| local == "Opcode" && b.qualified == "websockets.frames.Opcode");
    let indices: Vec<usize> = import
        .names
        .iter()
        .enumerate()
        .filter(|(_, a)| member(a.name.as_str()).is_some())
        .map(|(i, _)| i)
        .collect();
    let everything = indices.len() == import.names.len();
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`from websockets.frames import {}` fails on websockets 17.0: the `OP_*` constants \
             were removed",
            removed.join(", ")
        ),
        import.range,
    )
    .with_help("import `Opcode` and write `Opcode.TEXT`, `Opcode.BINARY`, ...")
    .with_group(Some(FixGroup {
        key: import.range,
        role: GroupRole::Anchor,
        file: None,
    }));
    let edits = if everything && already {
        Some(vec![Edit::delete(line_range(checker.source, import.range))])
    } else if already || opcode_name_free(checker) {
        merge_import_aliases(
            checker.source,
            import,
            &indices,
            (!already).then_some("Opcode"),
        )
    } else {
        None
    };
    if let Some(edits) = edits {
        diagnostic = diagnostic.with_fix(Fix::safe("Import `Opcode` instead", edits));
    }
    checker.report(diagnostic);
}
