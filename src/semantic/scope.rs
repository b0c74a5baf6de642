//! Scope identities shared by the model builder and the checker: both walk the same tree and
//! must agree on which function (or lambda, or class) a name lives in.

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

/// A function, lambda or the module, identified by where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScopeKey(u32);

impl ScopeKey {
    pub const MODULE: ScopeKey = ScopeKey(u32::MAX);

    pub fn of_stmt(stmt: &Stmt) -> ScopeKey {
        ScopeKey(stmt.start().to_u32())
    }

    pub fn of_expr(expr: &Expr) -> ScopeKey {
        ScopeKey(expr.start().to_u32())
    }

    pub fn at(offset: TextSize) -> ScopeKey {
        ScopeKey(offset.to_u32())
    }

    /// Where the scope's statement starts (`u32::MAX` for the module).
    pub fn offset(self) -> u32 {
        self.0
    }
}

/// A class, identified by where its definition starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassKey(pub u32);

impl ClassKey {
    pub fn of_stmt(stmt: &Stmt) -> ClassKey {
        ClassKey(stmt.start().to_u32())
    }
}

/// One level of the scope chain as a walker sees it.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub scope: ScopeKey,
    pub kind: FrameKind,
    /// The class a function is defined in directly (methods), if any.
    pub class: Option<ClassKey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    Module,
    Function {
        is_async: bool,
    },
    Lambda,
    /// A class body: Python does not let nested functions see its names.
    Class,
}
