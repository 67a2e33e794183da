#!/usr/bin/env bash
# fuzz.sh — builds the libFuzzer targets of the trace and tape readers (tests/fuzz/) with clang,
# ASan and UBSan, and runs each for SECONDS (default 60) on a copy of its seed corpus
# (tests/fuzz/corpus/{trace,tape}/, left untouched). Exits non-zero if either fuzzer finds a
# crash, a leak, a timeout or runs out of memory; the reproducer is kept in build-fuzz-bin/.
# Usage: scripts/fuzz.sh [SECONDS]
# Needs clang (with its libFuzzer runtime) and the project's build dependencies (scripts/setup.sh
# installs them). Built in build-fuzz-bin/build/, so the gcc -Werror build is not affected.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
[[ $secs =~ ^[0-9]+$ && $secs -gt 0 ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }
CC=${CC_FUZZ:-clang}
out=build-fuzz-bin
mkdir -p "$out"

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang)" >&2; exit 1; }
rt=$("$CC" -print-file-name="libclang_rt.fuzzer-$(uname -m).a")
[[ -f $rt ]] || { echo "fuzz: $CC has no libFuzzer runtime (apt-get install libclang-rt-14-dev)" >&2; exit 1; }

# The targets (tests/fuzz.cmake) link the container, trace and tape libraries, built
# here with the fuzzer's instrumentation; nothing else of the project is compiled.
echo "fuzz: building $out/build/bin/fuzz_{trace,tape}_reader" >&2
cmake -S . -B "$out/build" -DCMAKE_C_COMPILER="$CC" -DTPO_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS="-O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
  >"$out/cmake.log" || { cat "$out/cmake.log" >&2; exit 1; }
cmake --build "$out/build" -j"$(nproc)" --target fuzz_trace_reader fuzz_tape_reader >"$out/build.log" 2>&1 ||
  { tail -n 40 "$out/build.log" >&2; exit 1; }
cp "$out/build/bin/fuzz_trace_reader" "$out/build/bin/fuzz_tape_reader" "$out/"

work=$(mktemp -d /tmp/tpo-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

status=0
run() { # NAME CORPUS_DIR
  local name=$1 seeds=$2 log=$work/$1.log rc=0
  mkdir -p "$work/$name"
  cp -- "$seeds"/* "$work/$name/"
  echo "fuzz: running $name for $secs s on $(ls "$work/$name" | wc -l) seeds" >&2
  # -artifact_prefix: crash-*/leak-*/timeout-*/oom-* reproducers go to build-fuzz-bin/.
  "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/$name-" "$work/$name" >"$log" 2>&1 || rc=$?
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if ((rc == 0)); then
    echo "$name: ${runs:-?} runs in $secs s, no crash"
  else
    tail -n 60 "$log" >&2
    local art
    art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "$name: FAILED (exit $rc) after ${runs:-?} runs${art:+, reproducer: $art}"
    status=1
  fi
}
run fuzz_trace_reader tests/fuzz/corpus/trace
run fuzz_tape_reader tests/fuzz/corpus/tape
exit $status
