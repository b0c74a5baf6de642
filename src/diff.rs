//! `--diff`: unified diffs of what `--fix` would write.

use std::io::{self, Write};

use similar::{DiffOp, TextDiff};

use crate::message::Message;
use crate::pipeline::RunReport;
use crate::source::Location;

/// Prints one diff per changed file; returns whether anything would change.
pub fn print(report: &RunReport, color: bool, unsafe_fixes: bool) -> io::Result<bool> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut files: Vec<_> = report.files.iter().filter(|f| f.change.is_some()).collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for file in &files {
        let (old, new) = file.change.as_ref().expect("filtered");
        let name = file.path.display().to_string();
        let diff = TextDiff::from_lines(old.as_str(), new.as_str());
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&name, &name)
            .to_string();
        for line in text.split_inclusive('\n') {
            let painted = match (color, line.as_bytes().first()) {
                (true, Some(b'+')) if !line.starts_with("+++") => format!("\x1b[32m{line}\x1b[0m"),
                (true, Some(b'-')) if !line.starts_with("---") => format!("\x1b[31m{line}\x1b[0m"),
                (true, Some(b'@')) => format!("\x1b[36m{line}\x1b[0m"),
                _ => line.to_string(),
            };
            out.write_all(painted.as_bytes())?;
            if !line.ends_with('\n') {
                writeln!(out, "\n\\ No newline at end of file")?;
            }
        }
    }
    // Findings the diff leaves (no fix, or one that needs --unsafe-fixes) go to stderr, as
    // `check` prints them, at their positions in the file on disk: the diff is not applied.
    let mut err = io::stderr().lock();
    for file in &report.files {
        let rows = file.change.as_ref().map(|(old, new)| RowMap::new(old, new));
        for m in file.messages.iter().filter(|m| !m.fixed) {
            let marker = crate::report::marker(m, unsafe_fixes);
            match &rows {
                Some(rows) => {
                    let on_disk = Message {
                        start: rows.on_disk(m.start),
                        end: rows.on_disk(m.end),
                        ..m.clone()
                    };
                    crate::report::concise::write_with_suffix(&mut err, &on_disk, marker)?
                }
                None => crate::report::concise::write_with_suffix(&mut err, m, marker)?,
            }
        }
    }
    let n = files.len();
    if n > 0 {
        writeln!(err, "Would fix {n} file{}.", if n == 1 { "" } else { "s" })?;
    }
    out.flush()?;
    Ok(n > 0)
}

/// Maps rows of the fixed text back to the file on disk: an unchanged line to its old row (same
/// column), a line inside a rewritten hunk to the first row of what it replaced.
struct RowMap {
    /// (first new row, first old row, rows, unchanged), 0-based, in order.
    spans: Vec<(usize, usize, usize, bool)>,
}

impl RowMap {
    fn new(old: &str, new: &str) -> RowMap {
        let diff = TextDiff::from_lines(old, new);
        let spans = diff
            .ops()
            .iter()
            .map(|op| match *op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => (new_index, old_index, len, true),
                DiffOp::Delete {
                    old_index,
                    new_index,
                    ..
                } => (new_index, old_index, 0, false),
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => (new_index, old_index, new_len, false),
                DiffOp::Replace {
                    old_index,
                    new_index,
                    new_len,
                    ..
                } => (new_index, old_index, new_len, false),
            })
            .collect();
        RowMap { spans }
    }

    fn on_disk(&self, at: Location) -> Location {
        let row = at.row.saturating_sub(1);
        for &(new_start, old_start, len, unchanged) in &self.spans {
            if row >= new_start && row < new_start + len {
                return if unchanged {
                    Location {
                        row: old_start + (row - new_start) + 1,
                        column: at.column,
                    }
                } else {
                    Location {
                        row: old_start + 1,
                        column: 1,
                    }
                };
            }
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_the_fixed_text_map_to_the_file_on_disk() {
        let old = "a\nb\nc\nd\n";
        let new = "x\ny\na\nB\nc\nd\n";
        let map = RowMap::new(old, new);
        let at = |row, column| map.on_disk(Location { row, column });
        assert_eq!(at(3, 2), Location { row: 1, column: 2 });
        assert_eq!(at(5, 4), Location { row: 3, column: 4 });
        assert_eq!(at(4, 3), Location { row: 2, column: 1 });
        assert_eq!(at(1, 5), Location { row: 1, column: 1 });
    }
}
