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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputFormat {
    /// Source snippets with the offending span labelled, and help.
    Full,
    /// One line per finding.
    Concise,
    /// A JSON array of findings (see README, "JSON output").
    Json,
    /// One JSON object per line, same fields as `json`.
    JsonLines,
    /// GitHub Actions annotations (`::error file=...`).
    Github,
    /// SARIF 2.1.0.
    Sarif,
}

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
    if options.statistics {
        write_statistics(&mut out, &messages)?;
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
                m.fix.as_ref().map(|f| f.title.as_str()).unwrap_or(""),
            )?;
        }
    }
    if !options.quiet {
        write_summary(&mut out, &totals, options)?;
    }
    out.flush()?;
    Ok(totals)
}

fn write_statistics(out: &mut impl Write, messages: &[&Message]) -> io::Result<()> {
    let mut counts: Vec<(&str, &str, usize, bool)> = Vec::new();
    for m in messages.iter().filter(|m| !m.fixed) {
        match counts.iter_mut().find(|(code, ..)| *code == m.rule.code) {
            Some(entry) => entry.2 += 1,
            None => counts.push((m.rule.code, m.rule.name, 1, m.fix.is_some())),
        }
    }
    counts.sort();
    for (code, name, count, fixable) in counts {
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
    match m.fix.as_ref().map(|f| f.applicability) {
        Some(Applicability::Safe) => " [*]",
        Some(Applicability::Unsafe) if options.unsafe_fixes => " [*]",
        Some(Applicability::Unsafe) => " [-]",
        None => "",
    }
}
