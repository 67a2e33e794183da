#!/usr/bin/env bash
# runtime_options.sh — 3po-run's runtime options each change what is seen from outside, so one
# parsed and then ignored fails here: --aslr (the program's /proc/self/maps), --no-check (a tape
# of other arguments runs), --key-every (key faults per fetch), --settle (when the tape's
# evictions may happen), --lookahead (fetches in flight: the run's length on a slow link),
# --latency and --bandwidth (the run takes at least what the link costs); and personality(2)
# refused (a one-line error and exit 1), --stats not writable (exit 1, before the program runs
# if the file cannot be made), sizes and far URIs it cannot take (exit 2: the command line's).
# Exits 77 when the kernel lacks what the runtime needs.
# usage: runtime_options.sh BINDIR TESTBINDIR
set -u
bindir=$1 tb=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
say() { echo "FAIL: $*"; fail=1; }
run="$bindir/3po-run"
prog=("$bindir/matmul" -n 192 -b 32)
minreg=--min-region=64K

. "$(dirname "$0")/runtime_require.sh"
rt_require
ms() { echo $(($(date +%s%N) / 1000000)); }
j() { jq "$1" s.json; }

# --aslr: the runtime runs programs at fixed addresses (tapes are addresses) unless told not to
if [ "$(cat /proc/sys/kernel/randomize_va_space)" = 0 ]; then
  echo "note: kernel.randomize_va_space is 0: --aslr cannot be told apart here, not tested"
else
  for i in 1 2; do
    "$run" -q --policy demand --local-mem 64 -- cat /proc/self/maps >fixed$i || say "cat under the runtime failed"
    "$run" -q --aslr --policy demand --local-mem 64 -- cat /proc/self/maps >random$i || say "cat --aslr failed"
  done
  grep -q '\[stack\]' fixed1 || say "no maps printed: $(head -3 fixed1)"
  cmp -s fixed1 fixed2 || say "without --aslr two runs have different addresses: $(diff fixed1 fixed2 | head -4)"
  cmp -s random1 random2 && say "with --aslr two runs have the same addresses"
fi

# a tape for half of matmul's footprint, less its lookahead and one microset (8)
want=$("${prog[@]}" | grep checksum)
"$run" -q --microset 8 -o t.3pt "${prog[@]}" >/dev/null || say "tracing matmul failed"
pages=$("$bindir/3po-dump" --json t.3pt | jq .totals.distinct_pages)
cap=$((pages / 2)) look=$((pages / 8))
"$bindir/3po-sim" -q t.3pt --local-mem $((cap - look - 8)) --policy min --lookahead $look -o min.tape >/dev/null ||
  say "3po-sim failed"
tape=(--tape min.tape --local-mem $cap $minreg)
tapefetches=$("$bindir/3po-dump" --json min.tape | jq .totals.fetches)
[ "$tapefetches" -gt 200 ] 2>/dev/null || say "the tape has too few fetches ($tapefetches) for these tests"

# --no-check: a tape of other arguments is refused, and runs when asked
other=("$bindir/matmul" -n 192 -b 32 --seed 7)
want7=$("${other[@]}" | grep checksum)
"$run" -q "${tape[@]}" -- "${other[@]}" >/dev/null 2>nc.err
[ $? = 1 ] && grep -q "was made from" nc.err || say "a tape of other arguments was not refused: $(cat nc.err)"
got=$("$run" -q --no-check "${tape[@]}" -- "${other[@]}" | grep checksum)
[ "$got" = "$want7" ] || say "--no-check: '$got', want '$want7'"

# --key-every N: every Nth tape fetch is a key page, whose first touch is a fault: key faults are
# the fetches over N (the default, lookahead/4, is neither 2 nor 32 here)
for n in 2 32; do
  got=$("$run" -q --stats s.json "${tape[@]}" --lookahead 24 --key-every $n -- "${prog[@]}" | grep checksum)
  [ "$got" = "$want" ] || say "--key-every $n: output differs"
  kf=$(j .key_faults) pf=$(j .prefetches)
  [ $((kf * n * 10)) -ge $((pf * 8)) ] && [ $((kf * n * 10)) -le $((pf * 11 + 10 * n)) ] ||
    say "--key-every $n: $kf key faults for $pf tape fetches"
done

# --settle: a tape's eviction waits until the program is that many accesses past it; past the
# end of the trace none is ever due, and every eviction is the fallback's
got=$("$run" -q --stats s.json "${tape[@]}" -- "${prog[@]}" | grep checksum)
[ "$got" = "$want" ] || say "tape run: output differs"
[ "$(j .tape_evictions)" -gt 100 ] || say "the tape's own evictions did not happen: $(j .tape_evictions)"
got=$("$run" -q --stats s.json "${tape[@]}" --settle 100000000 -- "${prog[@]}" | grep checksum)
[ "$got" = "$want" ] || say "--settle 100000000: output differs"
[ "$(j .tape_evictions)" = 0 ] && [ "$(j .evictions)" -gt 100 ] && [ "$(j .resident_max)" -le $cap ] ||
  say "--settle 100000000: $(j .tape_evictions) evictions from the tape, $(j .evictions) in all, $(j .resident_max) resident"

# --lookahead 1 on a 2 ms link: one tape fetch in flight at a time, so the run lasts at least
# (tape fetches that move data) x 2 ms; the default lookahead overlaps them
t0=$(ms)
got=$("$run" -q --stats s.json "${tape[@]}" --lookahead 1 --latency 2ms -- "${prog[@]}" | grep checksum)
took=$(($(ms) - t0))
[ "$got" = "$want" ] || say "--lookahead 1: output differs"
moved=$(($(j .fetches) - $(j .zero_fills) - $(j .demand_faults)))
[ "$(j .lookahead)" = 1 ] || say "--lookahead 1: the runtime reports lookahead $(j .lookahead)"
[ $moved -gt 100 ] && [ $took -ge $((moved * 2)) ] || say "--lookahead 1 --latency 2ms: $took ms for $moved serial fetches"

# --latency and --bandwidth under demand paging: each demand fault waits for one page
for link in "--latency 2ms:2000" "--bandwidth 10Mbit/s:3277"; do
  opt=${link%:*} us=${link#*:}
  t0=$(ms)
  got=$("$run" -q --stats s.json --policy demand --local-mem $cap $minreg $opt -- "${prog[@]}" | grep checksum)
  took=$(($(ms) - t0))
  [ "$got" = "$want" ] || say "$opt: output differs"
  df=$(j .demand_faults)
  [ "$df" -gt 100 ] && [ $((took * 1000)) -ge $((df * us)) ] || say "$opt: $took ms for $df demand faults of $us us each"
done

# personality(2) refused: the program would not run at the tape's addresses; 3po-run stops first
"$tb/deny_personality" "$run" -q --policy demand --local-mem 64 -- sh -c 'echo ran' >d.out 2>d.err
rc=$?
[ $rc = 1 ] || say "personality refused: exit $rc, not 1 ($(cat d.err))"
[ "$(wc -l <d.err)" = 1 ] && grep -q "randomi" d.err || say "personality refused: not one clear line: $(cat d.err)"
[ -s d.out ] && say "personality refused: the program ran anyway"
[ "$("$tb/deny_personality" "$run" -q --aslr --policy demand --local-mem 64 -- sh -c 'echo ran')" = ran ] ||
  say "personality refused, --aslr: the program did not run"

# --stats: a file that cannot be made stops 3po-run before the program runs; one that cannot be
# written (a full disk: /dev/full) makes the exit status 1 when the program's is 0
"$run" -q --stats /nonexistent/dir/s.json --policy demand --local-mem 64 -- sh -c 'echo ran' >st.out 2>st.err
rc=$?
[ $rc = 1 ] && [ "$(wc -l <st.err)" = 1 ] && grep -q /nonexistent/dir/s.json st.err ||
  say "--stats not creatable: exit $rc: $(cat st.err)"
[ -s st.out ] && say "--stats not creatable: the program ran anyway"
"$run" -q --stats /dev/full --policy demand --local-mem 64 -- true 2>st.err
rc=$?
[ $rc = 1 ] && [ "$(wc -l <st.err)" = 1 ] && grep -q /dev/full st.err || say "--stats on a full disk: exit $rc: $(cat st.err)"
"$run" -q --stats /dev/full --policy demand --local-mem 64 -- sh -c 'exit 3' 2>/dev/null
[ $? = 3 ] || say "--stats on a full disk: the program's exit status 3 was lost"

# values the runtime cannot take: the command line's fault, exit 2, one line
refuse2() { # refuse2 WHAT ARGS...
  local what=$1
  shift
  "$run" "$@" -- sh -c 'echo ran' >r.out 2>r.err
  local rc=$?
  [ $rc = 2 ] || say "$what: exit $rc, not 2: $(cat r.err)"
  [ "$(wc -l <r.err)" = 1 ] || say "$what: not one line: $(cat r.err)"
  [ -s r.out ] && say "$what: the program ran"
}
refuse2 "--local-mem 1" --policy demand --local-mem 1
refuse2 "--local-mem 1e99" --policy demand --local-mem 1e99
refuse2 "--local-mem 1e99 bytes" --policy demand --local-mem 1e99K
refuse2 "--far ftp://x" --policy demand --local-mem 64 --far ftp://x
refuse2 "--far tcp:// without a port" --policy demand --local-mem 64 --far tcp://localhost
refuse2 "--latency of an hour" --policy demand --local-mem 64 --latency 3600s

[ $fail = 0 ] && echo ok
exit $fail
