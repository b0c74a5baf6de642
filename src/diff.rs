//! `--diff`: unified diffs of what `--fix` would write.

use std::io::{self, Write};

use similar::TextDiff;

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
