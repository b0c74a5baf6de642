//! `path:row:col: WS001 (error) message [*]`, one line per finding.

use std::io::{self, Write};

use super::{fix_marker, ReportOptions};
use crate::message::Message;

pub fn write(out: &mut impl Write, m: &Message, options: &ReportOptions) -> io::Result<()> {
    write_with_suffix(out, m, fix_marker(m, options))
}

/// The concise line with a caller-chosen suffix (`--diff` says which findings it cannot fix).
pub fn write_with_suffix(out: &mut impl Write, m: &Message, suffix: &str) -> io::Result<()> {
    let first_line = m.message.lines().next().unwrap_or("");
    writeln!(
        out,
        "{}:{}:{}: {} ({}) {}{}",
        m.path.display(),
        m.start.row,
        m.start.column,
        m.rule.code,
        m.severity.as_str(),
        first_line,
        suffix
    )
}
