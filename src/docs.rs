//! `wsmigrate rules` and `wsmigrate explain`: rendered from `rules/*.md` (compiled in), the same
//! files the doc tests run.

use std::io::IsTerminal;

use serde_json::json;

use crate::rules::{self, RuleMeta};

/// The formats of `wsmigrate rules`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    /// The table the README embeds.
    Markdown,
}

/// What `wsmigrate rules` prints.
pub fn rules_text(format: RulesFormat) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    match format {
        RulesFormat::Json => {
            let list: Vec<_> = rules::all_metas()
                .map(|m| {
                    json!({
                        "code": m.code,
                        "name": m.name,
                        "family": m.family.as_str(),
                        "summary": m.summary,
                        "fix": m.fix.as_str(),
                        "severity": m.default_severity.as_str(),
                        "enabled_by_default": m.enabled_by_default,
                        "since": m.since.to_string(),
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&list).expect("serializable");
            out.push('\n');
        }
        RulesFormat::Markdown => out = markdown_table(),
        RulesFormat::Text => {
            let _ = writeln!(
                out,
                "{:<6}  {:<38}  {:<22}  {:<9}  {:<5}  summary",
                "code", "name", "family", "fix", "since"
            );
            for m in rules::all_metas() {
                let _ = writeln!(
                    out,
                    "{:<6}  {:<38}  {:<22}  {:<9}  {:<5}  {}{}",
                    m.code,
                    m.name,
                    m.family.as_str(),
                    m.fix.as_str(),
                    m.since.to_string(),
                    m.summary,
                    if m.enabled_by_default {
                        ""
                    } else {
                        " (opt-in)"
                    }
                );
            }
        }
    }
    out
}

/// The README's rule table: one row per rule, from the registry.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| code | name | family | fix | default | summary |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for m in rules::all_metas() {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            m.code,
            m.name,
            m.family.as_str(),
            m.fix.as_str(),
            if m.enabled_by_default { "on" } else { "opt-in" },
            m.summary.replace('|', "\\|"),
        ));
    }
    out
}

/// What `wsmigrate explain CODE` prints.
pub fn explanation_text(meta: &RuleMeta) -> String {
    let styled = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = render_markdown(meta.doc, styled);
    out += &format!("\n{}\n", footer(meta));
    out
}

/// The line under a rule's documentation: fix availability, severity, version, opt-in.
pub fn footer(meta: &RuleMeta) -> String {
    format!(
        "fix: {} · default severity: {} · since websockets {}{}",
        meta.fix.as_str(),
        meta.default_severity.as_str(),
        meta.since,
        if meta.enabled_by_default {
            ""
        } else {
            " · opt-in (select it with --select or --extend-select)"
        }
    )
}

/// Terminal rendering of the small markdown subset the rule docs use: headings in bold, code
/// blocks indented, everything else as written.
fn render_markdown(doc: &str, styled: bool) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut in_code = false;
    for line in doc.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str("    ");
            out.push_str(line);
        } else if let Some(heading) = line.strip_prefix('#') {
            let heading = heading.trim_start_matches('#').trim();
            if styled {
                out.push_str(&format!("\x1b[1m{heading}\x1b[0m"));
            } else {
                out.push_str(heading);
                out.push('\n');
                out.push_str(&"-".repeat(heading.chars().count()));
            }
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// The Python code blocks under a heading of a rule's doc (`Example`, `Use instead`).
pub fn code_blocks_under(doc: &str, heading: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut in_section = false;
    let mut current: Option<String> = None;
    for line in doc.lines() {
        if let Some(block) = current.as_mut() {
            if line.starts_with("```") {
                blocks.push(current.take().expect("in a block"));
            } else {
                block.push_str(line);
                block.push('\n');
            }
            continue;
        }
        if let Some(title) = line.strip_prefix("## ") {
            in_section = title.trim() == heading;
        } else if in_section && line.starts_with("```python") {
            current = Some(String::new());
        }
    }
    blocks
}
