//! The `check` command through the real binary: exit codes, fixing, diffs, byte preservation,
//! output shapes, summaries, and per-file errors that do not stop the run.

mod common;

use std::fs;
use std::path::Path;

use common::{code, run, scratch, stderr, stdout};

/// One safe WS001 finding on line 6.
const LEGACY: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        ws.fail_connection(1011, \"boom\")\n";
const LEGACY_FIXED: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        await ws.close(1011, \"boom\")\n";
/// One unsafe WS001 finding (unknown receiver) on line 5.
const UNSAFE_ONLY: &str =
    "import websockets\n\n\nasync def stop(conn):\n    conn.fail_connection(1000)\n";
const CLEAN: &str = "import json\n\nprint(json.dumps({}))\n";

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, content).unwrap();
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    fs::read(dir.join(name)).unwrap()
}

#[test]
fn exit_codes() {
    let dir = scratch("cli-exit");
    write(&dir, "clean.py", CLEAN);
    assert_eq!(code(&run(&dir, &["check", "clean.py"])), 0);
    write(&dir, "legacy.py", LEGACY);
    assert_eq!(code(&run(&dir, &["check", "."])), 1);
    assert_eq!(code(&run(&dir, &["check", "--exit-zero", "."])), 0);

    let out = run(&dir, &["check", "does-not-exist.py"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("does-not-exist.py"),
        "{}",
        stderr(&out)
    );
    let out = run(&dir, &["check", "--select", "XY1", "."]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("XY1"), "{}", stderr(&out));
    let out = run(&dir, &["check", "--target-version", "12.0", "."]);
    assert_eq!(code(&out), 2);
    assert_eq!(code(&run(&dir, &["check", "--no-such-flag", "."])), 2);
}

#[test]
fn selection_flags() {
    let dir = scratch("cli-select");
    write(&dir, "legacy.py", LEGACY);
    assert_eq!(code(&run(&dir, &["check", "--ignore", "WS001", "."])), 0);
    assert_eq!(code(&run(&dir, &["check", "--select", "WS0", "."])), 1);
    assert_eq!(
        code(&run(&dir, &["check", "--select", "fail-connection", "."])),
        1
    );
    let out = run(
        &dir,
        &["check", "--select", "WS001", "--ignore", "WS0", "legacy.py"],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(code(&run(&dir, &["check", "--select", "WS9", "."])), 0);
    assert_eq!(
        code(&run(
            &dir,
            &["check", "--select", "WS9", "--extend-select", "WS001", "."]
        )),
        1
    );
    let out = run(
        &dir,
        &["check", "--target-version", "14.0", "--threads", "1", "."],
    );
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("target websockets 14.0 (from --target-version)"));
}

#[test]
fn fix_then_second_fix_is_a_no_op() {
    let dir = scratch("cli-fix");
    write(&dir, "legacy.py", LEGACY);
    let out = run(&dir, &["check", "--fix", "."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("Fixed 1 problem, 0 remaining."));
    assert_eq!(read(&dir, "legacy.py"), LEGACY_FIXED.as_bytes());
    let out = run(&dir, &["check", "--fix", "."]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("All checks passed!"));
    assert_eq!(read(&dir, "legacy.py"), LEGACY_FIXED.as_bytes());
}

#[test]
fn exit_non_zero_on_fix_and_show_fixes() {
    let dir = scratch("cli-fix-flags");
    write(&dir, "legacy.py", LEGACY);
    let out = run(
        &dir,
        &[
            "check",
            "--fix",
            "--exit-non-zero-on-fix",
            "--show-fixes",
            ".",
        ],
    );
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("Fixed:"), "{text}");
    assert!(text.contains("legacy.py:6:9: WS001"), "{text}");
}

#[test]
fn unsafe_fixes_need_the_flag() {
    let dir = scratch("cli-unsafe");
    write(&dir, "u.py", UNSAFE_ONLY);
    let out = run(&dir, &["check", "--output-format", "concise", "."]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("[-]"), "{text}");
    assert!(
        text.contains("Found 1 problem (1 with --unsafe-fixes)."),
        "{text}"
    );
    let out = run(&dir, &["check", "--fix", "."]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("Fixed 0 problems, 1 remaining."));
    assert_eq!(read(&dir, "u.py"), UNSAFE_ONLY.as_bytes());
    let out = run(&dir, &["check", "--fix", "--unsafe-fixes", "."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(String::from_utf8(read(&dir, "u.py"))
        .unwrap()
        .contains("await conn.close(1000)"));
}

#[test]
fn diff_prints_a_unified_diff_and_writes_nothing() {
    let dir = scratch("cli-diff");
    write(&dir, "legacy.py", LEGACY);
    write(&dir, "clean.py", CLEAN);
    let out = run(&dir, &["check", "--diff", "."]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let minus = lines
        .iter()
        .position(|l| l.starts_with("--- "))
        .expect(&text);
    assert!(lines[minus].ends_with("legacy.py"), "{text}");
    assert!(lines[minus + 1].starts_with("+++ ") && lines[minus + 1].ends_with("legacy.py"));
    assert!(lines[minus + 2].starts_with("@@ -"), "{text}");
    assert!(lines.contains(&"-        ws.fail_connection(1011, \"boom\")"));
    assert!(lines.contains(&"+        await ws.close(1011, \"boom\")"));
    assert!(!text.contains("clean.py"));
    assert_eq!(read(&dir, "legacy.py"), LEGACY.as_bytes());
    assert!(fs::read_dir(&dir).unwrap().count() == 2, "no stray files");

    let clean = scratch("cli-diff-clean");
    write(&clean, "clean.py", CLEAN);
    let out = run(&clean, &["check", "--diff", "."]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

#[test]
fn fix_keeps_crlf_bom_and_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("cli-bytes");
    let crlf = LEGACY.replace('\n', "\r\n");
    write(&dir, "crlf.py", &crlf);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(LEGACY.as_bytes());
    write(&dir, "bom.py", &bom);
    write(&dir, "exec.py", format!("#!/usr/bin/env python3\n{LEGACY}"));
    fs::set_permissions(dir.join("exec.py"), fs::Permissions::from_mode(0o751)).unwrap();

    let out = run(&dir, &["check", "--fix", "."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("Fixed 3 problems, 0 remaining."));
    assert_eq!(
        read(&dir, "crlf.py"),
        LEGACY_FIXED.replace('\n', "\r\n").as_bytes()
    );
    let mut bom_fixed = b"\xEF\xBB\xBF".to_vec();
    bom_fixed.extend_from_slice(LEGACY_FIXED.as_bytes());
    assert_eq!(read(&dir, "bom.py"), bom_fixed);
    assert_eq!(
        read(&dir, "exec.py"),
        format!("#!/usr/bin/env python3\n{LEGACY_FIXED}").as_bytes()
    );
    let mode = fs::metadata(dir.join("exec.py"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o751);
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn concise_line_shape_and_summary() {
    let dir = scratch("cli-concise");
    write(&dir, "legacy.py", LEGACY);
    write(&dir, "u.py", UNSAFE_ONLY);
    let out = run(&dir, &["check", "--output-format", "concise", "."]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "./legacy.py:6:9: WS001 (error) `ws.fail_connection()` was removed in websockets 14.0 \
         (it was private API of the legacy implementation) [*]",
        "{text}"
    );
    assert!(lines[1].starts_with("./u.py:5:5: WS001 ("), "{text}");
    assert!(lines[1].ends_with(" [-]"), "{text}");
    assert_eq!(
        lines[2],
        "Found 2 problems (1 fixable with --fix, 1 with --unsafe-fixes)."
    );
    assert!(lines[3].starts_with("target websockets 17."), "{text}");

    let quiet = run(&dir, &["check", "-q", "--output-format", "concise", "."]);
    assert_eq!(stdout(&quiet).lines().count(), 2, "{}", stdout(&quiet));

    let stats = run(
        &dir,
        &["check", "--statistics", "-q", "--color", "never", "."],
    );
    assert!(
        stdout(&stats).contains("    2\tWS001\t[*] fail-connection"),
        "{}",
        stdout(&stats)
    );
}

#[test]
fn full_and_json_formats() {
    let dir = scratch("cli-formats");
    write(&dir, "legacy.py", LEGACY);
    let out = run(
        &dir,
        &["check", "--output-format", "full", "--color", "never", "."],
    );
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("WS001(fail-connection)"), "{text}");
    assert!(
        text.contains("ws.fail_connection(1011, \"boom\")"),
        "{text}"
    );

    let out = run(&dir, &["check", "--output-format", "json", "."]);
    assert_eq!(code(&out), 1);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = &value[0];
    assert_eq!(item["code"], "WS001");
    assert_eq!(item["location"]["row"], 6);
    assert_eq!(item["location"]["column"], 9);
    assert_eq!(item["noqa_row"], 6);
    assert_eq!(item["fixed"], false);
    assert_eq!(item["fix"]["applicability"], "safe");

    let out = run(&dir, &["check", "--fix", "--output-format", "json", "."]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value[0]["fixed"], true);
    assert_eq!(code(&out), 0);
}

#[test]
fn excludes_and_gitignore() {
    let dir = scratch("cli-exclude");
    write(&dir, "pkg/legacy.py", LEGACY);
    write(&dir, "build/legacy.py", LEGACY);
    write(&dir, "gen/legacy.py", LEGACY);
    write(&dir, ".gitignore", "gen/\n");
    let out = run(&dir, &["check", "--output-format", "concise", "-q", "."]);
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));
    let out = run(
        &dir,
        &[
            "check",
            "--output-format",
            "concise",
            "-q",
            "--no-respect-gitignore",
            ".",
        ],
    );
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
    let out = run(
        &dir,
        &[
            "check",
            "--output-format",
            "concise",
            "-q",
            "--exclude",
            "gen",
            "--no-respect-gitignore",
            ".",
        ],
    );
    assert_eq!(
        stdout(&out).lines().count(),
        2,
        "build is no longer excluded"
    );
    let out = run(&dir, &["check", "-q", "--extend-exclude", "pkg", "."]);
    assert_eq!(code(&out), 0);
    // An explicit file is checked unless --force-exclude.
    assert_eq!(code(&run(&dir, &["check", "build/legacy.py"])), 1);
    assert_eq!(
        code(&run(&dir, &["check", "--force-exclude", "build/legacy.py"])),
        0
    );
}

#[test]
fn fail_connection_style_flag() {
    let dir = scratch("cli-style");
    write(&dir, "legacy.py", LEGACY);
    let out = run(
        &dir,
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--fail-connection-style",
            "protocol-fail",
            ".",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = String::from_utf8(read(&dir, "legacy.py")).unwrap();
    assert!(text.contains("ws.protocol.fail(1011, \"boom\")"), "{text}");
}

/// Realistic code using `.open`, `.closed` and `fail_connection` on objects that are not
/// websockets connections.
#[test]
fn negative_corpus_has_no_findings() {
    let dir = scratch("cli-negative");
    write(
        &dir,
        "files.py",
        "import websockets\n\n\ndef tail(path):\n    f = open(path)\n    if not f.closed:\n        f.close()\n    return f.closed\n",
    );
    write(
        &dir,
        "sockets.py",
        "import socket\nimport websockets\n\n\nclass Pool:\n    def __init__(self):\n        self.sock = socket.socket()\n        self.open = True\n\n    def fail_connection(self, code=1006):\n        self.sock.close()\n        self.open = False\n\n    def reset(self):\n        self.fail_connection()\n        return self.open\n",
    );
    write(
        &dir,
        "aio.py",
        "import aiohttp\nimport websockets\n\n\nasync def fetch(url):\n    async with aiohttp.ClientSession() as session:\n        async with session.ws_connect(url) as ws:\n            if ws.closed:\n                return None\n            return await ws.receive()\n",
    );
    write(
        &dir,
        "starlette_app.py",
        "from starlette.websockets import WebSocket\n\n\nasync def endpoint(websocket: WebSocket):\n    await websocket.accept()\n    await websocket.close(code=1000)\n",
    );
    write(
        &dir,
        "wsclient.py",
        "import websocket\n\nws = websocket.WebSocket()\nws.connect(\"ws://example.com\")\nif ws.connected:\n    ws.close()\n",
    );
    let out = run(
        &dir,
        &["check", "--select", "WS", "--output-format", "concise", "."],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("All checks passed!"));
}

#[test]
fn broken_files_are_findings_and_the_run_continues() {
    let dir = scratch("cli-broken");
    write(&dir, "a_legacy.py", LEGACY);
    write(&dir, "b_invalid.py", b"import websockets\nx = '\xff\xfe'\n");
    // The prefilter skips files that cannot contain a finding, so the broken file mentions one.
    write(
        &dir,
        "c_syntax.py",
        "import websockets\n\ndef f(:\n    ws.fail_connection()\n",
    );
    write(&dir, "d_legacy.py", LEGACY);
    write(&dir, "e_dir.py/inner.txt", "not python");
    let out = run(&dir, &["check", "--output-format", "concise", "."]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("./a_legacy.py:6:9: WS001"), "{text}");
    assert!(text.contains("./d_legacy.py:6:9: WS001"), "{text}");
    assert!(
        text.contains("./b_invalid.py:1:1: WS901 (error) file is not valid UTF-8"),
        "{text}"
    );
    assert!(text.contains("./c_syntax.py:3:"), "{text}");
    assert!(text.contains("WS902 (error) syntax error"), "{text}");

    // The same with --fix: good files fixed, broken ones untouched and reported.
    let out = run(&dir, &["check", "--fix", "--output-format", "concise", "."]);
    assert_eq!(code(&out), 1);
    assert_eq!(read(&dir, "a_legacy.py"), LEGACY_FIXED.as_bytes());
    assert_eq!(
        read(&dir, "b_invalid.py"),
        b"import websockets\nx = '\xff\xfe'\n"
    );
    assert!(
        stdout(&out).contains("Fixed 2 problems, "),
        "{}",
        stdout(&out)
    );
}

/// Runs the binary as an unprivileged user (`nobody` through `setpriv` when the tests run as
/// root, as CI does), so the mode-000 file really cannot be read.
#[test]
fn unreadable_file_is_a_finding() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("cli-unreadable");
    write(&dir, "locked.py", LEGACY);
    write(&dir, "open.py", LEGACY);
    fs::set_permissions(dir.join("locked.py"), fs::Permissions::from_mode(0o000)).unwrap();
    let out = common::bin_unprivileged()
        .current_dir(&dir)
        .args(["check", "--output-format", "concise", "."])
        .output()
        .expect("run wsmigrate unprivileged (setpriv, from util-linux, as root)");
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("./locked.py:1:1: WS901"), "{text}");
    assert!(text.contains("./open.py:6:9: WS001"), "{text}");
}

#[test]
fn foreign_coding_with_non_ascii_is_never_rewritten() {
    let dir = scratch("cli-latin1");
    // Latin-1 bytes: not UTF-8 at all.
    let mut latin1 = b"# -*- coding: latin-1 -*-\n".to_vec();
    latin1.extend_from_slice(LEGACY.as_bytes());
    latin1.extend_from_slice(b"NAME = 'Ren\xe9'\n");
    write(&dir, "latin1.py", &latin1);
    // Declares latin-1 but its bytes happen to be valid UTF-8 with non-ASCII text.
    let declared = format!("# -*- coding: latin-1 -*-\n{LEGACY}NAME = 'Ren\u{e9}'\n");
    write(&dir, "declared.py", &declared);
    let out = run(
        &dir,
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--output-format",
            "concise",
            ".",
        ],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(read(&dir, "latin1.py"), latin1);
    assert_eq!(read(&dir, "declared.py"), declared.as_bytes());
    let text = stdout(&out);
    assert!(text.contains("./latin1.py:1:1: WS901"), "{text}");
    assert!(text.contains("latin-1"), "{text}");
    assert!(text.contains("./declared.py:7:9: WS001"), "{text}");
    let out = run(
        &dir,
        &["check", "--fix", "--output-format", "json", "declared.py"],
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(value[0]["help"]
        .as_str()
        .unwrap()
        .contains("coding: latin-1"));
}

#[test]
fn completions_bash() {
    let dir = scratch("cli-completions");
    let out = run(&dir, &["completions", "bash"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.contains("_wsmigrate()"), "{text}");
    assert!(text.contains("--fix"));
}

#[test]
fn color_flag_and_no_color() {
    let dir = scratch("cli-color");
    write(&dir, "legacy.py", LEGACY);
    let out = run(
        &dir,
        &["check", "--output-format", "full", "--color", "always", "."],
    );
    assert!(stdout(&out).contains("\x1b["), "--color always paints");
    let out = run(
        &dir,
        &["check", "--output-format", "full", "--color", "never", "."],
    );
    assert!(!stdout(&out).contains("\x1b["));
    let out = common::bin()
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .args(["check", "--diff", "."])
        .output()
        .unwrap();
    assert!(!stdout(&out).contains("\x1b["));
}
