#!/usr/bin/env bash
# top.sh — 3po-run --callchain on matmul: the program's output is unchanged, the trace reads,
# 3po-dump --top names matmul's compute function (matmul_naive, or matmul_worker when the
# compiler inlined the loops into it) among the top entries, and --callchain=4 records a call
# chain on about a quarter of the faults.
set -u
bindir=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
want=$("$bindir/matmul" -n 128 | grep '^checksum')

"$bindir/3po-run" -q --callchain -o "$work/c1.3pt" "$bindir/matmul" -n 128 >"$work/out" || fail "3po-run exit $?"
got=$(grep '^checksum' "$work/out")
[ "$want" = "$got" ] || fail "checksum differs: '$want' vs '$got'"
"$bindir/3po-dump" "$work/c1.3pt" >/dev/null || fail "3po-dump cannot read the trace"
"$bindir/3po-dump" --events "$work/c1.3pt" >"$work/ev1" || fail "3po-dump --events failed"
total=$(grep -c ' access ' "$work/ev1")
chained=$(grep ' access ' "$work/ev1" | grep -c ' chain=')
[ "$total" -gt 100 ] || fail "only $total accesses"
[ $((chained * 10)) -ge $((total * 9)) ] || fail "--callchain: only $chained of $total accesses have a chain"

"$bindir/3po-dump" --top 5 "$work/c1.3pt" >"$work/top" || fail "3po-dump --top failed"
cat "$work/top"
grep -Eq '^ +[0-9]+ +[0-9.]+% +matmul_(naive|blocked|worker) +matmul$' "$work/top" ||
	fail "matmul's compute function is not among the top 5"
grep -q 'called from: main' "$work/top" || fail "no caller line naming main"
"$bindir/3po-dump" --top 3 "$work/c1.3pt" | grep -cE '^ +[0-9]+ +[0-9.]+% ' | grep -qx 3 || fail "--top 3 does not give 3 entries"

"$bindir/3po-run" -q --callchain=4 -o "$work/c4.3pt" "$bindir/matmul" -n 128 >/dev/null || fail "3po-run --callchain=4 exit $?"
"$bindir/3po-dump" --events "$work/c4.3pt" >"$work/ev4" || fail "3po-dump --events failed"
total=$(grep -c ' access ' "$work/ev4")
chained=$(grep ' access ' "$work/ev4" | grep -c ' chain=')
# every 4th fault: a quarter, give or take rounding and the odd stack that cannot be unwound
[ $((chained * 4)) -le $((total + 4)) ] && [ $((chained * 5)) -ge "$total" ] ||
	fail "--callchain=4: $chained of $total accesses have a chain, not about a quarter"
echo "ok: $total accesses, $chained with a chain at --callchain=4"
