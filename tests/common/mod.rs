//! Helpers shared by the CLI tests: run the real binary, make scratch directories.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wsmigrate"));
    cmd.env_remove("NO_COLOR").stdin(Stdio::null());
    cmd
}

/// Runs `wsmigrate ARGS` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run wsmigrate")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// A fresh directory under `target/test-scratch/`, removed and recreated on each call.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether this process runs as root (uid 0), where file permissions do not stop reading.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Uid:"))?.to_owned();
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

/// `wsmigrate` run by an unprivileged user, so that file permissions apply. As root (how CI
/// runs) it goes through `setpriv` as uid/gid 65534 (`nobody`/`nogroup`); the files it must
/// read have to be readable by that user (scratch directories are: 0755 / 0644).
pub fn bin_unprivileged() -> Command {
    if !is_root() {
        return bin();
    }
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_wsmigrate"))
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    cmd
}

/// Whether the tests run under CI (`CI=true` or `CI=1`, as `.ci/run` sets it).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A test that cannot run its check calls this and returns. Under CI that is a failure (CI
/// installs everything the tests need). Elsewhere the skip is recorded: a `SKIPPED: <test>:
/// <reason>` line on stderr and in `target/tmp/skipped-tests.log`, which `.ci/run` counts, so a
/// test that returned early is reported as skipped rather than passed.
/// Records a measurement a test makes (a time, a size) so that `.ci/run` prints it after the
/// run: libtest captures the output of tests that pass.
#[allow(dead_code)]
pub fn record_measurement(line: &str) {
    eprintln!("{line}");
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("measurements.log");
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()));
    if let Err(e) = appended {
        eprintln!("could not record the measurement in {}: {e}", log.display());
    }
}

pub fn skip(test: &str, reason: &str) {
    assert!(
        !under_ci(),
        "{test} cannot run its check under CI: {reason}"
    );
    let line = format!("SKIPPED: {test}: {reason}\n");
    eprint!("{line}");
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.log");
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
    if let Err(e) = appended {
        eprintln!("could not record the skip in {}: {e}", log.display());
    }
}
