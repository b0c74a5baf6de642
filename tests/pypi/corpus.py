"""wsmigrate on real packages from PyPI: the README's "no false alarms" claim, as a check.

    python3 tests/pypi/corpus.py --wsmigrate target/debug/wsmigrate [--work target/pypi-corpus]

For every package pinned in tests/pypi/packages.toml:
  1. `pip download` (from a venv under WORK) its wheel (pinned version, no dependencies, manylinux/CPython 3.11 tags so
     that every machine gets the same file) into WORK/wheels, once, and extract its .py files;
  2. `wsmigrate check` (default rules) must report exactly `findings` findings for a
     "legacy" package and none for an "other" one;
  3. `wsmigrate check --fix --unsafe-fixes` on a copy: every file CPython compiled before
     still compiles (CPython's `compile()`, not our parser), and a second `--fix` changes no
     file.

Prints one line per package and the totals. Exit status 0 only when every check holds.
Standard library only (Python 3.11).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = Path(__file__).resolve().parent / "packages.toml"
PIP_TAGS = ["--only-binary=:all:", "--platform", "manylinux2014_x86_64",
            "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311"]


def pip_python(work: Path) -> Path:
    """A venv under WORK just for `pip download` (a system Python may have no pip)."""
    python = work / "venv" / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    return python


def wheel_for(pip: Path, name: str, version: str, wheels: Path) -> Path:
    stem = name.replace("-", "_").lower()

    def found() -> Path | None:
        for path in wheels.glob("*.whl"):
            dist, _, rest = path.name.partition("-")
            if dist.lower() == stem and rest.startswith(f"{version}-"):
                return path
        return None

    if (path := found()) is None:
        subprocess.run(
            [str(pip), "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", *PIP_TAGS, "-d", str(wheels), f"{name}=={version}"],
            check=True,
        )
        path = found()
    if path is None:
        raise SystemExit(f"{name}=={version}: pip downloaded no matching wheel")
    return path


def extract(wheel: Path, target: Path) -> int:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    count = 0
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.endswith(".py"):
                archive.extract(member, target)
                count += 1
    return count


def check(binary: Path, directory: Path, *flags: str) -> list[dict]:
    result = subprocess.run(
        [str(binary), "check", *flags, "--output-format", "json", str(directory)],
        capture_output=True, text=True,
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"wsmigrate check {directory}: exit {result.returncode}\n"
                         f"{result.stderr}")
    return json.loads(result.stdout or "[]")


def compiles(path: Path) -> bool:
    try:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def digests(directory: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.rglob("*.py")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wsmigrate", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=REPO / "target" / "pypi-corpus")
    args = parser.parse_args()
    binary = args.wsmigrate.resolve()
    with open(PACKAGES, "rb") as f:
        packages = tomllib.load(f)["package"]

    wheels = args.work / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    pip = pip_python(args.work)
    failures = []
    totals = collections.Counter()
    for package in packages:
        name, version, group = package["name"], package["version"], package["group"]
        expected = package.get("findings", 0) if group == "legacy" else 0
        label = f"{name}=={version}"
        source = args.work / "src" / label
        files = extract(wheel_for(pip, name, version, wheels), source)

        found = check(binary, source)
        codes = collections.Counter(d["code"] for d in found)
        totals[group] += len(found)
        totals[f"{group}-packages"] += 1
        problems = []
        if len(found) != expected:
            problems.append(f"{len(found)} findings, packages.toml says {expected}")

        fixed = args.work / "fixed" / label
        if fixed.exists():
            shutil.rmtree(fixed)
        shutil.copytree(source, fixed)
        compiled_before = {p.relative_to(fixed) for p in fixed.rglob("*.py") if compiles(p)}
        original = digests(fixed)
        check(binary, fixed, "--fix", "--unsafe-fixes")
        rewritten = sum(1 for p, d in digests(fixed).items() if original.get(p) != d)
        totals["rewritten"] += rewritten
        for relative in sorted(compiled_before):
            if not compiles(fixed / relative):
                problems.append(f"--fix broke {relative}: CPython no longer compiles it")
        before = digests(fixed)
        check(binary, fixed, "--fix", "--unsafe-fixes")
        changed = [p for p, d in digests(fixed).items() if before.get(p) != d]
        if changed:
            problems.append(f"a second --fix changed {len(changed)} files, e.g. {changed[0]}")

        status = "FAIL" if problems else "ok"
        summary = ", ".join(f"{c} {n}" for c, n in sorted(codes.items())) or "none"
        print(f"{status:4} {label} [{group}] {files} files: {len(found)} findings ({summary}); "
              f"--fix rewrote {rewritten} files")
        for problem in problems:
            print(f"       {problem}")
            failures.append(f"{label}: {problem}")

    print(f"pypi: {totals['legacy-packages']} legacy packages, {totals['legacy']} findings; "
          f"{totals['other-packages']} other packages, {totals['other']} findings; "
          f"{totals['rewritten']} files rewritten; "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
