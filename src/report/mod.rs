//! Stage 7: print what the run found, in the chosen format, followed by a summary.

pub mod concise;
mod full;
mod github;
pub(crate) mod json;
mod sarif;

use std::io::{self, Write};

use crate::diagnostic::Applicability;
use crate::message::Message;
use crate::pipeline::RunReport;

pub use crate::config::OutputFormat;

#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub format: OutputFormat,
    pub color: bool,
    /// `--fix` ran: fixed findings are counted as fixed, not shown as problems.
    pub fixing: bool,
    pub unsafe_fixes: bool,
    pub show_fixes: bool,
    pub statistics: bool,
    pub quiet: bool,
    /// Shown in the summary: which websockets version the rules targeted, and why.
    pub target: String,
}

/// Counts for the summary and the exit code.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub remaining: usize,
    pub fixed: usize,
    pub fixable_safe: usize,
    pub fixable_unsafe: usize,
}

impl Totals {
    pub fn of(messages: &[&Message]) -> Totals {
        let mut t = Totals::default();
        for m in messages {
            if m.fixed {
                t.fixed += 1;
                continue;
            }
            t.remaining += 1;
            if m.fixable(Applicability::Safe) {
                t.fixable_safe += 1;
            } else if m.fixable(Applicability::Unsafe) {
                t.fixable_unsafe += 1;
            }
        }
        t
    }
}

/// All messages of a run, in a stable order: by file, then position, then code.
pub fn sorted_messages(report: &RunReport) -> Vec<&Message> {
    let mut messages: Vec<&Message> = report.files.iter().flat_map(|f| &f.messages).collect();
    messages.sort_by(|a, b| {
        (a.path.as_path(), a.start, a.rule.code, !a.fixed).cmp(&(
            b.path.as_path(),
            b.start,
            b.rule.code,
            !b.fixed,
        ))
    });
    messages
}

pub fn print(report: &RunReport, options: &ReportOptions) -> io::Result<Totals> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    print_to(&mut out, report, options)
}

/// Like [`print`], to any writer (stderr when `--fix` reads stdin).
pub fn print_to(
    out: &mut impl Write,
    report: &RunReport,
    options: &ReportOptions,
) -> io::Result<Totals> {
    let messages = sorted_messages(report);
    let totals = Totals::of(&messages);
    let mut out = io::BufWriter::new(out);
    if options.statistics {
        // As ruff: the table alone, in place of the findings and the summary.
        match options.format {
            OutputFormat::Json | OutputFormat::JsonLines => {
                json::write_statistics(&mut out, &statistics(&messages))?
            }
            _ => write_statistics(&mut out, &statistics(&messages))?,
        }
        out.flush()?;
        return Ok(totals);
    }
    match options.format {
        OutputFormat::Json => {
            json::write(&mut out, &messages)?;
            out.flush()?;
            return Ok(totals);
        }
        OutputFormat::JsonLines => {
            for m in &messages {
                serde_json::to_writer(&mut out, &json::to_value(m))?;
                writeln!(out)?;
            }
            out.flush()?;
            return Ok(totals);
        }
        OutputFormat::Sarif => {
            sarif::write(&mut out, &messages)?;
            out.flush()?;
            return Ok(totals);
        }
        OutputFormat::Github => {
            for m in messages.iter().filter(|m| !m.fixed) {
                github::write(&mut out, m)?;
            }
        }
        OutputFormat::Concise => {
            for m in messages.iter().filter(|m| !m.fixed) {
                concise::write(&mut out, m, options)?;
            }
        }
        OutputFormat::Full => {
            let mut lines = full::LineCache::default();
            for m in messages.iter().filter(|m| !m.fixed) {
                full::write(&mut out, m, options, &mut lines)?;
            }
        }
    }
    if options.show_fixes && totals.fixed > 0 {
        writeln!(out, "\nFixed:")?;
        for m in messages.iter().filter(|m| m.fixed) {
            writeln!(
                out,
                "  {}:{}:{}: {} {}",
                m.path.display(),
                m.start.row,
                m.start.column,
                m.rule.code,
                m.fix.as_ref().map(|f| &*f.title).unwrap_or(""),
            )?;
        }
    }
    if !options.quiet {
        write_summary(&mut out, &totals, options)?;
    }
    out.flush()?;
    Ok(totals)
}

/// One row of `--statistics`: code, name, count, whether any of them is fixable.
pub(crate) struct Statistic {
    pub code: &'static str,
    pub name: &'static str,
    pub count: usize,
    pub fixable: bool,
}

fn statistics(messages: &[&Message]) -> Vec<Statistic> {
    let mut rows: Vec<Statistic> = Vec::new();
    for m in messages.iter().filter(|m| !m.fixed) {
        match rows.iter_mut().find(|s| s.code == m.rule.code) {
            Some(row) => {
                row.count += 1;
                row.fixable |= m.fix.is_some();
            }
            None => rows.push(Statistic {
                code: m.rule.code,
                name: m.rule.name,
                count: 1,
                fixable: m.fix.is_some(),
            }),
        }
    }
    // Most frequent first, as ruff prints them.
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    rows
}

fn write_statistics(out: &mut impl Write, rows: &[Statistic]) -> io::Result<()> {
    for &Statistic {
        code,
        name,
        count,
        fixable,
    } in rows
    {
        writeln!(
            out,
            "{count:>5}\t{code}\t{}{name}",
            if fixable { "[*] " } else { "    " }
        )?;
    }
    Ok(())
}

fn write_summary(out: &mut impl Write, t: &Totals, options: &ReportOptions) -> io::Result<()> {
    let plural = |n: usize| if n == 1 { "problem" } else { "problems" };
    if options.fixing {
        if t.fixed > 0 || t.remaining > 0 {
            writeln!(
                out,
                "Fixed {} {}, {} remaining.",
                t.fixed,
                plural(t.fixed),
                t.remaining
            )?;
        } else {
            writeln!(out, "All checks passed!")?;
        }
    } else if t.remaining == 0 {
        writeln!(out, "All checks passed!")?;
    } else {
        let mut parts = Vec::new();
        if t.fixable_safe > 0 {
            parts.push(format!("{} fixable with --fix", t.fixable_safe));
        }
        if t.fixable_unsafe > 0 && !options.unsafe_fixes {
            parts.push(format!("{} with --unsafe-fixes", t.fixable_unsafe));
        } else if t.fixable_unsafe > 0 {
            parts.push(format!(
                "{} more with --fix --unsafe-fixes",
                t.fixable_unsafe
            ));
        }
        let detail = if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        };
        writeln!(
            out,
            "Found {} {}{detail}.",
            t.remaining,
            plural(t.remaining)
        )?;
    }
    writeln!(out, "{}", options.target)
}

/// `[*]` for a fix the run would apply, `[-]` for one that needs `--unsafe-fixes`.
pub fn fix_marker(m: &Message, options: &ReportOptions) -> &'static str {
    marker(m, options.unsafe_fixes)
}

/// [`fix_marker`] for callers without report options (`--diff`).
pub fn marker(m: &Message, unsafe_fixes: bool) -> &'static str {
    match m.fix.as_ref().map(|f| f.applicability) {
        Some(Applicability::Safe) => " [*]",
        Some(Applicability::Unsafe) if unsafe_fixes => " [*]",
        Some(Applicability::Unsafe) => " [-]",
        None => "",
    }
}
