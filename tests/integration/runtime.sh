#!/usr/bin/env bash
# runtime.sh — the runtime (3po-run --tape / --policy) on small workloads: the program's output
# is identical to an untraced run under every policy and local-memory size, with no more of its
# memory local than allowed, as the kernel counts it (sampled while it runs); a tape made for its
# local memory minus the lookahead has zero demand faults and fetches no more than 3po-sim says it
# asks for; a MIN tape fetches fewer pages than demand paging in the memory the tape was made
# for; the program's exit status and signals are its own; a tape of another program is refused.
# Exits 77 (skipped) only when the kernel lacks a feature the runtime needs, named by
# tests/runtime/kernel_probe.c.
# usage: runtime.sh BINDIR WORKLOAD ARGS...
set -u
bindir=$1
shift
prog=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
run="$bindir/3po-run"
dump="$bindir/3po-dump"
sim="$bindir/3po-sim"
minreg=--min-region=64K
# a small microset, so that small local memories hold it (the runtime's --settle is the same)
ms=8

# skip only for a kernel feature the runtime needs and the kernel lacks (named by the probe)
. "$(dirname "$0")/runtime_require.sh"
rt_require

# Residency as the kernel sees it, sampled while the program runs (tests/runtime/residency.c).
# The baseline: the program's anonymous memory outside the mappings the runtime would manage,
# run without the runtime.
resid=$bindir/../tests-bin/rt_residency
minbytes=65536 # $minreg
"$resid" "$work/res.txt" $minbytes --direct "$bindir/$prog" "$@" >/dev/null || say "$prog under the sampler failed"
base=$(awk '$1 == "small_anon" {print $2}' "$work/res.txt")
[ -n "$base" ] || { echo "FAIL: no baseline of $prog's unmanaged memory"; exit 1; }
# rtrun WHAT CAP ARGS...: 3po-run ARGS (output in $out, exit in $rc) under the sampler, then: at
# most CAP managed pages were local (in the runtime's memfd, and mapped in the program), and the
# program's anonymous memory (where managed pages that escaped the runtime would be) is no more
# than the baseline plus the runtime's 64 KiB scratch mapping in the program (16 pages; the
# smallest region managed is as large)
rtrun() {
  local what=$1 cap=$2 k v
  shift 2
  out=$("$resid" "$work/res.txt" $minbytes "$run" "$@")
  rc=$?
  local -A m=()
  while read -r k v; do m[$k]=$v; done <"$work/res.txt"
  if [ "${m[samples]:-0}" = 0 ] || [ "${m[memfd_pages]:-0}" = 0 ]; then
    say "$what: the sampler saw no managed memory (${m[samples]:-0} samples)"
    return
  fi
  [ "${m[memfd_pages]}" -le "$cap" ] || say "$what: the runtime's memfd held ${m[memfd_pages]} pages, more than $cap"
  [ "${m[rss_shmem]}" -le "$cap" ] || say "$what: ${m[rss_shmem]} managed pages mapped in the program (RssShmem), more than $cap"
  [ "${m[rss_anon]}" -le $((base + 16)) ] ||
    say "$what: ${m[rss_anon]} pages of anonymous memory (RssAnon), more than the $base unmanaged without the runtime (+16)"
}

want=$("$bindir/$prog" "$@" | grep '^checksum')
[ -n "$want" ] || { echo "FAIL: $prog printed no checksum"; exit 1; }
"$run" -q --microset $ms -o "$work/t.3pt" "$bindir/$prog" "$@" >/dev/null || say "tracing $prog failed"
pages=$("$dump" --json "$work/t.3pt" | jq .totals.distinct_pages)
[ "$pages" -gt 16 ] 2>/dev/null || { echo "FAIL: trace has no footprint ($pages)"; exit 1; }

for pct in 20 50; do
  cap=$(( pages * pct / 100 ))
  [ $cap -ge 16 ] || cap=16
  look=$(( cap / 4 ))
  tapecap=$(( cap - look - ms ))
  for pol in min lru; do
    "$sim" -q --json "$work/t.3pt" --local-mem $tapecap --policy $pol --lookahead $look -o "$work/$pol.tape" \
      >"$work/sim.json" || say "3po-sim $pol at $tapecap pages failed"
    simfe=$(jq '.policies[0].fetches' "$work/sim.json")
    rtrun "tape $pol at $pct%" $cap -q --stats "$work/s.json" $minreg --tape "$work/$pol.tape" --local-mem $cap -- "$bindir/$prog" "$@"
    [ $rc = 0 ] || say "tape $pol at $pct%: exit $rc"
    [ "$(grep '^checksum' <<<"$out")" = "$want" ] || say "tape $pol at $pct%: output differs"
    df=$(jq .demand_faults "$work/s.json")
    st=$(jq .strays "$work/s.json")
    fe=$(jq .fetches "$work/s.json")
    # a tape at its own size (plus its lookahead and one microset) must never make the program
    # wait: LRU tapes, and MIN tapes too, whose evictions come right after a last use
    [ "$df" = 0 ] || say "tape $pol at its own size ($tapecap + lookahead $look + microset $ms = $cap pages): $df demand faults, $st strays"
    [ $pol = min ] && min_fe=$fe
    [ "$fe" -gt 0 ] || say "tape $pol at $pct%: nothing fetched (no memory managed?)"
    # the runtime fetches what the tape asks for and no more: 3po-sim's count for this tape is
    # the most it may fetch (entries for pages still resident, or outside managed memory, cost
    # nothing; refetches after strays or resyncs would go over it)
    [ "$fe" -le "$simfe" ] || say "tape $pol at $pct%: $fe fetches, more than the $simfe its tape asks for"
  done
  # MIN against demand paging with the memory the tape was made for (its lookahead and microset
  # are for fetching ahead, which demand paging does not do): strictly fewer fetches
  rtrun "demand at $tapecap pages" $tapecap -q --stats "$work/s.json" $minreg --policy demand --local-mem $tapecap -- "$bindir/$prog" "$@"
  [ $rc = 0 ] && [ "$(grep '^checksum' <<<"$out")" = "$want" ] || say "demand at $tapecap pages: exit or output differs"
  dfe=$(jq .fetches "$work/s.json")
  [ "$min_fe" -lt "$dfe" ] || say "tape min for $tapecap pages: $min_fe fetches, not fewer than demand paging's $dfe in $tapecap pages"
  for pol in demand readahead leap; do
    rtrun "$pol at $pct%" $cap -q --stats "$work/s.json" $minreg --policy $pol --local-mem $cap -- "$bindir/$prog" "$@"
    [ $rc = 0 ] || say "$pol at $pct%: exit $rc"
    [ "$(grep '^checksum' <<<"$out")" = "$want" ] || say "$pol at $pct%: output differs"
    [ "$(jq .fetches "$work/s.json")" -gt 0 ] || say "$pol at $pct%: nothing fetched"
  done
done

# the far store behind TCP: a 3po-memserver on loopback gives the same output
"$bindir/3po-memserver" -q --listen 127.0.0.1:0 >"$work/ms.out" &
msrv=$!
for _ in $(seq 50); do grep -q listening "$work/ms.out" && break; sleep 0.1; done
addr=$(awk '/listening on/ {print $3}' "$work/ms.out")
if [ -n "$addr" ]; then
  out=$("$run" -q $minreg --far "tcp://$addr" --tape "$work/min.tape" --local-mem $cap -- "$bindir/$prog" "$@")
  [ "$(grep '^checksum' <<<"$out")" = "$want" ] || say "far tcp://$addr: output differs"
else
  say "3po-memserver did not say where it listens: $(cat "$work/ms.out")"
fi
kill $msrv 2>/dev/null
wait $msrv 2>/dev/null

# a tape is for one program with one set of arguments
"$run" -q $minreg --tape "$work/min.tape" -- "$bindir/$prog" --seed 99 "$@" >/dev/null 2>"$work/id.err"
rc=$?
[ $rc = 1 ] || say "a tape of other arguments: exit $rc, not 1"
grep -q "was made from" "$work/id.err" || say "a tape of other arguments: no clear refusal: $(cat "$work/id.err")"
[ "$(wc -l <"$work/id.err")" = 1 ] || say "refusal is not one line"

exit $fail
