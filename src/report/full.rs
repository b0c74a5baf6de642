//! Rich diagnostics rendered by miette: code, message, the source with the span labelled, help,
//! and whether a fix is available.

use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};

use super::ReportOptions;
use crate::diagnostic::{Applicability, Severity};
use crate::message::Message;

pub fn write(out: &mut impl Write, m: &Message, options: &ReportOptions) -> io::Result<()> {
    let severity = match m.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Deprecation => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    };
    let fix_line = match m.fix.as_ref() {
        Some(fix) => {
            let how = match fix.applicability {
                Applicability::Safe => "fix available with --fix",
                Applicability::Unsafe if options.unsafe_fixes => "fix available with --fix",
                Applicability::Unsafe => "unsafe fix available with --fix --unsafe-fixes",
            };
            format!("{how}: {}", fix.title)
        }
        None if m.fixed => String::new(),
        None => "no automatic fix: this needs a human".to_string(),
    };
    let related = related_footer(m);
    let help = [m.help.clone().unwrap_or_default(), related, fix_line]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let mut diagnostic = MietteDiagnostic::new(format!("{} [{}]", m.message, m.severity.as_str()))
        .with_code(format!("{}({})", m.rule.code, m.rule.name))
        .with_severity(severity);
    if !help.is_empty() {
        diagnostic = diagnostic.with_help(help);
    }
    let name = m.path.display().to_string();
    let report = match &m.source {
        Some(source) => {
            let start = m.range.start().to_usize();
            let len = m.range.len().to_usize();
            diagnostic = diagnostic.with_label(LabeledSpan::at(start..start + len, m.rule.name));
            Report::new(diagnostic).with_source_code(NamedSource::new(name, source.to_string()))
        }
        None => Report::new(
            diagnostic.with_help(format!("{}:{}:{}", name, m.start.row, m.start.column)),
        ),
    };
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut rendered = String::new();
    handler
        .render_report(&mut rendered, report.as_ref())
        .map_err(io::Error::other)?;
    writeln!(out, "{rendered}")
}

/// One line per related place: `file:row:col: CODE message`.
fn related_footer(m: &Message) -> String {
    m.related
        .iter()
        .map(|r| {
            format!(
                "  {}:{}:{}: {} {}",
                m.path.display(),
                r.start.row,
                r.start.column,
                r.code,
                r.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
