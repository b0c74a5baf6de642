//! WS108 `legacy-connect-class`: the legacy `connect` was a class (`Connect`) with tunable class
//! attributes (`BACKOFF_*`, `MAX_REDIRECTS_ALLOWED`) and a `handle_redirect()` method; code
//! subclassed it, set the attributes, or patched its methods. The new `connect` (a class too)
//! has none of them: subclasses and patches are silently ignored or break.
//!
//! Table: websockets 13.1 `vars(legacy.client.Connect)` minus dunders and minus 17.4
//! `vars(asyncio.client.connect)`; replacements from 17.4 `client.py` (`BACKOFF_*_DELAY` read
//! from `WEBSOCKETS_BACKOFF_*` environment variables), `asyncio/client.py` (`MAX_REDIRECTS` from
//! `WEBSOCKETS_MAX_REDIRECTS`, `reconnect_delays=` since 17.0, `process_redirect()`).

use ruff_python_ast::{Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Edit, Fix, FixGroup, GroupRole, Severity};
use crate::rules::connection_attribute;
use crate::rules::legacy_patches::{self, Concern};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};
use crate::semantic::connections::legacy_origin;
use crate::semantic::patches::Patched;
use crate::semantic::{api, ClassKind, Implementation};

pub struct LegacyConnectClass;

static META: RuleMeta = RuleMeta {
    code: "WS108",
    name: "legacy-connect-class",
    family: Family::ImportsAndNames,
    summary: "Subclass, class attribute (`BACKOFF_*`, `MAX_REDIRECTS_ALLOWED`), patch or `protocol` of the legacy `Connect` class",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["onnect"],
    doc: include_str!("../../rules/WS108.md"),
};

/// The `connect()` calls of a program that patches `Connect` (`legacy_patches`).
static PATCHES: Concern = Concern {
    meta: &META,
    patches: |patched| patched == Patched::Connect,
    help: "move what the patch does into `connect()` arguments (`process_exception=`, \
           `reconnect_delays=`, `additional_headers=`, ...) or into a wrapper function, then \
           remove the patch",
};

/// Members of the legacy `Connect` that the new `connect` lacks → what replaces each.
const MEMBERS: &[(&str, &str)] = &[
    (
        "BACKOFF_INITIAL",
        "set the `WEBSOCKETS_BACKOFF_INITIAL_DELAY` environment variable (read at import), or \
         pass `reconnect_delays=` (websockets 17.0+)",
    ),
    (
        "BACKOFF_MIN",
        "set the `WEBSOCKETS_BACKOFF_MIN_DELAY` environment variable (read at import), or pass \
         `reconnect_delays=` (websockets 17.0+)",
    ),
    (
        "BACKOFF_MAX",
        "set the `WEBSOCKETS_BACKOFF_MAX_DELAY` environment variable (read at import), or pass \
         `reconnect_delays=` (websockets 17.0+)",
    ),
    (
        "BACKOFF_FACTOR",
        "set the `WEBSOCKETS_BACKOFF_FACTOR` environment variable (read at import), or pass \
         `reconnect_delays=` (websockets 17.0+)",
    ),
    (
        "MAX_REDIRECTS_ALLOWED",
        "set the `WEBSOCKETS_MAX_REDIRECTS` environment variable (read at import)",
    ),
    (
        "handle_redirect",
        "internal: the new `connect` follows redirects in its private `process_redirect()`",
    ),
];

impl Rule for LegacyConnectClass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        match stmt {
            Stmt::ClassDef(class) => subclass(checker, class),
            Stmt::ImportFrom(import) => legacy_patches::import(checker, import, &PATCHES),
            _ => {}
        }
    }

    fn interest(&self) -> Interest {
        // Attributes, and calls for `hasattr(ctx, "protocol")`.
        Interest {
            calls: true,
            ..Interest::ATTRIBUTES
        }
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        if let Expr::Call(call) = expr {
            return protocol_by_name(checker, call);
        }
        let Expr::Attribute(attr) = expr else { return };
        if attr.attr.as_str() == "protocol" && attr.ctx.is_load() {
            protocol_member(checker, &attr.value, attr.attr.range);
        }
        if checker.parent_expr().is_none_or(|p| !p.is_attribute_expr()) {
            legacy_patches::reference(checker, expr, &PATCHES);
        }
        let Some(implementation) = connect_class(checker, &attr.value) else {
            return;
        };
        let name = attr.attr.as_str();
        let member = MEMBERS.iter().find(|(m, _)| *m == name);
        let store = !matches!(attr.ctx, ExprContext::Load);
        let receiver = checker.slice(attr.value.range());
        let (message, advice) = match (member, store) {
            (Some((_, advice)), true) => (
                format!(
                    "`{receiver}.{name} = ...` tunes the legacy `Connect`; the new `connect` has \
                     no `{name}` and ignores it"
                ),
                *advice,
            ),
            (Some((_, advice)), false) => (
                format!("`{receiver}.{name}` exists only on the legacy `Connect`"),
                *advice,
            ),
            (None, true) => (
                format!(
                    "`{receiver}.{name} = ...` patches the `connect` class; the new `connect` \
                     does not have the legacy methods, so the patch breaks or is ignored"
                ),
                "use `connect()` arguments or wrap `connect()` in a function of your own",
            ),
            (None, false) => return,
        };
        report(
            checker,
            implementation,
            &attr.value,
            message,
            attr.range(),
            vec![format!("`{name}` → {advice}")],
        );
    }
}

/// `hasattr(ctx, "protocol")`, `getattr(ctx, "protocol", None)` on a `connect()` object.
fn protocol_by_name(checker: &Checker, call: &ruff_python_ast::ExprCall) {
    let Expr::Name(func) = &*call.func else {
        return;
    };
    if !matches!(func.id.as_str(), "hasattr" | "getattr") {
        return;
    }
    let (Some(object), Some(Expr::StringLiteral(name))) =
        (call.arguments.args.first(), call.arguments.args.get(1))
    else {
        return;
    };
    if name.value.to_str() != "protocol" || name.value.is_implicit_concatenated() {
        return;
    }
    // The name inside the quotes.
    let Some(inner) = name.value.iter().next().map(|part| part.content_range()) else {
        return;
    };
    protocol_member(checker, object, inner);
}

/// `ctx.protocol` where `ctx` holds a `connect()` object: the legacy `Connect` kept the
/// connection it opened in `protocol`, the new `connect` keeps it in `connection`, and only
/// while entered (`async with`, `__aenter__()`; `await connect(...)` sets nothing).
fn protocol_member(checker: &Checker, object: &Expr, name: TextRange) {
    let Some(held) = checker.model.connector(object, &checker.frames()) else {
        return;
    };
    let receiver = checker.slice(object.range());
    let message = match held.implementation {
        Implementation::New => format!(
            "`{receiver}` is the new `connect`, which has no `protocol`: the connection it \
             opened is its `connection`"
        ),
        Implementation::Legacy => format!(
            "`protocol` of the legacy `Connect` (`{receiver}`) is `connection` on the new \
             `connect`"
        ),
    };
    let fix = Fix::unsafe_(
        "Use `connection` (set only while the `connect()` object is entered: `async with`, \
         `__aenter__()`)",
        vec![Edit::replace(name, "connection")],
    );
    checker.report(
        Diagnostic::new(&META, message, name)
            .with_severity(held.severity())
            .with_help(
                "the new `connect` sets `connection` in `__aenter__()` and removes it in \
                 `__aexit__()`; awaiting it (`ws = await connect(...)`) sets nothing: keep the \
                 connection it returns instead",
            )
            .with_fix(fix)
            .with_group(connection_attribute::legacy_group(&held)),
    );
}

/// A subclass of the `connect` class: legacy, or new with legacy members.
fn subclass(checker: &Checker, class: &ruff_python_ast::StmtClassDef) {
    for base in class.bases() {
        let Some(implementation) = connect_class(checker, base) else {
            continue;
        };
        // A subclass of the new `connect` is fine unless it sets legacy members.
        let legacy_members: Vec<&str> = class
            .body
            .iter()
            .filter_map(defined_name)
            .filter(|name| MEMBERS.iter().any(|(m, _)| m == name))
            .collect();
        if implementation == Implementation::New && legacy_members.is_empty() {
            continue;
        }
        let base_text = checker.slice(base.range());
        let mut help = vec![format!(
            "move the customisation to `connect()` arguments (`process_exception=`, \
             `reconnect_delays=`, `additional_headers=`, ...) or to a wrapper function"
        )];
        help.extend(legacy_members.iter().filter_map(|name| {
            MEMBERS
                .iter()
                .find(|(m, _)| m == name)
                .map(|(m, advice)| format!("`{m}` → {advice}"))
        }));
        let message = match implementation {
            Implementation::Legacy => format!(
                "`{}` subclasses the legacy `{base_text}` class, which the new `connect` \
                 does not replace member for member; the import switch of this module \
                 (WS101) waits until this class is migrated by hand",
                class.name.as_str()
            ),
            Implementation::New => format!(
                "`{}` sets members of the legacy `Connect` ({}) on the new `{base_text}`, \
                 which never reads them",
                class.name.as_str(),
                legacy_members.join(", ")
            ),
        };
        report(
            checker,
            implementation,
            base,
            message,
            class.name.range(),
            help,
        );
    }
}

/// Is `expr` the `connect` class (legacy `Connect` / `connect`, or the new `connect`), a
/// parameter annotated `type[Connect]`, or (for attributes) a subclass of it, here or in
/// another module?
fn connect_class(checker: &Checker, expr: &Expr) -> Option<Implementation> {
    let qualified = checker.model.resolve(expr);
    if let Some(qualified) = qualified {
        return api::connect_class(&qualified);
    }
    let class = checker.model.websockets_class(expr)?;
    (class.kind == ClassKind::Connect).then_some(class.implementation)
}

/// The group of the legacy import the `connect` class `reference` comes from.
fn legacy_group(checker: &Checker, reference: &Expr) -> Option<FixGroup> {
    if let Some(key) = legacy_origin(&checker.model.imports, reference)
        .filter(|_| checker.model.resolve(reference).is_some())
    {
        return Some(FixGroup {
            key,
            role: GroupRole::Member,
            file: None,
        });
    }
    let class = checker.model.websockets_class(reference)?;
    Some(FixGroup {
        key: class.origin?,
        role: GroupRole::Member,
        file: class.origin_file,
    })
}

/// The name a class-body statement defines (`X = ...`, `def x`).
fn defined_name(stmt: &Stmt) -> Option<&str> {
    match stmt {
        Stmt::FunctionDef(def) => Some(def.name.as_str()),
        Stmt::Assign(assign) => match &assign.targets[..] {
            [Expr::Name(n)] => Some(n.id.as_str()),
            _ => None,
        },
        Stmt::AnnAssign(assign) => match &*assign.target {
            Expr::Name(n) => Some(n.id.as_str()),
            _ => None,
        },
        _ => None,
    }
}

fn report(
    checker: &Checker,
    implementation: Implementation,
    reference: &Expr,
    message: String,
    range: TextRange,
    help: Vec<String>,
) {
    let (severity, group) = match implementation {
        // Report-only members of the import's group: they keep it from switching.
        Implementation::Legacy => (Severity::Deprecation, legacy_group(checker, reference)),
        Implementation::New => (Severity::Error, None),
    };
    checker.report(
        Diagnostic::new(&META, message, range)
            .with_severity(severity)
            .with_help(help.join("\n"))
            .with_group(group),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_is_documented_once() {
        let doc = include_str!("../../rules/WS108.md");
        for (name, _) in MEMBERS {
            assert_eq!(doc.matches(&format!("| `{name}` |")).count(), 1, "{name}");
        }
    }
}
