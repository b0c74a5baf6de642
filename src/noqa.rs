//! Suppression comments, applied after the rules: `# noqa` / `# noqa: WS001, WS002` on a
//! finding's first line, and a file-level `# wsmigrate: noqa` (optionally `: WS001`). A `noqa`
//! code that suppressed nothing is reported as WS904 with a fix that removes it; `--add-noqa`
//! writes directives for the findings that remain.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_ast::PySourceType;
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::registry::builtin;
use crate::rules;
use crate::settings::Settings;

/// `# noqa` in one comment: which codes (empty: all), and where the code list sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// From the `#` that starts `# noqa` to the end of the code list.
    pub range: TextRange,
    pub codes: Vec<Code>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub code: String,
    pub range: TextRange,
}

/// Parses a line directive out of one comment (the comment's own text at `offset`).
pub fn parse_line_directive(comment: &str, offset: TextSize) -> Option<Directive> {
    // `# type: ignore # noqa: WS001` is common: look at every `#` of the comment.
    comment.match_indices('#').find_map(|(hash, _)| {
        let after = &comment[hash + 1..];
        let rest = after.trim_start();
        if !rest.get(..4)?.eq_ignore_ascii_case("noqa") {
            return None;
        }
        let start = hash + 1 + (after.len() - rest.len()) + 4;
        parse_codes(comment, start, offset, hash)
    })
}

/// Parses `# wsmigrate: noqa` and `# wsmigrate: noqa: WS001`.
pub fn parse_file_directive(comment: &str, offset: TextSize) -> Option<Directive> {
    let body = comment.strip_prefix('#')?.trim_start();
    let rest = body.strip_prefix("wsmigrate:")?.trim_start();
    if !rest.get(..4)?.eq_ignore_ascii_case("noqa") {
        return None;
    }
    let start = comment.len() - rest.len() + 4;
    parse_codes(comment, start, offset, 0)
}

/// After `noqa`: nothing (bare), or `:` and codes separated by commas and spaces.
fn parse_codes(comment: &str, start: usize, offset: TextSize, hash: usize) -> Option<Directive> {
    let tail = &comment[start..];
    let at = |i: usize| offset + TextSize::try_from(i).unwrap_or_default();
    let Some(list) = tail.strip_prefix(':') else {
        // `# noqa` alone or followed by a space; `# noqaxyz` is not a directive.
        if tail.is_empty() || tail.starts_with(char::is_whitespace) {
            return Some(Directive {
                range: TextRange::new(at(hash), at(start)),
                codes: Vec::new(),
            });
        }
        return None;
    };
    let pos = start + 1;
    let mut end = start;
    let mut codes = Vec::new();
    let bytes = list.as_bytes();
    let mut i = 0;
    loop {
        while i < bytes.len() && (bytes[i] == b',' || bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        let word_start = i;
        while i < bytes.len() && bytes[i].is_ascii_uppercase() {
            i += 1;
        }
        let letters = i - word_start;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if letters == 0 || i == word_start + letters {
            break;
        }
        codes.push(Code {
            code: list[word_start..i].to_string(),
            range: TextRange::new(at(pos + word_start), at(pos + i)),
        });
        end = pos + i;
    }
    // `# noqa:` with nothing usable after it counts as bare.
    Some(Directive {
        range: TextRange::new(at(hash), at(end)),
        codes,
    })
}

/// Rows that belong to a string spanning several lines (a triple-quoted string, an f-string
/// whose replacement field spans lines): as in ruff, a directive for such a row goes on the
/// row where the string closes, after the closing quote, since no comment can go inside it
/// (inside a replacement field it is a syntax error before Python 3.12).
struct MultilineStrings {
    /// (first row, last row) of each outermost multi-line string, in order.
    rows: Vec<(usize, usize)>,
}

impl MultilineStrings {
    fn new(text: &str, tokens: &Tokens, index: &LineIndex) -> MultilineStrings {
        let mut spans: Vec<TextRange> = Vec::new();
        let mut open: Vec<TextSize> = Vec::new();
        for token in tokens {
            match token.kind() {
                TokenKind::FStringStart | TokenKind::TStringStart => open.push(token.start()),
                TokenKind::FStringEnd | TokenKind::TStringEnd => {
                    if let Some(start) = open.pop() {
                        if open.is_empty() {
                            spans.push(TextRange::new(start, token.end()));
                        }
                    }
                }
                TokenKind::String if open.is_empty() => spans.push(token.range()),
                _ => {}
            }
        }
        let rows = spans
            .into_iter()
            .filter(|r| text[*r].contains(['\n', '\r']))
            .map(|r| {
                (
                    index.line_index(r.start()).get(),
                    index.line_index(r.end()).get(),
                )
            })
            .collect();
        MultilineStrings { rows }
    }

    /// The row whose directive covers a finding on `row`.
    fn directive_row(&self, row: usize) -> usize {
        self.rows
            .iter()
            .find(|(first, last)| *first <= row && row < *last)
            .map_or(row, |(_, last)| *last)
    }
}

/// Does `text` contain `noqa` in any case? Found by its `q`, the rarest of its letters in code.
fn mentions_noqa(text: &[u8]) -> bool {
    memchr::memchr2_iter(b'q', b'Q', text).any(|at| {
        at >= 2
            && text[at - 2].eq_ignore_ascii_case(&b'n')
            && text[at - 1].eq_ignore_ascii_case(&b'o')
            && text
                .get(at + 1)
                .is_some_and(|a| a.eq_ignore_ascii_case(&b'a'))
    })
}

fn comment_ranges(tokens: &Tokens) -> impl Iterator<Item = TextRange> + '_ {
    tokens
        .iter()
        .filter(|t| t.kind() == TokenKind::Comment)
        .map(|t| t.range())
}

/// Codes a directive may never suppress: a file that does not parse is not checked at all.
fn suppressible(d: &Diagnostic) -> bool {
    !std::ptr::eq(d.rule, &builtin::SYNTAX_ERROR)
}

/// Drops suppressed diagnostics and adds WS904 for noqa codes that suppressed nothing.
pub fn apply(text: &str, tokens: &Tokens, diagnostics: &mut Vec<Diagnostic>, settings: &Settings) {
    // Every directive spells `noqa`: a file without the word has none, and its tokens need not
    // be read (callgrind, `check --threads 1` of pip and setuptools from all-relevant: 2% of
    // the run went to looking for comments in files that had no directive).
    if !mentions_noqa(text.as_bytes()) {
        return;
    }
    let mut line_directives: Vec<(usize, Directive, Vec<bool>)> = Vec::new();
    let mut file_directives: Vec<Directive> = Vec::new();
    let mut index: Option<LineIndex> = None;
    for range in comment_ranges(tokens) {
        let comment = &text[range];
        if let Some(d) = parse_file_directive(comment, range.start()) {
            file_directives.push(d);
        } else if let Some(d) = parse_line_directive(comment, range.start()) {
            let index = index.get_or_insert_with(|| LineIndex::from_source_text(text));
            let used = vec![false; d.codes.len()];
            line_directives.push((index.line_index(range.start()).get(), d, used));
        }
    }
    if line_directives.is_empty() && file_directives.is_empty() {
        return;
    }
    let index = index.get_or_insert_with(|| LineIndex::from_source_text(text));
    let strings = MultilineStrings::new(text, tokens, index);
    diagnostics.retain(|d| {
        if !suppressible(d) {
            return true;
        }
        let file_wide = file_directives
            .iter()
            .any(|f| f.codes.is_empty() || f.codes.iter().any(|c| c.code == d.rule.code));
        if file_wide {
            return false;
        }
        let row = strings.directive_row(index.line_index(d.range.start()).get());
        let mut suppressed = false;
        for (_, directive, used) in line_directives.iter_mut().filter(|(l, ..)| *l == row) {
            if directive.codes.is_empty() {
                suppressed = true;
            }
            for (code, used) in directive.codes.iter().zip(used.iter_mut()) {
                if code.code == d.rule.code {
                    *used = true;
                    suppressed = true;
                }
            }
        }
        !suppressed
    });
    if !settings.unused_noqa {
        return;
    }
    for (_, directive, used) in &line_directives {
        if let Some(diagnostic) = unused_diagnostic(text, directive, used, settings) {
            diagnostics.push(diagnostic);
        }
    }
}

/// A code is unused when it names a wsmigrate rule that is enabled (or no rule at all, but
/// looks like ours) and suppressed nothing. Codes of other tools are left alone.
fn is_unused(code: &Code, used: bool, settings: &Settings) -> bool {
    if used || !code.code.starts_with("WS") {
        return false;
    }
    match rules::by_code(&code.code) {
        Some(meta) if meta.family == crate::registry::Family::Tool => false,
        Some(meta) => settings.is_enabled(meta),
        None => true,
    }
}

fn unused_diagnostic(
    text: &str,
    directive: &Directive,
    used: &[bool],
    settings: &Settings,
) -> Option<Diagnostic> {
    let unused: Vec<&Code> = directive
        .codes
        .iter()
        .zip(used)
        .filter(|(c, u)| is_unused(c, **u, settings))
        .map(|(c, _)| c)
        .collect();
    if unused.is_empty() {
        return None;
    }
    let kept: Vec<&str> = directive
        .codes
        .iter()
        .filter(|c| !unused.contains(c))
        .map(|c| c.code.as_str())
        .collect();
    let names: Vec<&str> = unused.iter().map(|c| c.code.as_str()).collect();
    let edit = if kept.is_empty() {
        removal(text, directive.range)
    } else {
        let first = directive.codes[0].range.start();
        let last = directive.codes[directive.codes.len() - 1].range.end();
        Edit::replace(TextRange::new(first, last), kept.join(", "))
    };
    let title = if kept.is_empty() {
        "Remove the unused `noqa` directive".to_string()
    } else {
        format!("Remove unused code {}", names.join(", "))
    };
    Some(
        Diagnostic::new(
            &builtin::UNUSED_NOQA,
            format!(
                "unused `noqa` directive (nothing to suppress: {})",
                names.join(", ")
            ),
            directive.range,
        )
        .with_fix(Fix::safe(title, vec![edit])),
    )
}

/// Deletes a directive and the whitespace before it; keeps a comment that goes on after it
/// (`# noqa: WS001 legacy peer` keeps nothing useful, but `# type: ignore # noqa` keeps
/// `# type: ignore`).
fn removal(text: &str, range: TextRange) -> Edit {
    let before = &text[..range.start().to_usize()];
    let trimmed = before.trim_end_matches([' ', '\t']);
    let line_rest = &text[range.end().to_usize()..];
    let line_rest = &line_rest[..line_rest.find(['\n', '\r']).unwrap_or(line_rest.len())];
    let start = TextSize::try_from(trimmed.len()).unwrap_or_default();
    if line_rest.trim().is_empty() {
        let end = range.end() + TextSize::try_from(line_rest.len()).unwrap_or_default();
        // A directive alone on its line leaves the indentation, as ruff does.
        if trimmed.is_empty() || trimmed.ends_with(['\n', '\r']) {
            return Edit::delete(TextRange::new(range.start(), end));
        }
        return Edit::delete(TextRange::new(start, end));
    }
    // Something follows: another comment (`# noqa: WS001 # why`) loses only the directive and
    // its trailing space; free text of the same comment (`# noqa: WS001 legacy peer`) stays a
    // comment, or it would turn into code.
    let spaces = line_rest.len() - line_rest.trim_start().len();
    let end = range.end() + TextSize::try_from(spaces).unwrap_or_default();
    if line_rest.trim_start().starts_with('#') {
        Edit::delete(TextRange::new(range.start(), end))
    } else {
        Edit::replace(TextRange::new(range.start(), end), "# ")
    }
}

/// The result of adding directives to one text.
#[derive(Debug, PartialEq, Eq)]
pub struct Added {
    /// The new text; `None` when nothing changes.
    pub text: Option<String>,
    /// Rows that got (or extended) a directive.
    pub rows: usize,
    /// Rows that end inside a multi-line string, where a comment cannot go.
    pub skipped: Vec<usize>,
}

/// The text of `source` with `# noqa: CODE` added on each row of `codes_by_row` (1-based rows,
/// merged into an existing directive on that row).
pub fn add_directives(source: &str, mut codes_by_row: Vec<(usize, &str)>) -> Added {
    let parsed = ruff_python_parser::parse_unchecked_source(source, PySourceType::Python);
    let strings = MultilineStrings::new(
        source,
        parsed.tokens(),
        &LineIndex::from_source_text(source),
    );
    for (row, _) in &mut codes_by_row {
        *row = strings.directive_row(*row);
    }
    codes_by_row.sort();
    codes_by_row.dedup();
    let comments: Vec<TextRange> = comment_ranges(parsed.tokens()).collect();
    // Tokens spanning lines (triple-quoted strings): a line ending inside one is string text.
    let multiline: Vec<TextRange> = parsed
        .tokens()
        .iter()
        .filter(|t| t.kind() != TokenKind::Comment && !t.kind().is_trivia())
        .map(|t| t.range())
        .filter(|r| source[*r].contains(['\n', '\r']))
        .collect();
    let mut added = Added {
        text: None,
        rows: 0,
        skipped: Vec::new(),
    };
    let mut out = String::with_capacity(source.len() + 32 * codes_by_row.len());
    let separator = match crate::source::LineEnding::detect(source) {
        crate::source::LineEnding::Cr => '\r',
        _ => '\n',
    };
    let mut offset = 0;
    for (index, line) in source.split_inclusive(separator).enumerate() {
        let row = index + 1;
        let start = offset;
        offset += line.len();
        // Rows, comments and multi-line tokens are sorted: binary searches keep this linear.
        let codes: Vec<&str> = codes_by_row[codes_by_row.partition_point(|(r, _)| *r < row)..]
            .iter()
            .take_while(|(r, _)| *r == row)
            .map(|(_, c)| *c)
            .collect();
        let body = line.trim_end_matches(['\n', '\r']);
        let end = TextSize::try_from(start + body.len()).unwrap_or_default();
        if codes.is_empty() {
            out.push_str(line);
            continue;
        }
        let around = multiline.partition_point(|r| r.start() < end);
        if around > 0 && end < multiline[around - 1].end() {
            added.skipped.push(row);
            out.push_str(line);
            continue;
        }
        let comment = comments
            .get(comments.partition_point(|c| c.start().to_usize() < start))
            .filter(|c| c.start() < end)
            .map(|c| c.start().to_usize() - start);
        let new_body = with_codes(body, comment, &codes);
        if new_body != body {
            added.rows += 1;
        }
        out.push_str(&new_body);
        out.push_str(&line[body.len()..]);
    }
    if out != source {
        added.text = Some(out);
    }
    added
}

/// Adds directives to the file at `path` (see [`add_directives`]). Refuses files that are not
/// plain UTF-8 or whose syntax would change.
pub fn add_to_file(
    path: &std::path::Path,
    codes_by_row: Vec<(usize, &str)>,
) -> Result<Added, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let source = crate::source::SourceText::decode(bytes)
        .map_err(|_| "the file is not valid UTF-8".to_string())?;
    source.writable()?;
    let added = add_directives(&source.text, codes_by_row);
    let Some(new_text) = &added.text else {
        return Ok(added);
    };
    let errors = |text: &str| ruff_python_parser::parse_module(text).is_err();
    if errors(new_text) && !errors(&source.text) {
        return Err("a comment would break the code here (a line continuation?)".into());
    }
    crate::write::replace_file(path, &source, new_text, None)?;
    Ok(added)
}

/// One line with its directive extended (or added); `comment`: where the line's comment starts.
fn with_codes(line: &str, comment: Option<usize>, codes: &[&str]) -> String {
    if let Some(hash) = comment {
        if let Some(d) = parse_line_directive(&line[hash..], TextSize::default()) {
            let mut all: Vec<String> = d.codes.iter().map(|c| c.code.clone()).collect();
            if all.is_empty() {
                // A bare `# noqa` already suppresses everything.
                return line.to_string();
            }
            for code in codes {
                if !all.iter().any(|c| c == code) {
                    all.push(code.to_string());
                }
            }
            let end = hash + d.range.end().to_usize();
            return format!(
                "{}# noqa: {}{}",
                &line[..hash + d.range.start().to_usize()],
                all.join(", "),
                &line[end..]
            );
        }
    }
    format!("{}  # noqa: {}", line.trim_end(), codes.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(d: &Directive) -> Vec<&str> {
        d.codes.iter().map(|c| c.code.as_str()).collect()
    }

    #[test]
    fn parses_line_directives() {
        let d = parse_line_directive("# noqa", TextSize::default()).unwrap();
        assert!(d.codes.is_empty());
        let d = parse_line_directive("# NOQA: WS001,WS002  WS003 trailing", 10.into()).unwrap();
        assert_eq!(codes(&d), ["WS001", "WS002", "WS003"]);
        assert_eq!(d.range, TextRange::new(10.into(), 36.into()));
        let d = parse_line_directive("# type: ignore  # noqa:E501", TextSize::default()).unwrap();
        assert_eq!(codes(&d), ["E501"]);
        assert!(parse_line_directive("# noqabc", TextSize::default()).is_none());
        assert!(parse_line_directive("# not a directive", TextSize::default()).is_none());
    }

    #[test]
    fn a_text_without_the_word_has_no_directive() {
        for text in [
            "x = 1  # noqa",
            "# NoQa: WS001",
            "#NOQA",
            "# wsmigrate: noqa",
            "qa noqa",
        ] {
            assert!(mentions_noqa(text.as_bytes()), "{text}");
        }
        for text in ["", "q", "qa", "oqa", "# no qa", "# noq", "x = 1  # quit"] {
            assert!(!mentions_noqa(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn parses_file_directives() {
        assert!(
            parse_file_directive("# wsmigrate: noqa", TextSize::default())
                .unwrap()
                .codes
                .is_empty()
        );
        let d = parse_file_directive("# wsmigrate: noqa: WS001", TextSize::default()).unwrap();
        assert_eq!(codes(&d), ["WS001"]);
        assert!(parse_file_directive("# noqa", TextSize::default()).is_none());
    }

    #[test]
    fn adds_and_merges_directives() {
        let src = "a = 1\r\nb = 2  # noqa: E501\nc = 3  # noqa\nd = '# noqa: E1'\n";
        let out = add_directives(
            src,
            vec![(1, "WS001"), (2, "WS001"), (3, "WS002"), (4, "WS003")],
        );
        assert_eq!(
            out.text.unwrap(),
            "a = 1  # noqa: WS001\r\nb = 2  # noqa: E501, WS001\nc = 3  # noqa\n\
             d = '# noqa: E1'  # noqa: WS003\n"
        );
        assert_eq!(out.rows, 3);
        assert_eq!(add_directives(src, vec![(3, "WS001")]).text, None);
        // A finding inside a multi-line string or f-string replacement field: the directive
        // goes after the closing quote.
        let string = "f(1, \"\"\"\nx\"\"\")\n";
        let out = add_directives(string, vec![(1, "WS001")]);
        assert_eq!(
            out.text.as_deref(),
            Some("f(1, \"\"\"\nx\"\"\")  # noqa: WS001\n")
        );
        let fstring = "x = f\"{(\n    ws.closed\n)}\"\ny = 1\n";
        let out = add_directives(fstring, vec![(2, "WS002")]);
        assert_eq!(
            out.text.as_deref(),
            Some("x = f\"{(\n    ws.closed\n)}\"  # noqa: WS002\ny = 1\n")
        );
        // Another multi-line string opens on the closing row: no place is left.
        let both = "f(\"\"\"\nx\"\"\", \"\"\"\ny\"\"\")\n";
        let out = add_directives(both, vec![(1, "WS001")]);
        assert_eq!((out.text, out.skipped), (None, vec![2]));
    }

    #[test]
    fn removal_keeps_other_comments() {
        let text = "x = 1  # noqa: WS001\n";
        let e = removal(text, TextRange::new(7.into(), 20.into()));
        assert_eq!(e.range, TextRange::new(5.into(), 20.into()));
        let text = "x = 1  # noqa: WS001 # why\n";
        let e = removal(text, TextRange::new(7.into(), 20.into()));
        assert_eq!(e.range, TextRange::new(7.into(), 21.into()));
        // Free text after the codes is part of the same comment: it must stay one.
        let text = "    # noqa: WS001     return\n";
        let e = removal(text, TextRange::new(4.into(), 17.into()));
        assert_eq!(
            (e.range, &*e.content),
            (TextRange::new(4.into(), 22.into()), "# ")
        );
    }
}
