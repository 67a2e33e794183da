#!/usr/bin/env bash
# man_in_step.sh — every 3po-* command built has a man page (made from its --help by
# scripts/help2doc.py and docs/man/NAME.txt) that groff renders without a warning and that names
# exactly the options --help names: every long option in the help is in the page, every long
# option in the page (its hand-written prose included) is in the help, and the same short
# options are described.
# Usage: man_in_step.sh BINDIR MANDIR
set -u
bindir=$1 mandir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "man_in_step.sh: $*"; status=1; }
long_opts() { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u; }
short_opts() { grep -oE -- '^ +-[a-zA-Z],' | tr -d ' ,' | sort -u; }

n=0
for bin in "$bindir"/3po-*; do
  c=${bin##*/}
  page=$mandir/man1/$c.1
  [ -s "$page" ] || { fail "$c has no man page $page"; continue; }
  "$bin" --help >"$work/help" || { fail "$c --help failed"; continue; }
  groff -man -Tascii -ww -z "$page" 2>"$work/warn"
  [ -s "$work/warn" ] && fail "$c.1: groff warns: $(head -3 "$work/warn")"
  # rendered wide, without hyphenation, overstrike or escapes, so options read as typed
  groff -man -Tascii -P-c -P-b -P-o -P-u -rLL=300n -rHY=0 "$page" >"$work/page" 2>/dev/null
  long_opts <"$work/help" >"$work/help.long"
  long_opts <"$work/page" >"$work/page.long"
  [ -s "$work/help.long" ] || fail "$c --help names no long option"
  comm -23 "$work/help.long" "$work/page.long" >"$work/missing"
  comm -13 "$work/help.long" "$work/page.long" >"$work/extra"
  [ -s "$work/missing" ] && fail "$c.1 lacks options of $c --help: $(tr '\n' ' ' <"$work/missing")"
  [ -s "$work/extra" ] && fail "$c.1 names options $c --help does not: $(tr '\n' ' ' <"$work/extra")"
  short_opts <"$work/help" >"$work/help.short"
  short_opts <"$work/page" >"$work/page.short"
  cmp -s "$work/help.short" "$work/page.short" ||
    fail "$c.1 describes short options [$(tr '\n' ' ' <"$work/page.short")], --help [$(tr '\n' ' ' <"$work/help.short")]"
  grep -q "^NAME" "$work/page" && grep -q "^SYNOPSIS" "$work/page" && grep -q "^DESCRIPTION" "$work/page" ||
    fail "$c.1 lacks NAME, SYNOPSIS or DESCRIPTION"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no 3po-* command in $bindir"
[ "$status" = 0 ] && echo "man_in_step.sh: $n man pages in step with --help"
exit "$status"
