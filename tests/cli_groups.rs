//! Coherent migration through the CLI: a legacy import switches together with every use that
//! depends on it, or not at all — and `check` says so before `--fix` runs.

mod common;

use std::fs;

use common::*;

const LEGACY: &str = "\
from websockets.legacy.client import connect


async def main():
    async with connect(\"ws://localhost:8765\") as ws:
        print(ws.response_headers)
        print(ws.host)
";

#[test]
fn a_use_without_fix_blocks_the_import_switch_in_check_and_fix() {
    let dir = scratch("groups");
    fs::write(dir.join("a.py"), LEGACY).unwrap();
    let out = run(&dir, &["check", "--output-format", "json", "a.py"]);
    assert_eq!(code(&out), 1);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json.as_array().unwrap();
    let codes: Vec<&str> = findings
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"WS101") && codes.contains(&"WS003") && codes.contains(&"WS004"),
        "{codes:?}"
    );
    for d in findings
        .iter()
        .filter(|d| d["code"] == "WS101" || d["code"] == "WS003")
    {
        assert!(
            d["fix"].is_null(),
            "blocked group must not look fixable: {d}"
        );
    }
    // The import lists each blocking use once; the members point to the import.
    let import = findings.iter().find(|d| d["code"] == "WS101").unwrap();
    assert!(
        import["help"].as_str().unwrap().contains(
            "1 use of this legacy import needs manual migration before the import can switch"
        ),
        "{import}"
    );
    let related = import["related"].as_array().unwrap();
    assert_eq!(related.len(), 1, "{import}");
    assert_eq!(related[0]["code"], "WS004");
    assert_eq!(related[0]["location"]["row"], 7);
    assert!(related[0]["message"].as_str().unwrap().contains("ws.host"));
    let member = findings.iter().find(|d| d["code"] == "WS003").unwrap();
    assert!(
        !member["help"]
            .as_str()
            .unwrap()
            .contains("manual migration"),
        "{member}"
    );
    assert_eq!(member["related"][0]["code"], "WS101");
    assert_eq!(member["related"][0]["location"]["row"], 1);
    let out = run(&dir, &["check", "--fix", "--unsafe-fixes", "a.py"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        fs::read_to_string(dir.join("a.py")).unwrap(),
        LEGACY,
        "nothing half-migrated"
    );
}

#[test]
fn a_suppressed_use_still_blocks_the_switch() {
    let dir = scratch("groups-noqa");
    let source = LEGACY.replace("print(ws.host)", "print(ws.host)  # noqa: WS004");
    fs::write(dir.join("a.py"), &source).unwrap();
    let out = run(&dir, &["check", "--fix", "--unsafe-fixes", "a.py"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert_eq!(fs::read_to_string(dir.join("a.py")).unwrap(), source);
}

#[test]
fn without_blockers_import_and_uses_switch_together() {
    let dir = scratch("groups-ok");
    let source = LEGACY.replace("        print(ws.host)\n", "");
    fs::write(dir.join("a.py"), &source).unwrap();
    let out = run(&dir, &["check", "--fix", "--unsafe-fixes", "a.py"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let fixed = fs::read_to_string(dir.join("a.py")).unwrap();
    assert!(
        fixed.contains("from websockets.asyncio.client import connect"),
        "{fixed}"
    );
    assert!(fixed.contains("ws.response.headers"), "{fixed}");
}
