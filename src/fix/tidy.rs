//! The clean-up of each fix pass's text, before the lint that validates the pass: the websockets
//! imports the fixes left unused go, `from` imports the fixes duplicated merge, and the caller's
//! `finish` (the layout of statements made too long) runs last, given the
//! parse of the text when it has one.

use std::cell::OnceCell;

use ruff_python_ast::ModModule;
use ruff_python_parser::Parsed;
use rustc_hash::FxHashMap as HashMap;

use super::{duplicate_imports, unused_imports};

/// What the clean-up after each pass needs of the original text (computed once per file;
/// `None` when it does not parse).
#[derive(Clone)]
pub struct Original {
    /// How often it uses each name its imports bind, outside import statements.
    used: HashMap<String, usize>,
    /// The same for every name, computed from the original text when a name its imports do
    /// not bind is asked about (an import a fix added that the fixed text no longer uses).
    all_used: OnceCell<Option<HashMap<String, usize>>>,
    /// Its `from` imports per module and block.
    had: HashMap<String, usize>,
}

impl Original {
    /// The original text with what [`Original::of`] it gives, computed on first use.
    pub(super) fn once<'a>(
        cell: &'a std::cell::OnceCell<Option<Original>>,
        text: &'a str,
    ) -> (&'a str, Option<&'a Original>) {
        (text, cell.get_or_init(|| Original::of(text)).as_ref())
    }

    /// How often `text` (the original) uses each name outside import statements (`None`
    /// when it does not parse).
    fn all_used(&self, text: &str) -> Option<&HashMap<String, usize>> {
        self.all_used
            .get_or_init(|| {
                let parsed = ruff_python_parser::parse_module(text).ok()?;
                Some(unused_imports::used_in(text, &parsed))
            })
            .as_ref()
    }

    fn of(text: &str) -> Option<Original> {
        let parsed = ruff_python_parser::parse_module(text).ok()?;
        Some(Original::of_parsed(text, &parsed))
    }

    /// [`Original::of`] from a parse the caller has (the lint of the original text), so
    /// that a fixed file is not parsed once more for its clean-up. `parsed` must be free of
    /// syntax errors.
    pub fn of_parsed(text: &str, parsed: &Parsed<ModModule>) -> Original {
        Original {
            used: unused_imports::import_locals_used_in(text, parsed),
            all_used: OnceCell::new(),
            had: duplicate_imports::from_counts(parsed.syntax()),
        }
    }
}

/// `text` (the fixes applied to `original`) without the websockets imports the fixes left
/// unused, with duplicate `from` imports merged, then `finish`ed: `Ok` with the new text, or
/// `Err` when nothing changes, with the parse of `text` if the clean-up made one (the lint
/// that validates `text` then need not parse it again).
pub(super) fn tidy(
    original: (&str, Option<&Original>),
    text: &str,
    finish: &impl Fn(&str, &str, Option<&ModModule>) -> Option<String>,
) -> Result<String, Option<Parsed<ModModule>>> {
    let (original_text, original) = original;
    // The parse of `text`, kept for `finish` when the clean-up leaves the text as it is.
    let mut after = None;
    let cleaned = original.and_then(|original| {
        let parsed = after.insert(ruff_python_parser::parse_module(text).ok()?);
        let used_before = |name: &str| match original.used.get(name) {
            Some(&n) => n,
            None => original
                .all_used(original_text)
                .and_then(|all| all.get(name).copied())
                .unwrap_or(0),
        };
        let pruned = unused_imports::remove_left_unused_in(&used_before, text, parsed);
        let merged = duplicate_imports::merge_duplicates_in(
            &original.had,
            pruned.as_deref().unwrap_or(text),
            pruned.is_none().then_some(&*parsed),
        );
        merged.or(pruned)
    });
    let finished = match &cleaned {
        Some(cleaned) => finish(original_text, cleaned, None),
        None => finish(original_text, text, after.as_ref().map(|p| p.syntax())),
    };
    match finished.or(cleaned) {
        Some(text) => Ok(text),
        None => Err(after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tidied(original: &str, fixed: &str) -> Option<String> {
        let parsed = ruff_python_parser::parse_module(original).unwrap();
        let original_facts = Original::of_parsed(original, &parsed);
        tidy((original, Some(&original_facts)), fixed, &|_, _, _| None).ok()
    }

    #[test]
    fn an_import_the_fixes_left_unused_goes() {
        let original = "import websockets.legacy.client\n\
                        async def main(u):\n    await websockets.legacy.client.connect(u)\n";
        let fixed =
            "import websockets.legacy.client\nfrom websockets.asyncio.client import connect\n\
                     async def main(u):\n    await connect(u)\n";
        assert_eq!(
            tidied(original, fixed).as_deref(),
            Some(
                "from websockets.asyncio.client import connect\n\
                 async def main(u):\n    await connect(u)\n"
            )
        );
    }

    #[test]
    fn a_name_the_original_imports_do_not_bind_is_counted_in_the_whole_original() {
        // `connect` is bound by no import of the original, which uses it (as an attribute):
        // the import a fix added and the fixed text no longer uses goes, as with a table of
        // every name.
        let original = "import websockets\nwebsockets.connect(u)\n";
        let fixed = "import websockets\nfrom websockets.asyncio.client import connect\nprint(u)\n";
        assert_eq!(tidied(original, fixed).as_deref(), Some("print(u)\n"));
        // Never used by the original: kept.
        let fixed = "import websockets\nfrom websockets.asyncio.client import serve\n\
                     websockets.connect(u)\n";
        assert_eq!(tidied(original, fixed), None);
    }
}
