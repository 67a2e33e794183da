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

start() { # start NAME: runs 3po-run in the background, waits for the program to start
  "$bindir/3po-run" -q -o "$work/$1.3pt" "$prog" >"$work/$1.out" 2>"$work/$1.err" &
  run=$!
  for _ in $(seq 100); do grep -q started "$work/$1.out" 2>/dev/null && break; sleep 0.05; done
  child=$(pgrep -P "$run" | head -1)
  sleep 0.3
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

start killtracer; kill -KILL "$run"; wait "$run" 2>/dev/null
sleep 0.2
if [ -e /proc/"$child" ] && [ "$(awk '{print $3}' /proc/"$child"/stat)" != Z ]; then echo "killtracer: the program outlived a SIGKILLed tracer"; kill -9 "$child"; fail=1; fi
check killtracer 137 137 1  # no footer: 3po-dump says so and exits 1, but the events read
grep -q "footer" "$work/killtracer.dump" || { echo "killtracer: dump does not name the missing footer"; fail=1; }

[ $fail = 0 ] && echo ok
exit $fail
