#!/usr/bin/env bash
# hyperfine --prepare helper: replace DST with a fresh copy of SRC, then write the copy out
# (sync), so that neither timed command pays for writing back the copy's dirty pages.
# usage: bash benches/recopy.sh SRC DST
set -euo pipefail
src=$1 dst=$2
rm -rf -- "$dst"
mkdir -p -- "$(dirname -- "$dst")"
cp -r -- "$src" "$dst"
sync
