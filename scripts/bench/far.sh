#!/usr/bin/env bash
# far.sh — the far stores side by side on this machine: for each, far_bench stores PAGES pages,
# reads them back in a random order one at a time (µs per page: median, 99th percentile), then
# with WINDOW reads in flight (pages/s), checking every page; ROUNDS rounds, the stores
# interleaved in each, median of the rounds printed. Stores: local (the emulated link, 3us and
# 25Gbit/s: for reference), tcp:// (a 3po-memserver on loopback), file: (a file in DIR,
# O_DIRECT through io_uring), memcached:// with 1 server, 3 servers, 3 servers ?replicas=1 (on
# loopback, started with -M). Servers and the file are set up and removed by the script.
#
# usage: scripts/bench/far.sh [-b BUILD_DIR] [-d DIR] [-n PAGES] [-w WINDOW] [-r ROUNDS]
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/build
dir=$here/build
pages=16384
window=64
rounds=3
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
while getopts "b:d:n:w:r:h" o; do
  case $o in
    b) build=$OPTARG ;;
    d) dir=$OPTARG ;;
    n) pages=$OPTARG ;;
    w) window=$OPTARG ;;
    r) rounds=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
bin=$build/bin
[ -x "$bin/far_bench" ] || { echo "far.sh: no far_bench in $bin (build first)" >&2; exit 1; }
MEMCACHED=$(command -v memcached) || { echo "far.sh: no memcached (scripts/setup.sh installs it)" >&2; exit 1; }
work=$(mktemp -d)
. "$here/tests/integration/far_lib.sh"
memserver=
cleanup() {
  mc_stop_all
  [ -n "$memserver" ] && kill "$memserver" 2>/dev/null && wait "$memserver" 2>/dev/null
  rm -f "$dir/3po-far-bench.$$"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mb=$(( pages * 5 / 1024 * 2 + 64 )) # 4.5 KiB per page stored, twice over (replicas), and slack
for n in a b c; do mc_start $n $mb -M >/dev/null || exit 1; done
"$bin/3po-memserver" -q --listen 127.0.0.1:0 >"$work/ms.out" &
memserver=$!
wait_for 10 grep -q listening "$work/ms.out" || { echo "far.sh: 3po-memserver did not start" >&2; exit 1; }
a=127.0.0.1:${MC_PORT[a]} b=127.0.0.1:${MC_PORT[b]} c=127.0.0.1:${MC_PORT[c]}
stores=(
  "local|local (emulated 3us, 25Gbit/s)"
  "tcp://$(awk '/listening on/ {print $3}' "$work/ms.out")|3po-memserver (loopback)"
  "file:$dir/3po-far-bench.$$|file ($(df --output=source,fstype "$dir" | tail -1 | tr -s ' ' ' '))"
  "memcached://$a|memcached, 1 server"
  "memcached://$a,$b,$c|memcached, 3 servers"
  "memcached://$a,$b,$c?replicas=1|memcached, 3 servers, replicas=1"
)

echo "far stores on $(hostname): $pages pages of 4 KiB, $window reads in flight, median of $rounds rounds"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (a busy machine makes every figure slower and noisier)"
for ((r = 0; r < rounds; r++)); do
  for s in "${stores[@]}"; do
    uri=${s%%|*}
    "$bin/far_bench" "$uri" "$pages" "$window" >>"$work/r.$(echo "$uri" | md5sum | cut -c1-8)" ||
      { echo "far.sh: far_bench $uri failed" >&2; exit 1; }
  done
done
printf '%-36s %12s %12s %12s %12s\n' store "us/page" "p99 us" "pages/s" "write pg/s"
for s in "${stores[@]}"; do
  uri=${s%%|*}
  f=$work/r.$(echo "$uri" | md5sum | cut -c1-8)
  med() { cut -f"$1" "$f" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
  printf '%-36s %12s %12s %12s %12s\n' "${s#*|}" "$(med 2)" "$(med 3)" "$(med 4)" "$(med 5)"
done
