//! `--output-format github`: GitHub Actions workflow commands, one annotation per finding.
//! <https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions>

use std::io::{self, Write};

use crate::diagnostic::Severity;
use crate::message::Message;

pub fn write(out: &mut impl Write, m: &Message) -> io::Result<()> {
    let command = match m.severity {
        Severity::Error => "error",
        Severity::Deprecation => "warning",
        Severity::Note => "notice",
    };
    let path = m.path.display().to_string();
    let path = path.strip_prefix("./").unwrap_or(&path);
    writeln!(
        out,
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(path),
        m.start.row,
        m.start.column,
        m.end.row,
        m.end.column,
        m.rule.code,
        escape_data(&format!("{} ({})", m.message, m.rule.name)),
    )
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
