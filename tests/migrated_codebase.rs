//! A codebase written for the new implementation (`fixtures/migrated/`: explicit
//! `websockets.asyncio.*` imports, the APIs the upgrade guide recommends) must give zero findings
//! and exit 0 — by default, and with every rule on. A note that fired forever on migrated code
//! would make "migrated" unreachable.

mod common;

use std::fs;

use common::*;

fn copy_migrated() -> std::path::PathBuf {
    let dir = scratch("migrated");
    for entry in fs::read_dir(repo_root().join("fixtures/migrated")).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn migrated_code_gives_no_finding_by_default() {
    let dir = copy_migrated();
    let out = run(&dir, &["check", "--output-format", "json", "."]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(0), "{json}");
}

#[test]
fn migrated_code_gives_no_finding_with_every_rule() {
    let dir = copy_migrated();
    for target in ["14.1", "17.0", "17.4"] {
        let out = run(
            &dir,
            &["check", "--select", "WS", "--target-version", target, "."],
        );
        assert_eq!(
            code(&out),
            0,
            "target {target}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
}
