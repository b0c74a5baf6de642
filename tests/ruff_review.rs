//! Review test on real code with real ruff (issue 13): 14 pinned PyPI packages written against
//! the legacy websockets API are migrated with `check --fix --unsafe-fixes`; ruff 0.14.14 (from
//! PyPI, in a venv under `target/ruff-review/`) must find no new F821, F401, I001, E501 or
//! RUF006, and every changed file `ruff format --check` accepted before must still pass. The
//! driver (`tests/ruff_review/driver.py`) prints the counts per package.
//!
//! It needs Python 3.11+ and PyPI: under CI (`CI=true`) their absence fails the test; elsewhere
//! it is skipped, loudly.

mod common;

use std::process::Command;

use common::repo_root;

#[test]
fn migrated_real_packages_pass_ruff_as_before() {
    let python = std::env::var("WSMIGRATE_PYTHON").unwrap_or_else(|_| "python3".into());
    let has_python = Command::new(&python)
        .args(["-c", "import venv, tomllib, tarfile, zipfile"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_python {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "Python 3.11+ with venv is required for the ruff review under CI"
        );
        eprintln!("SKIPPED ruff review: no `{python}` with venv (set WSMIGRATE_PYTHON)");
        return;
    }
    let root = repo_root();
    let output = Command::new(&python)
        .arg(root.join("tests/ruff_review/driver.py"))
        .arg("--wsmigrate")
        .arg(env!("CARGO_BIN_EXE_wsmigrate"))
        .arg("--base")
        .arg(root.join("target/ruff-review"))
        .current_dir(&root)
        .output()
        .expect("run the ruff review driver");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "ruff review failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("ruff-review: 14 passed, 0 failed"),
        "{stdout}"
    );
}
