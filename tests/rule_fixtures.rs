//! Every file under `fixtures/rules/<CODE>/` is checked through the CLI:
//!
//! - a line that must be reported carries a trailing `# expect: WS001` comment (several codes:
//!   `# expect: WS001, WS101`); every other line must produce no finding;
//! - `<case>.fixed.py` is the expected result of `check --fix --unsafe-fixes`; without one the
//!   file must come out of `--fix` unchanged; a second `--fix` must change nothing;
//! - a first line `# wsmigrate-test: ARGS` replaces the default arguments `--select <CODE>`;
//!   the target is 17.0 unless ARGS give a `--target-version`;
//! - the file is checked again with every rule enabled (every code, opt-in rules too; the case's other
//!   arguments kept): it must report exactly the expected findings plus those a trailing
//!   `# also: WS101` comment declares (other rules' findings on a line, e.g. the legacy import
//!   a fixture needs), so a fixture's clean lines are clean for the whole tool, not only for
//!   the rule under test;
//! - a `negative_*` case must reach the rule: the prefilter (for its rule and for all rules)
//!   lets it through, so it is the rule that says no, not the prefilter.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::*;

fn cases() -> Vec<(String, PathBuf)> {
    let root = repo_root().join("fixtures/rules");
    let mut cases = Vec::new();
    for dir in fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let code = dir.file_name().unwrap().to_string_lossy().into_owned();
        for file in fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".py") && !name.ends_with(".fixed.py") {
                cases.push((code.clone(), file));
            }
        }
    }
    cases.sort();
    cases
}

fn args_for(code: &str, source: &str) -> Vec<String> {
    match source
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# wsmigrate-test:"))
    {
        Some(args) => args.split_whitespace().map(String::from).collect(),
        None => vec!["--select".into(), code.into()],
    }
}

/// The case's arguments with every rule enabled (by code: opt-in rules too) instead of its
/// own selection.
fn all_rules_args(args: &[String]) -> Vec<String> {
    let codes: Vec<&str> = wsmigrate::rules::ALL
        .iter()
        .map(|r| r.meta().code)
        .collect();
    let mut out = vec!["--select".to_string(), codes.join(",")];
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if matches!(arg.as_str(), "--select" | "--extend-select" | "--ignore") {
            rest.next();
        } else if !arg.starts_with("--select=") && !arg.starts_with("--extend-select=") {
            out.push(arg.clone());
        }
    }
    out
}

/// `(row, code)` of every `# <marker> CODE, CODE` comment (codes end at the next `#`).
fn marked(source: &str, marker: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in source.lines().enumerate() {
        if let Some(pos) = line.find(marker) {
            let codes = line[pos + marker.len()..].split('#').next().unwrap_or("");
            for code in codes.split(',') {
                out.insert((i + 1, code.trim().to_string()));
            }
        }
    }
    out
}

fn expected_findings(source: &str) -> BTreeSet<(usize, String)> {
    marked(source, "# expect:")
}

fn reported_findings(dir: &Path, file: &str, args: &[String]) -> BTreeSet<(usize, String)> {
    let mut all = vec!["check", "--output-format", "json"];
    // A case may pick its own target version; the default is 17.0.
    if !args.iter().any(|a| a == "--target-version") {
        all.extend(["--target-version", "17.0"]);
    }
    all.extend(args.iter().map(String::as_str));
    all.push(file);
    let out = run(dir, &all);
    assert!(
        code(&out) <= 1,
        "{file}: exit {}: {}",
        code(&out),
        stderr(&out)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{file}: bad JSON ({e}): {}", stdout(&out)));
    json.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["location"]["row"].as_u64().unwrap() as usize,
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn fix(dir: &Path, file: &str, args: &[String]) -> String {
    let mut all = vec!["check", "--fix", "--unsafe-fixes", "-q"];
    if !args.iter().any(|a| a == "--target-version") {
        all.extend(["--target-version", "17.0"]);
    }
    all.extend(args.iter().map(String::as_str));
    all.push(file);
    let out = run(dir, &all);
    assert!(
        code(&out) <= 1,
        "{file}: exit {}: {}{}",
        code(&out),
        stdout(&out),
        stderr(&out)
    );
    fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn rule_fixtures() {
    let cases = cases();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for (code, path) in &cases {
        let source = fs::read_to_string(path).unwrap();
        let args = args_for(code, &source);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let label = format!("{code}/{name}");
        let dir = scratch("fixture");
        fs::write(dir.join(&name), &source).unwrap();

        let expected = expected_findings(&source);
        let reported = reported_findings(&dir, &name, &args);
        if expected != reported {
            failures.push(format!(
                "{label}: findings differ\n  expected (row, code): {expected:?}\n  reported: {reported:?}"
            ));
        }

        let also = marked(&source, "# also:");
        let everything: BTreeSet<_> = expected.union(&also).cloned().collect();
        let with_all = reported_findings(&dir, &name, &all_rules_args(&args));
        if with_all != everything {
            failures.push(format!(
                "{label}: with all rules enabled, findings differ\n  expected + also: \
                 {everything:?}\n  reported: {with_all:?}\n  ALSO-MISSING {:?}",
                with_all.difference(&everything).collect::<Vec<_>>()
            ));
        }

        let fixed_path = path.with_file_name(name.replace(".py", ".fixed.py"));
        let want = fs::read_to_string(&fixed_path).unwrap_or_else(|_| source.clone());
        let got = fix(&dir, &name, &args);
        if got != want {
            failures.push(format!(
                "{label}: --fix result differs from {}\n--- got ---\n{got}\n--- want ---\n{want}",
                fixed_path.file_name().unwrap().to_string_lossy()
            ));
            continue;
        }
        let again = fix(&dir, &name, &args);
        if again != got {
            failures.push(format!("{label}: a second --fix changed the file again"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn negative_fixtures_reach_the_rule() {
    use wsmigrate::prefilter::Prefilter;
    use wsmigrate::rules::ALL;
    let all: Vec<_> = ALL.iter().map(|r| r.meta()).collect();
    let mut negatives = 0;
    for (code, path) in cases() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("negative_") {
            continue;
        }
        negatives += 1;
        let bytes = fs::read(&path).unwrap();
        let own: Vec<_> = all.iter().copied().filter(|m| m.code == code).collect();
        assert!(!own.is_empty(), "{code}/{name}: no rule {code}");
        for (label, rules) in [("its rule", &own), ("all rules", &all)] {
            assert!(
                Prefilter::new(rules).may_match(&bytes),
                "{code}/{name}: the prefilter ({label}) skips this file, so the rule never \
                 says no to it: mention websockets (an `import websockets`) and the rule's API"
            );
        }
    }
    assert!(negatives > 20, "only {negatives} negative fixtures found");
}
