//! End-to-end proof that fixes work: legacy programs from `fixtures/e2e/` run under real
//! websockets 13.1, are migrated with `check --fix --unsafe-fixes`, and must print the same
//! transcript under real websockets 17.x. The driver (`tests/e2e/driver.py`) creates both venvs
//! under `target/e2e-venvs/` once (pip, from PyPI) and reuses them.
//!
//! Without Python the test fails under CI (`CI=true`); elsewhere it is recorded as skipped
//! (`common::skip`), which `.ci/run` counts.

mod common;

use std::process::Command;

use common::repo_root;

#[test]
fn migrated_programs_behave_the_same_on_websockets_17() {
    let python = std::env::var("WSMIGRATE_PYTHON").unwrap_or_else(|_| "python3".into());
    let has_python = Command::new(&python)
        .args(["-c", "import venv, tomllib"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_python {
        common::skip(
            "migrated_programs_behave_the_same_on_websockets_17",
            &format!("no `{python}` 3.11+ with venv and tomllib (set WSMIGRATE_PYTHON)"),
        );
        return;
    }
    let root = repo_root();
    let output = Command::new(&python)
        .arg(root.join("tests/e2e/driver.py"))
        .arg("--wsmigrate")
        .arg(env!("CARGO_BIN_EXE_wsmigrate"))
        .arg("--venvs")
        .arg(root.join("target/e2e-venvs"))
        .current_dir(&root)
        .output()
        .expect("run the e2e driver");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The driver's last line is `e2e: N passed, M failed`.
    println!("{stdout}");
    assert!(
        output.status.success(),
        "e2e driver failed:\n{stdout}\n{stderr}"
    );
}
