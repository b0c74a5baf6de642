#!/usr/bin/env bash
# Where does wsmigrate spend its time? (issue 7)
#
#   bash benches/profile.sh            # after benches/run.sh has built the corpora
#
# Builds the dist profile (what the benches measure) with line tables
# (CARGO_PROFILE_DIST_DEBUG=line-tables-only) into target/bench/prof-target (so target/dist is
# untouched), then:
#   1. perf record (cpu-clock sampling; this VM has no hardware counters) of
#      `check` on the all-relevant corpus, self time grouped by area;
#   2. valgrind --tool=callgrind (instruction counts: stable on a noisy machine) of
#      `check` on PROFILE_CORPUS (default: corpus/scale-1000, ~1,000 files), with
#      the inclusive share of the main phases.
# Output: target/bench/profile.md (also printed); raw data in target/bench/prof/.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$ROOT/target/bench}
PROF="$BENCH_DIR/prof"
CORPUS=${PROFILE_CORPUS:-$BENCH_DIR/corpus/scale-1000}
REL="$BENCH_DIR/corpus/all-relevant"
[ -d "$REL" ] || { echo "run benches/run.sh first (no $REL)" >&2; exit 1; }
[ -d "$CORPUS" ] || CORPUS=$REL
command -v perf >/dev/null || apt-get install -y -q linux-perf >&2 || true
command -v valgrind >/dev/null || apt-get install -y -q valgrind >&2 || { apt-get update -q >&2 && apt-get install -y -q valgrind >&2; }
mkdir -p "$PROF"

(cd "$ROOT" && CARGO_TARGET_DIR="$BENCH_DIR/prof-target" CARGO_PROFILE_DIST_DEBUG=line-tables-only \
    cargo build --profile dist >&2)
cp "$BENCH_DIR/prof-target/dist/wsmigrate" "$PROF/wsmigrate"
WS="$PROF/wsmigrate"

out="$PROF/profile.md"
{
    echo "# wsmigrate profile ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
} >"$out"

if perf record -q -e cpu-clock -F 2000 -o "$PROF/perf.data" \
        "$WS" check --output-format concise "$REL" >/dev/null 2>"$PROF/perf.err"; [ -s "$PROF/perf.data" ]; then
    perf report -i "$PROF/perf.data" --no-children --sort symbol --stdio 2>/dev/null >"$PROF/perf.txt"
    perf report -i "$PROF/perf.data" --no-children --sort pid --stdio 2>/dev/null >"$PROF/perf-threads.txt"
    python3 - "$PROF/perf.txt" "$PROF/perf-threads.txt" >>"$out" <<'EOF'
import collections, re, sys
groups = [
    ("allocation, copies, drops", r"malloc|free|unlink_chunk|_int_|realloc|memmove|memcpy|drop_in_place|memset"),
    ("hashing / hash maps", r"sip::Hasher|hash_one|hashbrown|BuildHasher"),
    ("parsing (ruff_python_parser)", r"ruff_python_parser"),
    ("semantic model (wsmigrate::semantic)", r"wsmigrate::semantic"),
    ("rules (wsmigrate::rules)", r"wsmigrate::rules"),
    ("checker walk (wsmigrate::checker)", r"wsmigrate::checker"),
    ("fix engine (wsmigrate::fix)", r"wsmigrate::fix"),
    ("AST visitor (ruff_python_ast)", r"ruff_python_ast"),
    ("prefilter (memchr / aho-corasick)", r"memchr|aho_corasick"),
    ("line index / locations", r"ruff_source_file|line_index"),
    ("other wsmigrate", r"wsmigrate"),
    ("kernel / other", r"."),
]
g = collections.Counter()
top = []
for line in open(sys.argv[1]):
    m = re.match(r"\s*([\d.]+)%\s+\[.\]\s+(.*?)\s*$", line) or re.match(r"\s*([\d.]+)%\s+\[k\]\s+(.*?)\s*$", line)
    if not m:
        continue
    p, sym = float(m.group(1)), re.sub(r"\s+-\s+-\s*$", "", m.group(2)).strip()
    top.append((p, sym))
    for name, pat in groups:
        if re.search(pat, sym):
            g[name] += p
            break
threads = [l.split()[0] for l in open(sys.argv[2]) if re.match(r"\s*[\d.]+%", l)]
print("## perf: self time by area (`check` on all-relevant, cpu-clock samples)")
print()
print("| area | share |")
print("| --- | ---: |")
for name, v in g.most_common():
    print(f"| {name} | {v:.1f}% |")
print()
print(f"Samples per thread: {', '.join(threads[:6])}")
print()
print("Top symbols (self):")
print()
for p, sym in top[:15]:
    print(f"- {p:.1f}% `{sym[:110]}`")
print()
EOF
else
    echo "perf record failed: $(head -c 300 "$PROF/perf.err")" >>"$out"
fi

valgrind --tool=callgrind --callgrind-out-file="$PROF/callgrind.out" \
    "$WS" check --output-format concise "$CORPUS" >/dev/null 2>"$PROF/callgrind.log" || true
callgrind_annotate --inclusive=yes --threshold=100 "$PROF/callgrind.out" >"$PROF/callgrind-incl.txt" 2>/dev/null
callgrind_annotate --threshold=100 "$PROF/callgrind.out" >"$PROF/callgrind-self.txt" 2>/dev/null
python3 - "$PROF/callgrind-incl.txt" "$CORPUS" >>"$out" <<'EOF'
import re, sys
total = None
inc = {}
for line in open(sys.argv[1]):
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+PROGRAM TOTALS", line)
    if m:
        total = int(m.group(1).replace(",", ""))
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(?:.*?\.rs|\?\?\?|[^ ]*?):(\S.*?)(?: \[.*\])?$", line)
    if m and "'" not in m.group(2):
        fn = re.sub(r" \([\d,]+x\)$", "", m.group(2))
        inc[fn] = max(inc.get(fn, 0), int(m.group(1).replace(",", "")))
print(f"## callgrind: inclusive instructions (`check` on {sys.argv[2]})")
print()
if not total:
    print("callgrind produced no data")
    sys.exit()
print(f"Total: {total/1e9:.2f} G instructions.")
print()
print("| function (inclusive, recursion not double-counted where named) | share |")
print("| --- | ---: |")
pat = re.compile(r"^(wsmigrate::(pipeline::process_file$|discover::discover$|report::print$|semantic::|checker::|rules::[a-z_0-9]+::[A-Za-z_]+$|fix::|source::|prefilter::)|ruff_python_parser::parser::Parser::parse$|ruff_python_parser::lexer::Lexer::next_token$|ruff_source_file::line_index::LineIndex::from_source_text$|<wsmigrate::checker::Walker)")
rows = sorted(((n, fn) for fn, n in inc.items() if pat.search(fn)), reverse=True)
for n, fn in rows[:25]:
    print(f"| `{fn[:100]}` | {100*n/total:.1f}% |")
print()
EOF
cp "$out" "$BENCH_DIR/profile.md"
cat "$out"
