#!/usr/bin/env bash
# install.sh — the install test. `cmake --install` into a temporary prefix must give every 3po-*
# command built, its man page and bash completion, libtpo (SONAME, only the API exported, no
# libunwind or libelf), its header and tpo.pc. consumer.c, built against the installed tpo.pc
# alone, reads a trace that the installed 3po-run makes of TARGET, and must print the same
# access pages and event count as the installed 3po-dump. Then the same through DESTDIR with
# prefix /usr, found with PKG_CONFIG_SYSROOT_DIR as a packager would.
# Usage: install.sh BUILD_DIR SOURCE_DIR TARGET [EXTRA_CFLAGS]   (EXTRA_CFLAGS: the sanitizer
# flags when libtpo was built with them)
set -u
build=$1 src=$2 target=$3 extra_cflags=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "install.sh: $*"; exit 1; }

p=$work/prefix
cmake --install "$build" --prefix "$p" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "cmake --install --prefix failed"; }

# every command built, and nothing else, in bin/, each with its man page and completion
built=$(cd "$build/bin" && ls 3po-*) installed=$(ls "$p/bin")
[ "$built" = "$installed" ] || fail "bin/ holds [$installed], the build made [$built]"
for c in $built; do
  [ -s "$p/share/man/man1/$c.1" ] || fail "no man page share/man/man1/$c.1"
  [ -s "$p/share/bash-completion/completions/$c" ] || fail "no completion for $c"
done
[ -s "$p/include/tpo/tpo_read.h" ] || fail "include/tpo/tpo_read.h not installed"

# the bash completion of 3po-run completes its options (and loads in a plain bash)
got=$(bash --norc -c '. "$1"; COMP_WORDS=(3po-run --out); COMP_CWORD=1; _tpo_3po_run; echo "${COMPREPLY[*]}"' \
  _ "$p/share/bash-completion/completions/3po-run") || fail "the 3po-run completion does not load"
[ "$got" = "--output" ] || fail "3po-run --out<TAB> gives '$got', not --output"

pc=$(find "$p" -name tpo.pc)
[ -n "$pc" ] || fail "tpo.pc not installed"
grep -qx "prefix=$p" "$pc" || fail "tpo.pc does not name the prefix $p: $(head -3 "$pc")"
export PKG_CONFIG_PATH=${pc%/tpo.pc}
libdir=$(pkg-config --variable=libdir tpo) || fail "pkg-config cannot read tpo.pc"
lib=$libdir/libtpo.so.1
[ -f "$lib" ] && [ -L "$libdir/libtpo.so" ] || fail "libtpo.so.1 or its link libtpo.so missing in $libdir"

# the library: its SONAME, its dependencies, and exactly the functions of the header exported
readelf -d "$lib" >"$work/dyn"
grep -q 'SONAME.*\[libtpo\.so\.1\]' "$work/dyn" || fail "SONAME is not libtpo.so.1: $(grep SONAME "$work/dyn")"
if grep -E 'NEEDED.*(unwind|libelf)' "$work/dyn"; then fail "libtpo pulls libunwind or libelf"; fi
nm -D --defined-only "$lib" | awk '$2 ~ /^[TWDBR]$/ { print $3 }' | grep -v '^_' | sort >"$work/exported"
grep -oE '^TPO_API [^(]*\b(tpo_[a-z_]+)\(' "$p/include/tpo/tpo_read.h" | grep -oE 'tpo_[a-z_]+\($' |
  tr -d '(' | sort >"$work/declared"
[ -s "$work/declared" ] || fail "no TPO_API function found in tpo_read.h"
diff "$work/declared" "$work/exported" >"$work/symdiff" ||
  { cat "$work/symdiff"; fail "libtpo exports other symbols than tpo_read.h declares (< declared, > exported)"; }

# the consumer, from tpo.pc alone (no glib: the header must not need it)
# shellcheck disable=SC2046,SC2086
cc -std=c99 -Wall -Wextra -Werror -pedantic $extra_cflags -o "$work/consumer" \
  "$src/tests/install/consumer.c" $(pkg-config --cflags --libs tpo) 2>&1 ||
  fail "the consumer does not build against the installed tpo.pc"

# a real trace, by the installed 3po-run, read by the consumer and by the installed 3po-dump
"$p/bin/3po-run" -q -m 4 -o "$work/t.3pt" "$target" -n 128 -b 32 >/dev/null ||
  fail "the installed 3po-run failed on $target"
LD_LIBRARY_PATH=$libdir "$work/consumer" "$work/t.3pt" >"$work/consumer.out" ||
  fail "the consumer failed on the trace"
"$p/bin/3po-dump" --pages "$work/t.3pt" | cut -d' ' -f1 >"$work/dump.pages" || fail "3po-dump --pages failed"
events=$("$p/bin/3po-dump" --json "$work/t.3pt" | jq -r .totals.events) || fail "3po-dump --json failed"
n=$(wc -l <"$work/dump.pages")
[ "$n" -gt 100 ] || fail "the trace has only $n accesses"
grep -v '^events ' "$work/consumer.out" | diff -q - "$work/dump.pages" >/dev/null ||
  fail "the consumer's access pages differ from 3po-dump --pages ($(grep -vc '^events ' "$work/consumer.out") vs $n lines)"
got=$(tail -n 1 "$work/consumer.out")
[ "$got" = "events $events" ] || fail "the consumer says '$got', 3po-dump says $events events"

# DESTDIR with prefix /usr: tpo.pc names /usr; PKG_CONFIG_SYSROOT_DIR finds the staged files
stage=$work/stage
DESTDIR=$stage cmake --install "$build" --prefix /usr >"$work/install2.log" 2>&1 ||
  { cat "$work/install2.log"; fail "DESTDIR=... cmake --install --prefix /usr failed"; }
pc=$(find "$stage" -name tpo.pc)
grep -qx "prefix=/usr" "$pc" || fail "the staged tpo.pc does not name /usr: $(head -3 "$pc")"
export PKG_CONFIG_PATH=${pc%/tpo.pc} PKG_CONFIG_SYSROOT_DIR=$stage
libdir=$(pkg-config --variable=libdir tpo)
case $libdir in "$stage"/*) ;; *) libdir=$stage$libdir ;; esac # pkgconf puts the sysroot on
# shellcheck disable=SC2046,SC2086
cc -std=c99 -Wall -Wextra -Werror -pedantic $extra_cflags -o "$work/consumer2" \
  "$src/tests/install/consumer.c" $(pkg-config --cflags --libs tpo) 2>&1 ||
  fail "the consumer does not build against the staged tpo.pc"
LD_LIBRARY_PATH=$libdir "$work/consumer2" "$work/t.3pt" | cmp -s - "$work/consumer.out" ||
  fail "the consumer built against the staged install reads the trace differently"
echo "install.sh: $n accesses, $events events read alike by libtpo and 3po-dump; installed and staged"
