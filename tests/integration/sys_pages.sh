#!/usr/bin/env bash
# sys_pages.sh — a system call's buffer pages are in the trace up to the bytes it transferred:
# hz_sys_pages reads 5000 bytes into its 8-page buffer at offset 100 (pages 0 and 1), then 9000
# bytes with readv into a 3-page and a 2-page iovec of buf2 (pages 0, 1, 2; pages 5 and 6 untouched).
# Before it touches its marker page the trace must hold exactly these pages of the two buffers, in
# order; the output must be the untraced one.
# Usage: sys_pages.sh BINDIR PROG MICROSET
set -u
bindir=$1 prog=$2 n=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
expected="buf:0 buf:1 buf2:0 buf2:1 buf2:2"
"$prog" >"$work/u.out" || { echo "untraced run failed"; exit 1; }
"$bindir/3po-run" -q --microset "$n" -o "$work/s.3pt" "$prog" >"$work/out" || { echo "3po-run failed"; exit 1; }
sed 1d "$work/u.out" >"$work/u.rest"; sed 1d "$work/out" >"$work/r.rest"
cmp -s "$work/u.rest" "$work/r.rest" || { echo "output differs from untraced:"; diff "$work/u.rest" "$work/r.rest"; exit 1; }
read -r _ buf _ buf2 _ marker <"$work/out"
"$bindir/3po-dump" --pages "$work/s.3pt" >"$work/pages" || { echo "3po-dump failed"; exit 1; }
got=""
while read -r addr _; do
  [ $((addr)) = $((marker)) ] && break
  for b in buf buf2; do
    off=$(( (addr - ${!b}) / 4096 ))
    if [ $(( addr - ${!b} )) -ge 0 ] && [ "$off" -lt 8 ]; then got="$got${got:+ }$b:$off"; fi
  done
done <"$work/pages"
if [ "$expected" != "$got" ]; then
  echo "expected: $expected"; echo "got:      $got"; exit 1
fi
echo "ok: $got"
