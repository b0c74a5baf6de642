//! Issue 17: configuration errors, path identity, excludes, closed streams, exit codes and
//! messages — each case a defect a probe found.

mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{bin, code, run, scratch, stderr, stdout};

/// One safe WS001 finding on line 6.
const LEGACY: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        ws.fail_connection(1011, \"boom\")\n";
const FIXED: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        await ws.close(1011, \"boom\")\n";

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

/// Runs a shell command line with `$W` set to the wsmigrate binary, in `dir`.
fn shell(dir: &Path, script: &str) -> std::process::Output {
    Command::new("sh")
        .args(["-c", script])
        .env("W", env!("CARGO_BIN_EXE_wsmigrate"))
        .env("RUST_BACKTRACE", "1")
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_toml_error_anywhere_in_pyproject_is_exit_2_pointing_at_it() {
    let dir = scratch("c-toml");
    write(
        &dir,
        "pyproject.toml",
        "[project]\nname = \"x\"\nversion = = \"1\"\n\n[tool.wsmigrate]\nexclude = [\"gen\"]\n",
    );
    write(&dir, "gen/a.py", LEGACY);
    let out = run(&dir, &["check", "--fix", "."]);
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("pyproject.toml"), "{err}");
    assert!(err.contains("3 │ version = = \"1\""), "{err}");
    assert_eq!(read(&dir, "gen/a.py"), LEGACY, "an excluded file was fixed");
    // Also with --isolated: the target version is still read from pyproject.toml.
    let out = run(&dir, &["check", "--isolated", "gen/a.py"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn configuration_is_found_through_a_symlinked_directory() {
    let dir = scratch("c-logical");
    write(
        &dir,
        "project/pyproject.toml",
        "[tool.wsmigrate]\nignore = [\"WS001\"]\n",
    );
    write(&dir, "elsewhere/src/a.py", LEGACY);
    symlink("../elsewhere/src", dir.join("project/src")).unwrap();
    let logical = dir.join("project/src");
    let out = bin()
        .current_dir(&logical)
        .env("PWD", &logical)
        .args(["check", "--output-format", "concise", "."])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    // A stale $PWD (not this directory) is not believed.
    let out = bin()
        .current_dir(&logical)
        .env("PWD", &dir)
        .args(["check", "--output-format", "concise", "."])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn one_file_under_two_spellings_is_processed_once() {
    let dir = scratch("c-spellings");
    write(&dir, "a.py", LEGACY);
    symlink("a.py", dir.join("alias.py")).unwrap();
    let out = run(
        &dir,
        &[
            "check",
            "--fix",
            "--output-format",
            "concise",
            ".",
            "a.py",
            "./a.py",
            "alias.py",
        ],
    );
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}{}", stderr(&out));
    assert!(text.contains("Fixed 1 problem, 0 remaining."), "{text}");
    assert!(!text.contains("changed on disk"), "{text}");
    assert_eq!(read(&dir, "a.py"), FIXED);
    let out = run(&dir, &["check", "--output-format", "concise", ".", "a.py"]);
    assert_eq!(code(&out), 0);
    write(&dir, "a.py", LEGACY);
    let out = run(&dir, &["check", "--output-format", "concise", ".", "a.py"]);
    assert_eq!(stdout(&out).matches("WS001").count(), 1, "{}", stdout(&out));
    // Hard links found by the walk (the listing's inode tells them apart from other files,
    // which are not looked up), and another file with the same text.
    fs::create_dir(dir.join("sub")).unwrap();
    fs::hard_link(dir.join("a.py"), dir.join("sub/linked.py")).unwrap();
    write(&dir, "sub/copy.py", LEGACY);
    let out = run(&dir, &["check", "--output-format", "concise", "."]);
    let text = stdout(&out);
    assert_eq!(text.matches("WS001").count(), 2, "{text}");
    assert!(
        text.contains("a.py:") && text.contains("copy.py:"),
        "{text}"
    );
}

#[test]
fn excludes_anchored_absolute_and_braced() {
    let dir = scratch("c-excludes");
    for name in ["src/a.py", "tests/b.py", "keep/c.py"] {
        write(&dir, name, LEGACY);
    }
    let absolute = format!("{}/src", dir.display());
    let count = |args: &[&str]| {
        let mut all = vec!["check", "--output-format", "concise", "-q"];
        all.extend_from_slice(args);
        let out = run(&dir, &all);
        assert!(code(&out) <= 1, "{args:?}: {}", stderr(&out));
        stdout(&out).matches("WS001").count()
    };
    assert_eq!(count(&["."]), 3);
    for pattern in ["./src", absolute.as_str(), "/src", "src/"] {
        assert_eq!(
            count(&["--exclude", pattern, "."]),
            2,
            "--exclude {pattern}"
        );
    }
    assert_eq!(count(&["--exclude", "{src,tests}", "."]), 1);
    assert_eq!(count(&["--exclude", "./src", "keep/.."]), 2);
    assert_eq!(count(&["--extend-exclude", "{src,tests},keep", "."]), 0);
    // In a configuration file, anchored at the file's directory, wherever the run starts.
    write(
        &dir,
        "wsmigrate.toml",
        "extend-exclude = [\"./src\", \"/tests\"]\n",
    );
    let out = run(
        &dir.join("src"),
        &["check", "--output-format", "concise", "-q", ".."],
    );
    assert_eq!(stdout(&out).matches("WS001").count(), 1, "{}", stdout(&out));
    fs::remove_file(dir.join("wsmigrate.toml")).unwrap();
    // `--fix` leaves an excluded tree alone.
    let out = run(&dir, &["check", "--fix", "--exclude", "./src", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(&dir, "src/a.py"), LEGACY);
    assert_eq!(read(&dir, "keep/c.py"), FIXED);
}

#[test]
fn too_many_patterns_and_threads_are_clear_errors_or_capped() {
    let dir = scratch("c-limits");
    write(&dir, "a.py", LEGACY);
    let many: Vec<String> = (0..20_000).map(|i| format!("\"p{i}_*\"")).collect();
    write(
        &dir,
        "wsmigrate.toml",
        format!("extend-exclude = [{}]\n", many.join(",")),
    );
    let out = run(&dir, &["check", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("too many exclude patterns (20027)"),
        "{}",
        stderr(&out)
    );
    let started = std::time::Instant::now();
    fs::remove_file(dir.join("wsmigrate.toml")).unwrap();
    let out = run(&dir, &["check", "--threads", "100000", "-q", "."]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("--threads 100000 is more than"));
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn closed_stdout_exits_quietly() {
    let dir = scratch("c-stdout");
    write(&dir, "a.py", LEGACY);
    for (script, expected) in [
        ("$W rules | head -c1 >/dev/null; echo $?", 0),
        (
            "$W check --output-format concise . | head -c1 >/dev/null; echo $?",
            1,
        ),
        (
            "$W check --output-format full . | head -c1 >/dev/null; echo $?",
            1,
        ),
        ("$W explain WS001 | head -c1 >/dev/null; echo $?", 0),
    ] {
        // `echo $?` of a pipeline is head's; the pipe status goes through a file.
        let script = script.replace(
            " | head -c1 >/dev/null; echo $?",
            " > fifo & pid=$!; head -c1 fifo > /dev/null; wait $pid; echo $?",
        );
        let out = shell(&dir, &format!("rm -f fifo; mkfifo fifo; {script}"));
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{script}: {err}");
        assert!(!err.contains("Broken pipe"), "{script}: {err}");
        assert_eq!(stdout(&out).trim(), expected.to_string(), "{script}: {err}");
    }
    fs::remove_file(dir.join("fifo")).unwrap();
    let out = shell(&dir, "$W explain WS001 > /dev/full");
    assert_eq!(code(&out), 2);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot write to stdout"));
}

#[test]
fn closed_or_unreadable_stdin_is_exit_2() {
    let dir = scratch("c-stdin");
    for redirect in ["<&-", "0>/dev/null"] {
        let out = shell(
            &dir,
            &format!("$W check --stdin-filename s.py - {redirect}"),
        );
        assert_eq!(code(&out), 2, "{redirect}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot read stdin"),
            "{}",
            stderr(&out)
        );
    }
    // An empty stdin is still an empty file.
    let out = shell(&dir, "$W check --stdin-filename s.py - < /dev/null");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn no_python_files_is_a_warning() {
    let dir = scratch("c-nofiles");
    fs::create_dir(dir.join("empty")).unwrap();
    write(&dir, "gen/a.py", LEGACY);
    for args in [
        &["check", "empty"][..],
        &["check", "--exclude", "gen", "."][..],
    ] {
        let out = run(&dir, args);
        assert_eq!(code(&out), 0, "{args:?}");
        assert!(
            stderr(&out).contains("warning: No Python files found"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = run(&dir, &["check", "-q", "gen"]);
    assert!(!stderr(&out).contains("No Python files"));
}

#[test]
fn odd_entries_met_in_a_walk_are_skipped_but_not_when_named() {
    let dir = scratch("c-odd");
    write(&dir, "a.py", LEGACY);
    let made = Command::new("mkfifo").arg(dir.join("fifo.py")).status();
    assert!(made.is_ok_and(|s| s.success()));
    symlink("missing.py", dir.join("dangling.py")).unwrap();
    let socket = std::os::unix::net::UnixListener::bind(dir.join("socket.py")).unwrap();
    let out = run(&dir, &["check", "--output-format", "concise", "-q", "."]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("./a.py:6:9: WS001"), "{text}");
    for name in ["fifo.py", "dangling.py", "socket.py"] {
        let out = run(&dir, &["check", "--output-format", "concise", "-q", name]);
        assert_eq!(code(&out), 1, "{name}");
        assert!(
            stdout(&out).contains(&format!("{name}:1:1: WS901")),
            "{name}"
        );
    }
    drop(socket);
}

#[test]
fn an_unreadable_directory_says_so() {
    let dir = scratch("c-unreadable-dir");
    write(&dir, "locked/a.py", LEGACY);
    fs::set_permissions(dir.join("locked"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    // As nobody: root reads every directory.
    let out = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_wsmigrate"))
        .args(["check", "--output-format", "concise", "-q", "."])
        .current_dir(&dir)
        .output()
        .expect("setpriv (util-linux) runs wsmigrate as nobody");
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}{}", stderr(&out));
    assert!(
        text.contains("./locked:1:1: WS901 (error) cannot read directory: Permission denied"),
        "{text}"
    );
}

#[test]
fn full_format_survives_any_column_and_counts_characters() {
    let dir = scratch("c-columns");
    let far = format!(
        "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        x = {}1; ws.fail_connection(1011, \"boom\")\n",
        "1 + ".repeat(20_000)
    );
    write(&dir, "far.py", &far);
    let out = run(
        &dir,
        &["check", "--fix", "--output-format", "full", "far.py"],
    );
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(code(&out), 0, "{err}");
    assert!(stdout(&out).contains("Fixed 1 problem"), "{}", stdout(&out));

    write(&dir, "far.py", &far);
    let out = run(&dir, &["check", "--output-format", "full", "far.py"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    let line = far.lines().nth(5).unwrap();
    let column = line[..line.find("ws.fail").unwrap()].chars().count() + 1;
    assert!(column > 65_535);
    assert!(
        text.contains(&format!("[far.py:6:{column}]")),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(
        text.lines().all(|l| l.chars().count() < 400),
        "a line is not clipped"
    );

    let wide = LEGACY.replace("        ws.fail", "        x = \"日本語🎉\"; ws.fail");
    write(&dir, "wide.py", &wide);
    let concise = run(&dir, &["check", "--output-format", "concise", "wide.py"]);
    assert!(
        stdout(&concise).contains("wide.py:6:21: WS001"),
        "{}",
        stdout(&concise)
    );
    let out = run(&dir, &["check", "--output-format", "full", "wide.py"]);
    let text = stdout(&out);
    assert!(text.contains("[wide.py:6:21]"), "{text}");
    // The underline starts under the `w` of `ws`, counted in terminal cells (wide = 2).
    let source = text.lines().find(|l| l.contains("日本語")).unwrap();
    let underline = text
        .lines()
        .skip_while(|l| !l.contains("日本語"))
        .nth(1)
        .unwrap();
    let cells = |s: &str| -> usize {
        s.chars()
            .map(|c| {
                if ('\u{3000}'..='\u{9fff}').contains(&c) || c == '🎉' {
                    2
                } else {
                    1
                }
            })
            .sum()
    };
    let column_of_ws = cells(&source[..source.find("ws.fail").unwrap()]);
    let column_of_line = cells(&underline[..underline.find('─').unwrap()]);
    assert_eq!(column_of_ws, column_of_line, "\n{source}\n{underline}");
}

#[test]
fn a_failed_write_keeps_every_finding_and_fails_the_run() {
    let dir = scratch("c-failedwrite");
    let text = format!("{LEGACY}    ws.transfer_data_task\n");
    write(&dir, "ro/a.py", &text);
    // A read-only directory with a file in it nobody can write, for nobody.
    fs::set_permissions(dir.join("ro/a.py"), fs::Permissions::from_mode(0o644)).unwrap();
    let checked = run(
        &dir,
        &["check", "--output-format", "concise", "-q", "ro/a.py"],
    );
    let findings = stdout(&checked).lines().count();
    assert!(findings >= 2, "{}", stdout(&checked));
    let out = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_wsmigrate"))
        .args([
            "check",
            "--fix",
            "--exit-zero",
            "--output-format",
            "concise",
            "ro/a.py",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let shown = stdout(&out);
    assert_eq!(code(&out), 2, "{shown}");
    for line in stdout(&checked).lines() {
        let position = line.split(" (").next().unwrap();
        assert!(shown.contains(position), "lost `{position}`:\n{shown}");
    }
    assert!(shown.contains("fixes not written"), "{shown}");
    assert_eq!(read(&dir, "ro/a.py"), text);
}
