//! Patches of legacy classes: stores to an attribute of the legacy `Connect` class or of a
//! legacy connection class (`Connect.__aiter__ = f`, `WebSocketCommonProtocol.recv = logged`,
//! `websockets.legacy.client.Connect.BACKOFF_MAX = 10`), anywhere in a module. The classes are
//! the program's: a patch made in one module changes every legacy `connect()` (or `serve()`)
//! of every module, and a module whose `connect` / `serve` import switches to the new
//! implementation loses it silently. A subclass's attributes are that subclass's (WS103, WS108
//! report the subclass where it is defined).

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{Expr, ExprContext, Stmt};
use ruff_text_size::TextRange;

use super::api::{self, Implementation, Side};
use super::connections::legacy_origin;
use super::imports::Imports;

/// What a patch changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patched {
    /// The legacy `Connect` class: every legacy `connect()`.
    Connect,
    /// A legacy connection class: the connections of one side (`Unknown`: both, the common
    /// base class).
    Connection(Side),
}

/// Where a program makes legacy objects that a patch changes: its legacy `connect()` and
/// `serve()` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entry {
    Connect,
    Serve,
}

impl Patched {
    /// Does the patch change what `entry` makes?
    pub fn reaches(self, entry: Entry) -> bool {
        match (self, entry) {
            (Patched::Connect, Entry::Connect) => true,
            (Patched::Connect, Entry::Serve) => false,
            (Patched::Connection(side), Entry::Connect) => side != Side::Server,
            (Patched::Connection(side), Entry::Serve) => side != Side::Client,
        }
    }
}

/// One store to a member of a legacy class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyPatch {
    pub patched: Patched,
    /// The class's own name (`Connect`, `WebSocketCommonProtocol`).
    pub class: String,
    /// The member patched (`__aiter__`, `recv`).
    pub member: String,
    /// The whole attribute (`Connect.__aiter__`).
    pub range: TextRange,
    /// The group of the import the class is reached through here (its fixes already wait for
    /// the patch).
    pub origin: Option<TextRange>,
}

/// `expr` when it stores to (or deletes) a member of a legacy class itself.
pub fn patch_of(imports: &Imports, expr: &Expr) -> Option<LegacyPatch> {
    let Expr::Attribute(attr) = expr else {
        return None;
    };
    if attr.ctx == ExprContext::Load {
        return None;
    }
    let qualified = imports.resolve(&attr.value)?;
    let patched = match api::connect_class(&qualified) {
        Some(Implementation::Legacy) => Patched::Connect,
        Some(Implementation::New) => return None,
        None => match api::connection_class(&qualified)? {
            (Implementation::Legacy, side) => Patched::Connection(side),
            (Implementation::New, _) => return None,
        },
    };
    Some(LegacyPatch {
        patched,
        class: qualified
            .rsplit('.')
            .next()
            .unwrap_or(&qualified)
            .to_string(),
        member: attr.attr.to_string(),
        range: attr.range,
        origin: legacy_origin(imports, &attr.value),
    })
}

/// Every patch of a legacy class in `body`, in source order.
pub fn legacy_patches(body: &[Stmt], imports: &Imports) -> Vec<LegacyPatch> {
    struct Finder<'i> {
        imports: &'i Imports,
        out: Vec<LegacyPatch>,
    }
    impl<'a> Visitor<'a> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Some(patch) = patch_of(self.imports, expr) {
                self.out.push(patch);
            }
            walk_expr(self, expr);
        }
    }
    if !imports.any() {
        return Vec::new();
    }
    let mut finder = Finder {
        imports,
        out: Vec::new(),
    };
    finder.visit_body(body);
    finder.out
}

/// Could `text` patch a legacy class: `onnect.<name> =` or `Protocol.<name> =` (not `==`) on
/// one line? Misses a class imported under another name (`import Connect as C`; see
/// [`may_patch_in`]).
pub fn may_patch(text: &str) -> bool {
    stores_after(text, "onnect.") || stores_after(text, "Protocol.")
}

/// [`may_patch`], or a store to an attribute of a name that imports a legacy class under
/// another name: never false for a file [`legacy_patches`] finds a patch in. One pass over the
/// text, however many such names (a scan per name was quadratic in a module of imports).
pub fn may_patch_in(text: &str, imports: &Imports) -> bool {
    if may_patch(text) {
        return true;
    }
    let legacy = |q: &str| {
        api::connect_class(q) == Some(Implementation::Legacy)
            || api::connection_class(q).is_some_and(|(i, _)| i == Implementation::Legacy)
    };
    // `may_patch` has searched the names that end like the classes.
    let renamed: rustc_hash::FxHashSet<&str> = imports
        .bindings()
        .filter(|(name, binding)| {
            !name.ends_with("onnect") && !name.ends_with("Protocol") && legacy(&binding.qualified)
        })
        .map(|(name, _)| name)
        .collect();
    if renamed.is_empty() {
        return false;
    }
    let bytes = text.as_bytes();
    let word = |b: u8| b == b'_' || b.is_ascii_alphanumeric() || !b.is_ascii();
    memchr::memchr_iter(b'.', bytes).any(|dot| {
        let start = bytes[..dot]
            .iter()
            .rposition(|b| !word(*b))
            .map_or(0, |i| i + 1);
        // Whole characters: the run stops at ASCII bytes only.
        let name = &text[start..dot];
        !name.is_empty() && renamed.contains(name) && stores_at(&bytes[dot + 1..])
    })
}

/// Is some `needle` followed by `<name> =` (not `==`) on its line?
fn stores_after(text: &str, needle: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), needle.as_bytes())
        .any(|at| stores_at(&text.as_bytes()[at + needle.len()..]))
}

/// Does `rest` start with `<name> =` (not `==`) on its first line?
fn stores_at(rest: &[u8]) -> bool {
    let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    let name = line
        .iter()
        .take_while(|b| **b == b'_' || b.is_ascii_alphanumeric() || !b.is_ascii())
        .count();
    let after = line[name..].trim_ascii_start();
    name > 0 && after.starts_with(b"=") && !after.starts_with(b"==")
}

/// The legacy entry point `qualified` names: `connect()` / `unix_connect()`, `serve()` /
/// `unix_serve()`. (`Connect` and `Serve` themselves are class references: they have no new
/// equivalent to switch to.)
pub fn entry_point(qualified: &str) -> Option<Entry> {
    let name = qualified.rsplit('.').next().unwrap_or(qualified);
    match name {
        "connect" | "unix_connect" => {
            (api::connect_function(qualified)? == Implementation::Legacy).then_some(Entry::Connect)
        }
        "serve" | "unix_serve" => {
            (api::serve_function(qualified)? == Implementation::Legacy).then_some(Entry::Serve)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patches(source: &str) -> Vec<String> {
        let parsed = ruff_python_parser::parse_module(source).unwrap();
        let module = parsed.syntax();
        let bindings = crate::semantic::builder::build(module, None);
        let imports = Imports::from_bindings(&bindings, module);
        legacy_patches(&module.body, &imports)
            .iter()
            .map(|p| format!("{} {} {}", p.class, p.member, &source[p.range]))
            .collect()
    }

    #[test]
    fn finds_stores_to_the_legacy_classes_only() {
        let source = r#"
import websockets
import websockets.legacy.client
from websockets.client import connect as legacy_connect
from websockets.asyncio.client import connect, ClientConnection
from websockets.legacy.protocol import WebSocketCommonProtocol

websockets.legacy.client.Connect.__aiter__ = None
def tune():
    legacy_connect.BACKOFF_MAX = 5
connect.BACKOFF_MAX = 5
ClientConnection.recv = None
WebSocketCommonProtocol.recv = None
print(websockets.legacy.client.Connect.BACKOFF_MIN)
class Mine(legacy_connect):
    pass
Mine.BACKOFF_MIN = 1
"#;
        assert_eq!(
            patches(source),
            [
                "Connect __aiter__ websockets.legacy.client.Connect.__aiter__",
                "connect BACKOFF_MAX legacy_connect.BACKOFF_MAX",
                "WebSocketCommonProtocol recv WebSocketCommonProtocol.recv",
            ]
        );
    }

    #[test]
    fn the_text_test_never_misses_a_patch() {
        let source = "from websockets.legacy.client import Connect as C\nC.__aiter__ = None\n";
        let parsed = ruff_python_parser::parse_module(source).unwrap();
        let module = parsed.syntax();
        let bindings = crate::semantic::builder::build(module, None);
        let imports = Imports::from_bindings(&bindings, module);
        assert_eq!(legacy_patches(&module.body, &imports).len(), 1);
        assert!(!may_patch(source) && may_patch_in(source, &imports));
        assert!(may_patch(
            "websockets.legacy.client.Connect.BACKOFF_MAX = 3\n"
        ));
        assert!(!may_patch(
            "if connect.BACKOFF_MAX == 3: pass\nx = Connect.y\n"
        ));
    }

    #[test]
    fn a_patch_reaches_the_entry_points_that_make_its_class() {
        let common = Patched::Connection(Side::Unknown);
        assert!(common.reaches(Entry::Connect) && common.reaches(Entry::Serve));
        assert!(!Patched::Connection(Side::Client).reaches(Entry::Serve));
        assert!(!Patched::Connect.reaches(Entry::Serve));
        assert_eq!(entry_point("websockets.server.serve"), Some(Entry::Serve));
        assert_eq!(
            entry_point("websockets.legacy.client.connect"),
            Some(Entry::Connect)
        );
        assert_eq!(entry_point("websockets.legacy.client.Connect"), None);
        assert_eq!(entry_point("websockets.asyncio.server.serve"), None);
    }
}
