//! Facts about one module that other modules of the project establish (filled by the project
//! index, read by the model): which of its functions are handed to websockets elsewhere, which
//! parameters receive connections from callers elsewhere, and which classes of other modules
//! hold connections in attributes.

use ruff_python_ast::{Stmt, StmtFunctionDef};

use super::api::Implementation;
use super::bindings::{BindingKind, Bindings, ScopeId};
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
}

impl ExternalFacts {
    pub fn is_empty(&self) -> bool {
        self.served.is_empty() && self.parameters.is_empty() && self.class_attributes.is_empty()
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
        (BindingKind::Class(class), Some(method)) => class.body.iter().find_map(|s| match s {
            Stmt::FunctionDef(def) if def.name.as_str() == method => Some(def),
            _ => None,
        }),
        _ => None,
    }
}
