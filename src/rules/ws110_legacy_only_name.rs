//! WS110 `legacy-only-name`: names defined only in the legacy implementation's modules, with no
//! new home (the `HTTPResponse` type alias, `websockets.legacy.handshake`, `.http`, `.framing`,
//! ...). The import switch (WS101) leaves them on their legacy import; this rule keeps reporting
//! them so they are never silently kept.
//!
//! Table: the public names each 13.1 `websockets.legacy.*` module defines itself (`class`,
//! `def`, module-level assignment in its source), minus those with a new home
//! (`legacy_names`), minus those other rules own (`Serve`, `Connect`: WS108; `auth`: WS205).

use ruff_python_ast::{Expr, ExprContext, Stmt};
use ruff_text_size::Ranged;

use crate::checker::{Checker, Interest};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};

pub struct LegacyOnlyName;

static META: RuleMeta = RuleMeta {
    code: "WS110",
    name: "legacy-only-name",
    family: Family::ImportsAndNames,
    summary: "A name that exists only in the legacy implementation (`HTTPResponse`, `websockets.legacy.handshake`, ...)",
    fix: FixAvailability::None,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["legacy"],
    doc: include_str!("../../rules/WS110.md"),
};

const HANDSHAKE: &str = "the Sans-I/O `websockets.server.ServerProtocol` / \
                         `websockets.client.ClientProtocol` perform the handshake \
                         (`accept()`, `send_response()`, `connect()`)";
const HTTP: &str = "`websockets.http11.Request.parse()` / `Response.parse()` (Sans-I/O \
                    generators), or `connection.request` / `connection.response`";
const FRAMING: &str = "`websockets.frames` (`Frame.parse()`, `Frame.serialize()`, \
                       `Close.parse()`, `Close.serialize()`)";

/// (module, name, what to use instead).
const NAMES: &[(&str, &str, &str)] = &[
    (
        "websockets.legacy.server",
        "HTTPResponse",
        "`websockets.http11.Response`: the new `process_request` returns \
         `connection.respond(status, text)`, a `Response`",
    ),
    (
        "websockets.legacy.server",
        "HeadersLikeOrCallable",
        "`websockets.datastructures.HeadersLike`; a callable becomes a `process_response=` \
         function (WS202)",
    ),
    (
        "websockets.legacy.server",
        "remove_path_argument",
        "internal: the new server calls handlers with the connection only (WS301)",
    ),
    ("websockets.legacy.handshake", "build_request", HANDSHAKE),
    ("websockets.legacy.handshake", "check_request", HANDSHAKE),
    ("websockets.legacy.handshake", "build_response", HANDSHAKE),
    ("websockets.legacy.handshake", "check_response", HANDSHAKE),
    ("websockets.legacy.http", "read_request", HTTP),
    ("websockets.legacy.http", "read_response", HTTP),
    ("websockets.legacy.http", "read_headers", HTTP),
    ("websockets.legacy.http", "read_line", HTTP),
    (
        "websockets.legacy.http",
        "MAX_NUM_HEADERS",
        "the `WEBSOCKETS_MAX_NUM_HEADERS` environment variable",
    ),
    (
        "websockets.legacy.http",
        "MAX_LINE_LENGTH",
        "the `WEBSOCKETS_MAX_LINE_LENGTH` environment variable",
    ),
    ("websockets.legacy.framing", "Frame", FRAMING),
    ("websockets.legacy.framing", "prepare_data", FRAMING),
    ("websockets.legacy.framing", "prepare_ctrl", FRAMING),
    ("websockets.legacy.framing", "encode_data", FRAMING),
    ("websockets.legacy.framing", "parse_close", FRAMING),
    ("websockets.legacy.framing", "serialize_close", FRAMING),
];

fn entry(qualified: &str) -> Option<(&'static str, &'static str)> {
    let (module, name) = qualified.rsplit_once('.')?;
    NAMES
        .iter()
        .find(|(m, n, _)| *m == module && *n == name)
        .map(|(_, n, advice)| (*n, *advice))
}

impl Rule for LegacyOnlyName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        let Stmt::ImportFrom(import) = stmt else {
            return;
        };
        let Some(module) = import.module.as_ref().filter(|_| import.level == 0) else {
            return;
        };
        for alias in &import.names {
            let qualified = format!("{}.{}", module.as_str(), alias.name.as_str());
            if let Some((name, advice)) = entry(&qualified) {
                report(checker, &qualified, name, advice, alias.range());
            }
        }
    }

    fn interest(&self) -> Interest {
        // Attributes only: the hook returns at once for anything else.
        Interest::ATTRIBUTES
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Attribute(attr) = expr else { return };
        if attr.ctx != ExprContext::Load {
            return;
        }
        let Some(qualified) = checker.model.resolve(expr) else {
            return;
        };
        if let Some((name, advice)) = entry(&qualified) {
            report(checker, &qualified, name, advice, attr.range());
        }
    }
}

fn report(
    checker: &Checker,
    qualified: &str,
    name: &str,
    advice: &str,
    range: ruff_text_size::TextRange,
) {
    checker.report(
        Diagnostic::new(
            &META,
            format!(
                "`{qualified}` exists only in the legacy implementation (deprecated since 14.0, \
                 to be removed): the new implementation has no `{name}`"
            ),
            range,
        )
        .with_help(format!("use {advice}")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::legacy_names;

    #[test]
    fn no_name_has_a_new_home_and_each_is_documented() {
        let doc = include_str!("../../rules/WS110.md");
        for (module, name, _) in NAMES {
            let qualified = format!("{module}.{name}");
            assert!(
                legacy_names::lookup(&qualified).is_none(),
                "{qualified} has a home"
            );
            assert_eq!(
                doc.matches(&format!("| `{qualified}` |")).count(),
                1,
                "{qualified}"
            );
        }
    }
}
