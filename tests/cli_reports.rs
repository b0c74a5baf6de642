//! Reports that say exactly what is left: what blocks a fix group, and `--diff` findings at the
//! positions of the file on disk.

mod common;

use std::fs;

use common::*;

const BLOCKED: &str = "\
from websockets.legacy.client import connect


async def main():
    async with connect(\"ws://localhost:8765\") as ws:
        print(ws.response_headers)
        print(ws.host)
        print(ws.host)
";

#[test]
fn full_lists_each_blocking_use_once_on_the_import_and_members_point_to_it() {
    let dir = scratch("report-blocked");
    fs::write(dir.join("a.py"), BLOCKED).unwrap();
    let out = run(
        &dir,
        &[
            "check",
            "--output-format",
            "full",
            "--color",
            "never",
            "a.py",
        ],
    );
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let sentence = "manual migration before the import can";
    assert_eq!(text.matches(sentence).count(), 1, "{text}");
    assert!(text.contains("2 uses of this legacy import need"), "{text}");
    assert_eq!(
        text.matches("a.py:7:15: WS004 `ws.host`").count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("a.py:8:15: WS004 `ws.host`").count(),
        1,
        "{text}"
    );
    // Three members point to the import.
    assert_eq!(
        text.matches("a.py:1:1: WS101 the import switch").count(),
        3,
        "{text}"
    );
}

#[test]
fn diff_reports_what_remains_at_positions_on_disk_with_check_markers() {
    let dir = scratch("report-diff");
    let source = "\
import websockets


async def main():
    async with websockets.connect(\"ws://localhost:8765\") as ws:
        print(ws.open)
        print(ws.host)
        ws.fail_connection()
";
    fs::write(dir.join("d.py"), source).unwrap();
    let out = run(&dir, &["check", "--diff", "d.py"]);
    assert_eq!(code(&out), 1);
    // The fix adds an import line above: the findings stay at the rows of the file on disk.
    assert!(
        stdout(&out).contains("+from websockets.protocol import State\n"),
        "{}",
        stdout(&out)
    );
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with("d.py:7:15: WS004 (error) `ws.host`"),
        "{err}"
    );
    assert!(!lines[0].ends_with(']'), "{err}");
    assert!(lines[1].starts_with("d.py:8:9: WS001 (error)"), "{err}");
    assert!(lines[1].ends_with(" [-]"), "{err}");
    let check = run(&dir, &["check", "--output-format", "concise", "d.py"]);
    let check = stdout(&check);
    assert!(
        check.contains(lines[0]) && check.contains(lines[1]),
        "{check}\n{err}"
    );
}
