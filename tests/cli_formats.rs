//! Machine-readable formats and stdin, through the real binary. The SARIF test validates the
//! output against the official SARIF 2.1.0 schema as shipped in the npm package
//! `@microsoft/sarif-multitool-linux` (installed under `target/` on first use), with Python's
//! `jsonschema`, and runs the multitool's own `validate` verb over it.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{bin, code, run, scratch, stderr, stdout};

const LEGACY: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        ws.fail_connection(1011, \"boom\")\n        await ws.close()  # noqa: WS001\n";

fn project() -> PathBuf {
    let dir = scratch("formats");
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(dir.join("a.py"), LEGACY).unwrap();
    fs::write(dir.join("b.py"), b"import websockets\nx = '\xff'\n").unwrap();
    dir
}

#[test]
fn json_lines_streams_one_object_per_line() {
    let dir = project();
    let out = run(&dir, &["check", "--output-format", "json-lines", "."]);
    assert_eq!(code(&out), 1);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let codes: Vec<&str> = lines.iter().map(|v| v["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["WS001", "WS904", "WS901"]);
    assert_eq!(lines[0]["filename"], "./a.py");
    assert_eq!(lines[2]["severity"], "error");
}

#[test]
fn github_annotations() {
    let dir = project();
    let out = run(&dir, &["check", "--output-format", "github", "."]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(
            "::error file=a.py,line=6,col=9,endLine=6,endColumn=41,title=WS001::`ws.fail_connection()`"
        ),
        "{text}"
    );
    assert!(
        lines[1].starts_with("::notice file=a.py,line=7,col=27,")
            && lines[1].contains("title=WS904::"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("::error file=b.py,line=1,col=1,"),
        "{text}"
    );
}

#[test]
fn sarif_structure() {
    let dir = project();
    let out = run(&dir, &["check", "--output-format", "sarif", "."]);
    assert_eq!(code(&out), 1);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "WS001"));
    assert!(rules.iter().any(|r| r["id"] == "WS904"));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let first = &results[0];
    assert_eq!(first["ruleId"], "WS001");
    assert_eq!(
        rules[first["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "WS001"
    );
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a.py"
    );
    assert_eq!(
        first["locations"][0]["physicalLocation"]["region"]["startLine"],
        6
    );
    let change = &first["fixes"][0]["artifactChanges"][0];
    assert!(!change["replacements"].as_array().unwrap().is_empty());
}

/// A Python that can `import jsonschema`: the system one, or a venv under `target/` with
/// jsonschema from PyPI.
fn python_with_jsonschema() -> PathBuf {
    let has = |python: &Path| {
        Command::new(python)
            .args(["-c", "import jsonschema"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let system = PathBuf::from("python3");
    if has(&system) {
        return system;
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../sarif-venv");
    let python = venv.join("bin/python3");
    if !has(&python) {
        let _ = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status();
        let _ = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "jsonschema"])
            .status();
    }
    python
}

/// `target/sarif-validator`: the npm package with the multitool and the schema.
fn sarif_validator() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../sarif-validator");
    let package = root.join("node_modules/@microsoft/sarif-multitool-linux");
    if !package.join("sarif-2.1.0.json").is_file() {
        fs::create_dir_all(&root).ok()?;
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&root)
            .arg("@microsoft/sarif-multitool@5.7.0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
    }
    package
        .join("sarif-2.1.0.json")
        .is_file()
        .then_some(package)
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let Some(package) = sarif_validator() else {
        common::skip(
            "sarif_validates_against_the_official_schema",
            "npm could not install @microsoft/sarif-multitool",
        );
        return;
    };
    let dir = project();
    let out = run(&dir, &["check", "--output-format", "sarif", "."]);
    let log = dir.join("out.sarif");
    fs::write(&log, &out.stdout).unwrap();

    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  log = json.load(open(sys.argv[2]))\n\
                  cls = jsonschema.validators.validator_for(schema)\n\
                  errors = [e.message for e in cls(schema).iter_errors(log)]\n\
                  print('\\n'.join(errors))\n\
                  sys.exit(1 if errors else 0)\n";
    let python = Command::new(python_with_jsonschema())
        .arg("-c")
        .arg(script)
        .arg(package.join("sarif-2.1.0.json"))
        .arg(&log)
        .output();
    match python {
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("No module named 'jsonschema'") => {
            common::skip(
                "sarif_validates_against_the_official_schema",
                "jsonschema could not be installed",
            );
            return;
        }
        Ok(o) => assert!(
            o.status.success(),
            "schema errors:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            common::skip(
                "sarif_validates_against_the_official_schema",
                &format!("no python: {e}"),
            );
            return;
        }
    }

    // The multitool's own rules (SARIF1xxx/2xxx): nothing at error or warning level.
    let tool = package.join("Sarif.Multitool");
    let mut perms = fs::metadata(&tool).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    fs::set_permissions(&tool, perms).unwrap();
    let report = dir.join("validation.sarif");
    let status = Command::new(&tool)
        .arg("validate")
        .arg(&log)
        .arg("-o")
        .arg(&report)
        .args(["--level", "Error;Warning", "--kind", "Fail"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let validation: serde_json::Value =
        serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    let results = validation["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(results.is_empty(), "{results:#?}");
}

fn stdin_run(dir: &Path, args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn stdin_check_reports_under_the_given_name() {
    let dir = project();
    let out = stdin_run(
        &dir,
        &[
            "check",
            "--output-format",
            "concise",
            "--stdin-filename",
            "pkg/x.py",
            "-",
        ],
        LEGACY.as_bytes(),
    );
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.starts_with("pkg/x.py:6:9: WS001"), "{text}");
    assert!(!dir.join("pkg").exists());
}

#[test]
fn stdin_fix_writes_source_to_stdout_and_findings_to_stderr() {
    let dir = project();
    let input = LEGACY.replace('\n', "\r\n");
    let out = stdin_run(
        &dir,
        &[
            "check",
            "--fix",
            "--output-format",
            "concise",
            "--stdin-filename",
            "x.py",
            "-",
        ],
        input.as_bytes(),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let expected = input
        .replace(
            "ws.fail_connection(1011, \"boom\")",
            "await ws.close(1011, \"boom\")",
        )
        .replace("  # noqa: WS001", "");
    assert_eq!(stdout(&out), expected);
    assert!(
        stderr(&out).contains("Fixed 2 problems, 0 remaining."),
        "{}",
        stderr(&out)
    );

    // Nothing to fix: the source comes back byte for byte.
    let clean = b"\xEF\xBB\xBFimport json\r\n";
    let out = stdin_run(
        &dir,
        &["check", "--fix", "--stdin-filename", "y.py", "-"],
        clean,
    );
    assert_eq!(code(&out), 0);
    assert_eq!(out.stdout, clean);
}

#[test]
fn stdin_config_and_force_exclude_apply_as_if_the_file_were_there() {
    let dir = project();
    fs::write(
        dir.join("pyproject.toml"),
        "[tool.wsmigrate]\nextend-exclude = [\"generated\"]\nper-file-ignores = { \"legacy/*.py\" = [\"WS001\"] }\n",
    )
    .unwrap();
    let args = |name: &'static str| {
        [
            "check",
            "--output-format",
            "concise",
            "--stdin-filename",
            name,
            "-",
        ]
    };
    let out = stdin_run(&dir, &args("legacy/x.py"), LEGACY.as_bytes());
    assert!(!stdout(&out).contains("WS001 ("), "{}", stdout(&out));
    let mut force = args("generated/x.py").to_vec();
    force.insert(1, "--force-exclude");
    let out = stdin_run(&dir, &force, LEGACY.as_bytes());
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

/// The JSON fields are a stable interface (README, "JSON output"): exactly these keys.
#[test]
fn json_fields_are_stable() {
    let dir = project();
    let out = run(&dir, &["check", "--output-format", "json", "."]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    for item in value.as_array().unwrap() {
        assert_eq!(
            keys(item),
            [
                "code",
                "end_location",
                "filename",
                "fix",
                "fixed",
                "help",
                "location",
                "message",
                "name",
                "noqa_row",
                "severity",
                "url"
            ]
        );
        assert_eq!(keys(&item["location"]), ["column", "row"]);
        if let Some(fix) = item["fix"].as_object() {
            let mut k: Vec<&String> = fix.keys().collect();
            k.sort();
            assert_eq!(k, ["applicability", "edits", "message"]);
            for edit in fix["edits"].as_array().unwrap() {
                assert_eq!(keys(edit), ["content", "end_location", "location"]);
            }
        }
        let severity = item["severity"].as_str().unwrap();
        assert!(["error", "deprecation", "note"].contains(&severity));
    }
}
