//! Patches of the legacy `Connect` class: stores to its attributes (`Connect.__aiter__ = f`,
//! `websockets.legacy.client.Connect.BACKOFF_MAX = 10`), anywhere in a module. The class is the
//! program's: a patch made in one module changes every legacy `connect()` of every module, and
//! a module whose `connect` import switches to the new implementation loses it silently.
//! A subclass's attributes are that subclass's (WS108 reports them where it is defined).

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{Expr, ExprContext, Stmt};
use ruff_text_size::TextRange;

use super::api::{self, Implementation};
use super::connections::legacy_origin;
use super::imports::Imports;

/// One store to a member of the legacy `Connect` class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectPatch<'a> {
    /// The member patched (`__aiter__`, `BACKOFF_MAX`).
    pub member: &'a str,
    /// The whole attribute (`Connect.__aiter__`).
    pub range: TextRange,
    /// The group of the import the class is reached through here (its fixes already wait for
    /// the patch).
    pub origin: Option<TextRange>,
}

/// `attr` when it stores to (or deletes) a member of the legacy `Connect` class itself.
pub fn patch_of<'a>(imports: &Imports, expr: &'a Expr) -> Option<ConnectPatch<'a>> {
    let Expr::Attribute(attr) = expr else {
        return None;
    };
    if attr.ctx == ExprContext::Load {
        return None;
    }
    let qualified = imports.resolve(&attr.value)?;
    (api::connect_class(&qualified)? == Implementation::Legacy).then(|| ConnectPatch {
        member: attr.attr.as_str(),
        range: attr.range,
        origin: legacy_origin(imports, &attr.value),
    })
}

/// Every patch of the legacy `Connect` in `body`, in source order.
pub fn connect_patches<'a>(body: &'a [Stmt], imports: &Imports) -> Vec<ConnectPatch<'a>> {
    struct Finder<'i, 'a> {
        imports: &'i Imports,
        out: Vec<ConnectPatch<'a>>,
    }
    impl<'a> Visitor<'a> for Finder<'_, 'a> {
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

/// Does `qualified` name a legacy `connect()` (or `unix_connect()`), which a patch of `Connect`
/// changes? (`Connect` itself is a class reference: it has no new equivalent to switch to.)
pub fn is_legacy_connect(qualified: &str) -> bool {
    let name = qualified.rsplit('.').next().unwrap_or(qualified);
    matches!(name, "connect" | "unix_connect")
        && api::connect_function(qualified) == Some(Implementation::Legacy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patches(source: &str) -> Vec<String> {
        let parsed = ruff_python_parser::parse_module(source).unwrap();
        let module = parsed.syntax();
        let bindings = crate::semantic::builder::build(module, None);
        let imports = Imports::from_bindings(&bindings, module);
        connect_patches(&module.body, &imports)
            .iter()
            .map(|p| format!("{} {}", p.member, &source[p.range]))
            .collect()
    }

    #[test]
    fn finds_stores_to_the_legacy_class_only() {
        let source = r#"
import websockets
import websockets.legacy.client
from websockets.client import connect as legacy_connect
from websockets.asyncio.client import connect

websockets.legacy.client.Connect.__aiter__ = None
def tune():
    legacy_connect.BACKOFF_MAX = 5
connect.BACKOFF_MAX = 5
print(websockets.legacy.client.Connect.BACKOFF_MIN)
class Mine(legacy_connect):
    pass
Mine.BACKOFF_MIN = 1
"#;
        assert_eq!(
            patches(source),
            [
                "__aiter__ websockets.legacy.client.Connect.__aiter__",
                "BACKOFF_MAX legacy_connect.BACKOFF_MAX",
            ]
        );
    }
}
