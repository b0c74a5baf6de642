//! Linting one document through the pipeline, and the pipeline's diagnostics as LSP
//! diagnostics: code, documentation link, severity and tags, related information for the
//! other members of a fix group.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location,
    NumberOrString, Uri,
};
use ruff_text_size::TextRange;

use super::documents::{Encoding, LineIndex};
use super::settings::ClientOptions;
use crate::diagnostic::{Diagnostic, GroupRole, Severity};
use crate::pipeline::{self, Context, Mode, Workspace};
use crate::rules::builtin;
use crate::settings::Settings;

/// Everything a job needs to work on one version of one document, off the main thread.
#[derive(Clone)]
pub struct Snapshot {
    pub uri: Uri,
    pub path: PathBuf,
    pub version: i32,
    pub text: Arc<str>,
    pub settings: Arc<Settings>,
    pub options: Arc<ClientOptions>,
    pub encoding: Encoding,
    /// The workspace's project index (open documents in place of their files).
    pub workspace: Option<Arc<RwLock<Workspace>>>,
    /// Excluded by the configuration: no diagnostics.
    pub excluded: bool,
}

/// What the pipeline found in one version of a document.
pub struct Lint {
    pub version: i32,
    pub diagnostics: Vec<Diagnostic>,
}

impl Snapshot {
    /// Lints the document as `check --stdin-filename PATH` would. A panic inside the pipeline
    /// becomes one diagnostic saying so, as it does on the command line.
    pub fn lint(&self) -> Lint {
        if self.excluded {
            return Lint {
                version: self.version,
                diagnostics: Vec::new(),
            };
        }
        let context = Context::new(&self.settings, Mode::Check);
        let diagnostics = match catch_unwind(AssertUnwindSafe(|| match self.workspace() {
            Some(workspace) => workspace.lint(&self.path, &self.text, &context),
            None => pipeline::lint_buffer(&self.path, &self.text, &context),
        })) {
            Ok(linted) => linted.diagnostics,
            Err(panic) => vec![Diagnostic::new(
                &builtin::FIX_ERROR,
                format!(
                    "internal error while checking this file: {}; please report it",
                    super::panic_message(&panic)
                ),
                TextRange::default(),
            )],
        };
        Lint {
            version: self.version,
            diagnostics,
        }
    }

    /// The project index, for reading (a panic in an earlier job does not make it unusable).
    pub fn workspace(&self) -> Option<RwLockReadGuard<'_, Workspace>> {
        let lock = self.workspace.as_ref()?;
        Some(lock.read().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    pub fn to_lsp(&self, index: &LineIndex, all: &[Diagnostic]) -> Vec<lsp_types::Diagnostic> {
        all.iter().map(|d| self.one_to_lsp(index, d, all)).collect()
    }

    pub fn one_to_lsp(
        &self,
        index: &LineIndex,
        d: &Diagnostic,
        all: &[Diagnostic],
    ) -> lsp_types::Diagnostic {
        let (severity, tag) = match d.severity {
            Severity::Error => (DiagnosticSeverity::ERROR, None),
            Severity::Deprecation => (DiagnosticSeverity::WARNING, Some(DiagnosticTag::DEPRECATED)),
            Severity::Note => (DiagnosticSeverity::INFORMATION, None),
        };
        let tag = tag.or_else(|| {
            std::ptr::eq(d.rule, &builtin::UNUSED_NOQA).then_some(DiagnosticTag::UNNECESSARY)
        });
        let message = match &d.help {
            Some(help) => format!("{}\n{help}", d.message),
            None => d.message.clone(),
        };
        let code_description = self
            .options
            .docs_link(d.rule.code, d.rule.name)
            .and_then(|link| Uri::from_str(&link).ok())
            .map(|href| CodeDescription { href });
        lsp_types::Diagnostic {
            range: index.range(&self.text, d.range, self.encoding),
            severity: Some(severity),
            code: Some(NumberOrString::String(d.rule.code.to_string())),
            code_description,
            source: Some("wsmigrate".to_string()),
            message,
            related_information: self.related(index, d, all),
            tags: tag.map(|t| vec![t]),
            data: None,
        }
    }

    /// The other findings of the same fix group: the legacy import a use depends on, and the
    /// uses that switch with it (or, when the group is blocked, that keep it from switching).
    fn related(
        &self,
        index: &LineIndex,
        d: &Diagnostic,
        all: &[Diagnostic],
    ) -> Option<Vec<DiagnosticRelatedInformation>> {
        let group = d.group?;
        let blocked = d.fix.is_none();
        let related: Vec<DiagnosticRelatedInformation> = all
            .iter()
            .filter(|o| o.group.is_some_and(|g| g.key == group.key) && o.range != d.range)
            .map(|o| {
                let role = match (o.group.map(|g| g.role), blocked) {
                    (Some(GroupRole::Anchor), false) => "the legacy import this is migrated with",
                    (Some(GroupRole::Anchor), true) => "the legacy import that cannot switch yet",
                    (_, false) => "migrated together with this finding",
                    (_, true) => "tied to the same legacy import, which cannot switch yet",
                };
                DiagnosticRelatedInformation {
                    location: Location::new(
                        self.uri.clone(),
                        index.range(&self.text, o.range, self.encoding),
                    ),
                    message: format!("{} ({}): {role}", o.rule.code, o.message),
                }
            })
            .collect();
        let mut related = related;
        related.extend(self.related_elsewhere(d, blocked));
        (!related.is_empty()).then_some(related)
    }

    /// The members of the finding's fix group in other files, where they are.
    fn related_elsewhere(
        &self,
        d: &Diagnostic,
        blocked: bool,
    ) -> Vec<DiagnosticRelatedInformation> {
        let (Some(group), Some(workspace)) = (d.group, self.workspace()) else {
            return Vec::new();
        };
        workspace
            .related(&self.path, group)
            .into_iter()
            .filter_map(|o| {
                let uri = path_to_uri(&o.path)?;
                let index = LineIndex::new(o.text);
                let role = match (o.anchor, blocked) {
                    (true, _) => "the legacy import this is migrated with, in another module",
                    (false, _) => "migrated together with this finding, in another module",
                };
                Some(DiagnosticRelatedInformation {
                    location: Location::new(uri, index.range(o.text, o.range, self.encoding)),
                    message: format!("{} ({}): {role}", o.code, o.message),
                })
            })
            .collect()
    }
}

/// The `file:` URI of an absolute path, percent-encoding what a URI path cannot hold.
pub fn path_to_uri(path: &std::path::Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut encoded = String::with_capacity(text.len() + 7);
    encoded.push_str("file://");
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(b as char)
            }
            _ => encoded.push_str(&format!("%{b:02X}")),
        }
    }
    Uri::from_str(&encoded).ok()
}
