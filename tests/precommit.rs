//! The pre-commit hooks for real: pre-commit from PyPI in a venv under `target/`, a temporary git
//! repository with a legacy file, and `.pre-commit-config.yaml` pointing at this checkout at its
//! HEAD commit: it tests what is committed, not the working tree (so commit first). pre-commit
//! builds wsmigrate with `cargo install` (the quick `release` profile; see Cargo.toml) and the
//! test prints how long that first run took:
//!
//!     WSMIGRATE_PRECOMMIT_TEST=1 cargo test --test precommit
//!     cargo test --test precommit -- --ignored      (the same, without the variable)

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use common::{repo_root, scratch};

/// The goal for the first `pre-commit run`, in seconds.
const GOAL_SECS: u32 = 150;

const LEGACY: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        ws.fail_connection(1011, \"boom\")\n";

fn sh(dir: &Path, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
    Command::new(program)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run command")
}

fn ok(output: Output, what: &str) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{what} failed:\n{text}");
    text
}

/// `target/precommit-venv/bin/pre-commit`, installed on first use.
fn pre_commit() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../precommit-venv");
    let exe = venv.join("bin/pre-commit");
    if !exe.is_file() {
        let root = repo_root();
        ok(
            sh(&root, "python3", &["-m", "venv", venv.to_str().unwrap()]),
            "python3 -m venv",
        );
        ok(
            sh(
                &root,
                venv.join("bin/pip"),
                &["install", "--quiet", "pre-commit"],
            ),
            "pip install pre-commit",
        );
    }
    exe
}

fn run_hooks() {
    let root = repo_root();
    let head = ok(sh(&root, "git", &["rev-parse", "HEAD"]), "git rev-parse");
    let head = head.trim();
    let dir = scratch("precommit");
    ok(sh(&dir, "git", &["init", "-q"]), "git init");
    fs::write(dir.join("client.py"), LEGACY).unwrap();
    fs::create_dir_all(dir.join("vendored")).unwrap();
    fs::write(dir.join("vendored/old.py"), LEGACY).unwrap();
    fs::write(
        dir.join("pyproject.toml"),
        "[tool.wsmigrate]\nextend-exclude = [\"vendored\"]\n",
    )
    .unwrap();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {head}\n    hooks:\n      - id: wsmigrate\n      - id: wsmigrate-fix\n        stages: [manual]\n",
        root.display()
    );
    fs::write(dir.join(".pre-commit-config.yaml"), config).unwrap();
    ok(sh(&dir, "git", &["add", "-A"]), "git add");

    let pre_commit = pre_commit();
    let home = dir.join(".cache-pre-commit");
    let hook = |args: &[&str]| {
        Command::new(&pre_commit)
            .current_dir(&dir)
            .env("PRE_COMMIT_HOME", &home)
            // A first install builds from scratch, in cargo's own temporary target directory.
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .args(args)
            .output()
            .unwrap()
    };
    // The first run on a fresh PRE_COMMIT_HOME clones the repository and builds wsmigrate with
    // `cargo install` (the `release` profile): what every user pays on their first commit.
    let started = Instant::now();
    let check = hook(&["run", "wsmigrate", "--all-files"]);
    let first = started.elapsed().as_secs_f64();
    common::record_measurement(&format!(
        "first `pre-commit run` on a fresh PRE_COMMIT_HOME (clone + cargo install): {first:.1} s \
         (goal: at most {GOAL_SECS} s on the project's 2-core machine; load average now: {})",
        fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    ));
    // The machine is shared, so the goal is not asserted by default; set the variable to hold a
    // run to a budget (e.g. WSMIGRATE_PRECOMMIT_BUDGET_SECS=150 on an idle machine).
    if let Some(budget) = std::env::var("WSMIGRATE_PRECOMMIT_BUDGET_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
    {
        assert!(
            first <= budget,
            "first pre-commit run took {first:.1} s, over the budget of {budget} s"
        );
    }
    let text = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(!check.status.success(), "the check hook must fail:\n{text}");
    assert!(text.contains("client.py:6:9: WS001"), "{text}");
    assert!(
        !text.contains("vendored"),
        "excluded by configuration:\n{text}"
    );

    let fix = hook(&[
        "run",
        "wsmigrate-fix",
        "--all-files",
        "--hook-stage",
        "manual",
    ]);
    let text = String::from_utf8_lossy(&fix.stdout).into_owned();
    // pre-commit fails a hook that changed files, by design.
    assert!(!fix.status.success(), "{text}");
    let fixed = fs::read_to_string(dir.join("client.py")).unwrap();
    assert!(
        fixed.contains("await ws.close(1011, \"boom\")"),
        "{fixed}\n{text}"
    );
    assert_eq!(
        fs::read_to_string(dir.join("vendored/old.py")).unwrap(),
        LEGACY
    );

    ok(sh(&dir, "git", &["add", "-A"]), "git add");
    let again = hook(&["run", "wsmigrate", "--all-files"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

/// What pre-commit installs is this checkout's committed HEAD (`rev:` is the HEAD commit), not
/// the working tree: uncommitted edits to `.pre-commit-hooks.yaml` or the sources are not
/// tested here until they are committed.
#[test]
fn precommit_hooks_when_asked() {
    if std::env::var_os("WSMIGRATE_PRECOMMIT_TEST").is_none_or(|v| v != "1") {
        eprintln!("skipped: set WSMIGRATE_PRECOMMIT_TEST=1 to run pre-commit for real");
        return;
    }
    run_hooks();
}

#[test]
#[ignore = "installs pre-commit and builds wsmigrate with cargo: minutes"]
fn precommit_hooks() {
    run_hooks();
}
