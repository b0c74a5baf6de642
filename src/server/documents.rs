//! The documents the editor has open: their text and version, edits applied to them, and the
//! translation between byte offsets (what the pipeline speaks) and LSP positions (lines and
//! UTF-16 or UTF-8 code units, as negotiated), and between `file:` URIs and paths.

use std::path::PathBuf;
use std::sync::Arc;

use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use ruff_text_size::{TextRange, TextSize};

/// How the client counts characters within a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// One open document. The text is shared with lint jobs running on other threads.
#[derive(Debug, Clone)]
pub struct Document {
    pub path: PathBuf,
    pub version: i32,
    pub text: Arc<str>,
}

impl Document {
    pub fn new(uri: &Uri, version: i32, text: String) -> Document {
        Document {
            path: uri_to_path(uri),
            version,
            text: Arc::from(text),
        }
    }

    /// Applies a `didChange`'s edits, in order, each against the text the previous one left.
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) {
        let mut text = self.text.to_string();
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let index = LineIndex::new(&text);
                    let range = index.text_range(&text, range, encoding);
                    text.replace_range(
                        range.start().to_usize()..range.end().to_usize(),
                        &change.text,
                    );
                }
            }
        }
        self.text = Arc::from(text);
        self.version = version;
    }
}

/// The byte offset where each line starts.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    pub fn position(&self, text: &str, offset: TextSize, encoding: Encoding) -> Position {
        let offset = offset.to_usize().min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let before = &text[self.starts[line]..floor_char_boundary(text, offset)];
        let character = match encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, range: TextRange, encoding: Encoding) -> Range {
        Range::new(
            self.position(text, range.start(), encoding),
            self.position(text, range.end(), encoding),
        )
    }

    /// The byte offset of a position; positions past a line's end clamp to it, lines past the
    /// end of the text to its end (as the specification asks).
    pub fn offset(&self, text: &str, position: Position, encoding: Encoding) -> TextSize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return TextSize::of(text);
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .copied()
            .unwrap_or(text.len());
        let line = text[start..end].trim_end_matches(['\n', '\r']);
        let mut units = 0usize;
        let mut offset = line.len();
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                offset = i;
                break;
            }
            units += match encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        TextSize::try_from(start + offset).unwrap_or_default()
    }

    pub fn text_range(&self, text: &str, range: Range, encoding: Encoding) -> TextRange {
        let start = self.offset(text, range.start, encoding);
        let end = self.offset(text, range.end, encoding);
        TextRange::new(start.min(end), end.max(start))
    }

    /// The 1-based row of an offset, as the pipeline's messages count rows.
    pub fn row(&self, offset: TextSize) -> usize {
        self.starts.partition_point(|&s| s <= offset.to_usize())
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The path a document is linted as: its file for `file:` URIs; for other schemes (unsaved
/// buffers) a name that still tells Python source from stubs.
pub fn uri_to_path(uri: &Uri) -> PathBuf {
    let s = uri.as_str();
    let Some(rest) = s.strip_prefix("file://") else {
        let name = s.rsplit(['/', ':']).next().unwrap_or("untitled");
        return PathBuf::from(if name.ends_with(".pyi") || name.ends_with(".py") {
            name
        } else {
            "untitled.py"
        });
    };
    // `file://localhost/x` and `file:///x`; the authority is dropped.
    let path = match rest.find('/') {
        Some(i) => &rest[i..],
        None => "/",
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = percent_decode(path);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }
    #[cfg(not(unix))]
    {
        let s = String::from_utf8_lossy(&bytes).into_owned();
        // `/C:/x` on Windows.
        PathBuf::from(
            s.strip_prefix('/')
                .filter(|s| s.get(1..2) == Some(":"))
                .unwrap_or(&s),
        )
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn positions_round_trip_in_utf16_and_utf8() {
        let text = "a = 'é😀'\r\nb\n";
        let index = LineIndex::new(text);
        let after = TextSize::try_from(text.find('\'').unwrap() + 1 + 2 + 4).unwrap();
        let p16 = index.position(text, after, Encoding::Utf16);
        assert_eq!(p16, Position::new(0, 8));
        let p8 = index.position(text, after, Encoding::Utf8);
        assert_eq!(p8, Position::new(0, 11));
        assert_eq!(index.offset(text, p16, Encoding::Utf16), after);
        assert_eq!(index.offset(text, p8, Encoding::Utf8), after);
        // Past the end of a line: its end, before the line break.
        let b = index.offset(text, Position::new(0, 99), Encoding::Utf16);
        assert_eq!(&text[b.to_usize()..], "\r\nb\n");
        assert_eq!(
            index.row(TextSize::try_from(text.find('b').unwrap()).unwrap()),
            2
        );
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let uri = Uri::from_str("file:///tmp/a%20b.py").unwrap();
        let mut doc = Document::new(&uri, 1, "x = 1\ny = 2\n".into());
        assert_eq!(doc.path, PathBuf::from("/tmp/a b.py"));
        let change = |l1, c1, l2, c2, t: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: t.into(),
        };
        doc.apply_changes(
            2,
            vec![change(0, 4, 0, 5, "10"), change(1, 0, 1, 0, "z = 3\n")],
            Encoding::Utf16,
        );
        assert_eq!(&*doc.text, "x = 10\nz = 3\ny = 2\n");
        assert_eq!(doc.version, 2);
    }

    #[test]
    fn uris_become_paths() {
        let uri = Uri::from_str("file:///tmp/dir%20with%20space/m.py").unwrap();
        assert_eq!(uri_to_path(&uri), PathBuf::from("/tmp/dir with space/m.py"));
        let local = Uri::from_str("file://localhost/tmp/m.pyi").unwrap();
        assert_eq!(uri_to_path(&local), PathBuf::from("/tmp/m.pyi"));
        let untitled = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(uri_to_path(&untitled), PathBuf::from("untitled.py"));
    }
}
