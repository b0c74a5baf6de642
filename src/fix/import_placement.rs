//! Where a new import goes, and how a name joins an existing `from` import, so that a file whose
//! imports were sorted (isort, ruff `I001`) stays sorted: the block of the same section, in
//! order (`import x` lines before `from x import y` lines, modules case-insensitively), names in
//! ruff's order (constants, classes, then the rest).

use ruff_python_ast::{Stmt, StmtImportFrom};
use ruff_text_size::{Ranged, TextSize};

use super::import_sections::{section_of, Section};
use super::importer::Container;
use crate::diagnostic::Edit;

/// Longest import line written on one line; a longer one is wrapped as `ruff format` would.
const LINE_LENGTH: usize = 88;

/// One import statement of a container's leading imports.
pub(super) struct Entry {
    pub(super) straight: bool,
    key: String,
    section: Section,
    websockets: bool,
    pub(super) block: usize,
    start: TextSize,
    end: TextSize,
}

impl Entry {
    /// A statement to be written (its block and position are decided later).
    pub(super) fn new(straight: bool, module: &str, section: Section, websockets: bool) -> Entry {
        Entry {
            straight,
            key: module.to_lowercase(),
            section,
            websockets,
            block: 0,
            start: TextSize::from(0),
            end: TextSize::from(0),
        }
    }

    pub(super) fn of_stmt(stmt: &Stmt, block: usize) -> Entry {
        let (straight, module, level) = match stmt {
            Stmt::Import(import) => (
                true,
                import.names.first().map_or("", |a| a.name.as_str()),
                0,
            ),
            Stmt::ImportFrom(import) => (
                false,
                import.module.as_ref().map_or("", |m| m.as_str()),
                import.level,
            ),
            _ => (true, "", 0),
        };
        Entry {
            straight,
            key: module.to_lowercase(),
            section: section_of(module, level),
            websockets: level == 0 && (module == "websockets" || module.starts_with("websockets.")),
            block,
            start: stmt.start(),
            end: stmt.end(),
        }
    }

    /// isort's order inside a section.
    fn sorts_before(&self, other: &Entry) -> bool {
        (!self.straight, &self.key) < (!other.straight, &other.key)
    }
}

/// The edit that adds `statement` (described by `new`) to `container`.
pub(super) fn new_statement(
    source: &str,
    container: &Container,
    new: &Entry,
    statement: &str,
) -> Edit {
    let indent = container.indent;
    let line = format!("{indent}{statement}");
    let entries = &container.entries;
    if entries.is_empty() {
        return if container.after_docstring {
            // After the module docstring: a blank line between.
            insert_lines(source, container.fallback, &["", &line])
        } else if container.body.is_none() {
            // Before a module-level `def` or `class`: two blank lines, as PEP 8 (and ruff's
            // formatter) want them.
            let next = &source[container.fallback.to_usize()..];
            let definition = ["def ", "async def ", "class ", "@"]
                .iter()
                .any(|k| next.starts_with(k));
            let lines: &[&str] = if definition {
                &[&line, "", ""]
            } else {
                &[&line, ""]
            };
            insert_lines(source, container.fallback, lines)
        } else {
            insert_lines(source, container.fallback, &[&line])
        };
    }
    let block = chosen_block(entries, new);
    let Some(block) = block else {
        // A section of its own, after the last block of an earlier section.
        let earlier = entries
            .iter()
            .filter(|e| block_section(entries, e.block) < new.section)
            .map(|e| e.block)
            .max();
        return match earlier {
            Some(b) => {
                let last = entries
                    .iter()
                    .rfind(|e| e.block == b)
                    .expect("block exists");
                insert_lines(source, line_end_after(source, last.end), &["", &line])
            }
            None => insert_lines(source, line_start(source, entries[0].start), &[&line, ""]),
        };
    };
    let members: Vec<&Entry> = entries.iter().filter(|e| e.block == block).collect();
    if let Some(next) = members.iter().find(|e| new.sorts_before(e)) {
        return insert_lines(source, line_start(source, next.start), &[&line]);
    }
    let last = members.last().expect("a chosen block has entries");
    insert_lines(source, line_end_after(source, last.end), &[&line])
}

/// The edit that adds a module-level statement after the module's leading imports, separated
/// from them by a blank line.
pub(super) fn after_imports(source: &str, container: &Container, statement: &str) -> Edit {
    match container.entries.last() {
        Some(last) => insert_lines(source, line_end_after(source, last.end), &["", statement]),
        None if container.after_docstring => {
            insert_lines(source, container.fallback, &["", statement])
        }
        None => insert_lines(source, container.fallback, &[statement, ""]),
    }
}

/// The block a new statement joins: the one with the file's websockets imports (for a
/// websockets import), else one of its section (the first for third-party, which comes before
/// the project's own).
fn chosen_block(entries: &[Entry], new: &Entry) -> Option<usize> {
    if new.websockets {
        if let Some(e) = entries.iter().rfind(|e| e.websockets) {
            return Some(e.block);
        }
    }
    let same = |e: &&Entry| e.section == new.section && !e.websockets;
    if new.section == Section::ThirdParty {
        entries.iter().find(same).map(|e| e.block)
    } else {
        entries.iter().rfind(same).map(|e| e.block)
    }
}

fn block_section(entries: &[Entry], block: usize) -> Section {
    entries
        .iter()
        .find(|e| e.block == block)
        .map_or(Section::ThirdParty, |e| e.section)
}

/// Adds `alias` to `import`, in ruff's member order, keeping the statement's layout.
pub(super) fn add_member(source: &str, import: &StmtImportFrom, alias: &str) -> Edit {
    let names = &import.names;
    let key = member_key(alias);
    let at = names
        .iter()
        .position(|a| member_key(&source[a.range()]) > key)
        .unwrap_or(names.len());
    let span = &source[import.range()];
    let multiline = span.contains(['\n', '\r']);
    let last = names.last().expect("an import names something");
    if multiline {
        if let Some(next) = names.get(at) {
            let start = line_start(source, next.start());
            if source[start.to_usize()..next.start().to_usize()]
                .trim()
                .is_empty()
            {
                let indent = indent_of(source, next.start());
                return Edit::insert(start, format!("{indent}{alias},\n"));
            }
            return Edit::insert(next.start(), format!("{alias}, "));
        }
        let indent = indent_of(source, last.start());
        let after = &source[last.end().to_usize()..import.end().to_usize()];
        let trailing_comma = after.trim_start().starts_with(',');
        let own_line = source[line_start(source, last.start()).to_usize()..last.start().to_usize()]
            .trim()
            .is_empty();
        if trailing_comma && own_line {
            let next_line = line_end_after(source, last.end());
            return Edit::insert(next_line, format!("{indent}{alias},\n"));
        }
        return Edit::insert(last.end(), format!(",\n{indent}{alias}"));
    }
    // One line: add inline, or wrap it when it would grow past the line length.
    let start = line_start(source, import.start());
    let line_len = source[start.to_usize()..line_end_after(source, import.end()).to_usize()]
        .trim_end()
        .chars()
        .count();
    if line_len + alias.len() + 2 > LINE_LENGTH && !span.contains('#') {
        let indent = indent_of(source, import.start());
        let module = import.module.as_ref().map_or("", |m| m.as_str());
        let mut members: Vec<&str> = names.iter().map(|a| &source[a.range()]).collect();
        members.insert(at, alias);
        let body: String = members
            .iter()
            .map(|m| format!("{indent}    {m},\n"))
            .collect();
        let dots = ".".repeat(import.level as usize);
        return Edit::replace(
            import.range(),
            format!("from {dots}{module} import (\n{body}{indent})"),
        );
    }
    match names.get(at) {
        Some(next) => Edit::insert(next.start(), format!("{alias}, ")),
        None => Edit::insert(last.end(), format!(", {alias}")),
    }
}

/// ruff's `order-by-type` key: CONSTANTS, then Classes, then everything else; then the name.
fn member_key(alias: &str) -> (u8, String) {
    let name = alias.split_whitespace().next().unwrap_or(alias);
    let cased_upper = name.chars().any(char::is_uppercase) && !name.chars().any(char::is_lowercase);
    let kind = if name.len() > 1 && cased_upper {
        0
    } else if name.chars().next().is_some_and(char::is_uppercase) {
        1
    } else {
        2
    };
    (kind, name.to_lowercase())
}

/// Inserts whole lines at `at` (a line start, or the end of a file without a final newline).
fn insert_lines(source: &str, at: TextSize, lines: &[&str]) -> Edit {
    let unterminated_end =
        at.to_usize() == source.len() && !source.is_empty() && !source.ends_with(['\n', '\r']);
    if unterminated_end {
        let text: String = lines.iter().map(|l| format!("\n{l}")).collect();
        Edit::insert(at, text)
    } else {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        Edit::insert(at, text)
    }
}

/// Is there a blank line between `end` (of a statement) and `start` (of the next)?
pub(super) fn blank_line_between(source: &str, end: TextSize, start: TextSize) -> bool {
    let next_line = line_start(source, start);
    if next_line <= end {
        return false; // On the same line: `import a; import b`.
    }
    let gap = &source[end.to_usize()..next_line.to_usize()];
    let mut lines = gap.split('\n');
    lines.next(); // The rest of the first statement's line.
    lines.any(|l| l.trim().is_empty()) && gap.matches('\n').count() >= 2
}

pub(super) fn ends_its_line(source: &str, end: TextSize) -> bool {
    let rest = &source[end.to_usize()..];
    let line = rest.split(['\n', '\r']).next().unwrap_or("");
    let trimmed = line.trim_start();
    trimmed.is_empty() || trimmed.starts_with('#')
}

pub(super) fn line_start(source: &str, offset: TextSize) -> TextSize {
    let start = source[..offset.to_usize()]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i + 1);
    TextSize::from(start as u32)
}

/// The whitespace before `offset` on its line (empty when something else precedes it).
pub(super) fn indent_of(source: &str, offset: TextSize) -> &str {
    let start = line_start(source, offset).to_usize();
    let before = &source[start..offset.to_usize()];
    if before.chars().all(|c| c == ' ' || c == '\t') {
        before
    } else {
        ""
    }
}

/// The offset just after the line ending that follows `offset` (the end of the text when the
/// last line has none).
pub(super) fn line_end_after(source: &str, offset: TextSize) -> TextSize {
    let rest = &source[offset.to_usize()..];
    match rest.find(['\n', '\r']) {
        Some(i) => {
            let bytes = rest.as_bytes();
            let len = if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            offset + TextSize::from((i + len) as u32)
        }
        None => TextSize::from(source.len() as u32),
    }
}
