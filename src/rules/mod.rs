//! The rule registry. A rule is one module here plus one `rules/WSnnn.md` file (its docs and
//! examples) plus fixtures; adding one means adding one line to `ALL`.

mod callback_code;
mod connection_attribute;
mod header_literal;
mod kwargs_keys;
pub(crate) mod legacy_names;
mod legacy_patches;
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

pub use crate::checker::{Interest, Rule};
pub use crate::registry::{builtin, Family, FixAvailability, RuleMeta, Version};

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
}
