//! Import bindings: which local names refer to which qualified websockets names.

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::visitor::{walk_stmt, Visitor};
use ruff_python_ast::{Expr, ModModule, Stmt};
use ruff_text_size::{Ranged, TextRange};

/// A local name bound by an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// What the name refers to: `websockets.legacy.client.connect` for
    /// `from websockets.legacy.client import connect`; `websockets` for `import websockets.http`.
    pub qualified: String,
    /// The whole import statement.
    pub stmt: TextRange,
    /// The `name` or `name as alias` part of the statement.
    pub alias: TextRange,
}

/// The import bindings of one file (all scopes together: function-level imports count too).
#[derive(Debug, Default)]
pub struct Imports {
    bindings: HashMap<String, Binding>,
    /// One bit per first byte (ASCII; bit 127 for any other) of the bound names: rules resolve
    /// nearly every name of a file, and most are not imports, so this rejects them unhashed.
    first_bytes: u128,
    /// Likewise, one bit per length (bit 63 for 63 and longer).
    lengths: u64,
    /// Names bound both by a websockets import and by something else: never resolved.
    ambiguous: Vec<String>,
    /// Modules imported with `from M import *`.
    star_modules: Vec<String>,
    /// Every import statement that mentions websockets, in source order.
    pub statements: Vec<TextRange>,
}

impl Imports {
    pub fn collect(module: &ModModule) -> Imports {
        let mut collector = Collector {
            imports: Imports::default(),
            other_names: Vec::new(),
        };
        collector.visit_body(&module.body);
        let Collector {
            mut imports,
            other_names,
        } = collector;
        for name in other_names {
            if imports.bindings.remove(&name).is_some() {
                imports.ambiguous.push(name);
            }
        }
        imports.first_bytes = imports
            .bindings
            .keys()
            .fold(0, |bits, name| bits | first_byte_bit(name));
        imports.lengths = imports
            .bindings
            .keys()
            .fold(0, |bits, name| bits | length_bit(name));
        imports
    }

    /// Does the file import anything from websockets?
    pub fn any(&self) -> bool {
        !self.statements.is_empty()
    }

    pub fn binding(&self, name: &str) -> Option<&Binding> {
        self.bindings.get(name)
    }

    pub fn bindings(&self) -> impl Iterator<Item = (&str, &Binding)> {
        self.bindings.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The qualified name an expression refers to, when its root is a websockets import:
    /// `ws.legacy.client.connect` with `import websockets as ws` gives
    /// `websockets.legacy.client.connect`.
    pub fn resolve(&self, expr: &Expr) -> Option<String> {
        // Rules ask this of nearly every name and attribute: find the root without allocating,
        // since most roots are not websockets imports.
        let mut root = expr;
        let mut extra = 0;
        let mut links = 0;
        while let Expr::Attribute(attr) = root {
            // No websockets name is this long: stop, so that asking at every link of a long
            // chain (`websockets.a.a.a…`) stays linear in the chain.
            links += 1;
            if links > MAX_LINKS {
                return None;
            }
            extra += attr.attr.len() + 1;
            root = &attr.value;
        }
        let Expr::Name(name) = root else { return None };
        let id = name.id.as_str();
        let unbound =
            self.first_bytes & first_byte_bit(id) == 0 || self.lengths & length_bit(id) == 0;
        if unbound && self.star_modules.is_empty() {
            return None;
        }
        let mut out = match self.bindings.get(id) {
            Some(binding) => {
                let mut out = String::with_capacity(binding.qualified.len() + extra);
                out.push_str(&binding.qualified);
                out
            }
            None if self.ambiguous.iter().any(|a| a == id) => return None,
            None => format!("{}.{id}", self.star_modules.first()?),
        };
        push_attributes(expr, &mut out);
        Some(out)
    }

    /// The binding at the root of a (dotted) reference, if any.
    pub fn root_binding(&self, expr: &Expr) -> Option<&Binding> {
        match expr {
            Expr::Name(name) => self.bindings.get(name.id.as_str()),
            Expr::Attribute(attr) => self.root_binding(&attr.value),
            _ => None,
        }
    }
}

/// More attribute links than any qualified name of websockets has (`websockets.legacy.
/// protocol.WebSocketCommonProtocol.attr` is four).
const MAX_LINKS: usize = 16;

fn first_byte_bit(name: &str) -> u128 {
    match name.as_bytes().first() {
        Some(&b) if b < 127 => 1 << b,
        Some(_) => 1 << 127,
        None => 0,
    }
}

fn length_bit(name: &str) -> u64 {
    1 << name.len().min(63)
}

/// Appends `.a.b` for `root.a.b`, outermost last.
fn push_attributes(expr: &Expr, out: &mut String) {
    if let Expr::Attribute(attr) = expr {
        push_attributes(&attr.value, out);
        out.push('.');
        out.push_str(attr.attr.as_str());
    }
}

fn is_websockets(module: &str) -> bool {
    module == "websockets" || module.starts_with("websockets.")
}

struct Collector {
    imports: Imports,
    other_names: Vec<String>,
}

impl Collector {
    fn bind(&mut self, name: &str, binding: Binding) {
        self.imports.bindings.insert(name.to_string(), binding);
    }
}

impl<'a> Visitor<'a> for Collector {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => {
                let mut mentions = false;
                for alias in &import.names {
                    let module = alias.name.as_str();
                    if !is_websockets(module) {
                        let local = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                        let local = local.split('.').next().unwrap_or(local);
                        self.other_names.push(local.to_string());
                        continue;
                    }
                    mentions = true;
                    let (local, qualified) = match &alias.asname {
                        Some(asname) => (asname.as_str(), module.to_string()),
                        // `import websockets.legacy.client` binds `websockets`.
                        None => ("websockets", "websockets".to_string()),
                    };
                    self.bind(
                        local,
                        Binding {
                            qualified,
                            stmt: import.range(),
                            alias: alias.range(),
                        },
                    );
                }
                if mentions {
                    self.imports.statements.push(import.range());
                }
            }
            Stmt::ImportFrom(import) => {
                let module = import.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                if import.level > 0 || !is_websockets(module) {
                    for alias in &import.names {
                        let local = alias.asname.as_ref().unwrap_or(&alias.name);
                        self.other_names.push(local.to_string());
                    }
                    return;
                }
                self.imports.statements.push(import.range());
                for alias in &import.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        self.imports.star_modules.push(module.to_string());
                        continue;
                    }
                    let local = alias.asname.as_ref().map(|a| a.as_str()).unwrap_or(name);
                    self.bind(
                        local,
                        Binding {
                            qualified: format!("{module}.{name}"),
                            stmt: import.range(),
                            alias: alias.range(),
                        },
                    );
                }
            }
            // Module-level definitions that reuse an imported name make it ambiguous.
            Stmt::FunctionDef(def) => {
                self.other_names.push(def.name.to_string());
                walk_stmt(self, stmt);
            }
            Stmt::ClassDef(def) => {
                self.other_names.push(def.name.to_string());
                walk_stmt(self, stmt);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, _expr: &'a Expr) {
        // Imports are statements; no need to descend into expressions.
    }
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
