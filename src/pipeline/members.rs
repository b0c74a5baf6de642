//! The stages of a run that see a project's members together: the first look (each member
//! linted on its own, its summary kept for the index), the fix groups that span files, and a
//! member's own stage, which starts from its first look when the file is unchanged. The lint
//! itself is `file`'s.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use ruff_python_ast::PySourceType;
use ruff_text_size::TextRange;
use rustc_hash::FxHashMap as HashMap;

use super::file::{lint, lint_only, process_bytes_in};
use super::{io_error_report, read_regular_file, Context, FileReport, Mode};
use crate::diagnostic::Diagnostic;
use crate::fix::{self, GroupDecisions, Linted};
use crate::project::{FileProject, Project, Summary};
use crate::source::{Locator, SourceText};

/// What the first look found in one file: its report when only checking, else its lint (the
/// fix loop's first pass, if the project teaches the file nothing) with a digest of the bytes
/// it linted.
pub(super) enum Looked {
    Report(FileReport),
    Linted(Linted, u64),
}

impl Looked {
    /// The lint, if it is of `bytes`: the file's own stage reads the file again, and a file
    /// that changed since the first look is linted again rather than fixed by an old lint.
    fn linted_for(self, bytes: &[u8]) -> Option<Linted> {
        match self {
            Looked::Linted(linted, digest) if digest == digest_of(bytes) => Some(linted),
            Looked::Linted(..) | Looked::Report(_) => None,
        }
    }

    /// See `FileReport::compact`.
    fn compacted(self) -> Looked {
        match self {
            Looked::Report(mut report) => {
                report.compact();
                Looked::Report(report)
            }
            Looked::Linted(linted, digest) => Looked::Linted(linted.clone(), digest),
        }
    }
}

fn digest_of(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// The file stage of a project member: its bytes read again, its first look's lint kept as
/// the fix loop's first pass when the file is as the first look saw it.
pub(super) fn process_member(
    path: &Path,
    context: &Context,
    project: Option<FileProject>,
    looked: Option<Looked>,
) -> FileReport {
    let (bytes, stamp) = match read_regular_file(path) {
        Ok(read) => read,
        Err(message) => return io_error_report(path, message),
    };
    let first = looked.and_then(|looked| looked.linted_for(&bytes));
    process_bytes_in(path, bytes, Some(stamp), context, project, first)
}

/// Stage 4: the first look at the project's files: each linted on its own, its summary kept
/// for the index. `texts`: the members' texts by id, taken from the project (`None` for a
/// seed: read here). Each is dropped after its lint: a later stage that needs the file reads
/// it again (so that a run never holds every member's text at once).
pub(super) fn first_look(
    project: &Project,
    texts: Vec<Option<String>>,
    context: &Context,
) -> FirstLook {
    let summaries = Mutex::new(vec![None; project.paths.len()]);
    let facts = Project::first_look_facts();
    let reports = texts
        .into_par_iter()
        .zip(&project.paths)
        .filter_map(|(text, path)| {
            let bytes = match text {
                Some(text) => text.into_bytes(),
                None => read_regular_file(path).ok()?.0,
            };
            look(project, path, bytes, &facts, &summaries, context)
        })
        .collect();
    FirstLook {
        reports,
        summaries: summaries.into_inner().unwrap_or_default(),
    }
}

/// What [`first_look`] leaves: each file's report or lint, and the summaries for the index.
pub(super) struct FirstLook {
    pub(super) reports: HashMap<PathBuf, Looked>,
    pub(super) summaries: Vec<Option<Summary>>,
}

/// The first look at one file.
fn look(
    project: &Project,
    path: &Path,
    bytes: Vec<u8>,
    facts: &crate::semantic::ExternalFacts,
    summaries: &Mutex<Vec<Option<Summary>>>,
    context: &Context,
) -> Option<(PathBuf, Looked)> {
    let mut file = project.file(path)?;
    file.facts = facts;
    file.summaries = Some(summaries);
    let shared = Arc::new(path.to_path_buf());
    let mut report = FileReport::empty(shared);
    // When fixing, this is the fix loop's first lint of the file: it keeps what the loop's
    // clean-up needs of the text (a table of the names its imports bind).
    let fixing = context.mode != Mode::Check;
    let digest = fixing.then(|| digest_of(&bytes));
    let source = SourceText::decode(bytes).ok()?;
    let ignored = context.settings.per_file_ignores.for_path(path);
    let source_type = PySourceType::from(path);
    let lint = |text: &str| lint(text, source_type, context, &ignored, Some(file), fixing);
    // A panic is reported by the file's own stage (`process_bytes_in`), which lints it
    // again: here it must not take the whole run down.
    let looked = catch_unwind(AssertUnwindSafe(|| match context.mode {
        Mode::Check => {
            lint_only(&mut report, &source, context, lint);
            Looked::Report(report)
        }
        Mode::Fix | Mode::Diff => Looked::Linted(lint(&source.text), digest.unwrap_or_default()),
    }))
    .ok()?;
    // What outlives the file is copied once its parse and model are freed (see
    // `FileReport::compact`); so is its summary.
    let looked = looked.compacted();
    if let Ok(mut all) = summaries.lock() {
        let summary = &mut all[file.id as usize];
        *summary = summary.as_ref().cloned(); // the copy replaces the original
    }
    Some((path.to_path_buf(), looked))
}

/// The texts of project files a caller holds, by path (a workspace's buffers); the others are
/// read from disk.
#[derive(Default)]
pub(super) struct ReadBytes<'r>(pub(super) HashMap<&'r Path, &'r [u8]>);

fn bytes_of(path: &Path, read: &ReadBytes) -> Option<Vec<u8>> {
    read.0
        .get(path)
        .map(|bytes| bytes.to_vec())
        .or_else(|| read_regular_file(path).ok().map(|r| r.0))
}

/// Stage 5: lint every file of the project once, with the uses that depend on another file's
/// import keeping their fixes, and decide each group that spans files.
pub(super) fn decide_groups(
    project: &Project,
    read: &ReadBytes,
    context: &Context,
) -> GroupDecisions {
    decide(&lint_group_files(project, read, context))
}

/// One file of a group spanning files, linted with every fix kept: its id, path, text and
/// findings.
pub(super) type GroupFile = (u32, String, String, Vec<Diagnostic>);

/// The files of the groups that span files, each linted once, with the uses that depend on
/// another file's import keeping their fixes (so that the decision can see them).
pub(super) fn lint_group_files(
    project: &Project,
    read: &ReadBytes,
    context: &Context,
) -> Vec<GroupFile> {
    let provisional = GroupDecisions {
        provisional: true,
        ..GroupDecisions::default()
    };
    project
        .group_files()
        .into_par_iter()
        .filter_map(|path| {
            let bytes = bytes_of(path, read)?;
            let text = SourceText::decode(bytes).ok()?.text;
            let mut file = project.file(path)?;
            file.decisions = &provisional;
            let path = path.to_path_buf();
            let ignored = context.settings.per_file_ignores.for_path(&path);
            let linted = lint(
                &text,
                PySourceType::from(path.as_path()),
                context,
                &ignored,
                Some(file),
                false,
            );
            Some((
                file.id,
                path.display().to_string(),
                text,
                linted.diagnostics,
            ))
        })
        .collect()
}

/// Which groups spanning files can be fixed everywhere.
pub(super) fn decide(linted: &[GroupFile]) -> GroupDecisions {
    let locators: Vec<Locator> = linted
        .iter()
        .map(|(_, _, text, _)| Locator::new(text))
        .collect();
    let lines: Vec<Box<dyn Fn(TextRange) -> usize + '_>> = locators
        .iter()
        .map(|l| {
            Box::new(move |r: TextRange| l.location(r.start()).row)
                as Box<dyn Fn(TextRange) -> usize>
        })
        .collect();
    let files: Vec<fix::groups::Linted> = linted
        .iter()
        .zip(&lines)
        .map(|((id, path, _, diagnostics), line)| fix::groups::Linted {
            file: *id,
            path,
            diagnostics,
            line: line.as_ref(),
        })
        .collect();
    fix::groups::decide(&files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_look_lint_is_kept_only_for_the_bytes_it_linted() {
        let linted = || Linted {
            diagnostics: Vec::new(),
            parses: true,
            original: None,
        };
        let seen = b"import websockets\n";
        let looked = || Looked::Linted(linted(), digest_of(seen));
        assert!(looked().linted_for(seen).is_some());
        // Changed on disk since the first look: linted again.
        assert!(looked().linted_for(b"import websockets  \n").is_none());
    }
}
