#!/usr/bin/env bash
# matmul_trace.sh — 3po-run on matmul prints the same checksum as untraced, exits 0, and every
# recorded page lies in one of matmul's regions.
set -u
bindir=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
want=$("$bindir/matmul" "$@" | grep '^checksum')
"$bindir/3po-run" -q -o "$work/m.3pt" "$bindir/matmul" "$@" >"$work/out" || { echo "3po-run exit $?"; exit 1; }
got=$(grep '^checksum' "$work/out")
[ "$want" = "$got" ] || { echo "checksum differs: '$want' vs '$got'"; exit 1; }
"$bindir/3po-dump" --pages "$work/m.3pt" >"$work/pages" || { echo "3po-dump failed"; exit 1; }
n=$(wc -l <"$work/pages")
bad=$(awk '$1 !~ /^0x[0-9a-f]+$/ || $0 !~ / r[0-9]+\+[0-9]+/' "$work/pages" | head -3)
[ "$n" -gt 1000 ] || { echo "only $n pages recorded"; exit 1; }
[ -z "$bad" ] || { echo "pages outside matmul's regions: $bad"; exit 1; }
echo "ok: $got, $n pages, all in regions"
