#!/usr/bin/env bash
# trace_options.sh — 3po-run's tracing options each change what is seen from outside, so one
# parsed and then ignored fails here: --aslr (the program's own /proc/self/maps differs between
# two runs, and is identical without it), --no-pin (the program's CPU affinity), --regions
# (which regions a trace protects); and a refused personality(2) (a one-line error and exit 1,
# never a run with randomisation left on).
# usage: trace_options.sh BINDIR TESTBINDIR
set -u
bindir=$1 tb=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
say() { echo "FAIL: $*"; fail=1; }
run="$bindir/3po-run"

# --aslr: without it two runs see the same addresses (the tapes depend on it); with it they differ
if [ "$(cat /proc/sys/kernel/randomize_va_space)" = 0 ]; then
  echo "note: kernel.randomize_va_space is 0: --aslr cannot be told apart here, not tested"
else
  for i in 1 2; do
    "$run" -q -o m.3pt -- cat /proc/self/maps >fixed$i || say "tracing cat failed"
    "$run" -q --aslr -o m.3pt -- cat /proc/self/maps >random$i || say "tracing cat --aslr failed"
  done
  grep -q '\[heap\]' fixed1 || say "no maps printed: $(head -3 fixed1)"
  # (the inode column aside: the tracer's scratch page is a new memfd each run)
  for i in 1 2; do awk '{$5 = ""; print}' fixed$i >addr$i; done
  cmp -s addr1 addr2 || say "without --aslr two runs have different addresses: $(diff fixed1 fixed2 | head -4)"
  cmp -s random1 random2 && say "with --aslr two runs have the same addresses"
fi

# --no-pin: by default the program runs on the tracer's one CPU; with --no-pin it keeps ours
mine=$(awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)
pinned=$("$run" -q -o p.3pt -- awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)
free=$("$run" -q --no-pin -o p.3pt -- awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)
[ "$free" = "$mine" ] || say "--no-pin: the program may run on '$free', we may on '$mine'"
if [[ $mine =~ ^[0-9]+$ ]]; then
  echo "note: this test runs on one CPU ($mine): pinning cannot be told apart, not tested"
else
  [[ $pinned =~ ^[0-9]+$ ]] || say "by default the program is not pinned to one CPU: '$pinned'"
fi

# --regions: only the kinds asked for are protected (the default traces all three)
traced() { # traced TRACE: the names of its traced regions, sorted, one line
  "$bindir/3po-dump" --json "$1" | jq -r '[.regions[] | select(.flags | index("traced")) | .name] | unique | join(",")'
}
"$run" -q -r heap -o heap.3pt "$bindir/matmul" -n 256 >/dev/null || say "tracing -r heap failed"
[ "$(traced heap.3pt)" = "[heap]" ] || say "--regions heap traced: $(traced heap.3pt)"
"$run" -q -r anon -o anon.3pt "$bindir/matmul" -n 256 >/dev/null || say "tracing -r anon failed"
# matmul's three 512 KiB matrices are anonymous mmaps: 384 pages at least
[ "$(traced anon.3pt)" = "" ] && [ "$("$bindir/3po-dump" --json anon.3pt | jq .totals.distinct_pages)" -ge 384 ] ||
  say "--regions anon traced: '$(traced anon.3pt)', $("$bindir/3po-dump" --json anon.3pt | jq .totals.distinct_pages) pages"
"$run" -q -r data -o data.3pt "$tb/tg_bss_array" >/dev/null || say "tracing -r data failed"
t=$(traced data.3pt)
[[ ,$t, == *",$tb/tg_bss_array,"* ]] && [[ ,$t, != *,,* ]] && [[ $t != *heap* ]] ||
  say "--regions data traced: '$t'"
"$run" -q -r anon,heap -o ah.3pt "$tb/tg_bss_array" >/dev/null || say "tracing -r anon,heap failed"
[[ "$(traced ah.3pt)" == ,*"[heap]" ]] || say "--regions anon,heap traced: '$(traced ah.3pt)'"

# personality(2) refused (as in a container's seccomp profile): the trace would not fit the next
# run, so 3po-run says so and stops before running the program; --aslr needs no personality
deny="$tb/deny_personality"
"$deny" "$run" -q -o d.3pt -- sh -c 'echo ran' >d.out 2>d.err
rc=$?
[ $rc = 1 ] || say "personality refused: exit $rc, not 1 ($(cat d.err))"
[ "$(wc -l <d.err)" = 1 ] && grep -q "randomi" d.err || say "personality refused: not one clear line: $(cat d.err)"
[ -s d.out ] && say "personality refused: the program ran anyway"
[ -e d.3pt ] && say "personality refused: a trace was left behind"
out=$("$deny" "$run" -q --aslr -o a.3pt -- sh -c 'echo ran')
[ "$out" = ran ] || say "personality refused, --aslr: the program did not run ($out)"

[ $fail = 0 ] && echo ok
exit $fail
