#!/usr/bin/env bash
# compare.sh — runs a program untraced and under 3po-run and fails unless stdout and the exit
# status are identical and the trace reads back cleanly.
# Usage: compare.sh BINDIR [3po-run options...] -- PROG [ARGS...]
# Lines starting with "compute_time" (the workloads' timing) are left out of the comparison.
set -u
bindir=$1; shift
opts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$@" >"$work/u.out" 2>"$work/u.err" </dev/null
urc=$?
"$bindir/3po-run" -q "${opts[@]}" -o "$work/t.3pt" -- "$@" >"$work/t.out" 2>"$work/t.err" </dev/null
trc=$?
fail=0
if [ "$urc" != "$trc" ]; then echo "exit status differs: untraced $urc, traced $trc"; fail=1; fi
grep -v '^compute_time' "$work/u.out" >"$work/u.cmp"
grep -v '^compute_time' "$work/t.out" >"$work/t.cmp"
if ! cmp -s "$work/u.cmp" "$work/t.cmp"; then
  echo "stdout differs:"; diff "$work/u.cmp" "$work/t.cmp" | head -20; fail=1
fi
if ! "$bindir/3po-dump" "$work/t.3pt" >"$work/dump.txt" 2>&1; then
  echo "trace does not read back:"; tail -3 "$work/dump.txt"; fail=1
fi
pages=$("$bindir/3po-dump" --pages "$work/t.3pt" 2>/dev/null | wc -l)
if [ "$pages" -lt 1 ]; then echo "trace records no page"; fail=1; fi
if [ $fail -ne 0 ]; then echo "--- traced stderr:"; head -20 "$work/t.err"; exit 1; fi
echo "ok: exit $urc, $(wc -l <"$work/u.out") lines of identical output, $pages pages recorded"
