//! `--diff`: unified diffs of what `--fix` would write.

use std::io::{self, Write};

use similar::{group_diff_ops, udiff::UnifiedHunkHeader, DiffOp};

use crate::pipeline::RunReport;

/// Prints one diff per changed file; returns whether anything would change.
pub fn print(report: &RunReport, color: bool) -> io::Result<bool> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut files: Vec<_> = report.files.iter().filter(|f| f.change.is_some()).collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for file in &files {
        let (old, new) = file.change.as_ref().expect("filtered");
        let name = file.path.display().to_string();
        let text = unified(old, new, &name);
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
    // Findings the diff cannot show (no fix, or a file that could not be read) go to stderr.
    let mut err = io::stderr().lock();
    for file in &report.files {
        for m in file.messages.iter().filter(|m| !m.fixed) {
            let suffix = if m.fix.is_some() {
                ""
            } else {
                " (not fixable)"
            };
            crate::report::concise::write_with_suffix(&mut err, m, suffix)?;
        }
    }
    let n = files.len();
    if n > 0 {
        writeln!(err, "Would fix {n} file{}.", if n == 1 { "" } else { "s" })?;
    }
    out.flush()?;
    Ok(n > 0)
}

/// Lines of context around each change, as `diff -u`.
const CONTEXT: usize = 3;
/// How far ahead (in lines, on each side) a change looks for the next common line.
const WINDOW: usize = 64;

/// A unified diff of two texts, in time linear in their size. Fixes change a few lines in
/// place, so instead of a minimal diff (Myers: time grows with size × changes) each run of
/// different lines ends at the nearest pair of equal lines within a window.
pub fn unified(old: &str, new: &str, name: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let mut out = String::new();
    for group in group_diff_ops(line_ops(&a, &b), CONTEXT) {
        if out.is_empty() {
            out.push_str(&format!("--- {name}\n+++ {name}\n"));
        }
        out.push_str(&format!("{}\n", UnifiedHunkHeader::new(&group)));
        for op in &group {
            let (old_range, new_range) = (op.old_range(), op.new_range());
            let (minus, plus) = match op {
                DiffOp::Equal { .. } => (&a[old_range][..], &[][..]),
                _ => (&a[old_range][..], &b[new_range][..]),
            };
            let tag_minus = if matches!(op, DiffOp::Equal { .. }) {
                ' '
            } else {
                '-'
            };
            for (tag, line) in minus
                .iter()
                .map(|l| (tag_minus, l))
                .chain(plus.iter().map(|l| ('+', l)))
            {
                out.push(tag);
                out.push_str(line);
                if !line.ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

fn line_ops(a: &[&str], b: &[&str]) -> Vec<DiffOp> {
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    loop {
        let (i0, j0) = (i, j);
        while i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        }
        if i > i0 {
            ops.push(DiffOp::Equal {
                old_index: i0,
                new_index: j0,
                len: i - i0,
            });
        }
        if i == a.len() || j == b.len() {
            push_change(&mut ops, i, a.len() - i, j, b.len() - j);
            return ops;
        }
        let (di, dj) =
            resync(a, b, i, j).unwrap_or(((a.len() - i).min(WINDOW), (b.len() - j).min(WINDOW)));
        push_change(&mut ops, i, di, j, dj);
        i += di;
        j += dj;
    }
}

fn push_change(ops: &mut Vec<DiffOp>, i: usize, di: usize, j: usize, dj: usize) {
    if di > 0 {
        ops.push(DiffOp::Delete {
            old_index: i,
            old_len: di,
            new_index: j,
        });
    }
    if dj > 0 {
        ops.push(DiffOp::Insert {
            old_index: i + di,
            new_index: j,
            new_len: dj,
        });
    }
}

/// The nearest `(di, dj)` (smallest `di + dj`) with `a[i + di] == b[j + dj]`, within the window.
fn resync(a: &[&str], b: &[&str], i: usize, j: usize) -> Option<(usize, usize)> {
    (1..=2 * WINDOW).find_map(|d| {
        (d.saturating_sub(WINDOW)..=d.min(WINDOW))
            .map(|di| (di, d - di))
            .find(|&(di, dj)| i + di < a.len() && j + dj < b.len() && a[i + di] == b[j + dj])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applying the diff's lines gives back both texts.
    fn sides(diff: &str) -> (String, String) {
        let (mut old, mut new) = (String::new(), String::new());
        for line in diff.lines().skip(2).filter(|l| !l.starts_with("@@")) {
            let (tag, rest) = line.split_at(1);
            match tag {
                " " => {
                    old.push_str(rest);
                    old.push('\n');
                    new.push_str(rest);
                    new.push('\n');
                }
                "-" => {
                    old.push_str(rest);
                    old.push('\n');
                }
                "+" => {
                    new.push_str(rest);
                    new.push('\n');
                }
                _ => {}
            }
        }
        (old, new)
    }

    #[test]
    fn diffs_are_correct_and_local() {
        let old: String = (0..200).map(|i| format!("line {}\n", i % 7)).collect();
        let mut new_lines: Vec<String> = old.lines().map(str::to_string).collect();
        new_lines[3] = "changed".into();
        new_lines.insert(100, "inserted".into());
        new_lines.remove(150);
        let new: String = new_lines.iter().map(|l| format!("{l}\n")).collect();
        let diff = unified(&old, &new, "a.py");
        assert!(
            diff.starts_with("--- a.py\n+++ a.py\n@@ -1,7 +1,7 @@\n"),
            "{diff}"
        );
        assert_eq!(diff.lines().filter(|l| l.starts_with('+')).count(), 1 + 2);
        // Every hunk's sides are slices of the texts.
        let (minus, plus) = sides(&diff);
        for line in minus.lines() {
            assert!(old.contains(line));
        }
        for line in plus.lines() {
            assert!(new.contains(line));
        }
        assert_eq!(unified(&old, &old, "a.py"), "");
        let tail = unified("a\nb", "a\nc", "x");
        assert!(
            tail.ends_with("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"),
            "{tail}"
        );
    }
}
