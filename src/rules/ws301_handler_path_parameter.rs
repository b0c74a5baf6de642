//! WS301 `handler-path-parameter`: since websockets 14.0 (10.1 deprecated the second argument)
//! a connection handler receives only the connection; the path is `websocket.request.path`.
//! Upstream: docs/howto/upgrade.rst, "Arguments of serve".

use ruff_python_ast::ParameterWithDefault;
use ruff_text_size::Ranged;

use super::callback_code::{
    any_new, called_directly, insert_first_statement, name_uses, remove_parameter, serve_group,
    serving_as_handler,
};
use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::{Callable, ScopeId};

pub struct HandlerPathParameter;

static META: RuleMeta = RuleMeta {
    code: "WS301",
    name: "handler-path-parameter",
    family: Family::Callbacks,
    summary: "A connection handler takes `(websocket, path)`: it now receives only the connection",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["serve"],
    doc: include_str!("../../rules/WS301.md"),
};

impl Rule for HandlerPathParameter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    // `likely_handler`: a module-level `async def f(websocket, path)`, served by no `serve()`
    // (`async` is rarer than `path`, and every such handler has both).
    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&["async"])
    }

    fn interest(&self) -> Interest {
        Interest::NONE
    }

    fn callable(&self, checker: &Checker, callable: Callable) {
        check(checker, callable);
    }
}

fn check(checker: &Checker, callable: Callable) {
    let served = serving_as_handler(checker, callable.range());
    let Some(first) = served.first() else {
        return likely_handler(checker, callable);
    };
    let bound = first.callable.bound_positional;
    if served.iter().any(|s| s.callable.bound_positional != bound) {
        return; // Given with different bound arguments: we would be guessing.
    }
    let Some(parameters) = callable.parameters() else {
        return;
    };
    let positional: Vec<&ParameterWithDefault> = parameters
        .posonlyargs
        .iter()
        .chain(parameters.args.iter())
        .collect();
    let (Some(connection), Some(path)) = (positional.get(bound), positional.get(bound + 1)) else {
        return;
    };
    let by_keyword = |p: &ParameterWithDefault| {
        served
            .iter()
            .any(|s| s.callable.bound_by_keyword(p.parameter.name.as_str()))
    };
    if by_keyword(connection) || by_keyword(path) {
        // `partial(handler, listener=...)`: the second parameter is not the server's to fill,
        // so the handler already takes the connection only.
        return;
    }
    if path.default.is_some()
        || positional
            .get(bound + 2)
            .is_some_and(|p| p.default.is_none() && !by_keyword(p))
    {
        return; // The path is optional (works on both), or the handler needs more than two.
    }
    let connection = connection.parameter.name.as_str();
    let path_name = path.parameter.name.as_str();
    let severity = if any_new(&served) {
        Severity::Error
    } else {
        Severity::Deprecation
    };
    let (name, range) = match callable {
        Callable::Function(def) => (format!("`{}`", def.name), def.name.range()),
        Callable::Lambda(lambda) => ("This lambda".to_string(), lambda.range()),
    };
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "{name} takes `({connection}, {path_name})`: the new server (the default since \
             websockets 14.0) calls a connection handler with the connection only, so this \
             handler fails with `TypeError` and the client sees close code 1011"
        ),
        range,
    )
    .with_severity(severity)
    .with_help(format!(
        "drop `{path_name}`; read the path as `{connection}.request.path`"
    ));
    let sites: Vec<&str> = served.iter().filter_map(|s| s.site).collect();
    if !sites.is_empty() {
        diagnostic.message.push_str(&format!(
            " (it is served by `serve()` at {})",
            sites.join(", ")
        ));
    }
    if let Some(reason) = direct_call(checker, callable, bound, path_name) {
        diagnostic.help = Some(format!(
            "{reason}; give websockets a handler taking only `{connection}` that reads \
             `{connection}.request.path`"
        ));
        // Without a fix, the member keeps the legacy import from switching under it.
        checker.report(diagnostic.with_group(serve_group(&served)));
        return;
    }
    if let Some(edits) = edits(checker, callable, path, connection) {
        let uses = name_uses(checker, callable, path_name);
        let title = if uses.loads.is_empty() {
            format!("Remove the unused `{path_name}` parameter")
        } else {
            format!("Remove the `{path_name}` parameter and read `{connection}.request.path`")
        };
        diagnostic = diagnostic
            .with_fix(Fix::safe(title, edits))
            .with_group(serve_group(&served));
    }
    checker.report(diagnostic);
}

/// Why the function cannot simply lose its parameter: it is also called with a path.
fn direct_call(
    checker: &Checker,
    callable: Callable,
    bound: usize,
    path_name: &str,
) -> Option<String> {
    let Callable::Function(def) = callable else {
        return None;
    };
    let receiver = checker
        .model
        .definitions
        .function(def)
        .is_some_and(|f| f.takes_receiver());
    let positional = bound - usize::from(receiver) + 2;
    called_directly(checker, def, receiver, positional, path_name).then(|| {
        format!(
            "`{}` is also called directly with a path elsewhere in this file",
            def.name
        )
    })
}

fn edits(
    checker: &Checker,
    callable: Callable,
    path: &ParameterWithDefault,
    connection: &str,
) -> Option<Vec<Edit>> {
    let path_name = path.parameter.name.as_str();
    let mut edits = vec![remove_parameter(checker.source, path.range)?];
    let uses = name_uses(checker, callable, path_name);
    if uses.loads.is_empty() && !uses.rebound {
        return Some(edits);
    }
    match callable {
        Callable::Function(def) => edits.push(insert_first_statement(
            checker.source,
            &def.body,
            &format!("{path_name} = {connection}.request.path"),
        )?),
        Callable::Lambda(_) => {
            if uses.rebound {
                return None;
            }
            edits.extend(
                uses.loads
                    .iter()
                    .map(|&r| Edit::replace(r, format!("{connection}.request.path"))),
            );
        }
    }
    Some(edits)
}

/// A module-level `async def handler(websocket, path)` in a file that imports websockets, when
/// no `serve()` call is found in the file or anywhere in the project: most likely a handler
/// served by code we do not see. Reported with an unsafe fix that says it is not proven.
fn likely_handler(checker: &Checker, callable: Callable) {
    let Callable::Function(def) = callable else {
        return;
    };
    let model = checker.model;
    let at_module_level = model
        .bindings
        .created_at(def.name.range)
        .is_some_and(|id| model.bindings.binding(id).scope == ScopeId::MODULE);
    let served_somewhere = !model.definitions.serve_calls.is_empty()
        || model.external.is_some_and(|e| e.serve_elsewhere);
    if !def.is_async || !at_module_level || !model.imports.any() || served_somewhere {
        return;
    }
    let parameters = &def.parameters;
    let [connection, path] = parameters.args.as_slice() else {
        return;
    };
    let looks_like = matches!(
        connection.parameter.name.as_str(),
        "websocket" | "ws" | "connection" | "conn"
    ) && path.parameter.name.as_str() == "path";
    if !looks_like
        || !parameters.posonlyargs.is_empty()
        || path.default.is_some()
        || parameters.vararg.is_some()
        || !parameters.kwonlyargs.is_empty()
        || direct_call(checker, callable, 0, "path").is_some()
    {
        return;
    }
    let connection = connection.parameter.name.as_str();
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`{}` looks like a connection handler taking `({connection}, path)`: the new server \
             (the default since websockets 14.0) calls a handler with the connection only",
            def.name
        ),
        def.name.range(),
    )
    .with_severity(Severity::Deprecation)
    .with_help(format!(
        "not proven: no `serve()` call that uses it was found in this file or the checked \
         project; if websockets serves it, drop `path` and read `{connection}.request.path`"
    ));
    if let Some(edits) = edits(checker, callable, path, connection) {
        diagnostic = diagnostic.with_fix(Fix::unsafe_(
            format!(
                "Remove the `path` parameter and read `{connection}.request.path` (not proven to \
                 be a handler: no `serve()` found)"
            ),
            edits,
        ));
    }
    checker.report(diagnostic);
}
