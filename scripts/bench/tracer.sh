#!/usr/bin/env bash
# tracer.sh — the tracer's cost per recorded fault against the floor of mprotect tracing (one and
# two busy threads), and the slowdown of a traced numpy matmul and of a 1 GiB sweep, measured in one
# run as ratios (these machines are shared and noisy: each pair is run interleaved, ROUNDS times,
# and the median of each side is compared). Last, what any ptrace-based design could reach at best:
# ptrace_bound.c's minimal tracers, interleaved with the floor and 3po-run.
# Usage: scripts/bench/tracer.sh [BUILD_DIR]
# Environment: ROUNDS (3), NUMPY_N (512; the goal is stated for 1024), BIG_MIB (1024).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
[ -x "$build/bin/3po-run" ] || scripts/setup.sh "$build" >&2
bin=$build/bin
sweep=$build/fault_sweep
cc -O2 -o "$sweep" scripts/bench/fault_sweep.c -lpthread
bound=$build/ptrace_bound
cc -O2 -o "$bound" scripts/bench/ptrace_bound.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
reps=${ROUNDS:-3} numpy_n=${NUMPY_N:-512} big_mib=${BIG_MIB:-1024}
pages=4000 rounds=5
per() { awk '{for (i = 1; i < NF; i++) if ($i == "us_per_page") print $(i + 1)}'; }
secs() { /usr/bin/env time -f %e "$@" 2>&1 >/dev/null | tail -1; }
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# pair NAME CMD_A -- CMD_B: runs A and B alternately $reps times; prints "median_a median_b"
pair() {
  local a=() b=() x y
  while [ "$1" != -- ]; do a+=("$1"); shift; done
  shift
  b=("$@")
  : >"$tmp/a"
  : >"$tmp/b"
  for _ in $(seq "$reps"); do
    "${a[@]}" >>"$tmp/a"
    "${b[@]}" >>"$tmp/b"
  done
  x=$(median <"$tmp/a")
  y=$(median <"$tmp/b")
  echo "$x $y"
}
floor_run() { pick_cpu; taskset -c "$cpu" "$sweep" --floor "$@" | per; }
traced_run() { "$bin/3po-run" -q --microset 1 -o "$tmp/s.3pt" "$sweep" "$@" | per; }
# The floor runs on the CPU 3po-run would pick at that moment (by load), as 3po-run pins itself
# and its target: asked again before each run, as the load moves.
pick_cpu() { cpu=$("$bin/3po-run" -q -o "$tmp/c.3pt" grep Cpus_allowed_list /proc/self/status | awk '{print $2}'); }

read -r floor1 traced1 < <(pair floor_run $pages $rounds -- traced_run $pages $rounds)
echo "fault sweep: $pages pages x $rounds rounds, one fault per page touched (median of $reps, interleaved)"
printf '  floor (in-process handler) %8.3f us/fault\n' "$floor1"
printf '  3po-run --microset 1       %8.3f us/fault\n' "$traced1"
echo "  ratio tracer / floor       $(ratio "$traced1" "$floor1")x   (goal: at most 1.3x)"

floor2_run() { "$sweep" --floor "$@" | per; } # two threads: the floor may use every CPU
read -r floor2 traced2 < <(pair floor2_run $pages $rounds 2 -- traced_run $pages $rounds 2)
echo "two threads sweeping at once:"
printf '  floor %.3f us/fault, 3po-run %.3f us/fault\n' "$floor2" "$traced2"
echo "  ratio tracer / floor       $(ratio "$traced2" "$floor2")x   (goal: at most 2x)"

np=workloads/numpy_matmul.py
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  np_plain() { secs /usr/bin/python3 "$np" -n "$numpy_n"; }
  np_traced() { secs "$bin/3po-run" -q --microset 1024 -o "$tmp/n.3pt" /usr/bin/python3 "$np" -n "$numpy_n"; }
  read -r n_plain n_traced < <(pair np_plain -- np_traced)
  echo "numpy_matmul.py -n $numpy_n --microset 1024:"
  echo "  untraced ${n_plain} s, traced ${n_traced} s: slowdown $(ratio "$n_traced" "$n_plain")x  (goal at -n 1024: under 60 s)"
else
  echo "numpy_matmul.py: skipped (python3-numpy is not installed)"
fi

big=$((big_mib * 256))
big_plain() { secs "$sweep" $big 1; }
big_traced() { secs "$bin/3po-run" -q -o "$tmp/b.3pt" "$sweep" $big 1; }
read -r b_plain b_traced < <(reps=1 pair big_plain -- big_traced)
echo "$big_mib MiB: memset then one sweep (default microset):"
echo "  untraced ${b_plain} s, traced ${b_traced} s: slowdown $(ratio "$b_traced" "$b_plain")x  (goal: under 10x)"

# The kernel's share: each design of ptrace_bound.c (see its top comment) against the floor, all
# on 3po-run's CPU and interleaved with 3po-run itself (the same sweep, 4000 pages x 5 rounds).
# Wall time per fault, and CPU time per fault (program + tracer), which the load moves less;
# 3po-run's CPU is its whole run's (user + sys, its program included) over the faults it reports.
cpu_of() { awk '{for (i = 1; i < NF; i++) if ($i == "cpu_us_per_page") print $(i + 1)}'; }
tracer_cpu() {
  /usr/bin/env time -o "$tmp/time" -f "%U %S" "$bin/3po-run" --microset 1 -o "$tmp/s.3pt" "$sweep" "$@" 2>"$tmp/err" >/dev/null
  awk -v t="$(cat "$tmp/time")" '/ faults,/ {for (i = 2; i <= NF; i++) if ($i == "faults,") f = $(i - 1)}
    END {split(t, a, " "); printf "x %.3f\n", (a[1] + a[2]) * 1e6 / f}' "$tmp/err"
}
modes="floor one-stop one-stop-info two-stop handler-syscall helper"
for m in $modes tracer; do : >"$tmp/w.$m"; : >"$tmp/c.$m"; done
for _ in $(seq "$reps"); do
  for m in $modes; do
    pick_cpu
    taskset -c "$cpu" "$bound" "$m" >"$tmp/out"
    per <"$tmp/out" >>"$tmp/w.$m"
    cpu_of <"$tmp/out" >>"$tmp/c.$m"
  done
  traced_run $pages $rounds >>"$tmp/w.tracer"
  tracer_cpu $pages $rounds | awk '{print $2}' >>"$tmp/c.tracer"
done
fw=$(median <"$tmp/w.floor") fc=$(median <"$tmp/c.floor")
echo "lower bounds under ptrace (ptrace_bound.c; median of $reps, interleaved; us per fault and ratio to the floor):"
printf '  %-16s %9s %7s %9s %7s\n' design wall ratio cpu ratio
for m in $modes tracer; do
  w=$(median <"$tmp/w.$m") c=$(median <"$tmp/c.$m")
  printf '  %-16s %9.3f %6sx %9.3f %6sx\n' "$m" "$w" "$(ratio "$w" "$fw")" "$c" "$(ratio "$c" "$fc")"
done
