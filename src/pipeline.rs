//! The whole check, top to bottom: discover → prefilter → parse → semantic model → rules →
//! fixes → (write) → messages. Each step is a function of its own module; this file only wires
//! them together and runs files in parallel.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use ruff_python_ast::PySourceType;
use ruff_text_size::{TextRange, TextSize};

use crate::checker;
use crate::diagnostic::Diagnostic;
use crate::discover::{self, DiscoverOptions, Found};
use crate::fix::{self, Linted};
use crate::message::Message;
use crate::prefilter::Prefilter;
use crate::rules::{self, builtin, Rule};
use crate::semantic::SemanticModel;
use crate::settings::Settings;
use crate::source::{DecodeError, Locator, SourceText};
use crate::write::{self, Stamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Report only.
    Check,
    /// Apply fixes and write files.
    Fix,
    /// Compute fixes and show them as diffs; write nothing.
    Diff,
}

/// What happened to one file.
#[derive(Debug)]
pub struct FileReport {
    pub path: Arc<PathBuf>,
    /// Remaining findings, plus (with `--fix`) the fixed ones marked `fixed`.
    pub messages: Vec<Message>,
    /// Original and new text, when fixes changed something and were not written (`--diff`,
    /// and `--fix` on stdin).
    pub change: Option<(String, String)>,
    /// Something went wrong inside wsmigrate (a panic, a dropped fix) or a fixed file could not
    /// be written: exit code 2, even with --exit-zero.
    pub internal_error: bool,
}

pub struct RunReport {
    pub files: Vec<FileReport>,
    pub files_seen: usize,
}

/// Everything a file needs that is the same for every file of a run.
pub struct Context<'s> {
    pub settings: &'s Settings,
    pub rules: Vec<&'static dyn Rule>,
    pub prefilter: Prefilter,
    pub mode: Mode,
    /// Keep each file's text in its messages (for reports that show source snippets).
    pub keep_sources: bool,
    /// Parse and check every file, even those no rule could match (corpus tests).
    pub skip_prefilter: bool,
    /// The project's line length: statements the fixes make longer are laid out to fit.
    pub line_length: usize,
}

impl<'s> Context<'s> {
    pub fn new(settings: &'s Settings, mode: Mode) -> Context<'s> {
        let rules: Vec<&'static dyn Rule> = rules::ALL
            .iter()
            .copied()
            .filter(|r| settings.is_enabled(r.meta()))
            .collect();
        Context {
            prefilter: Prefilter::new(&settings.rules),
            settings,
            rules,
            mode,
            keep_sources: true,
            skip_prefilter: false,
            line_length: fix::layout::DEFAULT_LINE_LENGTH,
        }
    }
}

pub fn run(
    paths: &[PathBuf],
    discover_options: &DiscoverOptions,
    context: &Context,
) -> Result<RunReport, String> {
    let found = discover::discover(paths, discover_options)?;
    let files_seen = found.len();
    let files = found
        .into_par_iter()
        .map(|found| match found {
            Found::File(path) => process_path(&path, context),
            Found::Error { path, message } => file_error_report(&path, message),
        })
        .filter(|report| !report.messages.is_empty() || report.change.is_some())
        .collect();
    Ok(RunReport { files, files_seen })
}

/// Reads and processes one file; a panic inside becomes an internal-error finding.
pub fn process_path(path: &Path, context: &Context) -> FileReport {
    let (bytes, stamp) = match read_regular_file(path) {
        Ok(read) => read,
        Err(message) => return io_error_report(path, message),
    };
    process_bytes(path, bytes, Some(stamp), context)
}

/// Processes one file's bytes (from disk, with the file's stamp, or from stdin).
pub fn process_bytes(
    path: &Path,
    bytes: Vec<u8>,
    stamp: Option<Stamp>,
    context: &Context,
) -> FileReport {
    let shared_path = Arc::new(path.to_path_buf());
    match catch_unwind(AssertUnwindSafe(|| {
        process_file(&shared_path, bytes, stamp, context)
    })) {
        Ok(report) => report,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let rules: Vec<&str> = context.rules.iter().map(|r| r.meta().code).collect();
            let message = Message::file_level(
                &builtin::FIX_ERROR,
                format!(
                    "internal error while checking this file (rules {}): {what}; please report it",
                    rules.join(", ")
                ),
                &shared_path,
                crate::source::Location { row: 1, column: 1 },
            );
            FileReport {
                path: shared_path,
                messages: vec![message],
                change: None,
                internal_error: true,
            }
        }
    }
}

fn read_regular_file(path: &Path) -> Result<(Vec<u8>, Stamp), String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        // Checked before opening: opening a FIFO would block.
        return Err(if meta.is_dir() {
            "is a directory".to_string()
        } else {
            "not a regular file".to_string()
        });
    }
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    file.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    Ok((bytes, Stamp::of(&meta)))
}

fn io_error_report(path: &Path, message: String) -> FileReport {
    file_error_report(path, format!("cannot read file: {message}"))
}

fn file_error_report(path: &Path, message: String) -> FileReport {
    let path = Arc::new(path.to_path_buf());
    FileReport {
        messages: vec![Message::file_level(
            &builtin::IO_ERROR,
            message,
            &path,
            crate::source::Location { row: 1, column: 1 },
        )],
        path,
        change: None,
        internal_error: false,
    }
}

fn process_file(
    path: &Arc<PathBuf>,
    bytes: Vec<u8>,
    stamp: Option<Stamp>,
    context: &Context,
) -> FileReport {
    let mut report = FileReport {
        path: path.clone(),
        messages: Vec::new(),
        change: None,
        internal_error: false,
    };
    // Files no rule can match are neither decoded nor parsed: their encoding and syntax errors
    // are not ours to report.
    if !context.skip_prefilter && !context.prefilter.may_match(&bytes) {
        return report;
    }
    let source = match SourceText::decode(bytes) {
        Ok(source) => source,
        Err(DecodeError::NotUtf8 { offset, declared }) => {
            let message = match declared {
                Some(coding) => format!(
                    "file is not UTF-8 (it declares `coding: {coding}`, invalid UTF-8 at byte \
                     {offset}); wsmigrate only reads UTF-8 files and never re-encodes one"
                ),
                None => format!("file is not valid UTF-8 (first invalid byte at offset {offset})"),
            };
            report.messages.push(Message::file_level(
                &builtin::IO_ERROR,
                message,
                path,
                crate::source::Location { row: 1, column: 1 },
            ));
            return report;
        }
    };
    let source_type = PySourceType::from(path.as_path());
    let ignored = context.settings.per_file_ignores.for_path(path);
    let lint = |text: &str| lint(text, source_type, context, &ignored);

    let fixing = context.mode != Mode::Check;
    let writable = source.writable();
    if !fixing || writable.is_err() {
        let linted = lint(&source.text);
        let text: Option<Arc<str>> = context
            .keep_sources
            .then(|| Arc::from(source.text.as_str()));
        let locator = Locator::new(&source.text);
        report.messages = linted
            .diagnostics
            .into_iter()
            .map(|d| Message::from_diagnostic(d, path, &locator, text.as_ref()))
            .collect();
        if let (true, Err(why)) = (fixing, writable) {
            for m in &mut report.messages {
                if m.fix.is_some() {
                    m.help = Some(why.clone());
                    m.fix = None;
                }
            }
        }
        return report;
    }

    let mut result = fix::fix_until_stable(
        source.text.clone(),
        source.line_ending,
        context.settings.fix_applicability,
        lint,
    );
    fix::layout::lay_out(&mut result, context.line_length, source_type, lint);
    let pass_sources: Vec<Option<Arc<str>>> = result
        .pass_texts
        .iter()
        .map(|t| context.keep_sources.then(|| Arc::from(t.as_str())))
        .collect();
    let locators: Vec<Locator> = result.pass_texts.iter().map(|t| Locator::new(t)).collect();
    for item in result.fixed {
        let mut m = Message::from_diagnostic(
            item.diagnostic,
            path,
            &locators[item.pass],
            pass_sources[item.pass].as_ref(),
        );
        m.fixed = true;
        report.messages.push(m);
    }
    for item in result.errors {
        report.internal_error = true;
        report.messages.push(Message::from_diagnostic(
            item.diagnostic,
            path,
            &locators[item.pass],
            pass_sources[item.pass].as_ref(),
        ));
    }
    let last = result.pass_texts.len() - 1;
    let changed = last > 0;
    for d in result.remaining {
        report.messages.push(Message::from_diagnostic(
            d,
            path,
            &locators[last],
            pass_sources[last].as_ref(),
        ));
    }
    if changed {
        let new_text = result.pass_texts[last].clone();
        if context.mode == Mode::Fix {
            if let Err(why) = write::replace_file(path, &source, &new_text, stamp) {
                // Nothing was written: every finding of the file as it is on disk, unfixed,
                // and a run that fails even with --exit-zero.
                let locator = Locator::new(&source.text);
                let text: Option<Arc<str>> = context
                    .keep_sources
                    .then(|| Arc::from(source.text.as_str()));
                report.messages = lint(&source.text)
                    .diagnostics
                    .into_iter()
                    .map(|d| Message::from_diagnostic(d, path, &locator, text.as_ref()))
                    .collect();
                report.internal_error = true;
                report.messages.push(Message::file_level(
                    &builtin::IO_ERROR,
                    format!("fixes not written: {why}"),
                    path,
                    crate::source::Location { row: 1, column: 1 },
                ));
                return report;
            }
        } else {
            report.change = Some((source.text, new_text));
        }
    }
    report
}

/// One editor buffer linted as `check --stdin-filename PATH` lints it (prefilter, per-file
/// ignores, noqa), without applying fixes: the language server's entry point.
pub fn lint_buffer(path: &Path, text: &str, context: &Context) -> Linted {
    if !context.skip_prefilter && !context.prefilter.may_match(text.as_bytes()) {
        return Linted {
            diagnostics: Vec::new(),
            parses: true,
        };
    }
    let ignored = context.settings.per_file_ignores.for_path(path);
    lint(text, PySourceType::from(path), context, &ignored)
}

/// `check --fix --stdin-filename PATH` on one buffer: every fix the settings allow, applied to
/// a fixed point by the fix engine. Nothing is written.
pub fn fix_buffer(path: &Path, text: &str, context: &Context) -> fix::FixResult {
    let ignored = context.settings.per_file_ignores.for_path(path);
    let source_type = PySourceType::from(path);
    // As for files: the prefilter looks at the original text only.
    let skip = !context.skip_prefilter && !context.prefilter.may_match(text.as_bytes());
    fix::fix_until_stable(
        text.to_string(),
        crate::source::LineEnding::detect(text),
        context.settings.fix_applicability,
        |text: &str| match skip {
            true => Linted {
                diagnostics: Vec::new(),
                parses: true,
            },
            false => lint(text, source_type, context, &ignored),
        },
    )
}

/// Parse, build the model, run the rules: one version of one file's text.
/// `ignored`: selectors switched off for this file by `per-file-ignores`.
fn lint(text: &str, source_type: PySourceType, context: &Context, ignored: &[String]) -> Linted {
    let parsed = ruff_python_parser::parse_unchecked_source(text, source_type);
    let mut diagnostics: Vec<Diagnostic> = parsed
        .errors()
        .iter()
        .map(|error| {
            let range = clamp(error.location, text.len());
            Diagnostic::new(
                &builtin::SYNTAX_ERROR,
                format!("syntax error: {}", error.error),
                range,
            )
        })
        .collect();
    let parses = diagnostics.is_empty();
    let module = parsed.syntax();
    let model = SemanticModel::build(module);
    diagnostics.extend(checker::check(
        text,
        module,
        &model,
        context.settings,
        &context.rules,
    ));
    diagnostics.retain(|d| {
        !ignored
            .iter()
            .any(|p| crate::settings::selector_matches(p, d.rule))
    });
    // Before noqa: a suppressed use that cannot be fixed must still keep its legacy import
    // from switching, or the file would be left half-migrated.
    fix::settle_groups(&mut diagnostics);
    crate::noqa::apply(text, parsed.tokens(), &mut diagnostics, context.settings);
    if !parses {
        for d in diagnostics.iter_mut().filter(|d| d.fix.is_some()) {
            d.fix = None;
            d.help = Some(match d.help.take() {
                Some(help) => format!("{help}\nnot fixed: the file has syntax errors"),
                None => "not fixed: the file has syntax errors".to_string(),
            });
        }
    }
    diagnostics.sort_by_key(|d| (d.range.start(), d.rule.code));
    Linted {
        diagnostics,
        parses,
    }
}

fn clamp(range: TextRange, len: usize) -> TextRange {
    let len = TextSize::from(len as u32);
    TextRange::new(range.start().min(len), range.end().min(len))
}
