#!/usr/bin/env bash
# wsmigrate benchmark harness (issue 7).
#
#   bash benches/run.sh
#
# Installs what it needs (hyperfine and GNU time from Debian, ruff pinned from
# PyPI into target/bench/venv), builds wsmigrate and the parse floor
# (examples/parse_floor.rs) with `cargo build --profile dist` (fat LTO:
# what the published wheels ship; BENCH_PROFILE picks another), builds the corpora under
# target/bench/corpus/, runs wsmigrate / ruff / grep / the floor side by side
# with hyperfine, measures peak RSS and CPU/wall with /usr/bin/time -v, runs a
# file-count scaling series and the growth table inside one file
# (benches/growth.py), and writes target/bench/results.md (also printed).
# See benches/README.md.
#
# Environment (all optional):
#   BENCH_RUNS=5            hyperfine --runs for the main comparisons
#   BENCH_WARMUP=1          hyperfine --warmup
#   BENCH_TIME_RUNS=3       /usr/bin/time -v repetitions (median is reported)
#   BENCH_SCALE_SIZES="1000 4000 16000"   scaling series (file counts)
#   BENCH_SCALE_RUNS=3      hyperfine --runs for each scaling point
#   BENCH_SCALE_HARDLINK=0  1 = build scaling copies as hard links (less disk)
#   BENCH_SKIP_SCALING=0    1 = skip the scaling series
#   BENCH_SKIP_BUILD=0      1 = don't run cargo build (use existing binary)
#   BENCH_PROFILE=dist      cargo profile to build and benchmark (release = what source
#                           installs build; see Cargo.toml)
#   BENCH_REQUIRE_WSMIGRATE=0  1 = fail if wsmigrate can't be built/run
#   BENCH_SKIP_GROWTH=0     1 = skip the growth table (benches/growth.py)
#   BENCH_GROWTH_RUNS=2     runs per growth point (the minimum CPU time is kept)
#   BENCH_UPDATE_README=0   1 = replace README.md's Performance table with this run's
#   BENCH_DIR=target/bench  where venv, corpora, raw data and results go
#   RUFF_VERSION=0.14.14    ruff version pinned from PyPI
#   WSMIGRATE=path          benchmark this binary instead of building one
#   CARGO_TARGET_DIR        honoured; the binary is $CARGO_TARGET_DIR/$BENCH_PROFILE/wsmigrate
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

RUNS=${BENCH_RUNS:-5}
WARMUP=${BENCH_WARMUP:-1}
TIME_RUNS=${BENCH_TIME_RUNS:-3}
SCALE_SIZES=${BENCH_SCALE_SIZES:-"1000 4000 16000"}
SCALE_RUNS=${BENCH_SCALE_RUNS:-3}
SCALE_HARDLINK=${BENCH_SCALE_HARDLINK:-0}
SKIP_SCALING=${BENCH_SKIP_SCALING:-0}
SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
REQUIRE_WS=${BENCH_REQUIRE_WSMIGRATE:-0}
SKIP_GROWTH=${BENCH_SKIP_GROWTH:-0}
GROWTH_RUNS=${BENCH_GROWTH_RUNS:-2}
UPDATE_README=${BENCH_UPDATE_README:-0}
RUFF_VERSION=${RUFF_VERSION:-0.14.14}
PROFILE=${BENCH_PROFILE:-dist}
BENCH_DIR=${BENCH_DIR:-$ROOT/target/bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

PY=${PYTHON:-python3}
GEN="$ROOT/benches/gen_corpus.py"
CORPUS="$BENCH_DIR/corpus"
RAW="$BENCH_DIR/raw"
BIN="$BENCH_DIR/bin"

log() { printf '\n==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
apt_install() {
    # apt-get update only if the package can't be found/installed as is
    if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2; then
        $SUDO apt-get update -q >&2
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
    fi
}

# ---------------------------------------------------------------- tools
log "tools"
command -v "$PY" >/dev/null || die "python3 is required"
command -v cargo >/dev/null || [ -n "${WSMIGRATE:-}" ] || die "cargo is required (or set WSMIGRATE=path)"
command -v hyperfine >/dev/null || apt_install hyperfine
[ -x /usr/bin/time ] || apt_install time
mkdir -p "$BENCH_DIR" "$RAW" "$BIN" "$CORPUS"
rm -rf "${RAW:?}"/*
mkdir -p "$RAW/time"

VENV="$BENCH_DIR/venv"
RUFF="$VENV/bin/ruff"
if [ ! -x "$RUFF" ] || [ "$("$RUFF" --version 2>/dev/null)" != "ruff $RUFF_VERSION" ]; then
    if [ ! -x "$VENV/bin/pip" ]; then
        rm -rf "$VENV"
        if ! "$PY" -m venv "$VENV" >&2; then
            apt_install python3-venv
            rm -rf "$VENV"
            "$PY" -m venv "$VENV" >&2
        fi
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check "ruff==$RUFF_VERSION" >&2
fi
"$RUFF" --version >&2
hyperfine --version >&2

# ---------------------------------------------------------------- wsmigrate
WS=${WSMIGRATE:-$CARGO_TARGET_DIR/$PROFILE/wsmigrate}
FLOOR=$CARGO_TARGET_DIR/$PROFILE/examples/parse_floor
if [ "$SKIP_BUILD" != 1 ]; then
    log "cargo build --profile $PROFILE (wsmigrate and examples/parse_floor)"
    if [ -z "${WSMIGRATE:-}" ] && ! cargo build --profile "$PROFILE" --manifest-path "$ROOT/Cargo.toml" >&2; then
        warn "cargo build --profile $PROFILE failed"
        [ "$REQUIRE_WS" = 1 ] && die "wsmigrate could not be built"
    fi
    cargo build --profile "$PROFILE" --example parse_floor --manifest-path "$ROOT/Cargo.toml" >&2 \
        || warn "the parse floor could not be built"
fi

# Stable, space-free names for the benchmarked commands (hyperfine -N splits
# commands on whitespace): everything runs from $BENCH_DIR with relative paths.
# a private copy: others may rebuild the binary during the run
rm -f "$BIN/wsmigrate"
[ -x "$WS" ] && cp "$WS" "$BIN/wsmigrate"
rm -f "$BIN/parse_floor"
[ -x "$FLOOR" ] && cp "$FLOOR" "$BIN/parse_floor"
ln -sfn "$RUFF" "$BIN/ruff"
ln -sfn "$ROOT/benches/recopy.sh" "$BIN/recopy.sh"
cd "$BENCH_DIR"

: >"$RAW/facts.tsv"
fact() { printf '%s\t%s\n' "$1" "$2" >>"$RAW/facts.tsv"; }
fact load_start "$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- corpora
file_hash() { sha256sum "$@" | awk '{print $1}' | sha256sum | cut -c1-32; }
stamp_ok() { [ -d "$CORPUS/$1" ] && [ -f "$CORPUS/$1.stamp" ] && [ "$(cat "$CORPUS/$1.stamp")" = "$2" ]; }
manifest_sha() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$CORPUS/$1.manifest.json"; }

GEN_HASH=$(file_hash "$GEN")
ROOTS=$("$PY" -c "import sysconfig; p=sysconfig.get_paths(); print(p['stdlib'], p['purelib'])")
# shellcheck disable=SC2086
SRC_KEY=$(find $ROOTS -name '*.py' -type f -printf '%s %p\n' 2>/dev/null | sort -u | sha256sum | cut -c1-32)
KEY_IRR="gen=$GEN_HASH src=$SRC_KEY py=$("$PY" -V 2>&1)"
if ! stamp_ok mostly-irrelevant "$KEY_IRR"; then
    log "building corpus mostly-irrelevant (stdlib + site-packages of $("$PY" -V 2>&1))"
    "$PY" "$GEN" irrelevant "$CORPUS/mostly-irrelevant" >&2
    echo "$KEY_IRR" >"$CORPUS/mostly-irrelevant.stamp"
fi

KEY_REL="gen=$GEN_HASH irr=$(manifest_sha mostly-irrelevant)"
if ! stamp_ok all-relevant "$KEY_REL"; then
    log "building corpus all-relevant (every file of mostly-irrelevant, a legacy snippet appended; ~1 minute)"
    "$PY" "$GEN" relevant "$CORPUS/all-relevant" --source "$CORPUS/mostly-irrelevant" >&2
    echo "$KEY_REL" >"$CORPUS/all-relevant.stamp"
fi

# ---------------------------------------------------------------- wsmigrate probe
# hyperfine -i hides failures, so check first that wsmigrate actually runs
# (exit 0 = nothing found, 1 = found something; anything else = broken).
WS_OK=0
if [ -x "$BIN/wsmigrate" ]; then
    probe="$BENCH_DIR/probe"
    "$PY" "$GEN" probe "$probe"
    set +e
    bin/wsmigrate check --output-format concise "$probe" >"$RAW/probe.out" 2>"$RAW/probe.err"
    rc=$?
    set -e
    fact probe_exit "$rc"
    if { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && grep -qE '\.py:[0-9]+' "$RAW/probe.out"; then
        WS_OK=1
    elif [ "$rc" = 0 ] || [ "$rc" = 1 ]; then
        warn "wsmigrate check reported nothing on a legacy websockets module ($probe/legacy_probe.py): not implemented yet?"
    else
        warn "wsmigrate check exited $rc on the probe file: $(head -c 600 "$RAW/probe.err")"
    fi
else
    warn "no wsmigrate binary at $WS"
fi
if [ "$WS_OK" != 1 ]; then
    [ "$REQUIRE_WS" = 1 ] && die "wsmigrate is not usable"
    warn "wsmigrate rows will be n/a; ruff and grep are still measured"
fi
fact ws_ok "$WS_OK"
fact ws_path "$WS"
fact ws_sha "$( [ -x "$BIN/wsmigrate" ] && sha256sum "$BIN/wsmigrate" | cut -c1-12 || echo none)"
fact profile "$PROFILE"
FLOOR_OK=0
[ -x "$BIN/parse_floor" ] && FLOOR_OK=1
fact floor_ok "$FLOOR_OK"
fact ws_commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo '+dirty')"

# ---------------------------------------------------------------- counts
count_diag() {
    # $1 = output file of `check --output-format concise`: "path:line:col: CODE ..." lines.
    # Prints: diagnostics, files flagged, files with WS901 (not read/decoded), files with
    # WS902 (syntax errors: parsed, with errors).
    local n f e901 e902
    n=$(grep -cE '^[^:]+\.py:[0-9]+' "$1" || true)
    f=$(grep -oE '^[^:]+\.py:' "$1" | sort -u | wc -l || true)
    e901=$(grep -E '^[^:]+\.py:[0-9]+:[0-9]+: WS901 ' "$1" | grep -oE '^[^:]+\.py:' | sort -u | wc -l || true)
    e902=$(grep -E '^[^:]+\.py:[0-9]+:[0-9]+: WS902 ' "$1" | grep -oE '^[^:]+\.py:' | sort -u | wc -l || true)
    echo "$n $f $e901 $e902"
}
for c in mostly-irrelevant all-relevant; do
    fact "grep_files_$c" "$(grep -rl websockets "corpus/$c" | wc -l)"
    fact "ruff_files_$c" "$(bin/ruff check --no-cache --isolated --show-files "corpus/$c" | grep -c '\.py$' || true)"
    fact "find_files_$c" "$(find "corpus/$c" -name '*.py' -type f | wc -l)"
    if [ "$WS_OK" = 1 ]; then
        set +e
        bin/wsmigrate check --output-format concise "corpus/$c" >"$RAW/ws_$c.out" 2>"$RAW/ws_$c.err"
        fact "ws_exit_$c" "$?"
        set -e
        read -r nd nf n901 n902 <<<"$(count_diag "$RAW/ws_$c.out")"
        fact "ws_diags_$c" "$nd"
        fact "ws_files_$c" "$nf"
        fact "ws_901_$c" "$n901"
        fact "ws_902_$c" "$n902"
    fi
    if [ "$FLOOR_OK" = 1 ]; then
        # what ruff_python_parser alone finds: the files wsmigrate must have parsed
        fact "floor_$c" "$(bin/parse_floor "corpus/$c")"
    fi
done

# ---------------------------------------------------------------- stage times
# The binary's own stage times (WSMIGRATE_TIMINGS=1, src/timings.rs): the share of the project
# stages (issue 11: at most 15% of check on all-relevant), median of BENCH_TIME_RUNS runs.
if [ "$WS_OK" = 1 ]; then
    for c in all-relevant mostly-irrelevant; do
        for ((k = 1; k <= TIME_RUNS; k++)); do
            WSMIGRATE_TIMINGS=1 bin/wsmigrate check --output-format concise "corpus/$c" 2>&1 >/dev/null \
                | grep '^wsmigrate-timings:' >"$RAW/timings_$c.$k.txt" || true
        done
    done
fi

# ---------------------------------------------------------------- hyperfine
HF=(hyperfine -N -i --warmup "$WARMUP" --runs "$RUNS" --style basic)
WS_CHECK="bin/wsmigrate check --output-format concise"
RUFF_CHECK="bin/ruff check --no-cache --isolated --select PLE0101"

for c in mostly-irrelevant all-relevant; do
    log "hyperfine: $c"
    args=()
    if [ "$WS_OK" = 1 ]; then args+=(-n "wsmigrate check" "$WS_CHECK corpus/$c"); fi
    args+=(-n "ruff PLE0101" "$RUFF_CHECK corpus/$c")
    args+=(-n "grep -rl" "grep -rl websockets corpus/$c")
    if [ "$FLOOR_OK" = 1 ] && [ "$c" = all-relevant ]; then
        args+=(-n "parse floor" "bin/parse_floor corpus/$c")
    fi
    "${HF[@]}" --export-json "$RAW/hf_$c.json" "${args[@]}" >&2
done

if [ "$WS_OK" = 1 ]; then
    log "hyperfine: check vs --fix on a fresh copy of all-relevant each run"
    "${HF[@]}" --export-json "$RAW/hf_fix.json" \
        --prepare "bash bin/recopy.sh corpus/all-relevant work/fix" \
        -n "check (fresh copy)" "$WS_CHECK work/fix" \
        -n "check --fix (fresh copy)" "$WS_CHECK --fix work/fix" >&2
    fact fix_changed_files "$(diff -rq corpus/all-relevant work/fix 2>/dev/null | wc -l || true)"
    set +e
    bin/wsmigrate check --output-format concise work/fix >"$RAW/ws_after_fix.out" 2>&1
    set -e
    read -r nd nf n901 n902 <<<"$(count_diag "$RAW/ws_after_fix.out")"
    fact ws_diags_after_fix "$nd"
    rm -rf work/fix
fi

# ---------------------------------------------------------------- RSS / CPU
timed() {
    # timed NAME cmd...: BENCH_TIME_RUNS runs of /usr/bin/time -v
    local name=$1 k
    shift
    for ((k = 1; k <= TIME_RUNS; k++)); do
        /usr/bin/time -v -o "$RAW/time/$name.$k.txt" "$@" >/dev/null 2>&1 || true
    done
}
log "/usr/bin/time -v (peak RSS, CPU/wall), $TIME_RUNS runs each"
for c in mostly-irrelevant all-relevant; do
    if [ "$WS_OK" = 1 ]; then timed "ws_$c" $WS_CHECK "corpus/$c"; fi
    timed "ruff_$c" $RUFF_CHECK "corpus/$c"
done

# ---------------------------------------------------------------- scaling
if [ "$SKIP_SCALING" != 1 ] && [ "$WS_OK" = 1 ]; then
    REL_SHA=$(manifest_sha all-relevant)
    REL_BYTES=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["bytes"]//d["files"])' "$CORPUS/all-relevant.manifest.json")
    sizes=()
    for n in $SCALE_SIZES; do sizes+=("$n"); done
    # disk guard: drop sizes that would not fit (needs ~1.2x the bytes free)
    if [ "$SCALE_HARDLINK" != 1 ]; then
        avail=$(( $(df -Pk "$CORPUS" | awk 'NR==2{print $4}') * 1024 ))
        kept=()
        for n in "${sizes[@]}"; do
            need=$((n * REL_BYTES * 12 / 10))
            if [ -d "corpus/scale-$n" ] || [ "$need" -lt "$avail" ]; then
                kept+=("$n")
            else
                warn "scale-$n needs ~$((need / 1000000)) MB, only $((avail / 1000000)) MB free: skipped"
                fact scale_skipped "$n (disk)"
            fi
        done
        sizes=("${kept[@]}")
    fi
    fact scale_sizes "${sizes[*]}"
    fact scale_hardlink "$SCALE_HARDLINK"
    for n in "${sizes[@]}"; do
        key="gen=$GEN_HASH rel=$REL_SHA n=$n link=$SCALE_HARDLINK"
        if ! stamp_ok "scale-$n" "$key"; then
            log "building corpus scale-$n"
            link=()
            [ "$SCALE_HARDLINK" = 1 ] && link=(--hardlink)
            "$PY" "$GEN" scale "$CORPUS/scale-$n" --source "$CORPUS/all-relevant" --files "$n" "${link[@]}" >&2
            echo "$key" >"$CORPUS/scale-$n.stamp"
        fi
        log "hyperfine: scale-$n"
        hyperfine -N -i --warmup 1 --runs "$SCALE_RUNS" --style basic \
            --export-json "$RAW/hf_scale-$n.json" \
            -n "wsmigrate check" "$WS_CHECK corpus/scale-$n" >&2
        /usr/bin/time -v -o "$RAW/time/scale-$n.1.txt" $WS_CHECK "corpus/scale-$n" >/dev/null 2>&1 || true
    done
fi

# ---------------------------------------------------------------- growth
if [ "$SKIP_GROWTH" != 1 ] && [ "$WS_OK" = 1 ]; then
    log "growth inside one file (benches/growth.py)"
    "$PY" "$ROOT/benches/growth.py" bin/wsmigrate "$BENCH_DIR/growth" --runs "$GROWTH_RUNS" >&2 \
        && cp "$BENCH_DIR/growth/growth.json" "$RAW/growth.json"
    log "growth of each stage (benches/growth_stages.py)"
    "$PY" "$ROOT/benches/growth_stages.py" --bin bin/wsmigrate --json "$RAW/growth_stages.json" \
        | tee "$BENCH_DIR/growth_stages.txt" >&2 || true
fi

# ---------------------------------------------------------------- report
fact load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
fact runs "$RUNS"
fact warmup "$WARMUP"
fact time_runs "$TIME_RUNS"
fact scale_runs "$SCALE_RUNS"
fact ruff_version "$("$RUFF" --version)"
fact hyperfine_version "$(hyperfine --version)"
fact python_version "$("$PY" -V 2>&1)"
fact nproc "$(nproc)"
fact cpu_model "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
fact mem_total "$(awk '/MemTotal/{printf "%.1f GB", $2/1048576}' /proc/meminfo)"
fact kernel "$(uname -sr)"
fact date "$(date -u '+%Y-%m-%d %H:%M UTC')"
envs=$(env | grep -E '^(BENCH_[A-Z_]*|RUFF_VERSION|WSMIGRATE)=' | sort | sed -E 's/^([^=]*)=(.*)$/\1="\2"/' | tr '\n' ' ' || true)
fact command "${envs}bash benches/run.sh"

"$PY" "$ROOT/benches/report.py" "$BENCH_DIR" >"$BENCH_DIR/results.md"
if [ "$UPDATE_README" = 1 ]; then
    "$PY" "$ROOT/benches/report.py" "$BENCH_DIR" --readme "$ROOT/README.md"
    log "README.md: Performance table replaced with this run's"
fi
log "results: $BENCH_DIR/results.md"
cat "$BENCH_DIR/results.md"
