//! Facts about one module that other modules of the project establish (filled by the project
//! index, read by the model): which of its functions are handed to websockets elsewhere, which
//! parameters receive connections from callers elsewhere, and which classes of other modules
//! hold connections in attributes.

use ruff_python_ast::StmtFunctionDef;

use ruff_text_size::TextRange;

use super::api::{Implementation, Side};
use super::bindings::{BindingKind, Bindings, ScopeId};
use super::callees::method_of;
use super::connections::Connection;
use crate::diagnostic::FixGroup;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ExternalFacts {
    pub served: Vec<ExternalServed>,
    pub parameters: Vec<ExternalParameter>,
    /// `(qualified class, attribute, connection)`: instances of that class (defined in another
    /// module) hold a connection in that attribute.
    pub class_attributes: Vec<(String, String, Connection)>,
    /// Another module of the project calls a websockets `serve()`.
    pub serve_elsewhere: bool,
    /// `(qualified function, returned)`: functions of other modules, named as this module
    /// reaches them (`pkg.helpers.open_client`, `pkg.client.Client.open`), whose calls give a
    /// connection.
    pub returns: Vec<(String, Returned)>,
    /// `(qualified function, connection)`: functions of other modules that call a websockets
    /// `connect()` (themselves or through project functions, a few hops): what their calls
    /// can raise comes from that implementation.
    pub reaches_connect: Vec<(String, Connection)>,
    /// Classes of other modules that derive from a websockets class.
    pub classes: Vec<(String, WebsocketsClass)>,
    /// Names of other modules bound there by a websockets import (`pkg.compat.websockets` by
    /// `import websockets`, `pkg.compat.connect` by `from websockets.legacy.client import
    /// connect`), as this module imports them, sorted.
    pub websockets_aliases: Vec<WebsocketsAlias>,
    /// Patches of legacy classes made by other modules of the project that change what this
    /// module's legacy `connect()` / `serve()` make (`semantic::patches`).
    pub legacy_patches: Vec<ExternalPatch>,
}

/// A patch of a legacy class in another module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalPatch {
    pub patched: super::patches::Patched,
    /// The class's own name (`Connect`).
    pub class: String,
    /// The member patched (`__aiter__`).
    pub member: String,
    /// `path:line` of the patch.
    pub site: String,
}

impl ExternalFacts {
    /// Equal in all that a module's summary can depend on. `serve_elsewhere` is not part of
    /// it: it only tells WS301 whether a likely handler is proven, never what a module offers
    /// to others, so a change in it alone need not parse and summarize the module again; nor
    /// are `legacy_patches`, which only hold back the module's own switches.
    pub fn same_for_summary(&self, other: &Self) -> bool {
        self.served == other.served
            && self.parameters == other.parameters
            && self.class_attributes == other.class_attributes
            && self.returns == other.returns
            && self.reaches_connect == other.reaches_connect
            && self.classes == other.classes
            && self.websockets_aliases == other.websockets_aliases
    }

    pub fn is_empty(&self) -> bool {
        self.served.is_empty()
            && self.parameters.is_empty()
            && self.class_attributes.is_empty()
            && self.returns.is_empty()
            && self.reaches_connect.is_empty()
            && self.classes.is_empty()
            && self.websockets_aliases.is_empty()
            && self.legacy_patches.is_empty()
    }

    /// The files whose legacy imports the facts depend on (the anchors of groups that span
    /// files).
    pub fn origin_files(&self) -> impl Iterator<Item = u32> + '_ {
        let served = self.served.iter().filter_map(|s| s.group?.file);
        let connections = self
            .parameters
            .iter()
            .map(|p| &p.connection)
            .chain(self.class_attributes.iter().map(|(_, _, c)| c))
            .chain(self.returns.iter().map(|(_, r)| &r.connection))
            .chain(self.reaches_connect.iter().map(|(_, c)| c))
            .filter_map(|c| c.origin_file);
        let classes = self.classes.iter().filter_map(|(_, c)| c.origin_file);
        let aliases = self.websockets_aliases.iter().map(|a| a.file);
        served.chain(connections).chain(classes).chain(aliases)
    }

    pub fn returned(&self, qualified: &str) -> Option<Returned> {
        self.returns
            .iter()
            .find(|(q, _)| q == qualified)
            .map(|(_, r)| *r)
    }

    pub fn reached_connect(&self, qualified: &str) -> Option<Connection> {
        self.reaches_connect
            .iter()
            .find(|(q, _)| q == qualified)
            .map(|(_, c)| *c)
    }

    pub fn class(&self, qualified: &str) -> Option<&WebsocketsClass> {
        self.classes
            .iter()
            .find(|(q, _)| q == qualified)
            .map(|(_, c)| c)
    }
}

/// A name of another module that is a websockets name: what it names, and the import that
/// binds it there (uses here of a legacy name switch with that import).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebsocketsAlias {
    /// As this module imports it: `pkg.compat.connect`.
    pub name: String,
    /// `websockets.legacy.client.connect`.
    pub websockets: String,
    /// The run's file that binds it, and the range of its import statement there.
    pub file: u32,
    pub stmt: TextRange,
}

/// What calling a function gives: a connection, once awaited if the function is `async`; or,
/// for a `connector`, the un-awaited `connect()` it returns, which gives the connection when
/// awaited, entered (`async with`) or iterated (`async for`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Returned {
    pub connection: Connection,
    pub is_async: bool,
    pub connector: bool,
}

impl Returned {
    /// The connection the call gives, used as awaited (or not); a connector's only when it is
    /// used as a connector ([`Returned::connector_connection`]).
    pub fn connection_used(&self, awaited: bool) -> Option<Connection> {
        (!self.connector && self.is_async == awaited).then_some(self.connection)
    }

    /// The connection awaiting, entering or iterating the call gives, for a plain function
    /// that returns a `connect()` un-awaited.
    pub fn connector_connection(&self) -> Option<Connection> {
        (self.connector && !self.is_async).then_some(self.connection)
    }
}

/// A websockets class, or a class deriving from one (directly, through classes of its module,
/// or through classes of other modules).
#[derive(Debug, Clone, PartialEq)]
pub struct WebsocketsClass {
    pub kind: ClassKind,
    pub implementation: Implementation,
    /// For a legacy base: the group key of its legacy import (in `origin_file`, when that is
    /// another file).
    pub origin: Option<TextRange>,
    pub origin_file: Option<u32>,
    /// The methods it defines (its own and those of its module's base classes), when it is a
    /// class of the project.
    pub methods: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    /// A connection (protocol) class: `self` in its methods, and its instances, are
    /// connections of this side.
    Connection(Side),
    /// The `connect` class (legacy `Connect`): calling it connects.
    Connect,
}

impl WebsocketsClass {
    /// The connection an instance of the class is (for a connection class).
    pub fn connection(&self) -> Option<Connection> {
        let ClassKind::Connection(side) = self.kind else {
            return None;
        };
        Some(Connection {
            implementation: self.implementation,
            side,
            origin: self.origin,
            origin_file: self.origin_file,
            evidence: super::connections::Evidence::Annotation,
        })
    }
}

/// A function of this module that another module gives to a websockets `serve()`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalServed {
    /// `handler`, or `Server.on_connect` for a method.
    pub function: String,
    /// `None`: the connection handler; `Some("process_request")`: that keyword argument.
    pub keyword: Option<String>,
    pub implementation: Implementation,
    /// Positional arguments bound by `functools.partial` (the receiver not counted).
    pub bound_positional: usize,
    /// Keyword arguments bound by `functools.partial`.
    pub bound_keywords: Vec<String>,
    /// For a legacy `serve()`: the group of the import that must switch, in the serving file.
    pub group: Option<FixGroup>,
    /// Where the `serve()` call is, for messages: `app/main.py:12`.
    pub site: String,
    /// Proven (the call resolves to this very function) or only likely.
    pub proven: bool,
}

/// A parameter of a function of this module that a caller elsewhere passes a connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalParameter {
    pub function: String,
    /// Position among the positional parameters (the receiver of a method not counted).
    pub index: usize,
    pub connection: Connection,
}

/// The function `qualname` (`name` or `Class.name`) defined at the top of the module.
pub fn function_named<'a>(bindings: &Bindings<'a>, qualname: &str) -> Option<&'a StmtFunctionDef> {
    let module = bindings.scope(ScopeId::MODULE);
    let (first, rest) = match qualname.split_once('.') {
        Some((class, method)) => (class, Some(method)),
        None => (qualname, None),
    };
    let id = *module.bindings_of(first).last()?;
    match (&bindings.binding(id).kind, rest) {
        (BindingKind::Function(def), None) => Some(def),
        // A class called is its `__init__` (`Session(ws)` in another module), when this
        // module only calls it or names it in annotations.
        (BindingKind::Class(class), None) if bindings.only_called_or_annotated(id) => {
            method_of(&class.body, "__init__")
        }
        (BindingKind::Class(class), Some(method)) => method_of(&class.body, method),
        _ => None,
    }
}
