//! WS204 `renamed-argument`: `timeout=` is `close_timeout=` and `ws_handler=` is `handler=` in
//! the new implementation; `create_protocol=` / `klass=` became `create_connection=`, which must
//! build a new-style connection.
//! Upstream: docs/howto/upgrade.rst; legacy 13.1 `Connect`/`Serve` (`timeout` and `klass` popped
//! from `**kwargs` as deprecated aliases of `close_timeout` and `create_protocol`), 17.4
//! `asyncio.client.connect`/`asyncio.server.serve` (`handler`, `close_timeout`,
//! `create_connection`).

use ruff_python_ast::{Expr, Keyword};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::fix::arguments::{remove_argument, rename_keyword, rename_string_key};
use crate::rules::websockets_call::{CallKind, WebsocketsCall};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::api::Implementation;
use crate::semantic::ClassKind;

pub struct RenamedArgument;

static META: RuleMeta = RuleMeta {
    code: "WS204",
    name: "renamed-argument",
    family: Family::CallArguments,
    summary: "`timeout=`, `ws_handler=`, `create_protocol=`, `klass=` were renamed",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["timeout", "ws_handler", "create_protocol", "klass"],
    doc: include_str!("../../rules/WS204.md"),
};

/// Plain renames: legacy keyword, new keyword, the calls that take it.
const RENAMED: &[(&str, &str, &[CallKind])] = &[
    (
        "timeout",
        "close_timeout",
        &[CallKind::Connect, CallKind::Serve],
    ),
    ("ws_handler", "handler", &[CallKind::Serve]),
];

impl Rule for RenamedArgument {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::CALLS
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Call(call) = expr else { return };
        let Some(target) = WebsocketsCall::of(checker, call) else {
            return;
        };
        for &(old, new, kinds) in RENAMED {
            if !kinds.contains(&target.kind) {
                continue;
            }
            if let Some(keyword) = target.keyword(old) {
                report_rename(checker, &target, keyword, old, new);
            } else if let Some(key) = target.unpacked_key(checker, old) {
                report_unpacked_rename(checker, &target, key, old, new);
            }
        }
        if target.kind != CallKind::Broadcast {
            for old in ["create_protocol", "klass"] {
                if let Some(keyword) = target.keyword(old) {
                    report_factory(checker, &target, keyword, old);
                } else if let Some(key) = target.unpacked_key(checker, old) {
                    report_unpacked_factory(checker, &target, key, old);
                }
            }
        }
    }
}

fn report_rename(
    checker: &Checker,
    target: &WebsocketsCall,
    keyword: &Keyword,
    old: &str,
    new: &str,
) {
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`{old}=` of `{}` is `{new}=` in the new implementation; {}",
            target.function_name(),
            target.consequence()
        ),
        keyword.range(),
    );
    // The legacy code used `timeout` only when `close_timeout` was not given.
    let fix = if target.keyword(new).is_some() {
        remove_argument(checker.source, &target.call.arguments, keyword.range()).map(|edit| {
            Fix::safe(
                format!("Remove `{old}=`: `{new}=` is given and took precedence"),
                vec![edit],
            )
        })
    } else {
        rename_keyword(keyword, new)
            .map(|edit| Fix::safe(format!("Rename `{old}=` to `{new}=`"), vec![edit]))
    };
    if let Some(fix) = fix {
        diagnostic = diagnostic.with_fix(fix);
    }
    checker.report(target.diagnostic(checker, diagnostic, Some(old)));
}

/// `connect(url, **args)` where `args = {"timeout": ...}`: rename the key. Unsafe: the dict may
/// also be given to something else that expects the old name.
fn report_unpacked_rename(
    checker: &Checker,
    target: &WebsocketsCall,
    key: TextRange,
    old: &str,
    new: &str,
) {
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`\"{old}\"`, unpacked into `{}`, is `{new}=` in the new implementation; {}",
            target.function_name(),
            target.consequence()
        ),
        key,
    );
    if target.keyword(new).is_none() && target.unpacked_key(checker, new).is_none() {
        if let Some(edit) = rename_string_key(checker.source, key, new) {
            diagnostic = diagnostic.with_fix(Fix::unsafe_(
                format!(
                    "Rename the key to `\"{new}\"`: check that the dict is not used for anything \
                     else"
                ),
                vec![edit],
            ));
        }
    }
    checker.report(target.diagnostic(checker, diagnostic, None));
}

fn report_factory(checker: &Checker, target: &WebsocketsCall, keyword: &Keyword, old: &str) {
    let value = &keyword.value;
    // WS205 and (for `serve()`) WS304 say more about these.
    let hooked = target.kind == CallKind::Serve && is_hooked_legacy_subclass(checker, value);
    if is_basic_auth_factory(checker, value) || hooked {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`{old}=` of `{}` is `create_connection=` in the new implementation, and it must \
             build a new-style connection; {}",
            target.function_name(),
            target.consequence()
        ),
        keyword.range(),
    )
    .with_help(
        "customizations of the legacy protocol class usually become `process_request=`, \
         `process_response=` or `select_subprotocol=` callables; a subclass of \
         `ClientConnection`/`ServerConnection` can be passed as `create_connection=`",
    );
    if is_new_connection_class(checker, value) && target.keyword("create_connection").is_none() {
        if let Some(edit) = rename_keyword(keyword, "create_connection") {
            diagnostic = diagnostic.with_fix(Fix::safe(
                format!("Rename `{old}=` to `create_connection=`"),
                vec![edit],
            ));
        }
    }
    checker.report(target.diagnostic(checker, diagnostic, Some(old)));
}

/// `connect(uri, **kwargs)` after `kwargs.setdefault("create_protocol", P)` (or a dict entry):
/// the factory reaches the call all the same. Report only: what `P` builds decides the fix.
fn report_unpacked_factory(checker: &Checker, target: &WebsocketsCall, key: TextRange, old: &str) {
    let diagnostic = Diagnostic::new(
        &META,
        format!(
            "`\"{old}\"`, unpacked into `{}`, is `create_connection=` in the new \
             implementation, and it must build a new-style connection; {}",
            target.function_name(),
            target.consequence()
        ),
        key,
    )
    .with_help(
        "customizations of the legacy protocol class usually become `process_request=`, \
         `process_response=` or `select_subprotocol=` callables; a subclass of \
         `ClientConnection`/`ServerConnection` can be passed as `create_connection=`",
    );
    checker.report(target.diagnostic(checker, diagnostic, None));
}

/// `basic_auth_protocol_factory(...)`: WS205 rewrites it.
pub fn is_basic_auth_factory(checker: &Checker, value: &Expr) -> bool {
    let Expr::Call(call) = value else {
        return false;
    };
    checker
        .model
        .resolve(&call.func)
        .is_some_and(|q| q.ends_with(".basic_auth_protocol_factory"))
}

/// A new connection class, or a class (of this file, or of another module) deriving from one.
fn is_new_connection_class(checker: &Checker, value: &Expr) -> bool {
    checker.model.websockets_class(value).is_some_and(|c| {
        c.implementation == Implementation::New && matches!(c.kind, ClassKind::Connection(_))
    })
}

/// A legacy protocol subclass (of this file, or of another module) that overrides methods:
/// WS304 names its hooks.
fn is_hooked_legacy_subclass(checker: &Checker, value: &Expr) -> bool {
    checker.model.websockets_class(value).is_some_and(|c| {
        c.implementation == Implementation::Legacy
            && matches!(c.kind, ClassKind::Connection(_))
            && !c.methods.is_empty()
    })
}
