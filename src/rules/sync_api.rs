//! The threading implementation (`websockets.sync`) as tables, for the rules about it (WS404
//! and the WS5xx family). It has no legacy counterpart: the same qualified names are meant
//! before and after an upgrade, only their behaviour changes.
//!
//! Source: websockets 13.1 and 17.4 `sync/client.py` and `sync/server.py` (introspected).

/// Functions that open a client connection (`unix_connect` included).
pub const CONNECT: &[&str] = &[
    "websockets.sync.client.connect",
    "websockets.sync.client.unix_connect",
];

/// Functions that start a server.
pub const SERVE: &[&str] = &[
    "websockets.sync.server.serve",
    "websockets.sync.server.unix_serve",
];

/// Is `qualified` one of `table`'s names?
pub fn is(table: &[&str], qualified: &str) -> bool {
    table.contains(&qualified)
}

/// `unix_connect` / `unix_serve`, in either implementation.
pub fn is_unix(qualified: &str) -> bool {
    qualified.rsplit('.').next().is_some_and(|n| n.starts_with("unix_"))
}
