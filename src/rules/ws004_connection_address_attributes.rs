//! WS004 `connection-address-attributes`: `host`, `port` and `secure`, deprecated since 8.0, are
//! gone from the new connection. They are reported without a fix: in 13.1 they did not hold
//! the connection's address (see rules/WS004.md for what each one held on each side), so
//! neither `local_address` nor `remote_address` is an exact replacement.

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::connection_attribute::{connection_attribute, legacy_group};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::Side;

pub struct ConnectionAddressAttributes;

static META: RuleMeta = RuleMeta {
    code: "WS004",
    name: "connection-address-attributes",
    family: Family::ConnectionAttributes,
    summary: "`ws.host` / `ws.port` / `ws.secure` were removed (deprecated since 8.0)",
    fix: FixAvailability::None,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["host", "port", "secure"],
    doc: include_str!("../../rules/WS004.md"),
};

/// What the attribute held in 13.1 (`legacy/client.py` `Connect.__init__`, `legacy/server.py`
/// `Serve.__init__`, both passing `host=`, `port=`, `secure=` to the protocol factory), and what to
/// use instead, per side.
struct AddressAttribute {
    name: &'static str,
    client: &'static str,
    server: &'static str,
}

const ATTRIBUTES: &[AddressAttribute] = &[
    AddressAttribute {
        name: "host",
        client: "on a client it was the host name of the URI given to `connect()`, not an \
                 address: keep the URI (`websockets.uri.parse_uri(uri).host`); \
                 `{ws}.remote_address[0]` is the peer's IP address",
        server: "on a server it was the `host` argument given to `serve()` (possibly `None` or a \
                 list): keep that value; `{ws}.local_address[0]` is the address this connection \
                 arrived on",
    },
    AddressAttribute {
        name: "port",
        client: "on a client it was the port of the URI given to `connect()`: keep the URI (`websockets.uri.parse_uri(uri).port`); \
                 `{ws}.remote_address[1]` is the peer's port, which differs with `port=`, `sock=` or a proxy",
        server: "on a server it was the `port` argument given to `serve()` (0 for an ephemeral \
                 port): keep that value; `{ws}.local_address[1]` is the port this connection \
                 arrived on",
    },
    AddressAttribute {
        name: "secure",
        client: "on a client it said whether the URI was `wss://`: keep the URI \
                 (`websockets.uri.parse_uri(uri).secure`)",
        server: "on a server it said whether `ssl=` was given to `serve()`: keep that value, or \
                 test `{ws}.transport.get_extra_info(\"ssl_object\") is not None`",
    },
];

impl Rule for ConnectionAddressAttributes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::attributes(|name| ATTRIBUTES.iter().any(|a| a.name == name))
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Some((attr, connection)) =
            connection_attribute(checker, expr, &["host", "port", "secure"])
        else {
            return;
        };
        let name = attr.attr.as_str();
        let Some(entry) = ATTRIBUTES.iter().find(|a| a.name == name) else {
            return;
        };
        let receiver = checker.slice(attr.value.range());
        let advice = match connection.side {
            Side::Client => entry.client.to_string(),
            Side::Server => entry.server.to_string(),
            Side::Unknown => format!("{}; {}", entry.client, entry.server),
        };
        checker.report(
            Diagnostic::new(
                &META,
                format!(
                    "`{receiver}.{name}` does not exist on the new connection (deprecated since \
                     websockets 8.0, removed in 14.0)"
                ),
                attr.range(),
            )
            .with_severity(connection.severity())
            .with_help(advice.replace("{ws}", receiver))
            // No fix: the legacy import cannot switch until this use is migrated by hand.
            .with_group(legacy_group(&connection)),
        );
    }
}
