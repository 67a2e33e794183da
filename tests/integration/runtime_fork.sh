#!/usr/bin/env bash
# runtime_fork.sh — programs that fork under the runtime: a forked child gets its own copy of the
# managed memory (its writes and its parent's later writes invisible to each other, protections
# kept, no fd of the runtime's), under every policy and a tape; a child that execs or exits at
# once gets no copy (its peak RSS, as the kernel counts it, stays far below the region), one that
# touches its memory does; a child that waits before touching sees the memory of the fork; with
# output and exit status as without the runtime; Python's fork, multiprocessing pool, subprocess
# (vfork) and posix_spawn over a managed array; forks while pages move, ended by SIGTERM (exit 143, nothing on stderr) or by
# SIGKILL of 3po-run (no process left). Exits 77 when the kernel lacks what the runtime needs.
# usage: runtime_fork.sh BINDIR TESTBINDIR
set -u
bindir=$1
tb=$2
work=$(mktemp -d)
trap 'rm -rf "$work"; kill -9 $(jobs -p) 2>/dev/null' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
run() { "$bindir/3po-run" -q --min-region 64K "$@"; } # not for jobs: kill would reach the subshell
py=/usr/bin/python3

pydir=$(dirname "$0")/../runtime
. "$(dirname "$0")/runtime_require.sh"
rt_require

# same(WHAT, RUNTIME OPTIONS..., -- PROG ARGS...): output and exit status as untraced
same() {
  local what=$1
  shift
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  local want got rc wrc
  want=$("$@" 2>&1)
  wrc=$?
  got=$(run "${opts[@]}" -- "$@" 2>&1)
  rc=$?
  [ "$rc" = "$wrc" ] || say "$what: exit $rc, untraced $wrc"
  [ "$got" = "$want" ] || say "$what: output '$got', untraced '$want'"
}

# C targets: 1024 pages in 64 local (most of them far at the fork), and forks in a loop while
# pages move; every swap policy, then a tape made from a trace of the program
for pol in demand readahead leap; do
  same "fork_private $pol" --policy $pol --local-mem 64 -- "$tb/rtf_fork_private" 1024
  same "fork_loop $pol" --policy $pol --local-mem 256 -- "$tb/rtf_fork_loop" 1024 8
done
# another thread writes while the program forks: the child's copy is the memory of one instant
# (all 512 pages resident and writable, then most far)
for pol in demand readahead leap; do
  for lm in 1024 128; do
    same "fork_threads $pol at $lm pages" --policy $pol --local-mem $lm -- "$tb/rtf_fork_threads" 512 10
  done
done
# lazy(WHAT, RUNTIME OPTIONS...): fork_cost with a 32 MiB region, mostly far at the fork: no copy
# for a child that exits or execs at once, even after failed execs (peak RSS under 16 MiB), a full
# one for a child that touches it or forks a grandchild that does (32 MiB or more); every child
# succeeds
lazy() {
  local what=$1 mode out peak
  shift
  for mode in exit exec execp touch nest; do
    out=$(run "$@" -- "$tb/rtf_fork_cost" 32 $mode 2>&1)
    peak=$(sed -n 's/.*child peak rss \([0-9]*\) MiB, child ok$/\1/p' <<<"$out")
    if [ -z "$peak" ]; then
      say "$what, child $mode: '$out'"
    elif [ $mode = touch -o $mode = nest ] && [ "$peak" -lt 32 ]; then
      say "$what, child $mode: peak RSS $peak MiB, its copy cannot be complete"
    elif [ $mode != touch -a $mode != nest ] && [ "$peak" -ge 16 ]; then
      say "$what, child $mode: peak RSS $peak MiB, it was given a copy"
    fi
  done
}
for pol in demand readahead leap; do
  lazy "fork_cost $pol" --policy $pol --local-mem 64
  # the child spins 100 ms without a system call, the parent rewrites every page after the fork
  same "fork_later $pol" --policy $pol --local-mem 64 -- "$tb/rtf_fork_later" 1024 100
done
for prog in fork_private fork_loop fork_later fork_cost; do
  args=(1024); [ $prog = fork_loop ] && args=(1024 8)
  [ $prog = fork_later ] && args=(1024 100)
  [ $prog = fork_cost ] && args=(32 exec)
  "$bindir/3po-run" -q --microset 8 -o "$work/$prog.3pt" "$tb/rtf_$prog" "${args[@]}" >/dev/null ||
    say "tracing $prog failed"
  "$bindir/3po-sim" -q "$work/$prog.3pt" --local-mem 200 --policy min --lookahead 50 -o "$work/$prog.tape" >/dev/null ||
    say "3po-sim for $prog failed"
  if [ $prog = fork_cost ]; then
    # (one tape for the three children: the parent's accesses are the same)
    lazy "fork_cost on a tape" --tape "$work/$prog.tape" --no-check --local-mem 258
  else
    same "$prog on a tape" --tape "$work/$prog.tape" --local-mem 258 -- "$tb/rtf_$prog" "${args[@]}"
  fi
done

# Python: the example of issue 15, a multiprocessing pool of 2 over a managed array, and
# subprocess / os.posix_spawn / os.system (vfork-like: they share memory until exec), with 2 MiB
# local: numpy's arrays are managed and mostly far
if "$py" -c 'import numpy' 2>/dev/null; then
  for p in example pool spawn; do # each runs untraced, so a comparison of two failures cannot pass
    "$py" "$pydir/fork_$p.py" >/dev/null 2>&1 || say "fork_$p.py fails untraced"
  done
  for pol in demand readahead leap; do
    same "issue 15's example, $pol" --local-mem 2M --policy $pol -- "$py" "$pydir/fork_example.py"
    same "multiprocessing pool, $pol" --local-mem 2M --policy $pol -- "$py" "$pydir/fork_pool.py"
    same "subprocess and posix_spawn, $pol" --local-mem 2M --policy $pol -- "$py" "$pydir/fork_spawn.py"
  done
else
  say "python3-numpy is not installed (scripts/setup.sh installs it)"
fi

# SIGTERM to 3po-run while the program forks again and again with pages in flight (readahead
# prefetches): the program dies of it, 3po-run exits 143 and says nothing
for d in 10 25 40 55 70 85; do
  "$bindir/3po-run" -q --min-region 64K --policy readahead --local-mem 128 -- "$tb/rtf_fork_loop" 2048 0 \
    >/dev/null 2>"$work/term.err" &
  pid=$!
  sleep "0.$d"
  kill -TERM $pid
  wait $pid
  rc=$?
  [ $rc = 143 ] && [ ! -s "$work/term.err" ] || say "SIGTERM after 0.${d}s: exit $rc, not 143: $(cat "$work/term.err")"
done
# SIGKILL of 3po-run: the program and any child it forked go too (none is left running)
"$bindir/3po-run" -q --min-region 64K --policy readahead --local-mem 128 -- "$tb/rtf_fork_loop" 2048 0 >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null
for _ in $(seq 100); do pgrep -f "$tb/rtf_fork_loop 2048 0" >/dev/null || break; sleep 0.05; done
pgrep -f "$tb/rtf_fork_loop 2048 0" >/dev/null && say "SIGKILL of 3po-run left processes: $(pgrep -af "$tb/rtf_fork_loop 2048 0")"
exit $fail
