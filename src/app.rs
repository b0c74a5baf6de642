//! The top of the program: a parsed command line goes to its command. Above both `cli` (the
//! arguments and `check`) and `server` (which resolves settings as `check` does), so neither
//! depends on the other.

use crate::{cli, docs, rules, server, stdio};

/// Runs the parsed command line and returns the process exit code.
pub fn run(command_line: cli::Cli) -> u8 {
    match command_line.command {
        cli::Command::Check(args) => match cli::check(*args) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("wsmigrate: error: {message}");
                cli::EXIT_ERROR
            }
        },
        cli::Command::Rules(args) => emit(docs::rules_text(args.output_format).as_bytes()),
        cli::Command::Explain { rule } => match rules::by_code(&rule) {
            Some(meta) => emit(docs::explanation_text(meta).as_bytes()),
            None => {
                eprintln!("wsmigrate: error: unknown rule `{rule}` (see `wsmigrate rules`)");
                cli::EXIT_ERROR
            }
        },
        cli::Command::Server => server::run(),
        cli::Command::Completions { shell } => {
            let mut command = <cli::Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "wsmigrate", &mut script);
            emit(&script)
        }
    }
}

/// Prints a command's whole output; exit 0, or 2 when stdout cannot take it (full disk).
fn emit(bytes: &[u8]) -> u8 {
    match stdio::emit(bytes) {
        Ok(()) => cli::EXIT_CLEAN,
        Err(message) => {
            eprintln!("wsmigrate: error: {message}");
            cli::EXIT_ERROR
        }
    }
}
