//! The benchmark floor (benches/run.sh): walk a tree, read every `.py` file and parse it with
//! `ruff_python_parser`, nothing else, on every core as `wsmigrate check` does. The report puts
//! `check`'s time next to this one, so it says how far the whole check is from parsing alone.
//!
//! `cargo run --profile dist --example parse_floor -- DIR...` prints one line of counts
//! (`files`, `not_utf8`, `syntax_errors`, `bytes`) for the harness to compare with what
//! wsmigrate and ruff saw.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use ruff_python_ast::PySourceType;

// The allocator wsmigrate uses (src/main.rs): the floor measures the parser, not malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        eprintln!("usage: parse_floor DIR...");
        std::process::exit(2);
    }
    let files: Vec<PathBuf> = roots
        .iter()
        .flat_map(|root| walkdir::WalkDir::new(root).sort_by_file_name())
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "py"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    let not_utf8 = AtomicUsize::new(0);
    let with_errors = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    files.par_iter().for_each(|path| {
        let Ok(data) = std::fs::read(path) else {
            return;
        };
        bytes.fetch_add(data.len(), Ordering::Relaxed);
        let Ok(text) = std::str::from_utf8(&data) else {
            not_utf8.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let parsed = ruff_python_parser::parse_unchecked_source(text, PySourceType::Python);
        if !parsed.errors().is_empty() {
            with_errors.fetch_add(1, Ordering::Relaxed);
        }
    });
    println!(
        "files={} not_utf8={} syntax_errors={} bytes={}",
        files.len(),
        not_utf8.into_inner(),
        with_errors.into_inner(),
        bytes.into_inner()
    );
}
