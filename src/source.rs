//! One Python file as text: decoding (BOM, UTF-8, coding cookies), line endings, and
//! byte offset → row/column conversion.

use ruff_source_file::{LineIndex, OneIndexed};
use ruff_text_size::TextSize;

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
    Cr,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
            LineEnding::Cr => "\r",
        }
    }

    /// The first line ending of the text decides (as ruff's stylist does); LF when there is none.
    pub fn detect(text: &str) -> Self {
        let bytes = text.as_bytes();
        match memchr::memchr2(b'\n', b'\r', bytes) {
            Some(i) if bytes[i] == b'\r' => {
                if bytes.get(i + 1) == Some(&b'\n') {
                    LineEnding::CrLf
                } else {
                    LineEnding::Cr
                }
            }
            _ => LineEnding::Lf,
        }
    }
}

/// Why a file's bytes are not Python text we can work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not UTF-8: the byte offset of the first invalid sequence and the declared encoding, if any.
    NotUtf8 {
        offset: usize,
        declared: Option<String>,
    },
}

/// The decoded text of a file plus what is needed to write it back byte-for-byte.
/// How many bytes `a` and `b` begin with alike.
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// How many bytes `a` and `b` end with alike, at most `room` (so that, with `room` the bytes
/// after a common prefix, the two never overlap).
pub fn common_suffix(a: &[u8], b: &[u8], room: usize) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count()
}

#[derive(Debug)]
pub struct SourceText {
    /// Text without the BOM. All ranges in diagnostics and edits are offsets into this.
    pub text: String,
    pub bom: bool,
    pub line_ending: LineEnding,
    /// A `# -*- coding: X -*-` cookie naming something other than UTF-8. Such a file is checked
    /// (its text is valid UTF-8, so offsets are right) but only rewritten when it is pure ASCII,
    /// where every ASCII-compatible codec agrees with UTF-8.
    pub foreign_coding: Option<String>,
}

impl SourceText {
    pub fn decode(bytes: Vec<u8>) -> Result<SourceText, DecodeError> {
        let bom = bytes.starts_with(BOM);
        let declared = coding_cookie(&bytes).filter(|c| !is_utf8_name(c));
        let body = if bom {
            bytes[BOM.len()..].to_vec()
        } else {
            bytes
        };
        let text = String::from_utf8(body).map_err(|e| DecodeError::NotUtf8 {
            offset: e.utf8_error().valid_up_to() + if bom { BOM.len() } else { 0 },
            declared: declared.clone(),
        })?;
        let line_ending = LineEnding::detect(&text);
        Ok(SourceText {
            text,
            bom,
            line_ending,
            foreign_coding: declared,
        })
    }

    /// May fixes be written back without re-encoding anything?
    pub fn writable(&self) -> Result<(), String> {
        match &self.foreign_coding {
            Some(coding) if !self.text.is_ascii() => Err(format!(
                "file declares `coding: {coding}` and contains non-ASCII text; wsmigrate only \
                 rewrites UTF-8 files, so no fix is written"
            )),
            _ => Ok(()),
        }
    }

    /// The bytes to write for a new text: same BOM; line endings were already matched by the
    /// fix engine.
    pub fn encode(&self, new_text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(new_text.len() + 3);
        if self.bom {
            out.extend_from_slice(BOM);
        }
        out.extend_from_slice(new_text.as_bytes());
        out
    }
}

fn is_utf8_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('_', "-");
    n == "utf-8" || n == "utf8" || n.starts_with("utf-8-") || n == "utf8-sig"
}

/// PEP 263: a comment matching `coding[:=]\s*([-\w.]+)` on the first or second line.
fn coding_cookie(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&b| b == b'\n').take(2);
    lines.find_map(|line| {
        let line = std::str::from_utf8(line).ok().or_else(|| {
            // The cookie itself is ASCII; look only at the part before any non-ASCII byte.
            let end = line
                .iter()
                .position(|b| !b.is_ascii())
                .unwrap_or(line.len());
            std::str::from_utf8(&line[..end]).ok()
        })?;
        let comment = &line[line.find('#')?..];
        let at = comment.find("coding")?;
        let rest = &comment[at + "coding".len()..];
        let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix('='))?;
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        (!name.is_empty()).then_some(name)
    })
}

/// 1-based row and column (column in characters, as ruff reports it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub row: usize,
    pub column: usize,
}

/// Converts offsets to locations for one text.
pub struct Locator<'a> {
    text: &'a str,
    index: LineIndex,
}

/// The 1-based line of `offset` in `text`, for the few places that need one line number
/// without building a line index.
pub fn line_of(text: &str, offset: TextSize) -> usize {
    1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.to_usize()]).count()
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Locator {
            text,
            index: LineIndex::from_source_text(text),
        }
    }

    pub fn location(&self, offset: TextSize) -> Location {
        let lc = self.index.line_column(offset, self.text);
        Location {
            row: lc.line.get(),
            column: lc.column.get(),
        }
    }

    /// The text of a 1-based row, without its line ending.
    pub fn line_text(&self, row: usize) -> &'a str {
        let Some(line) = OneIndexed::new(row) else {
            return "";
        };
        if row > self.index.line_count() {
            return "";
        }
        let range = self.index.line_range(line, self.text);
        self.text[range].trim_end_matches(['\n', '\r'])
    }

    pub fn line_start(&self, offset: TextSize) -> TextSize {
        let line = self.index.line_index(offset);
        self.index.line_start(line, self.text)
    }

    pub fn text(&self) -> &'a str {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_bom_and_crlf() {
        let src = SourceText::decode(b"\xEF\xBB\xBFx = 1\r\ny = 2\r\n".to_vec()).unwrap();
        assert!(src.bom);
        assert_eq!(src.line_ending, LineEnding::CrLf);
        assert_eq!(src.text, "x = 1\r\ny = 2\r\n");
        assert_eq!(src.encode("z\r\n"), b"\xEF\xBB\xBFz\r\n");
    }

    #[test]
    fn reads_coding_cookie() {
        let bytes = b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nx = '\xe9'\n".to_vec();
        match SourceText::decode(bytes) {
            Err(DecodeError::NotUtf8 { declared, .. }) => {
                assert_eq!(declared.as_deref(), Some("latin-1"))
            }
            other => panic!("unexpected {other:?}"),
        }
        let ascii = SourceText::decode(b"# coding: latin-1\nx = 1\n".to_vec()).unwrap();
        assert_eq!(ascii.foreign_coding.as_deref(), Some("latin-1"));
        assert!(ascii.writable().is_ok());
        let utf8 = SourceText::decode(b"# coding: utf-8\nx = 1\n".to_vec()).unwrap();
        assert_eq!(utf8.foreign_coding, None);
    }

    #[test]
    fn locations_are_one_based_characters() {
        let loc = Locator::new("é = 1\nab.c\n");
        assert_eq!(
            loc.location(TextSize::from(9)),
            Location { row: 2, column: 3 }
        );
        assert_eq!(loc.line_text(2), "ab.c");
        assert_eq!(loc.line_text(9), "");
    }
}
