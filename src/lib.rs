//! wsmigrate: find Python code written against the legacy asyncio API of websockets and
//! migrate it to the new implementation (the default since websockets 14.0).
//!
//! The pipeline lives in [`pipeline`]; each stage is a module of its own.

pub mod app;
pub mod checker;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod discover;
pub mod docs;
pub mod fix;
pub mod message;
pub mod noqa;
pub mod pipeline;
pub mod prefilter;
pub mod project;
pub mod registry;
pub mod report;
pub mod rules;
pub mod semantic;
pub mod server;
pub mod settings;
pub mod source;
pub mod stdio;
pub mod target;
pub mod timings;
pub mod write;

/// Stack size for the threads that parse and check files.
pub const WORKER_STACK: usize = 256 * 1024 * 1024;
