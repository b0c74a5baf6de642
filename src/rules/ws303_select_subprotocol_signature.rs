//! WS303 `select-subprotocol-signature`: the new server calls `select_subprotocol(connection,
//! subprotocols)` with the client's offer only; the legacy one called
//! `select_subprotocol(client_subprotocols, server_subprotocols)`.
//! Upstream: docs/howto/upgrade.rst, "Customizing the opening handshake".

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{CmpOp, Expr, ParameterWithDefault, Stmt};
use ruff_text_size::Ranged;

use super::callback_code::{
    any_new, keyword, mentions, name_uses, serve_group, serving_as_keyword, ServedCallable,
};
use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::{BindingId, Bindings};
use crate::semantic::{Callable, Implementation};

pub struct SelectSubprotocolSignature;

static META: RuleMeta = RuleMeta {
    code: "WS303",
    name: "select-subprotocol-signature",
    family: Family::Callbacks,
    summary: "`select_subprotocol(client_subprotocols, server_subprotocols)` is now \
              `select_subprotocol(connection, subprotocols)`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["select_subprotocol"],
    doc: include_str!("../../rules/WS303.md"),
};

/// Attributes only a connection has: the callable already takes `(connection, subprotocols)`.
const CONNECTION_ATTRIBUTES: &[&str] = &[
    "request",
    "protocol",
    "remote_address",
    "local_address",
    "respond",
    "id",
    "logger",
];

/// Builtins that take a sequence: a connection would not be passed to them.
const SEQUENCE_BUILTINS: &[&str] = &[
    "set",
    "frozenset",
    "len",
    "list",
    "sorted",
    "tuple",
    "max",
    "min",
];

impl Rule for SelectSubprotocolSignature {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::NONE
    }

    fn callable(&self, checker: &Checker, callable: Callable) {
        check(checker, callable);
    }
}

fn check(checker: &Checker, callable: Callable) {
    let served = serving_as_keyword(checker, callable.range(), "select_subprotocol");
    let Some(first) = served.first() else { return };
    let Some((client, server)) = two_parameters(callable, first.callable.bound_positional) else {
        return;
    };
    let client_name = client.parameter.name.as_str();
    let server_name = server.parameter.name.as_str();
    let client_uses = name_uses(checker, callable, client_name);
    let server_uses = name_uses(checker, callable, server_name);
    if client_uses
        .attributes
        .iter()
        .any(|a| CONNECTION_ATTRIBUTES.contains(&a.as_str()))
    {
        return; // Already `(connection, subprotocols)`.
    }
    let legacy = served
        .iter()
        .any(|s| s.implementation == Implementation::Legacy)
        || client_name.contains("client")
        || server_name.contains("server")
        || used_as_sequence(checker, callable, client_name);
    if !legacy {
        return;
    }
    let (name, range) = match callable {
        Callable::Function(def) => (format!("`{}`", def.name), def.name.range()),
        Callable::Lambda(lambda) => ("This lambda".to_string(), lambda.range()),
    };
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "{name} takes `({client_name}, {server_name})`: the new server (the default since \
             websockets 14.0) calls `select_subprotocol(connection, subprotocols)` with the \
             client's offer only, so this raises `TypeError` and the handshake fails with HTTP 500"
        ),
        range,
    )
    .with_severity(if any_new(&served) {
        Severity::Error
    } else {
        Severity::Deprecation
    });
    let clash = ["connection", "subprotocols"]
        .into_iter()
        .find(|new| *new != client_name && *new != server_name && mentions(checker, callable, new));
    if !server_uses.loads.is_empty() || server_uses.rebound {
        diagnostic = diagnostic.with_help(format!(
            "take `(connection, subprotocols)`; the server's list is no longer passed: use {} \
             in place of `{server_name}`",
            server_list(checker, &served)
        ));
    } else if client_uses.rebound || clash.is_some() {
        diagnostic = diagnostic.with_help(
            "take `(connection, subprotocols)` (the client's offer); not rewritten automatically: \
             a parameter is reassigned or the new names are already used in the body",
        );
    } else {
        let mut edits = vec![
            Edit::replace(client.range, "connection"),
            Edit::replace(server.range, "subprotocols"),
        ];
        edits.extend(
            client_uses
                .loads
                .iter()
                .map(|&r| Edit::replace(r, "subprotocols")),
        );
        diagnostic = diagnostic
            .with_fix(Fix::unsafe_(
                "Take `(connection, subprotocols)`: it is now also called when the client offers \
                 no subprotocol (with an empty list)",
                edits,
            ))
            .with_group(serve_group(&served));
    }
    checker.report(diagnostic);
}

fn two_parameters(
    callable: Callable<'_>,
    bound: usize,
) -> Option<(&ParameterWithDefault, &ParameterWithDefault)> {
    let parameters = callable.parameters()?;
    let mut positional = parameters
        .posonlyargs
        .iter()
        .chain(parameters.args.iter())
        .skip(bound);
    let (first, second) = (positional.next()?, positional.next()?);
    let required = |p: &ParameterWithDefault| p.default.is_none();
    (required(first) && required(second) && positional.all(|p| !required(p)))
        .then_some((first, second))
}

/// What to write for the server's list: the `subprotocols=` argument of the `serve()` call.
fn server_list(checker: &Checker, served: &[ServedCallable]) -> String {
    served
        .iter()
        .find_map(|s| s.call.and_then(|c| keyword(c, "subprotocols")))
        .map_or_else(
            || "the list you give to `serve(subprotocols=...)`".to_string(),
            |k| {
                format!(
                    "the list given to `serve(subprotocols=...)` (`{}`)",
                    checker.slice(k.value.range())
                )
            },
        )
}

/// Is `name` used as a sequence (`x in name`, `for x in name`, `set(name)`)? A connection is not.
fn used_as_sequence(checker: &Checker, callable: Callable, name: &str) -> bool {
    let bindings = &checker.model.bindings;
    let Some(scope) = bindings.scope_of(callable.range()) else {
        return false;
    };
    let mut finder = SequenceUse {
        bindings,
        ids: bindings.scope(scope).bindings_of(name),
        found: false,
    };
    match callable {
        Callable::Function(def) => finder.visit_body(&def.body),
        Callable::Lambda(lambda) => finder.visit_expr(&lambda.body),
    }
    finder.found
}

/// Reads of the parameter's bindings (`ids`) as a sequence.
struct SequenceUse<'m, 'a> {
    bindings: &'m Bindings<'a>,
    ids: &'m [BindingId],
    found: bool,
}

impl SequenceUse<'_, '_> {
    fn is_name(&self, expr: &Expr) -> bool {
        self.ids
            .iter()
            .any(|id| self.bindings.reads_binding(expr, *id))
    }
}

impl<'a> Visitor<'a> for SequenceUse<'_, '_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Compare(cmp) => {
                if cmp
                    .ops
                    .iter()
                    .zip(cmp.comparators.iter())
                    .any(|(op, right)| {
                        matches!(op, CmpOp::In | CmpOp::NotIn) && self.is_name(right)
                    })
                {
                    self.found = true;
                }
            }
            Expr::Call(call) => {
                if matches!(&*call.func, Expr::Name(f) if SEQUENCE_BUILTINS.contains(&f.id.as_str())
                    && self.bindings.reference(f.range) == Some(None))
                    && call.arguments.args.iter().any(|a| self.is_name(a))
                {
                    self.found = true;
                }
            }
            _ => {
                if comprehension_sources(expr).any(|iter| self.is_name(iter)) {
                    self.found = true;
                }
            }
        }
        walk_expr(self, expr);
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::For(f) = stmt {
            if self.is_name(&f.iter) {
                self.found = true;
            }
        }
        ruff_python_ast::visitor::walk_stmt(self, stmt);
    }
}

/// The iterables of a comprehension's `for` clauses.
fn comprehension_sources(expr: &Expr) -> impl Iterator<Item = &Expr> {
    let generators = match expr {
        Expr::ListComp(c) => c.generators.as_slice(),
        Expr::SetComp(c) => c.generators.as_slice(),
        Expr::Generator(c) => c.generators.as_slice(),
        Expr::DictComp(c) => c.generators.as_slice(),
        _ => &[],
    };
    generators.iter().map(|g| &g.iter)
}
