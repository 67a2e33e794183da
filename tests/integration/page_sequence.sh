#!/usr/bin/env bash
# page_sequence.sh — with a one-page microset, the trace of a program that touches a known order
# of pages of one array must be exactly that order (runs of repeats collapsed).
set -u
bindir=$1 prog=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bindir/3po-run" -q --microset 1 -o "$work/s.3pt" "$prog" >"$work/out" || { echo "3po-run failed"; exit 1; }
base=$(awk '/^base/ {print $2}' "$work/out")
np=$(awk '/^base/ {print $4}' "$work/out")
expected=$(grep -v '^base' "$work/out" | uniq | tr '\n' ' ')
got=$("$bindir/3po-dump" --pages "$work/s.3pt" | while read -r addr _; do
  off=$(( (addr - base) / 4096 ))
  if [ $(( addr - base )) -ge 0 ] && [ "$off" -lt "$np" ]; then echo "$off"; fi
done | uniq | tr '\n' ' ')
if [ "$expected" != "$got" ]; then
  echo "expected: $expected"; echo "got:      $got"; exit 1
fi
echo "ok: $got"
