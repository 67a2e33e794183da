#!/usr/bin/env bash
# attach.sh — 3po-attach joins running programs and detaches leaving them as if never traced
# (same output, same exit status), on a timer and on SIGINT/SIGTERM; the trace says it began
# mid-run and how it ended; bad targets give a one-line error and exit 1.
set -u
bindir=$1 runner=$2
work=$(mktemp -d)
trap 'rm -rf "$work"; kill -9 $(jobs -p) 2>/dev/null' EXIT
fail=0
say() { echo "$*"; fail=1; }
until_true() { # until_true WHAT CMD...: polls CMD until it succeeds (30 s at most)
  local what=$1; shift
  for _ in $(seq 600); do "$@" && return 0; sleep 0.05; done
  say "$what: not after 30 s"; return 1
}
# mid_run PID: PID (matmul -n 1536) has two of its 18 MiB matrices in memory: it is computing
mid_run() { [ "$(awk '/^VmRSS:/ {print $2}' /proc/"$1"/status 2>/dev/null)" -gt 36000 ] 2>/dev/null; }
has_access() { "$bindir/3po-dump" --pages "$1" 2>/dev/null | grep -q '^0x'; }
traced() { [ "$(awk '/^TracerPid:/ {print $2}' /proc/"$1"/status 2>/dev/null)" -gt 0 ] 2>/dev/null; }

# matmul attached mid-run and detached after 1 s: the checksum of a never-traced run
want=$("$bindir/matmul" -n 1536 | grep checksum)
"$bindir/matmul" -n 1536 >"$work/mm.out" &
mm=$!
until_true "matmul computing" mid_run "$mm"
timeout 60 "$bindir/3po-attach" -q -d 1 -o "$work/mm.3pt" "$mm" || say "3po-attach on matmul failed"
wait "$mm"; rc=$?
[ $rc = 0 ] || say "matmul exit $rc after detach"
[ "$(grep checksum "$work/mm.out")" = "$want" ] || say "matmul checksum differs after attach/detach"
"$bindir/3po-dump" "$work/mm.3pt" >"$work/mm.dump" || say "attached trace does not read"
grep -q "attached" "$work/mm.dump" || say "trace does not say it began mid-run"
grep -q "detached" "$work/mm.dump" || say "trace does not say it ended by detaching"
[ "$("$bindir/3po-dump" --pages "$work/mm.3pt" | wc -l)" -gt 100 ] || say "attached trace recorded too little"

# the same with two threads: every thread is attached and let go
want=$("$bindir/matmul" -n 1536 -t 2 | grep checksum)
"$bindir/matmul" -n 1536 -t 2 >"$work/mt.out" &
mm=$!
until_true "matmul computing" mid_run "$mm"
timeout 60 "$bindir/3po-attach" -q -d 1000ms -o "$work/mt.3pt" "$mm" || say "3po-attach on matmul -t 2 failed"
wait "$mm"; rc=$?
[ $rc = 0 ] || say "matmul -t 2 exit $rc after detach"
[ "$(grep checksum "$work/mt.out")" = "$want" ] || say "matmul -t 2 checksum differs after attach/detach"

# a program attached, then detached by SIGINT and by SIGTERM to 3po-attach; and one that exits
want=$("$runner" 1500 | grep sum)
for sig in INT TERM exit; do
  rm -f "$work/r.3pt" # the last round's trace would show accesses at once
  "$runner" 1500 >"$work/r.out" &
  r=$!
  until_true "$sig: runner started" grep -q started "$work/r.out"
  if [ $sig = exit ]; then
    "$bindir/3po-attach" -q -o "$work/r.3pt" "$r" || say "$sig: 3po-attach failed"
    grep -q "exited" <("$bindir/3po-dump" "$work/r.3pt") || say "$sig: trace does not say the program exited"
  else
    "$bindir/3po-attach" -q -o "$work/r.3pt" "$r" &
    a=$!
    until_true "$sig: an access in the trace" has_access "$work/r.3pt" # tracing is under way
    kill -"$sig" "$a"
    wait "$a" || say "$sig: 3po-attach exit $?"
  fi
  wait "$r"; rc=$?
  [ $rc = 0 ] || say "$sig: program exit $rc"
  [ "$(grep sum "$work/r.out")" = "$want" ] || say "$sig: program output differs"
  "$bindir/3po-dump" "$work/r.3pt" >/dev/null || say "$sig: trace not finalized"
done

# refusals: one line on stderr, exit 1
refuse() { # refuse WHAT PATTERN CMD...
  local what=$1 pat=$2; shift 2
  "$@" >/dev/null 2>"$work/err"; local rc=$?
  [ $rc = 1 ] || say "$what: exit $rc, wanted 1"
  [ "$(wc -l <"$work/err")" = 1 ] || say "$what: error is not one line: $(cat "$work/err")"
  grep -q "$pat" "$work/err" || say "$what: error does not say '$pat': $(cat "$work/err")"
}
refuse "no such process" "no such process" "$bindir/3po-attach" -o "$work/x.3pt" 999999999
refuse "itself" "itself" sh -c "exec \"$bindir/3po-attach\" -o \"$work/x.3pt\" \$\$"
python3 -c 'import os, time
pid = os.fork()
if pid == 0: os._exit(0)
print(pid, flush=True); time.sleep(5)' >"$work/zpid" &
for _ in $(seq 100); do [ -s "$work/zpid" ] && break; sleep 0.1; done # python starts slowly on a loaded machine
refuse "zombie" "zombie" "$bindir/3po-attach" -o "$work/x.3pt" "$(cat "$work/zpid")"
kthread=$(grep -l '^Kthread:[[:space:]]*1' /proc/[0-9]*/status 2>/dev/null | head -1 | cut -d/ -f3)
if [ -n "$kthread" ]; then
  refuse "kernel thread" "kernel thread" "$bindir/3po-attach" -o "$work/x.3pt" "$kthread"
else
  echo "note: no kernel thread visible here (a PID namespace?): that refusal not tested"
fi
"$bindir/3po-run" -q -o "$work/t.3pt" "$runner" 3000 >/dev/null &
run=$!
# 3po-run's own child, traced by 3po-run (a name match could find another test's runner, running beside this one)
until_true "3po-run started its program" eval 'traced=$(pgrep -P "$run" | head -1) && [ -n "$traced" ] && [ "$(awk '"'"'/^TracerPid/ {print $2}'"'"' "/proc/$traced/status" 2>/dev/null)" = "$run" ]'
refuse "already traced" "already being traced" "$bindir/3po-attach" -o "$work/x.3pt" "$traced"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  sleep 5 &
  refuse "permission" "permission denied" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$bindir/3po-attach" -o /tmp/3po-perm-$$.3pt "$!"
fi
"$bindir/3po-attach" >/dev/null 2>&1; [ $? = 2 ] || say "no pid: exit not 2"
"$bindir/3po-attach" abc >/dev/null 2>&1; [ $? = 2 ] || say "bad pid: exit not 2"
"$bindir/3po-attach" --help | grep -q "Usage: 3po-attach" || say "--help prints no usage"
[ $fail = 0 ] && echo ok
exit $fail
