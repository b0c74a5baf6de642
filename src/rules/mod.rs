//! The rule registry. A rule is one module here plus one `rules/WSnnn.md` file (its docs and
//! examples) plus fixtures; adding one means adding one line to `ALL`.

mod callback_code;
mod connection_attribute;
mod header_literal;
pub(crate) mod legacy_names;
mod legacy_protocol_methods;
mod server_object;
mod sync_api;
mod websockets_call;
mod ws001_fail_connection;
mod ws002_connection_open_closed;
mod ws003_connection_handshake_attributes;
mod ws004_connection_address_attributes;
mod ws005_private_connection_internals;
mod ws101_legacy_import;
mod ws102_legacy_connection_class;
mod ws103_legacy_protocol_subclass;
mod ws104_invalid_status_code;
mod ws105_legacy_handshake_exceptions;
mod ws106_removed_module;
mod ws107_connection_closed_code_reason;
mod ws108_legacy_connect_class;
mod ws109_opcode_constant;
mod ws110_legacy_only_name;
mod ws111_payload_too_big_message;
mod ws201_connect_extra_headers;
mod ws202_serve_extra_headers;
mod ws203_removed_argument;
mod ws204_renamed_argument;
mod ws205_basic_auth_protocol_factory;
mod ws206_changed_argument_value;
mod ws207_keyword_only_argument;
mod ws301_handler_path_parameter;
mod ws302_process_request_signature;
mod ws303_select_subprotocol_signature;
mod ws304_legacy_protocol_hook;
mod ws305_legacy_protocol_method;
mod ws401_concurrent_recv_runtime_error;
mod ws402_reconnect_retry_policy;
mod ws403_subprotocol_negotiation_default;
mod ws404_automatic_proxy;
mod ws405_value_error_for_bad_arguments;
mod ws406_process_request_any_method;
mod ws501_sync_socket_argument;
mod ws502_sync_connect_without_with;
mod ws503_sync_keepalive_default;
mod ws504_sync_server_shutdown;
mod ws505_sync_ssl_context;
mod ws506_sync_connection_subclass;
mod ws601_serve_outside_running_loop;
mod ws602_legacy_server_attribute;

use std::fmt;

use ruff_python_ast::{Expr, Stmt};

use crate::checker::Checker;
use crate::diagnostic::Severity;
use crate::semantic::Callable;

/// Every rule, in code order.
pub static ALL: &[&dyn Rule] = &[
    &ws001_fail_connection::FailConnection,
    &ws002_connection_open_closed::ConnectionOpenClosed,
    &ws003_connection_handshake_attributes::ConnectionHandshakeAttributes,
    &ws004_connection_address_attributes::ConnectionAddressAttributes,
    &ws005_private_connection_internals::PrivateConnectionInternals,
    &ws101_legacy_import::LegacyImport,
    &ws102_legacy_connection_class::LegacyConnectionClass,
    &ws103_legacy_protocol_subclass::LegacyProtocolSubclass,
    &ws104_invalid_status_code::InvalidStatusCode,
    &ws105_legacy_handshake_exceptions::LegacyHandshakeExceptions,
    &ws106_removed_module::RemovedModule,
    &ws107_connection_closed_code_reason::ConnectionClosedCodeReason,
    &ws108_legacy_connect_class::LegacyConnectClass,
    &ws109_opcode_constant::OpcodeConstant,
    &ws110_legacy_only_name::LegacyOnlyName,
    &ws111_payload_too_big_message::PayloadTooBigMessage,
    &ws201_connect_extra_headers::ConnectExtraHeaders,
    &ws202_serve_extra_headers::ServeExtraHeaders,
    &ws203_removed_argument::RemovedArgument,
    &ws204_renamed_argument::RenamedArgument,
    &ws205_basic_auth_protocol_factory::BasicAuthProtocolFactory,
    &ws206_changed_argument_value::ChangedArgumentValue,
    &ws207_keyword_only_argument::KeywordOnlyArgument,
    &ws301_handler_path_parameter::HandlerPathParameter,
    &ws302_process_request_signature::ProcessRequestSignature,
    &ws303_select_subprotocol_signature::SelectSubprotocolSignature,
    &ws304_legacy_protocol_hook::LegacyProtocolHook,
    &ws305_legacy_protocol_method::LegacyProtocolMethod,
    &ws401_concurrent_recv_runtime_error::ConcurrentRecvRuntimeError,
    &ws402_reconnect_retry_policy::ReconnectRetryPolicy,
    &ws403_subprotocol_negotiation_default::SubprotocolNegotiationDefault,
    &ws404_automatic_proxy::AutomaticProxy,
    &ws405_value_error_for_bad_arguments::ValueErrorForBadArguments,
    &ws406_process_request_any_method::ProcessRequestAnyMethod,
    &ws501_sync_socket_argument::SyncSocketArgument,
    &ws502_sync_connect_without_with::SyncConnectWithoutWith,
    &ws503_sync_keepalive_default::SyncKeepaliveDefault,
    &ws504_sync_server_shutdown::SyncServerShutdown,
    &ws505_sync_ssl_context::SyncSslContext,
    &ws506_sync_connection_subclass::SyncConnectionSubclass,
    &ws601_serve_outside_running_loop::ServeOutsideRunningLoop,
    &ws602_legacy_server_attribute::LegacyServerAttribute,
];

/// Codes the tool itself reports about files it could not check.
pub mod builtin {
    use super::*;

    pub static IO_ERROR: RuleMeta = RuleMeta {
        code: "WS901",
        name: "io-error",
        family: Family::Tool,
        summary: "The file could not be read or decoded",
        fix: FixAvailability::None,
        default_severity: Severity::Error,
        enabled_by_default: true,
        since: Version::V14_0,
        needles: &[],
        doc: include_str!("../../rules/WS901.md"),
    };

    pub static SYNTAX_ERROR: RuleMeta = RuleMeta {
        code: "WS902",
        name: "syntax-error",
        family: Family::Tool,
        summary: "The file could not be parsed",
        fix: FixAvailability::None,
        default_severity: Severity::Error,
        enabled_by_default: true,
        since: Version::V14_0,
        needles: &[],
        doc: include_str!("../../rules/WS902.md"),
    };

    pub static FIX_ERROR: RuleMeta = RuleMeta {
        code: "WS903",
        name: "fix-error",
        family: Family::Tool,
        summary: "A fix was dropped: it would have produced invalid code or did not converge",
        fix: FixAvailability::None,
        default_severity: Severity::Error,
        enabled_by_default: true,
        since: Version::V14_0,
        needles: &[],
        doc: include_str!("../../rules/WS903.md"),
    };

    pub static UNUSED_NOQA: RuleMeta = RuleMeta {
        code: "WS904",
        name: "unused-noqa",
        family: Family::Tool,
        summary: "A `# noqa` code that suppresses nothing",
        fix: FixAvailability::Always,
        default_severity: Severity::Note,
        enabled_by_default: true,
        since: Version::V14_0,
        needles: &[],
        doc: include_str!("../../rules/WS904.md"),
    };

    pub static TOOL: &[&RuleMeta] = &[&IO_ERROR, &SYNTAX_ERROR, &FIX_ERROR, &UNUSED_NOQA];
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Which expressions `expr` looks at: the checker calls it for those only. The default,
    /// every expression, is always correct; a narrower interest saves a call per node.
    fn interest(&self) -> Interest {
        Interest::ALL
    }

    /// Called for every expression of interest, in source order.
    fn expr(&self, _checker: &Checker, _expr: &Expr) {}

    /// Called for every statement, in source order, before its children.
    fn stmt(&self, _checker: &Checker, _stmt: &Stmt) {}

    /// Called for every function definition and lambda (after `stmt` / `expr` for that node):
    /// the rules about callbacks given to `serve()` look at both alike.
    fn callable(&self, _checker: &Checker, _callable: Callable) {}
}

/// The expressions a rule's `expr` hook reacts to (see `Rule::interest`).
#[derive(Clone, Copy)]
pub struct Interest {
    /// `Expr::Name` nodes.
    pub names: bool,
    /// `Expr::Call` nodes.
    pub calls: bool,
    /// `Expr::Attribute` nodes whose attribute name passes this test (`None`: no attribute).
    pub attributes: Option<fn(&str) -> bool>,
    /// Every other kind of expression.
    pub others: bool,
}

impl Interest {
    pub const ALL: Interest = Interest {
        names: true,
        calls: true,
        attributes: Some(|_| true),
        others: true,
    };
    pub const NONE: Interest = Interest {
        names: false,
        calls: false,
        attributes: None,
        others: false,
    };
    pub const CALLS: Interest = Interest {
        calls: true,
        ..Interest::NONE
    };

    /// Attribute nodes whose name passes `test`, nothing else.
    pub const fn attributes(test: fn(&str) -> bool) -> Interest {
        Interest {
            attributes: Some(test),
            ..Interest::NONE
        }
    }

    /// Names and attributes (any attribute name): rules that resolve dotted references.
    pub const NAMES_AND_ATTRIBUTES: Interest = Interest {
        names: true,
        attributes: Some(|_| true),
        ..Interest::NONE
    };
}

/// What a user (and `wsmigrate rules`) knows about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub family: Family,
    /// One line, for the rules table.
    pub summary: &'static str,
    pub fix: FixAvailability,
    pub default_severity: Severity,
    /// Behaviour notes (WS4xx) are opt-in unless they change who can connect.
    pub enabled_by_default: bool,
    /// The first websockets version where the rule applies (the 17.0 removals, for example).
    pub since: Version,
    /// Strings of which at least one must occur in a file for the rule to possibly match.
    /// An empty list means "any file that mentions websockets".
    pub needles: &'static [&'static str],
    /// The rule's documentation: the contents of `rules/<code>.md`.
    pub doc: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    Always,
    Sometimes,
    None,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::Always => "always",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    ConnectionAttributes,
    ImportsAndNames,
    CallArguments,
    Callbacks,
    BehaviourNotes,
    /// The threading implementation (`websockets.sync`): WS5xx.
    Threading,
    /// Starting and using the server object: WS6xx.
    Server,
    Tool,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::ConnectionAttributes => "connection attributes",
            Family::ImportsAndNames => "imports and names",
            Family::CallArguments => "call arguments",
            Family::Callbacks => "callbacks",
            Family::BehaviourNotes => "behaviour notes",
            Family::Threading => "threading API",
            Family::Server => "server object",
            Family::Tool => "tool",
        }
    }
}

/// A websockets release, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
    /// Deprecations that came before the new implementation became the default.
    pub const V13_1: Version = Version::new(13, 1);
    pub const V14_0: Version = Version::new(14, 0);
    pub const V14_1: Version = Version::new(14, 1);
    pub const V14_2: Version = Version::new(14, 2);
    pub const V15_0: Version = Version::new(15, 0);
    pub const V16_0: Version = Version::new(16, 0);
    pub const V17_0: Version = Version::new(17, 0);
    /// The newest release the rules know about.
    pub const LATEST: Version = Version::new(17, 4);

    pub const fn new(major: u16, minor: u16) -> Self {
        Version { major, minor }
    }

    /// `"15"`, `"15.0"`, `"15.0.1"` → 15.0.
    pub fn parse(s: &str) -> Option<Version> {
        let mut parts = s.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = match parts.next() {
            Some(m) => m.parse().ok()?,
            None => 0,
        };
        Some(Version { major, minor })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

pub fn all_metas() -> impl Iterator<Item = &'static RuleMeta> {
    ALL.iter()
        .map(|r| r.meta())
        .chain(builtin::TOOL.iter().copied())
}

pub fn by_code(code: &str) -> Option<&'static RuleMeta> {
    all_metas().find(|m| m.code.eq_ignore_ascii_case(code) || m.name == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_documented() {
        let codes: Vec<_> = ALL.iter().map(|r| r.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted, "rules must be listed once, in code order");
        for meta in all_metas() {
            assert!(
                meta.doc
                    .starts_with(&format!("# {} {}", meta.code, meta.name)),
                "rules/{}.md must start with `# {} {}`",
                meta.code,
                meta.code,
                meta.name
            );
        }
    }

    #[test]
    fn versions_parse() {
        assert_eq!(Version::parse("15"), Some(Version::V15_0));
        assert_eq!(Version::parse("14.2.1"), Some(Version::V14_2));
        assert_eq!(Version::parse("x"), None);
    }
}
