//! The examples in `rules/*.md` are tests: `Example` run through `check --fix --unsafe-fixes
//! --select <CODE>` must give `Use instead`, and `Use instead` must produce no finding of that
//! rule. So the docs a user reads cannot disagree with what the tool does.

mod common;

use std::fs;

use common::*;
use wsmigrate::docs::code_blocks_under;
use wsmigrate::rules;

#[test]
fn every_rule_doc_example_matches_the_fixer() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in rules::ALL {
        let meta = rule.meta();
        let examples = code_blocks_under(meta.doc, "Example");
        let fixed = code_blocks_under(meta.doc, "Use instead");
        if examples.is_empty() {
            failures.push(format!(
                "{}: the doc has no `## Example` python block",
                meta.code
            ));
            continue;
        }
        // 17.0, or the latest release for the rules that start after it (WS502: 17.1).
        let target = if meta.since > rules::Version::V17_0 {
            rules::Version::LATEST.to_string()
        } else {
            "17.0".to_string()
        };
        let target = target.as_str();
        let dir = scratch("docs");
        for (i, example) in examples.iter().enumerate() {
            let file = format!("example_{i}.py");
            fs::write(dir.join(&file), example).unwrap();
            let out = run(
                &dir,
                &[
                    "check",
                    "--fix",
                    "--unsafe-fixes",
                    "--target-version",
                    target,
                    "--select",
                    meta.code,
                    &file,
                ],
            );
            assert!(code(&out) <= 1, "{}: {}", meta.code, stderr(&out));
            let got = fs::read_to_string(dir.join(&file)).unwrap();
            if let Some(want) = fixed.get(i) {
                if meta.fix != rules::FixAvailability::None && &got != want {
                    failures.push(format!(
                        "{} example {i}: fixer output differs from `Use instead`\n--- got ---\n{got}--- want ---\n{want}",
                        meta.code
                    ));
                }
            }
            // The example must actually trigger the rule.
            fs::write(dir.join(&file), example).unwrap();
            let out = run(
                &dir,
                &[
                    "check",
                    "--target-version",
                    target,
                    "--select",
                    meta.code,
                    &file,
                ],
            );
            if code(&out) != 1 {
                failures.push(format!("{} example {i}: not reported", meta.code));
            }
            checked += 1;
        }
        for (i, good) in fixed.iter().enumerate() {
            let file = format!("use_instead_{i}.py");
            fs::write(dir.join(&file), good).unwrap();
            let out = run(
                &dir,
                &[
                    "check",
                    "--target-version",
                    target,
                    "--select",
                    meta.code,
                    &file,
                ],
            );
            if code(&out) != 0 {
                failures.push(format!(
                    "{} `Use instead` {i} is still reported:\n{}",
                    meta.code,
                    stdout(&out)
                ));
            }
        }
    }
    assert!(checked > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
