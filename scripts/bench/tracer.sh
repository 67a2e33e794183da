#!/usr/bin/env bash
# tracer.sh — the tracer's cost per recorded fault against the floor of mprotect tracing, and the
# slowdown of a traced matmul, measured in one run (ratios, since these machines are noisy).
# Usage: scripts/bench/tracer.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
[ -x "$build/bin/3po-run" ] || scripts/setup.sh "$build" >&2
bin=$build/bin
sweep=$build/fault_sweep
cc -O2 -o "$sweep" scripts/bench/fault_sweep.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pages=4000 rounds=5
per() { awk '{for (i = 1; i < NF; i++) if ($i == "us_per_page") print $(i + 1)}'; }
plain=$("$sweep" $pages $rounds | per)
floor=$("$sweep" --floor $pages $rounds | per)
# floor and tracer both pinned to one CPU, as 3po-run pins itself and its target by default
floor1=$(taskset -c 0 "$sweep" --floor $pages $rounds | per)
traced=$("$bin/3po-run" -q --microset 1 -o "$tmp/s.3pt" "$sweep" $pages $rounds | per)
traced_np=$("$bin/3po-run" -q --no-pin --microset 1 -o "$tmp/s2.3pt" "$sweep" $pages $rounds | per)
echo "fault sweep: $pages pages x $rounds rounds, one fault per page touched"
printf '  untouched sweep            %8.3f us/page\n' "$plain"
printf '  floor (in-process handler) %8.3f us/fault (pinned: %.3f)\n' "$floor" "$floor1"
printf '  3po-run --microset 1       %8.3f us/fault (--no-pin: %.3f)\n' "$traced" "$traced_np"
awk -v t="$traced" -v f="$floor" 'BEGIN { printf "  ratio tracer / floor       %8.2fx   (goal: at most 2x)\n", t / f }'

secs() { /usr/bin/env time -f %e "$@" 2>&1 >/dev/null | tail -1; }
m_plain=$(secs "$bin/matmul" -n 512 -b 64)
m_traced=$(secs "$bin/3po-run" -q -o "$tmp/m.3pt" "$bin/matmul" -n 512 -b 64)
m_faults=$("$bin/3po-dump" --json "$tmp/m.3pt" | grep -o '"accesses": *[0-9]*' | head -1 | grep -o '[0-9]*$')
echo "matmul -n 512 -b 64 (default microset):"
echo "  untraced ${m_plain} s, traced ${m_traced} s, ${m_faults} pages recorded"
awk -v t="$m_traced" -v u="$m_plain" 'BEGIN { printf "  slowdown %.1fx\n", t / u }'
