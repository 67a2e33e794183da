#!/usr/bin/env bash
# test.sh — sets up, builds and runs every test under ctest, then again with ASan+UBSan. A test
# that skips fails the run: ctest counts skips as passes, and on a machine that has everything
# the tests need (the runtime tests skip only for a missing kernel feature, which they name)
# nothing may skip. TPO_ALLOW_SKIPS=1 accepts skips, for a machine known to lack something.
set -euo pipefail
cd "$(dirname "$0")/.."

# ctest_no_skips BUILD_DIR: ctest there; fails if any test failed or was skipped
ctest_no_skips() {
  local log rc=0
  log=$(mktemp)
  (cd "$1" && ctest --output-on-failure -j2 --timeout 300) 2>&1 | tee "$log" || rc=$?
  local skipped
  skipped=$(sed -n '/The following tests did not run:/,/^$/p' "$log" | grep -E '^\s+[0-9]+ - ' || true)
  rm -f "$log"
  [ "$rc" = 0 ] || return "$rc"
  if [ -n "$skipped" ] && [ "${TPO_ALLOW_SKIPS:-0}" != 1 ]; then
    echo "test.sh: tests skipped in $1 (a skip is a failure here; TPO_ALLOW_SKIPS=1 accepts them):"
    echo "$skipped"
    return 1
  fi
}

scripts/setup.sh build
ctest_no_skips build
scripts/setup.sh build-asan -DTPO_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ctest_no_skips build-asan
# fuzz the trace and tape readers from the committed seed corpora (about 60 s each)
scripts/fuzz.sh "${TPO_FUZZ_SECONDS:-60}"
