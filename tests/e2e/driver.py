"""End-to-end proof that wsmigrate migrates legacy websockets code to websockets 17.

    python3 tests/e2e/driver.py --wsmigrate PATH/TO/BINARY [--only NAME] [--venvs DIR]
    python3 tests/e2e/driver.py --self-test [--only NAME] [--venvs DIR]

For every program listed in fixtures/e2e/manifest.toml:
  1. the original runs under websockets 13.1 and succeeds: its stdout is the transcript;
  2. the original, unchanged, fails or prints another transcript under websockets 17.x
     (otherwise it proves no break);
  3. `wsmigrate check` on a copy of the originals reports every rule code the manifest lists;
  4. `wsmigrate check --fix --unsafe-fixes` on another copy rewrites them; then
     - autofix programs: the rewritten file prints the 13.1 transcript under 17.x;
     - manual programs: the rewritten file still parses.

--self-test runs the same pipeline with tests/e2e/fake_wsmigrate.py as the binary, which
"fixes" a program by copying fixtures/e2e/expected/<file> over it. It checks the driver,
the fixtures and the expected migrations without a real binary.

Standard library only (Python 3.11). Exit status 0 only when every program passes.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "e2e"
FAKE_BINARY = Path(__file__).resolve().parent / "fake_wsmigrate.py"

# name -> (pip requirement, accepted version prefix)
VENVS = {
    "ws13": ("websockets==13.1", "13.1"),
    "ws17": ("websockets>=17,<18", "17."),
}
PROGRAM_TIMEOUT = 20
BINARY_TIMEOUT = 300
WORKERS = 3
CONCISE_LINE = re.compile(r"^(?P<file>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+)\b")


@dataclass
class Program:
    file: str
    mode: str
    rules: list[str]
    reason: str = ""

    @property
    def name(self) -> str:
        return self.file.removesuffix(".py")


@dataclass
class Run:
    returncode: int | None  # None: timed out
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        if self.returncode is None:
            return f"timed out after {PROGRAM_TIMEOUT}s"
        return f"exit status {self.returncode}"


@dataclass
class Diagnostic:
    code: str
    filename: str
    row: int | None


@dataclass
class ToolOutput:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: str | None = None  # the binary could not be run or its output not read

    def codes_for(self, file: str) -> set[str]:
        # A program may be a directory (a package run as `python DIR`): its files count.
        return {d.code for d in self.diagnostics
                if Path(d.filename).name == file or file in Path(d.filename).parts}


# ---------------------------------------------------------------------------- setup


def load_manifest(only: str | None) -> list[Program]:
    with open(FIXTURES / "manifest.toml", "rb") as f:
        data = tomllib.load(f)
    programs = []
    for entry in data.get("program", []):
        program = Program(
            file=entry["file"],
            mode=entry["mode"],
            rules=list(entry.get("rules", [])),
            reason=entry.get("reason", ""),
        )
        if program.mode not in ("autofix", "manual"):
            raise SystemExit(f"manifest: {program.file}: unknown mode {program.mode!r}")
        if program.mode == "manual" and not program.reason:
            raise SystemExit(f"manifest: {program.file}: manual programs need a reason")
        for path in (FIXTURES / program.file, FIXTURES / "expected" / program.file):
            if not path.exists():
                raise SystemExit(f"manifest: {program.file}: missing {path}")
        programs.append(program)
    listed = {p.file for p in programs}
    unlisted = sorted(p.name for p in FIXTURES.glob("[0-9]*.py") if p.name not in listed)
    if unlisted:
        raise SystemExit(f"manifest: programs not listed: {', '.join(unlisted)}")
    if only:
        programs = [p for p in programs if only in p.file]
        if not programs:
            raise SystemExit(f"--only {only!r} matches no program")
    return programs


def websockets_version(python: Path) -> str | None:
    if not python.exists():
        return None
    result = subprocess.run(
        [str(python), "-c", "import websockets; print(websockets.__version__)"],
        capture_output=True, text=True,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def ensure_venv(root: Path, name: str) -> Path:
    requirement, prefix = VENVS[name]
    venv = root / name
    python = venv / "bin" / "python"
    version = websockets_version(python)
    if version is not None and version.startswith(prefix):
        return python
    print(f"e2e: preparing venv {venv} ({requirement})", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         requirement],
        check=True,
    )
    version = websockets_version(python)
    if version is None or not version.startswith(prefix):
        raise SystemExit(f"venv {venv}: websockets {version} installed, wanted {requirement}")
    return python


# ------------------------------------------------------------------------- running


def _copy(source: Path, target: Path) -> None:
    """A program is a file, or a directory run as `python DIR` (its `__main__.py`)."""
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)


def run_program(python: Path, path: Path) -> Run:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    env.pop("PYTHONWARNINGS", None)
    try:
        result = subprocess.run(
            [str(python), str(path)], capture_output=True, text=True,
            timeout=PROGRAM_TIMEOUT, cwd=path.parent, env=env,
        )
    except subprocess.TimeoutExpired as exc:
        return Run(None, _text(exc.stdout), _text(exc.stderr))
    return Run(result.returncode, result.stdout, result.stderr)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode(errors="replace")


def parse_json_diagnostics(stdout: str) -> list[Diagnostic] | None:
    text = stdout.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("["), text.rfind("]")
        if start < 0 or end < start:
            return None
        try:
            data = json.loads(text[start:end + 1])
        except json.JSONDecodeError:
            return None
    if isinstance(data, dict):
        data = data.get("diagnostics", data.get("messages"))
    if not isinstance(data, list):
        return None
    diagnostics = []
    for item in data:
        if not isinstance(item, dict):
            continue
        code = item.get("code") or item.get("rule")
        filename = item.get("filename") or item.get("file") or item.get("path")
        location = item.get("location") or {}
        row = location.get("row") if isinstance(location, dict) else None
        if isinstance(code, str) and isinstance(filename, str):
            diagnostics.append(Diagnostic(code, filename, row))
    return diagnostics


def parse_concise_diagnostics(stdout: str) -> list[Diagnostic]:
    diagnostics = []
    for line in stdout.splitlines():
        match = CONCISE_LINE.match(line.strip())
        if match:
            diagnostics.append(
                Diagnostic(match["code"], match["file"], int(match["row"]))
            )
    return diagnostics


def run_tool(binary: list[str], programs: list[Program], directory: Path,
             fix: bool) -> ToolOutput:
    """Copy the originals into `directory` and run `binary check` on it once."""

    def fresh_copy() -> None:
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        for program in programs:
            _copy(FIXTURES / program.file, directory / program.file)

    flags = ["--fix", "--unsafe-fixes"] if fix else []
    attempts = []
    for output_format in ("json", "concise"):
        fresh_copy()  # a failed first attempt may have rewritten files already
        command = [*binary, "check", *flags, "--output-format", output_format, str(directory)]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=BINARY_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return ToolOutput(error=f"{' '.join(command)}: {exc}")
        attempts.append(f"$ {' '.join(command)}\n(exit {result.returncode})\n"
                        f"{result.stderr.strip()[-2000:]}")
        if result.returncode not in (0, 1):
            continue  # e.g. the format is not supported yet
        if output_format == "json":
            diagnostics = parse_json_diagnostics(result.stdout)
            if diagnostics is None:
                continue
        else:
            diagnostics = parse_concise_diagnostics(result.stdout)
        if result.returncode == 1 and not diagnostics:
            continue  # "findings" status without findings: an error, not a result
        return ToolOutput(diagnostics)
    return ToolOutput(error="could not read wsmigrate output:\n" + "\n".join(attempts))


# ------------------------------------------------------------------------ checking


@dataclass
class Outcome:
    program: Program
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    transcript13: str | None = None


def check_originals(program: Program, py13: Path, py17: Path, scratch: Path) -> Outcome:
    outcome = Outcome(program)
    workdir = scratch / "originals" / program.name
    workdir.mkdir(parents=True)
    path = workdir / program.file
    _copy(FIXTURES / program.file, path)

    run13 = run_program(py13, path)
    if not run13.ok:
        outcome.failures.append(
            f"original under 13.1: {run13.describe()}\n{_tail(run13.stderr)}"
        )
        return outcome
    if not run13.stdout.strip():
        outcome.failures.append("original under 13.1 printed no transcript")
        return outcome
    outcome.transcript13 = run13.stdout

    run17 = run_program(py17, path)
    if run17.ok and run17.stdout == run13.stdout:
        outcome.failures.append(
            "original works unchanged under 17.x: it proves no break; change the program"
        )
    elif not run17.ok:
        outcome.notes.append(f"original under 17: {run17.describe()}: "
                             f"{_last_error(run17.stderr)}")
    else:
        outcome.notes.append("original under 17: different transcript")
    return outcome


def check_migration(outcome: Outcome, py17: Path, checked: ToolOutput,
                    fixed: ToolOutput, fixed_dir: Path) -> None:
    program = outcome.program
    for label, tool in (("check", checked), ("check --fix", fixed)):
        if tool.error:
            outcome.failures.append(f"wsmigrate {label} failed: {tool.error}")
    if outcome.failures:
        return

    missing = set(program.rules) - checked.codes_for(program.file)
    if program.mode == "manual":
        missing -= fixed.codes_for(program.file)
    if missing:
        outcome.failures.append(
            f"not reported on the original: {', '.join(sorted(missing))} "
            f"(reported: {', '.join(sorted(checked.codes_for(program.file))) or 'nothing'})"
        )

    path = fixed_dir / program.file
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    source = "".join(f"# {f.relative_to(fixed_dir)}\n{f.read_text()}" for f in files)
    for file in files:
        try:
            ast.parse(file.read_text(), filename=str(file))
        except SyntaxError as exc:
            outcome.failures.append(f"rewritten file does not parse: {exc}\n{_numbered(source)}")
            return
    if program.mode == "manual":
        return

    run = run_program(py17, path)
    if run.ok and run.stdout == outcome.transcript13:
        return
    diff = "".join(difflib.unified_diff(
        outcome.transcript13.splitlines(keepends=True), run.stdout.splitlines(keepends=True),
        "transcript under 13.1 (original)", "transcript under 17 (rewritten)",
    ))
    outcome.failures.append(
        f"rewritten program under 17: {run.describe()}\n{diff}"
        f"{_tail(run.stderr)}\n--- rewritten source ---\n{_numbered(source)}"
    )


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _last_error(stderr: str) -> str:
    errors = [line for line in stderr.splitlines()
              if re.match(r"^[\w.]+(Error|Exception|Closed\w*|Status\w*):", line)]
    return errors[-1] if errors else "(no exception printed)"


def _numbered(source: str) -> str:
    return "\n".join(f"{n:4} | {line}" for n, line in enumerate(source.splitlines(), 1))


# --------------------------------------------------------------------------- main


def self_test_parsers(binary: list[str], programs: list[Program], scratch: Path) -> list[str]:
    """The concise fallback must give the same findings as the JSON output."""
    env_before = os.environ.get("FAKE_WSMIGRATE_NO_JSON")
    os.environ["FAKE_WSMIGRATE_NO_JSON"] = "1"
    try:
        concise = run_tool(binary, programs, scratch / "self-test-concise", fix=False)
    finally:
        if env_before is None:
            os.environ.pop("FAKE_WSMIGRATE_NO_JSON")
        else:
            os.environ["FAKE_WSMIGRATE_NO_JSON"] = env_before
    if concise.error:
        return [f"concise fallback: {concise.error}"]
    problems = []
    for program in programs:
        if concise.codes_for(program.file) != set(program.rules):
            problems.append(f"concise fallback: {program.file}: "
                            f"{sorted(concise.codes_for(program.file))} != {program.rules}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--wsmigrate", type=Path, help="path to the wsmigrate binary")
    target.add_argument("--self-test", action="store_true",
                        help="use the expected migrations instead of a binary")
    parser.add_argument("--only", help="run only programs whose file name contains NAME")
    parser.add_argument("--venvs", type=Path, default=REPO / "target" / "e2e-venvs",
                        help="where the ws13 and ws17 venvs live (default: target/e2e-venvs)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()

    if args.self_test:
        binary = [sys.executable, str(FAKE_BINARY)]
    else:
        if not args.wsmigrate.is_file():
            raise SystemExit(f"--wsmigrate {args.wsmigrate}: no such file")
        binary = [str(args.wsmigrate.resolve())]

    programs = load_manifest(args.only)
    args.venvs.mkdir(parents=True, exist_ok=True)
    py13 = ensure_venv(args.venvs.resolve(), "ws13")
    py17 = ensure_venv(args.venvs.resolve(), "ws17")

    scratch = Path(tempfile.mkdtemp(prefix="wsmigrate-e2e-"))
    try:
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            outcomes = list(pool.map(
                lambda p: check_originals(p, py13, py17, scratch), programs
            ))
            checked = run_tool(binary, programs, scratch / "check", fix=False)
            fixed_dir = scratch / "fixed"
            fixed = run_tool(binary, programs, fixed_dir, fix=True)
            runnable = [o for o in outcomes if not o.failures]
            list(pool.map(
                lambda o: check_migration(o, py17, checked, fixed, fixed_dir), runnable
            ))
        extra_failures = self_test_parsers(binary, programs, scratch) if args.self_test else []
    finally:
        if args.keep:
            print(f"e2e: scratch directory kept at {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    passed = failed = 0
    for outcome in outcomes:
        program = outcome.program
        status = "FAIL" if outcome.failures else "ok"
        print(f"{status:4} {program.name} [{program.mode}; {', '.join(program.rules)}]")
        for note in outcome.notes:
            print(f"       {note}")
        for failure in outcome.failures:
            print("       " + failure.replace("\n", "\n       "))
        if outcome.failures:
            failed += 1
        else:
            passed += 1
    for problem in extra_failures:
        print(f"FAIL driver self-test: {problem}")
        failed += 1
    print(f"e2e: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
