//! Which websockets function a call is (`connect`, `serve`, `broadcast`, legacy or new), and
//! what that means for a finding on one of its arguments: its severity and its fix group.
//! Shared by the WS2xx rules.

use ruff_python_ast::{Expr, ExprCall, ExprName, Keyword};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, FixGroup, GroupRole, Severity};
use crate::rules::kwargs_keys::{self, UnpackedEntry};
use crate::semantic::api::{self, Implementation};
use crate::semantic::connections::legacy_origin;
use crate::semantic::{BindingId, BindingKind, ClassKind, ScopeKind};

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
    /// For a subclass of the legacy `Connect` (of this file or another module): the group of
    /// the legacy import it derives through.
    subclass_group: Option<FixGroup>,
}

impl<'a> WebsocketsCall<'a> {
    /// The call, when its callee resolves to a websockets `connect`/`serve`/`broadcast`.
    pub fn of(checker: &Checker, call: &'a ExprCall) -> Option<Self> {
        let Some(qualified) = checker.resolve_callee(call) else {
            return Self::connect_subclass(checker, call);
        };
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
            subclass_group: None,
        })
    }

    /// `MyConnect(uri, ...)` where `MyConnect` derives from the `connect` class: the keywords
    /// reach `connect()`.
    fn connect_subclass(checker: &Checker, call: &'a ExprCall) -> Option<Self> {
        if !checker.model.has_connect_subclasses() {
            return None;
        }
        let class = checker.model.websockets_class(&call.func)?;
        if class.kind != ClassKind::Connect {
            return None;
        }
        let subclass_group = match (class.implementation, class.origin) {
            (Implementation::Legacy, Some(key)) => Some(FixGroup {
                key,
                role: GroupRole::Member,
                file: class.origin_file,
            }),
            _ => None,
        };
        Some(WebsocketsCall {
            call,
            kind: CallKind::Connect,
            implementation: class.implementation,
            subclass_group,
        })
    }

    pub fn keyword(&self, name: &str) -> Option<&'a Keyword> {
        self.call.arguments.find_keyword(name)
    }

    /// Where the keyword `name` reaches the call through `**` (see [`unpacked_entry`]): the
    /// range of the string-literal key (or of the keyword's name).
    pub fn unpacked_key(&self, checker: &Checker, name: &str) -> Option<TextRange> {
        unpacked_entry(checker, self.call, name).map(|e| e.key)
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
        if self.subclass_group.is_some() {
            return self.subclass_group;
        }
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

/// Where the keyword `name` reaches `call` through `**`: the key `"name"` of a dict literal
/// it unpacks (`**{"name": v}`), or of the dict `**kwargs` holds, where `kwargs` is a local of
/// the enclosing function bound once to a dict literal, or that function's own `**kwargs`
/// parameter; the key may also be set before the call by `kwargs["name"] = v`,
/// `kwargs.setdefault("name", v)` or `kwargs.update(name=v)`.
pub fn unpacked_entry<'s, 'c: 's>(
    checker: &'s Checker<'c>,
    call: &'s ExprCall,
    name: &str,
) -> Option<UnpackedEntry<'s>> {
    call.arguments
        .keywords
        .iter()
        .filter(|k| k.arg.is_none())
        .find_map(|k| match &k.value {
            Expr::Name(local) => {
                let (dict, binding) = unpacked_dict(checker, local, call)?;
                let set = kwargs_keys::set_before(checker, binding, call, name);
                match dict {
                    Some(dict) => dict_entry(dict, name).or(set),
                    None => set,
                }
            }
            value if is_dict_literal(checker, value) => dict_entry(value, name),
            _ => None,
        })
}

/// Are all the keys `call` receives through `**` written out: each unpacked dict a literal
/// without `**` of its own (`**{"open_timeout": 5}`), or a local bound once to one that is
/// read nowhere else? (No `**` at all: true.)
pub fn unpacked_keys_known(checker: &Checker, call: &ExprCall) -> bool {
    let closed = |dict: &Expr| match dict {
        // Every key a string literal: `{KEY: v}` may name any keyword.
        Expr::Dict(dict) => dict
            .items
            .iter()
            .all(|i| matches!(i.key, Some(Expr::StringLiteral(_)))),
        Expr::Call(call) => call.arguments.keywords.iter().all(|k| k.arg.is_some()),
        _ => false,
    };
    call.arguments
        .keywords
        .iter()
        .filter(|k| k.arg.is_none())
        .all(|k| match &k.value {
            Expr::Name(local) => match unpacked_dict(checker, local, call) {
                Some((Some(dict), binding)) => {
                    closed(dict)
                        && checker
                            .model
                            .bindings
                            .references_to(binding)
                            .all(|read| read == local.range)
                }
                _ => false,
            },
            value => is_dict_literal(checker, value) && closed(value),
        })
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

/// The key `"name"` of a dict literal, or the keyword `name=` of `dict(...)`, with its value.
fn dict_entry<'a>(dict: &'a Expr, name: &str) -> Option<UnpackedEntry<'a>> {
    match dict {
        Expr::Dict(dict) => dict.items.iter().find_map(|item| match &item.key {
            Some(Expr::StringLiteral(s)) if s.value.to_str() == name => Some(UnpackedEntry {
                key: s.range(),
                value: Some(&item.value),
            }),
            _ => None,
        }),
        Expr::Call(call) => {
            let keyword = call.arguments.find_keyword(name)?;
            Some(UnpackedEntry {
                key: keyword.arg.as_ref()?.range(),
                value: Some(&keyword.value),
            })
        }
        _ => None,
    }
}

/// What the read `name` unpacked at `call` holds: a local of the enclosing function (not
/// `global`/`nonlocal`) bound exactly once, before the call, to a dict literal (`name = {...}`,
/// `name: T = {...}`, `dict(...)`), or the function's `**name` parameter (no literal). With
/// the binding, for the keys set on it later.
fn unpacked_dict<'c>(
    checker: &Checker<'c>,
    name: &ExprName,
    call: &ExprCall,
) -> Option<(Option<&'c Expr>, BindingId)> {
    let id = checker.model.bindings.reference(name.range)??;
    let binding = checker.model.bindings.binding(id);
    let scope = checker.model.bindings.scope(binding.scope);
    if scope.kind != ScopeKind::Function || scope.bindings_of(binding.name).len() != 1 {
        return None;
    }
    let value = match binding.kind {
        BindingKind::Assignment(Some(value))
        | BindingKind::Annotated {
            value: Some(value), ..
        } => value,
        BindingKind::Parameter(parameter) => {
            let function = checker.enclosing_function()?;
            let is_kwargs = function
                .parameters
                .kwarg
                .as_deref()
                .is_some_and(|k| k.range == parameter.range);
            return is_kwargs.then_some((None, id));
        }
        _ => return None,
    };
    (is_dict_literal(checker, value) && value.end() <= call.start()).then_some((Some(value), id))
}
