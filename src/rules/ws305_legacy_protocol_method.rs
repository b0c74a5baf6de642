//! WS305 `legacy-protocol-method`: each method a legacy protocol subclass overrides, and each
//! `super().method()` call into the legacy protocol class, with what it becomes. WS103 reports
//! the class once; this rule points at every line a human must rewrite.
//! Table: `legacy_protocol_methods` (introspected from websockets 13.1).

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, FixGroup, GroupRole, Severity};
use crate::rules::legacy_patches::{self, Concern};
use crate::rules::legacy_protocol_methods::{becomes, legacy_base};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};
use crate::semantic::definitions::ConnectionBase;
use crate::semantic::patches::Patched;

pub struct LegacyProtocolMethod;

static META: RuleMeta = RuleMeta {
    code: "WS305",
    name: "legacy-protocol-method",
    family: Family::Callbacks,
    summary: "A legacy protocol subclass overrides, or calls through `super()`, a method the new connection does not offer",
    fix: FixAvailability::None,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["Protocol"],
    doc: include_str!("../../rules/WS305.md"),
};

/// The `connect()` / `serve()` calls of a program that patches a legacy connection class,
/// which they make (`legacy_patches`).
static PATCHES: Concern = Concern {
    meta: &META,
    patches: |patched| matches!(patched, Patched::Connection(_)),
    help: "move what the patch does to the new implementation: a subclass of its connection \
           class given to `connect(create_connection=...)` / `serve(create_connection=...)`, \
           or code around the calls it wraps; then remove the patch",
};

/// Overrides another rule reports on the same `def` line.
const REPORTED_ELSEWHERE: &[&str] = &[
    // WS302 process-request-signature.
    "process_request",
];

impl Rule for LegacyProtocolMethod {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        if let Stmt::ImportFrom(import) = stmt {
            return legacy_patches::import(checker, import, &PATCHES);
        }
        let Stmt::FunctionDef(def) = stmt else { return };
        let name = def.name.as_str();
        if REPORTED_ELSEWHERE.contains(&name) {
            return;
        }
        let (Some(base), Some(advice)) = (legacy_base(checker, true), becomes(name)) else {
            return;
        };
        let class = checker.slice(base.base);
        report(
            checker,
            &base,
            format!(
                "`{name}` overrides a method of the legacy `{class}`; the new connection \
                 (the default since websockets 14.0) never calls it"
            ),
            def.name.range(),
            name,
            advice,
        );
    }

    fn interest(&self) -> Interest {
        // Calls only: the hook returns at once for anything else.
        Interest::CALLS
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Call(call) = expr else { return };
        let Expr::Attribute(attr) = &*call.func else {
            return;
        };
        // `websockets.server.serve(...)` in a program that patches a connection class.
        legacy_patches::reference(checker, &call.func, &PATCHES);
        let is_super = matches!(&*attr.value, Expr::Call(inner)
            if matches!(&*inner.func, Expr::Name(n) if n.id.as_str() == "super"));
        if !is_super {
            return;
        }
        let name = attr.attr.as_str();
        let (Some(base), Some(advice)) = (legacy_base(checker, false), becomes(name)) else {
            return;
        };
        let class = checker.slice(base.base);
        report(
            checker,
            &base,
            format!(
                "`super().{name}()` runs the legacy `{class}` implementation; the new connection \
                 has no such method to extend"
            ),
            call.range(),
            name,
            advice,
        );
    }
}

fn report(
    checker: &Checker,
    base: &ConnectionBase,
    message: String,
    range: ruff_text_size::TextRange,
    name: &str,
    advice: &str,
) {
    checker.report(
        Diagnostic::new(&META, message, range)
            .with_help(format!("`{name}` → {advice}"))
            .with_group(Some(FixGroup {
                key: base.origin.unwrap_or(base.base),
                role: GroupRole::Member,
                file: base.origin_file,
            })),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::legacy_protocol_methods::OVERRIDES;

    #[test]
    fn every_method_is_documented_once() {
        let doc = include_str!("../../rules/WS305.md");
        for (name, _) in OVERRIDES {
            let row = format!("| `{name}` |");
            assert_eq!(doc.matches(&row).count(), 1, "rules/WS305.md: {row}");
        }
        assert_eq!(doc.matches("\n| `").count(), OVERRIDES.len());
    }
}
