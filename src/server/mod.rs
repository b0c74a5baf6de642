//! `wsmigrate server`: a language server over stdio (JSON-RPC, on `lsp-server`). Diagnostics
//! for every open document, quick fixes, fix-all and noqa actions, rule documentation on
//! hover. All checking goes through the pipeline, as `check --stdin-filename` does.
//!
//! Logs go to stderr; stdout carries the protocol only.

/// A line on stderr (editors show it in their LSP log).
macro_rules! log {
    ($($arg:tt)*) => {
        eprintln!("[wsmigrate server] {}", format_args!($($arg)*))
    };
}

mod actions;
mod diagnostics;
mod documents;
mod event_loop;
mod hover;
mod settings;

use lsp_server::Connection;
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability,
    InitializeParams, PositionEncodingKind, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

use documents::Encoding;

/// Runs the server until the client says `shutdown` then `exit` (status 0), or goes away
/// without doing so (status 1, as the specification asks).
pub fn run() -> u8 {
    let (connection, io_threads) = Connection::stdio();
    let code = match serve(connection) {
        Ok(code) => code,
        Err(why) => {
            log!("error: {why}");
            1
        }
    };
    if let Err(why) = io_threads.join() {
        log!("error: {why}");
    }
    log!("stopped");
    code
}

fn serve(connection: Connection) -> Result<u8, String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let init: InitializeParams =
        serde_json::from_value(params).map_err(|e| format!("bad initialize params: {e}"))?;
    let encoding = negotiate_encoding(&init);
    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": ServerInfo {
            name: "wsmigrate".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    log!("initialized ({encoding:?} positions)");
    // Lint jobs and requests run here, on threads with deep stacks (deeply nested code).
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4)))
        .stack_size(crate::WORKER_STACK)
        .build_global();
    event_loop::Server::new(connection, init, encoding).run()
}

/// UTF-8 when the client offers it (no conversion), else UTF-16, which every client supports.
fn negotiate_encoding(init: &InitializeParams) -> Encoding {
    let offered = init
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                will_save: None,
                will_save_wait_until: None,
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::SOURCE_FIX_ALL,
                CodeActionKind::new(actions::FIX_ALL),
            ]),
            work_done_progress_options: Default::default(),
            resolve_provider: Some(false),
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// What a caught panic says.
fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
