//! Import bindings: which local names refer to which qualified names, read off the file's
//! [`Bindings`], so that every read resolves to the import visible where it is written (a
//! parameter or local named like an import shadows it).

use std::cell::Cell;

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::{Expr, ExprName, ModModule};
use ruff_text_size::{Ranged, TextRange};

use super::bindings::{BindingId, BindingKind, Bindings, ScopeId};
use super::external::WebsocketsAlias;

/// A local name bound by an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// What the name refers to: `websockets.legacy.client.connect` for
    /// `from websockets.legacy.client import connect`; `websockets` for `import websockets.http`.
    pub qualified: String,
    /// The whole import statement (for another module's websockets name, only the name's part
    /// of it: see [`Imports::alias_origin`]).
    pub stmt: TextRange,
    /// The `name` or `name as alias` part of the statement.
    pub alias: TextRange,
}

/// What a read of a name resolves to, for the import table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// The import at this index of `imported`.
    Import(u32),
    /// A parameter, local, definition: not an import.
    Other,
    /// Nothing the file binds (a builtin, or a name from a star import).
    Unbound,
}

/// The import bindings of one file.
#[derive(Debug, Default)]
pub struct Imports {
    /// websockets imports by local name, all scopes together (function-level imports count
    /// too): for callers that only have a name. Readers of a node use the resolved reads.
    bindings: HashMap<String, Binding>,
    /// Every import binding of the file (any module).
    imported: Vec<Binding>,
    /// Module-level imports of other modules by local name (index into `imported`), for names
    /// read inside string annotations, which have no read of their own; a name the module also
    /// binds otherwise is left out.
    named: HashMap<String, u32>,
    /// Reads of names that some import binds, by the `Name` node's range: what they resolve to.
    resolved: HashMap<TextRange, Read>,
    /// The import-bound names' first bytes and lengths: rules resolve nearly every name of a
    /// file, and most are not imports, so this rejects them unhashed.
    names: NameFilter,
    /// Names bound both by a websockets import and by something else at module level: the
    /// name-only lookups do not guess.
    ambiguous: Vec<String>,
    /// websockets modules imported with `from M import *` whose `__all__` is not tabled.
    star_modules: Vec<String>,
    /// `(name, websockets name)`: names of other modules of the project bound there by a
    /// websockets import, also reached through an import of a module above them (`from app
    /// import dependencies`, then `dependencies.websockets.connect`); see
    /// [`Imports::from_bindings_with`].
    websockets_aliases: Vec<WebsocketsAlias>,
    /// `(name's part of a statement, file, statement there)`: this module's imports of another
    /// module's websockets names, with the import that binds each there (see
    /// [`Imports::alias_origin`]).
    alias_origins: Vec<(TextRange, u32, TextRange)>,
    /// Every import statement that mentions websockets, in source order.
    pub statements: Vec<TextRange>,
    /// The last expression [`Imports::resolve_any`] found no import at the root of (its
    /// address and range): each rule asks about the node the checker visits, one after another,
    /// and most nodes are not imports. The range guards against an address reused by a node
    /// parsed later (a string annotation).
    last_miss: Cell<(usize, TextRange)>,
}

impl Imports {
    /// The imports of a file parsed on its own (no project context).
    pub fn collect(module: &ModModule) -> Imports {
        Imports::from_bindings(&super::builder::build(module, None), module)
    }

    pub fn from_bindings(bindings: &Bindings, module: &ModModule) -> Imports {
        Imports::from_bindings_with(bindings, module, &[])
    }

    /// [`Imports::from_bindings`], with `websockets_aliases`: names of other modules of the
    /// project bound there by websockets imports, with the websockets name each is
    /// (`pkg.compat.websockets` is `websockets`, `pkg.compat.connect` may be
    /// `websockets.legacy.client.connect`). A name imported as one of them resolves as that
    /// websockets name; its import statement is the project's, not a websockets import (no rule
    /// rewrites it).
    pub fn from_bindings_with(
        bindings: &Bindings,
        module: &ModModule,
        websockets_aliases: &[WebsocketsAlias],
    ) -> Imports {
        let mut imports = Imports {
            websockets_aliases: websockets_aliases.to_vec(),
            ..Imports::default()
        };
        let mut index: HashMap<BindingId, u32> = HashMap::default();
        for (id, binding) in bindings.all() {
            let Some(import) = binding.import() else {
                continue;
            };
            let alias = websockets_aliases
                .iter()
                .find(|alias| alias.name == import.qualified);
            let reexported = alias.is_some();
            // Another module's websockets name: what ties a use to an import is this name's
            // part of the statement (one statement may import names bound by several imports
            // there), and that part stands for the import there.
            if let Some(alias) = alias {
                imports
                    .alias_origins
                    .push((import.alias, alias.file, alias.stmt));
            }
            let entry = Binding {
                qualified: match alias {
                    Some(alias) => alias.websockets.clone(),
                    None => import.qualified.clone(),
                },
                stmt: match alias {
                    Some(_) => import.alias,
                    None => import.stmt,
                },
                alias: import.alias,
            };
            index.insert(id, imports.imported.len() as u32);
            imports.names.insert(binding.name);
            if reexported {
                imports
                    .bindings
                    .insert(binding.name.to_string(), entry.clone());
            } else if is_websockets(&import.qualified) {
                if imports.statements.last() != Some(&import.stmt) {
                    imports.statements.push(import.stmt);
                }
                // An `except ImportError` alternative does not replace the `try` import.
                let keep_existing = import.fallback && imports.bindings.contains_key(binding.name);
                if !keep_existing {
                    imports
                        .bindings
                        .insert(binding.name.to_string(), entry.clone());
                }
            } else if binding.scope == ScopeId::MODULE {
                imports
                    .named
                    .insert(binding.name.to_string(), imports.imported.len() as u32);
            }
            imports.imported.push(entry);
        }
        // websockets star imports of modules without a table: unresolved names may come from
        // there.
        for stmt in &module.body {
            if let ruff_python_ast::Stmt::ImportFrom(from) = stmt {
                let name = from.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                if from.level == 0
                    && is_websockets(name)
                    && from.names.iter().any(|a| a.name.as_str() == "*")
                    && super::star_exports::star_names(name).is_none()
                {
                    imports.star_modules.push(name.to_string());
                    if !imports.statements.contains(&from.range) {
                        imports.statements.push(from.range);
                    }
                }
            }
        }
        for (range, name, resolved) in bindings.reads() {
            if imports.star_modules.is_empty() && !imports.may_be_import(name) {
                continue;
            }
            let read = match resolved {
                Some(id) => index.get(&id).map_or(Read::Other, |i| Read::Import(*i)),
                None => Read::Unbound,
            };
            imports.resolved.insert(range, read);
        }
        imports.statements.sort_by_key(|r| r.start());
        imports.statements.dedup();
        // Names bound at module level by something else too: name-only lookups do not guess.
        let module_scope = bindings.scope(ScopeId::MODULE);
        let bound_otherwise = |name: &str| {
            module_scope
                .bindings_of(name)
                .iter()
                .any(|id| !matches!(bindings.binding(*id).kind, BindingKind::Import(_)))
        };
        imports.ambiguous = imports
            .bindings
            .keys()
            .filter(|name| bound_otherwise(name))
            .cloned()
            .collect();
        for name in &imports.ambiguous {
            imports.bindings.remove(name);
        }
        imports.named.retain(|name, _| !bound_otherwise(name));
        imports
    }

    /// Does a websockets star import without a table leave every unbound name open?
    pub fn has_open_star(&self) -> bool {
        !self.star_modules.is_empty()
    }

    /// Could `name` be bound by an import of this file? (Cheap: two bit tests.)
    fn may_be_import(&self, name: &str) -> bool {
        self.names.may_contain(name)
    }

    /// Does the file import anything from websockets?
    pub fn any(&self) -> bool {
        !self.statements.is_empty()
    }

    /// Every import binding of the file (any module, any scope).
    pub fn imported(&self) -> impl Iterator<Item = &Binding> {
        self.imported.iter()
    }

    /// The websockets import binding `name` (name-only callers; see `bindings`).
    pub fn binding(&self, name: &str) -> Option<&Binding> {
        self.bindings.get(name)
    }

    pub fn bindings(&self) -> impl Iterator<Item = (&str, &Binding)> {
        self.bindings.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Is `expr` a name, or a chain of attributes on one, that no import binds where it is
    /// read, in a file without star imports? Then neither it nor any part of the chain
    /// resolves to anything imported (`self.pool.conn`, `result.value`).
    pub fn unimported_chain(&self, expr: &Expr) -> bool {
        let mut root = expr;
        while let Expr::Attribute(attr) = root {
            root = &attr.value;
        }
        let Expr::Name(name) = root else {
            return false;
        };
        self.star_modules.is_empty() && self.import_of(name).is_none()
    }

    /// The import a `Name` node reads, seen from where it is written. A node this file does
    /// not contain (parsed from a string annotation) is looked up by name.
    pub fn import_of(&self, name: &ExprName) -> Option<&Binding> {
        self.import_at(name.id.as_str(), name.range)
    }

    /// [`Imports::import_of`] for the name `id` written at `range` (in code, or inside a
    /// string annotation, whose names are looked up by name).
    pub fn import_at(&self, id: &str, range: TextRange) -> Option<&Binding> {
        if self.star_modules.is_empty() && !self.may_be_import(id) {
            return None;
        }
        match self.resolved.get(&range) {
            Some(Read::Import(i)) => Some(&self.imported[*i as usize]),
            Some(Read::Other | Read::Unbound) => None,
            None => self
                .bindings
                .get(id)
                .or_else(|| Some(&self.imported[*self.named.get(id)? as usize])),
        }
    }

    /// The qualified websockets name an expression refers to, when its root is a websockets
    /// import visible there: `ws.legacy.client.connect` with `import websockets as ws` gives
    /// `websockets.legacy.client.connect`.
    pub fn resolve(&self, expr: &Expr) -> Option<String> {
        self.qualified(expr, is_websockets)
    }

    /// The qualified name of any imported object: `functools.partial`, `typing.cast`,
    /// `pkg.handlers.handle`.
    pub fn resolve_any(&self, expr: &Expr) -> Option<String> {
        self.qualified(expr, |_| true)
    }

    /// [`Imports::resolve_any`] of the names whose root passes `root`: what the import binds
    /// (`os` for `import os`, `pkg.helpers.open` for `from pkg.helpers import open`), or a
    /// star import's module. Nothing is allocated for the others.
    pub fn resolve_rooted(&self, expr: &Expr, root: impl Fn(&str) -> bool) -> Option<String> {
        self.qualified(expr, root)
    }

    /// The root is tested before anything is allocated (a qualified name has its root's
    /// prefix).
    fn qualified(&self, expr: &Expr, root: impl Fn(&str) -> bool) -> Option<String> {
        let key = (std::ptr::from_ref(expr) as usize, expr.range());
        if self.last_miss.get() == key {
            return None;
        }
        match self.qualified_uncached(expr, root) {
            Ok(qualified) => Some(qualified),
            Err(root_miss) => {
                if root_miss {
                    self.last_miss.set(key);
                }
                None
            }
        }
    }

    /// `Err(true)` when the root is no import (whoever asks), `Err(false)` when it is one
    /// that `root` filters out.
    fn qualified_uncached(
        &self,
        expr: &Expr,
        root_filter: impl Fn(&str) -> bool,
    ) -> Result<String, bool> {
        // Rules ask this of nearly every name and attribute: find the root without allocating,
        // since most roots are not imports. Linear in the length of the chain.
        let mut root = expr;
        let mut extra = 0;
        let mut links = 0;
        while let Expr::Attribute(attr) = root {
            // No websockets name is this long: stop, so that asking at every link of a long
            // chain (`websockets.a.a.a…`) stays linear in the chain.
            links += 1;
            if links > MAX_LINKS {
                return Err(true);
            }
            extra += attr.attr.len() + 1;
            root = &attr.value;
        }
        let Expr::Name(name) = root else {
            return Err(true);
        };
        let id = name.id.as_str();
        let mut out = match self.import_of(name) {
            Some(binding) if !root_filter(&binding.qualified) => {
                return self.through_websockets_module(expr, binding, root_filter);
            }
            Some(binding) => {
                let mut out = String::with_capacity(binding.qualified.len() + extra);
                out.push_str(&binding.qualified);
                out
            }
            None => {
                // A name bound by no statement of the file may come from a star import (only
                // websockets star imports are kept).
                let star = self.star_modules.first().ok_or(true)?;
                let unbound = match self.resolved.get(&name.range) {
                    Some(read) => *read == Read::Unbound,
                    None => !self.ambiguous.iter().any(|a| a == id),
                };
                if !unbound {
                    return Err(true);
                }
                if !root_filter(star) {
                    return Err(false);
                }
                format!("{star}.{id}")
            }
        };
        push_attributes(expr, &mut out);
        Ok(out)
    }

    /// `dependencies.websockets.connect` with `dependencies` bound to `app.dependencies`, whose
    /// `websockets` is the websockets package: `websockets.connect` (and `compat.connect` with
    /// `app.compat.connect` bound by a websockets import: that import's name). `Err(false)`
    /// otherwise.
    fn through_websockets_module(
        &self,
        expr: &Expr,
        root: &Binding,
        root_filter: impl Fn(&str) -> bool,
    ) -> Result<String, bool> {
        if self.websockets_aliases.is_empty() {
            return Err(false);
        }
        let mut full = root.qualified.clone();
        push_attributes(expr, &mut full);
        let found = self.websockets_aliases.iter().find_map(|alias| {
            let tail = full.strip_prefix(alias.name.as_str())?;
            (tail.is_empty() || tail.starts_with('.')).then_some((&alias.websockets, tail))
        });
        match found {
            Some((websockets, tail)) if root_filter(websockets) => {
                Ok(format!("{websockets}{tail}"))
            }
            _ => Err(false),
        }
    }

    /// Where an import of this module gets the websockets name it binds, when that is another
    /// module's import (`from .compat import connect`; `key`: the binding's `stmt`, the name's
    /// part of the statement): that module's file and statement. A use tied to this import is
    /// tied to that one.
    pub fn alias_origin(&self, key: TextRange) -> Option<(u32, TextRange)> {
        self.alias_origins
            .iter()
            .find(|(here, _, _)| *here == key)
            .map(|&(_, file, there)| (file, there))
    }

    /// The websockets binding at the root of a (dotted) reference, if any.
    pub fn root_binding(&self, expr: &Expr) -> Option<&Binding> {
        match expr {
            Expr::Name(name) => self.import_of(name).filter(|b| is_websockets(&b.qualified)),
            Expr::Attribute(attr) => self.root_binding(&attr.value),
            _ => None,
        }
    }
}

/// More attribute links than any qualified name of websockets has (`websockets.legacy.
/// protocol.WebSocketCommonProtocol.attr` is four).
const MAX_LINKS: usize = 16;

/// One bit per first byte (ASCII; bit 127 for any other) and one per length (bit 63 for 63
/// and longer) of a set of names: a test that most other names fail without being hashed.
#[derive(Debug, Default, Clone, Copy)]
pub struct NameFilter {
    first_bytes: u128,
    lengths: u64,
}

impl NameFilter {
    fn bits(name: &str) -> (u128, u64) {
        let first = match name.as_bytes().first() {
            Some(&b) if b < 127 => 1 << b,
            Some(_) => 1 << 127,
            None => 0,
        };
        (first, 1 << name.len().min(63))
    }

    pub fn insert(&mut self, name: &str) {
        let (first, length) = NameFilter::bits(name);
        self.first_bytes |= first;
        self.lengths |= length;
    }

    /// `false`: `name` is none of the names inserted.
    pub fn may_contain(&self, name: &str) -> bool {
        let (first, length) = NameFilter::bits(name);
        self.first_bytes & first != 0 && self.lengths & length != 0
    }
}

/// Appends `.a.b` for `root.a.b`, outermost last.
fn push_attributes(expr: &Expr, out: &mut String) {
    if let Expr::Attribute(attr) = expr {
        push_attributes(&attr.value, out);
        out.push('.');
        out.push_str(attr.attr.as_str());
    }
}

pub fn is_websockets(module: &str) -> bool {
    module == "websockets" || module.starts_with("websockets.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_parser::{parse_expression, parse_module};

    fn resolve(source: &str, expr: &str) -> Option<String> {
        let parsed = parse_module(source).unwrap();
        let imports = Imports::collect(parsed.syntax());
        let expr = parse_expression(expr).unwrap();
        imports.resolve(&expr.syntax().body)
    }

    #[test]
    fn resolves_import_styles() {
        assert_eq!(
            resolve("import websockets\n", "websockets.connect").as_deref(),
            Some("websockets.connect")
        );
        assert_eq!(
            resolve("import websockets as w\n", "w.legacy.client.connect").as_deref(),
            Some("websockets.legacy.client.connect")
        );
        assert_eq!(
            resolve(
                "import websockets.legacy.client\n",
                "websockets.legacy.client.connect"
            )
            .as_deref(),
            Some("websockets.legacy.client.connect")
        );
        assert_eq!(
            resolve(
                "from websockets.legacy.server import WebSocketServerProtocol as P\n",
                "P"
            )
            .as_deref(),
            Some("websockets.legacy.server.WebSocketServerProtocol")
        );
        assert_eq!(
            resolve("from websockets.client import *\n", "connect").as_deref(),
            Some("websockets.client.connect")
        );
    }

    #[test]
    fn ignores_other_libraries_and_shadowing() {
        assert_eq!(resolve("import aiohttp\n", "aiohttp.connect"), None);
        assert_eq!(
            resolve("from .websockets import connect\n", "connect"),
            None
        );
        assert_eq!(
            resolve(
                "from websockets import connect\ndef connect(): pass\n",
                "connect"
            ),
            None
        );
    }
}
