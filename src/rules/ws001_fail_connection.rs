//! WS001 `fail-connection`: the private `fail_connection()` of the legacy implementation is gone
//! since websockets 14.0; the maintainers' replacement is `await ws.close(code, reason)`.
//! Upstream: websockets issue "object has no attribute 'fail_connection'", docs/howto/upgrade.rst.

use ruff_python_ast::{Expr, ExprAttribute, ExprCall, Stmt};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::imports::is_websockets;
use crate::semantic::{BindingKind, Evidence, FrameKind, Implementation};
use crate::settings::FailConnectionStyle;

pub struct FailConnection;

static META: RuleMeta = RuleMeta {
    code: "WS001",
    name: "fail-connection",
    family: Family::ConnectionAttributes,
    summary: "`ws.fail_connection()` was removed: use `await ws.close(code, reason)`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["fail_connection"],
    doc: include_str!("../../rules/WS001.md"),
};

/// Close codes `close()` refuses to send (it raises `ProtocolError`): they only describe a
/// connection that ended without a close frame.
const UNSENDABLE_CODES: &[(u16, &str)] = &[
    (1005, "NO_STATUS_RCVD"),
    (1006, "ABNORMAL_CLOSURE"),
    (1015, "TLS_HANDSHAKE"),
];

/// The `websockets.frames.CloseCode` members that `close()` sends.
const SENDABLE_CODE_NAMES: &[&str] = &[
    "NORMAL_CLOSURE",
    "GOING_AWAY",
    "PROTOCOL_ERROR",
    "UNSUPPORTED_DATA",
    "INVALID_DATA",
    "POLICY_VIOLATION",
    "MESSAGE_TOO_BIG",
    "MANDATORY_EXTENSION",
    "INTERNAL_ERROR",
    "SERVICE_RESTART",
    "TRY_AGAIN_LATER",
    "BAD_GATEWAY",
];

/// What we know statically about the close code a call passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CloseCodeKind {
    /// A code `close()` sends: the rewrite keeps behaviour.
    Sendable,
    /// No code (legacy default 1006), or 1005/1006/1015: `close()` cannot send it.
    Unsendable,
    /// A variable or expression: it might be 1006 at run time.
    Unknown,
}

impl Rule for FailConnection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    // `is_plausible_receiver`: `x.fail_connection` on an unknown receiver, websockets imported.
    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&["fail_connection"])
    }

    fn interest(&self) -> Interest {
        Interest::attributes(|name| name == "fail_connection")
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Attribute(attr) = expr else { return };
        if attr.attr.as_str() != "fail_connection" {
            return;
        }
        let connection = checker.connection(&attr.value);
        if connection.is_none() && !is_plausible_receiver(checker, attr) {
            return;
        }
        let severity = connection.map_or(Severity::Error, |c| c.severity());
        let receiver = checker.slice(attr.value.range());
        let call = match checker.parent_expr() {
            Some(Expr::Call(call)) if call.func.range() == attr.range => call,
            _ => {
                checker.report(
                    Diagnostic::new(
                        &META,
                        format!(
                            "`{receiver}.fail_connection` was removed in websockets 14.0; it is \
                             used here without being called, so it cannot be rewritten in place"
                        ),
                        attr.attr.range(),
                    )
                    .with_severity(severity)
                    .with_help(format!(
                        "pass a function that closes instead, e.g. \
                         `lambda: asyncio.create_task({receiver}.close())`"
                    )),
                );
                return;
            }
        };
        let mut diagnostic = Diagnostic::new(
            &META,
            format!(
                "`{receiver}.fail_connection()` was removed in websockets 14.0 (it was private API \
                 of the legacy implementation)"
            ),
            call.range(),
        )
        .with_severity(severity)
        .with_help(format!("use `await {receiver}.close(code, reason)`"));
        if connection.is_none() {
            diagnostic.message.push_str(
                "; the receiver is not known to be a websockets connection, but this file uses \
                 websockets and the name is distinctive",
            );
        }
        // `self` in a subclass of the legacy protocol, in a synchronous method: the class keeps
        // its legacy base (WS103 needs a human) and `fail_connection()` with it, while a
        // `close()` task would run only after the method returns, typically after the transport
        // is gone (uvicorn's `shutdown()` closes it on the next line): no fix.
        let legacy_subclass_sync = connection.is_some_and(|c| {
            c.evidence == Evidence::Subclass && c.implementation == Implementation::Legacy
        }) && !checker.in_async_function();
        if legacy_subclass_sync {
            diagnostic.help = Some(format!(
                "this class derives from the legacy protocol class (WS103): after rewriting it \
                 for the new implementation, close from a coroutine with `await {receiver}.close(code, \
                 reason)`"
            ));
        } else if let Some(fix) = fix(checker, attr, call, connection.is_some()) {
            diagnostic = diagnostic.with_fix(fix);
        } else if matches!(checker.scope_kind(), FrameKind::Module | FrameKind::Class) {
            diagnostic.help = Some(format!(
                "outside a function there is no event loop to close on; move this into an \
                 `async def` and use `await {receiver}.close(code, reason)`"
            ));
        }
        checker.report(diagnostic);
    }
}

/// Without connection evidence, flag only where a websockets connection is plausible: the file
/// imports websockets, and nothing in it defines its own `fail_connection` (sanic does).
fn is_plausible_receiver(checker: &Checker, attr: &ExprAttribute) -> bool {
    if !checker.model.imports.any() || checker.model.definitions.defines_method("fail_connection") {
        return false;
    }
    let Expr::Name(receiver) = &*attr.value else {
        return true;
    };
    // `self.fail_connection()` in a class that is not a websockets connection is that class's
    // own method (maybe inherited from another library).
    if receiver.id.as_str() == "self" {
        return false;
    }
    // `feed = feeds.FeedSocket(...)`: an object another module or library makes, not awaited;
    // a legacy connection only comes from `await connect(...)` or the server.
    let made_elsewhere = checker.model.binding_of(receiver).is_some_and(|binding| {
        matches!(binding.kind, BindingKind::Assignment(Some(Expr::Call(call)))
            if checker.model.resolve_any(&call.func).is_some_and(|q| !is_websockets(&q)))
    });
    !made_elsewhere
}

fn fix(checker: &Checker, attr: &ExprAttribute, call: &ExprCall, known: bool) -> Option<Fix> {
    let args = &call.arguments;
    if args.args.iter().any(Expr::is_starred_expr) || args.keywords.iter().any(|k| k.arg.is_none())
    {
        return None; // `*args` / `**kwargs`: we cannot see the code.
    }
    let code_expr = args.args.first().or_else(|| {
        args.keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "code"))
            .map(|k| &k.value)
    });
    let kind = code_expr.map_or(CloseCodeKind::Unsendable, classify);
    let receiver = checker.slice(attr.value.range());
    match checker.scope_kind() {
        FrameKind::Function { is_async: true } => {
            if checker.settings.fail_connection_style == FailConnectionStyle::ProtocolFail {
                if let Some(fix) = protocol_fail_fix(checker, attr, call) {
                    return Some(fix);
                }
            }
            let mut edits = vec![Edit::replace(attr.attr.range(), "close")];
            if kind == CloseCodeKind::Unsendable {
                edits.push(Edit::replace(args.range(), "()"));
            }
            // `await ws.fail_connection()` (which awaited `None` and failed) is already awaited.
            let awaited = matches!(checker.ancestor_expr(2), Some(Expr::Await(_)));
            if !awaited {
                let parenthesize = needs_parentheses(checker, call);
                edits.push(Edit::insert(
                    call.start(),
                    if parenthesize { "(await " } else { "await " },
                ));
                if parenthesize {
                    edits.push(Edit::insert(call.end(), ")"));
                }
            }
            let (applicability, title) = match kind {
                CloseCodeKind::Sendable => (
                    Applicability::Safe,
                    format!(
                        "Replace with `await {receiver}.close(...)` (it waits for the closing \
                         handshake, up to `close_timeout`, 10 s by default, where \
                         `fail_connection()` returned at once)"
                    ),
                ),
                CloseCodeKind::Unsendable => (
                    Applicability::Unsafe,
                    format!(
                        "Replace with `await {receiver}.close()`: close code 1006 cannot be sent, \
                         so the peer now sees a normal closure (1000) instead of an abnormal one, \
                         and the call now waits for the closing handshake (up to `close_timeout`)"
                    ),
                ),
                CloseCodeKind::Unknown => (
                    Applicability::Unsafe,
                    format!(
                        "Replace with `await {receiver}.close(...)`: if the code is 1005, 1006 or \
                         1015 at run time, `close()` raises `ProtocolError`; it waits for the \
                         closing handshake (up to `close_timeout`)"
                    ),
                ),
            };
            let applicability = if known {
                applicability
            } else {
                Applicability::Unsafe
            };
            Some(Fix {
                applicability,
                title,
                edits,
            })
        }
        FrameKind::Function { is_async: false } | FrameKind::Lambda => {
            // No `await` here: schedule the closing handshake on the running loop, which is
            // what the synchronous `fail_connection()` started too.
            let importer = checker.importer();
            let asyncio = importer.import_module("asyncio", call.start());
            let arguments = if kind == CloseCodeKind::Unsendable {
                "()"
            } else {
                checker.slice(args.range())
            };
            let task = format!("{}.create_task({receiver}.close{arguments})", asyncio.local);
            // A statement of its own would drop the task (ruff RUF006: it may be collected
            // before it runs): keep it referenced until done, as the asyncio docs do.
            let function = checker.enclosing_function();
            if let (Some((stmt, indent)), Some(function)) =
                (statement_alone(checker, call), function)
            {
                let tasks = importer.module_binding("_background_tasks", "set()");
                let local = importer.fresh_local("close_task", function);
                let replacement = format!(
                    "{local} = {task}\n{indent}{set}.add({local})\n{indent}{local}.add_done_callback({set}.discard)",
                    set = tasks.local
                );
                let mut edits = vec![Edit::replace(stmt, replacement)];
                edits.extend(crate::fix::importer::joined([asyncio.edit, tasks.edit]));
                return Some(Fix::unsafe_(
                    format!(
                        "Schedule `{receiver}.close(...)` as a task kept in `{}`: this is not an \
                         `async def`, so it cannot await; the closing handshake now runs after \
                         this function returns, and errors of the task go unobserved",
                        tasks.local
                    ),
                    edits,
                ));
            }
            let mut edits = vec![Edit::replace(call.range(), task)];
            edits.extend(asyncio.edit);
            Some(Fix::unsafe_(
                format!(
                    "Schedule `{receiver}.close(...)` with `asyncio.create_task()`: this is not an \
                     `async def`, so it cannot await; the task is returned here (keep it \
                     referenced), and its errors go unobserved"
                ),
                edits,
            ))
        }
        FrameKind::Module | FrameKind::Class => None,
    }
}

/// The expression statement that is exactly `call`, alone on its line, and its indentation.
fn statement_alone<'a>(
    checker: &Checker<'a>,
    call: &ExprCall,
) -> Option<(ruff_text_size::TextRange, &'a str)> {
    let Some(Stmt::Expr(stmt)) = checker.current_stmt() else {
        return None;
    };
    if stmt.value.range() != call.range() {
        return None;
    }
    let line_start = checker.source[..stmt.start().to_usize()]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i + 1);
    let indent = &checker.source[line_start..stmt.start().to_usize()];
    indent
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some((stmt.range(), indent))
}

/// `async with ws.send_context(): ws.protocol.fail(code, reason)` in place of an expression
/// statement: keeps failing semantics (no closing handshake; 1006 allowed) at the price of
/// private API.
fn protocol_fail_fix(checker: &Checker, attr: &ExprAttribute, call: &ExprCall) -> Option<Fix> {
    let Some(Stmt::Expr(stmt)) = checker.current_stmt() else {
        return None;
    };
    if stmt.value.range() != call.range() || !is_simple_receiver(&attr.value) {
        return None;
    }
    let line_start = checker.source[..stmt.start().to_usize()]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i + 1);
    let indent = &checker.source[line_start..stmt.start().to_usize()];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None; // `x = 1; ws.fail_connection()`: not alone on its line.
    }
    let receiver = checker.slice(attr.value.range());
    let arguments = checker.slice(call.arguments.range());
    let arguments = if call.arguments.is_empty() {
        "(1006)"
    } else {
        arguments
    };
    let unit = if indent.contains('\t') { "\t" } else { "    " };
    Some(Fix::unsafe_(
        format!("Replace with `async with {receiver}.send_context(): {receiver}.protocol.fail(...)` (private API)"),
        vec![Edit::replace(
            stmt.range(),
            format!(
                "async with {receiver}.send_context():\n{indent}{unit}{receiver}.protocol.fail{arguments}"
            ),
        )],
    ))
}

fn is_simple_receiver(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) => true,
        Expr::Attribute(attr) => is_simple_receiver(&attr.value),
        _ => false,
    }
}

fn classify(code: &Expr) -> CloseCodeKind {
    match code {
        Expr::NumberLiteral(number) => match number.value.as_int().and_then(|i| i.as_u16()) {
            Some(value) if UNSENDABLE_CODES.iter().any(|(c, _)| *c == value) => {
                CloseCodeKind::Unsendable
            }
            Some(value) if (1000..=4999).contains(&value) => CloseCodeKind::Sendable,
            _ => CloseCodeKind::Unknown,
        },
        Expr::Attribute(attr) => {
            let name = attr.attr.as_str();
            if UNSENDABLE_CODES.iter().any(|(_, n)| *n == name) {
                CloseCodeKind::Unsendable
            } else if SENDABLE_CODE_NAMES.contains(&name) {
                CloseCodeKind::Sendable
            } else {
                CloseCodeKind::Unknown
            }
        }
        _ => CloseCodeKind::Unknown,
    }
}

/// `await` binds tighter than any binary operator but looser than attribute access, subscripts
/// and calls: `ws.fail_connection().x` must become `(await ws.close()).x`.
fn needs_parentheses(checker: &Checker, call: &ExprCall) -> bool {
    // While the attribute is visited, the call is its parent and the call's parent is next.
    let is_call = |e: &Expr| e.range() == call.range();
    match checker.ancestor_expr(2) {
        Some(Expr::Attribute(a)) => is_call(&a.value),
        Some(Expr::Subscript(s)) => is_call(&s.value),
        Some(Expr::Call(c)) => is_call(&c.func),
        Some(Expr::BinOp(b)) => b.op == ruff_python_ast::Operator::Pow,
        _ => false,
    }
}
