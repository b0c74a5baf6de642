//! Multi-module fixture projects under `fixtures/projects/<case>/`, checked through the CLI as
//! one program:
//!
//! - `input/` is the project; `check --target-version 17.0 .` run inside it must report exactly
//!   the findings of `expected.txt` (`path:row CODE fixable`, one per line, sorted), where
//!   `fixable` is `safe`, `unsafe` or `none`;
//! - `fixed/` is the expected tree after `check --fix --unsafe-fixes .` (a file absent from it
//!   must come out unchanged); a second `--fix --unsafe-fixes` must change nothing.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::*;

fn tree(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(relative, fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for (relative, text) in tree(from) {
        let target = to.join(&relative);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(target, text).unwrap();
    }
}

fn findings(dir: &Path) -> String {
    let out = run(
        dir,
        &[
            "check",
            "--target-version",
            "17.0",
            "--output-format",
            "json",
            ".",
        ],
    );
    assert!(code(&out) <= 1, "exit {}: {}", code(&out), stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut lines: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["filename"].as_str().unwrap().trim_start_matches("./");
            let fix = match d["fix"]["applicability"].as_str() {
                Some(a) => a.to_string(),
                None => "none".to_string(),
            };
            format!(
                "{file}:{} {} {fix}",
                d["location"]["row"],
                d["code"].as_str().unwrap()
            )
        })
        .collect();
    lines.sort();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn fixture_projects() {
    let root = repo_root().join("fixtures/projects");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 6, "the project fixtures are missing");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = scratch(&format!("project-{name}"));
        copy_tree(&case.join("input"), &dir);
        let expected = fs::read_to_string(case.join("expected.txt")).unwrap_or_default();
        assert_eq!(findings(&dir), expected, "{name}: findings");

        let fix = [
            "check",
            "--target-version",
            "17.0",
            "--fix",
            "--unsafe-fixes",
            ".",
        ];
        let out = run(&dir, &fix);
        assert!(
            code(&out) <= 1,
            "{name}: exit {}: {}",
            code(&out),
            stderr(&out)
        );
        let mut want = tree(&case.join("input"));
        if case.join("fixed").is_dir() {
            want.extend(tree(&case.join("fixed")));
        }
        let got = tree(&dir);
        for (file, text) in &want {
            assert_eq!(
                got.get(file),
                Some(text),
                "{name}: {} after --fix",
                file.display()
            );
        }
        run(&dir, &fix);
        assert_eq!(tree(&dir), got, "{name}: a second --fix changed something");
    }
}
