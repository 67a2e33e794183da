#!/usr/bin/env bash
# interrupt.sh — signals to 3po-run reach the program as if 3po-run were not there, the program
# dying mid-trace ends tracing cleanly, and every trace is finalized (or, if 3po-run itself is
# SIGKILLed, readable up to its last complete chunk).
set -u
set -m  # job control: background jobs keep SIGINT/SIGQUIT as they are (not ignored)
bindir=$1 prog=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

wait_access() { # wait_access NAME: until the trace file shows a recorded access (20 s at most)
  for _ in $(seq 400); do
    "$bindir/3po-dump" --pages "$work/$1.3pt" 2>/dev/null | grep -q '^0x' && return 0
    sleep 0.05
  done
  echo "$1: no access in the trace file after 20 s"; fail=1; return 1
}
start() { # start NAME [3PO-RUN OPTIONS]: runs 3po-run in the background, waits until its trace
  # file holds an access (written within half a second, whether or not a chunk is full)
  local name=$1; shift
  "$bindir/3po-run" -q "$@" -o "$work/$name.3pt" "$prog" >"$work/$name.out" 2>"$work/$name.err" &
  run=$!
  for _ in $(seq 400); do grep -q started "$work/$name.out" 2>/dev/null && break; sleep 0.05; done
  child=$(pgrep -P "$run" | head -1)
  wait_access "$name"
}
check() { # check NAME GOT WANT DUMP_WANT
  if [ "$2" != "$3" ]; then echo "$1: 3po-run exit $2, wanted $3"; cat "$work/$1.err"; fail=1; fi
  "$bindir/3po-dump" "$work/$1.3pt" >"$work/$1.dump" 2>&1; local d=$?
  if [ "$d" != "$4" ]; then echo "$1: 3po-dump exit $d, wanted $4"; tail -2 "$work/$1.dump"; fail=1; fi
  if ! "$bindir/3po-dump" --pages "$work/$1.3pt" 2>/dev/null | head -1 | grep -q '^0x'; then
    echo "$1: no access recorded"; fail=1
  fi
}

for sig in TERM INT HUP; do
  start "$sig"; kill -"$sig" "$run"; wait "$run"; rc=$?
  want=$((128 + $(kill -l "$sig")))
  check "$sig" "$rc" "$want" 0
  grep -q done "$work/$sig.out" && { echo "$sig: program did not get the signal"; fail=1; }
done

start killprog; kill -KILL "$child"; wait "$run"; check killprog $? 137 0

# With a microset larger than its 256 pages, the program stops faulting after its first touches:
# its accesses are in the file only if the tracer writes them while idle (a chunk is far from full).
start killtracer --microset 1024; kill -KILL "$run"; wait "$run" 2>/dev/null
for _ in $(seq 200); do # PTRACE_O_EXITKILL: the program dies with the tracer
  [ -e /proc/"$child" ] && [ "$(awk '{print $3}' /proc/"$child"/stat 2>/dev/null)" != Z ] || break
  sleep 0.05
done
if [ -e /proc/"$child" ] && [ "$(awk '{print $3}' /proc/"$child"/stat 2>/dev/null)" != Z ]; then echo "killtracer: the program outlived a SIGKILLed tracer"; kill -9 "$child"; fail=1; fi
check killtracer 137 137 1  # no footer: 3po-dump says so and exits 1, but the events read
grep -q "footer" "$work/killtracer.dump" || { echo "killtracer: dump does not name the missing footer"; fail=1; }

[ $fail = 0 ] && echo ok
exit $fail
