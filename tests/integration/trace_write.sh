#!/usr/bin/env bash
# trace_write.sh — the trace file when things go wrong. A program that cannot be run leaves no
# trace. A trace that cannot be written (a full disk: a 256 KiB tmpfs) stops tracing: the program
# runs on untraced to its own end (same output; no tracer attached, its CPU affinity its own, its
# memory its own), 3po-run says so in one line and exits 1, and the file holds whole chunks only.
# 3po-attach on a full disk detaches at once and exits 1; the program runs on as untraced.
# Usage: trace_write.sh BINDIR FILL_TRACE_PROG LONG_RUNNER_PROG
set -u
bindir=$1 prog=$2 runner=$3
work=$(mktemp -d)
cleanup() {
  exec 3>&- 2>/dev/null; kill -9 $(jobs -p) 2>/dev/null; wait 2>/dev/null
  umount "$work/disk" "$work/disk2" 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail=0

"$bindir/3po-run" -q -o none.3pt ./no-such-program 2>/dev/null; rc=$?
[ "$rc" = 127 ] || { echo "missing program: exit $rc, wanted 127"; fail=1; }
[ -e none.3pt ] && { echo "missing program: a trace file was left behind"; fail=1; }
"$bindir/3po-run" -q -o none.3pt /etc/passwd 2>/dev/null; rc=$?
[ "$rc" = 126 ] || { echo "not executable: exit $rc, wanted 126"; fail=1; }
[ -e none.3pt ] && { echo "not executable: a trace file was left behind"; fail=1; }

mkdir disk
if ! mount -t tmpfs -o size=256k tmpfs disk 2>mount.err; then
  [ $fail = 0 ] || exit 1
  echo "skip: cannot mount a tmpfs for the full disk (not root?): $(cat mount.err)"; exit 77
fi
printf 'x' | "$prog" >u.out; urc=$?
[ "$urc" = 3 ] || { echo "untraced: exit $urc"; fail=1; }

mkfifo in
"$bindir/3po-run" --microset 1 -o disk/t.3pt "$prog" <in >r.out 2>r.err &
run=$!
exec 3>in
for _ in $(seq 1200); do grep -q touched r.out && break; kill -0 "$run" 2>/dev/null || break; sleep 0.05; done
child=$(pgrep -P "$run" | head -1)
if ! grep -q touched r.out || [ -z "$child" ]; then
  echo "the program never got through its touches"; cat r.err; fail=1
else
  # 128,000 accesses (1.5 MB of trace) do not fit in 256 KiB: tracing stopped during the touches
  tracer=$(awk '/^TracerPid:/ {print $2}' /proc/"$child"/status)
  [ "$tracer" = 0 ] || { echo "the program is still traced (by $tracer) after the disk filled"; fail=1; }
  mine=$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/$$/status)
  its=$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/"$child"/status)
  [ "$mine" = "$its" ] || { echo "the program's CPU affinity is $its, not $mine as untraced"; fail=1; }
fi
printf 'x' >&3
exec 3>&-
wait "$run"; rc=$?
[ "$rc" = 1 ] || { echo "3po-run: exit $rc, wanted 1"; fail=1; }
cmp -s u.out r.out || { echo "the program's output differs from untraced:"; diff u.out r.out | head -5; fail=1; }
if [ "$(wc -l <r.err)" != 1 ] || ! grep -q "^3po-run: trace write failed: .*No space left on device" r.err; then
  echo "3po-run's error is not the one line wanted:"; cat r.err; fail=1
fi
"$bindir/3po-dump" disk/t.3pt >dump.out 2>&1; d=$?
[ "$d" = 1 ] || { echo "3po-dump of the cut trace: exit $d, wanted 1"; fail=1; }
grep -q "no footer" dump.out || { echo "the cut trace does not end after a whole chunk:"; tail -1 dump.out; fail=1; }
n=$("$bindir/3po-dump" --pages disk/t.3pt 2>/dev/null | grep -c '^0x')
[ "$n" -gt 1000 ] || { echo "the cut trace holds $n accesses: the chunks written before the disk filled are lost"; fail=1; }


# 3po-attach: a 64 KiB disk is full within about a second of --microset 1 tracing of the runner
mkdir disk2
mount -t tmpfs -o size=64k tmpfs disk2 || { echo "cannot mount a second tmpfs"; exit 1; }
want=$("$runner" 3000)
"$runner" 3000 >a.out &
r=$!
for _ in $(seq 600); do grep -q started a.out && break; sleep 0.05; done
timeout 60 "$bindir/3po-attach" --microset 1 -o disk2/a.3pt "$r" 2>a.err; rc=$?
[ "$rc" = 1 ] || { echo "3po-attach on a full disk: exit $rc, wanted 1"; fail=1; }
if [ "$(wc -l <a.err)" != 1 ] || ! grep -q "^3po-attach: trace write failed: .*No space left on device" a.err; then
  echo "3po-attach's error is not the one line wanted:"; cat a.err; fail=1
fi
# the disk is full after about a quarter of the runner's faults: 3po-attach let go long before
# the runner's end
if kill -0 "$r" 2>/dev/null; then
  tracer=$(awk '/^TracerPid:/ {print $2}' /proc/"$r"/status)
  [ "$tracer" = 0 ] || { echo "the runner is still traced (by $tracer) after 3po-attach ended"; fail=1; }
else
  echo "3po-attach ended only with the runner: it traced on after the disk was full"; fail=1
fi
wait "$r"; rc=$?
[ "$rc" = 0 ] || { echo "the runner exited $rc after the attach"; fail=1; }
[ "$(cat a.out)" = "$want" ] || { echo "the runner's output differs from untraced:"; cat a.out; fail=1; }

[ $fail = 0 ] && echo "ok: no trace for a program that did not run; a full disk stops tracing, the program runs on"
exit $fail
