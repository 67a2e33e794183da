#!/bin/sh
# test_3po_dump.sh DUMP GEN DIR — runs 3po-dump on traces made by gen_trace: a good one, one
# without footer, a truncated one, a corrupted one, a non-trace and an empty file, and checks
# exit codes, error lines and the --pages/--json/--events output.
set -u
DUMP=$1 GEN=$2 DIR=$3
rm -rf "$DIR" && mkdir -p "$DIR" || exit 1
cd "$DIR" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect CODE CMD...: runs CMD (stdout > out, stderr > err) and checks its exit code.
expect() {
	want=$1; shift
	"$@" >out 2>err; got=$?
	[ "$got" -eq "$want" ] || { fail "'$*' exited $got, want $want"; sed 's/^/  stderr: /' err | head -5; }
}

"$GEN" good.3pt || { echo "gen_trace failed"; exit 1; }
"$GEN" --no-footer nofooter.3pt || exit 1

# Summary of a good trace.
expect 0 "$DUMP" good.3pt
[ -s err ] && fail "stderr not empty on a good trace"
for s in "version         1" "page size       4096" "microset size   2" "pid             4321" \
	 "program         /usr/bin/gen" "'64 MiB'" "2023-11-14T22:13:20.000000000Z" "regions (2)" \
	 "rw- " "private,heap,traced" "[heap]" "accesses        1000" "microsets       498" \
	 "faults          1200" "threads         2" "events          1504" "end reason      exited (1)" \
	 "exit status     0 (exit code 0)"; do
	grep -qF -- "$s" out || fail "summary lacks '$s'"
done
grep -q "0x555555560000-0x555555660000" out || fail "summary lacks the heap's range"

# --pages: one line per access, first word a 0x address, then tid= and rN+K or '-'.
expect 0 "$DUMP" --pages good.3pt
[ "$(wc -l <out)" -eq 1000 ] || fail "--pages printed $(wc -l <out) lines, want 1000"
bad=$(grep -cvE '^0x[0-9a-f]+ tid=[0-9]+ (r[0-9]+\+[0-9]+|-)$' out)
[ "$bad" -eq 0 ] || { fail "--pages: $bad malformed lines"; grep -vE '^0x[0-9a-f]+ ' out | head -3; }
[ "$(head -1 out)" = "0x555555560000 tid=101 r1+0" ] || fail "--pages first line: $(head -1 out)"
grep -qx "0x7f0000007000 tid=100 r2+7" out || fail "--pages lacks 0x7f0000007000 tid=100 r2+7"
[ "$(grep -c ' -$' out)" -eq 3 ] || fail "--pages: want 3 accesses outside any region"

# --events and --json.
expect 0 "$DUMP" --events good.3pt
[ "$(wc -l <out)" -eq 1504 ] || fail "--events printed $(wc -l <out) lines, want 1504"
grep -q " tid=100 map r1 0x555555560000-0x555555660000 " out || fail "--events lacks the heap map"
grep -q " access 0x[0-9a-f]* ip=0x401000$" out || fail "--events lacks an access with ip"
expect 0 "$DUMP" --json good.3pt
[ "$(wc -l <out)" -eq 1 ] || fail "--json is not one line"
if command -v jq >/dev/null 2>&1; then
	[ "$(jq -r '.totals.accesses, .regions[0].name, .argv[2], .totals.end_reason' out | tr '\n' ' ')" = \
	  "1000 [heap] 64 MiB exited " ] || fail "--json content: $(cat out)"
elif command -v python3 >/dev/null 2>&1; then
	python3 -m json.tool out >/dev/null || fail "--json is not valid JSON"
fi

# No footer: everything printed, "footer missing", one error line, exit 1.
expect 1 "$DUMP" nofooter.3pt
grep -q "footer missing (truncated trace)" out || fail "no 'footer missing' in the summary"
grep -q "accesses        1000" out || fail "truncated summary lacks the accesses"
grep -qE "^3po-dump: nofooter.3pt: .*offset [0-9]+" err || fail "bad error line: $(cat err)"
[ "$(wc -l <err)" -eq 1 ] || fail "more than one error line"
expect 1 "$DUMP" --pages nofooter.3pt
[ "$(wc -l <out)" -eq 1000 ] || fail "--pages of a footerless trace printed $(wc -l <out) lines"

# Truncated mid-chunk: the first chunk (flushed after 501 accesses) is still printed.
size=$(wc -c <good.3pt)
head -c $((size - 100)) good.3pt >cut.3pt
expect 1 "$DUMP" --pages cut.3pt
[ "$(wc -l <out)" -eq 501 ] || fail "--pages of a cut trace printed $(wc -l <out) lines, want 501"
grep -qE "^3po-dump: cut.3pt: truncated chunk at offset [0-9]+" err || fail "bad error line: $(cat err)"
bad=$(grep -cvE '^0x[0-9a-f]+ ' out)
[ "$bad" -eq 0 ] || fail "--pages of a cut trace: $bad lines without a 0x address"

# A flipped byte in the second chunk: CRC error naming its offset, the first chunk printed.
cp good.3pt corrupt.3pt
printf '\377' | dd of=corrupt.3pt bs=1 seek=$((size - 200)) conv=notrunc 2>/dev/null
expect 1 "$DUMP" corrupt.3pt
grep -qE "^3po-dump: corrupt.3pt: CRC mismatch in chunk at offset [0-9]+$" err || fail "bad error line: $(cat err)"
grep -q "footer missing" out || fail "corrupt summary lacks 'footer missing'"
expect 1 "$DUMP" --json corrupt.3pt
grep -q '"error":"CRC mismatch' out || fail "--json lacks the error"

# Not traces.
printf 'hello, world\n' >text.txt
expect 1 "$DUMP" text.txt
grep -qx "3po-dump: text.txt: not a 3PO trace (bad magic at offset 0)" err || fail "bad magic: $(cat err)"
: >empty.3pt
expect 1 "$DUMP" empty.3pt
grep -q "^3po-dump: empty.3pt: empty file" err || fail "empty: $(cat err)"
expect 1 "$DUMP" missing.3pt
grep -q "^3po-dump: missing.3pt: cannot open: No such file" err || fail "missing: $(cat err)"
head -c 30 good.3pt >short.3pt
expect 1 "$DUMP" --events short.3pt
grep -q "^3po-dump: short.3pt: truncated header at offset 0" err || fail "short: $(cat err)"
head -c 1000 /dev/urandom >random.3pt
expect 1 "$DUMP" random.3pt

# Usage.
expect 0 "$DUMP" --help
grep -q "^Usage: 3po-dump" out || fail "--help lacks Usage"
grep -q -- "--pages" out || fail "--help lacks --pages"
expect 2 "$DUMP"
expect 2 "$DUMP" --bogus good.3pt
grep -q "unknown option '--bogus'" err || fail "bad option message: $(cat err)"
expect 2 "$DUMP" --pages --json good.3pt
expect 2 "$DUMP" good.3pt good.3pt

if [ $fails -ne 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "all 3po-dump checks passed"
