#!/usr/bin/env python3
"""Growth inside one file (benches/run.sh): for each shape, a module at 1x, 4x
and 16x the input (bytes), `wsmigrate check` and `wsmigrate check --fix` (on a
fresh copy each run), CPU time (user+sys of the child) and peak RSS, and the
ratios 4x/1x and 16x/4x, which must stay <= 5 (linear, with some slack).

    python3 benches/growth.py WSMIGRATE OUT_DIR [--runs N] [--timeout S]

Writes OUT_DIR/growth.json (rows for benches/report.py) and prints a table.
CPU time is used rather than wall time: a single file is checked on one thread,
and on a shared machine the CPU time of that thread moves far less with the
load than the wall time does. Each point is the minimum over --runs runs.

Shapes (the unit is repeated, or grown, to reach the size):
  findings      connection attributes with no automatic fix (WS003/WS004)
  fixes         `ws.fail_connection(...)` calls, each with a fix (WS001)
  imports       legacy `from websockets.legacy... import ... as aN` lines, used
  definitions   distinct handler functions, each passed to serve()
  nesting       nested `async def` scopes with a connection used at every level
                (1-space indent; depth grows as the square root of the size,
                so the bytes grow 4x per step)
  line length   one line listing `ws.open` N times (its length grows)
  repeated fns  the same four-line function (`import websockets` + a
                fail_connection call) repeated: one name bound many times
"""

import argparse
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

FACTORS = (1, 4, 16)


def findings(n):
    out = ["import websockets\n\n\nasync def handler(websocket, path):\n"]
    for i in range(n):
        out.append(f"    a{i} = websocket.request_headers, websocket.host\n")
    out.append("\n\nstart = websockets.serve(handler, 'localhost', 8765)\n")
    return "".join(out)


def fixes(n):
    out = ["import websockets\n\n\nasync def client(uri):\n",
           "    async with websockets.connect(uri) as ws:\n"]
    for i in range(n):
        out.append(f"        ws.fail_connection({1000 + i % 3000}, 'r{i}')\n")
    return "".join(out)


def imports(n):
    out = []
    for i in range(n):
        mod = ("client", "server", "protocol")[i % 3]
        name = ("connect", "serve", "WebSocketCommonProtocol")[i % 3]
        out.append(f"from websockets.legacy.{mod} import {name} as a{i}\n")
    out.append("\n\ndef use():\n    return [\n")
    for i in range(n):
        out.append(f"        a{i},\n")
    out.append("    ]\n")
    return "".join(out)


def definitions(n):
    out = ["import websockets\n\n"]
    for i in range(n):
        out.append(
            f"\nasync def handler_{i}(websocket, path):\n"
            f"    if websocket.open:\n"
            f"        await websocket.send(path + '{i}')\n\n"
            f"server_{i} = websockets.serve(handler_{i}, 'localhost', {8000 + i % 1000})\n"
        )
    return "".join(out)


def nesting(depth):
    out = ["import websockets\n\n\n"]
    for d in range(depth):
        ind = " " * d
        out.append(f"{ind}async def level_{d}(websocket, path):\n")
        out.append(f"{ind} if websocket.open: websocket.fail_connection(1011, 'x{d}')\n")
    out.append(f"{' ' * depth}pass\n")
    out.append("\n\nstart = websockets.serve(level_0, 'localhost', 8765)\n")
    return "".join(out)


def line_length(n):
    items = ", ".join("ws.open" for _ in range(n))
    return (
        "import websockets\n\n\nasync def client(uri):\n"
        "    async with websockets.connect(uri) as ws:\n"
        f"        return [{items}]\n"
    )


def repeated_functions(n):
    unit = (
        "async def f(uri):\n"
        "    import websockets\n"
        "    async with websockets.connect(uri) as ws:\n"
        "        ws.fail_connection(1011, 'x')\n\n"
    )
    return unit * n


# name, generator, base size, how the size grows with the factor
SHAPES = [
    ("findings", findings, 2000, lambda k: k),
    ("fixes", fixes, 2500, lambda k: k),
    ("imports", imports, 2000, lambda k: k),
    ("definitions", definitions, 1000, lambda k: k),
    ("nesting", nesting, 250, lambda k: math.isqrt(k)),
    ("line length", line_length, 5000, lambda k: k),
    ("repeated fns", repeated_functions, 2500, lambda k: k),
]


def run_once(cmd, timeout, scratch):
    """(cpu seconds, wall seconds, peak RSS MB, exit code) of one run, or None on timeout.

    Peak RSS through GNU time: the rusage of a child forked from this (large) Python process
    counts the pages it had before exec in its peak RSS."""
    out = os.path.join(scratch, "time.txt")
    start = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M %x", "-o", out] + cmd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # time and the wsmigrate it runs
        proc.wait()
        return None
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time from this process' children accounting (microseconds; GNU time's is 10 ms),
    # peak RSS from GNU time.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(out) as f:
        rss_kb, code = f.read().split()[-2:]
    return cpu, wall, int(rss_kb) / 1024, int(code)


def measure(ws, path, fix, runs, timeout, work):
    best = None
    for _ in range(runs):
        target = path
        if fix:
            target = os.path.join(work, os.path.basename(path))
            shutil.copyfile(path, target)
        cmd = [ws, "check", "--isolated", "--output-format", "concise", "--threads", "1"]
        if fix:
            cmd.append("--fix")
        got = run_once(cmd + [target], timeout, work)
        if got is None:
            return {"timeout": timeout}
        if got[3] not in (0, 1):
            return {"error": f"exit {got[3]}"}
        if best is None or got[0] < best["cpu"]:
            best = {"cpu": got[0], "wall": got[1], "rss_mb": got[2]}
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("wsmigrate")
    p.add_argument("out")
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--shapes", help="comma-separated subset of shape names")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = os.path.join(args.out, "work")
    os.makedirs(work, exist_ok=True)
    wanted = set(args.shapes.split(",")) if args.shapes else None

    empty = os.path.join(args.out, "empty.py")
    with open(empty, "w") as f:
        f.write("import websockets\n")
    base = measure(args.wsmigrate, empty, False, args.runs, args.timeout, work)
    rows = []
    for name, gen, size, grow in SHAPES:
        if wanted and name not in wanted:
            continue
        for mode in ("check", "fix"):
            row = {"shape": name, "mode": mode, "points": []}
            for k in FACTORS:
                src = gen(size * grow(k))
                path = os.path.join(args.out, f"{name.replace(' ', '_')}_{k}.py")
                with open(path, "w") as f:
                    f.write(src)
                m = measure(args.wsmigrate, path, mode == "fix", args.runs, args.timeout, work)
                m["factor"] = k
                m["bytes"] = len(src.encode())
                row["points"].append(m)
                print(f"{name:14} {mode:5} {k:>3}x {len(src) / 1e6:7.2f} MB  {m}", file=sys.stderr)
                if "cpu" not in m:
                    break  # a timeout at 4x: 16x would only take longer
            rows.append(row)
    shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(args.out, "growth.json"), "w") as f:
        json.dump({"baseline": base, "factors": FACTORS, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
