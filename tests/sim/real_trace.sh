#!/usr/bin/env bash
# real_trace.sh — the simulator on a real trace: matmul traced by 3po-run; its page sequence
# (3po-dump --pages) replayed by an independent textbook LRU and Belady MIN
# (textbook_paging.py), whose misses must equal 3po-sim's lru and min fetches; the tape 3po-sim
# writes read back by 3po-dump and replayed with no misses; the miss-ratio plot and the heat
# map are PNG files.
# Usage: real_trace.sh BIN_DIR
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
w=$(mktemp -d /tmp/sim_real.XXXXXX)
trap 'rm -rf "$w"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
run() { # DESC CMD...: must exit 0 (stdout in $w/out)
  local desc=$1; shift
  if "$@" >"$w/out" 2>"$w/err"; then ok; else bad "$desc: exit $? ($(head -c 300 "$w/err"))"; fi
}
json() { python3 -c "import json,sys; d=json.load(open('$1')); v=($2); print(v)"; }
is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

# --- the trace and its page sequence
run "trace matmul" "$bin/3po-run" -q -o "$w/m.3pt" "$bin/matmul" -n 96 -b 16
run "dump --pages" "$bin/3po-dump" --pages "$w/m.3pt"
cp "$w/out" "$w/pages"
n=$(wc -l <"$w/pages")
[ "$n" -gt 100 ] && ok || bad "only $n accesses in matmul's trace"

# --- 3po-sim at 20% and a few other sizes against the textbook simulations
# compare TRACE PAGES JSON SIZE...: JSON is 3po-sim's report at the first SIZE
compare() {
  local trace=$1 pages=$2 first=$3 k sim dpm book; shift 3
  for k in "$@"; do
    if [ "$k" = "$1" ]; then cp "$first" "$w/k.json"
    else "$bin/3po-sim" "$trace" --local-mem "$k" --policy lru,min --json -q >"$w/k.json" || bad "sim -m $k"; fi
    # lru/min fetches = misses of demand paging with that eviction, cold misses included
    sim=$(json "$w/k.json" "' '.join(str(p['fetches']) for p in d['policies'] if p['policy'] in ('lru', 'min'))")
    dpm=$(json "$w/k.json" "' '.join(str(p['demand_paging_misses']) for p in d['policies'] if p['policy'] in ('lru', 'min'))")
    book=$(python3 "$here/textbook_paging.py" "$pages" "$k" | cut -d' ' -f2-)
    echo "  $k pages: 3po-sim lru/min fetches $sim, textbook LRU/MIN misses $book"
    [ "$sim" = "$book" ] && ok || bad "$k pages: 3po-sim fetches $sim, textbook $book"
    [ "$dpm" = "$book" ] && ok || bad "$k pages: demand_paging_misses $dpm, textbook $book"
  done
}
run "sim 20%" "$bin/3po-sim" "$w/m.3pt" --local-mem 20% --json -q -o "$w/m.tape"
cp "$w/out" "$w/r.json"
local_pages=$(json "$w/r.json" "d['policies'][0]['local_pages']")
echo "matmul: $n accesses, local memory $local_pages pages (20%)"
compare "$w/m.3pt" "$w/pages" "$w/r.json" "$local_pages" 1 7 40 1000
# the same with a microset of 4: a longer sequence with more reuse
run "trace matmul, microset 4" "$bin/3po-run" -q --microset 4 -o "$w/m4.3pt" "$bin/matmul" -n 96 -b 16
"$bin/3po-dump" --pages "$w/m4.3pt" >"$w/pages4" || bad "dump --pages m4.3pt"
run "sim 20%, microset 4" "$bin/3po-sim" "$w/m4.3pt" --local-mem 20% --json -q
cp "$w/out" "$w/r4.json"
echo "matmul --microset 4: $(wc -l <"$w/pages4") accesses"
compare "$w/m4.3pt" "$w/pages4" "$w/r4.json" "$(json "$w/r4.json" "d['policies'][0]['local_pages']")" 30
lru_fetches=$(json "$w/r.json" "[p['fetches'] for p in d['policies'] if p['policy'] == 'lru'][0]")
demand=$(json "$w/r.json" "[p['misses'] for p in d['policies'] if p['policy'] == 'demand'][0]")
[ "$demand" = "$lru_fetches" ] && ok || bad "demand misses $demand != lru fetches $lru_fetches"

# --- the tape: 3po-dump reads it; replayed at its own size it has no misses
run "dump tape" "$bin/3po-dump" "$w/m.tape"
grep -q "^  policy          lru" "$w/out" && grep -q "^  local memory    $local_pages pages" "$w/out" &&
  grep -q "^  fetches         $lru_fetches$" "$w/out" && grep -q "matmul" "$w/out" &&
  ok || bad "tape summary: $(cat "$w/out")"
run "dump tape json" "$bin/3po-dump" --json "$w/m.tape"
[ "$(json "$w/out" "d['kind'], d['policy'], d['local_pages'], d['totals']['fetches'], d['accesses'], d['error']")" = \
  "('tape', 'lru', $local_pages, $lru_fetches, $n, None)" ] && ok || bad "tape json: $(cat "$w/out")"
entries=$(json "$w/out" "d['totals']['entries']")
run "dump tape entries" "$bin/3po-dump" --entries "$w/m.tape"
[ "$(wc -l <"$w/out")" = "$entries" ] && [ "$(grep -c ' fetch 0x' "$w/out")" = "$lru_fetches" ] &&
  ! grep -qvE '^[0-9]+ (fetch|evict) 0x[0-9a-f]+$' "$w/out" && ok || bad "--entries: $(head -3 "$w/out")"
run "replay" "$bin/3po-sim" "$w/m.3pt" --replay "$w/m.tape" --json -q
[ "$(json "$w/out" "d['replay']['misses'], d['replay']['matches_trace'], d['replay']['max_resident'] <= $local_pages")" = \
  "(0, True, True)" ] && ok || bad "replay: $(cat "$w/out")"
# a cut tape: what could be read, then one error line naming the byte offset, exit 1
head -c $(($(stat -c %s "$w/m.tape") - 10)) "$w/m.tape" >"$w/cut.tape"
"$bin/3po-dump" "$w/cut.tape" >"$w/out" 2>"$w/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$w/err")" = 1 ] && grep -q "offset [0-9]" "$w/err" &&
  grep -q "^  fetches         $lru_fetches$" "$w/out" && ok || bad "cut tape: exit $rc, $(cat "$w/err")"

# a flipped byte in the first chunk's payload: its CRC error, exit 1; mode and file kind
# mismatches: 2. The first chunk follows the 20-byte prefix, the header body and its CRC.
chunk=$(($(od -An -tu4 -j12 -N4 "$w/m.tape" | tr -d ' ') + 24))
cp "$w/m.tape" "$w/flip.tape"
byte=$(od -An -tu1 -j$((chunk + 20)) -N1 "$w/m.tape" | tr -d ' ')
printf "\\$(printf %o $((255 - byte)))" | dd of="$w/flip.tape" bs=1 seek=$((chunk + 20)) conv=notrunc 2>/dev/null
"$bin/3po-dump" --entries "$w/flip.tape" >"$w/out" 2>"$w/err"
rc=$?
[ $rc = 1 ] && grep -qx "3po-dump: $w/flip.tape: CRC mismatch in chunk at offset $chunk" "$w/err" && ok ||
  bad "flipped tape: exit $rc, $(cat "$w/err")"
for args in "--pages $w/m.tape" "--events $w/m.tape" "--heatmap $w/q.png $w/m.tape" "--entries $w/m.3pt"; do
  # shellcheck disable=SC2086
  "$bin/3po-dump" $args >/dev/null 2>&1
  rc=$?
  [ $rc = 2 ] && ok || bad "3po-dump $args: exit $rc, want 2"
done

# --- pictures
if command -v gnuplot >/dev/null; then
  run "plot" "$bin/3po-sim" "$w/m.3pt" --plot "$w/x.png" -q
  run "heatmap" "$bin/3po-dump" --heatmap "$w/h.png" "$w/m.3pt"
  [ -s "$w/out" ] && bad "--heatmap alone printed something"
  for f in x h; do is_png "$w/$f.png" && ok || bad "$f.png is not a PNG"; done
else
  echo "gnuplot not installed: plots not tested"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
