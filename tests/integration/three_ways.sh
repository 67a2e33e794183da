#!/usr/bin/env bash
# three_ways.sh — runs a target of tests/targets/ untraced, under 3po-run, and attached mid-run
# (at its first sync point, while it is blocked reading stdin) and detached at its second; stdout
# and exit status must be the same all three ways. Both traces must exist and read back whole,
# and say what happened: 3po-run's ended with the program's own exit, the attached one began
# mid-run in that process, ended in a detach, and holds accesses.
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
  target=$(pgrep -P "$prog" | head -1) # the program, under timeout
  "$bindir/3po-attach" -q -o "$work/a.3pt" "$target" &
  att=$!
  # the trace's header is written once every thread is stopped: the attach has happened
  for _ in $(seq 600); do [ -s "$work/a.3pt" ] && break; kill -0 "$att" 2>/dev/null || break; sleep 0.05; done
  [ -s "$work/a.3pt" ] || { echo "attached: no trace header after 30 s"; fail=1; }
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
  if [ ! -f "$work/$way.3pt" ]; then echo "$name: no trace"; fail=1; continue; fi
  if ! "$bindir/3po-dump" --json "$work/$way.3pt" >"$work/$way.json" 2>"$work/dump.err"; then
    echo "$name: trace does not read: $(cat "$work/dump.err")"; fail=1; continue
  fi
  # what the trace says: attached, whose pid (3po-run's child: not known here), which program,
  # the end reason, whether it holds accesses, the exit code of its footer's wait status
  said=$(jq -r '[.attached, (if .attached then .pid else "-" end), .program, .totals.end_reason,
                 .totals.accesses > 0,
                 (.totals.exit_status as $s | if $s % 128 == 0 then ($s / 256 | floor) % 256 else 128 + $s % 128 end)]
                | map(tostring) | join(" ")' "$work/$way.json")
  if [ "$way" = r ]; then
    want="false - $(readlink -f "$1") $([ "$urc" -gt 128 ] && echo killed || echo exited) true $urc"
  else
    want="true ${target:-?} $(readlink -f "$1") detached true 0"
    said="${said% *} 0" # a detach has no exit status
  fi
  [ "$said" = "$want" ] || { echo "$name: the trace says (attached pid program end accesses exit) '$said', wanted '$want'"; fail=1; }
done
[ $fail = 0 ] && echo "ok: exit $urc, identical output untraced, under 3po-run, attached and detached"
exit $fail
