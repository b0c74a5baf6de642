//! Which websockets function a call is (`connect`, `serve`, `broadcast`, legacy or new), and
//! what that means for a finding on one of its arguments: its severity and its fix group.
//! Shared by the WS2xx rules.

use ruff_python_ast::{Expr, ExprCall, ExprName, Keyword};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, FixGroup, GroupRole, Severity};
use crate::semantic::api::{self, Implementation};
use crate::semantic::connections::legacy_origin;
use crate::semantic::{BindingKind, ScopeKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `connect()`, `unix_connect()`, legacy `Connect`.
    Connect,
    /// `serve()`, `unix_serve()`, legacy `Serve`.
    Serve,
    Broadcast,
}

#[derive(Debug, Clone, Copy)]
pub struct WebsocketsCall<'a> {
    pub call: &'a ExprCall,
    pub kind: CallKind,
    pub implementation: Implementation,
}

impl<'a> WebsocketsCall<'a> {
    /// The call, when its callee resolves to a websockets `connect`/`serve`/`broadcast`.
    pub fn of(checker: &Checker, call: &'a ExprCall) -> Option<Self> {
        let qualified = checker.resolve_callee(call)?;
        let (kind, implementation) = if let Some(i) = api::connect_function(&qualified) {
            (CallKind::Connect, i)
        } else if let Some(i) = api::serve_function(&qualified) {
            (CallKind::Serve, i)
        } else {
            (CallKind::Broadcast, api::broadcast_function(&qualified)?)
        };
        Some(WebsocketsCall {
            call,
            kind,
            implementation,
        })
    }

    pub fn keyword(&self, name: &str) -> Option<&'a Keyword> {
        self.call.arguments.find_keyword(name)
    }

    /// The key `"name"` of a dict literal that the call unpacks: `**{"name": v}`, or `**kwargs`
    /// where `kwargs` is a local of the enclosing function (not a parameter) bound exactly once,
    /// before the call, to a dict literal. Returns the range of the string-literal key.
    pub fn unpacked_key(&self, checker: &Checker, name: &str) -> Option<TextRange> {
        self.call
            .arguments
            .keywords
            .iter()
            .filter(|k| k.arg.is_none())
            .find_map(|k| {
                let dict = match &k.value {
                    Expr::Name(local) => local_dict(checker, local, self.call)?,
                    value if is_dict_literal(checker, value) => value,
                    _ => return None,
                };
                match dict {
                    Expr::Dict(dict) => dict.items.iter().find_map(|item| match &item.key {
                        Some(Expr::StringLiteral(s)) if s.value.to_str() == name => Some(s.range()),
                        _ => None,
                    }),
                    // `dict(name=...)`: the keyword's name.
                    Expr::Call(call) => call
                        .arguments
                        .find_keyword(name)
                        .and_then(|k| k.arg.as_ref())
                        .map(Ranged::range),
                    _ => None,
                }
            })
    }

    /// The function's name as a user writes it.
    pub fn function_name(&self) -> &'static str {
        match self.kind {
            CallKind::Connect => "connect()",
            CallKind::Serve => "serve()",
            CallKind::Broadcast => "broadcast()",
        }
    }

    /// Error when the call already reaches the new implementation (the argument raises
    /// `TypeError` now); deprecation while it comes from a legacy import.
    pub fn severity(&self) -> Severity {
        match self.implementation {
            Implementation::New => Severity::Error,
            Implementation::Legacy => Severity::Deprecation,
        }
    }

    /// For a legacy call, an argument rewrite only makes sense together with the switch of the
    /// legacy import (WS101): the fix joins that import's group.
    pub fn group(&self, checker: &Checker) -> Option<FixGroup> {
        match self.implementation {
            Implementation::New => None,
            Implementation::Legacy => {
                legacy_origin(&checker.model.imports, &self.call.func).map(|key| FixGroup {
                    key,
                    role: GroupRole::Member,
                    file: None,
                })
            }
        }
    }

    /// "raises TypeError" or "will raise once the import switches", for messages.
    pub fn consequence(&self) -> &'static str {
        match self.implementation {
            Implementation::New => "the new implementation raises `TypeError` for it",
            Implementation::Legacy => {
                "the legacy implementation still accepts it, the new one raises `TypeError`"
            }
        }
    }

    /// A diagnostic with this call's severity and group; when `**kwargs` is unpacked, a help
    /// line says that the same argument may hide there.
    pub fn diagnostic(
        &self,
        checker: &Checker,
        diagnostic: Diagnostic,
        hidden_keyword: Option<&str>,
    ) -> Diagnostic {
        let mut diagnostic = diagnostic
            .with_severity(self.severity())
            .with_group(self.group(checker));
        if let Some(name) = hidden_keyword {
            if crate::fix::arguments::has_kwargs_unpack(&self.call.arguments) {
                let note = format!(
                    "this call also unpacks `**kwargs`: check that it does not carry `{name}` too"
                );
                diagnostic.help = Some(match diagnostic.help.take() {
                    Some(help) => format!("{help}\n{note}"),
                    None => note,
                });
            }
        }
        diagnostic
    }
}

/// `{...}`, or `dict(k=v, ...)` with the builtin `dict` (not rebound by an import).
fn is_dict_literal(checker: &Checker, value: &Expr) -> bool {
    match value {
        Expr::Dict(_) => true,
        Expr::Call(call) => {
            matches!(&*call.func, Expr::Name(n) if n.id.as_str() == "dict"
                && checker.model.bindings.reference(n.range) == Some(None))
                && call.arguments.args.is_empty()
        }
        _ => false,
    }
}

/// The dict literal that the read `name` holds at `call`: it resolves to a local of the
/// enclosing function (not a parameter, not `global`/`nonlocal`), bound exactly once in that
/// function, by `name = {...}` / `name: T = {...}` (or `dict(...)`), before the call.
fn local_dict<'c>(checker: &Checker<'c>, name: &ExprName, call: &ExprCall) -> Option<&'c Expr> {
    let binding = checker.model.binding_of(name)?;
    let scope = checker.model.bindings.scope(binding.scope);
    if scope.kind != ScopeKind::Function || scope.bindings_of(binding.name).len() != 1 {
        return None;
    }
    let value = match binding.kind {
        BindingKind::Assignment(Some(value))
        | BindingKind::Annotated {
            value: Some(value), ..
        } => value,
        _ => return None,
    };
    (is_dict_literal(checker, value) && value.end() <= call.start()).then_some(value)
}
