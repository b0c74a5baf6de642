//! WS406 `process-request-any-method`: since 17.0 the asyncio server runs `process_request` for
//! requests that are not WebSocket handshakes too (another HTTP method than `GET`, HTTP/1.0);
//! before, it closed such connections without calling it.
//! Source: changelog 17.0 ("process_request may receive requests using an HTTP method other
//! than GET or using the HTTP/1.0 protocol"); 17.4 `server.py` (`Request.method`).

use ruff_text_size::Ranged;

use super::callback_code::{any_new, serving_as_keyword};
use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Family, FixAvailability, Rule, RuleMeta, Version};
use crate::semantic::Callable;

pub struct ProcessRequestAnyMethod;

static META: RuleMeta = RuleMeta {
    code: "WS406",
    name: "process-request-any-method",
    family: Family::BehaviourNotes,
    summary: "`process_request` also runs for non-GET and HTTP/1.0 requests since 17.0",
    fix: FixAvailability::None,
    default_severity: Severity::Note,
    enabled_by_default: false,
    since: Version::V17_0,
    needles: &["process_request"],
    doc: include_str!("../../rules/WS406.md"),
};

impl Rule for ProcessRequestAnyMethod {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn callable(&self, checker: &Checker, callable: Callable) {
        let served = serving_as_keyword(checker, callable.range(), "process_request");
        if served.is_empty() || !any_new(&served) {
            return;
        }
        // A callable that looks at the method already handles the new requests.
        let text = checker.slice(callable.range());
        if text.contains(".method") {
            return;
        }
        let (name, range) = match callable {
            Callable::Function(def) => (format!("`{}`", def.name), def.name.range()),
            Callable::Lambda(lambda) => ("this lambda".to_string(), lambda.range()),
        };
        checker.report(
            Diagnostic::new(
                &META,
                format!(
                    "{name} is the server's `process_request`: since websockets 17.0 it also \
                     runs for requests that are not WebSocket handshakes (another method than \
                     `GET`, HTTP/1.0), which the server used to drop without calling it"
                ),
                range,
            )
            .with_help(
                "if it assumes a WebSocket upgrade, check `request.method` (`Request.method`, \
                 17.0) first, or return `None` and let the server answer 405 / 505",
            ),
        );
    }
}
