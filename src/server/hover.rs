//! Hover on a finding: the documentation of its rule (what `wsmigrate explain` prints).

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::diagnostics::Snapshot;
use super::documents::LineIndex;
use crate::diagnostic::Diagnostic;

pub fn hover(snapshot: &Snapshot, diagnostics: &[Diagnostic], at: Position) -> Option<Hover> {
    let index = LineIndex::new(&snapshot.text);
    let offset = index.offset(&snapshot.text, at, snapshot.encoding);
    let mut here: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.range.start() <= offset && offset <= d.range.end())
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    here.retain(|d| {
        let new = !seen.contains(&d.rule.code);
        seen.push(d.rule.code);
        new
    });
    let first = here.first()?;
    let value = here
        .iter()
        .map(|d| {
            format!(
                "**{}** ({})\n\n{}\n\n---\n\n{}",
                d.rule.code,
                d.rule.name,
                d.rule.doc.trim_end(),
                crate::docs::footer(d.rule)
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n---\n\n");
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(index.range(&snapshot.text, first.range, snapshot.encoding)),
    })
}
