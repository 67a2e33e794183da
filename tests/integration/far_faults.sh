#!/usr/bin/env bash
# far_faults.sh — the runtime's real far stores failing mid-run (stencil sweeping its grids over
# and over at 100 local pages, so far pages keep moving): the file removed, the file truncated,
# the disk full (a 1 MiB tmpfs; and a loop device on it, named with ?keep), a memcached server
# killed without replicas, one evicting pages (no -M, 2 MB): each ends with one line naming the
# cause, exit 1 and the program killed (no checksum). With ?replicas=1 a server killed mid-run
# costs nothing: right checksum, and the other servers served reads after the kill (their own
# stats). The disk-full cases mount in a private mount namespace (root).
# usage: far_faults.sh BINDIR MEMCACHED
set -u
bindir=$1 MEMCACHED=$2
work=$(mktemp -d)
. "$(dirname "$0")/far_lib.sh"
trap 'mc_stop_all; rm -rf "$work"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
run="$bindir/3po-run"
prog=("$bindir/stencil" -n 384)
rt=(-q --min-region=64K --policy demand --local-mem 100)

. "$(dirname "$0")/runtime_require.sh"
rt_require
want=$("${prog[@]}" -s 30 | grep '^checksum')

# expect_failure WHAT PATTERN: the run (pid $runpid, output in $work/out, $work/err) ended with
# exit 1, one line on stderr matching PATTERN, and no checksum
expect_failure() {
  if ! wait_for 120 stopped; then
    say "$1: still running 120 s after the fault"
    kill -9 $runpid
  fi
  wait $runpid
  local rc=$?
  [ $rc = 1 ] || say "$1: exit $rc, not 1"
  grep -q "$2" "$work/err" || say "$1: no '$2' in: $(cat "$work/err")"
  [ "$(wc -l <"$work/err")" = 1 ] || say "$1: not one line: $(cat "$work/err")"
  grep -q '^checksum' "$work/out" && say "$1: the program was not killed (it printed its checksum)"
}

# start FAR SWEEPS: the run in the background
start() {
  "$run" "${rt[@]}" --far "$1" -- "${prog[@]}" -s "$2" >"$work/out" 2>"$work/err" &
  runpid=$!
}
running() { kill -0 $runpid 2>/dev/null; }
stopped() { ! running; }
# the file holds a stored page: its first slot is no longer zeros (the store grows the file by
# fallocate before it writes a page, so a size above 0 is not enough: a file truncated then is
# empty, grown again by the store and never read wrong, and the run rightly goes on); read with
# O_DIRECT, as the store writes
has_pages() { dd if="$1" bs=4096 count=1 iflag=direct status=none 2>/dev/null | tr -d '\0' | read -r -n 1; }

# the file removed, then truncated, under a long run: the fault must come while it runs
for fault in removed truncated; do
  rm -f "$work/far"
  start "file:$work/far" 100000
  wait_for 30 has_pages "$work/far" || say "file $fault: the runtime's file never had pages"
  running || say "file $fault: the run ended before the fault"
  if [ $fault = removed ]; then rm "$work/far"; else truncate -s 0 "$work/far"; fi
  expect_failure "file $fault" "far file $work/far was $fault"
done

# a full disk: a 1 MiB tmpfs holds 256 of the far pages; then a loop device on it, full the
# same way for the block layer (it reports ENOSPC), used with ?keep
if [ "$(id -u)" = 0 ]; then
  mkdir "$work/mnt"
  unshare -m --propagation private bash -c '
    mount -t tmpfs -o size=1M tmpfs "$1" || exit 3
    "$2" "${@:4}" --far "file:$1/far" -- "${@:3:1}" -n 384 -s 100000 >"$1/../out" 2>"$1/../err" &
    runpid=$!; wait $runpid; echo $? >"$1/../rc"
    truncate -s 64M "$1/disk" && dev=$(losetup --find --show "$1/disk") || exit 4
    "$2" "${@:4}" --far "file:$dev?keep" -- "${@:3:1}" -n 384 -s 100000 >"$1/../out2" 2>"$1/../err2"
    echo $? >"$1/../rc2"
    losetup -d "$dev"' bash "$work/mnt" "$run" "$bindir/stencil" "${rt[@]}"
  ns=$?
  [ $ns = 0 ] || say "full disk: could not set up the small disk ($ns)"
  for k in "" 2; do
    rc=$(cat "$work/rc$k" 2>/dev/null)
    [ "$rc" = 1 ] || say "full disk$k: exit $rc, not 1"
    grep -q "no space left on device" "$work/err$k" || say "full disk$k: $(cat "$work/err$k" 2>/dev/null)"
    [ "$(wc -l <"$work/err$k")" = 1 ] || say "full disk$k: not one line"
    grep -q '^checksum' "$work/out$k" && say "full disk$k: the program was not killed"
  done
  # and a block device with room: the right checksum, and the device left in place
  truncate -s 64M "$work/disk2"
  if dev=$(losetup --find --show "$work/disk2"); then
    "$run" "${rt[@]}" --far "file:$dev?keep" -- "${prog[@]}" -s 30 >"$work/out" 2>"$work/err" ||
      say "block device: exit $?: $(cat "$work/err")"
    [ "$(grep '^checksum' "$work/out")" = "$want" ] || say "block device: output differs"
    [ -b "$dev" ] || say "block device: $dev is gone"
    losetup -d "$dev"
  else
    say "block device: losetup failed"
  fi
else
  echo "note: not root: the full-disk and block-device cases (they mount, losetup) are left out"
fi

# memcached: three servers with -M
for n in a b c; do mc_start $n 64 -M || exit 1; done
servers="127.0.0.1:${MC_PORT[a]},127.0.0.1:${MC_PORT[b]},127.0.0.1:${MC_PORT[c]}"
stored() { [ "$(mc_stat "$1" curr_items)" -gt 50 ]; }

# with a replica of every page, server b killed mid-run costs nothing
start "memcached://$servers?replicas=1" 30
wait_for 30 stored b || say "replicas: server b never held pages"
running || say "replicas: the run ended before the kill"
hits=$(mc_sum get_hits a c)
mc_kill b
wait $runpid
rc=$?
[ $rc = 0 ] || say "replicas: exit $rc: $(cat "$work/err")"
[ "$(grep '^checksum' "$work/out")" = "$want" ] || say "replicas: output differs"
[ "$(mc_sum get_hits a c)" -gt "$hits" ] || say "replicas: the servers left served nothing after the kill"
mc_start b 64 -M || exit 1
servers="127.0.0.1:${MC_PORT[a]},127.0.0.1:${MC_PORT[b]},127.0.0.1:${MC_PORT[c]}"

# without replicas the pages on server c are lost with it
start "memcached://$servers" 100000
wait_for 30 stored c || say "no replicas: server c never held pages"
running || say "no replicas: the run ended before the kill"
mc_kill c
expect_failure "no replicas" "memcached server 127.0.0.1:${MC_PORT[c]} went away"

# a server that evicts (no -M) and is too small: the first page it lost is an error
mc_start small 2 || exit 1
"$run" "${rt[@]}" --far "memcached://127.0.0.1:${MC_PORT[small]}" -- "$bindir/stencil" -n 640 -s 4 \
  >"$work/out" 2>"$work/err" &
runpid=$!
expect_failure "evicting server" "memcached server 127.0.0.1:${MC_PORT[small]} lost page .* -M"
[ "$(mc_stat small evictions)" -gt 0 ] || say "evicting server: it says it evicted nothing"
exit $fail
