//! One file through the per-file stages: decode, lint (parse, model, rules, groups, noqa), and
//! for `--fix` / `--diff` the fix loop and the write. `lint_only` and `lint_fix` are the two
//! decisions a file can take, as ruff's `lint_only` / `lint_fix`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ruff_python_ast::{ModModule, PySourceType};
use ruff_python_parser::Parsed;
use ruff_text_size::{TextRange, TextSize};

use super::{io_error_report, read_regular_file, Context, FileReport, Mode};
use crate::checker;
use crate::diagnostic::Diagnostic;
use crate::fix::{self, Linted};
use crate::message::Message;
use crate::project::FileProject;
use crate::registry::builtin;
use crate::semantic::{focus, SemanticModel};
use crate::source::{DecodeError, Locator, SourceText};
use crate::write::Stamp;

/// Reads and processes one file on its own; a panic inside becomes an internal-error finding.
pub fn process_path(path: &Path, context: &Context) -> FileReport {
    match read_regular_file(path) {
        Ok((bytes, stamp)) => process_bytes_in(path, bytes, Some(stamp), context, None, None),
        Err(message) => io_error_report(path, message),
    }
}

/// Processes one file's bytes (from disk, with the file's stamp, or from stdin).
pub fn process_bytes(
    path: &Path,
    bytes: Vec<u8>,
    stamp: Option<Stamp>,
    context: &Context,
) -> FileReport {
    process_bytes_in(path, bytes, stamp, context, None, None)
}

/// `first`: the file's lint from the first look, when it holds for this check too (the project
/// taught the file nothing): the fix loop starts from it instead of linting the same text again.
pub fn process_bytes_in(
    path: &Path,
    bytes: Vec<u8>,
    stamp: Option<Stamp>,
    context: &Context,
    project: Option<FileProject>,
    first: Option<Linted>,
) -> FileReport {
    let shared_path = Arc::new(path.to_path_buf());
    match catch_unwind(AssertUnwindSafe(|| {
        process_file(&shared_path, bytes, stamp, context, project, first)
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

fn process_file(
    path: &Arc<PathBuf>,
    bytes: Vec<u8>,
    stamp: Option<Stamp>,
    context: &Context,
    project: Option<FileProject>,
    first: Option<Linted>,
) -> FileReport {
    let mut report = FileReport::empty(path.clone());
    // Files no rule can match are neither decoded nor parsed (their encoding and syntax errors
    // are not ours to report), unless the project reaches them.
    let in_project = project.is_some();
    if !context.skip_prefilter && !in_project && !context.prefilter.may_match(&bytes) {
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
    let fixing = context.mode != Mode::Check;
    // The first look's lint stands for the first lint of the original text; a lint of the
    // original keeps what the fix loop's clean-up needs of its parse.
    let original = fixing.then(|| source.text.clone());
    let first = std::cell::Cell::new(first);
    // `parsed`: the text's parse, when the fix loop's clean-up made one (a notebook's cells
    // parse otherwise, so it is parsed again).
    let lint = |text: &str, parsed: Option<Parsed<ModModule>>| {
        let is_original = original.as_deref() == Some(text);
        match (first.take(), parsed) {
            (Some(linted), _) if is_original => linted,
            (_, Some(parsed)) if !source_type.is_ipynb() => {
                lint_parsed(text, parsed, context, &ignored, project, is_original)
            }
            _ => lint(text, source_type, context, &ignored, project, is_original),
        }
    };
    match source.writable() {
        Ok(()) if fixing => lint_fix(&mut report, source, stamp, context, source_type, lint),
        writable => {
            lint_only(&mut report, &source, context, |text| lint(text, None));
            if let (true, Err(why)) = (fixing, writable) {
                for m in &mut report.messages {
                    if m.fix.is_some() {
                        m.help = Some(why.as_str().into());
                        m.fix = None;
                    }
                }
            }
        }
    }
    report
}

/// Check only: one lint, its findings become the report.
pub(super) fn lint_only(
    report: &mut FileReport,
    source: &SourceText,
    context: &Context,
    lint: impl Fn(&str) -> Linted,
) {
    let linted = lint(&source.text);
    let text: Option<Arc<str>> = context
        .keep_sources
        .then(|| Arc::from(source.text.as_str()));
    let locator = Locator::new(&source.text);
    report.messages = linted
        .diagnostics
        .into_iter()
        .map(|d| Message::from_diagnostic(d, &report.path, &locator, text.as_ref()))
        .collect();
}

/// Lint and fix until stable; write (`--fix`) or keep the change (`--diff`).
fn lint_fix(
    report: &mut FileReport,
    source: SourceText,
    stamp: Option<Stamp>,
    context: &Context,
    source_type: PySourceType,
    lint: impl Fn(&str, Option<Parsed<ModModule>>) -> Linted,
) {
    let path = report.path.clone();
    // Statements the fixes made too long are laid out as part of each pass.
    let layout = |original: &str, fixed: &str, parsed: Option<&ModModule>| {
        fix::layout::laid_out(original, fixed, parsed, context.line_length, source_type)
    };
    let result = fix::fix_until_stable_with(
        source.text.clone(),
        source.line_ending,
        context.settings.fix_applicability,
        layout,
        &lint,
    );
    let pass_sources: Vec<Option<Arc<str>>> = result
        .pass_texts
        .iter()
        .map(|t| context.keep_sources.then(|| Arc::from(t.as_str())))
        .collect();
    let locators: Vec<Locator> = result.pass_texts.iter().map(|t| Locator::new(t)).collect();
    for item in result.fixed {
        let mut m = Message::from_diagnostic(
            item.diagnostic,
            &path,
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
            &path,
            &locators[item.pass],
            pass_sources[item.pass].as_ref(),
        ));
    }
    let last = result.pass_texts.len() - 1;
    for d in result.remaining {
        report.messages.push(Message::from_diagnostic(
            d,
            &path,
            &locators[last],
            pass_sources[last].as_ref(),
        ));
    }
    if last == 0 {
        return;
    }
    let new_text = result.pass_texts[last].clone();
    if context.mode != Mode::Fix {
        report.change = Some((source.text, new_text));
        return;
    }
    if let Err(why) = context
        .writer
        .replace_file(&path, &source, &new_text, stamp)
    {
        // Nothing was written: every finding of the file as it is on disk, unfixed, and a run
        // that fails even with --exit-zero.
        let locator = Locator::new(&source.text);
        let text: Option<Arc<str>> = context
            .keep_sources
            .then(|| Arc::from(source.text.as_str()));
        report.messages = lint(&source.text, None)
            .diagnostics
            .into_iter()
            .map(|d| Message::from_diagnostic(d, &path, &locator, text.as_ref()))
            .collect();
        report.internal_error = true;
        report.messages.push(Message::file_level(
            &builtin::IO_ERROR,
            format!("fixes not written: {why}"),
            &path,
            crate::source::Location { row: 1, column: 1 },
        ));
    }
}

/// One editor buffer linted as `check --stdin-filename PATH` lints it (prefilter, per-file
/// ignores, noqa), without applying fixes: the language server's entry point.
pub fn lint_buffer(path: &Path, text: &str, context: &Context) -> Linted {
    if !context.skip_prefilter && !context.prefilter.may_match(text.as_bytes()) {
        return Linted {
            diagnostics: Vec::new(),
            parses: true,
            original: None,
        };
    }
    let ignored = context.settings.per_file_ignores.for_path(path);
    lint(
        text,
        PySourceType::from(path),
        context,
        &ignored,
        None,
        false,
    )
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
        |buffer: &str| match skip {
            true => Linted {
                diagnostics: Vec::new(),
                parses: true,
                original: None,
            },
            false => lint(buffer, source_type, context, &ignored, None, buffer == text),
        },
    )
}

/// Parse, build the model, run the rules: one version of one file's text.
/// `ignored`: selectors switched off for this file by `per-file-ignores`. `original`: the text
/// is a fix loop's original: keep what the clean-up after the fixes needs of its parse.
pub(super) fn lint(
    text: &str,
    source_type: PySourceType,
    context: &Context,
    ignored: &[String],
    project: Option<FileProject>,
    original: bool,
) -> Linted {
    let parsed = ruff_python_parser::parse_unchecked_source(text, source_type);
    lint_parsed(text, parsed, context, ignored, project, original)
}

/// [`lint`] of a text already parsed.
fn lint_parsed(
    text: &str,
    parsed: Parsed<ModModule>,
    context: &Context,
    ignored: &[String],
    project: Option<FileProject>,
    original: bool,
) -> Linted {
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
    let input = focus::Input {
        text,
        tokens: parsed.tokens(),
        needles: context.unit_needles.offsets(text),
    };
    let focus = context.unit_needles.focused().then_some(&input);
    let model = match project {
        Some(p) => SemanticModel::build_focused(module, p.module, Some(p.facts), focus),
        None => SemanticModel::build_focused(module, None, None, focus),
    };
    if let Some((p, summaries)) = project.and_then(|p| Some((p, p.summaries?))) {
        let summary = crate::project::summary::summarize(text, module, &model, p.names);
        if let Ok(mut all) = summaries.lock() {
            all[p.id as usize] = Some(summary);
        }
    }
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
    fix::groups::follow_aliases(&mut diagnostics, |stmt| model.imports.alias_origin(stmt));
    // Before noqa: a suppressed use that cannot be fixed must still keep its legacy import
    // from switching, or the file would be left half-migrated.
    match project {
        Some(p) => fix::settle_groups_in(&mut diagnostics, Some(p.id), p.decisions),
        None => fix::settle_groups(&mut diagnostics),
    }
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
    // Only a text with fixes to apply is cleaned up after them.
    let original = (original && parses && diagnostics.iter().any(|d| d.fix.is_some()))
        .then(|| fix::Original::of_parsed(text, &parsed));
    Linted {
        diagnostics,
        parses,
        original,
    }
}

fn clamp(range: TextRange, len: usize) -> TextRange {
    let len = TextSize::from(len as u32);
    TextRange::new(range.start().min(len), range.end().min(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prefilter::UnitNeedles;
    use crate::settings::{FailConnectionStyle, Settings, Target};

    /// Skipping the top-level statements that name nothing leading to websockets
    /// (`semantic::focus`) changes no finding and no fix: every Python fixture of the
    /// repository, every rule on, linted with the focus and with every statement walked.
    #[test]
    fn the_focus_changes_no_finding_of_any_fixture() {
        let settings = Settings {
            rules: crate::rules::all_metas().collect(),
            target: Target {
                version: crate::rules::Version::LATEST,
                reason: String::new(),
            },
            fail_connection_style: FailConnectionStyle::Close,
            fix_applicability: crate::diagnostic::Applicability::Unsafe,
            unused_noqa: true,
            per_file_ignores: Default::default(),
            src: Vec::new(),
        };
        let focused = Context::new(&settings, Mode::Check);
        assert!(
            focused.unit_needles.focused(),
            "a rule needs every statement"
        );
        let mut whole = Context::new(&settings, Mode::Check);
        whole.unit_needles = UnitNeedles::new([None]);
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let (mut files, mut skipped) = (0, 0);
        for entry in walkdir::WalkDir::new(&root) {
            let path = entry.unwrap().into_path();
            if path.extension().is_none_or(|e| e != "py") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let seen =
                |context: &Context| format!("{:?}", lint_buffer(&path, &text, context).diagnostics);
            assert_eq!(seen(&focused), seen(&whole), "{}", path.display());
            let parsed = ruff_python_parser::parse_unchecked_source(&text, PySourceType::Python);
            let input = focus::Input {
                text: &text,
                tokens: parsed.tokens(),
                needles: focused.unit_needles.offsets(&text),
            };
            let model = SemanticModel::build_focused(parsed.syntax(), None, None, Some(&input));
            skipped += model.focus.skipped();
            files += 1;
        }
        // The comparison means something only if the fixtures give the focus work.
        assert!(
            files > 300 && skipped > 100,
            "{files} files, {skipped} skipped"
        );
    }
}
