//! Code actions: one quick fix per fixable finding (unsafe ones only when the user opted in,
//! and labelled), "Disable WSnnn for this line", and `source.fixAll.wsmigrate`. Every edit
//! comes from the pipeline: the rules' fixes, the fix engine, `noqa::add_directives`.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Range, TextEdit,
    WorkspaceEdit,
};
use ruff_text_size::{TextRange, TextSize};

use super::diagnostics::Snapshot;
use super::documents::{Encoding, LineIndex};
use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::pipeline::{self, Context, Mode};
use crate::rules::Family;
use crate::source::{common_prefix, common_suffix, LineEnding};

pub const FIX_ALL: &str = "source.fixAll.wsmigrate";

pub fn code_actions(
    snapshot: &Snapshot,
    diagnostics: &[Diagnostic],
    params: &CodeActionParams,
) -> Vec<CodeActionOrCommand> {
    let wants = |kind: &str| match &params.context.only {
        None => true,
        Some(only) => only
            .iter()
            .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str()))),
    };
    let index = LineIndex::new(&snapshot.text);
    let requested = index.text_range(&snapshot.text, params.range, snapshot.encoding);
    let touches = |r: TextRange| r.start() <= requested.end() && requested.start() <= r.end();
    let mut actions = Vec::new();
    if wants(CodeActionKind::QUICKFIX.as_str()) {
        let here: Vec<&Diagnostic> = diagnostics.iter().filter(|d| touches(d.range)).collect();
        for d in &here {
            if let Some(action) = quick_fix(snapshot, &index, d, diagnostics) {
                actions.push(action);
            }
        }
        let mut seen: Vec<(usize, &str)> = Vec::new();
        for d in &here {
            let row = index.row(d.range.start());
            if d.rule.family == Family::Tool || seen.contains(&(row, d.rule.code)) {
                continue;
            }
            seen.push((row, d.rule.code));
            if let Some(action) = disable_for_line(snapshot, &index, d, row, diagnostics) {
                actions.push(action);
            }
        }
    }
    let any_safe = diagnostics.iter().any(|d| {
        d.fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe)
    });
    if any_safe && wants(FIX_ALL) {
        if let Some(action) = fix_all(snapshot, &index) {
            actions.push(action);
        }
    }
    actions
        .into_iter()
        .map(CodeActionOrCommand::CodeAction)
        .collect()
}

/// The finding's fix, with every other fix of its group (they are applied together or not
/// at all, as `--fix` does).
fn quick_fix(
    snapshot: &Snapshot,
    index: &LineIndex,
    d: &Diagnostic,
    all: &[Diagnostic],
) -> Option<CodeAction> {
    let fix = d.fix.as_ref()?;
    let safe = fix.applicability == Applicability::Safe;
    if !safe && snapshot.settings.fix_applicability != Applicability::Unsafe {
        return None;
    }
    let members: Vec<&Diagnostic> = match d.group {
        Some(group) => all
            .iter()
            .filter(|o| o.group.is_some_and(|g| g.key == group.key))
            .collect(),
        None => vec![d],
    };
    let mut edits: Vec<&Edit> = Vec::new();
    for member in &members {
        edits.extend(member.fix.as_ref()?.edits.iter());
    }
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    edits.dedup();
    // Edits of one workspace edit may not overlap (the rules never produce that for one group).
    if edits
        .windows(2)
        .any(|w| w[1].range.start() < w[0].range.end() || w[0].range == w[1].range)
    {
        return None;
    }
    let ending = LineEnding::detect(&snapshot.text);
    let text_edits = edits
        .iter()
        .map(|e| TextEdit {
            range: index.range(&snapshot.text, e.range, snapshot.encoding),
            new_text: match ending {
                LineEnding::Lf => e.content.to_string(),
                other => e.content.replace('\n', other.as_str()),
            },
        })
        .collect();
    let mut title = format!("{}: {}", d.rule.code, fix.title);
    if members.len() > 1 {
        title.push_str(&format!(" (with {} related changes)", members.len() - 1));
    }
    if !safe {
        title.push_str(" (unsafe fix: review the change)");
    }
    Some(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![snapshot.one_to_lsp(index, d, all)]),
        edit: Some(workspace_edit(snapshot, text_edits)),
        command: None,
        is_preferred: Some(safe),
        disabled: None,
        data: None,
    })
}

/// Adds the code to the line's `# noqa` (or a new one), as `--add-noqa` does.
fn disable_for_line(
    snapshot: &Snapshot,
    index: &LineIndex,
    d: &Diagnostic,
    row: usize,
    all: &[Diagnostic],
) -> Option<CodeAction> {
    let added = crate::noqa::add_directives(&snapshot.text, vec![(row, d.rule.code)]);
    let new_text = added.text?;
    let edit = minimal_edit(&snapshot.text, &new_text, index, snapshot.encoding)?;
    Some(CodeAction {
        title: format!("Disable {} for this line", d.rule.code),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![snapshot.one_to_lsp(index, d, all)]),
        edit: Some(workspace_edit(snapshot, vec![edit])),
        command: None,
        is_preferred: None,
        disabled: None,
        data: None,
    })
}

/// Every safe fix of the document, to a fixed point, by the fix engine (as `--fix` would).
pub fn fix_all(snapshot: &Snapshot, index: &LineIndex) -> Option<CodeAction> {
    let mut settings = (*snapshot.settings).clone();
    settings.fix_applicability = Applicability::Safe;
    let context = Context::new(&settings, Mode::Diff);
    let result = match snapshot.workspace() {
        Some(workspace) => workspace.fix(&snapshot.path, &snapshot.text, &context),
        None => pipeline::fix_buffer(&snapshot.path, &snapshot.text, &context),
    };
    if !result.changed() {
        return None;
    }
    let edit = minimal_edit(
        &snapshot.text,
        result.final_text(),
        index,
        snapshot.encoding,
    )?;
    Some(CodeAction {
        title: format!(
            "wsmigrate: fix all safe fixes ({} finding{})",
            result.fixed.len(),
            if result.fixed.len() == 1 { "" } else { "s" }
        ),
        kind: Some(CodeActionKind::new(FIX_ALL)),
        diagnostics: None,
        edit: Some(workspace_edit(snapshot, vec![edit])),
        command: None,
        is_preferred: None,
        disabled: None,
        data: None,
    })
}

fn workspace_edit(snapshot: &Snapshot, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(snapshot.uri.clone(), edits)])),
        document_changes: None,
        change_annotations: None,
    }
}

/// One edit turning `old` into `new`: what lies between their common prefix and suffix.
fn minimal_edit(old: &str, new: &str, index: &LineIndex, encoding: Encoding) -> Option<TextEdit> {
    if old == new {
        return None;
    }
    let mut prefix = common_prefix(old.as_bytes(), new.as_bytes());
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = common_suffix(old.as_bytes(), new.as_bytes(), max_suffix);
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let range = TextRange::new(
        TextSize::try_from(prefix).ok()?,
        TextSize::try_from(old.len() - suffix).ok()?,
    );
    let lsp_range: Range = index.range(old, range, encoding);
    Some(TextEdit {
        range: lsp_range,
        new_text: new[prefix..new.len() - suffix].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Position;

    #[test]
    fn minimal_edit_covers_only_the_change() {
        let old = "a = 'é'\nb = 1\n";
        let new = "a = 'é'\nb = 1  # noqa: WS001\n";
        let index = LineIndex::new(old);
        let edit = minimal_edit(old, new, &index, Encoding::Utf16).unwrap();
        assert_eq!(
            edit.range,
            Range::new(Position::new(1, 5), Position::new(1, 5))
        );
        assert_eq!(edit.new_text, "  # noqa: WS001");
        // Shared bytes inside a character do not split it.
        let edit = minimal_edit(
            "x = 'é'",
            "x = 'è'",
            &LineIndex::new("x = 'é'"),
            Encoding::Utf8,
        )
        .unwrap();
        assert_eq!(
            (edit.range.start.character, edit.new_text.as_str()),
            (5, "è")
        );
        assert!(minimal_edit(old, old, &index, Encoding::Utf16).is_none());
    }
}
