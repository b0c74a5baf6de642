//! WS103 `legacy-protocol-subclass`: a class deriving from a legacy protocol class
//! (`WebSocketServerProtocol`, `WebSocketClientProtocol`, `WebSocketCommonProtocol`, directly or
//! through classes of the file) customised the connection by overriding methods. The new
//! implementation takes most of these as arguments of `serve()` / `connect()`; the rest has no
//! equivalent. Report only: the code must change shape.
//!
//! Source: the overridable methods of websockets 13.1 `legacy/server.py`
//! (`WebSocketServerProtocol`), `legacy/client.py` (`WebSocketClientProtocol`),
//! `legacy/protocol.py` (`WebSocketCommonProtocol(asyncio.Protocol)`), `legacy/auth.py`; their
//! replacements in 17.4 `asyncio/server.py` (`serve(process_request=, process_response=,
//! select_subprotocol=, origins=, extensions=, create_connection=)`) and `asyncio/client.py`.

use ruff_python_ast::{Stmt, StmtClassDef};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, FixGroup, GroupRole, Severity};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::Implementation;

pub struct LegacyProtocolSubclass;

static META: RuleMeta = RuleMeta {
    code: "WS103",
    name: "legacy-protocol-subclass",
    family: Family::ImportsAndNames,
    summary: "Subclass of a legacy protocol class: move its overrides to `serve()` / `connect()` \
              arguments",
    fix: FixAvailability::None,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["Protocol"],
    doc: include_str!("../../rules/WS103.md"),
};

const NO_PROTOCOL: &str = "no equivalent: the new connection is not an `asyncio.Protocol` \
                           subclass whose callbacks you can override";
const HANDSHAKE: &str = "no equivalent: the Sans-I/O protocol performs the handshake; inspect \
                         or change it with `process_request=` / `process_response=`";
const PUBLIC_API: &str = "do not override it: wrap the connection in your own helper instead";

/// Overridable methods of the legacy classes → what they become.
const OVERRIDES: &[(&str, &str)] = &[
    (
        "process_request",
        "a `process_request=` callable given to `serve()`, called as \
         `(connection, request)`: read `request.path` / `request.headers`; return `None` to \
         continue or `connection.respond(status, text)` to reject",
    ),
    (
        "select_subprotocol",
        "a `select_subprotocol=` callable given to `serve()`, called as \
         `(connection, subprotocols)`; return the chosen one or `None`",
    ),
    (
        "process_response",
        "a `process_response=` callable given to `serve()`, called as \
         `(connection, request, response)`",
    ),
    (
        "process_origin",
        "the `origins=` argument of `serve()` (a list of strings, regexes or `None`)",
    ),
    (
        "process_extensions",
        "the `extensions=` argument of `serve()` / `connect()`",
    ),
    (
        "process_subprotocol",
        "the `subprotocols=` argument (and `select_subprotocol=` on a server)",
    ),
    (
        "check_credentials",
        "`process_request=websockets.asyncio.server.basic_auth(check_credentials=...)`",
    ),
    (
        "__init__",
        "no constructor to extend: keep per-connection state in the handler (a closure, \
         `functools.partial`, or a dict keyed by connection); a `ServerConnection` / \
         `ClientConnection` subclass given as `create_connection=` has a different constructor",
    ),
    ("handshake", HANDSHAKE),
    ("read_http_request", HANDSHAKE),
    ("write_http_response", HANDSHAKE),
    ("read_http_response", HANDSHAKE),
    ("write_http_request", HANDSHAKE),
    (
        "handler",
        "the connection handler given to `serve()`, called as `(connection)`",
    ),
    (
        "keepalive_ping",
        "the `ping_interval=` / `ping_timeout=` arguments",
    ),
    ("connection_made", NO_PROTOCOL),
    ("connection_lost", NO_PROTOCOL),
    ("data_received", NO_PROTOCOL),
    ("eof_received", NO_PROTOCOL),
    ("pause_writing", NO_PROTOCOL),
    ("resume_writing", NO_PROTOCOL),
    ("connection_open", NO_PROTOCOL),
    ("transfer_data", NO_PROTOCOL),
    ("read_message", NO_PROTOCOL),
    ("read_data_frame", NO_PROTOCOL),
    ("read_frame", NO_PROTOCOL),
    ("write_frame", NO_PROTOCOL),
    ("write_frame_sync", NO_PROTOCOL),
    ("write_close_frame", NO_PROTOCOL),
    ("close_connection", NO_PROTOCOL),
    ("close_transport", NO_PROTOCOL),
    ("fail_connection", NO_PROTOCOL),
    ("ensure_open", NO_PROTOCOL),
    ("recv", PUBLIC_API),
    ("send", PUBLIC_API),
    ("ping", PUBLIC_API),
    ("pong", PUBLIC_API),
    ("close", PUBLIC_API),
    ("wait_closed", PUBLIC_API),
];

impl Rule for LegacyProtocolSubclass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn interest(&self) -> Interest {
        Interest::NONE
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        let Stmt::ClassDef(class) = stmt else { return };
        let Some(base) = checker
            .model
            .definitions
            .classes
            .iter()
            .find(|c| c.def.range == class.range)
            .and_then(|c| c.connection_base)
        else {
            return;
        };
        if base.implementation != Implementation::Legacy {
            return;
        }
        let overrides = overridden(class);
        let mut help: Vec<String> = overrides
            .iter()
            .map(|(name, becomes)| format!("`{name}` → {becomes}"))
            .collect();
        if help.is_empty() {
            help.push(
                "use the connection classes as they are and pass hooks to `serve()` / \
                 `connect()` (`process_request=`, `select_subprotocol=`, ...)"
                    .to_string(),
            );
        }
        let direct = class.bases().iter().any(|b| b.range() == base.base);
        checker.report(
            Diagnostic::new(
                &META,
                format!(
                    "`{}` derives from the legacy `{}`{}; the new implementation is customised \
                     through `serve()` / `connect()` arguments instead",
                    class.name.as_str(),
                    checker.slice(base.base),
                    if direct {
                        ""
                    } else {
                        " (through a class of this file)"
                    }
                ),
                class.name.range(),
            )
            .with_help(help.join("\n"))
            .with_group(Some(FixGroup {
                key: base.origin.unwrap_or(base.base),
                role: GroupRole::Member,
                file: None,
            })),
        );
    }
}

/// The legacy methods this class defines, with what each becomes, in source order.
fn overridden(class: &StmtClassDef) -> Vec<(&str, &'static str)> {
    class
        .body
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::FunctionDef(def) => {
                let name = def.name.as_str();
                OVERRIDES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, becomes)| (name, *becomes))
            }
            _ => None,
        })
        .collect()
}
