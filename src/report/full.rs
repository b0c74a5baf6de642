//! Rich diagnostics rendered by miette: code, message, the source with the span labelled, help,
//! and whether a fix is available.
//!
//! miette is given only the lines around the finding (found through the file's line index,
//! built once per file), never the whole file: rendering is linear in the findings. A line too
//! long to show is clipped to a window around the finding, which also keeps miette's columns in
//! range (it pads with `{:width$}`, and a width over 65,535 panics).

use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, Report, SourceCode, SourceSpan, SpanContents,
};

use super::ReportOptions;
use crate::diagnostic::{Applicability, Severity};
use crate::message::Message;

pub fn write(
    out: &mut impl Write,
    m: &Message,
    options: &ReportOptions,
    lines: &mut LineCache,
) -> io::Result<()> {
    let severity = match m.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Deprecation => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    };
    let fix_line = match m.fix.as_ref() {
        Some(fix) => {
            let how = match fix.applicability {
                Applicability::Safe => "fix available with --fix",
                Applicability::Unsafe if options.unsafe_fixes => "fix available with --fix",
                Applicability::Unsafe => "unsafe fix available with --fix --unsafe-fixes",
            };
            format!("{how}: {}", fix.title)
        }
        None if m.fixed => String::new(),
        None => "no automatic fix: this needs a human".to_string(),
    };
    let related = related_footer(m);
    let help = [m.help.as_deref().unwrap_or_default(), &related, &fix_line]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let mut diagnostic = MietteDiagnostic::new(format!("{} [{}]", m.message, m.severity.as_str()))
        .with_code(format!("{}({})", m.rule.code, m.rule.name))
        .with_severity(severity);
    if !help.is_empty() {
        diagnostic = diagnostic.with_help(help);
    }
    let name = m.path.display().to_string();
    let report = match &m.source {
        Some(source) => {
            let snippet = Snippet::new(name, source, lines.starts(source), m);
            diagnostic = diagnostic.with_label(LabeledSpan::at(snippet.label.clone(), m.rule.name));
            Report::new(diagnostic).with_source_code(snippet)
        }
        None => Report::new(
            diagnostic.with_help(format!("{}:{}:{}", name, m.start.row, m.start.column)),
        ),
    };
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut rendered = String::new();
    handler
        .render_report(&mut rendered, report.as_ref())
        .map_err(io::Error::other)?;
    writeln!(out, "{rendered}")
}

/// One line per related place: `file:row:col: CODE message`.
fn related_footer(m: &Message) -> String {
    m.related
        .iter()
        .map(|r| {
            format!(
                "  {}:{}:{}: {} {}",
                m.path.display(),
                r.start.row,
                r.start.column,
                r.code,
                r.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line starts of the file the last message came from (messages come sorted by file).
#[derive(Default)]
pub struct LineCache {
    source: Option<Arc<str>>,
    starts: Vec<usize>,
}

impl LineCache {
    fn starts(&mut self, source: &Arc<str>) -> &[usize] {
        if !self.source.as_ref().is_some_and(|s| Arc::ptr_eq(s, source)) {
            self.starts.clear();
            self.starts.push(0);
            self.starts
                .extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1));
            self.source = Some(source.clone());
        }
        &self.starts
    }
}

/// Lines longer than this (in bytes) are clipped around the finding.
const LONGEST_LINE: usize = 240;
/// A span over more lines than this shows its first line only.
const MOST_LINES: usize = 30;
/// Characters shown before and after the start of a finding on a clipped line.
const BEFORE: usize = 60;
const AFTER: usize = 140;

/// The lines miette shows: their text, where the finding is in it, and where they are in the
/// file.
struct Snippet {
    name: String,
    text: String,
    label: std::ops::Range<usize>,
    /// 0-based line of the snippet's first line in the file.
    first_line: usize,
    /// 0-based character column of the finding in its line.
    column: usize,
}

impl Snippet {
    fn new(name: String, source: &str, starts: &[usize], m: &Message) -> Snippet {
        let start = m.range.start().to_usize().min(source.len());
        let end = m.range.end().to_usize().clamp(start, source.len());
        let line_of = |offset: usize| starts.partition_point(|&s| s <= offset) - 1;
        let line_end = |line: usize| starts.get(line + 1).copied().unwrap_or(source.len());
        let (row, last_row) = (line_of(start), line_of(end.saturating_sub(1).max(start)));
        let first = row.saturating_sub(1);
        let last = (last_row + 1).min(starts.len() - 1);
        let column = m.start.column.saturating_sub(1);
        let short = (first..=last).all(|l| line_end(l) - starts[l] <= LONGEST_LINE);
        if short && last_row - row <= MOST_LINES {
            let base = starts[first];
            return Snippet {
                name,
                text: source[base..line_end(last)].to_string(),
                label: start - base..end - base,
                first_line: first,
                column,
            };
        }
        // One line, clipped to a window around the start of the finding.
        let line = source[starts[row]..line_end(row)].trim_end_matches(['\n', '\r']);
        let at = start - starts[row];
        let from = line[..at]
            .char_indices()
            .rev()
            .nth(BEFORE - 1)
            .map_or(0, |(i, _)| i);
        let to = line[at..]
            .char_indices()
            .nth(AFTER)
            .map_or(line.len(), |(i, _)| at + i);
        let mut text = String::new();
        if from > 0 {
            text.push('…');
        }
        let shift = text.len();
        text.push_str(&line[from..to]);
        if to < line.len() {
            text.push('…');
        }
        text.push('\n');
        let label_end = (end - starts[row]).min(to);
        Snippet {
            name,
            text,
            label: at - from + shift..label_end - from + shift,
            first_line: row,
            column,
        }
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let is_label = span.offset() == self.label.start && span.len() == self.label.len();
        // miette shows the label's column; ours counts characters, like the other formats.
        let column = if is_label {
            self.column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}
