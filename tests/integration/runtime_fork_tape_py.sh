#!/usr/bin/env bash
# runtime_fork_tape_py.sh — Python programs that fork, under a tape: issue 15's example and a
# multiprocessing pool of 2 over a managed numpy array are traced, a tape is made from each
# trace, and each runs under its tape with 2 MiB local, with output and exit status as untraced.
# They are traced with 256-page microsets: with 8, Python's interpreter touches more pages than
# the microset holds at nearly every step and its trace takes hours (README: choosing the microset size).
# Exits 77 when the kernel lacks what the runtime needs.
# usage: runtime_fork_tape_py.sh BINDIR
set -u
bindir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
py=/usr/bin/python3

if ! "$bindir/3po-run" -q --policy demand --local-mem 64 -- /bin/true 2>"$work/probe.err"; then
  if grep -q "lacks\|userfaultfd\|pidfd\|seccomp" "$work/probe.err"; then
    echo "SKIP: $(head -1 "$work/probe.err")"
    exit 77
  fi
  echo "FAIL: runtime cannot run /bin/true: $(cat "$work/probe.err")"
  exit 1
fi
if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "FAIL: python3-numpy is not installed (scripts/setup.sh installs it)"
  exit 1
fi

cat >"$work/example.py" <<'PY'
import os, numpy as np; a = np.ones(1 << 20); pid = os.fork(); a[0] = 2 if pid == 0 else 3; print(a.sum() if pid else os._exit(0)); os.waitpid(pid, 0)
PY
cat >"$work/pool.py" <<'PY'
import multiprocessing as mp, numpy as np
a = np.arange(1 << 18, dtype=np.float64)
def part(k):
    return float(a[k::2].sum())
if __name__ == '__main__':
    with mp.get_context('fork').Pool(2) as pool:
        print(pool.map(part, [0, 1]))
    a[0] = 5
    print(a.sum())
PY
for prog in example pool; do
  want=$("$py" "$work/$prog.py" 2>&1)
  wrc=$?
  "$bindir/3po-run" -q --microset 256 -o "$work/$prog.3pt" "$py" "$work/$prog.py" >/dev/null ||
    say "tracing $prog failed"
  "$bindir/3po-sim" -q "$work/$prog.3pt" --local-mem 2M --policy min --lookahead 50 -o "$work/$prog.tape" >/dev/null ||
    say "3po-sim for $prog failed"
  got=$("$bindir/3po-run" -q --min-region 64K --tape "$work/$prog.tape" --local-mem 2M -- "$py" "$work/$prog.py" 2>&1)
  rc=$?
  [ "$rc" = "$wrc" ] || say "$prog on a tape: exit $rc, untraced $wrc"
  [ "$got" = "$want" ] || say "$prog on a tape: output '$got', untraced '$want'"
done
exit $fail
