//! Which websockets function a call is (`connect`, `serve`, `broadcast`, legacy or new), and
//! what that means for a finding on one of its arguments: its severity and its fix group.
//! Shared by the WS2xx rules.

use ruff_python_ast::{ExprCall, Keyword};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, FixGroup, GroupRole, Severity};
use crate::semantic::api::{self, Implementation};
use crate::semantic::connections::legacy_origin;

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
        let qualified = checker.model.resolve(&call.func)?;
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
