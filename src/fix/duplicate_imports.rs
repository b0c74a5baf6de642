//! After fixes: two `from M import ...` statements of one module in one block, where the
//! original had fewer (two legacy imports switched to the same new module), become one, as a
//! person (and isort, ruff `I001`) would write it: each name of the later statement joins the
//! first, in order, and the later statement goes.

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::{ModModule, Stmt, StmtImportFrom};
use ruff_python_parser::Parsed;
use ruff_text_size::Ranged;

use super::import_placement::{add_member, ends_its_line};
use super::unused_imports::{remove_aliases, remove_statement, splice, ImportStatement};

/// `fixed` with such duplicates merged, or `None` when there are none.
#[cfg(test)]
pub fn merge_duplicates(original: &str, fixed: &str) -> Option<String> {
    let before = ruff_python_parser::parse_module(original).ok()?;
    merge_duplicates_in(&from_counts(before.syntax()), fixed, None)
}

/// [`merge_duplicates`] with the original's counts ([`from_counts`]) and, when at hand, the
/// fixed text parsed.
pub(super) fn merge_duplicates_in(
    had: &HashMap<String, usize>,
    fixed: &str,
    parsed: Option<&Parsed<ModModule>>,
) -> Option<String> {
    let mut text = match parsed {
        Some(parsed) => one_merge(fixed, parsed.syntax(), had)?,
        None => fixed.to_string(),
    };
    let mut changed = parsed.is_some();
    // One name per round: a round's edits are computed on the text it parses.
    for _ in 0..64 {
        let parsed = ruff_python_parser::parse_module(&text).ok()?;
        let Some(next) = one_merge(&text, parsed.syntax(), had) else {
            break;
        };
        text = next;
        changed = true;
    }
    changed.then_some(text)
}

/// How many top-level-block `from` imports each module has, per block.
pub(super) fn from_counts(module: &ModModule) -> HashMap<String, usize> {
    let mut counts = HashMap::default();
    for body in bodies(module) {
        for import in mergeable(body) {
            if let Some(m) = &import.module {
                *counts.entry(m.to_string()).or_default() += 1;
            }
        }
    }
    counts
}

/// The module body and the bodies of its top-level `if` blocks (`if TYPE_CHECKING:`).
fn bodies(module: &ModModule) -> Vec<&[Stmt]> {
    let mut out = vec![module.body.as_slice()];
    for stmt in &module.body {
        if let Stmt::If(if_) = stmt {
            out.push(&if_.body);
        }
    }
    out
}

fn mergeable(body: &[Stmt]) -> impl Iterator<Item = &StmtImportFrom> {
    body.iter().filter_map(|stmt| match stmt {
        Stmt::ImportFrom(import)
            if import.level == 0
                && import.module.is_some()
                && !import.names.iter().any(|a| a.name.as_str() == "*") =>
        {
            Some(import)
        }
        _ => None,
    })
}

fn one_merge(text: &str, module: &ModModule, had: &HashMap<String, usize>) -> Option<String> {
    for body in bodies(module) {
        let imports: Vec<&StmtImportFrom> = mergeable(body).collect();
        for (i, later) in imports.iter().enumerate() {
            let name = later.module.as_ref()?.as_str();
            let Some(first) = imports[..i]
                .iter()
                .find(|f| f.module.as_ref().is_some_and(|m| m.as_str() == name))
            else {
                continue;
            };
            let now = imports
                .iter()
                .filter(|f| f.module.as_ref().is_some_and(|m| m.as_str() == name))
                .count();
            let clean =
                |s: &StmtImportFrom| !text[s.range()].contains('#') && ends_its_line(text, s.end());
            // The later statement goes: a comment after it would go with it.
            let rest = &text[later.end().to_usize()..];
            let commented = rest
                .split(['\n', '\r'])
                .next()
                .is_some_and(|l| !l.trim().is_empty());
            if now <= had.get(name).copied().unwrap_or(0)
                || !clean(first)
                || !clean(later)
                || commented
            {
                continue;
            }
            let moved = later.names.last()?;
            let statement = ImportStatement {
                range: later.range(),
                aliases: later.names.clone(),
                alone_in_block: body.len() == 1,
            };
            let removal = if later.names.len() == 1 {
                remove_statement(text, &statement)?
            } else {
                let mut removed = vec![false; later.names.len()];
                removed[later.names.len() - 1] = true;
                remove_aliases(&later.names, &removed).pop()?
            };
            let addition = add_member(text, first, &text[moved.range()]);
            return Some(splice(text, vec![addition, removal]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::merge_duplicates;

    #[test]
    fn merges_what_the_fixes_split_and_keeps_what_was_there() {
        let original = "from a import (\n    x,\n)\nfrom b import (\n    y,\n)\n";
        let fixed = "from m import (\n    x,\n)\nfrom m import (\n    Y,\n)\n\nz = 1\n";
        assert_eq!(
            merge_duplicates(original, fixed).as_deref(),
            Some("from m import (\n    Y,\n    x,\n)\n\nz = 1\n")
        );
        let fixed = "from m import x\nfrom m import Y, w\n";
        assert_eq!(
            merge_duplicates(original, fixed).as_deref(),
            Some("from m import Y, w, x\n")
        );
        // A comment after the later statement would be lost: left alone.
        let commented = "from m import x\nfrom m import y  # why\n";
        assert_eq!(merge_duplicates(original, commented), None);
        // Already twice in the original: the author's choice.
        let twice = "from m import x\nfrom m import y\n";
        assert_eq!(merge_duplicates(twice, twice), None);
    }
}
