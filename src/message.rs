//! A diagnostic resolved against its file: rows and columns instead of byte offsets, ready for
//! any output format. Everything after the fix engine works with these.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

use rustc_hash::FxHashSet as HashSet;

use ruff_text_size::TextRange;

use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::registry::RuleMeta;
use crate::source::{Location, Locator};

#[derive(Debug, Clone)]
pub struct Message {
    pub rule: &'static RuleMeta,
    /// Shared with the other findings of the thread that say the same (see [`intern`]).
    pub message: Arc<str>,
    pub help: Option<Arc<str>>,
    pub severity: Severity,
    pub path: Arc<PathBuf>,
    pub start: Location,
    pub end: Location,
    pub range: TextRange,
    pub fix: Option<FixView>,
    /// `--fix` applied this finding's fix.
    pub fixed: bool,
    /// The row where a `# noqa` comment for this finding goes.
    pub noqa_row: usize,
    /// The text the locations refer to, for rendering source snippets.
    pub source: Option<Arc<str>>,
    /// Other places in the same file this finding refers to (what blocks its fix).
    pub related: Vec<RelatedView>,
}

#[derive(Debug, Clone)]
pub struct RelatedView {
    pub code: &'static str,
    pub message: String,
    pub start: Location,
}

#[derive(Debug, Clone)]
pub struct FixView {
    pub applicability: Applicability,
    pub title: Arc<str>,
    pub edits: Vec<EditView>,
}

#[derive(Debug, Clone)]
pub struct EditView {
    pub content: String,
    pub start: Location,
    pub end: Location,
}

impl Message {
    pub fn from_diagnostic(
        diagnostic: Diagnostic,
        path: &Arc<PathBuf>,
        locator: &Locator,
        source: Option<&Arc<str>>,
    ) -> Message {
        let start = locator.location(diagnostic.range.start());
        let end = locator.location(diagnostic.range.end());
        let related = diagnostic
            .related
            .into_iter()
            .map(|r| RelatedView {
                code: r.code,
                message: r.message,
                start: locator.location(r.range.start()),
            })
            .collect();
        let fix = diagnostic.fix.map(|fix| FixView {
            applicability: fix.applicability,
            title: intern(fix.title),
            edits: fix
                .edits
                .into_iter()
                .map(|e| EditView {
                    start: locator.location(e.range.start()),
                    end: locator.location(e.range.end()),
                    content: e.content.into(),
                })
                .collect(),
        });
        Message {
            rule: diagnostic.rule,
            message: intern(diagnostic.message),
            help: diagnostic.help.map(intern),
            severity: diagnostic.severity,
            path: path.clone(),
            start,
            end,
            range: diagnostic.range,
            fix,
            fixed: false,
            noqa_row: start.row,
            source: source.cloned(),
            related,
        }
    }

    /// A finding about the file as a whole (it could not be read, for example).
    pub fn file_level(
        rule: &'static RuleMeta,
        message: String,
        path: &Arc<PathBuf>,
        at: Location,
    ) -> Message {
        Message {
            rule,
            message: message.into(),
            help: None,
            severity: rule.default_severity,
            path: path.clone(),
            start: at,
            end: at,
            range: TextRange::default(),
            fix: None,
            fixed: false,
            noqa_row: at.row,
            source: None,
            related: Vec::new(),
        }
    }

    pub fn fixable(&self, applicability: Applicability) -> bool {
        !self.fixed
            && self
                .fix
                .as_ref()
                .is_some_and(|f| f.applicability >= applicability)
    }
}

/// At most this many texts per thread are shared; then the table starts again (a language
/// server runs for days).
const MAX_INTERNED: usize = 1 << 16;

thread_local! {
    static INTERNED: RefCell<HashSet<Arc<str>>> = RefCell::default();
}

/// The one copy of `text` this thread keeps: a run holds every finding until the sorted report,
/// and findings of a rule mostly say the same (the same message, help and fix title for every
/// `ws.open`): one copy each instead of one per finding (`check` of all-relevant, 77,768
/// findings: a tenth of the peak RSS).
fn intern(text: String) -> Arc<str> {
    INTERNED.with(|table| {
        let mut table = table.borrow_mut();
        if let Some(shared) = table.get(text.as_str()) {
            return shared.clone();
        }
        if table.len() >= MAX_INTERNED {
            table.clear();
        }
        let shared: Arc<str> = text.into();
        table.insert(shared.clone());
        shared
    })
}
