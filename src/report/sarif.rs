//! `--output-format sarif`: SARIF 2.1.0, with every rule of the registry in `tool.driver.rules`,
//! one result per remaining finding, and fixes as `fixes[].artifactChanges`.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::diagnostic::Severity;
use crate::message::{EditView, Message};
use crate::rules::{self, RuleMeta};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Deprecation => "warning",
        Severity::Note => "note",
    }
}

fn rule(meta: &RuleMeta) -> Value {
    json!({
        "id": meta.code,
        "name": meta.name,
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": meta.doc },
        "help": { "text": meta.doc, "markdown": meta.doc },
        "defaultConfiguration": { "level": level(meta.default_severity) },
        "properties": { "family": meta.family.as_str(), "fix": meta.fix.as_str() },
    })
}

fn uri(m: &Message) -> String {
    let path = m.path.display().to_string();
    let path = path.strip_prefix("./").unwrap_or(&path).to_string();
    // SARIF wants a URI reference: percent-encode what is not safe in one.
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn region(start: crate::source::Location, end: crate::source::Location) -> Value {
    json!({
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    })
}

fn replacement(e: &EditView) -> Value {
    json!({
        "deletedRegion": region(e.start, e.end),
        "insertedContent": { "text": e.content },
    })
}

fn result(m: &Message, rule_index: usize) -> Value {
    let artifact = json!({ "uri": uri(m) });
    let mut value = json!({
        "ruleId": m.rule.code,
        "ruleIndex": rule_index,
        "level": level(m.severity),
        "message": { "text": &*m.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact,
                "region": region(m.start, m.end),
            }
        }],
    });
    if let Some(fix) = &m.fix {
        value["fixes"] = json!([{
            "description": { "text": &*fix.title },
            "artifactChanges": [{
                "artifactLocation": artifact,
                "replacements": fix.edits.iter().map(replacement).collect::<Vec<_>>(),
            }],
            "properties": { "applicability": fix.applicability.as_str() },
        }]);
    }
    value
}

/// Writes the log with its results streamed: only the rule table and one result are in
/// memory at a time, whatever the number of findings.
pub fn write(out: &mut impl Write, messages: &[&Message]) -> io::Result<()> {
    const SLOT: &str = "wsmigrate-results-slot";
    let metas: Vec<&RuleMeta> = rules::all_metas().collect();
    let results = messages.iter().filter(|m| !m.fixed).map(|m| {
        let index = metas
            .iter()
            .position(|r| r.code == m.rule.code)
            .unwrap_or(0);
        result(m, index)
    });
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "wsmigrate",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/python-websockets/websockets",
                    "rules": metas.iter().map(|m| rule(m)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": SLOT,
        }],
    });
    let skeleton = serde_json::to_string_pretty(&log)?;
    let slot = format!("\"{SLOT}\"");
    let at = skeleton.find(&slot).expect("the slot is in the skeleton");
    let line_start = skeleton[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = skeleton[line_start..].len() - skeleton[line_start..].trim_start().len();
    out.write_all(&skeleton.as_bytes()[..at])?;
    crate::report::json::write_array(out, indent, results)?;
    out.write_all(&skeleton.as_bytes()[at + slot.len()..])?;
    writeln!(out)
}
