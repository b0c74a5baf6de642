//! The methods of the legacy protocol classes that subclasses override or call through
//! `super()`, and what each becomes on the new implementation. Shared by WS103 (the class) and
//! WS305 (each override and each `super()` call).
//!
//! Source: every function defined in the MRO of websockets 13.1
//! `legacy.protocol.WebSocketCommonProtocol`, `legacy.server.WebSocketServerProtocol`,
//! `legacy.client.WebSocketClientProtocol` (and `legacy.auth.BasicAuthWebSocketServerProtocol`),
//! properties excluded (WS002–WS005 cover them), listed with `inspect` (rules/WS305.md has the
//! script); the replacements from 17.4 `asyncio/server.py` (`serve()` arguments) and
//! `asyncio/client.py`. `handshake`, `connection_made`, `recv`, ... exist on 17.4 connections
//! too, with other signatures and callers: overriding them is not supported.

pub const NO_PROTOCOL: &str = "no equivalent: the new connection is not an `asyncio.Protocol` \
                           subclass whose callbacks you can override";
pub const HANDSHAKE: &str = "no equivalent: the Sans-I/O protocol performs the handshake; inspect \
                         or change it with `process_request=` / `process_response=`";
pub const PUBLIC_API: &str = "do not override it: wrap the connection in your own helper instead";

/// Overridable methods of the legacy classes → what they become.
pub const OVERRIDES: &[(&str, &str)] = &[
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
    ("abort_pings", NO_PROTOCOL),
    ("connection_closed_exc", NO_PROTOCOL),
    ("wait_for_connection_lost", NO_PROTOCOL),
    ("drain", NO_PROTOCOL),
    ("_drain", NO_PROTOCOL),
    ("_drain_helper", NO_PROTOCOL),
    ("recv", PUBLIC_API),
    ("send", PUBLIC_API),
    ("ping", PUBLIC_API),
    ("pong", PUBLIC_API),
    ("close", PUBLIC_API),
    ("wait_closed", PUBLIC_API),
];

/// What `name` becomes, when it is a method of the legacy protocol classes.
pub fn becomes(name: &str) -> Option<&'static str> {
    OVERRIDES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// The legacy protocol base of the class whose body is being visited (`in_body`), or of the
/// class the current method belongs to.
pub fn legacy_base(
    checker: &crate::checker::Checker,
    in_body: bool,
) -> Option<crate::semantic::definitions::ConnectionBase> {
    use crate::semantic::{ClassKey, FrameKind, Implementation};
    let frames = checker.frames();
    let frame = frames.last()?;
    let key = match (in_body, frame.kind) {
        (true, FrameKind::Class) => ClassKey(frame.scope.offset()),
        (false, FrameKind::Function { .. }) => frame.class?,
        _ => return None,
    };
    checker
        .model
        .definitions
        .class(key)
        .and_then(|c| c.connection_base)
        .filter(|b| b.implementation == Implementation::Legacy)
}
