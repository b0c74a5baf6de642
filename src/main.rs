use std::process::ExitCode;

use clap::Parser;

// As ruff does: the system allocator spent about 15% of `check` in malloc/free (perf, issue 16).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Deeply nested expressions recurse deeply in the parser: give the main thread and the
    // workers generous stacks instead of crashing on adversarial input.
    let child = std::thread::Builder::new()
        .stack_size(wsmigrate::WORKER_STACK)
        .spawn(|| wsmigrate::app::run(wsmigrate::cli::Cli::parse()));
    match child.map(|handle| handle.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(wsmigrate::cli::EXIT_ERROR),
    }
}
