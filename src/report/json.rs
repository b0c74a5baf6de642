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
        "message": m.message,
        "severity": m.severity.as_str(),
        "filename": m.path.display().to_string(),
        "location": location(m.start),
        "end_location": location(m.end),
        "fix": m.fix.as_ref().map(|fix| json!({
            "applicability": fix.applicability.as_str(),
            "message": fix.title,
            "edits": fix.edits.iter().map(|e| json!({
                "content": e.content,
                "location": location(e.start),
                "end_location": location(e.end),
            })).collect::<Vec<_>>(),
        })),
        "help": m.help,
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
    let values: Vec<Value> = messages.iter().map(|m| to_value(m)).collect();
    serde_json::to_writer_pretty(&mut *out, &values)?;
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
