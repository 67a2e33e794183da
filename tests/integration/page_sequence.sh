#!/usr/bin/env bash
# page_sequence.sh — the trace of hz_page_sequence with microset N must be exactly the sequence
# worked out by hand below: the array's pages as recorded, and "|" where the microset ended.
# Usage: page_sequence.sh BINDIR PROG N   (N: 1, 2 or 4)
#
# The program touches pages 0 1 2 3 10 3 3 40 41 0 63 62 5 5 5 6 20 21 20 21 1 of its array,
# starting with an empty microset. The algorithm (README, "How it works"): a touch of an open page
# is not seen; a touch of a protected page is a fault: if N pages are open they are all protected
# again (a microset end, "|"), then the page is recorded and opened.
#
# N=1: every change of page faults, and every fault after the first ends a microset:
#   0 | 1 | 2 | 3 | 10 | 3 | 40 | 41 | 0 | 63 | 62 | 5 | 6 | 20 | 21 | 20 | 21 | 1
#   (3 3, 5 5 5: the repeats touch the open page.)
# N=2: open {0,1}; 2 flushes -> {2,3}; 10 flushes -> {10}; 3 was protected again: recorded,
#   {10,3}; the second 3 is hidden; 40 flushes -> {40,41}; 0 -> {0,63}; 62 -> {62,5}, 5 5 hidden;
#   6 -> {6,20}; 21 -> {21,20} (20 was flushed by 21: recorded again), 21 hidden; 1 flushes:
#   0 1 | 2 3 | 10 3 | 40 41 | 0 63 | 62 5 | 6 20 | 21 20 | 1
# N=4: {0,1,2,3}; 10 flushes -> {10,3,40,41} (3 recorded again, its repeat hidden); 0 flushes ->
#   {0,63,62,5} (5 5 hidden); 6 flushes -> {6,20,21,1} (20 21 re-touched while open: hidden):
#   0 1 2 3 | 10 3 40 41 | 0 63 62 5 | 6 20 21 1
set -u
bindir=$1 prog=$2 n=$3
case $n in
  1) expected="0 | 1 | 2 | 3 | 10 | 3 | 40 | 41 | 0 | 63 | 62 | 5 | 6 | 20 | 21 | 20 | 21 | 1" ;;
  2) expected="0 1 | 2 3 | 10 3 | 40 41 | 0 63 | 62 5 | 6 20 | 21 20 | 1" ;;
  4) expected="0 1 2 3 | 10 3 40 41 | 0 63 62 5 | 6 20 21 1" ;;
  *) echo "page_sequence.sh: no sequence worked out for microset $n"; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bindir/3po-run" -q --microset "$n" -o "$work/s.3pt" "$prog" >"$work/out" || { echo "3po-run failed"; exit 1; }
base=$(awk '/^base/ {print $2}' "$work/out")
np=$(awk '/^base/ {print $4}' "$work/out")
# Every access and microset end, from the first access to the array to its last one; any other
# page touched in between goes to $work/outside.
"$bindir/3po-dump" --events "$work/s.3pt" >"$work/events" || { echo "3po-dump failed"; exit 1; }
got="" pending="" pending_out="" started=0
while read -r _ _ ev addr _; do
  if [ "$ev" = microset_end ]; then
    [ $started = 1 ] && pending="$pending |"
  elif [ "$ev" = access ]; then
    off=$(( (addr - base) / 4096 ))
    if [ $(( addr - base )) -ge 0 ] && [ "$off" -lt "$np" ]; then
      got="$got$pending${got:+ }$off"; pending=""; started=1
      [ -n "$pending_out" ] && echo "other pages touched between:$pending_out" >>"$work/outside"
      pending_out=""
    elif [ $started = 1 ]; then
      pending_out="$pending_out $addr"
    fi
  fi
done <"$work/events"
if [ "$expected" != "$got" ] || [ -s "$work/outside" ]; then
  echo "expected: $expected"; echo "got:      $got"; cat "$work/outside" 2>/dev/null; exit 1
fi
echo "ok: $got"
