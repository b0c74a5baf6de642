//! The fix engine: the one place where edits meet text. It picks the fixes a run may apply,
//! orders them, sets aside overlapping ones for a later pass, checks that the result still
//! parses, and repeats until nothing changes.

pub mod arguments;
mod duplicate_imports;
pub mod groups;
mod import_placement;
mod import_sections;
pub mod importer;
pub mod layout;
pub mod statements;
pub mod string_annotation;
mod tidy;
mod unused_imports;

pub use groups::{settle_groups, settle_groups_in, GroupDecisions};

use rustc_hash::FxHashMap as HashMap;

use std::collections::BTreeMap;

use ruff_python_ast::ModModule;
use ruff_python_parser::Parsed;
use ruff_text_size::{TextRange, TextSize};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::registry::builtin;
use crate::source::LineEnding;

/// Passes before the engine gives up and reports that fixes do not converge.
const MAX_PASSES: usize = 10;

/// What linting one version of the text produced.
#[derive(Clone)]
pub struct Linted {
    pub diagnostics: Vec<Diagnostic>,
    pub parses: bool,
    /// What the clean-up after the fixes needs of the text, read off the lint's own parse
    /// when the lint was of a fix loop's original text ([`Original::of_parsed`]); otherwise
    /// the engine parses the original again when a pass first needs it.
    pub original: Option<Original>,
}

pub use tidy::Original;

/// A diagnostic found in pass `pass` (whose text is `FixResult::pass_texts[pass]`).
#[derive(Debug)]
pub struct InPass {
    pub diagnostic: Diagnostic,
    pub pass: usize,
}

pub struct FixResult {
    /// The text each pass started from; `pass_texts[0]` is the original.
    pub pass_texts: Vec<String>,
    pub fixed: Vec<InPass>,
    /// Fixes that were dropped (invalid result, no convergence), reported as WS903.
    pub errors: Vec<InPass>,
    /// Diagnostics of the final text (the last entry of `pass_texts`).
    pub remaining: Vec<Diagnostic>,
}

impl FixResult {
    pub fn final_text(&self) -> &str {
        self.pass_texts.last().map(String::as_str).unwrap_or("")
    }

    pub fn changed(&self) -> bool {
        self.pass_texts.len() > 1
    }
}

/// Lints `text`, applies every fix allowed by `applicability`, and lints again, until no fix is
/// left to apply. `lint` must be deterministic.
pub fn fix_until_stable(
    text: String,
    line_ending: LineEnding,
    applicability: Applicability,
    mut lint: impl FnMut(&str) -> Linted,
) -> FixResult {
    fix_until_stable_with(
        text,
        line_ending,
        applicability,
        |_, _, _| None,
        |text: &str, _| lint(text),
    )
}

/// [`fix_until_stable`], with `finish(original, fixed, parsed)` (`parsed`: `fixed`'s module,
/// when the clean-up parsed it) run on each pass's text after the fixes
/// and the import clean-up (the layout of statements the fixes made too long); like them, its
/// result is validated by the lint that starts the next pass. `lint(text, parsed)` may be
/// given the text's parse (free of syntax errors), when the clean-up made one.
pub fn fix_until_stable_with(
    text: String,
    line_ending: LineEnding,
    applicability: Applicability,
    finish: impl Fn(&str, &str, Option<&ModModule>) -> Option<String>,
    mut lint: impl FnMut(&str, Option<Parsed<ModModule>>) -> Linted,
) -> FixResult {
    let mut result = FixResult {
        pass_texts: vec![text],
        fixed: Vec::new(),
        errors: Vec::new(),
        remaining: Vec::new(),
    };
    // A rule whose fix broke the code once is not trusted with this file again.
    let mut distrusted: Vec<&'static str> = Vec::new();
    // The lint of the text a pass produced doubles as that pass's validation, and is the next
    // pass's starting point: each pass parses once.
    let mut carried: Option<Linted> = None;
    // Has the current text been tidied (the imports the fixes left unused removed, duplicates
    // merged, laid out)? Each pass tidies the text its fixes produced, and the lint that
    // validates the fixes validates that too; after fixes applied one by one, the text is
    // tidied once more after the last fix.
    let mut cleaned = false;
    let before = std::cell::OnceCell::new();
    loop {
        let pass = result.pass_texts.len() - 1;
        let current = &result.pass_texts[pass];
        let mut linted = match carried.take() {
            Some(linted) => linted,
            None => lint(current, None),
        };
        if let (0, Some(original)) = (pass, linted.original.take()) {
            let _ = before.set(Some(original));
        }
        if !linted.parses {
            // A file with syntax errors gets findings but no fixes.
            result.remaining = linted.diagnostics;
            return result;
        }
        let mut diagnostics = linted.diagnostics;
        for d in &mut diagnostics {
            if distrusted.contains(&d.rule.code) {
                d.fix = None;
            }
        }
        let candidates = fixable(&diagnostics, applicability);
        if candidates.is_empty() && pass > 0 && !cleaned {
            cleaned = true;
            if let Ok(text) = tidy::tidy(
                tidy::Original::once(&before, &result.pass_texts[0]),
                current,
                &finish,
            ) {
                let linted = lint(&text, None);
                if linted.parses {
                    carried = Some(linted);
                    result.pass_texts.push(text);
                    continue;
                }
            }
        }
        if candidates.is_empty() {
            result.remaining = diagnostics;
            return result;
        }
        if pass == MAX_PASSES {
            let rules: Vec<&str> = candidates
                .iter()
                .flat_map(|unit| unit.iter().map(|&i| diagnostics[i].rule.code))
                .collect();
            let mut codes = rules.clone();
            codes.sort();
            codes.dedup();
            let first = candidates[0][0];
            result.errors.push(InPass {
                diagnostic: Diagnostic::new(
                    &builtin::FIX_ERROR,
                    format!(
                        "fixes failed to converge after {MAX_PASSES} passes (rules: {})",
                        codes.join(", ")
                    ),
                    diagnostics[first].range,
                ),
                pass,
            });
            result.remaining = diagnostics;
            return result;
        }
        let chosen = non_overlapping(&diagnostics, &candidates);
        let optimistic = apply(current, &diagnostics, &chosen, line_ending);
        // The tidied text when it parses (else the fixes alone: tidying it again would give the
        // same text).
        let tidied = tidy::tidy(
            tidy::Original::once(&before, &result.pass_texts[0]),
            &optimistic,
            &finish,
        );
        // Unchanged by the clean-up: its parse of the text, if it made one, is the lint's.
        let (tidied, parsed) = match tidied {
            Ok(text) => (Some(text), None),
            Err(parsed) => (None, parsed),
        };
        let tidied = tidied
            .map(|text| (lint(&text, None), text))
            .filter(|(linted, _)| linted.parses);
        cleaned = true;
        let (next, applied, dropped) = match tidied {
            Some((linted, text)) => {
                carried = Some(linted);
                (text, chosen, Vec::new())
            }
            None => {
                let next_linted = lint(&optimistic, parsed);
                if next_linted.parses {
                    carried = Some(next_linted);
                    (optimistic, chosen, Vec::new())
                } else {
                    cleaned = false;
                    apply_one_by_one(current, &diagnostics, &chosen, line_ending)
                }
            }
        };
        for unit in dropped {
            for &i in &unit {
                let d = &diagnostics[i];
                distrusted.push(d.rule.code);
                result.errors.push(InPass {
                    diagnostic: Diagnostic::new(
                        &builtin::FIX_ERROR,
                        format!(
                            "{} fix dropped: it would have produced code that does not parse \
                             (please report this as a bug in rule {})",
                            d.rule.code, d.rule.name
                        ),
                        d.range,
                    ),
                    pass,
                });
            }
        }
        if applied.is_empty() {
            result.remaining = diagnostics;
            return result;
        }
        let mut applied_mask = vec![false; diagnostics.len()];
        for i in applied.into_iter().flatten() {
            applied_mask[i] = true;
        }
        for (i, d) in diagnostics.into_iter().enumerate() {
            if applied_mask[i] {
                result.fixed.push(InPass {
                    diagnostic: d,
                    pass,
                });
            }
        }
        result.pass_texts.push(next);
    }
}

/// Indices of the diagnostics whose fixes may be applied, grouped into units that must be
/// applied together (a legacy import switch with every use that depends on it). Groups must
/// have been settled (`settle_groups`).
fn fixable(diagnostics: &[Diagnostic], applicability: Applicability) -> Vec<Vec<usize>> {
    let allowed = |d: &Diagnostic| {
        d.fix
            .as_ref()
            .is_some_and(|f| f.applicability >= applicability)
    };
    let mut units: Vec<Vec<usize>> = Vec::new();
    let mut groups: HashMap<(Option<u32>, TextRange), Vec<usize>> = HashMap::default();
    for (i, d) in diagnostics.iter().enumerate() {
        match d.group {
            Some(group) => groups.entry((group.file, group.key)).or_default().push(i),
            None if allowed(d) => units.push(vec![i]),
            None => {}
        }
    }
    units.extend(
        groups
            .into_values()
            .filter(|members| members.iter().all(|&i| allowed(&diagnostics[i]))),
    );
    units.sort_by_key(|unit| {
        unit.iter()
            .map(|&i| fix_of(diagnostics, i).range().start())
            .min()
    });
    units
}

fn fix_of(diagnostics: &[Diagnostic], i: usize) -> &Fix {
    diagnostics[i]
        .fix
        .as_ref()
        .expect("only fixable diagnostics are units")
}

/// Picks units whose edits neither overlap each other nor an earlier pick. Identical edits (the
/// same import added by two fixes) are shared. The edits taken so far are kept sorted by range
/// and never conflict with each other, so an edit need only be compared with the taken edit
/// that starts before it and those that start inside it: O(edits · log edits) in all.
fn non_overlapping(diagnostics: &[Diagnostic], units: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut taken: BTreeMap<(TextSize, TextSize), &Edit> = BTreeMap::new();
    let mut chosen = Vec::new();
    for unit in units {
        let mut added: Vec<(TextSize, TextSize)> = Vec::new();
        let mut conflicts = false;
        for edit in unit
            .iter()
            .flat_map(|&i| fix_of(diagnostics, i).edits.iter())
        {
            if conflicts_with_taken(&taken, edit) {
                conflicts = true;
                break;
            }
            let key = (edit.range.start(), edit.range.end());
            if taken.insert(key, edit).is_none() {
                added.push(key);
            }
        }
        if conflicts {
            for key in added {
                taken.remove(&key);
            }
        } else {
            chosen.push(unit.clone());
        }
    }
    chosen
}

/// Does `edit` conflict with any of `taken` (pairwise free of conflicts)?
fn conflicts_with_taken(taken: &BTreeMap<(TextSize, TextSize), &Edit>, edit: &Edit) -> bool {
    let (start, end) = (edit.range.start(), edit.range.end());
    // Of the edits starting before this one, only the last can reach into it.
    let before = taken
        .range(..(start, TextSize::from(0)))
        .next_back()
        .is_some_and(|(_, t)| conflict(edit, t));
    before
        || taken
            .range((start, TextSize::from(0))..=(end, TextSize::from(u32::MAX)))
            .any(|(_, t)| conflict(edit, t))
}

fn conflict(a: &Edit, b: &Edit) -> bool {
    if a == b {
        return false;
    }
    let (ra, rb) = (a.range, b.range);
    if ra.is_empty() && rb.is_empty() {
        return ra.start() == rb.start();
    }
    if ra.is_empty() {
        return rb.start() <= ra.start() && ra.start() < rb.end();
    }
    if rb.is_empty() {
        return ra.start() <= rb.start() && rb.start() < ra.end();
    }
    ra.start() < rb.end() && rb.start() < ra.end()
}

/// When the chosen units together break parsing: applies them one unit at a time and drops
/// the units that break it. Returns the text, the applied and the dropped units.
fn apply_one_by_one(
    text: &str,
    diagnostics: &[Diagnostic],
    chosen: &[Vec<usize>],
    line_ending: LineEnding,
) -> (String, Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut good: Vec<Vec<usize>> = Vec::new();
    let mut dropped = Vec::new();
    for unit in chosen {
        good.push(unit.clone());
        if !parses(&apply(text, diagnostics, &good, line_ending)) {
            dropped.push(good.pop().expect("just pushed"));
        }
    }
    (apply(text, diagnostics, &good, line_ending), good, dropped)
}

fn parses(text: &str) -> bool {
    ruff_python_parser::parse_module(text).is_ok()
}

fn apply(
    text: &str,
    diagnostics: &[Diagnostic],
    units: &[Vec<usize>],
    line_ending: LineEnding,
) -> String {
    let mut edits: Vec<&Edit> = units
        .iter()
        .flatten()
        .flat_map(|&i| fix_of(diagnostics, i).edits.iter())
        .collect();
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    edits.dedup();
    let mut out = String::with_capacity(text.len() + 64);
    let mut last = 0usize;
    for edit in edits {
        let (start, end) = (edit.range.start().to_usize(), edit.range.end().to_usize());
        out.push_str(&text[last..start]);
        match line_ending {
            LineEnding::Lf => out.push_str(&edit.content),
            other => out.push_str(&edit.content.replace('\n', other.as_str())),
        }
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{FixGroup, GroupRole};
    use crate::registry::{builtin, RuleMeta};
    use ruff_text_size::TextSize;

    static RULE: &RuleMeta = &builtin::FIX_ERROR;

    fn range(a: u32, b: u32) -> TextRange {
        TextRange::new(TextSize::from(a), TextSize::from(b))
    }

    fn diag(at: TextRange, fix: Option<Fix>) -> Diagnostic {
        let mut d = Diagnostic::new(RULE, "x", at);
        d.fix = fix;
        d
    }

    /// A linter that flags every `old` and offers to replace it with `new`.
    fn replace_all(text: &str, old: &str, new: &str, applicability: Applicability) -> Linted {
        let diagnostics = text
            .match_indices(old)
            .map(|(i, _)| {
                let r = range(i as u32, (i + old.len()) as u32);
                let fix = Fix {
                    applicability,
                    title: String::new(),
                    edits: vec![Edit::replace(r, new)],
                };
                diag(r, Some(fix))
            })
            .collect();
        Linted {
            diagnostics,
            parses: parses(text),
            original: None,
        }
    }

    #[test]
    fn applies_until_stable() {
        let result = fix_until_stable(
            "a = old + old\n".into(),
            LineEnding::Lf,
            Applicability::Safe,
            |t| replace_all(t, "old", "new", Applicability::Safe),
        );
        assert_eq!(result.final_text(), "a = new + new\n");
        assert_eq!(result.fixed.len(), 2);
        assert!(result.remaining.is_empty());
    }

    #[test]
    fn unsafe_fixes_need_opt_in() {
        let result = fix_until_stable(
            "a = old\n".into(),
            LineEnding::Lf,
            Applicability::Safe,
            |t| replace_all(t, "old", "new", Applicability::Unsafe),
        );
        assert!(!result.changed());
        assert_eq!(result.remaining.len(), 1);
    }

    #[test]
    fn fixes_that_break_parsing_are_dropped_alone() {
        let result = fix_until_stable(
            "a = old\nb = bad\n".into(),
            LineEnding::Lf,
            Applicability::Safe,
            |t| {
                let mut linted = replace_all(t, "old", "new", Applicability::Safe);
                linted
                    .diagnostics
                    .extend(replace_all(t, "bad", "(", Applicability::Safe).diagnostics);
                linted
            },
        );
        assert_eq!(result.final_text(), "a = new\nb = bad\n");
        assert_eq!(result.errors.len(), 1);
        assert!(result.errors[0]
            .diagnostic
            .message
            .contains("does not parse"));
    }

    #[test]
    fn does_not_loop_forever() {
        let result = fix_until_stable("x\n".into(), LineEnding::Lf, Applicability::Safe, |t| {
            replace_all(t, "x", "x", Applicability::Safe)
        });
        assert_eq!(result.errors.len(), 1);
        assert!(result.errors[0].diagnostic.message.contains("converge"));
    }

    #[test]
    fn converts_inserted_newlines_to_the_file_line_ending() {
        let result = fix_until_stable(
            "a = old\r\n".into(),
            LineEnding::CrLf,
            Applicability::Safe,
            |t| replace_all(t, "old", "(\n1)", Applicability::Safe),
        );
        assert_eq!(result.final_text(), "a = (\r\n1)\r\n");
    }

    #[test]
    fn groups_are_all_or_nothing() {
        let lint = |t: &str, member_fixable: bool| {
            let key = range(0, 1);
            let mut ds = Vec::new();
            if let Some(i) = t.find("legacy") {
                let r = range(i as u32, i as u32 + 6);
                let mut d = diag(r, Some(Fix::safe("", vec![Edit::replace(r, "modern")])));
                d.group = Some(FixGroup {
                    key,
                    role: GroupRole::Anchor,
                    file: None,
                });
                ds.push(d);
            }
            if let Some(i) = t.find("use") {
                let r = range(i as u32, i as u32 + 3);
                let fix = member_fixable.then(|| Fix::safe("", vec![Edit::replace(r, "USE")]));
                let mut d = diag(r, fix);
                d.group = Some(FixGroup {
                    key,
                    role: GroupRole::Member,
                    file: None,
                });
                ds.push(d);
            }
            settle_groups(&mut ds);
            Linted {
                diagnostics: ds,
                parses: true,
                original: None,
            }
        };
        let ok = fix_until_stable(
            "legacy; use\n".into(),
            LineEnding::Lf,
            Applicability::Safe,
            |t| lint(t, true),
        );
        assert_eq!(ok.final_text(), "modern; USE\n");
        let blocked = fix_until_stable(
            "legacy; use\n".into(),
            LineEnding::Lf,
            Applicability::Safe,
            |t| lint(t, false),
        );
        assert_eq!(blocked.final_text(), "legacy; use\n");
        assert!(blocked.remaining[0]
            .help
            .as_deref()
            .unwrap()
            .contains("1 use of this legacy import needs manual migration"));
    }

    #[test]
    fn overlapping_edits_wait_for_the_next_pass() {
        let a = Edit::replace(range(0, 5), "x");
        let b = Edit::replace(range(3, 8), "y");
        let ins = Edit::insert(TextSize::from(0), "i");
        assert!(conflict(&a, &b));
        assert!(conflict(&a, &ins));
        assert!(!conflict(&ins, &ins.clone()));
        assert!(!conflict(
            &Edit::replace(range(0, 3), "x"),
            &Edit::replace(range(3, 5), "y")
        ));
    }
}
