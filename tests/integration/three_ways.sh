#!/usr/bin/env bash
# three_ways.sh — runs a target of tests/targets/ untraced, under 3po-run, and attached mid-run
# (at its first sync point, while it is blocked reading stdin) and detached at its second; stdout
# and exit status must be the same all three ways, and both traces must read back.
# Usage: three_ways.sh BINDIR PROG [ARGS...]
set -u
bindir=$1; shift
work=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null; rm -rf "$work"; kill -9 $(jobs -p) 2>/dev/null' EXIT
export TG_SYNC=1
printf 'xx' | timeout 60 "$@" >"$work/u.out" 2>/dev/null; urc=$?
printf 'xx' | timeout 120 "$bindir/3po-run" -q -o "$work/r.3pt" -- "$@" >"$work/r.out" 2>/dev/null; rrc=$?

# attached: the program waits at each sync point for a byte on its stdin (a FIFO we hold open)
mkfifo "$work/in"
timeout 120 "$@" <"$work/in" >"$work/a.out" 2>"$work/a.err" &
prog=$!
exec 3>"$work/in"
wait_sync() { for _ in $(seq 600); do grep -q "tg-sync $1" "$work/a.err" && return 0; sleep 0.05; done; return 1; }
fail=0
if wait_sync 1; then
  "$bindir/3po-attach" -q -o "$work/a.3pt" "$prog" &
  att=$!
  sleep 0.3
  printf 'x' >&3
  if wait_sync 2; then
    kill -INT "$att"
  else
    echo "attached: never reached its second sync point"; fail=1; kill -INT "$att"
  fi
  wait "$att" || { echo "3po-attach exit $?"; fail=1; }
  printf 'x' >&3
else
  echo "attached: never reached its first sync point"; fail=1
fi
exec 3>&-
wait "$prog"; arc=$?

for way in r a; do
  [ "$way" = r ] && rc=$rrc || rc=$arc
  name=$([ "$way" = r ] && echo "3po-run" || echo "attached")
  if [ "$rc" != "$urc" ]; then echo "$name: exit $rc, untraced $urc"; fail=1; fi
  if ! cmp -s "$work/u.out" "$work/$way.out"; then echo "$name: stdout differs"; diff "$work/u.out" "$work/$way.out" | head -5; fail=1; fi
  if [ -f "$work/$way.3pt" ] && ! "$bindir/3po-dump" "$work/$way.3pt" >/dev/null 2>"$work/dump.err"; then
    echo "$name: trace does not read: $(cat "$work/dump.err")"; fail=1
  fi
done
[ $fail = 0 ] && echo "ok: exit $urc, identical output untraced, under 3po-run, attached and detached"
exit $fail
