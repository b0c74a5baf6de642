//! WS302 `process-request-signature`: the new server calls `process_request(connection, request)`
//! and expects `None` or a `Response` (`connection.respond(status, text)`), where the legacy one
//! called `process_request(path, request_headers)` and accepted `(status, headers, body)`.
//! Upstream: docs/howto/upgrade.rst, "Customizing the opening handshake".

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ParameterWithDefault, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange};

use super::callback_code::{
    any_new, mentions, name_uses, serve_group, serving_as_keyword, NameUses,
};
use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::{Callable, FrameKind, Implementation};
use crate::source::Locator;

pub struct ProcessRequestSignature;

static META: RuleMeta = RuleMeta {
    code: "WS302",
    name: "process-request-signature",
    family: Family::Callbacks,
    summary:
        "`process_request(path, request_headers)` is now `process_request(connection, request)`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["process_request"],
    doc: include_str!("../../rules/WS302.md"),
};

/// Attributes that only the new arguments have: the callable is already migrated.
const NEW_CONNECTION_ATTRIBUTES: &[&str] = &["respond", "request", "protocol", "remote_address"];
const NEW_REQUEST_ATTRIBUTES: &[&str] = &["path", "headers"];

impl Rule for ProcessRequestSignature {
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
        let Stmt::FunctionDef(def) = stmt else { return };
        if def.name.as_str() == "process_request" && is_legacy_protocol_method(checker) {
            report_override(checker, def);
        }
    }

    fn callable(&self, checker: &Checker, callable: Callable) {
        check_served(checker, callable);
    }
}

/// Is the def being visited a method of a legacy server protocol subclass?
fn is_legacy_protocol_method(checker: &Checker) -> bool {
    let frames = checker.frames();
    let Some(class) = frames.last().filter(|f| f.kind == FrameKind::Class) else {
        return false;
    };
    let key = crate::semantic::ClassKey(class.scope.offset());
    checker
        .model
        .definitions
        .class(key)
        .and_then(|c| c.connection_base)
        .is_some_and(|b| b.implementation == Implementation::Legacy)
}

fn report_override(checker: &Checker, def: &StmtFunctionDef) {
    let Some(params) = legacy_parameters(Callable::Function(def), 1) else {
        return;
    };
    let (path, headers) = (
        params.0.parameter.name.as_str(),
        params.1.parameter.name.as_str(),
    );
    checker.report(
        Diagnostic::new(
            &META,
            format!(
                "`process_request(self, {path}, {headers})` overrides a hook of the legacy \
                 protocol class; the new implementation has no protocol subclass to override"
            ),
            def.name.range(),
        )
        .with_severity(Severity::Deprecation)
        .with_help(
            "move it to a function `process_request(connection, request)` given to \
             `serve(process_request=...)`: `request.path`, `request.headers`, and return \
             `connection.respond(status, text)` instead of `(status, headers, body)` (see WS304)",
        ),
    );
}

/// The two positional parameters the caller supplies after `bound` ones, when there are exactly
/// two without defaults.
fn legacy_parameters(
    callable: Callable<'_>,
    bound: usize,
) -> Option<(&ParameterWithDefault, &ParameterWithDefault)> {
    let parameters = callable.parameters()?;
    let positional: Vec<&ParameterWithDefault> = parameters
        .posonlyargs
        .iter()
        .chain(parameters.args.iter())
        .skip(bound)
        .collect();
    match positional.as_slice() {
        [first, second] | [first, second, ..]
            if first.default.is_none()
                && second.default.is_none()
                && positional.get(2).is_none_or(|p| p.default.is_some()) =>
        {
            Some((first, second))
        }
        _ => None,
    }
}

fn check_served(checker: &Checker, callable: Callable) {
    let served = serving_as_keyword(checker, callable.range(), "process_request");
    let Some(first) = served.first() else { return };
    let Some((path, headers)) = legacy_parameters(callable, first.callable.bound_positional) else {
        return;
    };
    let path_name = path.parameter.name.as_str();
    let headers_name = headers.parameter.name.as_str();
    let path_uses = name_uses(checker, callable, path_name);
    let headers_uses = name_uses(checker, callable, headers_name);
    let returns = returns(callable);
    if !is_legacy(
        &served,
        (path_name, &path_uses),
        (headers_name, &headers_uses),
        &returns,
    ) {
        return;
    }
    let (name, range) = match callable {
        Callable::Function(def) => (format!("`{}`", def.name), def.name.range()),
        Callable::Lambda(lambda) => ("This lambda".to_string(), lambda.range()),
    };
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "{name} takes `({path_name}, {headers_name})`: the new server (the default since \
             websockets 14.0) calls `process_request(connection, request)`, so checks on the path \
             never match and a `(status, headers, body)` return drops the connection"
        ),
        range,
    )
    .with_severity(if any_new(&served) {
        Severity::Error
    } else {
        Severity::Deprecation
    });
    let rewrite = Rewrite {
        checker,
        callable,
        path,
        headers,
        path_uses: &path_uses,
        headers_uses: &headers_uses,
    };
    match rewrite.edits(&returns) {
        Ok(edits) => {
            diagnostic = diagnostic
                .with_fix(Fix::unsafe_(
                    "Take `(connection, request)`, read `request.path` / `request.headers`, \
                     return `connection.respond(status, text)`",
                    edits,
                ))
                .with_group(serve_group(&served));
        }
        Err(left) => {
            diagnostic = diagnostic.with_help(format!(
                "take `(connection, request)`, read `request.path` / `request.headers` and return \
                 `connection.respond(status, text)`; not rewritten automatically: {}",
                left.join("; ")
            ));
        }
    }
    checker.report(diagnostic);
}

/// Legacy unless the body already uses the new arguments; then positive evidence is needed: a
/// legacy `serve()`, legacy parameter names, or a tuple return.
fn is_legacy(
    served: &[super::callback_code::ServedCallable],
    path: (&str, &NameUses),
    headers: (&str, &NameUses),
    returns: &[Return],
) -> bool {
    let migrated = path
        .1
        .attributes
        .iter()
        .any(|a| NEW_CONNECTION_ATTRIBUTES.contains(&a.as_str()))
        || headers
            .1
            .attributes
            .iter()
            .any(|a| NEW_REQUEST_ATTRIBUTES.contains(&a.as_str()));
    if migrated {
        return false;
    }
    served
        .iter()
        .any(|s| s.implementation == Implementation::Legacy)
        || path.0 == "path"
        || headers.0.contains("headers")
        || returns
            .iter()
            .any(|r| matches!(r.value, Some(Expr::Tuple(t)) if t.elts.len() == 3))
}

/// A `return` of the callable (a lambda's body counts as one), or a `raise`.
struct Return<'a> {
    range: TextRange,
    value: Option<&'a Expr>,
    is_raise: bool,
}

fn returns(callable: Callable<'_>) -> Vec<Return<'_>> {
    match callable {
        Callable::Lambda(lambda) => vec![Return {
            range: lambda.body.range(),
            value: Some(&lambda.body),
            is_raise: false,
        }],
        Callable::Function(def) => {
            let mut finder = ReturnFinder { found: Vec::new() };
            for stmt in &def.body {
                finder.visit_stmt(stmt);
            }
            finder.found
        }
    }
}

struct ReturnFinder<'a> {
    found: Vec<Return<'a>>,
}

impl<'a> Visitor<'a> for ReturnFinder<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::Return(ret) => self.found.push(Return {
                range: ret.range,
                value: ret.value.as_deref(),
                is_raise: false,
            }),
            Stmt::Raise(raise) => self.found.push(Return {
                range: raise.range,
                value: raise.exc.as_deref(),
                is_raise: true,
            }),
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if !matches!(expr, Expr::Lambda(_)) {
            walk_expr(self, expr);
        }
    }
}

struct Rewrite<'r, 'c> {
    checker: &'r Checker<'c>,
    callable: Callable<'r>,
    path: &'r ParameterWithDefault,
    headers: &'r ParameterWithDefault,
    path_uses: &'r NameUses,
    headers_uses: &'r NameUses,
}

impl Rewrite<'_, '_> {
    /// The edits, or what stands in the way (one entry per obstacle, with its line).
    fn edits(&self, returns: &[Return]) -> Result<Vec<Edit>, Vec<String>> {
        let locator = Locator::new(self.checker.source);
        let line = |range: TextRange| locator.location(range.start()).row;
        let mut left = Vec::new();
        let path_name = self.path.parameter.name.as_str();
        let headers_name = self.headers.parameter.name.as_str();
        if self.path_uses.rebound || self.headers_uses.rebound {
            left.push(format!(
                "`{path_name}` or `{headers_name}` is reassigned in the body"
            ));
        }
        for new in ["connection", "request"] {
            if new != path_name && new != headers_name && mentions(self.checker, self.callable, new)
            {
                left.push(format!("the body already uses the name `{new}`"));
            }
        }
        let mut edits = vec![
            Edit::replace(self.path.range, "connection"),
            Edit::replace(self.headers.range, "request"),
        ];
        edits.extend(
            self.path_uses
                .loads
                .iter()
                .map(|&r| Edit::replace(r, "request.path")),
        );
        edits.extend(
            self.headers_uses
                .loads
                .iter()
                .map(|&r| Edit::replace(r, "request.headers")),
        );
        for ret in returns {
            match self.response(ret) {
                Ok(Some(edit)) => edits.push(edit),
                Ok(None) => {}
                Err(why) => left.push(format!("line {}: {why}", line(ret.range))),
            }
        }
        if left.is_empty() {
            Ok(edits)
        } else {
            Err(left)
        }
    }

    /// The edit turning one return into `connection.respond(...)` (none for `return None`).
    fn response(&self, ret: &Return) -> Result<Option<Edit>, String> {
        if ret.is_raise {
            return match ret.value {
                Some(exc) if raises_abort_handshake(exc) => Err(
                    "`raise AbortHandshake(...)` must become `return connection.respond(status, \
                     text)` (with headers set on the response) — see WS105"
                        .to_string(),
                ),
                _ => Ok(None), // Both servers answer 500 to other exceptions.
            };
        }
        let value = match ret.value {
            None | Some(Expr::NoneLiteral(_)) => return Ok(None),
            Some(value) => value,
        };
        let Expr::Tuple(tuple) = value else {
            return Err(format!(
                "returns `{}`, not a `(status, headers, body)` tuple",
                self.checker.slice(value.range())
            ));
        };
        let [status, headers, body] = tuple.elts.as_slice() else {
            return Err("returns a tuple that is not `(status, headers, body)`".to_string());
        };
        if !is_status(self.checker, status) {
            return Err(format!(
                "the status `{}` is not an int or `HTTPStatus` member",
                self.checker.slice(status.range())
            ));
        }
        if !is_empty_literal(headers) {
            return Err(format!(
                "the headers `{}` must be set on the response: `response = \
                 connection.respond(...)`, then `response.headers[...] = ...`",
                self.checker.slice(headers.range())
            ));
        }
        let Some(text) = body_text(body) else {
            return Err(format!(
                "the body `{}` is not a UTF-8 bytes literal; `respond()` takes text",
                self.checker.slice(body.range())
            ));
        };
        Ok(Some(Edit::replace(
            value.range(),
            format!(
                "connection.respond({}, {text})",
                self.checker.slice(status.range())
            ),
        )))
    }
}

fn raises_abort_handshake(exc: &Expr) -> bool {
    let target = match exc {
        Expr::Call(call) => &*call.func,
        other => other,
    };
    match target {
        Expr::Name(n) => n.id.as_str() == "AbortHandshake",
        Expr::Attribute(a) => a.attr.as_str() == "AbortHandshake",
        _ => false,
    }
}

fn is_status(checker: &Checker, status: &Expr) -> bool {
    match status {
        Expr::NumberLiteral(n) => n
            .value
            .as_int()
            .and_then(|i| i.as_u16())
            .is_some_and(|c| (100..=599).contains(&c)),
        Expr::Attribute(attr) => checker.slice(attr.value.range()).ends_with("HTTPStatus"),
        _ => false,
    }
}

fn is_empty_literal(expr: &Expr) -> bool {
    match expr {
        Expr::List(l) => l.elts.is_empty(),
        Expr::Tuple(t) => t.elts.is_empty(),
        Expr::Dict(d) => d.is_empty(),
        _ => false,
    }
}

/// A bytes literal as a Python string literal with the same UTF-8 text.
fn body_text(body: &Expr) -> Option<String> {
    let Expr::BytesLiteral(bytes) = body else {
        return None;
    };
    let raw: Vec<u8> = bytes.value.bytes().collect();
    let text = String::from_utf8(raw).ok()?;
    Some(python_string_literal(&text))
}

fn python_string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::python_string_literal;

    #[test]
    fn string_literals_escape_what_python_needs() {
        assert_eq!(python_string_literal("OK\n"), r#""OK\n""#);
        assert_eq!(python_string_literal("a\"b\\c\x01é"), r#""a\"b\\c\x01é""#);
    }
}
