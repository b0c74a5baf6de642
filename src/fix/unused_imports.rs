//! The last step of fixing a file: a websockets import that the original text used and the fixed
//! text no longer uses (every `websockets.legacy...` reference became a `from` import, every
//! `InvalidStatusCode` became `InvalidStatus`) is removed, as a person would, rather than left
//! for `F401`. Imports that were already unused (re-exports) are not touched.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_ast::visitor::{walk_stmt, Visitor};
use ruff_python_ast::{Alias, ModModule, Stmt};
use ruff_python_parser::Parsed;
use ruff_text_size::{Ranged, TextRange};

use super::import_placement::{ends_its_line, indent_of, line_end_after, line_start};
use crate::diagnostic::Edit;
use crate::semantic::imports::NameFilter;
use crate::semantic::Imports;

/// `fixed` without the websockets imports that only the fixes made unused, or `None` when there
/// are none.
#[cfg(test)]
pub fn remove_left_unused(original: &str, fixed: &str) -> Option<String> {
    let before = ruff_python_parser::parse_module(original).ok()?;
    let after = ruff_python_parser::parse_module(fixed).ok()?;
    let used = used_in(original, &before);
    remove_left_unused_in(&|name| used.get(name).copied().unwrap_or(0), fixed, &after)
}

/// How often the original text uses each name outside import statements (computed once per
/// file, for every pass).
pub(super) fn used_in(original: &str, before: &Parsed<ModModule>) -> HashMap<String, usize> {
    uses(
        original,
        before.tokens(),
        &import_ranges(before.syntax()),
        None,
    )
    .into_iter()
    .map(|(name, n)| (name.to_string(), n))
    .collect()
}

/// [`used_in`] for the names the original's own imports bind only: the table a fix loop asks
/// of every import it still sees (a name a fix imported is looked up only when the fixed text
/// no longer uses it), small enough to keep for every file of a project.
pub(super) fn import_locals_used_in(
    original: &str,
    before: &Parsed<ModModule>,
) -> HashMap<String, usize> {
    let mut statements = ImportStatements::default();
    statements.visit_body(&before.syntax().body);
    let ranges: Vec<TextRange> = statements.found.iter().map(|s| s.range).collect();
    let locals = locals_of(&statements);
    let counts = uses(original, before.tokens(), &ranges, Some(&locals));
    locals
        .into_iter()
        .map(|local| (local.to_string(), counts.get(local).copied().unwrap_or(0)))
        .collect()
}

/// The names the import statements bind.
fn locals_of(statements: &ImportStatements) -> HashSet<&str> {
    statements
        .found
        .iter()
        .flat_map(|stmt| &stmt.aliases)
        .map(local_of)
        .collect()
}

/// The name an import alias binds: `x` for `import a.b as x`, `a` for `import a.b`.
fn local_of(alias: &Alias) -> &str {
    let local = alias.asname.as_ref().unwrap_or(&alias.name);
    local.split('.').next().unwrap_or_default()
}

/// [`remove_left_unused`] with the original's uses (how often it uses a name outside import
/// statements) and the fixed text parsed.
pub(super) fn remove_left_unused_in(
    used_before: &dyn Fn(&str) -> usize,
    fixed: &str,
    after: &Parsed<ModModule>,
) -> Option<String> {
    let mut statements = ImportStatements::default();
    statements.visit_body(&after.syntax().body);
    let ranges: Vec<TextRange> = statements.found.iter().map(|s| s.range).collect();
    let used_after = uses(
        fixed,
        after.tokens(),
        &ranges,
        Some(&locals_of(&statements)),
    );
    // The fixed text first: the original is asked about the names the fixed text no longer
    // uses only.
    let left_unused =
        |local: &str| used_after.get(local).copied().unwrap_or(0) == 0 && used_before(local) > 0;
    // Most fixed texts leave no import unused: then the import table is not built.
    let any = statements
        .found
        .iter()
        .flat_map(|stmt| &stmt.aliases)
        .any(|alias| left_unused(local_of(alias)));
    if !any {
        return None;
    }
    let imports = Imports::collect(after.syntax());
    if !imports.any() {
        return None;
    }
    let mut edits = Vec::new();
    for stmt in &statements.found {
        let removed: Vec<bool> = stmt
            .aliases
            .iter()
            .map(|alias| {
                let local = local_of(alias);
                imports
                    .binding(local)
                    .is_some_and(|b| b.alias == alias.range && left_unused(local))
            })
            .collect();
        if !removed.contains(&true) {
            continue;
        }
        if removed.iter().all(|&r| r) {
            edits.extend(remove_statement(fixed, stmt));
        } else {
            edits.extend(remove_aliases(&stmt.aliases, &removed));
        }
    }
    (!edits.is_empty()).then(|| splice(fixed, edits))
}

pub(super) struct ImportStatement {
    pub(super) range: TextRange,
    pub(super) aliases: Vec<Alias>,
    /// The only statement of its block: removing it needs a `pass`.
    pub(super) alone_in_block: bool,
}

#[derive(Default)]
struct ImportStatements {
    found: Vec<ImportStatement>,
}

impl<'a> Visitor<'a> for ImportStatements {
    fn visit_body(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            let aliases = match stmt {
                Stmt::Import(import) => Some(&import.names),
                Stmt::ImportFrom(import) => Some(&import.names),
                _ => None,
            };
            if let Some(aliases) = aliases {
                self.found.push(ImportStatement {
                    range: stmt.range(),
                    aliases: aliases.clone(),
                    alone_in_block: body.len() == 1,
                });
            }
            self.visit_stmt(stmt);
        }
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        walk_stmt(self, stmt);
    }
}

fn import_ranges(module: &ruff_python_ast::ModModule) -> Vec<TextRange> {
    let mut statements = ImportStatements::default();
    statements.visit_body(&module.body);
    statements.found.into_iter().map(|s| s.range).collect()
}

/// How often each name (of `wanted`, or any) is used outside import statements: as a name, or
/// as a word inside a string (a string annotation, `__all__`), which keeps such an import.
/// Callers that ask about the names imports bind count those only: counting every name of a
/// big file was most of the clean-up after the fixes.
fn uses<'t>(
    text: &'t str,
    tokens: &Tokens,
    imports: &[TextRange],
    wanted: Option<&HashSet<&str>>,
) -> HashMap<&'t str, usize> {
    let mut counts: HashMap<&str, usize> = HashMap::default();
    if wanted.is_some_and(HashSet::is_empty) {
        return counts;
    }
    // Most names and words are none of the wanted: the filter says so without hashing them.
    let mut filter = NameFilter::default();
    wanted
        .iter()
        .flat_map(|w| w.iter())
        .for_each(|w| filter.insert(w));
    let mut count = |word: &'t str| {
        if wanted.is_none_or(|w| filter.may_contain(word) && w.contains(word)) {
            *counts.entry(word).or_default() += 1;
        }
    };
    let mut next_import = 0;
    for token in tokens {
        while next_import < imports.len() && imports[next_import].end() <= token.start() {
            next_import += 1;
        }
        let in_import = imports
            .get(next_import)
            .is_some_and(|r| r.contains_range(token.range()));
        match token.kind() {
            TokenKind::Name if !in_import => count(&text[token.range()]),
            TokenKind::String | TokenKind::FStringMiddle | TokenKind::TStringMiddle => {
                for_each_word(&text[token.range()], &mut count);
            }
            _ => {}
        }
    }
    counts
}

/// Calls `f` with each run of alphanumeric characters and underscores of a string (bytes are
/// tested when it is ASCII, as most are: the same words, quicker).
fn for_each_word<'t>(string: &'t str, mut f: impl FnMut(&'t str)) {
    if !string.is_ascii() {
        string
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .for_each(f);
        return;
    }
    let bytes = string.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut at = 0;
    while at < bytes.len() {
        while at < bytes.len() && !word(bytes[at]) {
            at += 1;
        }
        let start = at;
        while at < bytes.len() && word(bytes[at]) {
            at += 1;
        }
        if start < at {
            f(&string[start..at]);
        }
    }
}

pub(super) fn remove_statement(text: &str, stmt: &ImportStatement) -> Option<Edit> {
    if stmt.alone_in_block {
        return Some(Edit::replace(stmt.range, "pass"));
    }
    let on_own_lines = !indent_of(text, stmt.range.start()).is_empty()
        || line_start(text, stmt.range.start()) == stmt.range.start();
    if !on_own_lines || !ends_its_line(text, stmt.range.end()) {
        return None; // `import a; import b`: rare, left alone.
    }
    let start = line_start(text, stmt.range.start());
    let mut end = line_end_after(text, stmt.range.end());
    // Between two blank lines (or at the top): one of them goes too, or the file would gain a
    // blank line where there was an import.
    let blank_before = start.to_usize() == 0 || {
        let before = &text[..start.to_usize()];
        let previous = before.trim_end_matches(['\n', '\r']);
        before.len() - previous.len() >= 2 || previous.is_empty()
    };
    let next_line_end = line_end_after(text, end);
    if blank_before
        && text[end.to_usize()..next_line_end.to_usize()]
            .trim()
            .is_empty()
    {
        end = next_line_end;
    }
    Some(Edit::delete(TextRange::new(start, end)))
}

/// Removes some names of an import, keeping the layout of the others: a name with the
/// separator after it, or a trailing run of names with the separator before it.
pub(super) fn remove_aliases(aliases: &[Alias], removed: &[bool]) -> Vec<Edit> {
    let trailing = removed.iter().rev().take_while(|&&r| r).count();
    let first_trailing = aliases.len() - trailing;
    let mut edits = Vec::new();
    for (i, alias) in aliases.iter().enumerate().take(first_trailing) {
        if removed[i] {
            edits.push(Edit::delete(TextRange::new(
                alias.start(),
                aliases[i + 1].start(),
            )));
        }
    }
    if trailing > 0 {
        edits.push(Edit::delete(TextRange::new(
            aliases[first_trailing - 1].end(),
            aliases[aliases.len() - 1].end(),
        )));
    }
    edits
}

pub(super) fn splice(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| e.range.start());
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for edit in edits {
        let (start, end) = (edit.range.start().to_usize(), edit.range.end().to_usize());
        if start < last {
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(&edit.content);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::remove_left_unused;

    #[test]
    fn the_words_of_a_string_are_those_of_a_split_by_characters() {
        for string in [
            "",
            "'connect'",
            "\"\"\"Use `ws.close()`, not x_1.\"\"\"",
            "_a b__",
            "é connect ünï_1",
            "9x",
        ] {
            let by_characters: Vec<&str> = string
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            let mut words = Vec::new();
            super::for_each_word(string, |w| words.push(w));
            assert_eq!(words, by_characters, "{string}");
        }
    }

    #[test]
    fn removes_only_what_the_fix_left_unused() {
        let before = "import websockets\nfrom websockets.exceptions import InvalidStatusCode, WebSocketException\n\nx = websockets.x\ntry:\n    pass\nexcept (InvalidStatusCode, WebSocketException):\n    pass\n";
        let after = "import websockets\nfrom websockets.exceptions import InvalidStatusCode, WebSocketException, InvalidStatus\n\nfrom websockets.x import x\nx = x\ntry:\n    pass\nexcept (InvalidStatus, WebSocketException):\n    pass\n";
        assert_eq!(
            remove_left_unused(before, after).as_deref(),
            Some("from websockets.exceptions import WebSocketException, InvalidStatus\n\nfrom websockets.x import x\nx = x\ntry:\n    pass\nexcept (InvalidStatus, WebSocketException):\n    pass\n")
        );
        // Already unused before (a re-export), or still named in a string: kept.
        let before = "from websockets import connect\nimport websockets\n\nx: \"websockets.X\" = websockets.y\n";
        let after =
            "from websockets import connect\nimport websockets\n\nx: \"websockets.X\" = 1\n";
        assert_eq!(remove_left_unused(before, after), None);
        // The only statement of a block becomes `pass`; a trailing run of names goes at once.
        let before = "if a:\n    import websockets\n    websockets.x\nfrom websockets.legacy import (\n    A,\n    B,\n    C,\n)\nA, B, C\n";
        let after = "if a:\n    import websockets\n    1\nfrom websockets.legacy import (\n    A,\n    B,\n    C,\n)\nA\n";
        assert_eq!(
            remove_left_unused(before, after).as_deref(),
            Some("if a:\n    1\nfrom websockets.legacy import (\n    A,\n)\nA\n")
        );
    }
}
