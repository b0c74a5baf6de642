//! The websockets API, as tables: which qualified names create connections, which classes are
//! connections, and which implementation (legacy or new) each belongs to.
//!
//! Source: websockets 13.1 `src/websockets/__init__.py`, `client.py`, `server.py`,
//! `legacy/{client,server,protocol}.py`; websockets 17.4 `__init__.py`, `asyncio/{client,server,
//! connection}.py`. Since 14.0 the top-level names are the new implementation; `websockets.client`
//! and `websockets.server` keep deprecated aliases to the legacy one.

/// Which asyncio implementation an object belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Implementation {
    /// `websockets.legacy.*`, and the deprecated aliases that still point to it.
    Legacy,
    /// `websockets.asyncio.*`, and the top-level names since 14.0.
    New,
}

/// Which end of the connection the code holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Client,
    Server,
    Unknown,
}

/// Functions whose result (awaited, entered with `async with`, or iterated with `async for`)
/// is a client connection.
pub const CONNECT_FUNCTIONS: &[(&str, Implementation)] = &[
    ("websockets.connect", Implementation::New),
    ("websockets.unix_connect", Implementation::New),
    ("websockets.asyncio.client.connect", Implementation::New),
    (
        "websockets.asyncio.client.unix_connect",
        Implementation::New,
    ),
    ("websockets.client.connect", Implementation::Legacy),
    ("websockets.client.unix_connect", Implementation::Legacy),
    ("websockets.client.Connect", Implementation::Legacy),
    ("websockets.legacy.client.connect", Implementation::Legacy),
    (
        "websockets.legacy.client.unix_connect",
        Implementation::Legacy,
    ),
    ("websockets.legacy.client.Connect", Implementation::Legacy),
];

/// Functions that start a server; their handler receives a server connection.
pub const SERVE_FUNCTIONS: &[(&str, Implementation)] = &[
    ("websockets.serve", Implementation::New),
    ("websockets.unix_serve", Implementation::New),
    ("websockets.asyncio.server.serve", Implementation::New),
    ("websockets.asyncio.server.unix_serve", Implementation::New),
    ("websockets.server.serve", Implementation::Legacy),
    ("websockets.server.unix_serve", Implementation::Legacy),
    ("websockets.server.Serve", Implementation::Legacy),
    ("websockets.legacy.server.serve", Implementation::Legacy),
    (
        "websockets.legacy.server.unix_serve",
        Implementation::Legacy,
    ),
    ("websockets.legacy.server.Serve", Implementation::Legacy),
];

/// `broadcast()`: the new one since 14.0 at the top level; the legacy one behind the explicit
/// legacy paths (17.4 `server.py` still aliases `websockets.server.broadcast` to it).
pub const BROADCAST_FUNCTIONS: &[(&str, Implementation)] = &[
    ("websockets.broadcast", Implementation::New),
    ("websockets.asyncio.server.broadcast", Implementation::New),
    (
        "websockets.asyncio.connection.broadcast",
        Implementation::New,
    ),
    ("websockets.server.broadcast", Implementation::Legacy),
    ("websockets.legacy.server.broadcast", Implementation::Legacy),
    (
        "websockets.legacy.protocol.broadcast",
        Implementation::Legacy,
    ),
];

/// Classes whose instances are connections. `websockets.client.ClientConnection` and
/// `websockets.server.ServerConnection` are deliberately absent: they are deprecated aliases of
/// the Sans-I/O protocol classes, not asyncio connections.
pub const CONNECTION_CLASSES: &[(&str, Implementation, Side)] = &[
    (
        "websockets.WebSocketClientProtocol",
        Implementation::Legacy,
        Side::Client,
    ),
    (
        "websockets.client.WebSocketClientProtocol",
        Implementation::Legacy,
        Side::Client,
    ),
    (
        "websockets.legacy.client.WebSocketClientProtocol",
        Implementation::Legacy,
        Side::Client,
    ),
    (
        "websockets.WebSocketServerProtocol",
        Implementation::Legacy,
        Side::Server,
    ),
    (
        "websockets.server.WebSocketServerProtocol",
        Implementation::Legacy,
        Side::Server,
    ),
    (
        "websockets.legacy.server.WebSocketServerProtocol",
        Implementation::Legacy,
        Side::Server,
    ),
    (
        "websockets.WebSocketCommonProtocol",
        Implementation::Legacy,
        Side::Unknown,
    ),
    (
        "websockets.protocol.WebSocketCommonProtocol",
        Implementation::Legacy,
        Side::Unknown,
    ),
    (
        "websockets.legacy.protocol.WebSocketCommonProtocol",
        Implementation::Legacy,
        Side::Unknown,
    ),
    (
        "websockets.legacy.auth.BasicAuthWebSocketServerProtocol",
        Implementation::Legacy,
        Side::Server,
    ),
    (
        "websockets.auth.BasicAuthWebSocketServerProtocol",
        Implementation::Legacy,
        Side::Server,
    ),
    (
        "websockets.BasicAuthWebSocketServerProtocol",
        Implementation::Legacy,
        Side::Server,
    ),
    (
        "websockets.ClientConnection",
        Implementation::New,
        Side::Client,
    ),
    (
        "websockets.asyncio.client.ClientConnection",
        Implementation::New,
        Side::Client,
    ),
    (
        "websockets.ServerConnection",
        Implementation::New,
        Side::Server,
    ),
    (
        "websockets.asyncio.server.ServerConnection",
        Implementation::New,
        Side::Server,
    ),
    (
        "websockets.asyncio.connection.Connection",
        Implementation::New,
        Side::Unknown,
    ),
];

pub fn connect_function(qualified: &str) -> Option<Implementation> {
    lookup(CONNECT_FUNCTIONS, qualified)
}

/// The `connect` class itself (legacy `Connect`, the new `connect`): `unix_connect` is a
/// function in both implementations.
pub fn connect_class(qualified: &str) -> Option<Implementation> {
    if qualified.ends_with("unix_connect") {
        return None;
    }
    connect_function(qualified)
}

pub fn serve_function(qualified: &str) -> Option<Implementation> {
    lookup(SERVE_FUNCTIONS, qualified)
}

pub fn broadcast_function(qualified: &str) -> Option<Implementation> {
    lookup(BROADCAST_FUNCTIONS, qualified)
}

pub fn connection_class(qualified: &str) -> Option<(Implementation, Side)> {
    CONNECTION_CLASSES
        .iter()
        .find(|(name, _, _)| *name == qualified)
        .map(|&(_, implementation, side)| (implementation, side))
}

fn lookup(table: &[(&str, Implementation)], qualified: &str) -> Option<Implementation> {
    table
        .iter()
        .find(|(name, _)| *name == qualified)
        .map(|&(_, implementation)| implementation)
}
