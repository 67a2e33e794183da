# runtime_require.sh — sourced by the runtime tests: they skip (exit 77) only when the kernel
# lacks a feature the runtime needs, as tests/runtime/kernel_probe.c finds by asking the kernel
# itself; with every feature there, a runtime that cannot run /bin/true is a failure, whatever
# its error says. Needs $bindir and $work.
rt_require() {
  local probe=$bindir/../tests-bin/rt_kernel_probe out rc
  out=$("$probe")
  rc=$?
  case $rc in
    0) ;;
    77) echo "SKIP: $out"; exit 77 ;;
    *) echo "FAIL: the kernel probe failed (exit $rc): $out"; exit 1 ;;
  esac
  if ! "$bindir/3po-run" -q --policy demand --local-mem 64 -- /bin/true 2>"$work/probe.err"; then
    echo "FAIL: the kernel has every feature the runtime needs, yet it cannot run /bin/true: $(cat "$work/probe.err")"
    exit 1
  fi
}
