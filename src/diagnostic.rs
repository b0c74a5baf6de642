//! What a rule produces: diagnostics, and the fixes (byte-range edits) attached to them.

use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::registry::RuleMeta;
pub use crate::registry::Severity;

/// Whether applying a fix preserves behaviour (ruff's meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// A human should look: behaviour may change.
    Unsafe,
    /// Behaviour is preserved on the new implementation, as the upgrade guide describes.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace `range` of the original source with `content` (an insertion when the range is empty).
/// Newlines in `content` are written as `\n`; the fix engine converts them to the file's own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub range: TextRange,
    pub content: Box<str>,
}

impl Edit {
    pub fn replace(range: TextRange, content: impl Into<Box<str>>) -> Self {
        Edit {
            range,
            content: content.into(),
        }
    }

    pub fn insert(at: TextSize, content: impl Into<Box<str>>) -> Self {
        Edit::replace(TextRange::empty(at), content)
    }

    pub fn delete(range: TextRange) -> Self {
        Edit::replace(range, "")
    }
}

impl Ranged for Edit {
    fn range(&self) -> TextRange {
        self.range
    }
}

/// A set of edits that must be applied together.
#[derive(Debug, Clone)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, in a few words ("Replace with `await ws.close(1011, \"bye\")`").
    pub title: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix {
            applicability: Applicability::Safe,
            title: title.into(),
            edits,
        }
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix {
            applicability: Applicability::Unsafe,
            title: title.into(),
            edits,
        }
    }

    /// The smallest range covering every edit.
    pub fn range(&self) -> TextRange {
        let start = self.edits.iter().map(|e| e.range.start()).min();
        let end = self.edits.iter().map(|e| e.range.end()).max();
        match (start, end) {
            (Some(s), Some(e)) => TextRange::new(s, e),
            _ => TextRange::default(),
        }
    }
}

/// Ties the fixes of one legacy import together with the fixes of every use that only works
/// once that import has switched to the new implementation: all of them or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FixGroup {
    /// The source range that identifies the legacy import (its statement or dotted reference).
    pub key: TextRange,
    /// The anchor is the import switch itself; members are the uses that depend on it.
    pub role: GroupRole,
    /// `None`: the key is a range of this file. `Some(id)`: of the run's file `id` (a use in
    /// this module that depends on the legacy import of another, as a handler defined here and
    /// served there): the group spans files and applies everywhere or nowhere.
    pub file: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupRole {
    Anchor,
    Member,
}

/// Another place a finding refers to: a use that blocks its fix, the import switch it waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub range: TextRange,
    pub code: &'static str,
    /// Why that place matters here.
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static RuleMeta,
    pub message: String,
    /// What to write instead, when that is more than the fix title says.
    pub help: Option<String>,
    pub range: TextRange,
    pub severity: Severity,
    pub fix: Option<Fix>,
    pub group: Option<FixGroup>,
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn new(rule: &'static RuleMeta, message: impl Into<String>, range: TextRange) -> Self {
        Diagnostic {
            rule,
            message: message.into(),
            help: None,
            range,
            severity: rule.default_severity,
            fix: None,
            group: None,
            related: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_group(mut self, group: Option<FixGroup>) -> Self {
        self.group = group;
        self
    }
}
