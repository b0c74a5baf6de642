//! Layout of what the fixes wrote: a rewritten or generated statement whose line grew past the
//! project's line length is laid out as `ruff format` would lay it out (ruff's own formatter,
//! range formatting of just that statement). Code the fixes did not touch keeps its layout, and
//! so do lines that were already too long.

use std::collections::HashSet;
use std::path::Path;

use ruff_formatter::printer::LineEnding;
use ruff_formatter::LineWidth;
use ruff_python_ast::{ModModule, PySourceType, Stmt};
use ruff_python_formatter::{format_range, PyFormatOptions, QuoteStyle};
use ruff_text_size::{Ranged, TextLen, TextRange, TextSize};
use rustc_hash::FxHashMap as HashMap;
use similar::{Algorithm, DiffOp};

use crate::source::{common_prefix, common_suffix};

/// ruff's (and black's) default.
pub const DEFAULT_LINE_LENGTH: usize = 88;

/// `new` with each hunk (relative to `old`) that has a new over-long line range-formatted, or
/// `None` when nothing changes. `parsed` is `new`'s module if the caller has it.
pub fn laid_out(
    old: &str,
    new: &str,
    parsed: Option<&ModModule>,
    line_length: usize,
    source_type: PySourceType,
) -> Option<String> {
    let hunks = long_hunks(old, new, line_length);
    if hunks.is_empty() {
        return None;
    }
    let width = LineWidth::try_from(u16::try_from(line_length).ok()?).ok()?;
    let options = PyFormatOptions::from_source_type(source_type)
        .with_line_width(width)
        // The file's quotes and line endings stay as they are: only the layout of the long
        // statement changes.
        .with_quote_style(QuoteStyle::Preserve)
        .with_line_ending(match crate::source::LineEnding::detect(new) {
            crate::source::LineEnding::Lf => LineEnding::LineFeed,
            crate::source::LineEnding::CrLf => LineEnding::CarriageReturnLineFeed,
            crate::source::LineEnding::Cr => LineEnding::CarriageReturn,
        });
    let mut text = new.to_string();
    // From the last region up: earlier offsets stay valid.
    for (region, hunks) in regions(new, parsed, &hunks).into_iter().rev() {
        let snippet = format_hunks(&text[region], region.start(), &hunks, &options);
        text.replace_range(region.start().to_usize()..region.end().to_usize(), &snippet);
    }
    (text != new).then_some(text)
}

/// `snippet` (the text at `offset` of the file) with each hunk (file offsets) range-formatted,
/// from the last hunk up.
fn format_hunks(
    snippet: &str,
    offset: TextSize,
    hunks: &[TextRange],
    options: &PyFormatOptions,
) -> String {
    let mut text = snippet.to_string();
    for range in hunks.iter().rev() {
        let Ok(printed) = format_range(&text, range - offset, options.clone()) else {
            continue;
        };
        let source = printed.source_range();
        if &text[source] != printed.as_code() {
            text.replace_range(
                source.start().to_usize()..source.end().to_usize(),
                printed.as_code(),
            );
        }
    }
    text
}

/// The parts of `text` that the hunks can be laid out in on their own, each with its hunks in
/// order. Range formatting parses all the text it is given, so each hunk gets the top-level
/// statements around it, not the whole module (`--fix` of the benches' all-relevant `pip/`,
/// callgrind: the layout 1,178 M -> 613 M instructions, the whole run 6.03 G -> 5.48 G). A part
/// runs from the top-level statement before the first one a hunk touches to the one after the
/// last, so the formatter sees the same neighbours (blank lines between top-level statements
/// depend on them). The whole text is one part when it does not parse, when a comment could
/// switch the formatter off (`fmt: off`, `fmt: skip`, `yapf: disable`) or when a part would
/// start at a string statement that is not the module's first (it would read as the part's
/// docstring).
fn regions(
    text: &str,
    parsed: Option<&ModModule>,
    hunks: &[TextRange],
) -> Vec<(TextRange, Vec<TextRange>)> {
    let whole = || vec![(TextRange::up_to(text.text_len()), hunks.to_vec())];
    if text.contains("fmt:") || text.contains("yapf:") {
        return whole();
    }
    let parsed_here;
    let module = match parsed {
        Some(module) => module,
        None => match ruff_python_parser::parse_module(text) {
            Ok(p) => {
                parsed_here = p;
                parsed_here.syntax()
            }
            Err(_) => return whole(),
        },
    };
    let body = &module.body;
    let mut regions: Vec<(usize, usize, Vec<TextRange>)> = Vec::new();
    for hunk in hunks {
        // The statements the hunk touches, then one more on each side.
        let first = body.partition_point(|s| s.end() <= hunk.start());
        let last = body.partition_point(|s| s.start() < hunk.end());
        let first = first.saturating_sub(1);
        let last = (last + 1).min(body.len());
        match regions.last_mut() {
            Some((_, end, members)) if first < *end => {
                *end = (*end).max(last);
                members.push(*hunk);
            }
            _ => regions.push((first, last, vec![*hunk])),
        }
    }
    let mut out = Vec::with_capacity(regions.len());
    for (first, last, members) in regions {
        if first >= last {
            return whole();
        }
        // A part starts at the beginning of a line (a top-level statement after `;` takes the
        // statements before it on its line) and ends at the end of one.
        let mut first = first;
        while first > 0 && !at_line_start(text, body[first].start()) {
            first -= 1;
        }
        let mut last = last;
        while last < body.len() && !at_line_start(text, body[last].start()) {
            last += 1;
        }
        if first > 0
            && matches!(&body[first], Stmt::Expr(e) if e.value.is_string_literal_expr() || e.value.is_bytes_literal_expr() || e.value.is_f_string_expr())
        {
            return whole();
        }
        let start = if first == 0 {
            TextSize::default()
        } else {
            body[first].start()
        };
        let end = if last == body.len() {
            text.text_len()
        } else {
            body[last].start()
        };
        let region = TextRange::new(start, end);
        if !members.iter().all(|h| region.contains_range(*h)) {
            return whole();
        }
        out.push((region, members));
    }
    out
}

/// Is `offset` the first non-blank character of its line?
fn at_line_start(text: &str, offset: TextSize) -> bool {
    text[..offset.to_usize()]
        .chars()
        .rev()
        .take_while(|c| *c != '\n' && *c != '\r')
        .all(|c| c == ' ' || c == '\t' || c == '\x0c')
}

/// Byte ranges of `new` (whole lines, without the last line ending) of the hunks that contain
/// a line longer than `line_length` that `old` did not have.
fn long_hunks(old: &str, new: &str, line_length: usize) -> Vec<TextRange> {
    let too_long = |line: &str| {
        let line = line.trim_end_matches(['\n', '\r']);
        // A line has at most as many characters as bytes: most lines are decided by their length.
        line.len() > line_length && line.chars().count() > line_length
    };
    // Only the lines between the common first and last lines can be new: a fix loop's texts
    // differ in a few places.
    let (prefix, suffix) = common_lines(old, new);
    let old_middle = &old[prefix..old.len() - suffix];
    let new_middle = &new[prefix..new.len() - suffix];
    // Most fixes make no line too long: then there is nothing to lay out and no diff to compute
    // (a line diff of a file with thousands of changed lines is quadratic in them).
    let new_long: Vec<&str> = long_lines(new_middle, line_length).collect();
    if new_long.is_empty() {
        return Vec::new();
    }
    let old_long: HashSet<&str> = long_lines(old, line_length).collect();
    if new_long.iter().all(|l| old_long.contains(l)) {
        return Vec::new();
    }
    let old_lines = diff_lines(old_middle);
    let new_lines = diff_lines(new_middle);
    let mut starts = Vec::with_capacity(new_lines.len() + 1);
    let mut offset = 0;
    for line in &new_lines {
        starts.push(offset);
        offset += line.len();
    }
    starts.push(offset);
    let mut hunks = Vec::new();
    for op in line_diff(&old_lines, &new_lines) {
        let (old_range, new_range) = match op {
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => (old_index..old_index, new_index..new_index + new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (
                old_index..old_index + old_len,
                new_index..new_index + new_len,
            ),
            _ => continue,
        };
        let before = &old_lines[old_range];
        let grew = new_lines[new_range.clone()]
            .iter()
            .any(|line| too_long(line) && !before.contains(line));
        if grew {
            let start = starts[new_range.start];
            let end = starts[new_range.end];
            let end = start + new_middle[start..end].trim_end_matches(['\n', '\r']).len();
            hunks.push(TextRange::new(
                TextSize::from((prefix + start) as u32),
                TextSize::from((prefix + end) as u32),
            ));
        }
    }
    hunks
}

/// The lines of `text` longer than `line_length` characters, as `str::lines` gives them. Lines
/// are found by their `\n`s and measured by their bytes first: a line has at most as many
/// characters as bytes.
fn long_lines(text: &str, line_length: usize) -> impl Iterator<Item = &str> {
    let ends = memchr::memchr_iter(b'\n', text.as_bytes())
        .chain((!text.is_empty() && !text.ends_with('\n')).then_some(text.len()));
    let mut start = 0;
    ends.filter_map(move |end| {
        let line = &text[start..end];
        start = end + 1;
        if line.len() <= line_length {
            return None;
        }
        // As `str::lines`: the `\r` of a `\r\n` goes.
        let line = match end < text.len() {
            true => line.strip_suffix('\r').unwrap_or(line),
            false => line,
        };
        let measured = line.trim_end_matches(['\n', '\r']);
        (measured.chars().count() > line_length).then_some(line)
    })
}

/// The lines of `text` with their line endings, as a line diff sees them (a lone `\r` ends a
/// line too).
fn diff_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    for at in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if at < start {
            continue; // the `\n` of a `\r\n`
        }
        let end = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            at + 2
        } else {
            at + 1
        };
        lines.push(&text[start..end]);
        start = end;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// The patience diff of two lists of lines: it anchors on lines that occur once, as most lines
/// of a module do (Myers' cost grows with the product of the file's length and the number of
/// changed lines). Each distinct line is a number first, so the diff compares and hashes
/// numbers: `similar`'s text diff split and hashed each line with SipHash, which was most of
/// its cost.
fn line_diff<'t>(old: &[&'t str], new: &[&'t str]) -> Vec<DiffOp> {
    let mut ids: HashMap<&'t str, u32> = HashMap::default();
    let mut id = |line: &'t str| {
        let next = ids.len() as u32;
        *ids.entry(line).or_insert(next)
    };
    let old_ids: Vec<u32> = old.iter().map(|l| id(l)).collect();
    let new_ids: Vec<u32> = new.iter().map(|l| id(l)).collect();
    similar::capture_diff_slices(Algorithm::Patience, &old_ids, &new_ids)
}

/// The lengths in bytes of the whole lines `old` and `new` begin with and end with alike (each
/// ends after a `\n`, so a line diff of what is between sees the same lines, and the two never
/// overlap).
fn common_lines(old: &str, new: &str) -> (usize, usize) {
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let same = common_prefix(a, b);
    let prefix = a[..same]
        .iter()
        .rposition(|c| *c == b'\n')
        .map_or(0, |i| i + 1);
    let same_end = common_suffix(a, b, a.len().min(b.len()) - prefix);
    // The suffix must start a line in both texts; else it starts after its first `\n`.
    let starts_line = |x: &[u8], at: usize| at == 0 || x[at - 1] == b'\n';
    let suffix = if starts_line(a, a.len() - same_end) && starts_line(b, b.len() - same_end) {
        same_end
    } else {
        let tail = &a[a.len() - same_end..];
        tail.iter()
            .position(|c| *c == b'\n')
            .map_or(0, |i| same_end - i - 1)
    };
    (prefix, suffix)
}

/// The line length of the project `start` belongs to: `line-length` of the nearest
/// `ruff.toml` / `.ruff.toml`, or of `[tool.ruff]` (else `[tool.black]`) in the nearest
/// `pyproject.toml` that sets one; else 88.
pub fn project_line_length(start: &Path) -> usize {
    let absolute = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = if absolute.is_dir() {
        Some(absolute.as_path())
    } else {
        absolute.parent()
    };
    while let Some(d) = dir {
        for (file, tables) in [
            ("ruff.toml", &[][..]),
            (".ruff.toml", &[][..]),
            ("pyproject.toml", &["tool.ruff", "tool.black"][..]),
        ] {
            let Ok(text) = std::fs::read_to_string(d.join(file)) else {
                continue;
            };
            let Ok(value) = text.parse::<toml::Table>() else {
                continue;
            };
            if tables.is_empty() {
                if let Some(n) = value.get("line-length").and_then(toml::Value::as_integer) {
                    return n as usize;
                }
                continue;
            }
            for table in tables {
                let found = table
                    .split('.')
                    .try_fold(&value, |t, key| t.get(key)?.as_table())
                    .and_then(|t| t.get("line-length"))
                    .and_then(toml::Value::as_integer);
                if let Some(n) = found {
                    return n as usize;
                }
            }
        }
        dir = d.parent();
    }
    DEFAULT_LINE_LENGTH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_skips_whole_common_lines_at_both_ends() {
        fn split<'t>(old: &'t str, new: &'t str) -> (&'t str, &'t str) {
            let (prefix, suffix) = common_lines(old, new);
            (
                &old[prefix..old.len() - suffix],
                &new[prefix..new.len() - suffix],
            )
        }
        assert_eq!(split("a\nb\nc\n", "a\nB\nc\n"), ("b\n", "B\n"));
        // Never inside a line, at either end.
        assert_eq!(split("ab\ncd\n", "ax\ncd\n"), ("ab\n", "ax\n"));
        assert_eq!(split("a\nxy\n", "a\nzy\n"), ("xy\n", "zy\n"));
        // Lines added at the end, or at the start.
        assert_eq!(split("a\n", "a\nb\n"), ("", "b\n"));
        assert_eq!(split("b\n", "a\nb\n"), ("", "a\n"));
        // The two parts never overlap: `a\na\n` against `a\n`.
        assert_eq!(split("a\na\n", "a\n"), ("a\n", ""));
        // Lone `\r` line endings: no `\n` to cut at, the whole texts.
        assert_eq!(split("a\rb\r", "a\rc\r"), ("a\rb\r", "a\rc\r"));
        assert_eq!(split("same\n", "same\n"), ("", ""));
    }

    #[test]
    fn long_lines_and_diff_lines_split_as_the_standard_library_and_similar_do() {
        let texts = [
            "",
            "abc",
            "abc\n",
            "abcd\r\nefgh\r\n",
            "abcd\refgh\r",
            "abcd\r",
            "\n\nabcdef\r\n\r\nxy",
            "éééé\nabcdefgh\r\r\n",
        ];
        for text in texts {
            for length in [0, 1, 3, 4, 8] {
                let expected: Vec<&str> = text
                    .lines()
                    .filter(|l| l.trim_end_matches(['\n', '\r']).chars().count() > length)
                    .collect();
                let found: Vec<&str> = long_lines(text, length).collect();
                assert_eq!(found, expected, "{text:?} at {length}");
            }
            let diff = similar::TextDiff::from_lines(text, "");
            assert_eq!(diff_lines(text), diff.old_slices(), "{text:?}");
        }
    }

    #[test]
    fn only_statements_the_fix_made_too_long_are_laid_out() {
        let old = "x = f(a)\ny = g(bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccccccccccccccccc, ddddddddddddddddddd)\n";
        let new = "x = f(aaaaaaaaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, 'cccccccccccccccc')\ny = g(bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccccccccccccccccc, ddddddddddddddddddd)\n";
        let out = laid_out(old, new, None, 88, PySourceType::Python).unwrap();
        assert_eq!(
            out,
            "x = f(\n    aaaaaaaaaaaaaaaaaaaaaaaaaaaa,\n    bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,\n    'cccccccccccccccc',\n)\ny = g(bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccccccccccccccccc, ddddddddddddddddddd)\n"
        );
        // Short enough: untouched.
        assert_eq!(
            laid_out("x = 1\n", "x = 2\n", None, 88, PySourceType::Python),
            None
        );
        // At the project's line length.
        let out = laid_out(
            "x = f(a)\n",
            "x = f(aaaa, bbbb)\n",
            None,
            12,
            PySourceType::Python,
        )
        .unwrap();
        assert_eq!(out, "x = f(\n    aaaa,\n    bbbb,\n)\n");
        // Lines ended by a lone `\r` (the diff's lines, not `\n`-split ones).
        let out = laid_out(
            "a\rx = f(a)\r",
            "a\rx = f(aaaa, bbbb)\r",
            None,
            12,
            PySourceType::Python,
        );
        assert_eq!(out.as_deref(), Some("a\rx = f(\r    aaaa,\r    bbbb,\r)\r"));
    }

    /// Laying out each hunk within its top-level neighbours gives what laying it out within
    /// the whole module gives.
    #[test]
    fn parts_lay_out_as_the_whole_module_does() {
        let long = "connect(uri, additional_headers=headers, open_timeout=None, max_size=2 ** 20, ping_interval=None)";
        let old = "\"\"\"Doc.\"\"\"\nimport a\n\n\nclass C:\n    def m(self):\n        x = 1\n        y = f()  # keep\n\n\n\"\"\"Not a docstring.\"\"\"\ndef g():\n    pass\nz = 1; w = f()\n# trailing\n";
        let new = old
            .replace("y = f()", &format!("y = {long}"))
            .replace("w = f()", &format!("w = {long}"));
        let options = PyFormatOptions::from_source_type(PySourceType::Python)
            .with_line_width(LineWidth::try_from(88u16).unwrap())
            .with_quote_style(QuoteStyle::Preserve);
        let hunks = long_hunks(old, &new, 88);
        assert_eq!(hunks.len(), 2);
        let whole = format_hunks(&new, TextSize::default(), &hunks, &options);
        let parts = regions(&new, None, &hunks);
        assert_eq!(parts.len(), 2, "{parts:?}");
        // The part of the method starts at `import a`, not at the module's docstring; the part
        // of `z = 1; w = ...` takes the string statement before `def g()` along.
        assert!(new[parts[0].0].starts_with("import a"));
        assert!(new[parts[1].0].starts_with("def g") || new[parts[1].0].starts_with("\"\"\"Not"));
        assert_eq!(
            laid_out(old, &new, None, 88, PySourceType::Python).unwrap(),
            whole
        );
        // A part would start at a string statement (read as its docstring): one part.
        let in_g = old.replace("    pass", &format!("    return {long}"));
        let whole_g = regions(&in_g, None, &long_hunks(old, &in_g, 88));
        assert_eq!(whole_g[0].0, TextRange::up_to(in_g.text_len()));
        // A comment that can switch the formatter off: the whole module is one part.
        let off = format!("# fmt: off\n{new}");
        assert_eq!(regions(&off, None, &long_hunks(old, &off, 88)).len(), 1);
    }

    #[test]
    fn reads_the_project_line_length() {
        let dir = std::env::temp_dir().join(format!("wsmigrate-layout-{}", std::process::id()));
        let sub = dir.join("pkg");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            dir.join("pyproject.toml"),
            "[tool.black]\nline-length = 100\n",
        )
        .unwrap();
        assert_eq!(project_line_length(&sub), 100);
        std::fs::write(
            dir.join("pyproject.toml"),
            "[tool.black]\nline-length = 100\n[tool.ruff]\nline-length = 120\n",
        )
        .unwrap();
        assert_eq!(project_line_length(&sub.join("a.py")), 120);
        std::fs::write(sub.join("ruff.toml"), "line-length = 79\n").unwrap();
        assert_eq!(project_line_length(&sub), 79);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
