#!/usr/bin/env bash
# fuzz.sh — builds the libFuzzer targets of the trace and tape readers (tests/fuzz/) with clang,
# ASan and UBSan, and runs each for SECONDS (default 60) on a copy of its seed corpus
# (tests/fuzz/corpus/{trace,tape}/, left untouched). Exits non-zero if either fuzzer finds a
# crash, a leak, a timeout or runs out of memory; the reproducer is kept in build-fuzz-bin/.
# Usage: scripts/fuzz.sh [SECONDS]
# Needs clang (with its libFuzzer runtime), pkg-config and libglib2.0-dev (scripts/setup.sh
# installs them). Built outside the CMake build, so the gcc -Werror build is not affected.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
[[ $secs =~ ^[0-9]+$ && $secs -gt 0 ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }
CC=${CC_FUZZ:-clang}
out=build-fuzz-bin
mkdir -p "$out"

flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -Iinclude -Isrc -Isrc/lib -Itape)
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang)" >&2; exit 1; }
rt=$("$CC" -print-file-name="libclang_rt.fuzzer-$(uname -m).a")
[[ -f $rt ]] || { echo "fuzz: $CC has no libFuzzer runtime (apt-get install libclang-rt-14-dev)" >&2; exit 1; }
glibflags=$(pkg-config --cflags --libs glib-2.0) || { echo "fuzz: glib-2.0 not found (apt-get install pkg-config libglib2.0-dev)" >&2; exit 1; }
read -r -a glib <<<"$glibflags"

# The readers and what they link against (not all of src/lib: the rest needs libelf and co.).
trace_srcs=(src/lib/trace_reader.c src/lib/container_read.c src/lib/container_crc.c src/lib/trace_names.c)
tape_srcs=(tape/tape_reader.c tape/tape_legacy.c tape/tape_header.c tape/tape_common.c
           src/lib/container_write.c "${trace_srcs[@]}")

build() { # NAME SOURCES...
  local name=$1; shift
  echo "fuzz: building $out/$name" >&2
  "$CC" "${flags[@]}" -o "$out/$name" "tests/fuzz/$name.c" "$@" "${glib[@]}" -lm
}
build fuzz_trace_reader "${trace_srcs[@]}"
build fuzz_tape_reader "${tape_srcs[@]}"

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
