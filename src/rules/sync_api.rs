//! The threading implementation (`websockets.sync`) as tables, for the rules about it (WS404
//! and the WS5xx family). It has no legacy counterpart: the same qualified names are meant
//! before and after an upgrade, only their behaviour and signatures change.
//!
//! Source: websockets 13.1, 14.0, 15.0, 16.0, 17.0 and 17.4 `sync/client.py` and
//! `sync/server.py`, introspected (`inspect.signature` of `connect`, `serve`,
//! `ClientConnection.__init__`, `ServerConnection.__init__`, `Server.__init__`,
//! `Server.shutdown`).

use ruff_python_ast::visitor::{walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprCall, Stmt};

use crate::checker::Checker;

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

/// Classes whose constructor took `socket` until 16.x and takes `sock` since 17.0.
pub const SOCKET_CLASSES: &[&str] = &[
    "websockets.sync.client.ClientConnection",
    "websockets.sync.server.ServerConnection",
    "websockets.sync.server.Server",
    "websockets.sync.connection.Connection",
];

/// Connection classes that `create_connection=` subclasses, with the keyword arguments
/// `connect()` / `serve()` pass to them in 17.4 (after `sock`, `protocol` and, for a server
/// connection, `server`).
pub const CONNECTION_CLASSES: &[(&str, &[&str])] = &[
    (
        "websockets.sync.client.ClientConnection",
        &[
            "ping_interval",
            "ping_timeout",
            "close_timeout",
            "max_queue",
        ],
    ),
    (
        "websockets.sync.server.ServerConnection",
        &[
            "ping_interval",
            "ping_timeout",
            "close_timeout",
            "max_queue",
        ],
    ),
];

/// Is `qualified` one of `table`'s names?
pub fn is(table: &[&str], qualified: &str) -> bool {
    table.contains(&qualified)
}

/// `unix_connect` / `unix_serve`, in either implementation.
pub fn is_unix(qualified: &str) -> bool {
    qualified
        .rsplit('.')
        .next()
        .is_some_and(|n| n.starts_with("unix_"))
}

/// The qualified name of the websockets function `call` calls, when it is in `table`.
pub fn call_in(checker: &Checker, call: &ExprCall, table: &[&str]) -> Option<String> {
    checker.model.resolve(&call.func).filter(|q| is(table, q))
}

/// Is `name` bound — in the enclosing function, or at module level — to a threading server:
/// `with serve(...) as name` or `name = serve(...)`?
pub fn is_sync_server(checker: &Checker, name: &str) -> bool {
    struct Finder<'c, 'k, 'n> {
        checker: &'c Checker<'k>,
        name: &'n str,
        found: bool,
        /// The name is bound in the searched body, to anything.
        bound: bool,
    }
    impl Finder<'_, '_, '_> {
        fn serves(&self, value: &Expr) -> bool {
            matches!(value, Expr::Call(call) if call_in(self.checker, call, SERVE).is_some())
        }
    }
    impl<'a> Visitor<'a> for Finder<'_, '_, '_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::Assign(assign) => {
                    if matches!(&assign.targets[..], [Expr::Name(n)] if n.id.as_str() == self.name)
                    {
                        self.bound = true;
                        self.found |= self.serves(&assign.value);
                    }
                }
                Stmt::With(with) => {
                    for item in &with.items {
                        if matches!(&item.optional_vars.as_deref(), Some(Expr::Name(n)) if n.id.as_str() == self.name)
                        {
                            self.bound = true;
                            self.found |= self.serves(&item.context_expr);
                        }
                    }
                    walk_stmt(self, stmt);
                }
                _ => walk_stmt(self, stmt),
            }
        }
    }
    let mut finder = Finder {
        checker,
        name,
        found: false,
        bound: false,
    };
    if let Some(def) = checker.enclosing_function() {
        finder.visit_body(&def.body);
        // A local of that name hides the module's.
        if finder.bound || def.parameters.iter().any(|p| p.name().as_str() == name) {
            return finder.found;
        }
    }
    finder.visit_body(&checker.module.body);
    finder.found
}
