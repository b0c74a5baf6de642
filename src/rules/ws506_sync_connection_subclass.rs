//! WS506 `sync-connection-subclass`: a subclass of the threading `ClientConnection` /
//! `ServerConnection` (given as `create_connection=`) whose `__init__` cannot take what
//! `connect()` / `serve()` pass: `max_queue=` (since 14.0), `ping_interval=` / `ping_timeout=`
//! (15.0), and for a server connection a third positional argument, the `Server` (17.0).
//! Source: `inspect.signature(...__init__)` in 13.1, 14.0, 15.0, 17.0; 17.4 `sync/server.py`
//! (`create_connection(sock, protocol, server, ping_interval=..., ...)`).

use ruff_python_ast::{Stmt, StmtFunctionDef};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::sync_api::CONNECTION_CLASSES;
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct SyncConnectionSubclass;

static META: RuleMeta = RuleMeta {
    code: "WS506",
    name: "sync-connection-subclass",
    family: Family::Threading,
    summary: "Threading connection subclass whose `__init__` cannot take the arguments `connect()` / `serve()` pass",
    fix: FixAvailability::None,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["Connection"],
    doc: include_str!("../../rules/WS506.md"),
};

/// Keyword arguments the factory passes, and the release that added each.
const KEYWORDS: &[(&str, Version)] = &[
    ("max_queue", Version::V14_0),
    ("ping_interval", Version::V15_0),
    ("ping_timeout", Version::V15_0),
    ("close_timeout", Version::new(11, 0)),
];

impl Rule for SyncConnectionSubclass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        let Stmt::ClassDef(class) = stmt else { return };
        let Some(base) = class.bases().iter().find_map(|b| {
            let q = checker.model.resolve(b)?;
            CONNECTION_CLASSES
                .iter()
                .find(|(c, _)| *c == q)
                .map(|(c, _)| *c)
        }) else {
            return;
        };
        let Some(init) = class.body.iter().find_map(|s| match s {
            Stmt::FunctionDef(def) if def.name.as_str() == "__init__" => Some(def),
            _ => None,
        }) else {
            return;
        };
        let target = checker.settings.target.version;
        let server = base.ends_with("ServerConnection");
        let problems = problems(init, server, target);
        if problems.is_empty() {
            return;
        }
        let class_name = base.rsplit('.').next().unwrap_or(base);
        checker.report(
            Diagnostic::new(
                &META,
                format!(
                    "`{}.__init__` cannot take what websockets {target} passes to a `{class_name}` \
                     created through `create_connection=`: {}; the connection fails with \
                     `TypeError`",
                    class.name.as_str(),
                    problems.join(", ")
                ),
                init.name.range(),
            )
            .with_help(format!(
                "accept and forward the base class's arguments: `def __init__(self, *args, **kwargs)` \
                 then `super().__init__(*args, **kwargs)`; 17.x calls `{class_name}(sock, protocol{}, \
                 ping_interval=..., ping_timeout=..., close_timeout=..., max_queue=...)`",
                if server { ", server" } else { "" }
            )),
        );
    }
}

/// What `init` cannot accept at `target`.
fn problems(init: &StmtFunctionDef, server: bool, target: Version) -> Vec<String> {
    let params = &init.parameters;
    let mut problems = Vec::new();
    let positional = params.posonlyargs.len() + params.args.len();
    // `self`, `sock`, `protocol`, and since 17.0 the server.
    let needed = if server && target >= Version::V17_0 {
        4
    } else {
        3
    };
    if params.vararg.is_none() && positional < needed {
        problems.push(if needed == 4 {
            "the `server` positional argument (17.0)".to_string()
        } else {
            "the `sock` and `protocol` positional arguments".to_string()
        });
    }
    // `(self, socket, protocol, close_timeout=10)`: the server, passed third since 17.0, lands
    // in a parameter that is also passed by keyword.
    if needed == 4 {
        let third = params.posonlyargs.iter().chain(&params.args).nth(3);
        if let Some(third) = third.filter(|p| {
            KEYWORDS
                .iter()
                .any(|(k, _)| *k == p.parameter.name.as_str())
        }) {
            problems.push(format!(
                "the `server` positional argument (17.0), which lands in `{}`",
                third.parameter.name.as_str()
            ));
        }
    }
    if params.kwarg.is_none() {
        for (name, since) in KEYWORDS {
            let accepted = params.iter().any(|p| p.name().as_str() == *name);
            if !accepted && *since <= target {
                problems.push(format!("`{name}=` ({since})"));
            }
        }
    }
    problems
}
