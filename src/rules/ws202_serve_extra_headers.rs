//! WS202 `serve-extra-headers`: `serve(extra_headers=...)` is gone; the new implementation adds
//! response headers in a `process_response(connection, request, response)` callable, and has
//! `server_header=` for the `Server` header.
//! Upstream: docs/howto/upgrade.rst; websockets 13.1 `legacy/server.py`
//! (`WebSocketServerProtocol.handshake`: `extra_headers` may be headers or a callable
//! `(path, request_headers)`; applied with `update()` before `Server` is set with
//! `setdefault()`), websockets 17.4 `asyncio/server.py` (`ServerConnection.handshake`: `Server`
//! is set from `server_header`, then `process_response(self, self.request, self.response)`).

use ruff_python_ast::{Arguments, Expr, Keyword};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::header_literal::{header_pairs, lone_header};
use crate::rules::websockets_call::{CallKind, WebsocketsCall};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::{FrameKind, ScopeId};

pub struct ServeExtraHeaders;

static META: RuleMeta = RuleMeta {
    code: "WS202",
    name: "serve-extra-headers",
    family: Family::CallArguments,
    summary: "`serve(extra_headers=...)` must become a `process_response` callable",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["extra_headers"],
    doc: include_str!("../../rules/WS202.md"),
};

/// What `extra_headers=` holds, as far as the source tells.
enum HeadersValue {
    /// A dict / list / tuple literal of headers; whether it sets `Server`.
    Literal { sets_server: bool },
    /// A function or lambda called with `(path, request_headers)`.
    Callable,
    /// A variable: headers or a callable.
    Unknown,
}

impl Rule for ServeExtraHeaders {
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
        if target.kind != CallKind::Serve {
            return;
        }
        let Some(keyword) = target.keyword("extra_headers") else {
            if let Some(key) = target.unpacked_key(checker, "extra_headers") {
                let diagnostic = Diagnostic::new(
                    &META,
                    format!(
                        "`\"extra_headers\"`, unpacked into `serve()`, does not exist in the new \
                         implementation; {}",
                        target.consequence()
                    ),
                    key,
                )
                .with_help(
                    "pass `process_response=f` with `def f(connection, request, response): \
                     response.headers.update(...)`; for the `Server` header use `server_header=`",
                );
                checker.report(target.diagnostic(checker, diagnostic, None));
            }
            return;
        };
        let mut diagnostic = Diagnostic::new(
            &META,
            format!(
                "`extra_headers=` of `serve()` does not exist in the new implementation; {}",
                target.consequence()
            ),
            keyword.range(),
        )
        .with_help(
            "pass `process_response=f` with `def f(connection, request, response): \
             response.headers.update(...)`; for the `Server` header use `server_header=`",
        );
        let server = lone_header(&keyword.value, "Server");
        if let (Some(value), None) = (server, target.keyword("server_header")) {
            diagnostic = diagnostic.with_fix(Fix::safe(
                "Replace with `server_header=`",
                vec![Edit::replace(
                    keyword.range(),
                    format!("server_header={}", checker.slice(value.range())),
                )],
            ));
        } else if target.keyword("process_response").is_some() {
            diagnostic.help = Some(
                "`process_response=` is given too: add these headers to `response.headers` in it"
                    .to_string(),
            );
        } else if let Some(fix) = process_response_fix(checker, &target, keyword) {
            diagnostic = diagnostic.with_fix(fix);
        } else {
            diagnostic.help = Some(
                "the value uses names of the enclosing scope, out of reach of a module-level \
                 function: define `def process_response(connection, request, response)` next \
                 to this call, updating `response.headers`, and pass `process_response=`"
                    .to_string(),
            );
        }
        checker.report(target.diagnostic(checker, diagnostic, Some("process_response")));
    }
}

/// A module-level `process_response` function, inserted before the statement that contains the
/// call, doing what `extra_headers=` did; the keyword becomes `process_response=<name>`.
fn process_response_fix(
    checker: &Checker,
    target: &WebsocketsCall,
    keyword: &Keyword,
) -> Option<Fix> {
    let value = &keyword.value;
    if !movable_to_module(checker, value) {
        return None;
    }
    let top = checker.top_level_stmt()?;
    let line_start = checker.source[..top.start().to_usize()]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i + 1);
    if line_start != top.start().to_usize() {
        return None; // `x = 1; serve(...)`: no line of its own to insert before.
    }
    let kind = classify(checker, value);
    let headers = checker.slice(value.range());
    // A lambda must be parenthesized to be called.
    let callee = if value.is_lambda_expr() {
        format!("({headers})")
    } else {
        headers.to_string()
    };
    let body = match kind {
        HeadersValue::Literal { sets_server } => {
            // Legacy: a `Server` in extra_headers won over `server_header`; the new server sets
            // `Server` before calling process_response, so drop it first.
            let drop_server = if sets_server {
                "    response.headers.pop(\"Server\", None)\n"
            } else {
                ""
            };
            format!("{drop_server}    response.headers.update({headers})\n")
        }
        HeadersValue::Callable => format!(
            "    headers = {callee}(request.path, request.headers)\n    if headers is not None:\n        response.headers.update(headers)\n"
        ),
        HeadersValue::Unknown => format!(
            "    headers = {headers}\n    if callable(headers):\n        headers = headers(request.path, request.headers)\n    if headers is not None:\n        response.headers.update(headers)\n"
        ),
    };
    let name = function_name(checker, target);
    let function = format!(
        "def {name}(connection, request, response):\n    # Was `extra_headers=` of `serve()`, \
         which applied to the handshake response only.\n    if response.status_code != 101:\n        \
         return None\n{body}\n\n"
    );
    let edits = vec![
        Edit::insert(top.start(), function),
        Edit::replace(keyword.range(), format!("process_response={name}")),
    ];
    Some(Fix::unsafe_(
        format!(
            "Move the headers into a module-level `{name}()` and pass `process_response={name}`"
        ),
        edits,
    ))
}

fn classify(checker: &Checker, value: &Expr) -> HeadersValue {
    if let Some(pairs) = header_pairs(value) {
        return HeadersValue::Literal {
            sets_server: pairs.iter().any(|(n, _)| n.eq_ignore_ascii_case("Server")),
        };
    }
    match value {
        Expr::Lambda(_) => HeadersValue::Callable,
        Expr::Name(_) | Expr::Attribute(_) if checker.model.resolve_callable(value).is_some() => {
            HeadersValue::Callable
        }
        _ => HeadersValue::Unknown,
    }
}

/// The value keeps its meaning at module level: every name it reads is a module-level binding,
/// a builtin, or bound inside the value itself (a lambda parameter); a parameter or local
/// variable of an enclosing function would be out of reach there.
fn movable_to_module(checker: &Checker, value: &Expr) -> bool {
    if checker
        .frames()
        .last()
        .is_some_and(|f| matches!(f.kind, FrameKind::Class))
    {
        return false; // Class attributes are not visible from module-level functions either.
    }
    let bindings = &checker.model.bindings;
    bindings.reads_in(value.range()).all(|(_, _, resolved)| {
        resolved.is_none_or(|id| {
            let scope = bindings.binding(id).scope;
            scope == ScopeId::MODULE || value.range().contains_range(bindings.scope(scope).range)
        })
    })
}

/// `process_response`, `process_response_2`, ...: the n-th name the file does not use yet, n
/// being this call's rank among the `serve(extra_headers=...)` calls, so that the fixes of one
/// pass never pick the same name.
fn function_name(checker: &Checker, target: &WebsocketsCall) -> String {
    let rank = checker
        .model
        .definitions
        .serve_calls
        .iter()
        .filter(|s| s.through.is_none() && gets_process_response(&s.call.arguments))
        .position(|s| s.call.range() == target.call.range())
        .unwrap_or(0);
    (1..)
        .map(|n| match n {
            1 => "process_response".to_string(),
            n => format!("process_response_{n}"),
        })
        .filter(|name| !contains_identifier(checker.source, name))
        .nth(rank)
        .unwrap_or_else(|| "process_response".to_string())
}

/// Would this call's `extra_headers=` become a `process_response` function (as far as the call
/// alone tells)?
fn gets_process_response(arguments: &Arguments) -> bool {
    let Some(keyword) = arguments.find_keyword("extra_headers") else {
        return false;
    };
    let server_only = lone_header(&keyword.value, "Server").is_some()
        && arguments.find_keyword("server_header").is_none();
    !server_only && arguments.find_keyword("process_response").is_none()
}

fn contains_identifier(source: &str, ident: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    source.match_indices(ident).any(|(i, _)| {
        let before = source[..i].chars().next_back();
        let after = source[i + ident.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}
