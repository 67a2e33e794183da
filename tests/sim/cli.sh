#!/usr/bin/env bash
# cli.sh — 3po-convert and 3po-sim as a user runs them: list <-> trace round trip, reports on
# the Belady sequence, tape write and replay, plots, and one-line errors on bad input.
# Usage: cli.sh BIN_DIR
set -u
bin=$1
w=$(mktemp -d /tmp/sim_cli.XXXXXX)
trap 'rm -rf "$w"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
expect_rc() { # RC DESC CMD...  (and: stderr is one line when RC != 0)
  local want=$1 desc=$2; shift 2
  "$@" >"$w/out" 2>"$w/err"
  local rc=$?
  if [ "$rc" != "$want" ]; then bad "$desc: exit $rc, want $want ($(head -c 300 "$w/err"))"; return; fi
  if [ "$want" != 0 ] && [ "$(wc -l <"$w/err")" != 1 ]; then bad "$desc: stderr not one line: $(cat "$w/err")"; return; fi
  ok
}
json() { python3 -c "import json,sys; d=json.load(open('$1')); v=($2); print(v)"; }

# --- 3po-convert: list -> trace -> list
cat >"$w/belady.txt" <<'L'
# Belady's anomaly sequence, pages 1..5
0x1000
8192   trailing words are ignored
0x3abc

0X4000
4096
0x2000
0x5000
0x1000
0x2000
0x3000
0x4000
0x5fff
L
printf '0x1000\n0x2000\n0x3000\n0x4000\n0x1000\n0x2000\n0x5000\n0x1000\n0x2000\n0x3000\n0x4000\n0x5000\n' >"$w/want.txt"
expect_rc 0 "convert list" "$bin/3po-convert" "$w/belady.txt" -o "$w/b.3pt"
expect_rc 0 "convert back" "$bin/3po-convert" --to-list "$w/b.3pt" -o "$w/back.txt"
cmp -s "$w/back.txt" "$w/want.txt" && ok || bad "list round trip: $(diff "$w/back.txt" "$w/want.txt" | head)"
"$bin/3po-convert" -o "$w/stdin.3pt" <"$w/want.txt" && "$bin/3po-convert" --to-list "$w/stdin.3pt" | cmp -s - "$w/want.txt" && ok || bad "stdin round trip"
printf '0x1000\nhello\n' >"$w/badlist.txt"
expect_rc 1 "bad list line" "$bin/3po-convert" "$w/badlist.txt" -o "$w/x.3pt"
grep -q ':2:' "$w/err" && ok || bad "bad list: no line number: $(cat "$w/err")"
expect_rc 2 "convert without -o" "$bin/3po-convert" "$w/belady.txt"
expect_rc 1 "convert missing list" "$bin/3po-convert" "$w/nope.txt" -o "$w/x.3pt"
expect_rc 1 "to-list of a non-trace" "$bin/3po-convert" --to-list "$w/belady.txt"

# --page-size and --program go into the trace's header, and pages are of that size
expect_rc 0 "convert 8K pages" "$bin/3po-convert" "$w/belady.txt" -o "$w/b8.3pt" --page-size 8192 --program myprog
[ "$("$bin/3po-dump" --json "$w/b8.3pt" | jq -c '[.page_size, .program]')" = '[8192,"myprog"]' ] && ok ||
  bad "convert --page-size 8192 --program myprog: $("$bin/3po-dump" --json "$w/b8.3pt" | jq -c '[.page_size, .program]')"
[ "$("$bin/3po-convert" --to-list "$w/b8.3pt" | head -4 | tr '\n' ' ')" = "0x0 0x2000 0x2000 0x4000 " ] && ok ||
  bad "8K pages: $("$bin/3po-convert" --to-list "$w/b8.3pt" | head -4 | tr '\n' ' ')"
expect_rc 2 "convert page size not a power of two" "$bin/3po-convert" "$w/belady.txt" -o "$w/x.3pt" --page-size 3000
expect_rc 0 "convert --page-size 16K" "$bin/3po-convert" "$w/belady.txt" -o "$w/b16.3pt" --page-size 16K
[ "$("$bin/3po-dump" --json "$w/b16.3pt" | jq .page_size)" = 16384 ] && ok || bad "--page-size 16K is not 16384"

# --- 3po-sim reports (hand-worked numbers: see tests/sim/policies.c)
expect_rc 0 "sim json" "$bin/3po-sim" "$w/b.3pt" -m 3 --json -q
cp "$w/out" "$w/r.json"
[ "$(json "$w/r.json" "[(p['policy'], p['misses'], p['fetches']) for p in d['policies']][:3]")" = \
  "[('lru', 0, 10), ('min', 0, 7), ('demand', 10, 10)]" ] && ok || bad "belady numbers: $(cat "$w/r.json")"
[ "$(json "$w/r.json" "d['accesses'], d['footprint_pages'], d['policies'][0]['demand_paging_misses']")" = "(12, 5, 10)" ] && ok || bad "belady totals"
expect_rc 0 "sim percent" "$bin/3po-sim" "$w/b.3pt" -m 60% --json -q --policy min
[ "$(json "$w/out" "d['policies'][0]['local_pages'], d['policies'][0]['fetches']")" = "(3, 7)" ] && ok || bad "60% is 3 pages"
expect_rc 0 "sim bytes" "$bin/3po-sim" "$w/b.3pt" -m 16K --json -q --policy lru
[ "$(json "$w/out" "d['policies'][0]['local_pages'], d['policies'][0]['fetches']")" = "(4, 8)" ] && ok || bad "16K is 4 pages"
expect_rc 0 "sim text" "$bin/3po-sim" "$w/b.3pt" -m 3 --compute 100ns -q
grep -q '^readahead' "$w/out" && grep -q 'slowdown' "$w/out" && ok || bad "text report: $(cat "$w/out")"

# the far-memory model: --page-cluster bounds readahead's window (2^N pages per fault), and
# --trace-overhead is taken off the trace's duration per fault (3po-convert: 1 ns per access)
seq 4096 4096 262144 >"$w/seq.txt"
cat "$w/seq.txt" "$w/seq.txt" | "$bin/3po-convert" -o "$w/seq.3pt"
ra() { "$bin/3po-sim" "$w/seq.3pt" -m 8 --policy readahead --json -q "$@" | jq -c '[.policies[0].misses, .policies[0].prefetches]'; }
[ "$(ra --page-cluster 0)" = "[128,0]" ] && ok || bad "--page-cluster 0 (no readahead): $(ra --page-cluster 0)"
[ "$(ra --page-cluster 1)" = "[64,64]" ] && ok || bad "--page-cluster 1 (pairs): $(ra --page-cluster 1)"
[ "$(ra | jq '.[0] < 64')" = true ] && ok || bad "--page-cluster 3 (the default): $(ra)"
model() { "$bin/3po-sim" "$w/seq.3pt" -m 8 --policy lru --json -q "$@" | jq -c '[.model.compute_ns_per_access, .model.local_time_ns]'; }
[ "$(model --trace-overhead 0)" = "[1,128]" ] && ok || bad "--trace-overhead 0: $(model --trace-overhead 0)"
[ "$(model --trace-overhead 0.25ns)" = "[0.75,96]" ] && ok || bad "--trace-overhead 0.25ns: $(model --trace-overhead 0.25ns)"
[ "$(model)" = "[0,0]" ] && ok || bad "the default overhead (30us) leaves nothing: $(model)"

# --- tapes: write, replay at its own size (no misses), replay against another trace
for p in lru min; do
  expect_rc 0 "$p tape" "$bin/3po-sim" "$w/b.3pt" -m 3 --policy $p -o "$w/$p.tape" -q
  expect_rc 0 "$p replay" "$bin/3po-sim" "$w/b.3pt" --replay "$w/$p.tape" --json -q
  [ "$(json "$w/out" "d['replay']['misses'], d['replay']['matches_trace'], d['replay']['max_resident'] <= 3")" = "(0, True, True)" ] && ok || bad "$p replay: $(cat "$w/out")"
done
printf '0x1000\n0x9000\n0x1000\n' | "$bin/3po-convert" -o "$w/other.3pt"
expect_rc 0 "replay other" "$bin/3po-sim" "$w/other.3pt" --replay "$w/lru.tape" --json -q
[ "$(json "$w/out" "d['replay']['matches_trace']")" = "False" ] && ok || bad "other trace should not match"
head -c 100 "$w/lru.tape" >"$w/cut.tape"
expect_rc 1 "replay truncated tape" "$bin/3po-sim" "$w/b.3pt" --replay "$w/cut.tape" -q

# --- curves and plots
expect_rc 0 "mrc" "$bin/3po-sim" "$w/b.3pt" --mrc 1:5:1 --policy lru,min --json -q
[ "$(json "$w/out" "d['mrc']['misses']")" = "{'lru': [12, 12, 10, 8, 5], 'min': [12, 9, 7, 6, 5]}" ] && ok || bad "mrc: $(cat "$w/out")"
if command -v gnuplot >/dev/null; then
  expect_rc 0 "plot" "$bin/3po-sim" "$w/b.3pt" --plot "$w/mrc.png" -q
  expect_rc 0 "heatmap" "$bin/3po-sim" "$w/b.3pt" --heatmap "$w/heat.png"
  for f in mrc heat; do
    [ "$(head -c 4 "$w/$f.png" | od -An -c | tr -d ' ')" = "211PNG" ] && ok || bad "$f.png is not a PNG"
  done
else
  echo "gnuplot not installed: plots not tested"
fi

# --- bad input: one line on stderr, exit 1 (files) or 2 (usage), never a crash
expect_rc 2 "no arguments" "$bin/3po-sim"
expect_rc 2 "no size" "$bin/3po-sim" "$w/b.3pt"
expect_rc 2 "bad size" "$bin/3po-sim" "$w/b.3pt" -m 12Q
expect_rc 2 "zero size" "$bin/3po-sim" "$w/b.3pt" -m 0
expect_rc 2 "bad percent" "$bin/3po-sim" "$w/b.3pt" -m 150%
expect_rc 2 "bad policy" "$bin/3po-sim" "$w/b.3pt" -m 3 --policy fifo
expect_rc 2 "tape without tape policy" "$bin/3po-sim" "$w/b.3pt" -m 3 --policy demand -o "$w/x.tape"
expect_rc 2 "bad latency" "$bin/3po-sim" "$w/b.3pt" -m 3 --latency 3h
expect_rc 2 "bad bandwidth" "$bin/3po-sim" "$w/b.3pt" -m 3 --bandwidth fast
expect_rc 2 "bad range" "$bin/3po-sim" "$w/b.3pt" --mrc 5%:100%
expect_rc 2 "unknown option" "$bin/3po-sim" "$w/b.3pt" -m 3 --frobnicate
expect_rc 2 "two traces" "$bin/3po-sim" "$w/b.3pt" "$w/b.3pt" -m 3
expect_rc 1 "missing trace" "$bin/3po-sim" "$w/nope.3pt" -m 3
expect_rc 1 "not a trace" "$bin/3po-sim" "$w/belady.txt" -m 3
expect_rc 1 "unwritable tape" "$bin/3po-sim" "$w/b.3pt" -m 3 -o /nonexistent/dir/x.tape -q
expect_rc 2 "size beyond 2^64 bytes" "$bin/3po-sim" "$w/b.3pt" -m 1e99
expect_rc 2 "bytes beyond 2^64" "$bin/3po-sim" "$w/b.3pt" -m 1e17K
expect_rc 2 "range downwards" "$bin/3po-sim" "$w/b.3pt" --mrc 50%:5%:5%
expect_rc 2 "range of pages downwards" "$bin/3po-sim" "$w/b.3pt" --mrc 5:1:1
expect_rc 2 "lookahead beyond 64 bits" "$bin/3po-sim" "$w/b.3pt" -m 3 --lookahead 18446744073709551616
expect_rc 2 "page-cluster with a sign" "$bin/3po-sim" "$w/b.3pt" -m 3 --page-cluster +3
expect_rc 2 "range downwards from pages to a share" "$bin/3po-sim" "$w/b.3pt" --mrc 4:40%:1
# errors about a file name it
expect_rc 1 "missing trace named" "$bin/3po-sim" "$w/nope.3pt" -m 3
grep -q "nope.3pt" "$w/err" && ok || bad "missing trace not named: $(cat "$w/err")"
expect_rc 1 "not a trace named" "$bin/3po-sim" "$w/belady.txt" -m 3
grep -q "belady.txt" "$w/err" && ok || bad "non-trace not named: $(cat "$w/err")"
head -c 60 "$w/b.3pt" >"$w/short.3pt"
expect_rc 1 "short header named" "$bin/3po-sim" "$w/short.3pt" -m 3
grep -q "short.3pt" "$w/err" && ok || bad "short trace not named: $(cat "$w/err")"
# a damaged byte of a tape's version field is damage (the header's CRC), not a version from the future
cp "$w/lru.tape" "$w/damaged.tape"
printf '\x10' | dd of="$w/damaged.tape" bs=1 seek=10 conv=notrunc status=none
expect_rc 1 "damaged tape version" "$bin/3po-dump" "$w/damaged.tape"
grep -q "CRC" "$w/err" && ! grep -q "version 1048578" "$w/err" && ok || bad "damaged tape version: $(cat "$w/err")"
expect_rc 1 "damaged tape version, replayed" "$bin/3po-sim" "$w/b.3pt" --replay "$w/damaged.tape" -q
grep -q "damaged.tape.*CRC" "$w/err" && ok || bad "damaged tape version, replayed: $(cat "$w/err")"
size=$(stat -c %s "$w/b.3pt")
for cut in 10 40 $((size / 2)) $((size - 3)); do
  head -c $cut "$w/b.3pt" >"$w/cut.3pt"
  "$bin/3po-sim" "$w/cut.3pt" -m 3 -q >/dev/null 2>"$w/err"
  rc=$?
  [ $rc -lt 2 ] && ok || bad "truncated trace ($cut bytes): exit $rc $(cat "$w/err")"
done
expect_rc 0 "help" "$bin/3po-sim" --help
grep -q 'SIZE' "$w/out" && grep -q 'Examples' "$w/out" && ok || bad "help text"
expect_rc 0 "convert help" "$bin/3po-convert" --help

echo "$pass passed, $fail failed"
[ $fail = 0 ]
