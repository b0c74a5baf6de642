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

/// The case folders of `fixtures/projects/`, in name order.
fn project_cases() -> Vec<PathBuf> {
    let root = repo_root().join("fixtures/projects");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn fixture_projects() {
    let cases = project_cases();
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

/// `check --stdin-filename FILE [ARGS]` inside `dir`, with `text` on stdin.
fn stdin_check(dir: &Path, file: &str, text: &str, args: &[&str]) -> std::process::Output {
    use std::io::Write;
    let mut child = bin()
        .current_dir(dir)
        .args([
            "check",
            "--target-version",
            "17.0",
            "--stdin-filename",
            file,
        ])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run wsmigrate");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(code(&out) <= 1, "exit {}: {}", code(&out), stderr(&out));
    out
}

/// `(path:row CODE, applicability, help)` of each finding of a JSON report.
fn json_findings(out: &std::process::Output) -> Vec<(String, String, String)> {
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["filename"].as_str().unwrap().trim_start_matches("./");
            (
                format!(
                    "{file}:{} {}",
                    d["location"]["row"],
                    d["code"].as_str().unwrap()
                ),
                d["fix"]["applicability"]
                    .as_str()
                    .unwrap_or("none")
                    .to_string(),
                d["help"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A file on stdin is checked with the project on disk as its context: each file of every
/// fixture project, piped through `--stdin-filename`, has the findings the whole project's
/// check gives it (a handler served from another module, a client attribute read elsewhere).
#[test]
fn stdin_is_checked_with_the_project_on_disk() {
    let cases = project_cases();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = scratch(&format!("stdin-project-{name}"));
        copy_tree(&case.join("input"), &dir);
        let expected = fs::read_to_string(case.join("expected.txt")).unwrap_or_default();
        for (file, text) in tree(&dir) {
            let file = file.to_string_lossy().into_owned();
            if !file.ends_with(".py") {
                continue;
            }
            let out = stdin_check(&dir, &file, &text, &["--output-format", "json"]);
            let mut got: Vec<String> = json_findings(&out).into_iter().map(|f| f.0).collect();
            got.sort();
            let want: Vec<String> = expected
                .lines()
                .filter(|l| l.starts_with(&format!("{file}:")))
                .map(|l| l.rsplit_once(' ').unwrap().0.to_string())
                .collect();
            assert_eq!(got, want, "{name}: {file} on stdin");
        }
    }
}

/// A fix group that spans files is not half-applied to the buffer on stdin: the import switch
/// of `main.py` and the handler's signature in `handlers.py` are reported as needing a
/// `--fix` on the project, naming the other file; fixes of this buffer alone still apply.
#[test]
fn stdin_fixes_hold_groups_that_span_files() {
    let dir = scratch("stdin-held-group");
    copy_tree(
        &repo_root().join("fixtures/projects/handler_elsewhere/input"),
        &dir,
    );
    let handlers = fs::read_to_string(dir.join("chat/handlers.py")).unwrap();
    let main = fs::read_to_string(dir.join("chat/main.py")).unwrap();
    let json = ["--output-format", "json", "--unsafe-fixes"];

    let found = json_findings(&stdin_check(&dir, "chat/handlers.py", &handlers, &json));
    let ws301 = found
        .iter()
        .find(|f| f.0 == "chat/handlers.py:1 WS301")
        .unwrap();
    assert_eq!(ws301.1, "none", "{found:?}");
    assert!(
        ws301.2.contains("chat/main.py:3 (WS101)") && ws301.2.contains("check --fix"),
        "{}",
        ws301.2
    );
    let ws002 = found
        .iter()
        .find(|f| f.0 == "chat/handlers.py:4 WS002")
        .unwrap();
    assert_eq!(ws002.1, "safe");

    let found = json_findings(&stdin_check(&dir, "chat/main.py", &main, &json));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "none");
    assert!(
        found[0].2.contains("chat/handlers.py:1 (WS301)"),
        "{}",
        found[0].2
    );

    // --fix: only this buffer's own fixes; the handler keeps its signature, main.py its import.
    let fix = ["--fix", "--unsafe-fixes"];
    let fixed = stdout(&stdin_check(&dir, "chat/handlers.py", &handlers, &fix));
    assert!(
        fixed.contains("async def echo(websocket, path):"),
        "{fixed}"
    );
    assert!(
        fixed.contains("websocket.state is not State.OPEN"),
        "{fixed}"
    );
    assert_eq!(
        stdout(&stdin_check(&dir, "chat/main.py", &main, &fix)),
        main
    );

    // The buffer's text counts, not the disk's: a main.py that serves something else leaves
    // no group spanning files, and its import switch is fixable on its own.
    let other = main.replace("serve(handlers.echo,", "serve(print,");
    let found = json_findings(&stdin_check(&dir, "chat/main.py", &other, &json));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_ne!(found[0].1, "none", "{found:?}");
    // The disk was never written.
    assert_eq!(fs::read_to_string(dir.join("chat/main.py")).unwrap(), main);
    assert_eq!(
        fs::read_to_string(dir.join("chat/handlers.py")).unwrap(),
        handlers
    );
}
