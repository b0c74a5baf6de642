#!/usr/bin/env python3
"""Turn the raw data of benches/run.sh (BENCH_DIR/raw) into results.md on stdout.

    python3 benches/report.py BENCH_DIR [--readme README.md]

With --readme, the README's Performance table (between the `bench-table`
markers) is replaced with this run's instead of printing the report."""

import glob
import json
import os
import re
import statistics
import sys

BENCH = sys.argv[1]
README = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--readme" else None
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


def quartiles(times):
    """(q1, q3) of a list of run times (inclusive method; n >= 2)."""
    if len(times) < 2:
        return (times[0], times[0]) if times else (None, None)
    q = statistics.quantiles(times, n=4, method="inclusive")
    return q[0], q[2]


def spread(r):
    """`min / q1 / median / q3 / max` of one hyperfine result."""
    times = sorted(r.get("times") or [])
    if not times:
        return NA
    q1, q3 = quartiles(times)
    return f"{times[0]:.3f} / {q1:.3f} / **{r['median']:.3f}** / {q3:.3f} / {times[-1]:.3f}"


def run_ratios(name, a, b):
    """Run-by-run ratios a/b when both commands ran in the same hyperfine invocation, sorted."""
    res = hf(name)
    if a not in res or b not in res:
        return []
    ta, tb = res[a].get("times") or [], res[b].get("times") or []
    return sorted(x / y for x, y in zip(ta, tb) if y > 0)


def floor_counts(corpus):
    """{'files': .., 'not_utf8': .., 'syntax_errors': .., 'bytes': ..} from the parse floor."""
    txt = facts.get("floor_" + corpus)
    if not txt:
        return {}
    return {k: int(v) for k, v in (kv.split("=") for kv in txt.split())}


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
w(f"Command: `{facts.get('command', 'bash benches/run.sh')}` — build profile `{facts.get('profile', 'release')}`; "
  f"hyperfine `--warmup {facts.get('warmup')} --runs {facts.get('runs')}` "
  f"(spread: min / q1 / **median** / q3 / max of the runs); "
  f"`/usr/bin/time -v` medians of {facts.get('time_runs')} runs.")
w("")
w("## Machine")
w("")
w(f"- date: {facts.get('date')}")
w(f"- nproc: {facts.get('nproc')}; CPU: {facts.get('cpu_model')}; RAM: {facts.get('mem_total')}; {facts.get('kernel')}")
BUSY = max(float(facts.get('load_start', '0 0 0').split()[0]), float(facts.get('load_end', '0 0 0').split()[0])) \
    > float(facts.get('nproc', '1'))
w(f"- load average (1/5/15 min) at start: {facts.get('load_start')}, at end: {facts.get('load_end')}"
  + (" — **the machine was busy; treat ratios with care**" if BUSY else ""))
w(f"- wsmigrate: `{facts.get('ws_path')}` (sha256 {facts.get('ws_sha')}) at commit {facts.get('ws_commit')}"
  + ("" if WS_OK else f" — **not usable** (probe exit {facts.get('probe_exit', 'none')}); wsmigrate rows are n/a"))
w(f"- {facts.get('ruff_version')} (PyPI, venv); {facts.get('hyperfine_version')}; {facts.get('python_version')}")
w("")

# ------------------------------------------------------------------ corpora
w("## Corpora, and did every tool see every file")
w("")
w("| corpus | .py files | MB | grep `websockets` | seen by ruff | floor: not UTF-8 | floor: syntax errors "
  "| wsmigrate diagnostics | flagged files | WS901 files | WS902 files | wsmigrate exit |")
w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for c in ("mostly-irrelevant", "all-relevant"):
    m = manifest(c) or {}
    fl = floor_counts(c)
    w(f"| {c} | {m.get('files', NA)} | {m.get('mb', NA)} | {facts.get('grep_files_' + c, NA)} | "
      f"{facts.get('ruff_files_' + c, NA)} | {fl.get('not_utf8', NA)} | {fl.get('syntax_errors', NA)} | "
      f"{facts.get('ws_diags_' + c, NA)} | {facts.get('ws_files_' + c, NA)} | {facts.get('ws_901_' + c, NA)} | "
      f"{facts.get('ws_902_' + c, NA)} | {facts.get('ws_exit_' + c, NA)} |")
w("")
irr, rel = manifest("mostly-irrelevant") or {}, manifest("all-relevant") or {}
w(f"- mostly-irrelevant: a copy of every `.py` file of {', '.join(irr.get('roots', []))} "
  f"(sha256 `{irr.get('sha256', '')[:16]}`)")
w(f"- all-relevant: every file of mostly-irrelevant, nothing filtered out, with one of "
  f"{rel.get('snippets', NA)} legacy websockets snippets appended (files per snippet: "
  f"{rel.get('files_per_snippet', NA)}); {rel.get('files_not_utf8', NA)} files are not UTF-8 and CPython "
  f"rejects {rel.get('files_cpython_rejects', NA)} (sha256 `{rel.get('sha256', '')[:16]}`)")
w("- *floor* = `examples/parse_floor.rs`: reads every file and parses it with `ruff_python_parser` alone. "
  "On all-relevant every file has a snippet, so wsmigrate must flag every file: WS901 for the files it "
  "cannot decode (the floor's not-UTF-8 count) and WS902 for the files that do not parse (the floor's "
  "syntax-error count); anything else means a file was skipped.")
if WS_OK and "fix_changed_files" in facts:
    w(f"- `--fix` changed {facts['fix_changed_files']} files of the all-relevant copy; "
      f"diagnostics left after the fix: {facts.get('ws_diags_after_fix', NA)}")
w("")


def every_file_checked():
    m, fl = manifest("all-relevant") or {}, floor_counts("all-relevant")
    try:
        files, flagged = int(m["files"]), int(facts["ws_files_all-relevant"])
        e901, e902 = int(facts["ws_901_all-relevant"]), int(facts["ws_902_all-relevant"])
        ruff_seen = int(facts["ruff_files_all-relevant"])
    except (KeyError, ValueError):
        return None, NA
    ok = flagged == files and ruff_seen == files
    txt = f"{flagged:,} of {files:,} flagged (ruff saw {ruff_seen:,}); WS901 {e901}, WS902 {e902}"
    if fl:
        ok = ok and e901 == fl["not_utf8"] and e902 == fl["syntax_errors"] and fl["files"] == files
        txt += f" vs floor {fl['not_utf8']} / {fl['syntax_errors']}"
    return ok, txt


# ------------------------------------------------------------------ wall time
w("## Wall time (hyperfine)")
w("")
w("| corpus | command | min / q1 / **median** / q3 / max s | mean ± σ s | user s | sys s |")
w("| --- | --- | --- | ---: | ---: | ---: |")
for c in ("mostly-irrelevant", "all-relevant", "fix"):
    label = "all-relevant (fresh copy per run)" if c == "fix" else c
    for cmd, r in hf(c).items():
        w(f"| {label} | `{cmd}` | {spread(r)} | {r['mean']:.3f} ± {r['stddev'] or 0:.3f} | "
          f"{r['user']:.3f} | {r['system']:.3f} |")
w("")

def cpu_s(name, cmd):
    """Mean user+sys CPU seconds of one hyperfine command."""
    r = hf(name).get(cmd)
    return r["user"] + r["system"] if r else None


ws_irr = median("mostly-irrelevant", "wsmigrate check")
ruff_irr = median("mostly-irrelevant", "ruff PLE0101")
grep_irr = median("mostly-irrelevant", "grep -rl")
ws_rel = median("all-relevant", "wsmigrate check")
ruff_rel = median("all-relevant", "ruff PLE0101")
grep_rel = median("all-relevant", "grep -rl")
floor_rel = median("all-relevant", "parse floor")
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
               f"({big['median'] / ref['median']:.1f}× the time for {big['n'] / ref['n']:.0f}× the files)")

cpu_rel = t_ws_rel["cpu"] if t_ws_rel else None

# ------------------------------------------------------------------ growth
growth = None
gp = os.path.join(RAW, "growth.json")
if os.path.exists(gp):
    with open(gp) as f:
        growth = json.load(f)
GROWTH_LIMIT = 5.0


def growth_ratios(row, key, base=0.0):
    """[(factor, ratio to the previous point)] for key ('cpu' or 'rss_mb'), minus base."""
    pts = row["points"]
    out = []
    for a, b in zip(pts, pts[1:]):
        if key not in a or key not in b:
            out.append((b["factor"], None))
            continue
        va, vb = a[key] - base, b[key] - base
        out.append((b["factor"], vb / va if va > 0 else None))
    return out


growth_ok = None
growth_worst = NA
if growth:
    rss0 = (growth.get("baseline") or {}).get("rss_mb", 0.0)
    worst = []
    growth_ok = True
    for row in growth["rows"]:
        for p in row["points"]:
            if "cpu" not in p:
                growth_ok = False
                worst.append((float("inf"), f"{row['shape']} {row['mode']} {p['factor']}× "
                              f"({'timeout' if 'timeout' in p else p.get('error')})"))
        for key, base in (("cpu", 0.0), ("rss_mb", rss0)):
            for k, r in growth_ratios(row, key, base):
                if r is None:
                    continue
                # memory: only where the file's own memory is measurable (> 2 MB above baseline)
                if key == "rss_mb" and min(p["rss_mb"] for p in row["points"] if "rss_mb" in p) - rss0 < 2:
                    continue
                worst.append((r, f"{row['shape']} {row['mode']} {'time' if key == 'cpu' else 'memory'} "
                                 f"{k // 4}×→{k}×"))
                if r > GROWTH_LIMIT:
                    growth_ok = False
    if worst:
        r, what = max(worst)
        growth_worst = f"worst: {what} = {'∞' if r == float('inf') else f'{r:.1f}×'}"

# ------------------------------------------------------------------ project stages
def stage_times(corpus):
    """Median over the runs of {stage: (wall ms, cpu ms)} from WSMIGRATE_TIMINGS=1 output."""
    runs = []
    for name in sorted(os.listdir(RAW)) if os.path.isdir(RAW) else []:
        if name.startswith(f"timings_{corpus}.") and name.endswith(".txt"):
            stages = {}
            with open(os.path.join(RAW, name)) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 4:
                        stages[parts[1]] = (float(parts[2]), float(parts[3]))
            if "total" in stages:
                runs.append(stages)
    if not runs:
        return None
    runs.sort(key=lambda r: r["total"][1])
    return runs[len(runs) // 2]


def project_share(corpus):
    st = stage_times(corpus)
    if not st or not st["total"][1]:
        return None, NA
    share = st.get("project-stages", (0, 0))[1] / st["total"][1]
    return share, f"{share * 100:.0f}% ({st.get('project-stages', (0, 0))[1] / 1000:.2f} of {st['total'][1] / 1000:.2f} CPU s)"


# ------------------------------------------------------------------ targets
w("## Goals (issue 16)")
w("")
w("| corpus | measure | value | goal | status |")
w("| --- | --- | ---: | --- | --- |")
r = ratio(ws_rel, ruff_rel)
w(f"| all-relevant | wsmigrate check / ruff | {fmt_x(r)} | ≤ 0.8× | {status(None if r is None else r <= 0.8)} |")
r = ratio(cpu_s("all-relevant", "wsmigrate check"), cpu_s("all-relevant", "ruff PLE0101"))
w(f"| all-relevant | same, CPU time (user+sys) | {fmt_x(r)} | (info: on a saturated machine wall time hides CPU cost) | |")
r = ratio(ws_rel, floor_rel)
w(f"| all-relevant | wsmigrate check / parse floor | {fmt_x(r)} | (how far from parsing alone) | |")
r = ratio(cpu_s("all-relevant", "wsmigrate check"), cpu_s("all-relevant", "parse floor"))
w(f"| all-relevant | same, CPU time (user+sys) | {fmt_x(r)} | (info) | |")
r = ratio(ruff_rel, floor_rel)
w(f"| all-relevant | ruff / parse floor | {fmt_x(r)} | (info) | |")
ok, txt = every_file_checked()
w(f"| all-relevant | every file read and parsed | {txt} | all flagged, WS901/WS902 = floor | {status(ok)} |")
r = ratio(fix_copy, chk_copy)
w(f"| all-relevant | check --fix / check (both on a fresh copy, synced) | {fmt_x(r)} | ≤ 1.5× | "
  f"{status(None if r is None else r <= 1.5)} |")
r = ratio(cpu_s("fix", "check --fix (fresh copy)"), cpu_s("fix", "check (fresh copy)"))
w(f"| all-relevant | same, CPU time (user+sys) | {fmt_x(r)} | (info) | |")
share, txt = project_share("all-relevant")
w(f"| all-relevant | project stages' share of check CPU (WSMIGRATE_TIMINGS) | {txt} | ≤ 15% | "
  f"{status(None if share is None else share <= 0.15)} |")
r = ratio(ws_irr, grep_irr)
w(f"| mostly-irrelevant | wsmigrate / grep -rl | {fmt_x(r)} | ≤ 1.0× | {status(None if r is None else r <= 1.0)} |")
r = ratio(ruff_irr, ws_irr)
w(f"| mostly-irrelevant | ruff / wsmigrate | {fmt_x(r)} | ≥ 10× | {status(None if r is None else r >= 10)} |")
for c, a, b in (("mostly-irrelevant", t_ws_irr, t_ruff_irr), ("all-relevant", t_ws_rel, t_ruff_rel)):
    val = NA if not (a and b) else f"{a['rss']:.0f} MB vs {b['rss']:.0f} MB"
    w(f"| {c} | peak RSS wsmigrate vs ruff | {val} | wsmigrate ≤ ruff | {status(rss_ok(a, b))} |")
w(f"| one file | growth, 4× the input (time and memory, check and --fix) | {growth_worst} | ≤ 5× per step | "
  f"{status(growth_ok)} |")
w(f"| many files | scaling: {lin_txt} | | per-file time grows ≤ 1.25× | {status(linear)} |")
w(f"| all-relevant | CPU time / wall (wsmigrate, /usr/bin/time) | {NA if cpu_rel is None else f'{cpu_rel:.2f}'} | "
  f"≥ 1.7 | {status(None if cpu_rel is None else cpu_rel >= 1.7)} |")
w("")
w("Ratios are of medians from the same run; the spread of each command is in the wall-time table.")
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

# ------------------------------------------------------------------ growth table
w("## Growth inside one file (`benches/growth.py`)")
w("")
if not growth:
    w("Not run (wsmigrate unusable, or BENCH_SKIP_GROWTH=1).")
else:
    b = growth.get("baseline") or {}
    w(f"One module per point, `check --threads 1` and `check --fix` (fresh copy each run); CPU seconds "
      f"(user+sys, minimum of the runs) and peak RSS. Ratios are to the previous point (4× the input); "
      f"memory ratios are of the RSS above a one-line file's ({b.get('rss_mb', 0):.1f} MB), shown only "
      f"where the file's own memory exceeds 2 MB. Goal: every ratio ≤ {GROWTH_LIMIT:.0f}×.")
    w("")
    w("| shape | mode | 1× MB | 1× s | 4× s | 16× s | time 4×/1× | time 16×/4× | 1× RSS | 4× RSS | 16× RSS | mem 4×/1× | mem 16×/4× |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rss0 = b.get("rss_mb", 0.0)
    for row in growth["rows"]:
        pts = {p["factor"]: p for p in row["points"]}

        def cell(k, key, fmt):
            p = pts.get(k)
            if not p:
                return NA
            if key not in p:
                return "timeout" if "timeout" in p else p.get("error", NA)
            return fmt.format(p[key])

        tr = dict(growth_ratios(row, "cpu"))
        mr = dict(growth_ratios(row, "rss_mb", rss0))
        small = min((p["rss_mb"] for p in row["points"] if "rss_mb" in p), default=0) - rss0 < 2

        def rx(d, k, skip=False):
            v = d.get(k)
            if v is None or skip:
                return NA
            return f"**{v:.1f}×**" if v > GROWTH_LIMIT else f"{v:.1f}×"

        mb = NA if 1 not in pts else f"{pts[1]['bytes'] / 1e6:.2f}"
        w(f"| {row['shape']} | {'check --fix' if row['mode'] == 'fix' else 'check'} | {mb} | "
          f"{cell(1, 'cpu', '{:.3f}')} | {cell(4, 'cpu', '{:.3f}')} | {cell(16, 'cpu', '{:.3f}')} | "
          f"{rx(tr, 4)} | {rx(tr, 16)} | {cell(1, 'rss_mb', '{:.0f}')} | {cell(4, 'rss_mb', '{:.0f}')} | "
          f"{cell(16, 'rss_mb', '{:.0f}')} | {rx(mr, 4, small)} | {rx(mr, 16, small)} |")
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
if facts.get("scale_skipped"):
    w(f"**Note:** scaling size {facts['scale_skipped']} skipped for lack of disk space.")
    w("")

w("The machine is shared and noisy: differences under ~10% are not meaningful; for profiling use "
  "instruction counts (`valgrind --tool=callgrind`, see benches/README.md).")


# ------------------------------------------------------------------ README table
def readme_table():
    t = []
    a = t.append
    a(f"Last run ({facts.get('date')}, {facts.get('nproc')}-core {facts.get('cpu_model')}, load "
      f"{facts.get('load_start', '').split(' ')[0]}–{facts.get('load_end', '').split(' ')[0]}, profile "
      f"`{facts.get('profile', 'release')}`, commit {facts.get('ws_commit')}; medians of {facts.get('runs')} runs, "
      f"min–max in brackets):")
    a("")
    a("| measure | value | goal | |")
    a("| --- | ---: | --- | --- |")

    def mm(name, cmd):
        r = hf(name).get(cmd)
        if not r or not r.get("times"):
            return NA
        return f"{r['median']:.3f} s [{min(r['times']):.3f}–{max(r['times']):.3f}]"

    m = manifest("all-relevant") or {}
    a(f"| all-relevant ({m.get('files', NA)} files, {m.get('mb', NA)} MB): `check` | {mm('all-relevant', 'wsmigrate check')} | | |")
    a(f"| ruff `--select PLE0101`, same files | {mm('all-relevant', 'ruff PLE0101')} | | |")
    a(f"| parse floor (`ruff_python_parser` alone) | {mm('all-relevant', 'parse floor')} | | |")
    r = ratio(ws_rel, ruff_rel)
    a(f"| check / ruff | {fmt_x(r)} | ≤ 0.8× | {status(None if r is None else r <= 0.8)} |")
    a(f"| same, CPU time (user+sys) | {fmt_x(ratio(cpu_s('all-relevant', 'wsmigrate check'), cpu_s('all-relevant', 'ruff PLE0101')))} | | |")
    a(f"| check / parse floor | {fmt_x(ratio(ws_rel, floor_rel))} | | |")
    r = ratio(fix_copy, chk_copy)
    a(f"| `check --fix` / `check`, fresh copy each | {fmt_x(r)} | ≤ 1.5× | {status(None if r is None else r <= 1.5)} |")
    a(f"| same, CPU time (user+sys) | {fmt_x(ratio(cpu_s('fix', 'check --fix (fresh copy)'), cpu_s('fix', 'check (fresh copy)')))} | | |")
    ok, txt = every_file_checked()
    a(f"| every file parsed | {txt} | | {status(ok)} |")
    share, txt = project_share("all-relevant")
    a(f"| project stages' share of `check` CPU, all-relevant | {txt} | ≤ 15% | {status(None if share is None else share <= 0.15)} |")
    m = manifest("mostly-irrelevant") or {}
    a(f"| mostly-irrelevant ({m.get('files', NA)} files): `check` | {mm('mostly-irrelevant', 'wsmigrate check')} | | |")
    r = ratio(ws_irr, grep_irr)
    a(f"| check / `grep -rl websockets` | {fmt_x(r)} | ≤ 1.0× | {status(None if r is None else r <= 1.0)} |")
    r = ratio(ruff_irr, ws_irr)
    a(f"| ruff / check | {fmt_x(r)} | ≥ 10× | {status(None if r is None else r >= 10)} |")
    for c, x, y in (("mostly-irrelevant", t_ws_irr, t_ruff_irr), ("all-relevant", t_ws_rel, t_ruff_rel)):
        val = NA if not (x and y) else f"{x['rss']:.0f} MB vs {y['rss']:.0f} MB"
        a(f"| peak RSS vs ruff, {c} | {val} | ≤ ruff | {status(rss_ok(x, y))} |")
    a(f"| growth inside one file, 4× input | {growth_worst} | ≤ 5× | {status(growth_ok)} |")
    return t


if README:
    with open(README) as f:
        text = f.read()
    begin, end = "<!-- bench-table:begin -->", "<!-- bench-table:end -->"
    if begin not in text or end not in text:
        sys.exit(f"{README}: no {begin} ... {end} markers")
    pre, rest = text.split(begin, 1)
    _, post = rest.split(end, 1)
    with open(README, "w") as f:
        f.write(pre + begin + "\n" + "\n".join(readme_table()) + "\n" + end + post)
else:
    print("\n".join(out))
    print()
    print("## README table")
    print()
    print("\n".join(readme_table()))
