#!/usr/bin/env bash
# demo.sh — the main job on a fresh machine: set up and build, trace matmul with 3po-run, print
# the trace summary, make a tape with 3po-sim and print its report.
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
