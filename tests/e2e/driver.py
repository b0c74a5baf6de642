"""End-to-end proof that wsmigrate migrates legacy websockets code to websockets 17.

    python3 tests/e2e/driver.py --wsmigrate PATH/TO/BINARY [--only NAME] [--venvs DIR]
    python3 tests/e2e/driver.py --self-test [--only NAME] [--venvs DIR]

For every program listed in fixtures/e2e/manifest.toml (a file, or a directory run as
`python DIR`), on its venv (default ws17: the latest 17.x; a program may be listed once per
venv, with the `target_version` it is proven at):
  1. the original runs under websockets 13.1 and succeeds: its stdout is the transcript;
  2. the original, unchanged, fails or prints another transcript on its venv (otherwise it
     proves no break); a `deprecated` program instead fails there under
     `-W error::DeprecationWarning` (it uses an API whose removal is pending);
  3. `wsmigrate check` on a copy of the originals reports every rule code the manifest lists;
     and, at the row, every `at = ["CODE:ROW"]` location (required for manual programs);
     no finding in the files listed as `untouched` (look-alikes of websockets objects);
  4. `wsmigrate check --fix --unsafe-fixes` on another copy rewrites them; the rewritten
     file must parse, the `untouched` files must be byte-identical, and then
     - autofix programs: on the venv the rewritten file prints the 13.1 transcript with the
       13.1 stderr (so no exception logged by the loop, no warning), and it does so again
       under `-W error::DeprecationWarning` (so a file still importing the legacy
       implementation fails);
     - manual programs: every listed code that `--fix` no longer reports was rewritten by
       some fix, and what that rewrite does must be stated: `fixed_transcript` is the exact
       stdout the rewritten file prints on the venv (with `-W error::DeprecationWarning`,
       exit status 0, empty stderr). A manual program with `fixed_transcript` must be
       rewritten; one without must keep reporting its codes after --fix.
Migrated programs are already on the new API (the trap of a tool that fires forever): they
run on their venv only (under `-W error::DeprecationWarning`, nothing on stderr), `wsmigrate
check` run on each alone must exit 0 with no finding, `--fix --unsafe-fixes` must change no
byte, and the program prints the same transcript afterwards.

--self-test runs the same pipeline with tests/e2e/fake_wsmigrate.py as the binary, which
"fixes" an autofix program by copying fixtures/e2e/expected/<file> over it and leaves manual
and migrated programs alone (reporting manual ones at their `at` rows). It checks the
driver, the fixtures and the expected migrations without a real binary: there, the
expected/ file of a manual program must print the 13.1 transcript on its venv, and
`fixed_transcript` is not checked (no fake can produce what a real unsafe fix does).

Standard library only (Python 3.11); the venvs also get PROGRAM_REQUIREMENTS, for the
programs. Exit status 0 only when every program passes.
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
    # For programs that prove a fix on the lowest release it targets (manifest `venv`).
    "ws14.0": ("websockets==14.0", "14.0"),
    "ws14.1": ("websockets==14.1", "14.1"),
    "ws15.0": ("websockets==15.0", "15.0"),
    "ws16.0": ("websockets==16.0", "16.0"),
    "ws17.0": ("websockets==17.0", "17.0"),
    "ws17.1": ("websockets==17.1", "17.1"),
}
# Installed in every venv, for the programs (the driver itself stays stdlib-only): trustme makes
# a throwaway CA and server certificate at run time, for programs that need TLS.
PROGRAM_REQUIREMENTS = ("trustme==1.2.1",)
MODES = ("autofix", "manual", "migrated")
PROGRAM_TIMEOUT = 20
BINARY_TIMEOUT = 300
WORKERS = 3
CONCISE_LINE = re.compile(r"^(?P<file>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+)\b")


@dataclass
class Venv:
    name: str
    python: Path
    version: str

    @property
    def label(self) -> str:
        """What messages call it: the websockets release actually installed."""
        return f"websockets {self.version}"


@dataclass
class Program:
    file: str
    mode: str
    rules: list[str]
    reason: str = ""
    # The original only uses a deprecated API: it runs on the venv with a DeprecationWarning
    # that Python hides by default (the removal is pending); its break is shown under
    # `-W error::DeprecationWarning`.
    deprecated: bool = False
    # Files of a directory program (relative to it) that --fix must leave byte-identical and
    # `check` must not report: the look-alikes of websockets objects.
    untouched: list[str] = field(default_factory=list)
    at: list[tuple[str, int]] = field(default_factory=list)  # (code, row) on the original
    fixed_transcript: str | None = None  # manual programs: what the rewritten file prints
    # Optional: `wsmigrate check` runs with `--target-version` and these extra arguments, and
    # the rewritten program runs on this venv instead of ws17 (a fix proven on the lowest
    # release it targets).
    target_version: str = ""
    args: list[str] = field(default_factory=list)
    venv: str = "ws17"

    @property
    def tool_args(self) -> tuple[str, ...]:
        version = ("--target-version", self.target_version) if self.target_version else ()
        return (*version, *self.args)

    @property
    def name(self) -> str:
        """Unique in the manifest: a file may be listed once per venv it is proven on."""
        base = self.file.removesuffix(".py")
        return base if self.venv == "ws17" else f"{base}@{self.venv}"

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return self.file, self.venv, self.tool_args


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
    returncode: int | None = None

    def codes_for(self, file: str) -> set[str]:
        return {d.code for d in self.diagnostics if _belongs(d.filename, file)}

    def locations_for(self, file: str) -> set[tuple[str, int | None]]:
        return {(d.code, d.row) for d in self.diagnostics if _belongs(d.filename, file)}


def _belongs(filename: str, program: str) -> bool:
    """A program is a file, or a directory (a package run as `python DIR`): its files count."""
    return Path(filename).name == program or program in Path(filename).parts


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
            at=[parse_location(entry["file"], loc) for loc in entry.get("at", [])],
            fixed_transcript=entry.get("fixed_transcript"),
            target_version=entry.get("target_version", ""),
            args=list(entry.get("args", [])),
            venv=entry.get("venv", "ws17"),
            deprecated=entry.get("deprecated", False),
            untouched=list(entry.get("untouched", [])),
        )
        if program.venv not in VENVS:
            raise SystemExit(f"manifest: {program.file}: unknown venv {program.venv!r}")
        if program.mode not in MODES:
            raise SystemExit(f"manifest: {program.file}: unknown mode {program.mode!r}")
        if any(p.key == program.key for p in programs):
            raise SystemExit(f"manifest: {program.file}: listed twice with the same venv and "
                             "arguments")
        for relative in program.untouched:
            if not (FIXTURES / program.file / relative).is_file():
                raise SystemExit(f"manifest: {program.file}: untouched file {relative} "
                                 "does not exist in the program directory")
        if program.mode == "migrated":
            # Already on the new API: nothing to report, nothing to rewrite, no expected/.
            if program.rules or program.at or program.fixed_transcript or program.deprecated:
                raise SystemExit(f"manifest: {program.file}: a migrated program lists no "
                                 "rules, at, fixed_transcript or deprecated")
            if not (FIXTURES / program.file).exists():
                raise SystemExit(f"manifest: {program.file}: missing {FIXTURES / program.file}")
            programs.append(program)
            continue
        if program.mode == "manual":
            if not program.reason:
                raise SystemExit(f"manifest: {program.file}: manual programs need a reason")
            # Reporting is all a manual program asks of the tool: it must be precise.
            located = {code for code, _ in program.at}
            if not set(program.rules) <= located:
                raise SystemExit(f"manifest: {program.file}: manual programs need an `at` "
                                 f"row for every rule ({', '.join(program.rules)})")
        elif program.fixed_transcript is not None:
            raise SystemExit(f"manifest: {program.file}: fixed_transcript is for manual "
                             "programs (autofix ones must print the 13.1 transcript)")
        for path in (FIXTURES / program.file, FIXTURES / "expected" / program.file):
            if not path.exists():
                raise SystemExit(f"manifest: {program.file}: missing {path}")
        programs.append(program)
    listed = {p.file for p in programs}
    unlisted = sorted(p.name for p in FIXTURES.glob("[0-9]*")
                      if (p.suffix == ".py" or p.is_dir()) and p.name not in listed)
    if unlisted:
        raise SystemExit(f"manifest: programs not listed: {', '.join(unlisted)}")
    if only:
        programs = [p for p in programs if only in p.file]
        if not programs:
            raise SystemExit(f"--only {only!r} matches no program")
    return programs


def parse_location(file: str, text: str) -> tuple[str, int]:
    code, _, row = text.partition(":")
    if not row.isdigit():
        raise SystemExit(f"manifest: {file}: `at` entries are \"CODE:ROW\", not {text!r}")
    return code, int(row)


def websockets_version(python: Path) -> str | None:
    if not python.exists():
        return None
    result = subprocess.run(
        [str(python), "-c", "import websockets; print(websockets.__version__)"],
        capture_output=True, text=True,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def has_program_requirements(python: Path) -> bool:
    modules = ", ".join(r.split("=")[0] for r in PROGRAM_REQUIREMENTS)
    return subprocess.run([str(python), "-c", f"import {modules}"],
                          capture_output=True).returncode == 0


def ensure_venv(root: Path, name: str) -> Venv:
    requirement, prefix = VENVS[name]
    venv = root / name
    python = venv / "bin" / "python"
    version = websockets_version(python)
    if (version is not None and version.startswith(prefix)
            and has_program_requirements(python)):
        return Venv(name, python, version)
    print(f"e2e: preparing venv {venv} ({requirement})", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         requirement, *PROGRAM_REQUIREMENTS],
        check=True,
    )
    version = websockets_version(python)
    if version is None or not version.startswith(prefix):
        raise SystemExit(f"venv {venv}: websockets {version} installed, wanted {requirement}")
    return Venv(name, python, version)


# ------------------------------------------------------------------------- running


def _copy(source: Path, target: Path) -> None:
    """A program is a file, or a directory run as `python DIR` (its `__main__.py`)."""
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)


def run_program(python: Path, path: Path, deprecation_errors: bool = False) -> Run:
    """Run `path`; with deprecation_errors, any DeprecationWarning is an exception."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    env.pop("PYTHONWARNINGS", None)
    flags = ["-W", "error::DeprecationWarning"] if deprecation_errors else []
    try:
        result = subprocess.run(
            [str(python), *flags, str(path)], capture_output=True, text=True,
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
             fix: bool, source: Path = FIXTURES, extra_args: tuple[str, ...] = ()) -> ToolOutput:
    """Copy the programs from `source` (default: the originals) into `directory` and run
    `binary check` on it once."""

    def fresh_copy() -> None:
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        for file in dict.fromkeys(p.file for p in programs):  # once per file
            _copy(source / file, directory / file)

    flags = ["--fix", "--unsafe-fixes"] if fix else []
    attempts = []
    for output_format in ("json", "concise"):
        fresh_copy()  # a failed first attempt may have rewritten files already
        command = [*binary, "check", *flags, *extra_args, "--output-format", output_format,
                   str(directory)]
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
        return ToolOutput(diagnostics, returncode=result.returncode)
    return ToolOutput(error="could not read wsmigrate output:\n" + "\n".join(attempts))


# ------------------------------------------------------------------------ checking


@dataclass
class Outcome:
    program: Program
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    transcript13: str | None = None
    stderr13: str = ""


def check_originals(program: Program, ws13: Venv, venv: Venv, scratch: Path) -> Outcome:
    outcome = Outcome(program)
    workdir = scratch / "originals" / program.name
    workdir.mkdir(parents=True)
    path = workdir / program.file
    _copy(FIXTURES / program.file, path)
    if program.mode == "migrated":
        check_migrated_original(outcome, venv, path)
        return outcome

    run13 = run_program(ws13.python, path)
    if not run13.ok:
        outcome.failures.append(
            f"original under {ws13.label}: {run13.describe()}\n{_tail(run13.stderr)}"
        )
        return outcome
    if not run13.stdout.strip():
        outcome.failures.append(f"original under {ws13.label} printed no transcript")
        return outcome
    outcome.transcript13 = run13.stdout
    outcome.stderr13 = run13.stderr

    run = run_program(venv.python, path)
    if run.ok and run.stdout == run13.stdout:
        if not program.deprecated:
            outcome.failures.append(
                f"original works unchanged under {venv.label}: it proves no break; "
                "change the program"
            )
            return outcome
        strict = run_program(venv.python, path, deprecation_errors=True)
        if strict.ok:
            outcome.failures.append(
                f"original works unchanged under {venv.label}, even with "
                "-W error::DeprecationWarning: it proves no deprecation; change the program"
            )
        else:
            outcome.notes.append(f"original under {venv.label} with -W error::"
                                 f"DeprecationWarning: {_last_error(strict.stderr)}")
    elif not run.ok:
        outcome.notes.append(f"original under {venv.label}: {run.describe()}: "
                             f"{_last_error(run.stderr)}")
    else:
        outcome.notes.append(f"original under {venv.label}: different transcript")
    return outcome


def check_migrated_original(outcome: Outcome, venv: Venv, path: Path) -> None:
    """A program already on the new API runs cleanly on its venv: its transcript is the
    reference the unchanged file must print again after --fix."""
    run = run_program(venv.python, path, deprecation_errors=True)
    if not (run.ok and run.stdout.strip() and not run.stderr):
        outcome.failures.append(
            f"migrated program under {venv.label} with -W error::DeprecationWarning: "
            f"{run.describe()}, it must print a transcript and nothing on stderr\n"
            f"{run.stdout}{_tail(run.stderr)}")
        return
    outcome.transcript13 = run.stdout  # the reference transcript, here from the new API


def check_migration(outcome: Outcome, venv: Venv, checked: ToolOutput, fixed: ToolOutput,
                    remaining: ToolOutput, fixed_dir: Path, self_test: bool) -> None:
    """`checked`: the report on the originals; `remaining`: on the rewritten files."""
    program = outcome.program
    tools = (("check", checked), ("check --fix", fixed), ("check after --fix", remaining))
    for label, tool in tools:
        if tool.error:
            outcome.failures.append(f"wsmigrate {label} failed: {tool.error}")
    if outcome.failures:
        return
    if program.mode == "migrated":
        check_migrated(outcome, venv, checked, fixed_dir)
        return

    reported = checked.codes_for(program.file)
    missing = set(program.rules) - reported
    if missing:
        outcome.failures.append(
            f"not reported on the original: {', '.join(sorted(missing))} "
            f"(reported: {', '.join(sorted(reported)) or 'nothing'})"
        )
    located = checked.locations_for(program.file)
    for code, row in program.at:
        if (code, row) not in located:
            rows = sorted(r for c, r in located if c == code and r is not None)
            outcome.failures.append(f"{code} not reported at row {row} of the original "
                                    f"(reported at rows: {rows or 'none'})")
    for relative in program.untouched:
        target = Path(program.file) / relative
        found = sorted(f"{d.code}:{d.row}" for d in checked.diagnostics
                       if Path(d.filename).as_posix().endswith(target.as_posix()))
        if found:
            outcome.failures.append(f"{relative} holds look-alikes, yet check reports "
                                    f"{', '.join(found)} in it")
        if (fixed_dir / target).read_bytes() != (FIXTURES / target).read_bytes():
            outcome.failures.append(f"--fix rewrote {relative}, which must stay untouched:\n"
                                    f"{_diff_files(FIXTURES / target, fixed_dir / target)}")

    path = fixed_dir / program.file
    for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
        source = file.read_text()
        try:
            ast.parse(source, filename=str(file))
        except SyntaxError as exc:
            outcome.failures.append(f"rewritten file does not parse: {exc}\n{_numbered(source)}")
            return
    if program.mode == "manual":
        check_manual_rewrite(outcome, venv, remaining, path, self_test)
    else:
        check_autofix_rewrite(outcome, venv, path)


def check_migrated(outcome: Outcome, venv: Venv, checked: ToolOutput, fixed_dir: Path) -> None:
    """Zero findings and exit status 0 by default; --fix changes no byte; the program still
    prints its transcript."""
    program = outcome.program
    found = sorted(f"{Path(d.filename).name}:{d.row}: {d.code}" for d in checked.diagnostics
                   if _belongs(d.filename, program.file))
    if found or checked.returncode != 0:
        outcome.failures.append(f"already migrated, yet check exits {checked.returncode} "
                                f"with: {', '.join(found) or 'no finding'}")
    original = FIXTURES / program.file
    rewritten = fixed_dir / program.file
    pairs = ([(f, rewritten / f.relative_to(original)) for f in sorted(original.rglob("*.py"))]
             if original.is_dir() else [(original, rewritten)])
    for before, after in pairs:
        if not after.exists() or before.read_bytes() != after.read_bytes():
            outcome.failures.append(f"--fix changed an already-migrated file "
                                    f"{before.relative_to(FIXTURES)}:\n"
                                    f"{_diff_files(before, after)}")
    if outcome.failures:
        return
    run = run_program(venv.python, rewritten, deprecation_errors=True)
    if not (run.ok and run.stdout == outcome.transcript13 and not run.stderr):
        outcome.failures.append(f"after --fix under {venv.label}: {run.describe()}\n"
                                f"{run.stdout}{_tail(run.stderr)}")


def _diff_files(before: Path, after: Path) -> str:
    after_lines = after.read_text().splitlines(keepends=True) if after.exists() else []
    return "".join(difflib.unified_diff(before.read_text().splitlines(keepends=True),
                                        after_lines, "original", "after --fix"))


def check_autofix_rewrite(outcome: Outcome, venv: Venv, path: Path) -> None:
    """The rewritten file behaves like the original did on 13.1: stdout, stderr, and no
    DeprecationWarning (a file still on the legacy implementation raises one on import)."""
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    source = "".join(f"# {f.name}\n{f.read_text()}" for f in files)
    for deprecation_errors in (False, True):
        run = run_program(venv.python, path, deprecation_errors)
        label = f"rewritten program under {venv.label}" + (
            " with -W error::DeprecationWarning" if deprecation_errors else "")
        if run.ok and run.stdout == outcome.transcript13 and run.stderr == outcome.stderr13:
            continue
        diff = "".join(difflib.unified_diff(
            outcome.transcript13.splitlines(keepends=True), run.stdout.splitlines(keepends=True),
            "transcript under 13.1 (original)", f"transcript under {venv.label} (rewritten)",
        ))
        diff += "".join(difflib.unified_diff(
            outcome.stderr13.splitlines(keepends=True), run.stderr.splitlines(keepends=True),
            "stderr under 13.1 (original)", f"stderr under {venv.label} (rewritten)",
        ))
        outcome.failures.append(
            f"{label}: {run.describe()}\n{diff}\n--- rewritten source ---\n{_numbered(source)}"
        )
        return


def check_manual_rewrite(outcome: Outcome, venv: Venv, remaining: ToolOutput, path: Path,
                         self_test: bool) -> None:
    program = outcome.program
    if self_test:
        # The fake leaves manual programs alone; check the human migration instead.
        expected = FIXTURES / "expected" / program.file
        run = run_program(venv.python, expected, deprecation_errors=True)
        if not (run.ok and run.stdout == outcome.transcript13):
            outcome.failures.append(
                f"expected/{program.file} under {venv.label}: {run.describe()}, does not print the "
                f"13.1 transcript:\n{run.stdout}{_tail(run.stderr)}")
        return
    rewritten = set(program.rules) - remaining.codes_for(program.file)
    if program.fixed_transcript is None:
        if rewritten:
            outcome.failures.append(
                f"--fix rewrote {', '.join(sorted(rewritten))} in a manual program: state "
                "what the rewritten file prints under 17.x as `fixed_transcript` in the "
                "manifest (or make the program autofix if the rewrite is faithful)")
        return
    if not rewritten:
        outcome.failures.append(
            "the manifest states what --fix makes of this program (`fixed_transcript`), "
            f"but --fix still reports {', '.join(program.rules)}: the fix is gone")
        return
    run = run_program(venv.python, path, deprecation_errors=True)
    if run.ok and run.stdout == program.fixed_transcript and not run.stderr:
        if run.stdout == outcome.transcript13:
            outcome.notes.append("the rewrite now prints the 13.1 transcript: make it autofix?")
        return
    diff = "".join(difflib.unified_diff(
        program.fixed_transcript.splitlines(keepends=True),
        run.stdout.splitlines(keepends=True),
        "fixed_transcript (manifest)", f"transcript under {venv.label} (rewritten)",
    ))
    outcome.failures.append(
        f"rewritten manual program under {venv.label} with -W error::DeprecationWarning: "
        f"{run.describe()}\n{diff}{_tail(run.stderr)}\n--- rewritten source ---\n"
        f"{_numbered(path.read_text())}")


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _last_error(stderr: str) -> str:
    errors = [line for line in stderr.splitlines()
              if re.match(r"^[\w.]+(Error|Exception|Warning|Closed\w*|Status\w*):", line)]
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
    venvs = {name: ensure_venv(args.venvs.resolve(), name)
             for name in sorted({"ws13", "ws17", *(p.venv for p in programs)})}

    scratch = Path(tempfile.mkdtemp(prefix="wsmigrate-e2e-"))
    try:
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            outcomes = list(pool.map(
                lambda p: check_originals(p, venvs["ws13"], venvs[p.venv], scratch), programs
            ))
            # One wsmigrate run per set of arguments (most programs share the default one);
            # each migrated program alone, so that its exit status is its own.
            groups: dict[tuple[str, ...], list[Program]] = {}
            for program in programs:
                alone = ("migrated", program.file) if program.mode == "migrated" else ()
                groups.setdefault((*alone, *program.tool_args), []).append(program)
            results = {}
            for i, members in enumerate(groups.values()):
                tool_args = members[0].tool_args
                suffix = f"-{i}" if i else ""
                checked = run_tool(binary, members, scratch / f"check{suffix}", fix=False,
                                   extra_args=tool_args)
                fixed_dir = scratch / f"fixed{suffix}"
                fixed = run_tool(binary, members, fixed_dir, fix=True, extra_args=tool_args)
                # What is still reported on the rewritten files (whatever --fix itself prints).
                remaining = run_tool(binary, members, scratch / f"recheck{suffix}", fix=False,
                                     source=fixed_dir, extra_args=tool_args)
                results.update({p.key: (checked, fixed, remaining, fixed_dir) for p in members})
            runnable = [o for o in outcomes if not o.failures]
            list(pool.map(
                lambda o: check_migration(o, venvs[o.program.venv], *results[o.program.key],
                                          args.self_test),
                runnable,
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
        where = f"; {' '.join(program.tool_args)}" if program.tool_args else ""
        rules = f"; {', '.join(program.rules)}" if program.rules else ""
        print(f"{status:4} {program.name} [{program.mode}{rules}{where}; "
              f"{venvs[program.venv].label}]")
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
