"""Review test on real code, with real ruff.

Downloads pinned PyPI packages written against the legacy websockets API, migrates a copy of
each with `wsmigrate check --fix --unsafe-fixes`, and compares ruff's findings before and after:
wsmigrate must introduce no new F821, F401, I001, E501 or RUF006 finding, and every changed file
that `ruff format --check` accepted before must still be accepted. Prints one line per package
and a closing `ruff-review: N passed, M failed` line; exits non-zero on any failure.

Everything goes under target/ruff-review/ (venv with ruff, downloaded archives, work copies);
downloads and the venv are reused between runs.
"""

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

RUFF_VERSION = "0.14.14"
SELECT = "F821,F401,I001,E501,RUF006"

# Pinned releases written against the legacy asyncio API (websockets <= 13).
PACKAGES = [
    "uvicorn==0.30.6",
    "gql==3.5.0",
    "pyppeteer==1.0.2",
    "web3==6.20.3",
    "slack_sdk==3.27.0",
    "python-binance==1.0.19",
    "gradio_client==0.16.0",
    "deepgram-sdk==2.12.0",
    "cryptofeed==2.4.0",
    "simpleobsws==1.4.0",
    "polygon-api-client==1.14.0",
    "alpaca-trade-api==3.1.1",
    "aiowebostv==0.4.0",
    "TikTokLive==5.0.8",
]


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def ensure_ruff(base: Path) -> Path:
    venv = base / "venv"
    ruff = venv / "bin" / "ruff"
    if ruff.exists() and run([str(ruff), "--version"]).stdout.strip() == f"ruff {RUFF_VERSION}":
        return ruff
    if not (venv / "bin" / "pip").exists():
        shutil.rmtree(venv, ignore_errors=True)
        result = run([sys.executable, "-m", "venv", str(venv)])
        if result.returncode != 0:
            sys.exit(f"cannot create a venv: {result.stderr}")
    result = run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
         f"ruff=={RUFF_VERSION}"]
    )
    if result.returncode != 0:
        sys.exit(f"cannot install ruff {RUFF_VERSION}: {result.stderr}")
    return ruff


def archive_of(pip: Path, dists: Path, requirement: str) -> Path:
    name, version = requirement.split("==")
    stem = name.lower().replace("-", "_")

    def matches(p: Path) -> bool:
        n = p.name.lower().replace("-", "_")
        return n.startswith(f"{stem}_{version}") and (n.endswith(".whl") or n.endswith(".tar.gz"))

    found = [p for p in dists.iterdir() if matches(p)] if dists.exists() else []
    if not found:
        result = run(
            [str(pip), "download", "-q", "--no-deps",
             "--disable-pip-version-check", "-d", str(dists), requirement]
        )
        if result.returncode != 0:
            sys.exit(f"cannot download {requirement}: {result.stderr}")
        found = [p for p in dists.iterdir() if matches(p)]
    if not found:
        sys.exit(f"downloaded {requirement}, but found no archive for it in {dists}")
    return sorted(found)[0]


def unpack(archive: Path, into: Path) -> None:
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as z:
            for member in z.namelist():
                if member.endswith(".py"):
                    z.extract(member, into)
    else:
        with tarfile.open(archive) as t:
            members = [m for m in t.getmembers() if m.isfile() and m.name.endswith(".py")]
            t.extractall(into, members=members, filter="data")


def ruff_findings(ruff: Path, root: Path) -> dict:
    result = run(
        [str(ruff), "check", "--isolated", "--select", SELECT, "--output-format", "json",
         "--exit-zero", "."],
        cwd=root,
    )
    if result.returncode != 0:
        sys.exit(f"ruff check failed in {root}: {result.stderr}")
    counts = collections.Counter()
    for d in json.loads(result.stdout):
        path = str(Path(d["filename"]).relative_to(root.resolve()))
        # Rows move when lines are added: compare what is reported, not where.
        key = (path, d["code"], d["message"] if d["code"] in ("F821", "F401") else "")
        counts[key] += 1
    return counts


def format_accepted(ruff: Path, root: Path, files: list) -> set:
    accepted = set()
    for f in files:
        result = run([str(ruff), "format", "--isolated", "--check", "--quiet", f], cwd=root)
        if result.returncode == 0:
            accepted.add(f)
    return accepted


def review(wsmigrate: str, ruff: Path, dists: Path, work: Path, requirement: str) -> tuple:
    """(passed, changed anything, one-line summary and problems)."""
    root = work / requirement.split("==")[0]
    pip = ruff.parent / "pip"  # The venv's: the system Python may have no pip.
    unpack(archive_of(pip, dists, requirement), root)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))
    originals = {f: (root / f).read_bytes() for f in files}
    before = ruff_findings(ruff, root)
    result = run(
        [wsmigrate, "check", "--isolated", "--fix", "--unsafe-fixes", "--output-format",
         "concise", "--exit-zero", "-q", "."],
        cwd=root,
    )
    if result.returncode != 0:
        return False, False, f"wsmigrate exited {result.returncode}: {result.stderr[-2000:]}"
    changed = [f for f in files if (root / f).read_bytes() != originals[f]]
    if not changed:
        # Legacy use that needs a human (a subclass of the legacy protocol, say): fine, as long
        # as there is legacy use at all.
        left = [line for line in result.stdout.splitlines() if ": WS" in line]
        if not left:
            return False, False, "no legacy websockets use found (wrong package or version?)"
        return True, False, f"0 files changed; {len(left)} findings left for a human"
    after = ruff_findings(ruff, root)
    new = {k: after[k] - before.get(k, 0) for k in after if after[k] > before.get(k, 0)}
    per_code = collections.Counter()
    for (_, code, _), n in new.items():
        per_code[code] += n
    # Which changed files ruff format accepted before: write the originals back to ask.
    migrated = {f: (root / f).read_bytes() for f in changed}
    for f in changed:
        (root / f).write_bytes(originals[f])
    formatted_before = format_accepted(ruff, root, changed)
    for f in changed:
        (root / f).write_bytes(migrated[f])
    formatted_after = format_accepted(ruff, root, sorted(formatted_before))
    unformatted = sorted(formatted_before - formatted_after)
    counts = " ".join(f"{c}={per_code.get(c, 0)}" for c in SELECT.split(","))
    summary = (
        f"{len(changed)} files changed; ruff findings before {sum(before.values())}, after "
        f"{sum(after.values())}; new: {counts}; format-clean changed files "
        f"{len(formatted_before)}, still clean {len(formatted_after)}"
    )
    problems = [f"  new {k[1]} in {k[0]}: {k[2] or ''} (+{n})" for k, n in sorted(new.items())]
    problems += [f"  no longer ruff-format clean: {f}" for f in unformatted]
    return not problems, True, "\n".join([summary, *problems])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wsmigrate", required=True)
    parser.add_argument("--base", required=True, type=Path)
    args = parser.parse_args()
    base = args.base.resolve()
    ruff = ensure_ruff(base)
    passed = failed = migrated = 0
    for requirement in PACKAGES:
        ok, changed, text = review(
            args.wsmigrate, ruff, base / "dists", base / "work", requirement
        )
        print(f"{'ok  ' if ok else 'FAIL'} {requirement}: {text}", flush=True)
        passed += ok
        failed += not ok
        migrated += ok and changed
    if migrated < 10:
        print(f"only {migrated} packages were migrated; the review needs at least 10")
        failed += 1
    print(f"ruff-review: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
