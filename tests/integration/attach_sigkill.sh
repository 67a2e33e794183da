#!/usr/bin/env bash
# attach_sigkill.sh — a SIGKILL to 3po-attach (the process the user started) leaves the traced
# program running as if never traced: 3po-attach traces from a child of its own, which detaches
# cleanly when its parent dies. A SIGKILL to that tracing child itself cannot be survived: the
# kernel lets go of the program with its pages still shut, and its next touch of one is a
# SIGSEGV (README, 3po-attach --help). Both are checked here.
# Usage: attach_sigkill.sh BINDIR RUNNER (tests/hazards/long_runner.c)
set -u
bindir=$1 runner=$2
work=$(mktemp -d)
trap 'rm -rf "$work"; kill -9 $(jobs -p) 2>/dev/null' EXIT
fail=0
say() { echo "$*"; fail=1; }
tracer_of() { sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null; }
# waits (10 s at most) until process $1 has a tracer and its traced pages are shut
wait_traced() {
  for _ in $(seq 200); do
    local tr; tr=$(tracer_of "$1")
    [ -n "$tr" ] && [ "$tr" != 0 ] && [ "$(grep -c -- '---p' "/proc/$1/maps")" -gt "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

want=$("$runner" 3000 | grep sum)

# 1. SIGKILL to 3po-attach: the program finishes with its own output and exit status, and is
#    left without our page or protections
"$runner" 3000 >"$work/p1.out" &
prog=$!
for _ in $(seq 100); do grep -q started "$work/p1.out" && break; sleep 0.05; done
shut_before=$(grep -c -- '---p' "/proc/$prog/maps")
"$bindir/3po-attach" -q -o "$work/p1.3pt" "$prog" 2>"$work/a1.err" &
att=$!
wait_traced "$prog" "$shut_before" || say "1: the program was never traced"
kill -KILL "$att"
wait "$att" 2>/dev/null; rc=$?
[ $rc = 137 ] || say "1: 3po-attach exit $rc, wanted 137 (SIGKILL)"
for _ in $(seq 200); do [ "$(tracer_of "$prog")" != 0 ] && [ -e "/proc/$prog" ] || break; sleep 0.05; done
[ "$(tracer_of "$prog")" = 0 ] || say "1: the program is still traced after 10 s"
if [ -e "/proc/$prog/maps" ]; then
  grep -q rwxp "/proc/$prog/maps" && say "1: our scratch page is still mapped in the program"
  [ "$(grep -c -- '---p' "/proc/$prog/maps")" = "$shut_before" ] ||
    say "1: the program's protections are not its own after the detach"
fi
wait "$prog"; rc=$?
[ $rc = 0 ] || say "1: program exit $rc after SIGKILL to 3po-attach, wanted 0"
[ "$(grep sum "$work/p1.out")" = "$want" ] || say "1: program output differs"
"$bindir/3po-dump" "$work/p1.3pt" >"$work/p1.dump" 2>&1 || say "1: trace does not read: $(tail -1 "$work/p1.dump")"
grep -q detached "$work/p1.dump" || say "1: the trace does not say it ended by detaching"

# 1b. the same when the SIGKILL goes to 3po-attach's whole process group (timeout -s KILL)
"$runner" 3000 >"$work/p1b.out" &
prog=$!
for _ in $(seq 100); do grep -q started "$work/p1b.out" && break; sleep 0.05; done
timeout -s KILL 1.5 "$bindir/3po-attach" -q -o "$work/p1b.3pt" "$prog"; rc=$?
[ $rc = 137 ] || say "1b: timeout -s KILL 3po-attach: exit $rc, wanted 137"
wait "$prog"; rc=$?
[ $rc = 0 ] || say "1b: program exit $rc after SIGKILL to 3po-attach's process group, wanted 0"
[ "$(grep sum "$work/p1b.out")" = "$want" ] || say "1b: program output differs"
"$bindir/3po-dump" --pages "$work/p1b.3pt" 2>/dev/null | head -1 | grep -q '^0x' || say "1b: nothing was traced"

# 2. SIGKILL to the tracing process itself (the program's TracerPid): the program dies at its
#    next touch of a page still shut (SIGSEGV; SIGTRAP if it was running our code then)
"$runner" 3000 >"$work/p2.out" &
prog=$!
for _ in $(seq 100); do grep -q started "$work/p2.out" && break; sleep 0.05; done
shut_before=$(grep -c -- '---p' "/proc/$prog/maps")
"$bindir/3po-attach" -q -o "$work/p2.3pt" "$prog" 2>"$work/a2.err" &
att=$!
wait_traced "$prog" "$shut_before" || say "2: the program was never traced"
tracer=$(tracer_of "$prog")
[ "$tracer" != "$att" ] || say "2: 3po-attach traces from its own process (no guardian)"
kill -KILL "$tracer"
wait "$att"; rc=$?
[ $rc = 137 ] || say "2: 3po-attach exit $rc, wanted 137 (its tracer was killed)"
wait "$prog"; rc=$?
[ $rc = 139 ] || [ $rc = 133 ] || say "2: program exit $rc; README says it dies of SIGSEGV (139) or SIGTRAP (133)"

[ $fail = 0 ] && echo "ok: survives SIGKILL to 3po-attach; dies (as documented) if its tracer is killed"
exit $fail
