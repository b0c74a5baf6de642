//! WS002 `connection-open-closed`: the legacy `open` / `closed` properties are gone from the new
//! connection; the upgrade guide's replacement compares `state` with `websockets.protocol.State`.
//! The legacy connection has the same `state` (13.1 `legacy/protocol.py` imports
//! `websockets.protocol.State`), so the rewrite works before and after the import switch.

use ruff_python_ast::{Expr, ExprAttribute, UnaryOp};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::connection_attribute::{connection_attribute, is_load};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};

pub struct ConnectionOpenClosed;

static META: RuleMeta = RuleMeta {
    code: "WS002",
    name: "connection-open-closed",
    family: Family::ConnectionAttributes,
    summary: "`ws.open` / `ws.closed` were removed: compare `ws.state` with `State.OPEN` / `State.CLOSED`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["open", "closed"],
    doc: include_str!("../../rules/WS002.md"),
};

impl Rule for ConnectionOpenClosed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::attributes(|name| matches!(name, "open" | "closed"))
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Some((attr, connection)) = connection_attribute(checker, expr, &["open", "closed"])
        else {
            return;
        };
        let name = attr.attr.as_str();
        let member = if name == "open" { "OPEN" } else { "CLOSED" };
        let receiver = checker.slice(attr.value.range());
        let mut diagnostic = Diagnostic::new(
            &META,
            format!(
                "`{receiver}.{name}` does not exist on the new connection (removed in websockets \
                 14.0)"
            ),
            attr.range(),
        )
        .with_severity(connection.severity())
        .with_help(format!(
            "use `{receiver}.state is State.{member}` (`from websockets.protocol import State`)"
        ));
        if is_load(attr) {
            diagnostic = diagnostic.with_fix(fix(checker, attr, member));
        } else {
            diagnostic.help = Some(format!(
                "`{name}` was a read-only view of `{receiver}.state`, which the connection manages \
                 itself: remove this statement"
            ));
        }
        checker.report(diagnostic);
    }
}

fn fix(checker: &Checker, attr: &ExprAttribute, member: &str) -> Fix {
    let importer = checker.importer();
    let state = importer.from_import("websockets.protocol", "State", attr.start());
    let receiver = checker.slice(attr.value.range());
    let mut edits = Vec::new();
    let negated = match checker.parent_expr() {
        Some(Expr::UnaryOp(unary))
            if unary.op == UnaryOp::Not && unary.operand.range() == attr.range() =>
        {
            // `not ws.open` → `ws.state is not State.OPEN`: drop `not` and the space after it.
            let rest = &checker.source[unary.start().to_usize() + 3..];
            let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let end = unary.start() + ruff_text_size::TextSize::from((3 + spaces) as u32);
            edits.push(Edit::delete(TextRange::new(unary.start(), end)));
            true
        }
        _ => false,
    };
    let operator = if negated { "is not" } else { "is" };
    edits.push(Edit::replace(
        attr.attr.range(),
        format!("state {operator} {}.{member}", state.local),
    ));
    if !negated && needs_parentheses(checker, attr) {
        edits.push(Edit::insert(attr.start(), "("));
        edits.push(Edit::insert(attr.end(), ")"));
    }
    edits.extend(state.edit);
    Fix::safe(
        format!(
            "Replace with `{receiver}.state {operator} {}.{member}`",
            state.local
        ),
        edits,
    )
}

/// A comparison binds looser than everything but `not`, `and`, `or`, `if`-`else` and lambda:
/// as an operand of another comparison, arithmetic, `await`, `*`, or as the object of an
/// attribute, subscript or call, it needs parentheses (unless it already has them).
fn needs_parentheses(checker: &Checker, attr: &ExprAttribute) -> bool {
    let is_attr = |e: &Expr| e.range() == attr.range();
    let tight = match checker.parent_expr() {
        Some(Expr::Compare(_) | Expr::BinOp(_) | Expr::Await(_) | Expr::Starred(_)) => true,
        Some(Expr::UnaryOp(u)) => u.op != UnaryOp::Not,
        Some(Expr::Attribute(a)) => is_attr(&a.value),
        Some(Expr::Subscript(s)) => is_attr(&s.value),
        Some(Expr::Call(c)) => is_attr(&c.func),
        _ => false,
    };
    tight && !already_parenthesized(checker.source, attr.range())
}

fn already_parenthesized(source: &str, range: TextRange) -> bool {
    let before = source[..range.start().to_usize()].trim_end();
    let after = source[range.end().to_usize()..].trim_start();
    before.ends_with('(') && after.starts_with(')')
}
