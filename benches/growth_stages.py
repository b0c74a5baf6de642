#!/usr/bin/env python3
"""Growth checks: is every stage linear in the size of its input?

For each input shape, generates inputs of 1x, 4x and 16x a base size, runs wsmigrate on each,
and prints a table of CPU time and peak memory (max RSS of the wsmigrate process). A shape
passes when 4x the input costs at most 5x the time (and, for the memory shapes, at most 5x
the memory) at each step. Exit status 1 when a shape fails.

    benches/growth_stages.py [--bin PATH] [--scale K] [--only SHAPE,...] [--json FILE]

--bin    the wsmigrate binary (default: target/release/wsmigrate if built, else target/debug)
--scale  multiplies every base size (default 1; use 0.25 for a quick look with a debug build)
--only   comma-separated shape names (see --list)
--json   also write the measurements as JSON (for benches/run.sh)

Standalone: needs only Python 3 and the binary. Inputs go to a temporary directory.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FUNCTION = """
async def handler_{i}(uri):
    async with websockets.connect(uri) as ws:
        ws.fail_connection(1011, "stop")
        await ws.send("x")
"""
IMPORT_FUNCTION = """
async def handler_{i}(uri):
    async with connect(uri) as ws:
        ws.fail_connection(1011, "stop")
        print(ws.transfer_data_task)
"""


def functions(n):
    return "import websockets\n" + "".join(FUNCTION.format(i=i) for i in range(n))


def legacy_import_functions(n):
    # Findings whose fixes need an import each: the importer's per-finding work.
    return "from websockets.legacy.client import connect\n" + "".join(
        IMPORT_FUNCTION.format(i=i) for i in range(n)
    )


def attribute_chain(n):
    return "import websockets\n\nx = websockets" + ".a" * n + "\n"


def open_chain(n):
    return (
        "import websockets\n\n\nasync def f(uri):\n"
        "    async with websockets.connect(uri) as ws:\n"
        "        x = ws" + ".open" * n + "\n"
    )


def nested_lists(n):
    return (
        "import websockets\n\nx = "
        + "[websockets.WebSocketClientProtocol, " * n
        + "1"
        + "]" * n
        + "\n"
    )


def nested_calls(n):
    return "import websockets\n\nx = " + "g(" * n + "websockets.connect" + ")" * n + "\n"


def many_files(n):
    return {f"m{i:06}.py": FUNCTION.format(i=i).replace("async def", "import websockets\nasync def", 1) for i in range(n)}


# name: (generator, base size, wsmigrate arguments, measure memory too)
SHAPES = {
    "check": (functions, 1000, ["check", "--output-format", "concise"], False),
    "check-imports": (legacy_import_functions, 1000, ["check", "--output-format", "concise"], False),
    "fix": (functions, 1000, ["check", "--fix", "--output-format", "concise"], False),
    "fix-imports": (legacy_import_functions, 500, ["check", "--fix", "--unsafe-fixes", "--output-format", "concise"], False),
    "attribute-chain": (attribute_chain, 2500, ["check", "--output-format", "concise"], False),
    "open-chain": (open_chain, 2500, ["check", "--output-format", "concise"], False),
    "nested-lists": (nested_lists, 500, ["check", "--output-format", "concise"], False),
    "nested-calls": (nested_calls, 2500, ["check", "--output-format", "concise"], True),
    "full": (functions, 500, ["check", "--output-format", "full"], False),
    "diff": (functions, 1000, ["check", "--diff"], False),
    "add-noqa": (functions, 1000, ["check", "--add-noqa"], False),
    "json-files": (many_files, 500, ["check", "--output-format", "json"], True),
    "sarif-files": (many_files, 500, ["check", "--output-format", "sarif"], True),
    "concise-files": (many_files, 500, ["check", "--output-format", "concise"], True),
}

STEPS = (1, 4, 16)
LIMIT = 5.0


def default_bin():
    for profile in ("release", "debug"):
        path = os.path.join(ROOT, "target", profile, "wsmigrate")
        if os.path.exists(path):
            return path
    sys.exit("no wsmigrate binary: build one or pass --bin")


def run_once(binary, args, workdir):
    """CPU seconds, wall seconds and peak RSS (MiB) of one wsmigrate run."""
    with tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [binary] + args,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=err_file,
            stdin=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err_file.seek(0)
        err = err_file.read().decode(errors="replace")
    code = proc.returncode
    if code not in (0, 1) or "panicked" in err:
        raise RuntimeError(f"{' '.join(args)}: exit {code}: {err[-2000:]}")
    # CPU time (all threads), not wall time: on a shared machine wall time mostly measures the
    # neighbours.
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024.0


def measure(binary, name, scale, tmp):
    generate, base, args, memory = SHAPES[name]
    rows = []
    for step in STEPS:
        n = max(1, int(base * scale * step))
        workdir = os.path.join(tmp, f"{name}-{step}")
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        made = generate(n)
        files = made if isinstance(made, dict) else {"input.py": made}
        for file, text in files.items():
            with open(os.path.join(workdir, file), "w") as f:
                f.write(text)
        target = "." if isinstance(made, dict) else "input.py"
        seconds, wall, rss = run_once(binary, args + [target], workdir)
        size = sum(len(t) for t in files.values())
        rows.append({"step": step, "n": n, "bytes": size, "seconds": seconds, "wall": wall, "rss_mib": rss})
        shutil.rmtree(workdir, ignore_errors=True)
    # A floor of 20 ms: below it, process start-up dominates and ratios are noise.
    ratios = [b["seconds"] / max(a["seconds"], 0.02) for a, b in zip(rows, rows[1:])]
    mem = [b["rss_mib"] / max(a["rss_mib"], 1.0) for a, b in zip(rows, rows[1:])]
    ok = all(r <= LIMIT for r in ratios) and (not memory or all(m <= LIMIT for m in mem))
    return {"shape": name, "rows": rows, "time_ratios": ratios, "memory_ratios": mem, "memory": memory, "ok": ok}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--bin", default=None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default="")
    parser.add_argument("--json", default=None)
    parser.add_argument("--list", action="store_true")
    options = parser.parse_args()
    if options.list:
        print("\n".join(SHAPES))
        return 0
    binary = os.path.abspath(options.bin or default_bin())
    names = [n for n in options.only.split(",") if n] or list(SHAPES)
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        sys.exit(f"unknown shape(s): {', '.join(unknown)} (see --list)")
    results = []
    print(f"binary: {binary}  scale: {options.scale}  limit: {LIMIT}x time per 4x input")
    print("times are CPU seconds (user + system, all threads) of the wsmigrate process")
    header = f"{'shape':<16} {'n (1x)':>8} " + " ".join(f"{f'{s}x s':>9}" for s in STEPS)
    header += f" {'ratios':>13} {'peak MiB (1x/4x/16x)':>22}  ok"
    print(header)
    with tempfile.TemporaryDirectory(prefix="wsmigrate-growth-") as tmp:
        for name in names:
            r = measure(binary, name, options.scale, tmp)
            results.append(r)
            times = " ".join(f"{row['seconds']:>9.3f}" for row in r["rows"])
            ratios = "/".join(f"{x:.1f}" for x in r["time_ratios"])
            mem = "/".join(f"{row['rss_mib']:.0f}" for row in r["rows"])
            print(
                f"{name:<16} {r['rows'][0]['n']:>8} {times} {ratios:>13} {mem:>22}  "
                f"{'yes' if r['ok'] else 'NO'}",
                flush=True,
            )
    if options.json:
        with open(options.json, "w") as f:
            json.dump({"binary": binary, "scale": options.scale, "results": results}, f, indent=1)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
