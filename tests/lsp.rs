//! `wsmigrate server` under real clients:
//! - the pytest-lsp suite in tests/lsp/ (pytest-lsp from PyPI, in a venv under `target/`);
//! - Neovim headless with its built-in LSP client (tests/lsp/neovim.lua).
//!
//! Without python3 or nvim these tests say so and pass locally; in CI (`CI` set) they fail.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{repo_root, scratch};

const BIN: &str = env!("CARGO_BIN_EXE_wsmigrate");
/// pytest-lsp is pinned: its client API is what the suite is written against.
const PYTEST_LSP: &str = "pytest-lsp==1.0.1";

/// In CI a test that cannot run fails; locally it explains why it did not run.
fn cannot_run(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("cannot run in CI: {why}");
    }
    eprintln!("NOT RUN (set up the tool to run it): {why}");
}

fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `target/lsp-venv/bin/python` with pytest-lsp installed, or why there is none.
fn venv_python() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../lsp-venv");
    let python = venv.join("bin/python");
    let has_it = |python: &Path| {
        Command::new(python)
            .args(["-c", "import pytest_lsp"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if python.is_file() && has_it(&python) {
        return Ok(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("python3 -m venv: {e}"))?;
    if !made.status.success() {
        return Err(format!("python3 -m venv failed:\n{}", output_text(&made)));
    }
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", PYTEST_LSP])
        .output()
        .map_err(|e| format!("pip: {e}"))?;
    if !pip.status.success() || !has_it(&python) {
        return Err(format!(
            "pip install {PYTEST_LSP} failed:\n{}",
            output_text(&pip)
        ));
    }
    Ok(python)
}

#[test]
fn pytest_lsp_suite() {
    let python = match venv_python() {
        Ok(python) => python,
        Err(why) => return cannot_run(&why),
    };
    let output = Command::new(python)
        .current_dir(repo_root().join("tests/lsp"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .env("WSMIGRATE_BIN", BIN)
        .output()
        .expect("run pytest");
    let text = output_text(&output);
    println!("{text}");
    assert!(output.status.success(), "pytest-lsp suite failed:\n{text}");
    // Every test ran: none skipped or deselected.
    assert!(
        !text.contains("skipped") && text.contains(" passed"),
        "{text}"
    );
}

const LEGACY: &str = "from websockets.legacy.client import connect\n\n\nasync def main():\n    async with connect(\"ws://x\") as ws:\n        if ws.open:\n            print(\"open\")\n";

#[test]
fn neovim_applies_the_quick_fix() {
    let version = Command::new("nvim").arg("--version").output().ok();
    let Some(version) = version.filter(|o| o.status.success()) else {
        return cannot_run("nvim is not installed (Debian: apt-get install neovim)");
    };
    let version = String::from_utf8_lossy(&version.stdout);
    println!("{}", version.lines().next().unwrap_or_default());
    let dir = scratch("lsp-neovim");
    fs::create_dir_all(dir.join(".git")).unwrap();
    let file = dir.join("client.py");
    fs::write(&file, LEGACY).unwrap();
    let script = repo_root().join("tests/lsp/neovim.lua");
    let mut child = Command::new("nvim")
        .current_dir(&dir)
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("WSMIGRATE_BIN", BIN)
        .env("WSMIGRATE_FILE", &file)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let text = output_text(&output);
    println!("{text}");
    assert!(output.status.success(), "neovim script failed:\n{text}");
    assert!(text.contains("diagnostic: WS002"), "{text}");
    let expected = LEGACY
        .replace("if ws.open:", "if ws.state is State.OPEN:")
        .replacen(
            "import connect\n",
            "import connect\nfrom websockets.protocol import State\n",
            1,
        );
    assert_eq!(fs::read_to_string(&file).unwrap(), expected);
}
