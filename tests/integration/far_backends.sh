#!/usr/bin/env bash
# far_backends.sh — the runtime with its real far stores: --far file:PATH and --far memcached://
# over three memcached servers (with and without ?replicas=1) that this test starts on free
# loopback ports. Under every policy (a MIN tape, demand, readahead, leap) at 20% of the
# footprint the program's output is identical to an untraced run; the servers' own stats show
# the pages went there and were deleted at the end; the runtime's file is gone afterwards; --help
# shows each store with an example. A file that exists, or a server that is not there, is
# refused in one line.
# usage: far_backends.sh BINDIR MEMCACHED PROG ARGS...
set -u
bindir=$1 MEMCACHED=$2
shift 2
prog=$1
shift
work=$(mktemp -d)
. "$(dirname "$0")/far_lib.sh"
trap 'mc_stop_all; rm -rf "$work"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
run="$bindir/3po-run"
minreg=--min-region=64K
ms=8

. "$(dirname "$0")/runtime_require.sh"
rt_require

want=$("$bindir/$prog" "$@" | grep '^checksum')
[ -n "$want" ] || { echo "FAIL: $prog printed no checksum"; exit 1; }
"$run" -q --microset $ms -o "$work/t.3pt" "$bindir/$prog" "$@" >/dev/null || say "tracing $prog failed"
pages=$("$bindir/3po-dump" --json "$work/t.3pt" | jq .totals.distinct_pages)
cap=$((pages * 20 / 100))
[ $cap -ge 16 ] || cap=16
look=$((cap / 4))
"$bindir/3po-sim" -q "$work/t.3pt" --local-mem $((cap - look - ms)) --policy min --lookahead $look \
  -o "$work/min.tape" >/dev/null || say "3po-sim failed"

for n in a b c; do mc_start $n 64 -M || exit 1; done
no_items() { [ "$(mc_sum curr_items a b c)" = 0 ]; }
servers="127.0.0.1:${MC_PORT[a]},127.0.0.1:${MC_PORT[b]},127.0.0.1:${MC_PORT[c]}"

for far in "file:$work/far" "memcached://$servers" "memcached://$servers?replicas=1"; do
  for pol in tape demand readahead leap; do
    if [ $pol = tape ]; then how=(--tape "$work/min.tape"); else how=(--policy $pol); fi
    sets=$(mc_sum cmd_set a b c)
    out=$("$run" -q --stats "$work/s.json" $minreg "${how[@]}" --local-mem $cap --far "$far" -- \
      "$bindir/$prog" "$@" 2>"$work/err")
    rc=$?
    what="$pol with --far $far"
    [ $rc = 0 ] || say "$what: exit $rc: $(cat "$work/err")"
    [ "$(grep '^checksum' <<<"$out")" = "$want" ] || say "$what: output differs"
    wb=$(jq .writebacks "$work/s.json")
    [ "$wb" -gt 0 ] 2>/dev/null || say "$what: nothing written back ($wb)"
    case $far in
    file:*)
      [ -e "$work/far" ] && say "$what: the runtime's file is left behind" ;;
    memcached:*)
      # the servers saw the pages (copies too), and hold none of them any more
      new=$(( $(mc_sum cmd_set a b c) - sets ))
      copies=1
      [[ $far == *replicas=1 ]] && copies=2
      [ "$new" -ge $((wb * copies)) ] || say "$what: $wb pages written back, the servers saw $new sets (want ${copies}x)"
      # (the runtime's last deletes may still be on their way when it exits)
      wait_for 10 no_items || say "$what: $(mc_sum curr_items a b c) pages left on the servers" ;;
    esac
  done
done
# --help lists every store with an example
help=$("$run" --help 2>&1)
for ex in "tcp://10.0.0.2:7077" "file:/mnt/nvme/3po.far" "?keep" "memcached://a:11211,b:11211,c:11211?replicas=1"; do
  grep -qF -- "$ex" <<<"$help" || say "--help shows no $ex"
done

# refused at start-up, in one line: a file that exists (and is left as it was), a server not there
echo precious >"$work/mine"
"$run" -q --policy demand --local-mem 64 --far "file:$work/mine" -- /bin/true 2>"$work/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q "$work/mine exists" "$work/err" ||
  say "an existing file: exit $rc: $(cat "$work/err")"
[ "$(cat "$work/mine")" = precious ] || say "an existing file was changed"
port=$(free_port)
"$run" -q --policy demand --local-mem 64 --far "memcached://$servers,127.0.0.1:$port" -- /bin/true 2>"$work/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q "memcached server 127.0.0.1:$port" "$work/err" ||
  say "a memcached server not there: exit $rc: $(cat "$work/err")"
exit $fail
