#!/usr/bin/env bash
# pagecost.sh — where a runtime run's time goes, from outside the runtime: runs one command (e.g.
# 3po-run --tape ... -- PROG ARGS) and prints
#   - the system calls of its process tree by kind (perf stat of syscall tracepoints): per page
#     moved, how many punch-holes (fallocate), ioctls (UFFDIO_COPY, _CONTINUE, _WRITEPROTECT,
#     _WAKE), preads and pwrites, and how many empty reads of the uffd (the pager spinning);
#   - the kernel's interrupt counts over the run (/proc/interrupts deltas, all CPUs): TLB
#     shootdowns, function-call IPIs, rescheduling IPIs (waking a thread on an idle CPU);
#   - per thread (perf sched timehist over the whole machine, filtered to the command's own
#     process tree): time on CPU, runnable but waiting for a CPU (delay), asleep (blocked: a
#     program's thread waiting on a fault), the CPUs it ran on, and the blocked spells' median.
# Needs root and perf (Debian: linux-perf). Trust the counts; wall times on a shared machine are
# noise (compare variants interleaved).
#
# usage: scripts/bench/pagecost.sh CMD [ARGS...]
set -uo pipefail
[ $# -ge 1 ] || { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
command -v perf >/dev/null || { echo "pagecost.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

irq() { awk '$1 == "TLB:" || $1 == "CAL:" || $1 == "RES:" {s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; printf "%s %d\n", $1, s}' /proc/interrupts; }

# 1. system calls and interrupts
irq >"$tmp/irq0"
perf stat -x, -o "$tmp/stat" -e 'syscalls:sys_enter_fallocate,syscalls:sys_enter_ioctl,syscalls:sys_enter_pread64,syscalls:sys_enter_pwrite64,syscalls:sys_enter_read' \
  -- "$@" >"$tmp/out" 2>"$tmp/err"
rc=$?
irq >"$tmp/irq1"
cat "$tmp/out"
echo "exit status $rc"
printf "system calls:"
awk -F, '/sys_enter/ {split($3, a, "sys_enter_"); printf " %s %s", a[2], $1}' "$tmp/stat"
echo
printf "interrupts:  "
paste "$tmp/irq0" "$tmp/irq1" | awk '{printf " %s %d", $1, $4 - $2}'
echo

# 2. scheduling: a second run under perf sched, the command's own threads only (its process and
# the processes it forked: sched_process_fork events)
perf sched record -q -o "$tmp/sched" -- sh -c 'echo $$ >"$0"; exec "$@"' "$tmp/pid" "$@" >/dev/null 2>&1
top=$(cat "$tmp/pid")
perf script -i "$tmp/sched" -F trace 2>/dev/null |
  awk -v top="$top" 'BEGIN {mine[top] = 1} /child_pid=/ {
    for (i = 1; i <= NF; i++) { if ($i ~ /^pid=/) p = substr($i, 5); if ($i ~ /^child_pid=/) c = substr($i, 11) }
    if (p in mine) mine[c] = 1 }
    END {for (p in mine) print p}' >"$tmp/mine"
perf sched timehist -i "$tmp/sched" 2>/dev/null | awk -v top="$top" -v minef="$tmp/mine" '
  BEGIN {while ((getline l < minef) > 0) mine[l] = 1}
  NR > 3 && match($3, /\[[0-9]+(\/[0-9]+)?\]$/) {
    id = substr($3, RSTART + 1, RLENGTH - 2); n = split(id, p, "/"); tid = p[1]; pid = n > 1 ? p[2] : p[1]
    if (!(pid in mine)) next
    key = substr($3, 1, RSTART - 1) " " tid
    run[key] += $6; del[key] += $5; blk[key] += $4 - $5; cpu[key, $2] += $6; cpus[$2] = 1
    if ($4 - $5 > 0.0005) sp[key, ++ns[key]] = ($4 - $5) * 1000
  }
  END {
    for (k in run) {
      if (run[k] < 1) continue
      m = ns[k]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (sp[k, j] < sp[k, i]) { t = sp[k, i]; sp[k, i] = sp[k, j]; sp[k, j] = t }
      printf "%-22s on CPU %7.1f ms, delay %6.1f ms, blocked %7.1f ms (%d spells, median %.0f us), per CPU:", k, run[k], del[k], blk[k], m, m ? sp[k, int((m + 1) / 2)] : 0
      for (c in cpus) if (cpu[k, c] > 0) printf " %s %.0f ms", c, cpu[k, c]
      printf "\n"
    }
  }' | sort
exit $rc
