//! WS005 `private-connection-internals`: the rest of the legacy connection's attributes and
//! methods, mostly private, that the new connection does not have.
//!
//! The table is the set difference of the attributes (class attributes, properties, methods and
//! every `self.X = ...`, through the MRO) of websockets 13.1 `legacy.protocol.
//! WebSocketCommonProtocol`, `legacy.client.WebSocketClientProtocol` and `legacy.server.
//! WebSocketServerProtocol` minus those of 17.4 `asyncio.connection.Connection`,
//! `asyncio.client.ClientConnection` and `asyncio.server.ServerConnection`, minus dunders,
//! `asyncio.Protocol`'s own methods, and the names WS001–WS004 cover. Names present in both with
//! another meaning (`handler`, `handshake`) are left out: they exist at 17.4. `close_code` and
//! `close_reason` are in both at 13.1 and 17.4 but missing in 14.0, hence `until`.

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::connection_attribute::{is_load, legacy_group};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::{Implementation, Side};

pub struct PrivateConnectionInternals;

static META: RuleMeta = RuleMeta {
    code: "WS005",
    name: "private-connection-internals",
    family: Family::ConnectionAttributes,
    summary: "Private or removed attribute of the legacy connection that the new one lacks",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    // The table is long: any file that mentions websockets is checked.
    needles: &[],
    doc: include_str!("../../rules/WS005.md"),
};

/// Which legacy classes define the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Defined {
    /// `WebSocketCommonProtocol`, so both sides.
    Common,
    Client,
    Server,
    /// Both subclasses, not the common base.
    ClientAndServer,
}

impl Defined {
    fn on(self, side: Side) -> bool {
        !matches!(
            (self, side),
            (Defined::Client, Side::Server) | (Defined::Server, Side::Client)
        )
    }
}

struct Internal {
    name: &'static str,
    defined: Defined,
    advice: &'static str,
    /// An exact public replacement, written after `<receiver>.`.
    replacement: Option<&'static str>,
    /// Missing only on targets before this version (it exists again later).
    until: Option<Version>,
}

const fn entry(name: &'static str, defined: Defined, advice: &'static str) -> Internal {
    Internal {
        name,
        defined,
        advice,
        replacement: None,
        until: None,
    }
}

const NO_EQUIVALENT: &str = "internal state of the legacy implementation; the new connection has \
                             no equivalent";
const CONFIGURATION: &str = "the new connection does not keep its configuration as attributes: \
                             keep the value you pass to `connect()` / `serve()` (some arguments \
                             were renamed or changed meaning)";
const USE_RECV: &str = "internal reader of the legacy implementation: use `recv()` or \
                        `recv_streaming()` (or `async for message in ws`)";
const USE_SEND: &str = "internal writer of the legacy implementation: use `send()`, `ping()`, \
                        `pong()` or `close()`";
const USE_WAIT_CLOSED: &str = "internal closing machinery of the legacy implementation: use \
                               `await ws.wait_closed()` to wait for the end of the connection, \
                               `await ws.close()` to end it";
const USE_CONNECTION_CLOSED: &str = "internal closing state of the legacy implementation: catch \
                                     `ConnectionClosed` and read its `rcvd` / `sent` close frames";
const USE_SERVE_CALLBACK: &str = "the new connection is not subclassed to customise the \
                                  handshake: pass `process_request=`, `process_response=` or \
                                  `select_subprotocol=` to `serve()` (see WS103)";
const USE_HANDSHAKE_OBJECTS: &str = "the handshake is done by the new connection itself: read \
                                     `ws.request` / `ws.response`, or customise it with \
                                     `process_request=` / `process_response=` (server)";

/// Derived from websockets 13.1 and 17.4 as described at the top of this file.
/// `INTERNALS` by name: this runs for every attribute access of every checked file.
fn internal(name: &str) -> Option<&'static Internal> {
    static BY_NAME: std::sync::OnceLock<rustc_hash::FxHashMap<&str, &Internal>> =
        std::sync::OnceLock::new();
    BY_NAME
        .get_or_init(|| INTERNALS.iter().map(|i| (i.name, i)).collect())
        .get(name)
        .copied()
}

const INTERNALS: &[Internal] = &[
    entry("abort_pings", Defined::Common, NO_EQUIVALENT),
    entry("available_extensions", Defined::ClientAndServer, CONFIGURATION),
    entry("available_subprotocols", Defined::ClientAndServer, CONFIGURATION),
    entry("close_connection", Defined::Common, USE_WAIT_CLOSED),
    entry("close_connection_task", Defined::Common, USE_WAIT_CLOSED),
    Internal {
        until: Some(Version::V14_1),
        ..entry(
            "close_code",
            Defined::Common,
            "missing in websockets 14.0 (back in 14.1): catch `ConnectionClosed` and read \
             `exc.rcvd.code`, or target 14.1 or later",
        )
    },
    Internal {
        until: Some(Version::V14_1),
        ..entry(
            "close_reason",
            Defined::Common,
            "missing in websockets 14.0 (back in 14.1): catch `ConnectionClosed` and read \
             `exc.rcvd.reason`, or target 14.1 or later",
        )
    },
    entry("close_rcvd", Defined::Common, USE_CONNECTION_CLOSED),
    entry("close_rcvd_then_sent", Defined::Common, USE_CONNECTION_CLOSED),
    entry("close_sent", Defined::Common, USE_CONNECTION_CLOSED),
    entry("close_transport", Defined::Common, USE_WAIT_CLOSED),
    entry(
        "connection_closed_exc",
        Defined::Common,
        "catch the `ConnectionClosed` that `recv()` / `send()` raise instead of building one",
    ),
    entry(
        "connection_open",
        Defined::Common,
        "internal step of the legacy handshake; the new connection is open when `connect()` \
         returns or the handler starts",
    ),
    entry(
        "ensure_open",
        Defined::Common,
        "check `ws.state is State.OPEN`, or let `send()` / `recv()` raise `ConnectionClosed`",
    ),
    entry(
        "extensions",
        Defined::Common,
        "the negotiated extensions are no public attribute of the new connection (the private \
         `ws.protocol.extensions` holds them)",
    ),
    entry("extra_headers", Defined::ClientAndServer, "configuration, not an attribute: pass `additional_headers=` to `connect()`, or `process_response=` to `serve()`"),
    entry("handler_task", Defined::Server, "internal task of the legacy server; the handler runs until the connection closes: `await ws.wait_closed()`"),
    entry("is_client", Defined::ClientAndServer, "test `isinstance(ws, ClientConnection)` (`websockets.asyncio.client`)"),
    entry("keepalive_ping", Defined::Common, "keepalive is configured with `ping_interval=` / `ping_timeout=`; send a ping with `await ws.ping()`"),
    entry("keepalive_ping_task", Defined::Common, "keepalive is configured with `ping_interval=` / `ping_timeout=`; `ws.latency` gives the last round trip"),
    entry("legacy_recv", Defined::Common, "`legacy_recv` was removed: `recv()` raises `ConnectionClosed` when the connection closes"),
    entry("max_queue", Defined::Common, CONFIGURATION),
    entry("max_size", Defined::Common, CONFIGURATION),
    entry("messages", Defined::Common, "the buffer of received messages is internal: read messages with `recv()` or `async for message in ws`"),
    entry("open_timeout", Defined::Server, CONFIGURATION),
    Internal {
        replacement: Some("request.headers.get(\"Origin\")"),
        ..entry("origin", Defined::ClientAndServer, "read the `Origin` header of the opening request: `ws.request.headers.get(\"Origin\")`")
    },
    entry("origins", Defined::Server, CONFIGURATION),
    entry("pings", Defined::Common, "pending pings are internal: `await ws.ping()` returns a waiter that completes with the pong"),
    entry("process_extensions", Defined::ClientAndServer, USE_HANDSHAKE_OBJECTS),
    entry("process_origin", Defined::Server, "origins are checked by `serve(origins=[...])`; for custom rules, inspect `request.headers[\"Origin\"]` in `process_request=`"),
    entry("process_request", Defined::Server, USE_SERVE_CALLBACK),
    entry("process_subprotocol", Defined::ClientAndServer, USE_HANDSHAKE_OBJECTS),
    entry("read_data_frame", Defined::Common, USE_RECV),
    entry("read_frame", Defined::Common, USE_RECV),
    entry("read_http_request", Defined::Server, USE_HANDSHAKE_OBJECTS),
    entry("read_http_response", Defined::Client, USE_HANDSHAKE_OBJECTS),
    entry("read_limit", Defined::Common, "`read_limit` was removed: the new connection has no such buffer setting"),
    entry("read_message", Defined::Common, USE_RECV),
    entry("reader", Defined::Common, USE_RECV),
    entry("select_subprotocol", Defined::Server, USE_SERVE_CALLBACK),
    entry("server_header", Defined::Server, CONFIGURATION),
    entry("side", Defined::Common, "test `isinstance(ws, ClientConnection)` / `isinstance(ws, ServerConnection)`"),
    entry("transfer_data", Defined::Common, USE_RECV),
    entry("transfer_data_exc", Defined::Common, USE_CONNECTION_CLOSED),
    entry("transfer_data_task", Defined::Common, "internal reading task of the legacy implementation: use `await ws.wait_closed()` to wait for the end of the connection"),
    entry("user_agent_header", Defined::Client, "read the header that was sent: `ws.request.headers.get(\"User-Agent\")`"),
    entry("wait_for_connection_lost", Defined::Common, USE_WAIT_CLOSED),
    entry("write_close_frame", Defined::Common, USE_SEND),
    entry("write_frame", Defined::Common, USE_SEND),
    entry("write_frame_sync", Defined::Common, USE_SEND),
    entry("write_http_request", Defined::Client, USE_HANDSHAKE_OBJECTS),
    entry("write_http_response", Defined::Server, USE_HANDSHAKE_OBJECTS),
    entry("write_limit", Defined::Common, CONFIGURATION),
    entry("ws_handler", Defined::Server, "keep a reference to the handler you pass to `serve()`"),
    entry("ws_server", Defined::Server, "`ws.server` is the new `Server` the connection belongs to"),
    entry("_drain", Defined::Common, NO_EQUIVALENT),
    entry("_drain_helper", Defined::Common, NO_EQUIVALENT),
    entry("_drain_lock", Defined::Common, NO_EQUIVALENT),
    entry("_drain_waiter", Defined::Common, NO_EQUIVALENT),
    entry("_fragmented_message_waiter", Defined::Common, NO_EQUIVALENT),
    entry("_host", Defined::Common, "the value behind the deprecated `host`: see WS004"),
    entry("_paused", Defined::Common, NO_EQUIVALENT),
    entry("_pop_message_waiter", Defined::Common, NO_EQUIVALENT),
    entry("_port", Defined::Common, "the value behind the deprecated `port`: see WS004"),
    entry("_process_request", Defined::Server, USE_SERVE_CALLBACK),
    entry("_put_message_waiter", Defined::Common, NO_EQUIVALENT),
    entry("_secure", Defined::Common, "the value behind the deprecated `secure`: see WS004"),
    entry("_select_subprotocol", Defined::Server, USE_SERVE_CALLBACK),
];

impl Rule for PrivateConnectionInternals {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::attributes(|name| internal(name).is_some())
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Attribute(attr) = expr else { return };
        let name = attr.attr.as_str();
        let Some(internal) = internal(name) else {
            return;
        };
        if internal
            .until
            .is_some_and(|until| checker.settings.target.version >= until)
        {
            return;
        }
        let Some(connection) = checker.connection(&attr.value) else {
            return;
        };
        // A name the legacy class of this side never had, or a method this file defines
        // itself, is someone else's.
        if !internal.defined.on(connection.side) || checker.model.definitions.defines_method(name) {
            return;
        }
        let receiver = checker.slice(attr.value.range());
        let group = legacy_group(&connection);
        let mut diagnostic = Diagnostic::new(
            &META,
            format!("`{receiver}.{name}` does not exist on the new connection"),
            attr.range(),
        )
        .with_severity(connection.severity())
        .with_help(
            internal
                .advice
                .replace("`ws.", &format!("`{receiver}."))
                .replace("(ws,", &format!("({receiver},")),
        )
        .with_group(group);
        let fixable = connection.implementation == Implementation::New || group.is_some();
        if let (Some(replacement), true, true) = (internal.replacement, is_load(attr), fixable) {
            let title = format!("Replace with `{receiver}.{replacement}`");
            let edits = vec![Edit::replace(attr.attr.range(), replacement)];
            // A server's `origin` was exactly the request's header; a client's was the
            // `origin=` argument, which `extra_headers` could contradict.
            diagnostic = diagnostic.with_fix(if connection.side == Side::Server {
                Fix::safe(title, edits)
            } else {
                Fix::unsafe_(title, edits)
            });
        }
        checker.report(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_documented_once() {
        let doc = include_str!("../../rules/WS005.md");
        for internal in INTERNALS {
            let row = format!("| `{}` |", internal.name);
            assert_eq!(doc.matches(&row).count(), 1, "rules/WS005.md: {row}");
            assert_eq!(
                INTERNALS.iter().filter(|i| i.name == internal.name).count(),
                1,
                "{} listed twice",
                internal.name
            );
        }
        assert_eq!(doc.matches("\n| `").count(), INTERNALS.len());
    }
}
