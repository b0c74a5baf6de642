//! `--output-format json`: one array of findings. Field names are stable (documented in the
//! README); with `--fix`, fixed findings are included with `"fixed": true`.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::message::Message;
use crate::source::Location;

fn location(l: Location) -> Value {
    json!({ "row": l.row, "column": l.column })
}

pub fn to_value(m: &Message) -> Value {
    json!({
        "code": m.rule.code,
        "name": m.rule.name,
        "message": &*m.message,
        "severity": m.severity.as_str(),
        "filename": m.path.display().to_string(),
        "location": location(m.start),
        "end_location": location(m.end),
        "fix": m.fix.as_ref().map(|fix| json!({
            "applicability": fix.applicability.as_str(),
            "message": &*fix.title,
            "edits": fix.edits.iter().map(|e| json!({
                "content": e.content,
                "location": location(e.start),
                "end_location": location(e.end),
            })).collect::<Vec<_>>(),
        })),
        "help": m.help.as_deref(),
        "url": format!("wsmigrate explain {}", m.rule.code),
        "noqa_row": m.noqa_row,
        "fixed": m.fixed,
        "related": m.related.iter().map(|r| json!({
            "code": r.code,
            "message": r.message,
            "filename": m.path.display().to_string(),
            "location": location(r.start),
        })).collect::<Vec<_>>(),
    })
}

pub fn write(out: &mut impl Write, messages: &[&Message]) -> io::Result<()> {
    write_array(out, 0, messages.iter().map(|m| to_value(m)))?;
    writeln!(out)
}

/// `--statistics` with a JSON format: one object per rule, as ruff writes them.
pub(super) fn write_statistics(out: &mut impl Write, rows: &[super::Statistic]) -> io::Result<()> {
    let rows: Vec<Value> = rows
        .iter()
        .map(|s| json!({"code": s.code, "name": s.name, "count": s.count, "fixable": s.fixable}))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)
}

/// Streams a pretty-printed JSON array whose opening bracket is at indentation `indent`: one
/// element in memory at a time, the same text `serde_json::to_writer_pretty` gives for the
/// whole array.
pub fn write_array(
    out: &mut impl Write,
    indent: usize,
    items: impl Iterator<Item = Value>,
) -> io::Result<()> {
    let mut items = items.peekable();
    if items.peek().is_none() {
        return write!(out, "[]");
    }
    let pad = " ".repeat(indent + 2);
    write!(out, "[")?;
    let mut first = true;
    for item in items {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        let text = serde_json::to_string_pretty(&item)?;
        for (n, line) in text.split('\n').enumerate() {
            if n > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(pad.as_bytes())?;
            out.write_all(line.as_bytes())?;
        }
    }
    write!(out, "\n{}]", " ".repeat(indent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_arrays_print_as_serde_does() {
        let values = vec![json!({"a": [1, {"b": "x\ny"}]}), json!(2), json!({})];
        let mut streamed = Vec::new();
        write_array(&mut streamed, 0, values.clone().into_iter()).unwrap();
        let whole = serde_json::to_string_pretty(&values).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), whole);
        let mut empty = Vec::new();
        write_array(&mut empty, 4, std::iter::empty()).unwrap();
        assert_eq!(empty, b"[]");
    }
}
