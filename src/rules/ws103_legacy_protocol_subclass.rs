//! WS103 `legacy-protocol-subclass`: a class deriving from a legacy protocol class
//! (`WebSocketServerProtocol`, `WebSocketClientProtocol`, `WebSocketCommonProtocol`, directly or
//! through classes of the file) customised the connection by overriding methods. The new
//! implementation takes most of these as arguments of `serve()` / `connect()`; the rest has no
//! equivalent. Report only: the code must change shape.
//!
//! Source: the overridable methods of websockets 13.1 `legacy/server.py`
//! (`WebSocketServerProtocol`), `legacy/client.py` (`WebSocketClientProtocol`),
//! `legacy/protocol.py` (`WebSocketCommonProtocol(asyncio.Protocol)`), `legacy/auth.py`; their
//! replacements in 17.4 `asyncio/server.py` (`serve(process_request=, process_response=,
//! select_subprotocol=, origins=, extensions=, create_connection=)`) and `asyncio/client.py`.

use ruff_python_ast::{Stmt, StmtClassDef};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, FixGroup, GroupRole, Severity};
use crate::rules::legacy_protocol_methods::OVERRIDES;
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::Implementation;

pub struct LegacyProtocolSubclass;

static META: RuleMeta = RuleMeta {
    code: "WS103",
    name: "legacy-protocol-subclass",
    family: Family::ImportsAndNames,
    summary: "Subclass of a legacy protocol class: move its overrides to `serve()` / `connect()` \
              arguments",
    fix: FixAvailability::None,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["Protocol"],
    doc: include_str!("../../rules/WS103.md"),
};

impl Rule for LegacyProtocolSubclass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::NONE
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        let Stmt::ClassDef(class) = stmt else { return };
        let Some(base) = checker
            .model
            .definitions
            .classes
            .iter()
            .find(|c| c.def.range == class.range)
            .and_then(|c| c.connection_base)
        else {
            return;
        };
        if base.implementation != Implementation::Legacy {
            return;
        }
        let overrides = overridden(class);
        let mut help: Vec<String> = overrides
            .iter()
            .map(|(name, becomes)| format!("`{name}` → {becomes}"))
            .collect();
        if help.is_empty() {
            help.push(
                "use the connection classes as they are and pass hooks to `serve()` / \
                 `connect()` (`process_request=`, `select_subprotocol=`, ...)"
                    .to_string(),
            );
        }
        let direct = class.bases().iter().any(|b| b.range() == base.base);
        checker.report(
            Diagnostic::new(
                &META,
                format!(
                    "`{}` derives from the legacy `{}`{}; the new implementation is customised \
                     through `serve()` / `connect()` arguments instead",
                    class.name.as_str(),
                    checker.slice(base.base),
                    if direct {
                        ""
                    } else {
                        " (through a class of this file)"
                    }
                ),
                class.name.range(),
            )
            .with_help(help.join("\n"))
            .with_group(Some(FixGroup {
                key: base.origin.unwrap_or(base.base),
                role: GroupRole::Member,
                file: base.origin_file,
            })),
        );
    }
}

/// The legacy methods this class defines, with what each becomes, in source order.
fn overridden(class: &StmtClassDef) -> Vec<(&str, &'static str)> {
    class
        .body
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::FunctionDef(def) => {
                let name = def.name.as_str();
                OVERRIDES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, becomes)| (name, *becomes))
            }
            _ => None,
        })
        .collect()
}
