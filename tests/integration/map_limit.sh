#!/usr/bin/env bash
# map_limit.sh — a program at vm.max_map_count (tests/hazards/map_count.c) runs fine untraced;
# traced, our protection changes split its mappings and fail with ENOMEM. 3po-run must end with
# one line naming the limit and the sysctl, exit 1 and kill the program (never a SIGSEGV the
# program takes for its own); 3po-attach must say the same, exit 1 and detach, the program
# running on to the output it has untraced.
# Usage: map_limit.sh BINDIR PROG
set -u
bindir=$1 prog=$2
work=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null; rm -rf "$work"; kill -9 $(jobs -p) 2>/dev/null' EXIT
fail=0
say() { echo "$*"; fail=1; }
one_line_naming_limit() { # FILE WHAT ENDING
  [ "$(wc -l <"$1")" = 1 ] || say "$2: stderr is not one line: $(head -c 600 "$1")"
  grep -q "at vm.max_map_count ([0-9]* mappings).*sysctl vm.max_map_count=[0-9]*; $3" "$1" ||
    say "$2: the error does not name the limit and the sysctl: $(head -c 600 "$1")"
}

timeout 60 "$prog" >"$work/u.out" 2>"$work/u.err"; rc=$?
[ $rc = 0 ] || say "untraced: exit $rc: $(cat "$work/u.out" "$work/u.err")"
grep -q "sum" "$work/u.out" || say "untraced: no checksum"

timeout 120 "$bindir/3po-run" -o "$work/r.3pt" -- "$prog" >"$work/r.out" 2>"$work/r.err"; rc=$?
[ $rc = 1 ] || say "3po-run: exit $rc, wanted 1 ($(cat "$work/r.out" "$work/r.err"))"
one_line_naming_limit "$work/r.err" "3po-run" "the program was killed"
grep -q "sum" "$work/r.out" && say "3po-run: the program went on after the error"

# attached once the program is full: it waits for a byte on its stdin (a FIFO we hold open)
mkfifo "$work/in"
"$prog" 0 wait <"$work/in" >"$work/a.out" 2>"$work/a.err" &
pid=$!
exec 3>"$work/in"
for _ in $(seq 600); do grep -q full "$work/a.err" && break; sleep 0.05; done
grep -q full "$work/a.err" || say "attached: the program never filled its mappings"
"$bindir/3po-attach" -o "$work/a.3pt" "$pid" 2>"$work/att.err" &
att=$!
# the program goes on once 3po-attach has protected its pages (most of its mappings shut), or
# has given up
for _ in $(seq 600); do
  [ "$(grep -c -- "---p" "/proc/$pid/maps" 2>/dev/null)" -gt 30000 ] && break
  kill -0 "$att" 2>/dev/null || break
  sleep 0.05
done
printf 'x' >&3
exec 3>&-
wait "$att"; rc=$?
[ $rc = 1 ] || say "3po-attach: exit $rc, wanted 1 ($(cat "$work/att.err"))"
one_line_naming_limit "$work/att.err" "3po-attach" "detached: the program runs on untraced"
wait "$pid"; rc=$?
[ $rc = 0 ] || say "attached program: exit $rc, wanted 0 ($(cat "$work/a.out" "$work/a.err"))"
[ "$(grep sum "$work/a.out")" = "$(grep sum "$work/u.out")" ] ||
  say "attached program: output differs: $(cat "$work/a.out") vs $(cat "$work/u.out")"
[ $fail = 0 ] && echo "ok: untraced fine; 3po-run and 3po-attach stop with one line naming vm.max_map_count"
exit $fail
