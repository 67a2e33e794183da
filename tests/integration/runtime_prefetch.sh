#!/usr/bin/env bash
# runtime_prefetch.sh — the runtime's readahead and Leap policies really prefetch: on a
# sequential workload, in a fifth of its footprint, each has prefetches the program used and
# strictly fewer demand faults than demand paging, and no more faults (demand faults and first
# touches) than 3po-sim predicts for the same policy on the program's trace, give or take a
# quarter (3po-sim evicts by LRU, the runtime FIFO; on a stream both evict the oldest page).
# Output is the program's own under every policy. Exits 77 only when the kernel lacks a feature
# the runtime needs, named by tests/runtime/kernel_probe.c.
# usage: runtime_prefetch.sh BINDIR WORKLOAD ARGS...
set -u
bindir=$1
prog=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
. "$(dirname "$0")/runtime_require.sh"
rt_require

want=$("$bindir/$prog" "$@" | grep '^checksum')
[ -n "$want" ] || { echo "FAIL: $prog printed no checksum"; exit 1; }
"$bindir/3po-run" -q --microset 8 -o "$work/t.3pt" "$bindir/$prog" "$@" >/dev/null || say "tracing $prog failed"
pages=$("$bindir/3po-dump" --json "$work/t.3pt" | jq .totals.distinct_pages)
cap=$((pages / 5))
"$bindir/3po-sim" -q --json "$work/t.3pt" --local-mem $cap --policy readahead,leap >"$work/sim.json" ||
  { echo "FAIL: 3po-sim failed"; exit 1; }

declare -A df
for pol in demand readahead leap; do
  out=$("$bindir/3po-run" -q --stats "$work/$pol.json" --min-region 64K --policy $pol --local-mem $cap -- "$bindir/$prog" "$@")
  rc=$?
  [ $rc = 0 ] && [ "$(grep '^checksum' <<<"$out")" = "$want" ] || say "$pol: exit $rc or output differs"
  df[$pol]=$(jq .demand_faults "$work/$pol.json")
done
[ "${df[demand]}" -gt 0 ] || say "demand paging in $cap of $pages pages had no demand faults"
for pol in readahead leap; do
  used=$(jq .prefetch_used "$work/$pol.json")
  [ "$used" -gt 0 ] || say "$pol: no prefetch used"
  [ "${df[$pol]}" -lt "${df[demand]}" ] || say "$pol: ${df[$pol]} demand faults, not fewer than demand paging's ${df[demand]}"
  faults=$(jq '.demand_faults + .first_touches' "$work/$pol.json")
  predicted=$(jq --arg p $pol '.policies[] | select(.policy == $p) | .misses' "$work/sim.json")
  [ "$faults" -le $((predicted + predicted / 4)) ] ||
    say "$pol: $faults faults, more than 3po-sim's $predicted (+1/4) for the same policy and memory"
done
exit $fail
