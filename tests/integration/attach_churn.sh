#!/usr/bin/env bash
# attach_churn.sh — attaches to one program and detaches from it again and again; the program
# must not notice: every system call in flight at a detach still runs (a thread parked at a
# call's entry stop), and no fault on a page the tracer protected reaches it (a detach's
# interrupt that overtakes a fault). Usage: attach_churn.sh BINDIR PROG MODE [ROUNDS]
# MODE syscalls fails at once without the fix; MODE faults is a race of the scheduler's making,
# hit about once in a few hundred detaches with the tracer on a busy CPU and the program on
# another: as a stress test, run with ROUNDS=1000 (pins and a CPU hog are added when 2+ CPUs).
set -u
bindir=$1 prog=$2 mode=$3 rounds=${4:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"; kill -9 $(jobs -p) 2>/dev/null' EXIT
pin_prog="" pin_tracer=""
if [ "$rounds" -gt 100 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  pin_prog="taskset -c 1" pin_tracer="taskset -c 0"
  taskset -c 0 sh -c 'while :; do :; done' &
fi
$pin_prog "$prog" "$mode" 600 4 >"$work/out" &
p=$!
fail=0
for _ in $(seq 600); do # until it has exec'd (30 s at most)
  [ "$(readlink -f /proc/"$p"/exe 2>/dev/null)" = "$(readlink -f "$prog")" ] && break
  sleep 0.05
done
for i in $(seq "$rounds"); do
  if ! kill -0 "$p" 2>/dev/null; then break; fi
  $pin_tracer timeout 60 "$bindir/3po-attach" -q -d 0.05 -o "$work/t.3pt" "$p" 2>"$work/err" ||
    { kill -0 "$p" 2>/dev/null && { echo "round $i: 3po-attach failed: $(cat "$work/err")"; fail=1; break; }; }
done
if kill -0 "$p" 2>/dev/null; then
  kill -TERM "$p"; wait "$p" 2>/dev/null
  echo "ok: $mode, $rounds attach/detach rounds, the program never noticed"
else
  wait "$p"; rc=$?
  echo "$mode: the program ended by round $i, exit $rc: $(cat "$work/out")"
  fail=1
fi
exit $fail
