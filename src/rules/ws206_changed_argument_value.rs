//! WS206 `changed-argument-value`: `max_queue=0` was meant as "unbounded" (it stalls the legacy
//! reader; the new one reads it as a zero high-water mark; `None` is unbounded, from 14.1 in the
//! new implementation), and `""` in `origins` stood for "no
//! `Origin` header" (now `None`; the new server rejects such clients with HTTP 403).
//! Upstream: legacy 13.1 `WebSocketCommonProtocol.read_messages` (waits while
//! `len(messages) >= max_queue`),
//! legacy 13.1 `server.py` `process_origin` (`""` deprecated since 7.0), 17.4
//! `asyncio.messages.Assembler` (`max_queue=None` disables the limit) and `server.py`
//! `process_origin` (`None` in `origins`). Both are also found as entries of a dict the call
//! unpacks (`kwargs["max_queue"] = 0`); that fix is unsafe, the dict may go elsewhere too.

use ruff_python_ast::Expr;
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::websockets_call::{unpacked_entry, CallKind, WebsocketsCall};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};

pub struct ChangedArgumentValue;

static META: RuleMeta = RuleMeta {
    code: "WS206",
    name: "changed-argument-value",
    family: Family::CallArguments,
    summary: "`max_queue=0` must be `max_queue=None`; `\"\"` in `origins` must be `None`",
    fix: FixAvailability::Always,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["max_queue", "origins"],
    doc: include_str!("../../rules/WS206.md"),
};

impl Rule for ChangedArgumentValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::CALLS
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Call(call) = expr else { return };
        let Some(target) = WebsocketsCall::of(checker, call) else {
            return;
        };
        if target.kind == CallKind::Broadcast {
            return;
        }
        max_queue(checker, &target);
        if target.kind == CallKind::Serve {
            origins(checker, &target);
        }
    }
}

/// Where an argument reaches the call: a keyword (`max_queue=0`), or an entry of a dict it
/// unpacks (`kwargs["max_queue"] = 0`), whose fix is unsafe: the dict may go elsewhere too.
struct Argument<'a> {
    range: TextRange,
    value: &'a Expr,
    unpacked: bool,
}

fn argument<'s>(
    checker: &'s Checker,
    target: &'s WebsocketsCall,
    name: &str,
) -> Option<Argument<'s>> {
    if let Some(keyword) = target.keyword(name) {
        return Some(Argument {
            range: keyword.range(),
            value: &keyword.value,
            unpacked: false,
        });
    }
    let entry = unpacked_entry(checker, target.call, name)?;
    Some(Argument {
        range: entry.key,
        value: entry.value?,
        unpacked: true,
    })
}

impl Argument<'_> {
    fn fix(&self, title: &str, edits: Vec<Edit>) -> Fix {
        if self.unpacked {
            Fix::unsafe_(
                format!(
                    "{title} (in the unpacked dict: check that it is not used for anything else)"
                ),
                edits,
            )
        } else {
            Fix::safe(title, edits)
        }
    }
}

fn max_queue(checker: &Checker, target: &WebsocketsCall) {
    let Some(argument) = argument(checker, target, "max_queue") else {
        return;
    };
    let Expr::NumberLiteral(number) = argument.value else {
        return;
    };
    if number.value.as_int().and_then(|i| i.as_u8()) != Some(0) {
        return;
    }
    let diagnostic = Diagnostic::new(
        &META,
        "`max_queue=0` does not mean \"no limit\": the legacy reader stalled on it, and the new \
         implementation reads it as a high-water mark of zero frames (it pauses reading after \
         every frame); `None` disables the limit",
        argument.range,
    );
    // The new implementation accepts `max_queue=None` from 14.1; 14.0 fails on it.
    let diagnostic = if checker.settings.target.version >= Version::V14_1 {
        diagnostic.with_fix(argument.fix(
            "Replace with `max_queue=None`",
            vec![Edit::replace(argument.value.range(), "None")],
        ))
    } else {
        diagnostic.with_help(
            "websockets 14.0 fails on `max_queue=None` (supported since 14.1): pass a large \
             number, or target 14.1 or later",
        )
    };
    checker.report(target.diagnostic(checker, diagnostic, None));
}

fn origins(checker: &Checker, target: &WebsocketsCall) {
    let Some(argument) = argument(checker, target, "origins") else {
        return;
    };
    let elements = match argument.value {
        Expr::List(list) => &list.elts,
        Expr::Tuple(tuple) => &tuple.elts,
        Expr::Set(set) => &set.elts,
        _ => return,
    };
    let empty: Vec<&Expr> = elements
        .iter()
        .filter(|e| matches!(e, Expr::StringLiteral(s) if s.value.to_str().is_empty()))
        .collect();
    if empty.is_empty() {
        return;
    }
    let has_none = elements.iter().any(Expr::is_none_literal_expr);
    // One `None` in place of the first `""`; further `""` (or a `None` already there) go.
    let mut edits = Vec::new();
    for (i, e) in empty.iter().enumerate() {
        if i == 0 && !has_none {
            edits.push(Edit::replace(e.range(), "None"));
        } else if let Some(edit) = remove_element(checker.source, elements, e) {
            edits.push(edit);
        } else {
            edits.push(Edit::replace(e.range(), "None"));
        }
    }
    let diagnostic = Diagnostic::new(
        &META,
        "`\"\"` in `origins` stood for \"no Origin header\" (deprecated since 7.0); the new \
         implementation uses `None` and rejects clients without `Origin` (HTTP 403) otherwise",
        argument.range,
    )
    .with_fix(argument.fix("Replace `\"\"` with `None` in `origins`", edits));
    checker.report(target.diagnostic(checker, diagnostic, None));
}

/// Remove one element of a collection literal with the comma after it (or before it, last).
fn remove_element(source: &str, elements: &[Expr], element: &Expr) -> Option<Edit> {
    let index = elements.iter().position(|e| e.range() == element.range())?;
    if let Some(next) = elements.get(index + 1) {
        let between = &source[element.end().to_usize()..next.start().to_usize()];
        if between.trim().trim_start_matches(',').trim().is_empty() {
            return Some(Edit::delete(ruff_text_size::TextRange::new(
                element.start(),
                next.start(),
            )));
        }
        return None;
    }
    let previous = elements.get(index.checked_sub(1)?)?;
    let between = &source[previous.end().to_usize()..element.start().to_usize()];
    if between.trim().trim_start_matches(',').trim().is_empty() {
        return Some(Edit::delete(ruff_text_size::TextRange::new(
            previous.end(),
            element.end(),
        )));
    }
    None
}
