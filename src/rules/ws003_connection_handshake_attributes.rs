//! WS003 `connection-handshake-attributes`: the legacy connection copied the handshake into
//! `path`, `request_headers` and `response_headers`; the new one keeps the `Request` and
//! `Response` objects. On both sides `request` is the opening request (sent by a client, received
//! by a server) and `response` the answer, exactly like the legacy attributes: 13.1
//! `legacy/client.py` (`write_http_request`, `read_http_response`) and `legacy/server.py`
//! (`read_http_request`, `write_http_response`); 17.4 `asyncio/client.py` (`handshake`) and
//! `asyncio/server.py` (`handshake`).

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::connection_attribute::{is_load, legacy_group};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::Implementation;

pub struct ConnectionHandshakeAttributes;

static META: RuleMeta = RuleMeta {
    code: "WS003",
    name: "connection-handshake-attributes",
    family: Family::ConnectionAttributes,
    summary: "`ws.path` / `ws.request_headers` / `ws.response_headers` were removed: use `ws.request` / `ws.response`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["path", "request_headers", "response_headers"],
    doc: include_str!("../../rules/WS003.md"),
};

/// Legacy attribute → its place on the new connection.
const RENAMES: &[(&str, &str)] = &[
    ("path", "request.path"),
    ("request_headers", "request.headers"),
    ("response_headers", "response.headers"),
];

impl Rule for ConnectionHandshakeAttributes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::attributes(|name| RENAMES.iter().any(|(old, _)| *old == name))
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Attribute(attr) = expr else { return };
        let name = attr.attr.as_str();
        let Some(&(_, new)) = RENAMES.iter().find(|(old, _)| *old == name) else {
            return;
        };
        let Some(connection) = checker.connection(&attr.value) else {
            return;
        };
        let receiver = checker.slice(attr.value.range());
        let group = legacy_group(&connection);
        let mut diagnostic = Diagnostic::new(
            &META,
            format!(
                "`{receiver}.{name}` does not exist on the new connection (removed in websockets \
                 14.0)"
            ),
            attr.range(),
        )
        .with_severity(connection.severity())
        .with_help(format!("use `{receiver}.{new}`"))
        .with_group(group);
        // On a legacy connection `request` / `response` only appear once its import switches
        // (the group); without a known import there is nothing to switch.
        let fixable = connection.implementation == Implementation::New || group.is_some();
        if !is_load(attr) {
            diagnostic.help = Some(format!(
                "the new connection sets `{receiver}.{new}` during the handshake: migrate this \
                 statement by hand (`process_request=` / `process_response=` can change the \
                 handshake on a server)"
            ));
        } else if fixable {
            diagnostic = diagnostic.with_fix(Fix::safe(
                format!("Replace with `{receiver}.{new}`"),
                vec![Edit::replace(attr.attr.range(), new)],
            ));
        }
        checker.report(diagnostic);
    }
}
