#!/usr/bin/env bash
# golden.sh — reads every committed format version (tests/golden/*.3pt, *.tape) with this build's
# 3po-dump and compares the events/entries and the JSON summary with the expected dumps committed
# beside them; then writes the golden content with this build's writers (make_golden) and checks
# the trace is byte-identical to trace-v1.3pt (the trace bytes did not change) and the tape to
# tape-v3.tape, whose entries and summary must equal version 2's.
# Usage: golden.sh 3PO-DUMP MAKE_GOLDEN WORKDIR
set -euo pipefail
dump=$(realpath "$1") make=$(realpath "$2") work=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
fails=0

check() { # WHAT EXPECTED-FILE COMMAND...
  local what=$1 expected=$2; shift 2
  (cd "$here" && "$@") >"$work/out" 2>&1 || true
  if ! diff -u "$expected" "$work/out" >"$work/diff"; then
    echo "FAIL: $what"; head -n 20 "$work/diff"; fails=$((fails + 1))
  else
    echo "ok: $what"
  fi
}

check "trace v1 events" "$here/trace-v1.events" "$dump" --events trace-v1.3pt
check "trace v1 summary" "$here/trace-v1.json" "$dump" --json trace-v1.3pt
for v in 1 2; do
  check "tape v$v entries" "$here/tape-v$v.entries" "$dump" --entries tape-v$v.tape
  check "tape v$v summary" "$here/tape-v$v.json" "$dump" --json tape-v$v.tape
done
# the entries of tape-v2.tape spread over three legacy chunks (split_legacy_chunks.py)
check "tape v2 in 3 chunks entries" "$here/tape-v2.entries" "$dump" --entries tape-v2-chunks.tape
check "tape v2 in 3 chunks summary" "$here/tape-v2-chunks.json" "$dump" --json tape-v2-chunks.tape
# version 3 holds the content of version 2 (make_golden wrote both): the same entries and summary
check "tape v3 entries" "$here/tape-v2.entries" "$dump" --entries tape-v3.tape
sed 's/"file":"tape-v2.tape"/"file":"tape-v3.tape"/; s/"version":2,/"version":3,/' "$here/tape-v2.json" >"$work/tape-v3.json"
check "tape v3 summary" "$work/tape-v3.json" "$dump" --json tape-v3.tape

# this build's writers
"$make" trace "$work/trace.3pt"
"$make" tape "$work/tape.tape"
if cmp "$work/trace.3pt" "$here/trace-v1.3pt"; then echo "ok: trace written as version 1"; else echo "FAIL: trace bytes changed"; fails=$((fails + 1)); fi
if cmp "$work/tape.tape" "$here/tape-v3.tape"; then echo "ok: tape written as version 3"; else echo "FAIL: tape bytes differ from tape-v3.tape"; fails=$((fails + 1)); fi

echo "$fails failure(s)"
exit $((fails > 0))
