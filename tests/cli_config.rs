//! Configuration files and `--target-version auto` through the real binary.

mod common;

use std::fs;
use std::path::Path;

use common::{code, run, scratch, stderr, stdout};

const LEGACY: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        ws.fail_connection(1011, \"boom\")\n";

fn project(files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = scratch("config");
    // A project root of its own, so nothing above the scratch directory is read.
    fs::create_dir_all(dir.join(".git")).unwrap();
    for (name, text) in files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check", "--output-format", "concise"];
    all.extend_from_slice(args);
    let out = run(dir, &all);
    (code(&out), stdout(&out), stderr(&out))
}

#[test]
fn pyproject_table_is_found_from_a_subdirectory() {
    let dir = project(&[
        ("pkg/a.py", LEGACY),
        ("pyproject.toml", "[tool.wsmigrate]\nignore = [\"WS001\"]\n"),
    ]);
    let (rc, out, _) = check(&dir.join("pkg"), &["a.py"]);
    assert_eq!(rc, 0, "{out}");
    let (rc, ..) = check(&dir.join("pkg"), &["--isolated", "a.py"]);
    assert_eq!(rc, 1);
}

#[test]
fn wsmigrate_toml_and_explicit_config() {
    let dir = project(&[
        ("a.py", LEGACY),
        ("wsmigrate.toml", "output-format = \"json\"\nfix = true\n"),
        (
            "other.toml",
            "select = [\"WS001\"]\nextend-exclude = [\"a.py\"]\n",
        ),
    ]);
    let (rc, out, _) = check(&dir, &["--config", "other.toml", "."]);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(fs::read_to_string(dir.join("a.py")).unwrap(), LEGACY);
    // The discovered file: fix = true, and its output format unless the command line names one.
    let out = run(&dir, &["check", "."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value[0]["fixed"], true);
    assert!(fs::read_to_string(dir.join("a.py"))
        .unwrap()
        .contains("await ws.close(1011"));
}

#[test]
fn per_file_ignores_apply_before_fixing() {
    let dir = project(&[
        ("tests/test_a.py", LEGACY),
        ("src/a.py", LEGACY),
        (
            "pyproject.toml",
            "[tool.wsmigrate]\nper-file-ignores = { \"tests/*.py\" = [\"WS001\"] }\n",
        ),
    ]);
    let (rc, out, _) = check(&dir, &["--fix", "."]);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(
        fs::read_to_string(dir.join("tests/test_a.py")).unwrap(),
        LEGACY
    );
    assert_ne!(fs::read_to_string(dir.join("src/a.py")).unwrap(), LEGACY);
}

#[test]
fn unknown_key_points_at_the_key_and_suggests() {
    let dir = project(&[
        ("a.py", LEGACY),
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n\n[tool.wsmigrate]\nextend_select = [\"WS001\"]\n",
        ),
    ]);
    let (rc, _, err) = check(&dir, &["."]);
    assert_eq!(rc, 2);
    assert!(err.contains("unknown field `extend_select`"), "{err}");
    assert!(err.contains("5 │ extend_select"), "{err}");
    assert!(err.contains("did you mean `extend-select`?"), "{err}");
}

#[test]
fn bad_values_point_at_the_value() {
    for (text, expected) in [
        (
            "select = [\"WS001\", \"XY9\"]\n",
            "unknown rule selector `XY9`",
        ),
        (
            "target-version = \"12.0\"\n",
            "invalid target version `12.0`",
        ),
        ("output-format = \"xml\"\n", "unknown variant `xml`"),
        ("fix = \"yes\"\n", "invalid type"),
    ] {
        let dir = project(&[("a.py", LEGACY), ("wsmigrate.toml", text)]);
        let (rc, _, err) = check(&dir, &["."]);
        assert_eq!(rc, 2, "{text}");
        assert!(err.contains(expected), "{text}: {err}");
        assert!(err.contains("1 │ "), "{err}");
    }
}

#[test]
fn src_must_list_directories() {
    for (text, expected) in [
        (
            "src = \"lib\"\n",
            "invalid type: string \"lib\", expected a sequence",
        ),
        ("src = [\"\"]\n", "an empty `src` entry names no directory"),
        (
            "src = [\"a.py\"]\n",
            "`src` entry `a.py` is not a directory",
        ),
        (
            "src = [1]\n",
            "invalid type: integer `1`, expected a string",
        ),
    ] {
        let dir = project(&[("a.py", LEGACY), ("wsmigrate.toml", text)]);
        let (rc, out, err) = check(&dir, &["."]);
        assert_eq!(rc, 2, "{text}: {out}");
        assert!(err.contains(expected), "{text}: {err}");
        assert!(err.contains("1 │ "), "{err}");
    }
}

/// `[tool.wsmigrate] src` in pyproject.toml: a handler in `lib/` that never mentions
/// websockets is reached from the module under `src/` that serves it, by its name under `lib`.
#[test]
fn src_roots_link_modules_across_roots() {
    let server = "from websockets.legacy.server import serve\n\nfrom handlers import echo\n\n\
                  \nasync def main():\n    async with serve(echo, \"localhost\", 8765):\n        \
                  pass\n";
    let handler = "async def echo(websocket, path):\n    await websocket.send(path)\n";
    let files = [
        ("src/app/__init__.py", ""),
        ("src/app/server.py", server),
        ("lib/handlers.py", handler),
    ];
    let reported = |pyproject: &str| {
        let mut all = files.to_vec();
        all.push(("pyproject.toml", pyproject));
        let dir = project(&all);
        let (rc, out, err) = check(&dir, &["--target-version", "17.0", "."]);
        assert_eq!(rc, 1, "{out}{err}");
        out.contains("lib/handlers.py:1:11: WS301")
    };
    assert!(reported("[tool.wsmigrate]\nsrc = [\"src\", \"lib\"]\n"));
    // The default roots (`.` and `src`) do not hold `lib/handlers.py` as `handlers`.
    assert!(!reported("[tool.wsmigrate]\n"));
}

#[test]
fn target_version_auto_reads_the_project_requirement() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\ndependencies = [\"websockets>=15,<16\"]\n",
            "target websockets 15.0 (from pyproject.toml: websockets>=15,<16)",
        ),
        (
            "pyproject.toml",
            "[tool.poetry.dependencies]\nwebsockets = { version = \"^14.2\" }\n",
            "target websockets 14.2 (from pyproject.toml: websockets ^14.2)",
        ),
        (
            "requirements-dev.txt",
            "pytest\nwebsockets[speedups]~=16.0  # pinned\n",
            "target websockets 16.0 (from requirements-dev.txt: websockets[speedups]~=16.0)",
        ),
        (
            "uv.lock",
            "version = 1\n\n[[package]]\nname = \"websockets\"\nversion = \"15.0.1\"\n",
            "target websockets 15.0 (from uv.lock: websockets==15.0.1)",
        ),
        (
            "requirements.txt",
            "websockets>=10\n",
            "target websockets 14.0 (from requirements.txt: websockets>=10, raised to",
        ),
        ("README.md", "", "target websockets 17.4 (latest release"),
    ];
    for (name, text, expected) in cases {
        let dir = project(&[("a.py", LEGACY), (name, text)]);
        let (rc, out, err) = check(&dir, &["."]);
        assert_eq!(rc, 1, "{err}");
        assert!(out.contains(expected), "{name}: {out}");
    }
    let dir = project(&[("a.py", LEGACY), ("requirements.txt", "websockets>=15\n")]);
    let (_, out, _) = check(&dir, &["--target-version", "16.0", "."]);
    assert!(
        out.contains("target websockets 16.0 (from --target-version)"),
        "{out}"
    );
}
