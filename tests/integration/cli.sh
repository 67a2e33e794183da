#!/usr/bin/env bash
# cli.sh — 3po-run's command line: help, bad options and missing programs give a one-line error
# and the right exit status, never a crash or a stray trace.
set -u
bindir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
expect() { # expect CODE DESCRIPTION CMD...
  local code=$1 what=$2; shift 2
  "$@" >out 2>err; local rc=$?
  if [ "$rc" != "$code" ]; then echo "$what: exit $rc, wanted $code"; cat err; fail=1; fi
}
expect 0 "--help" "$bindir/3po-run" --help
grep -q "Usage: 3po-run" out || { echo "--help prints no usage"; fail=1; }
expect 2 "no program" "$bindir/3po-run"
expect 2 "bad option" "$bindir/3po-run" --bogus true
expect 2 "microset 0" "$bindir/3po-run" --microset 0 true
expect 2 "microset junk" "$bindir/3po-run" --microset 12x true
expect 2 "bad regions" "$bindir/3po-run" --regions stack true
[ "$(wc -l <err)" = 1 ] || { echo "error is not one line"; fail=1; }
expect 127 "missing program" "$bindir/3po-run" -o x.3pt ./no-such-program
grep -q "no-such-program" err || { echo "missing program not named"; cat err; fail=1; }
expect 126 "not executable" "$bindir/3po-run" -o y.3pt /etc/passwd
expect 1 "unwritable trace" "$bindir/3po-run" -o /nonexistent/dir/t.3pt true
expect 0 "default output name" "$bindir/3po-run" -q true
[ -f true.3pt ] || { echo "no true.3pt"; fail=1; }
expect 3 "exit status passes through" "$bindir/3po-run" -q -o s.3pt sh -c 'exit 3'
expect 137 "killed program" "$bindir/3po-run" -q -o k.3pt sh -c 'kill -9 $$'
[ $fail = 0 ] && echo ok
exit $fail
