//! WS107 `connection-closed-code-reason`: `ConnectionClosed.code` / `.reason` are deprecated
//! since websockets 13.1 (they warn on every access). The properties return
//! `rcvd.code` / `rcvd.reason`, or `CloseCode.ABNORMAL_CLOSURE` / `""` when no close frame was
//! received: the fix writes exactly that. Source: websockets 17.4 `exceptions.py`.

use ruff_python_ast::str::Quote;
use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{BoolOp, ExceptHandler, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::{BindingId, BindingKind, Bindings};

pub struct ConnectionClosedCodeReason;

static META: RuleMeta = RuleMeta {
    code: "WS107",
    name: "connection-closed-code-reason",
    family: Family::ImportsAndNames,
    summary: "`ConnectionClosed.code` / `.reason` are deprecated: use `exc.rcvd`",
    fix: FixAvailability::Always,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V13_1,
    needles: &["ConnectionClosed"],
    doc: include_str!("../../rules/WS107.md"),
};

const EXCEPTIONS: &[&str] = &[
    "ConnectionClosed",
    "ConnectionClosedOK",
    "ConnectionClosedError",
];

impl Rule for ConnectionClosedCodeReason {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::NONE
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        if let Stmt::If(if_) = stmt {
            return narrowed(checker, if_);
        }
        let Stmt::Try(try_) = stmt else { return };
        for handler in &try_.handlers {
            let ExceptHandler::ExceptHandler(h) = handler;
            let (Some(type_), Some(name)) = (&h.type_, &h.name) else {
                continue;
            };
            let types: Vec<&Expr> = match &**type_ {
                Expr::Tuple(t) => t.elts.iter().collect(),
                other => vec![other],
            };
            if !types.iter().any(|t| is_connection_closed(checker, t)) {
                continue;
            }
            let Some(binding) = checker.model.bindings.created_at(name.range) else {
                continue;
            };
            let mut finder = Finder::new(&checker.model.bindings, binding);
            for stmt in &h.body {
                finder.visit_stmt(stmt);
            }
            for found in finder.found {
                report(checker, name.as_str(), found);
            }
        }
    }
}

/// `if isinstance(err, ConnectionClosedError) [and ...]:` where `err` is not an `except`
/// target (those are checked with their clause): the reads after the test and in the body.
fn narrowed(checker: &Checker, if_: &ruff_python_ast::StmtIf) {
    let (first, rest) = match &*if_.test {
        Expr::BoolOp(op) if op.op == BoolOp::And => match op.values.split_first() {
            Some((first, rest)) => (first, rest),
            None => return,
        },
        test => (test, &[][..]),
    };
    let Expr::Call(call) = first else { return };
    let (Expr::Name(func), [Expr::Name(name), types]) = (&*call.func, &*call.arguments.args) else {
        return;
    };
    let types: Vec<&Expr> = match types {
        Expr::Tuple(t) => t.elts.iter().collect(),
        other => vec![other],
    };
    let bindings = &checker.model.bindings;
    if func.id.as_str() != "isinstance"
        || bindings.reference(func.range) != Some(None)
        || types.is_empty()
        || !types.iter().all(|t| is_connection_closed(checker, t))
    {
        return;
    }
    let Some(Some(binding)) = bindings.reference(name.range) else {
        return;
    };
    if matches!(bindings.binding(binding).kind, BindingKind::ExceptTarget) {
        return;
    }
    let mut finder = Finder::new(bindings, binding);
    for value in rest {
        finder.visit_expr(value);
    }
    for stmt in &if_.body {
        finder.visit_stmt(stmt);
    }
    for found in finder.found {
        report(checker, name.id.as_str(), found);
    }
}

fn is_connection_closed(checker: &Checker, expr: &Expr) -> bool {
    checker.model.resolve(expr).is_some_and(|q| {
        let (module, name) = q.rsplit_once('.').unwrap_or(("", ""));
        EXCEPTIONS.contains(&name)
            && matches!(
                module,
                "websockets" | "websockets.exceptions" | "websockets.legacy.exceptions"
            )
    })
}

fn report(checker: &Checker, exc: &str, found: Found) {
    let Found {
        range,
        attribute,
        bare,
        in_fstring,
    } = found;
    let importer = checker.importer();
    let (replacement, import) = match attribute {
        "code" => {
            let close_code = importer.from_import("websockets.frames", "CloseCode", range.start());
            (
                format!(
                    "{exc}.rcvd.code if {exc}.rcvd is not None else {}.ABNORMAL_CLOSURE",
                    close_code.local
                ),
                close_code.edit,
            )
        }
        _ => (
            format!(
                "{exc}.rcvd.reason if {exc}.rcvd is not None else {}",
                // Inside an f-string replacement field, the f-string's own quote needs
                // Python 3.12: write the other one.
                match in_fstring {
                    Some(Quote::Double) => "''",
                    _ => "\"\"",
                }
            ),
            None,
        ),
    };
    let replacement = if bare {
        replacement
    } else {
        format!("({replacement})")
    };
    let mut edits = vec![Edit::replace(range, replacement)];
    edits.extend(import);
    checker.report(
        Diagnostic::new(
            &META,
            format!(
                "`{exc}.{attribute}` is deprecated since websockets 13.1 (it warns on every access)"
            ),
            range,
        )
        .with_help(format!(
            "read `{exc}.rcvd` (the close frame received, `None` if there was none) or \
             `{exc}.sent`; or the connection's `close_{attribute}` (from websockets 14.1)"
        ))
        .with_fix(Fix::safe(
            format!("Read `{exc}.rcvd.{attribute}`, with the property's own fallback"),
            edits,
        )),
    );
}

/// The `<exc>.code` / `<exc>.reason` reads of the `except ... as exc` binding.
struct Finder<'m, 'a> {
    bindings: &'m Bindings<'a>,
    binding: BindingId,
    found: Vec<Found>,
    parents: Vec<TextRange>,
    fstrings: Vec<Quote>,
}

struct Found {
    range: TextRange,
    attribute: &'static str,
    /// May be replaced without parentheses.
    bare: bool,
    /// The quote of the innermost f-string around it, if any.
    in_fstring: Option<Quote>,
}

impl<'m, 'a> Finder<'m, 'a> {
    fn new(bindings: &'m Bindings<'a>, binding: BindingId) -> Self {
        Finder {
            bindings,
            binding,
            found: Vec::new(),
            parents: Vec::new(),
            fstrings: Vec::new(),
        }
    }
}

impl<'a> Visitor<'a> for Finder<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        // A nested function or class is another scope: its `exc` may be another object.
        if matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            return;
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Attribute(attr) = expr {
            let attribute = match attr.attr.as_str() {
                "code" => Some("code"),
                "reason" => Some("reason"),
                _ => None,
            };
            if let (Some(attribute), ExprContext::Load) = (attribute, attr.ctx) {
                if self.bindings.reads_binding(&attr.value, self.binding) {
                    // Top of an expression statement, assignment or argument: no parentheses.
                    let bare = self.parents.is_empty();
                    self.found.push(Found {
                        range: attr.range,
                        attribute,
                        bare,
                        in_fstring: self.fstrings.last().copied(),
                    });
                    return;
                }
            }
        }
        let call_args = matches!(expr, Expr::Call(_));
        self.parents.push(expr.range());
        if call_args {
            // Arguments of a call are separated by commas: a conditional expression fits.
            let Expr::Call(call) = expr else { return };
            self.visit_expr(&call.func);
            let saved = std::mem::take(&mut self.parents);
            for arg in &call.arguments.args {
                self.visit_expr(arg);
            }
            for keyword in &call.arguments.keywords {
                self.visit_expr(&keyword.value);
            }
            self.parents = saved;
        } else if let Expr::FString(fstring) = expr {
            let quote = fstring
                .value
                .iter()
                .next()
                .map_or(Quote::Double, |p| p.quote_style());
            self.fstrings.push(quote);
            walk_expr(self, expr);
            self.fstrings.pop();
        } else {
            walk_expr(self, expr);
        }
        self.parents.pop();
    }
}
