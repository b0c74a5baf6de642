//! Suppression comments through the real binary: line and file directives, `--add-noqa`, and
//! WS904 for directives that suppress nothing.

mod common;

use std::fs;

use common::{code, run, scratch, stdout};

const HEAD: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n";

fn file(body: &[&str]) -> String {
    let mut text = HEAD.to_string();
    for line in body {
        text.push_str("        ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn concise(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<String>) {
    let mut all = vec!["check", "--output-format", "concise", "-q"];
    all.extend_from_slice(args);
    let out = run(dir, &all);
    (
        code(&out),
        stdout(&out).lines().map(str::to_string).collect(),
    )
}

#[test]
fn line_directives_suppress_their_codes_only() {
    let dir = scratch("noqa-line");
    let text = file(&[
        "ws.fail_connection(1)  # noqa: WS001",
        "ws.fail_connection(2)  # noqa",
        "ws.fail_connection(3)  # NOQA:E501,WS001",
        "ws.fail_connection(4)  # noqa: E501",
        "ws.fail_connection(5)  # type: ignore  # noqa: WS001",
        "ws.fail_connection(  # noqa: WS001",
        "    6,",
        ")",
    ]);
    fs::write(dir.join("a.py"), &text).unwrap();
    let (rc, lines) = concise(&dir, &["a.py"]);
    assert_eq!(rc, 1);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("a.py:9:9: WS001"), "{lines:?}");
    // --fix leaves suppressed lines alone.
    let out = run(&dir, &["check", "--fix", "--unsafe-fixes", "a.py"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let fixed = fs::read_to_string(dir.join("a.py")).unwrap();
    assert_eq!(
        fixed,
        text.replace("ws.fail_connection(4)", "await ws.close(4)")
    );
}

#[test]
fn file_directives() {
    let dir = scratch("noqa-file");
    let all = format!("# wsmigrate: noqa\n{}", file(&["ws.fail_connection(1)"]));
    fs::write(dir.join("all.py"), all).unwrap();
    let some = format!(
        "# wsmigrate: noqa: WS001\n{}",
        file(&["ws.fail_connection(1)"])
    );
    fs::write(dir.join("some.py"), some).unwrap();
    let other = format!(
        "# wsmigrate: noqa: WS002\n{}",
        file(&["ws.fail_connection(1)"])
    );
    fs::write(dir.join("other.py"), other).unwrap();
    let (rc, lines) = concise(&dir, &["."]);
    assert_eq!(rc, 1);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("./other.py:7:9: WS001"), "{lines:?}");
}

#[test]
fn unused_directives_are_reported_and_removed() {
    let dir = scratch("noqa-unused");
    let text = file(&[
        "await ws.close()  # noqa: WS001",
        "await ws.close()  # noqa: WS001, E501",
        "await ws.close()  # noqa: E501",
        "await ws.close()  # noqa",
        "await ws.close()  # type: ignore  # noqa: WS001  # why",
        "ws.fail_connection(1)  # noqa: WS001, WS999",
    ]);
    fs::write(dir.join("a.py"), &text).unwrap();
    let (rc, lines) = concise(&dir, &["a.py"]);
    assert_eq!(rc, 1);
    let codes: Vec<&str> = lines
        .iter()
        .map(|l| l.split(' ').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(codes, ["WS904", "WS904", "WS904", "WS904"], "{lines:?}");
    assert!(lines[0].starts_with("a.py:6:27: WS904 (note) unused `noqa` directive"));
    assert!(lines[3].contains("WS999"), "{lines:?}");

    let (rc, _) = concise(&dir, &["--ignore", "WS904", "a.py"]);
    assert_eq!(rc, 0);
    // With only WS001 selected, a WS904 check is not selected either.
    let (rc, _) = concise(&dir, &["--select", "WS001", "a.py"]);
    assert_eq!(rc, 0);

    let out = run(&dir, &["check", "--fix", "a.py"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(
        fs::read_to_string(dir.join("a.py")).unwrap(),
        file(&[
            "await ws.close()",
            "await ws.close()  # noqa: E501",
            "await ws.close()  # noqa: E501",
            "await ws.close()  # noqa",
            "await ws.close()  # type: ignore  # why",
            "ws.fail_connection(1)  # noqa: WS001",
        ])
    );
}

#[test]
fn add_noqa_then_check_is_clean() {
    let dir = scratch("noqa-add");
    let text = file(&[
        "ws.fail_connection(1)",
        "ws.fail_connection(2)  # noqa: E501",
        "ws.fail_connection(3); ws.fail_connection(4)",
    ])
    .replace('\n', "\r\n");
    fs::write(dir.join("a.py"), &text).unwrap();
    let out = run(&dir, &["check", "--add-noqa", "."]);
    assert_eq!(code(&out), 0);
    assert!(
        stdout(&out).contains("Added 3 noqa directives."),
        "{}",
        stdout(&out)
    );
    let after = fs::read_to_string(dir.join("a.py")).unwrap();
    assert_eq!(
        after,
        file(&[
            "ws.fail_connection(1)  # noqa: WS001",
            "ws.fail_connection(2)  # noqa: E501, WS001",
            "ws.fail_connection(3); ws.fail_connection(4)  # noqa: WS001",
        ])
        .replace('\n', "\r\n")
    );
    let (rc, lines) = concise(&dir, &["."]);
    assert_eq!(rc, 0, "{lines:?}");
    // A second run adds nothing.
    let out = run(&dir, &["check", "--add-noqa", "."]);
    assert!(stdout(&out).contains("Added 0 noqa directives."));
    assert_eq!(fs::read_to_string(dir.join("a.py")).unwrap(), after);
}

#[test]
fn add_noqa_refuses_to_break_a_line_continuation() {
    let dir = scratch("noqa-continuation");
    let text = format!("{HEAD}        ws.fail_connection(1) \\\n            if True else None\n");
    fs::write(dir.join("a.py"), &text).unwrap();
    let out = run(&dir, &["check", "--add-noqa", "."]);
    assert_eq!(code(&out), 2);
    assert_eq!(fs::read_to_string(dir.join("a.py")).unwrap(), text);
}
