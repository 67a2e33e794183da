#!/usr/bin/env bash
# uffd_cost.sh — the machine-floor benchmark (scripts/bench/uffd_cost.c) runs on a small memfd:
# every operation row and the five floor lines are printed with positive figures (what
# scripts/bench/replicate.sh reads), and a bad argument is a one-line error with exit 2. Exits 77
# only when the kernel lacks a feature the runtime needs, named by tests/runtime/kernel_probe.c.
# usage: uffd_cost.sh BINDIR
set -u
bindir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
. "$(dirname "$0")/runtime_require.sh"
rt_require

out=$("$bindir/uffd_cost" -n 256 -r 1 -b "1 64" -k 50 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || say "uffd_cost exited $rc"
rows=$(grep -cE '^(place|evict|drop|user-space).* [0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$' <<<"$out")
[ "$rows" = 20 ] || say "$rows operation rows, not 20 (10 operations x 2 batches)"
for f in place_us drop_us writeback_us copy_us fault_us; do
  v=$(awk -v f=$f '$1 == "floor" && $2 == f {print $3}' <<<"$out")
  awk -v v="$v" 'BEGIN {exit !(v + 0 > 0)}' || say "floor $f is '$v', not a positive figure"
done
err=$("$bindir/uffd_cost" -n 0 2>&1)
rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] || say "-n 0: exit $rc, '$err' (want exit 2 and one line)"
exit $fail
