#!/usr/bin/env bash
# scratch_share.sh — the tracer's scratch page is one memfd mapped both in the traced program and
# in 3po-run (so a fault's batch is written with a memory copy), seen from the kernel's side: the
# program's maps and 3po-run's show the same inode, the program holds no descriptor of it once it
# runs, and a forked child (let go untraced) has no scratch page left. A program under a seccomp
# filter is never made to call memfd_create (it might be killed for it): it gets a private page.
# usage: scratch_share.sh BINDIR TESTBINDIR
set -u
bindir=$1 tb=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
say() { echo "FAIL: $*"; fail=1; }

# $$ is the traced shell, $PPID 3po-run; each cat is a fork child of the shell
"$bindir/3po-run" -q -o s.3pt -- /bin/sh -c \
  'cat /proc/$$/maps >prog.maps; cat /proc/$PPID/maps >tracer.maps; cat /proc/self/maps >child.maps; ls -l /proc/$$/fd/ >prog.fds' ||
  say "3po-run failed"
inode_of() { awk '/3po-scratch/ {print $5}' "$1"; }
[ "$(grep -c 3po-scratch prog.maps)" = 1 ] || say "the program does not map one shared scratch page: $(grep 3po prog.maps)"
[ -n "$(inode_of prog.maps)" ] && [ "$(inode_of prog.maps)" = "$(inode_of tracer.maps)" ] ||
  say "3po-run does not map the program's scratch page: '$(inode_of prog.maps)' vs '$(inode_of tracer.maps)'"
grep -q 3po-scratch child.maps && say "a fork child kept the scratch page: $(grep 3po-scratch child.maps)"
grep -q memfd prog.fds && say "the program holds a descriptor of the scratch page: $(grep memfd prog.fds)"

# kill_on_memfd execs the shell under a filter that kills at memfd_create
out=$("$bindir/3po-run" -q -o k.3pt -- "$tb/kill_on_memfd" /bin/sh -c 'grep -c 3po-scratch /proc/$$/maps; echo alive')
rc=$?
[ $rc = 0 ] && [ "$(echo $out)" = "0 alive" ] || say "a filtered program: exit $rc, output '$out' (not '0 alive')"

[ $fail = 0 ] && echo ok
exit $fail
