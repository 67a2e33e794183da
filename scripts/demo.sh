#!/usr/bin/env bash
# demo.sh — the main job on a fresh machine: set up and build, trace matmul with 3po-run, print
# the trace summary, make a tape with 3po-sim and print its report, then run matmul under the
# runtime from a tape and with readahead, in half its memory.
# Usage: scripts/demo.sh [MATMUL ARGS...]   (default: -n 256 -b 64)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build >&2
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-n 256 -b 64)
out=${TPO_DEMO_DIR:-build/demo}
mkdir -p "$out"
echo "== 3po-run -o $out/matmul.3pt build/bin/matmul ${args[*]}"
build/bin/3po-run -o "$out/matmul.3pt" build/bin/matmul "${args[@]}"
echo "== 3po-dump $out/matmul.3pt"
build/bin/3po-dump "$out/matmul.3pt"
echo "== 3po-sim $out/matmul.3pt --local-mem 20% --policy lru,min,demand,readahead,leap -o $out/matmul.tape"
build/bin/3po-sim "$out/matmul.3pt" --local-mem 20% --policy lru,min,demand,readahead,leap -o "$out/matmul.tape"
# Then run matmul for real with half its footprint local: under the runtime following a MIN tape
# made for that memory less the lookahead and one microset (64 pages), and with Linux-like
# readahead on the same machinery, each printing its statistics.
fp=$(build/bin/3po-dump --json "$out/matmul.3pt" | jq .totals.distinct_pages)
cap=$((fp / 2))
look=$((cap / 8))
tapecap=$((cap - look - 64))
[ $tapecap -ge 16 ] || tapecap=16
echo "== 3po-sim $out/matmul.3pt --local-mem $tapecap --policy min --lookahead $look -o $out/matmul-min.tape"
build/bin/3po-sim -q "$out/matmul.3pt" --local-mem $tapecap --policy min --lookahead $look -o "$out/matmul-min.tape" >/dev/null
echo "== 3po-run --tape $out/matmul-min.tape --local-mem $cap --min-region 64K build/bin/matmul ${args[*]}"
build/bin/3po-run --tape "$out/matmul-min.tape" --local-mem $cap --min-region 64K build/bin/matmul "${args[@]}"
echo "== 3po-run --policy readahead --local-mem $cap --min-region 64K build/bin/matmul ${args[*]}"
build/bin/3po-run --policy readahead --local-mem $cap --min-region 64K build/bin/matmul "${args[@]}"
