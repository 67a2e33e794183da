#!/usr/bin/env bash
# oblivious.sh — a tape fits another run of an oblivious program but not of one whose accesses
# depend on its data: bitonic (oblivious) and quicksort (not) are each traced with seeds 1 and
# 2; the lru tape of the seed-1 trace at 20% is replayed along the seed-2 trace. bitonic: the
# same page sequence, 0 misses; quicksort: another sequence, misses.
# Traces record absolute addresses and tapes name pages by address, so both runs are made
# with address-space randomisation off (setarch -R), else no page of one run is a page of the
# other. The microset is 2: with the default (64) these small programs' footprints (31 and 63
# pages) fit in the microset, the traces hold first touches only, and quicksort's data
# dependence does not show.
# Usage: oblivious.sh BIN_DIR   (exit 77: setarch -R unavailable, test skipped)
set -u
bin=$1
w=$(mktemp -d /tmp/sim_obliv.XXXXXX)
trap 'rm -rf "$w"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
json() { python3 -c "import json,sys; d=json.load(open('$1')); v=($2); print(v)"; }

if ! setarch -R true 2>/dev/null; then
  echo "setarch -R does not work here (util-linux missing, or personality() refused): skipped"
  exit 77
fi

trace() { # NAME SEED PROG ARGS...
  local name=$1 seed=$2; shift 2
  setarch -R "$bin/3po-run" -q --microset 2 -o "$w/$name$seed.3pt" "$@" --seed "$seed" >/dev/null ||
    bad "tracing $name --seed $seed"
}
# replay NAME TRACE_SEED: replays NAME's seed-1 tape along its TRACE_SEED trace into $w/rep.json
replay() {
  "$bin/3po-sim" "$w/$1$2.3pt" --replay "$w/$1.tape" --json -q >"$w/rep.json" || bad "replay $1 on seed $2"
  local r
  r=$(json "$w/rep.json" "'%d accesses, %d misses, %d tape fetches, matches_trace %s' % (d['replay']['accesses'], d['replay']['misses'], d['replay']['fetches'], d['replay']['matches_trace'])")
  echo "  $1 seed-1 tape along the seed-$2 trace: $r"
}
misses() { json "$w/rep.json" "d['replay']['misses']"; }

for s in 1 2; do
  trace bitonic $s "$bin/bitonic" -k 12
  trace quicksort $s "$bin/quicksort" -n 20000
done
for p in bitonic quicksort; do
  "$bin/3po-sim" "$w/${p}1.3pt" --local-mem 20% --policy lru -o "$w/$p.tape" --json -q >"$w/sim.json" ||
    bad "$p tape"
  echo "$p: $(json "$w/sim.json" "'%d accesses, %d pages; lru tape at %d pages: %d fetches' % (d['accesses'], d['footprint_pages'], d['policies'][0]['local_pages'], d['policies'][0]['fetches'])")"
  replay $p 1
  [ "$(misses)" = 0 ] && ok || bad "$p: its own tape misses"
  replay $p 2
  if [ $p = bitonic ]; then
    [ "$(misses)" = 0 ] && ok || bad "bitonic: the seed-1 tape misses on seed 2"
    cmp -s <("$bin/3po-dump" --pages "$w/${p}1.3pt" | cut -d' ' -f1) \
           <("$bin/3po-dump" --pages "$w/${p}2.3pt" | cut -d' ' -f1) && ok ||
      bad "bitonic: seeds 1 and 2 touch different page sequences"
  else
    [ "$(misses)" -gt 0 ] && ok || bad "quicksort: the seed-1 tape fits seed 2 (no misses)"
    [ "$(json "$w/rep.json" "d['replay']['matches_trace']")" = False ] && ok ||
      bad "quicksort: seed-2 trace said to match the seed-1 tape"
  fi
done

echo "$pass passed, $fail failed"
[ $fail = 0 ]
