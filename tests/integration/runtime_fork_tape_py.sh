#!/usr/bin/env bash
# runtime_fork_tape_py.sh — Python programs that fork, under a tape: issue 15's example and a
# multiprocessing pool of 2 over a managed numpy array are traced, a tape is made from each
# trace, and each runs under its tape with 2 MiB local, with output and exit status as untraced.
# They are traced with 256-page microsets: with 8, Python's interpreter touches more pages than
# the microset holds at nearly every step and its trace takes hours (README: choosing the microset size).
# Exits 77 when the kernel lacks what the runtime needs.
# usage: runtime_fork_tape_py.sh BINDIR
set -u
bindir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
py=/usr/bin/python3

pydir=$(dirname "$0")/../runtime
. "$(dirname "$0")/runtime_require.sh"
rt_require
if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "FAIL: python3-numpy is not installed (scripts/setup.sh installs it)"
  exit 1
fi

for prog in example pool; do
  want=$("$py" "$pydir/fork_$prog.py" 2>&1)
  wrc=$?
  [ "$wrc" = 0 ] || say "fork_$prog.py fails untraced: $want"
  "$bindir/3po-run" -q --microset 256 -o "$work/$prog.3pt" "$py" "$pydir/fork_$prog.py" >/dev/null ||
    say "tracing $prog failed"
  "$bindir/3po-sim" -q "$work/$prog.3pt" --local-mem 2M --policy min --lookahead 50 -o "$work/$prog.tape" >/dev/null ||
    say "3po-sim for $prog failed"
  got=$("$bindir/3po-run" -q --min-region 64K --tape "$work/$prog.tape" --local-mem 2M -- "$py" "$pydir/fork_$prog.py" 2>&1)
  rc=$?
  [ "$rc" = "$wrc" ] || say "$prog on a tape: exit $rc, untraced $wrc"
  [ "$got" = "$want" ] || say "$prog on a tape: output '$got', untraced '$want'"
done
exit $fail
