#!/usr/bin/env python3
"""Turn the raw data of benches/run.sh (BENCH_DIR/raw) into results.md on stdout."""

import glob
import json
import os
import re
import statistics
import sys

BENCH = sys.argv[1]
RAW = os.path.join(BENCH, "raw")
CORPUS = os.path.join(BENCH, "corpus")

facts = {}
with open(os.path.join(RAW, "facts.tsv")) as f:
    for line in f:
        k, _, v = line.rstrip("\n").partition("\t")
        facts[k] = v

WS_OK = facts.get("ws_ok") == "1"
NA = "n/a"


def manifest(name):
    p = os.path.join(CORPUS, name + ".manifest.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)


def hf(name):
    """{command name: result dict} from a hyperfine --export-json file."""
    p = os.path.join(RAW, f"hf_{name}.json")
    if not os.path.exists(p):
        return {}
    with open(p) as f:
        doc = json.load(f)
    return {r["command"]: r for r in doc["results"]}


def median(name, cmd):
    r = hf(name).get(cmd)
    return r["median"] if r else None


def parse_elapsed(s):
    parts = [float(x) for x in s.split(":")]
    t = 0.0
    for p in parts:
        t = t * 60 + p
    return t


def time_runs(name):
    """Median peak RSS (MB), elapsed, user, sys, cpu/wall over the runs of NAME."""
    runs = []
    for p in sorted(glob.glob(os.path.join(RAW, "time", f"{name}.*.txt"))):
        with open(p) as f:
            txt = f.read()
        m = {}
        for key, pat in [
            ("rss", r"Maximum resident set size \(kbytes\): (\d+)"),
            ("user", r"User time \(seconds\): ([\d.]+)"),
            ("sys", r"System time \(seconds\): ([\d.]+)"),
            ("elapsed", r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)"),
            ("exit", r"Exit status: (\d+)"),
        ]:
            mm = re.search(pat, txt)
            if mm:
                m[key] = mm.group(1)
        if "rss" not in m:
            continue
        el = parse_elapsed(m["elapsed"])
        u, s = float(m["user"]), float(m["sys"])
        runs.append({
            "rss": int(m["rss"]) / 1024,
            "elapsed": el,
            "user": u,
            "sys": s,
            "cpu": (u + s) / el if el > 0 else None,
            "exit": int(m.get("exit", -1)),
        })
    if not runs:
        return None
    out = {k: statistics.median(r[k] for r in runs) for k in ("rss", "elapsed", "user", "sys")}
    cpus = [r["cpu"] for r in runs if r["cpu"] is not None]
    out["cpu"] = statistics.median(cpus) if cpus else None
    out["n"] = len(runs)
    out["exit"] = sorted({r["exit"] for r in runs})
    return out


def fmt_s(x):
    if x is None:
        return NA
    return f"{x:.3f}" if x < 10 else f"{x:.2f}"


def fmt_x(x):
    return NA if x is None else f"{x:.2f}×"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def status(ok):
    if ok is None:
        return "n/a"
    return "**met**" if ok else "**NOT met**"


out = []
w = out.append

w("# wsmigrate benchmark results")
w("")
w(f"Command: `{facts.get('command', 'bash benches/run.sh')}` — "
  f"hyperfine `--warmup {facts.get('warmup')} --runs {facts.get('runs')}`, medians; "
  f"`/usr/bin/time -v` medians of {facts.get('time_runs')} runs.")
w("")
w("## Machine")
w("")
w(f"- date: {facts.get('date')}")
w(f"- nproc: {facts.get('nproc')}; CPU: {facts.get('cpu_model')}; RAM: {facts.get('mem_total')}; {facts.get('kernel')}")
w(f"- load average (1/5/15 min) at start: {facts.get('load_start')}, at end: {facts.get('load_end')}"
  + (" — **the machine was busy; treat ratios with care**"
     if max(float(facts.get('load_start', '0 0 0').split()[0]), float(facts.get('load_end', '0 0 0').split()[0]))
     > float(facts.get('nproc', '1')) else ""))
w(f"- wsmigrate: `{facts.get('ws_path')}` (sha256 {facts.get('ws_sha')}) at commit {facts.get('ws_commit')}"
  + ("" if WS_OK else f" — **not usable** (probe exit {facts.get('probe_exit', 'none')}); wsmigrate rows are n/a"))
w(f"- {facts.get('ruff_version')} (PyPI, venv); {facts.get('hyperfine_version')}; {facts.get('python_version')}")
w("")

# ------------------------------------------------------------------ corpora
w("## Corpora")
w("")
w("| corpus | .py files | MB | files containing `websockets` (grep) | files seen by ruff | wsmigrate diagnostics | files flagged by wsmigrate | wsmigrate exit |")
w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for c in ("mostly-irrelevant", "all-relevant"):
    m = manifest(c) or {}
    w(f"| {c} | {m.get('files', NA)} | {m.get('mb', NA)} | {facts.get('grep_files_' + c, NA)} | "
      f"{facts.get('ruff_files_' + c, NA)} | {facts.get('ws_diags_' + c, NA)} | {facts.get('ws_files_' + c, NA)} | "
      f"{facts.get('ws_exit_' + c, NA)} |")
w("")
irr, rel = manifest("mostly-irrelevant") or {}, manifest("all-relevant") or {}
w(f"- mostly-irrelevant: copy of every `.py` of {', '.join(irr.get('roots', []))} (sha256 `{irr.get('sha256', '')[:16]}`)")
w(f"- all-relevant: {rel.get('source_modules_used', NA)} stdlib/site-packages modules with legacy websockets "
  f"usage injected + {rel.get('fixture_files_written', 0)} files replicated from {rel.get('fixture_files_distinct', 0)} "
  f"`fixtures/**/*.py` (sha256 `{rel.get('sha256', '')[:16]}`)")
if WS_OK and "fix_changed_files" in facts:
    w(f"- `--fix` changed {facts['fix_changed_files']} files of the all-relevant copy; "
      f"diagnostics left after the fix: {facts.get('ws_diags_after_fix', NA)}")
w("")

# ------------------------------------------------------------------ wall time
w("## Wall time (hyperfine)")
w("")
w("| corpus | command | median s | mean ± σ s | min s | max s | user s | sys s |")
w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for c in ("mostly-irrelevant", "all-relevant", "fix"):
    label = "all-relevant (fresh copy per run)" if c == "fix" else c
    for cmd, r in hf(c).items():
        w(f"| {label} | `{cmd}` | {fmt_s(r['median'])} | {r['mean']:.3f} ± {r['stddev'] or 0:.3f} | "
          f"{fmt_s(r['min'])} | {fmt_s(r['max'])} | {r['user']:.3f} | {r['system']:.3f} |")
w("")

ws_irr = median("mostly-irrelevant", "wsmigrate check")
ruff_irr = median("mostly-irrelevant", "ruff PLE0101")
grep_irr = median("mostly-irrelevant", "grep -rl")
ws_rel = median("all-relevant", "wsmigrate check")
ruff_rel = median("all-relevant", "ruff PLE0101")
grep_rel = median("all-relevant", "grep -rl")
chk_copy = median("fix", "check (fresh copy)")
fix_copy = median("fix", "check --fix (fresh copy)")

t_ws_irr, t_ruff_irr = time_runs("ws_mostly-irrelevant"), time_runs("ruff_mostly-irrelevant")
t_ws_rel, t_ruff_rel = time_runs("ws_all-relevant"), time_runs("ruff_all-relevant")


def rss_ok(a, b):
    if not a or not b:
        return None
    return a["rss"] <= b["rss"]


# ------------------------------------------------------------------ scaling
scale = []
sizes = [int(x) for x in facts.get("scale_sizes", "").split()]
for n in sizes:
    med = median(f"scale-{n}", "wsmigrate check")
    m = manifest(f"scale-{n}") or {}
    t = time_runs(f"scale-{n}")
    scale.append({"n": n, "median": med, "mb": m.get("mb"), "t": t})
linear = None
lin_txt = NA
pts = [s for s in scale if s["median"]]
if len(pts) >= 2:
    big, ref = pts[-1], pts[-2]
    per_big, per_ref = big["median"] / big["n"], ref["median"] / ref["n"]
    g = per_big / per_ref
    linear = g <= 1.25
    lin_txt = (f"per-file time at {big['n']:,} files = {g:.2f}× that at {ref['n']:,} "
               f"(t{big['n']//1000}k/t{ref['n']//1000}k = {big['median']/ref['median']:.1f} for {big['n']/ref['n']:.0f}× the files)")

cpu_rel = t_ws_rel["cpu"] if t_ws_rel else None

# ------------------------------------------------------------------ targets
w("## Ratios and targets")
w("")
w("| corpus | measure | value | target | status |")
w("| --- | --- | ---: | --- | --- |")
r = ratio(ws_irr, grep_irr)
w(f"| mostly-irrelevant | wsmigrate / grep | {fmt_x(r)} | ≤ 1.5× | {status(None if r is None else r <= 1.5)} |")
r = ratio(ruff_irr, ws_irr)
w(f"| mostly-irrelevant | ruff / wsmigrate | {fmt_x(r)} | ≥ 5× | {status(None if r is None else r >= 5)} |")
r = ratio(ws_rel, ruff_rel)
w(f"| all-relevant | wsmigrate check / ruff | {fmt_x(r)} | ≤ 1.0× | {status(None if r is None else r <= 1.0)} |")
r2 = ratio(ruff_rel, ws_rel)
w(f"| all-relevant | ruff / wsmigrate check | {fmt_x(r2)} | (info) | |")
r = ratio(ws_rel, grep_rel)
w(f"| all-relevant | wsmigrate check / grep | {fmt_x(r)} | (info) | |")
r = ratio(fix_copy, chk_copy)
w(f"| all-relevant | check --fix / check (both on a fresh copy) | {fmt_x(r)} | ≤ 1.5× | {status(None if r is None else r <= 1.5)} |")
for c, a, b in (("mostly-irrelevant", t_ws_irr, t_ruff_irr), ("all-relevant", t_ws_rel, t_ruff_rel)):
    val = NA if not (a and b) else f"{a['rss']:.0f} MB vs {b['rss']:.0f} MB"
    w(f"| {c} | peak RSS wsmigrate vs ruff | {val} | wsmigrate ≤ ruff | {status(rss_ok(a, b))} |")
w(f"| scaling | {lin_txt} | | linear (per-file time grows ≤ 1.25×) | {status(linear)} |")
w(f"| all-relevant | CPU time / wall (wsmigrate, /usr/bin/time) | {NA if cpu_rel is None else f'{cpu_rel:.2f}'} | ≥ 1.7 | "
  f"{status(None if cpu_rel is None else cpu_rel >= 1.7)} |")
w("")

# ------------------------------------------------------------------ memory
w("## Peak memory and CPU (`/usr/bin/time -v`)")
w("")
w("| corpus | tool | peak RSS MB | elapsed s | user s | sys s | CPU/wall | exit |")
w("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
for c in ("mostly-irrelevant", "all-relevant"):
    for tool, key in (("wsmigrate check", "ws"), ("ruff PLE0101", "ruff")):
        t = time_runs(f"{key}_{c}")
        if not t:
            w(f"| {c} | {tool} | {NA} | | | | | |")
            continue
        w(f"| {c} | {tool} | {t['rss']:.1f} | {fmt_s(t['elapsed'])} | {t['user']:.2f} | {t['sys']:.2f} | "
          f"{NA if t['cpu'] is None else format(t['cpu'], '.2f')} | {','.join(map(str, t['exit']))} |")
w("")

# ------------------------------------------------------------------ scaling table
w("## Scaling (`wsmigrate check` on copies of all-relevant)")
w("")
if not scale:
    w("Not run (wsmigrate unusable, or BENCH_SKIP_SCALING=1).")
else:
    w(f"hyperfine `--warmup 1 --runs {facts.get('scale_runs')}`, medians; CPU/wall and RSS from one `/usr/bin/time -v` run."
      + (" Copies are hard links." if facts.get("scale_hardlink") == "1" else " Copies are real files."))
    w("")
    w("| files | MB | median s | µs / file | MB/s | CPU/wall | peak RSS MB |")
    w("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for s in scale:
        med, t = s["median"], s["t"]
        per = NA if med is None else f"{med / s['n'] * 1e6:.1f}"
        mbs = NA if (med is None or not s["mb"]) else f"{s['mb'] / med:.0f}"
        cpu = NA if not t or t["cpu"] is None else f"{t['cpu']:.2f}"
        rss = NA if not t else f"{t['rss']:.0f}"
        mb = NA if s["mb"] is None else s["mb"]
        w(f"| {s['n']:,} | {mb} | {fmt_s(med)} | {per} | {mbs} | {cpu} | {rss} |")
    w("")
    if sizes and max(sizes) < 100000:
        w(f"**Note:** the 100k-file point was sized down to {max(sizes):,} files (BENCH_SCALE_SIZES or low disk).")
        w("")
if facts.get("scale_skipped"):
    w(f"**Note:** scaling size {facts['scale_skipped']} skipped for lack of disk space.")
    w("")

w("Ratios are computed from medians of the same run on the same files; the machine is shared and noisy, "
  "so differences under ~10% are not meaningful.")
print("\n".join(out))
