//! The README's "no false alarms on other people's code" claim, checked: `tests/pypi/corpus.py`
//! downloads the wheels pinned in `tests/pypi/packages.toml` from PyPI into
//! `target/pypi-corpus/` (once), runs the real binary on them and checks the pinned finding
//! counts, that `--fix --unsafe-fixes` leaves every file compilable by CPython, and that a second
//! `--fix` changes nothing. This test also checks that the README quotes the table's totals.
//!
//! Opt-in locally (`WSMIGRATE_PYPI_TEST=1`: it needs the network and about two minutes); it
//! always runs under CI (`CI=true`).

mod common;

use std::process::Command;

use common::repo_root;

#[derive(serde::Deserialize)]
struct Table {
    package: Vec<Package>,
}

#[derive(serde::Deserialize)]
struct Package {
    group: String,
    #[serde(default)]
    findings: usize,
}

#[test]
fn readme_quotes_the_pinned_totals() {
    let root = repo_root();
    let text = std::fs::read_to_string(root.join("tests/pypi/packages.toml")).unwrap();
    let table: Table = toml::from_str(&text).unwrap();
    let legacy: Vec<_> = table
        .package
        .iter()
        .filter(|p| p.group == "legacy")
        .collect();
    let others = table.package.len() - legacy.len();
    let findings: usize = legacy.iter().map(|p| p.findings).sum();
    let readme = std::fs::read_to_string(root.join("README.md"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for claim in [
        format!("on {} real packages from PyPI", table.package.len()),
        format!("{} written against the legacy API", legacy.len()),
        format!("gave {findings} findings"),
        format!("{others} that have their own"),
    ] {
        assert!(
            readme.contains(&claim),
            "README does not say {claim:?} (tests/pypi/packages.toml)"
        );
    }
}

#[test]
fn real_packages_from_pypi() {
    let enabled = std::env::var("WSMIGRATE_PYPI_TEST").is_ok_and(|v| v == "1");
    if !enabled && !common::under_ci() {
        common::skip(
            "real_packages_from_pypi",
            "opt-in: set WSMIGRATE_PYPI_TEST=1 (downloads 23 wheels from PyPI)",
        );
        return;
    }
    let python = std::env::var("WSMIGRATE_PYTHON").unwrap_or_else(|_| "python3".into());
    let root = repo_root();
    let output = Command::new(&python)
        .arg(root.join("tests/pypi/corpus.py"))
        .arg("--wsmigrate")
        .arg(env!("CARGO_BIN_EXE_wsmigrate"))
        .arg("--work")
        .arg(root.join("target/pypi-corpus"))
        .current_dir(&root)
        .output()
        .expect("run tests/pypi/corpus.py (Python 3.11+ with pip)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "PyPI corpus failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
