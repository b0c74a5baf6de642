//! Inputs that must never crash the tool or corrupt a file (issue 8): adversarial files generated
//! here, and `--fix` killed with SIGKILL at random moments.

mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{bin, code, run, scratch, stderr, stdout};

/// Makes every file mention an enabled rule's needle, so that the prefilter lets it through to
/// the parser.
const HEADER: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        ws.fail_connection()\n";

fn fixed(text: &str) -> String {
    text.replace("ws.fail_connection()", "await ws.close()")
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    fs::write(dir.join(name), content).unwrap();
}

/// Runs `check --fix --unsafe-fixes` on one path; asserts no panic and exit ≤ 1.
fn survive(dir: &Path, path: &str) -> String {
    let out = run(
        dir,
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--output-format",
            "concise",
            path,
        ],
    );
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{path}: {err}");
    assert!(
        code(&out) <= 1,
        "{path}: exit {}: {err}{}",
        code(&out),
        stdout(&out)
    );
    stdout(&out)
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let dir = scratch("rel-nesting");
    let depth = 100_000;
    for (name, open, close) in [("parens.py", "(", ")"), ("brackets.py", "[", "]")] {
        let text = format!(
            "{HEADER}x = {}1{}\n",
            open.repeat(depth),
            close.repeat(depth)
        );
        write(&dir, name, text);
        let out = survive(&dir, name);
        assert!(
            out.contains("Fixed 1 problem, 0 remaining."),
            "{name}: {out}"
        );
    }
    // Unbalanced: a syntax error, reported as such.
    write(
        &dir,
        "open.py",
        format!("{HEADER}x = {}\n", "(".repeat(depth)),
    );
    let out = survive(&dir, "open.py");
    assert!(out.contains("WS902"), "{out}");
}

#[test]
fn huge_file_and_huge_line() {
    let dir = scratch("rel-huge");
    let padding = "# websockets padding padding padding padding padding padding padding\n";
    let mut text = String::from(HEADER);
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(padding);
    }
    write(&dir, "big.py", &text);
    let out = survive(&dir, "big.py");
    assert!(out.contains("Fixed 1 problem, 0 remaining."), "{out}");
    let fixed = fs::read(dir.join("big.py")).unwrap();
    assert_eq!(
        fixed.len(),
        text.len() + "await ws.close()".len() - "ws.fail_connection()".len()
    );

    let line = format!("{HEADER}x = \"{}\"\n", "a".repeat(10 * 1024 * 1024));
    write(&dir, "line.py", &line);
    let out = survive(&dir, "line.py");
    assert!(out.contains("Fixed 1 problem, 0 remaining."), "{out}");
}

#[test]
fn odd_bytes_and_odd_files_each_get_a_clear_message() {
    let dir = scratch("rel-odd");
    let legacy = |ending: &str| HEADER.replace('\n', ending);
    let mut invalid = HEADER.as_bytes().to_vec();
    invalid.extend_from_slice(b"x = '\xc3\x28'\n");
    write(&dir, "invalid_utf8.py", invalid);
    write(&dir, "nul.py", format!("{HEADER}x = 1\0\n"));
    write(&dir, "bom.py", format!("\u{feff}{HEADER}"));
    write(&dir, "crlf.py", legacy("\r\n"));
    write(&dir, "cr.py", legacy("\r"));
    write(
        &dir,
        "tabs.py",
        format!("{HEADER}if True:\n\tx = 1\n        y = 2\n"),
    );
    let mut latin1 = b"# -*- coding: latin-1 -*-\n".to_vec();
    latin1.extend_from_slice(HEADER.as_bytes());
    latin1.extend_from_slice(b"name = 'Ren\xe9'\n");
    write(&dir, "latin1.py", &latin1);
    write(&dir, "empty.py", "");
    fs::create_dir(dir.join("dir.py")).unwrap();
    write(&dir, "dir.py/inside.py", HEADER);
    let fifo = dir.join("fifo.py");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    symlink(dir.join("missing.py"), dir.join("broken.py")).unwrap();
    symlink(dir.join("loop_b.py"), dir.join("loop_a.py")).unwrap();
    symlink(dir.join("loop_a.py"), dir.join("loop_b.py")).unwrap();

    let out = survive(&dir, ".");
    let line_for = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("./{name}:")))
            .unwrap_or_else(|| panic!("no message for {name}:\n{out}"))
            .to_string()
    };
    assert!(line_for("invalid_utf8.py").contains("WS901 (error) file is not valid UTF-8"));
    assert!(line_for("latin1.py").contains("coding: latin-1"));
    assert!(
        out.contains("./nul.py:7:6: WS902 (error) syntax error"),
        "{out}"
    );
    // Met in a walk, entries that are not regular files are skipped, as ruff does (issue 17).
    for name in ["fifo.py", "broken.py", "loop_a.py", "loop_b.py"] {
        assert!(!out.contains(&format!("./{name}:")), "{name}: {out}");
    }
    // Files that were fine got fixed, with their bytes kept.
    let read = |name: &str| String::from_utf8(fs::read(dir.join(name)).unwrap()).unwrap();
    assert_eq!(read("bom.py"), format!("\u{feff}{}", fixed(HEADER)));
    assert_eq!(read("crlf.py"), fixed(&legacy("\r\n")));
    assert_eq!(read("cr.py"), fixed(&legacy("\r")));
    assert_eq!(read("dir.py/inside.py"), fixed(HEADER));
    assert_eq!(fs::read(dir.join("latin1.py")).unwrap(), latin1);
    assert_eq!(fs::read(dir.join("empty.py")).unwrap(), b"");
    assert!(fs::symlink_metadata(dir.join("broken.py"))
        .unwrap()
        .file_type()
        .is_symlink());

    // Named explicitly, each odd path is a per-file message, never a crash.
    for name in ["fifo.py", "broken.py", "loop_a.py", "dir.py", "empty.py"] {
        survive(&dir, name);
    }
    let named = |name: &str| survive(&dir, name);
    assert!(named("fifo.py").contains("WS901 (error) cannot read file: not a regular file"));
    assert!(named("broken.py").contains("broken.py:1:1: WS901 (error) cannot read file"));
    assert!(named("loop_a.py").contains("loop_a.py:1:1: WS901"));
}

#[test]
fn unreadable_file() {
    let dir = scratch("rel-unreadable");
    write(&dir, "secret.py", HEADER);
    fs::set_permissions(dir.join("secret.py"), fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(dir.join("secret.py")).is_ok() {
        eprintln!("skipped: running as root, so mode 000 does not stop reading");
        return;
    }
    let out = survive(&dir, ".");
    assert!(out.contains("./secret.py:1:1: WS901"), "{out}");
}

/// A small deterministic generator: no dependency needed for "random" moments.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn sigkill_during_fix_leaves_every_file_old_or_new() {
    let files = 300;
    let old: Vec<String> = (0..files)
        .map(|i| {
            format!(
                "import websockets\n\n\nasync def handler_{i}(uri):\n    async with websockets.connect(uri) as ws:\n        ws.fail_connection(1011, \"stop {i}\")\n{}",
                "# padding so that writes take a little while\n".repeat(i % 50)
            )
        })
        .collect();
    let new: Vec<String> = old
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.replace(
                &format!("ws.fail_connection(1011, \"stop {i}\")"),
                &format!("await ws.close(1011, \"stop {i}\")"),
            )
        })
        .collect();
    let dir = scratch("rel-sigkill");
    let reset = || {
        for (i, text) in old.iter().enumerate() {
            fs::write(dir.join(format!("m{i:03}.py")), text).unwrap();
        }
    };
    // One normal run: its result is "new", it leaves no temporary file, and it tells how long a
    // run takes.
    reset();
    let started = Instant::now();
    let out = run(&dir, &["check", "--fix", "-q", "."]);
    let full = started.elapsed();
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    for (i, text) in new.iter().enumerate() {
        assert_eq!(
            &fs::read_to_string(dir.join(format!("m{i:03}.py"))).unwrap(),
            text
        );
    }
    let leftovers = |dir: &Path| {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".wsmigrate-") && n.ends_with(".tmp"))
            .count()
    };
    assert_eq!(leftovers(&dir), 0);

    let mut random = Lcg(std::process::id() as u64 ^ 0x5eed);
    // Kill moments are drawn from [early, late] (microseconds after spawn). A kill that found
    // every file old came too early, one that found every file new too late: the bounds move
    // half way towards it, so the draws home in on the writing phase, which is the point of
    // the test (a kill there must leave a mix of old and new files, none torn).
    let (mut early, mut late) = (0u64, (full.as_micros() as u64 * 12 / 10).max(1000));
    let budget = Instant::now();
    let mut trials = 0;
    let mut mixed_runs = 0;
    while (trials < 30 || mixed_runs == 0) && budget.elapsed() < Duration::from_secs(60) {
        trials += 1;
        let delay = early + random.below(late - early + 1);
        reset();
        let mut child = bin()
            .current_dir(&dir)
            .args(["check", "--fix", "-q", "."])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill(); // SIGKILL on Unix.
        let _ = child.wait();
        let mut olds = 0;
        for i in 0..files {
            let text = fs::read_to_string(dir.join(format!("m{i:03}.py"))).unwrap();
            if text == old[i] {
                olds += 1;
            } else {
                assert_eq!(
                    text,
                    new[i],
                    "trial {trial}: m{i:03}.py is neither old nor new",
                    trial = trials
                );
            }
        }
        if olds > 0 && olds < files {
            mixed_runs += 1;
        } else if olds == files {
            early = (early + delay) / 2;
        } else {
            late = late.midpoint(delay).max(early + 1);
        }
        // Temporary files of a killed run may stay; they are never `.py` files.
        for entry in fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") {
                fs::remove_file(dir.join(name)).unwrap();
            }
        }
    }
    eprintln!("{trials} kill trials, {mixed_runs} stopped half way through the corpus");
    assert!(trials >= 10, "too few trials in the time budget");
    assert!(
        mixed_runs > 0,
        "no kill of {trials} landed while files were being written (window {early}..{late} µs): \
         the property was never exercised"
    );
}

/// A file that disappears between discovery and reading (simulated through the library: the
/// path is handed to the per-file step after it is gone).
#[test]
fn file_deleted_after_discovery() {
    use wsmigrate::pipeline::{process_path, Context, Mode};
    use wsmigrate::settings::{FailConnectionStyle, Selection, Settings, Target};
    let dir = scratch("rel-deleted");
    write(&dir, "gone.py", HEADER);
    let selection = Selection::default();
    let known: Vec<_> = wsmigrate::rules::ALL.iter().map(|r| r.meta()).collect();
    let settings = Settings {
        rules: selection
            .resolve(&known, wsmigrate::rules::Version::LATEST)
            .unwrap(),
        target: Target {
            version: wsmigrate::rules::Version::LATEST,
            reason: String::new(),
        },
        fail_connection_style: FailConnectionStyle::Close,
        fix_applicability: wsmigrate::diagnostic::Applicability::Safe,
        unused_noqa: true,
        per_file_ignores: Default::default(),
        src: Vec::new(),
    };
    let context = Context::new(&settings, Mode::Fix);
    fs::remove_file(dir.join("gone.py")).unwrap();
    let report = process_path(&dir.join("gone.py"), &context);
    assert_eq!(report.messages.len(), 1);
    assert_eq!(report.messages[0].rule.code, "WS901");
    assert!(report.messages[0].message.contains("cannot read file"));
    assert!(!report.internal_error);
}

/// Every `.py` file of this machine's Python standard library and its site-packages, parsed
/// and checked with the prefilter off: no panic, no internal error, no dropped fix. Files that
/// cannot be read or parsed are counted and must be genuine (Python 2 syntax, encoding tests).
#[test]
fn python_standard_library_corpus() {
    let Ok(out) = std::process::Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
    else {
        eprintln!("skipped: no python3");
        return;
    };
    let stdlib = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let dir = scratch("rel-stdlib");
    let out = run(
        &dir,
        &[
            "check",
            "--no-prefilter",
            "--exclude",
            "",
            "--output-format",
            "json-lines",
            &stdlib,
        ],
    );
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(code(&out) <= 1, "exit {}: {err}", code(&out));
    let mut failed = std::collections::BTreeSet::new();
    for line in stdout(&out).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let code = v["code"].as_str().unwrap();
        assert_ne!(code, "WS903", "{line}");
        if code == "WS901" || code == "WS902" {
            failed.insert(v["filename"].as_str().unwrap().to_string());
        }
    }
    eprintln!(
        "{stdlib}: {} files could not be read or parsed:",
        failed.len()
    );
    for path in &failed {
        eprintln!("  {path}");
    }
    assert!(failed.len() < 50, "{failed:#?}");
}
