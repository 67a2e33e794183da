#!/usr/bin/env bash
# runtime_no_false_skip.sh — the runtime tests skip only for a missing kernel feature. Run as an
# unprivileged user on this kernel (which has every feature), the runtime fails for another
# reason: its seccomp filter and userfaultfd are refused (EACCES, EPERM), errors that name
# seccomp and userfaultfd. The runtime tests must then fail, not skip (they used to skip on any
# error naming userfaultfd, pidfd or seccomp). Needs root, to become nobody.
# usage: runtime_no_false_skip.sh BINDIR
set -u
bindir=$1
here=$(dirname "$(readlink -f "$0")")
[ "$(id -u)" = 0 ] || { echo "FAIL: must run as root (to run the runtime tests as nobody)"; exit 1; }
probe=$("$bindir/../tests-bin/rt_kernel_probe")
case $? in
  0) ;;
  77) echo "SKIP: $probe"; exit 77 ;;
  *) echo "FAIL: the kernel probe failed: $probe"; exit 1 ;;
esac
fail=0
for t in "runtime.sh $bindir matmul -n 64" "runtime_program.sh $bindir"; do
  out=$(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups -- "$here"/$t 2>&1)
  rc=$?
  if [ $rc = 77 ] || [ $rc = 0 ] || ! grep -q '^FAIL: ' <<<"$out"; then
    echo "FAIL: ${t%% *} as nobody: exit $rc, not a failure: $(head -3 <<<"$out")"
    fail=1
  fi
done
exit $fail
