//! Where each name of the legacy asyncio implementation went: the table WS101 (imports, dotted
//! function references) and WS102 (connection classes) share, so that an import switch and the
//! renames of its names agree.
//!
//! Source: websockets 13.1 `legacy/{client,server,protocol,auth}.py` (`__all__`), 17.4
//! `__init__.py` (`deprecated_aliases`), `client.py` / `server.py` / `auth.py` (deprecated
//! aliases to `websockets.legacy`), `asyncio/{client,server,connection}.py`.

use ruff_python_ast::Stmt;
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::rules::Version;
use crate::semantic::imports::Binding;

/// What a legacy name is, for deciding which rule owns its uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// `connect`, `serve`, `broadcast`, ...: same name in the new implementation.
    Function,
    /// A connection or server class: renamed (`WebSocketClientProtocol` → `ClientConnection`).
    Class,
}

/// The new home of a legacy name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewHome {
    pub module: &'static str,
    pub name: &'static str,
    /// The first release where `websockets.<name>` is this new object (`None`: no top-level alias).
    pub top_level_since: Option<Version>,
}

#[derive(Debug, Clone, Copy)]
pub struct LegacyName {
    /// The name as defined in `websockets.legacy.*` (`connect`, `WebSocketServerProtocol`).
    pub name: &'static str,
    pub kind: NameKind,
    /// `None`: the new implementation has no equivalent (report only).
    pub home: Option<NewHome>,
}

const fn moved(
    name: &'static str,
    kind: NameKind,
    module: &'static str,
    new: &'static str,
    top_level_since: Option<Version>,
) -> LegacyName {
    LegacyName {
        name,
        kind,
        home: Some(NewHome {
            module,
            name: new,
            top_level_since,
        }),
    }
}

const CLIENT: &str = "websockets.asyncio.client";
const SERVER: &str = "websockets.asyncio.server";
const V14: Option<Version> = Some(Version::V14_0);
const V14_2: Option<Version> = Some(Version::V14_2);

/// Every public name of the legacy implementation, by the module that defines it.
const LEGACY_NAMES: &[(&str, LegacyName)] = &[
    (
        "websockets.legacy.client",
        moved("connect", NameKind::Function, CLIENT, "connect", V14),
    ),
    (
        "websockets.legacy.client",
        moved(
            "unix_connect",
            NameKind::Function,
            CLIENT,
            "unix_connect",
            V14,
        ),
    ),
    (
        "websockets.legacy.client",
        moved(
            "WebSocketClientProtocol",
            NameKind::Class,
            CLIENT,
            "ClientConnection",
            V14_2,
        ),
    ),
    (
        "websockets.legacy.client",
        LegacyName {
            name: "Connect",
            kind: NameKind::Class,
            home: None,
        },
    ),
    (
        "websockets.legacy.server",
        moved("serve", NameKind::Function, SERVER, "serve", V14),
    ),
    (
        "websockets.legacy.server",
        moved("unix_serve", NameKind::Function, SERVER, "unix_serve", V14),
    ),
    (
        "websockets.legacy.server",
        moved("broadcast", NameKind::Function, SERVER, "broadcast", V14),
    ),
    (
        "websockets.legacy.server",
        moved(
            "WebSocketServerProtocol",
            NameKind::Class,
            SERVER,
            "ServerConnection",
            V14_2,
        ),
    ),
    (
        "websockets.legacy.server",
        moved("WebSocketServer", NameKind::Class, SERVER, "Server", V14_2),
    ),
    (
        "websockets.legacy.server",
        LegacyName {
            name: "Serve",
            kind: NameKind::Class,
            home: None,
        },
    ),
    (
        "websockets.legacy.protocol",
        moved("broadcast", NameKind::Function, SERVER, "broadcast", V14),
    ),
    (
        "websockets.legacy.protocol",
        moved(
            "WebSocketCommonProtocol",
            NameKind::Class,
            "websockets.asyncio.connection",
            "Connection",
            None,
        ),
    ),
    (
        "websockets.legacy.auth",
        LegacyName {
            name: "basic_auth_protocol_factory",
            kind: NameKind::Function,
            home: None,
        },
    ),
    (
        "websockets.legacy.auth",
        LegacyName {
            name: "BasicAuthWebSocketServerProtocol",
            kind: NameKind::Class,
            home: None,
        },
    ),
];

/// Modules (and the top-level package) that re-export legacy names: which of their names are
/// deprecated aliases, and the legacy module those come from. `None` = every name it has.
const ALIAS_MODULES: &[(&str, &str, Option<&[&str]>)] = &[
    ("websockets.legacy.client", "websockets.legacy.client", None),
    ("websockets.legacy.server", "websockets.legacy.server", None),
    (
        "websockets.legacy.protocol",
        "websockets.legacy.protocol",
        None,
    ),
    ("websockets.legacy.auth", "websockets.legacy.auth", None),
    (
        "websockets.client",
        "websockets.legacy.client",
        Some(&["connect", "unix_connect", "WebSocketClientProtocol"]),
    ),
    (
        "websockets.server",
        "websockets.legacy.server",
        Some(&[
            "serve",
            "unix_serve",
            "broadcast",
            "WebSocketServerProtocol",
            "WebSocketServer",
        ]),
    ),
    ("websockets.auth", "websockets.legacy.auth", None),
    (
        "websockets",
        "websockets.legacy.client",
        Some(&["WebSocketClientProtocol"]),
    ),
    (
        "websockets",
        "websockets.legacy.server",
        Some(&["WebSocketServerProtocol", "WebSocketServer"]),
    ),
    (
        "websockets",
        "websockets.legacy.protocol",
        Some(&["WebSocketCommonProtocol"]),
    ),
    (
        "websockets",
        "websockets.legacy.auth",
        Some(&[
            "BasicAuthWebSocketServerProtocol",
            "basic_auth_protocol_factory",
        ]),
    ),
];

/// The legacy name a qualified name refers to: `websockets.server.serve`,
/// `websockets.WebSocketServerProtocol`. `websockets.client.ClientConnection` (the Sans-I/O
/// protocol) and the new top-level names are not legacy.
pub fn lookup(qualified: &str) -> Option<LegacyName> {
    let (module, name) = qualified.rsplit_once('.')?;
    ALIAS_MODULES
        .iter()
        .filter(|(m, _, names)| *m == module && names.is_none_or(|n| n.contains(&name)))
        .find_map(|(_, legacy, _)| {
            LEGACY_NAMES
                .iter()
                .find(|(m, l)| m == legacy && l.name == name)
                .map(|(_, l)| *l)
        })
}

/// Is this module itself part of the legacy implementation (importing it warns on 17)?
pub fn is_legacy_module(module: &str) -> bool {
    module == "websockets.legacy"
        || module.starts_with("websockets.legacy.")
        || module == "websockets.auth"
}

/// The name WS101 writes for `binding` when it switches the binding's `from` import, and that
/// WS102 renames the uses to: the `as` name if there is one, else the new class name. `None` when
/// the import cannot switch automatically (no new home, or the new name is already taken).
pub fn switched_local(checker: &Checker, local: &str, binding: &Binding) -> Option<String> {
    let legacy = lookup(&binding.qualified)?;
    let home = legacy.home?;
    let alias = checker.slice(binding.alias);
    if alias.contains(" as ") || home.name == legacy.name {
        return Some(local.to_string());
    }
    (!checker.model.bindings.uses_name(home.name)).then(|| home.name.to_string())
}

/// The `from ... import` statement a binding comes from, if that is what it is.
pub fn from_import_stmt<'a>(checker: &Checker<'a>, binding: &Binding) -> Option<&'a Stmt> {
    let stmt = find_stmt(&checker.module.body, binding.stmt)?;
    matches!(stmt, Stmt::ImportFrom(_)).then_some(stmt)
}

fn find_stmt(body: &[Stmt], range: TextRange) -> Option<&Stmt> {
    // The statements of a suite are in source order: binary search at each level (a walk of
    // the module per import binding made files with many imports quadratic).
    let mut suite = body;
    loop {
        let i = suite.partition_point(|s| s.end() < range.end());
        let stmt = suite.get(i).filter(|s| s.range().contains_range(range))?;
        if stmt.range() == range {
            return Some(stmt);
        }
        suite = crate::fix::statements::suites(stmt).into_iter().find(|s| {
            s.first().is_some_and(|f| f.start() <= range.start())
                && s.last().is_some_and(|l| l.end() >= range.end())
        })?;
    }
}

/// Does `ident` occur in the source as a whole identifier?
pub fn mentions_identifier(source: &str, ident: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    source.match_indices(ident).any(|(i, _)| {
        let before = source[..i].chars().next_back();
        let after = source[i + ident.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_aliases_and_leaves_new_names_alone() {
        assert_eq!(lookup("websockets.server.serve").unwrap().name, "serve");
        assert_eq!(
            lookup("websockets.WebSocketServerProtocol")
                .unwrap()
                .home
                .unwrap()
                .name,
            "ServerConnection"
        );
        assert!(lookup("websockets.legacy.auth.basic_auth_protocol_factory")
            .unwrap()
            .home
            .is_none());
        assert!(lookup("websockets.serve").is_none());
        assert!(lookup("websockets.client.ClientConnection").is_none());
        assert!(lookup("websockets.client.ClientProtocol").is_none());
        assert!(lookup("websockets.asyncio.client.connect").is_none());
    }
}
