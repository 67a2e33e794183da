#!/usr/bin/env bash
# wl_args.sh — checks a workload's command line: -h/--help prints a usage on stdout and exits 0;
# each bad argument prints nothing on stdout, exactly one line on stderr, and exits 2.
# usage: wl_args.sh PROG
set -u
prog=$1
name=$(basename "$prog")
pass=0 fail=0
check() { # check WANT_RC WANT_STDERR_LINES DESCRIPTION ARGS...
  local want_rc=$1 want_lines=$2 what=$3; shift 3
  local out err rc
  out=$(mktemp) err=$(mktemp)
  "$prog" "$@" >"$out" 2>"$err"; rc=$?
  local lines; lines=$(wc -l <"$err")
  if [ "$rc" -ne "$want_rc" ] || [ "$lines" -ne "$want_lines" ] ||
     { [ "$want_rc" -eq 2 ] && [ -s "$out" ]; } ||
     { [ "$want_rc" -eq 0 ] && ! head -1 "$out" | grep -q '^usage: '; }; then
    echo "FAIL $name $*: $what (exit $rc, stderr: $(cat "$err"))"; fail=$((fail + 1))
  else
    echo "ok   $name $*: $what: $(head -c 200 "$err")"; pass=$((pass + 1))
  fi
  rm -f "$out" "$err"
}
check 0 0 "help" -h
check 0 0 "help" --help
check 2 1 "unknown option" --bogus 1
check 2 1 "stray argument" stray
check 2 1 "missing value" --seed
check 2 1 "not a number" --seed abc
check 2 1 "trailing junk" --seed 12x
check 2 1 "negative" --seed -1
check 2 1 "overflow" --seed 18446744073709551616
check 2 1 "zero threads" -t 0
check 2 1 "too many threads" --threads=100000
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
