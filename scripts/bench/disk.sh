#!/usr/bin/env bash
# disk.sh — replicate.sh's experiment with far memory on a disk: each workload (the benchmarks'
# workloads and sizes, from workloads.sh) at a share of its traced footprint, run all-local; under
# Linux swap on a swap file in DIR (a cgroup v1 memory limit, as replicate.sh does with zram);
# and under the 3PO runtime with --far file: in DIR, same disk (demand, readahead, leap, a MIN
# tape). Prints the slowdown table against all-local and checks every cell's checksum. Needs
# root. The swap file is switched on (at the highest priority, so the cgroup's pages go to it and
# not to a zram another run may have on) only for the swap cells and removed at the end.
#
# usage: scripts/bench/disk.sh [-b BUILD_DIR] [-o OUT_DIR] [-d DIR] [-s "20"] [-w "matmul stencil"]
#                              [-r REPEAT]
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/build
out=$here/build/bench-disk
dir=$here/build
sizes="20"
only="matmul stencil"
repeat=1
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while getopts "b:o:d:s:w:r:h" o; do
  case $o in
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    d) dir=$OPTARG ;;
    s) sizes=$OPTARG ;;
    w) only=$OPTARG ;;
    r) repeat=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
bin=$build/bin
[ -x "$bin/3po-run" ] || { echo "disk.sh: no build at $build (run scripts/setup.sh first)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "disk.sh: needs root (swapon, cgroups)" >&2; exit 1; }
mkdir -p "$out"
: >"$out/log"

# the workloads, their arguments and microsets: the benchmarks' one table, small sizes
. "$here/scripts/bench/workloads.sh"
bench_workloads small

swapfile=$dir/3po-bench-swap.$$
farfile=$dir/3po-bench-far.$$
cg=/sys/fs/cgroup/memory/3po-bench-disk
swap_on=0
cleanup() {
  [ $swap_on = 1 ] && swapoff "$swapfile" 2>/dev/null
  rm -f "$swapfile" "$farfile"
  if [ -d "$cg" ]; then
    cat "$cg/cgroup.procs" 2>/dev/null | while read -r p; do echo "$p" >/sys/fs/cgroup/memory/cgroup.procs 2>/dev/null || true; done
    rmdir "$cg" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fallocate -l 1G "$swapfile" && chmod 600 "$swapfile" && mkswap "$swapfile" >/dev/null ||
  { echo "disk.sh: cannot make a swap file in $dir" >&2; exit 1; }
mkdir -p "$cg"
echo 60 >"$cg/memory.swappiness"
swap_up() { swapon -p 32767 "$swapfile" && swap_on=1; }
swap_down() { swapoff "$swapfile" && swap_on=0; }

now() { date +%s.%N; }
timed() { # timed CMD...: runs CMD with stdout to $out/last.out, prints wall seconds
  local t0 t1 rc
  t0=$(now)
  "$@" >"$out/last.out" 2>>"$out/log"
  rc=$?
  t1=$(now)
  [ $rc = 0 ] || { [ $rc = 137 ] && echo OOM || echo "EXIT$rc"; return 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
}
in_cgroup() { # in_cgroup BYTES CMD...: runs CMD limited to BYTES of memory (swap beyond)
  echo "$1" >"$cg/memory.limit_in_bytes"
  shift
  sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
best() { # best N CMD...: the fastest of N runs (checks the checksum of each)
  local n=$1 b="" t
  shift
  for _ in $(seq "$n"); do
    t=$(timed "$@") || { echo "$t"; return; }
    grep -q "^checksum $want_sum\$" "$out/last.out" || { echo "BADSUM"; return; }
    if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN {exit !(t < b)}'; then b=$t; fi
  done
  echo "$b"
}

echo "far memory on $(df --output=source,fstype "$dir" | tail -1 | tr -s ' ' ' ') ($dir); load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
configs="swap-file demand readahead leap tape-min"
printf "%-9s %5s %8s" workload local all-local
for c in $configs; do printf " %10s" "$c"; done
printf " %s\n" "tape-min vs swap-file"
for w in $only; do
  a=${args[$w]:?unknown workload $w}
  # shellcheck disable=SC2086
  want_sum=$("$bin/$w" $a | awk '/^checksum/ {print $2}')
  ms=${microset[$w]:-64}
  # shellcheck disable=SC2086
  "$bin/3po-run" -q --microset "$ms" -o "$out/$w.3pt" "$bin/$w" $a >/dev/null 2>>"$out/log"
  fp=$("$bin/3po-dump" --json "$out/$w.3pt" | jq .totals.distinct_pages)
  # shellcheck disable=SC2086
  base=$(best "$repeat" "$bin/$w" $a)
  echo 0 >"$cg/memory.max_usage_in_bytes"
  # shellcheck disable=SC2086
  in_cgroup -1 "$bin/$w" $a >/dev/null 2>&1
  extra=$(( $(cat "$cg/memory.max_usage_in_bytes") - fp * 4096 ))
  [ $extra -ge 1048576 ] || extra=1048576
  for pct in $sizes; do
    cap=$(( fp * pct / 100 ))
    [ $cap -ge 64 ] || cap=64
    look=$(( cap / 8 ))
    [ $look -ge 16 ] || look=16
    tapecap=$(( cap - look - ms ))
    [ $tapecap -ge 16 ] || tapecap=16
    printf "%-9s %4s%% %7.3fs" "$w" "$pct" "$base"
    declare -A t=()
    for c in $configs; do
      rm -f "$farfile"
      case $c in
        swap-file)
          swap_up || { echo "disk.sh: swapon $swapfile failed" >&2; exit 1; }
          # cgroup v1 reclaim now and then gives up at a small limit and OOM-kills the program
          # (as in replicate.sh): OOM only if three tries all die
          for try in 1 2 3; do
            # shellcheck disable=SC2086
            t[$c]=$(best "$repeat" in_cgroup $(( cap * 4096 + extra )) "$bin/$w" $a)
            [ "${t[$c]}" = OOM ] || break
            echo "[$w] $pct%: Linux swap OOM-killed (try $try)" >>"$out/log"
          done
          swap_down ;;
        demand | readahead | leap)
          # shellcheck disable=SC2086
          t[$c]=$(best "$repeat" "$bin/3po-run" -q --min-region 64K --far "file:$farfile" --policy $c \
            --local-mem $cap -- "$bin/$w" $a) ;;
        tape-min)
          "$bin/3po-sim" -q "$out/$w.3pt" --local-mem $tapecap --policy min --lookahead $look \
            -o "$out/$w-$pct-min.tape" >/dev/null 2>>"$out/log"
          # shellcheck disable=SC2086
          t[$c]=$(best "$repeat" "$bin/3po-run" -q --min-region 64K --far "file:$farfile" \
            --tape "$out/$w-$pct-min.tape" --local-mem $cap -- "$bin/$w" $a) ;;
      esac
      if [[ ${t[$c]} =~ ^[0-9.]+$ ]]; then
        printf " %9.2fx" "$(awk -v t="${t[$c]}" -v b="$base" 'BEGIN {print t / b}')"
      else
        printf " %10s" "${t[$c]}"
      fi
    done
    if [[ ${t[swap-file]} =~ ^[0-9.]+$ && ${t[tape-min]} =~ ^[0-9.]+$ ]]; then
      printf " %.2fx\n" "$(awk -v s="${t[swap-file]}" -v m="${t[tape-min]}" 'BEGIN {print s / m}')"
    else
      printf " -\n"
    fi
  done
done
