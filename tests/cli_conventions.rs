//! Conventions ruff users (and editor plugins written for ruff) rely on.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use common::*;

const LEGACY: &str = "\
import websockets


async def main():
    async with websockets.connect(\"ws://localhost:8765\") as ws:
        ws.fail_connection(1011, \"boom\")
        ws.fail_connection()
        print(ws.open)
";

fn with_stdin(dir: &Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn stdin_filename_alone_reads_stdin() {
    let dir = scratch("stdin-filename");
    // A file on disk that must not be linted instead of stdin.
    fs::write(dir.join("other.py"), LEGACY.replace("ws.open", "ws.closed")).unwrap();
    let args = [
        "check",
        "--output-format",
        "concise",
        "--stdin-filename",
        "pkg/x.py",
    ];
    let out = with_stdin(&dir, &args, LEGACY);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("pkg/x.py:6:9: WS001"), "{text}");
    assert!(!text.contains("other.py"), "{text}");
    // With --fix: the fixed source on stdout, as with `-`.
    let mut fix = args.to_vec();
    fix.insert(1, "--fix");
    let out = with_stdin(&dir, &fix, LEGACY);
    assert!(
        stdout(&out).contains("await ws.close(1011, \"boom\")"),
        "{}",
        stdout(&out)
    );
    // A path next to it is ignored, loudly.
    let mut extra = args.to_vec();
    extra.push("other.py");
    let out = with_stdin(&dir, &extra, LEGACY);
    assert!(
        stderr(&out).contains("ignoring `other.py`"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("other.py"), "{}", stdout(&out));
}

#[test]
fn statistics_print_only_the_table() {
    let dir = scratch("statistics");
    fs::write(dir.join("a.py"), LEGACY).unwrap();
    for quiet in [false, true] {
        let mut args = vec!["check", "--statistics", "--color", "never"];
        if quiet {
            args.push("-q");
        }
        args.push("a.py");
        let out = run(&dir, &args);
        assert_eq!(code(&out), 1);
        assert_eq!(
            stdout(&out),
            "    2\tWS001\t[*] fail-connection\n    1\tWS002\t[*] connection-open-closed\n",
            "quiet={quiet}"
        );
    }
    let out = run(
        &dir,
        &["check", "--statistics", "--output-format", "json", "a.py"],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["code"], "WS001");
    assert_eq!(json[0]["count"], 2);
    assert_eq!(json[1]["fixable"], true);
}

#[test]
fn add_noqa_never_writes_inside_an_fstring_replacement_field() {
    let dir = scratch("noqa-fstring");
    let source = "\
import websockets


async def main():
    async with websockets.connect(\"ws://localhost:8765\") as ws:
        print(f\"state: {(
            ws.open
        )}\")
        print(\"\"\"
{}\"\"\".format(ws.closed))
";
    fs::write(dir.join("a.py"), source).unwrap();
    let out = run(&dir, &["check", "--add-noqa", "a.py"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let written = fs::read_to_string(dir.join("a.py")).unwrap();
    assert_eq!(
        written,
        source
            .replace("        )}\")\n", "        )}\")  # noqa: WS002\n")
            .replace(
                "{}\"\"\".format(ws.closed))\n",
                "{}\"\"\".format(ws.closed))  # noqa: WS002\n"
            )
    );
    // The directives written there suppress the findings.
    let out = run(&dir, &["check", "--output-format", "concise", "a.py"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn rules_and_messages_agree_on_since_versions() {
    let root = repo_root();
    let rules = run(&root, &["rules", "--output-format", "json"]);
    let rules: serde_json::Value = serde_json::from_slice(&rules.stdout).unwrap();
    let since = |code: &str| {
        rules
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .map(|r| r["since"].as_str().unwrap().to_string())
            .unwrap()
    };
    let out = run(
        &root,
        &[
            "check",
            "--isolated",
            "--select",
            "ALL",
            "--output-format",
            "json",
            "fixtures/rules",
        ],
    );
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut checked = 0;
    for f in findings.as_array().unwrap() {
        let message = f["message"].as_str().unwrap();
        let code = f["code"].as_str().unwrap();
        // The change the rule is about: a removal when the message names one (it may also
        // say since when the name was deprecated), else the deprecation.
        let markers = ["removed in websockets ", "removed in ", "since websockets "];
        if let Some((i, marker)) = markers
            .iter()
            .find_map(|m| message.find(m).map(|i| (i, *m)))
        {
            let version: String = message[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let version = version.trim_end_matches('.');
            assert_eq!(version, since(code), "{code}: {message}");
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} messages name a version");
}
