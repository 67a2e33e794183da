#!/usr/bin/env bash
# replicate.sh — the paper's experiment on this machine: each oblivious workload at several
# local-memory sizes (a share of its traced footprint), run with all memory local, under Linux
# swap (a cgroup v1 memory limit, swap on /dev/zram0), and under the 3PO runtime with demand,
# readahead, leap, and tapes (lru and min). Prints one table of slowdowns against all-local, then
# for every runtime cell its physical floor (the all-local time, or the time the emulated link
# needs for the bytes the cell fetched plus one latency, whichever is longer), the cell's time
# over that floor, the runtime's cost per page moved (the cell's time over all-local, per page
# fetched or evicted) and its speed-up over Linux swap; and its machine floor (the longest of
# all-local, the link's time, and the pager's kernel work: the cell's pages placed, dropped and
# written back times what each costs on this machine, as uffd_cost measures it at the start), and
# the time over that; writes results.csv and a plot, and checks every cell's checksum. Needs
# root. Sets up zram swap and a cgroup, and undoes both at the end (also on ^C).
#
# usage: scripts/bench/replicate.sh [-b BUILD_DIR] [-o OUT_DIR] [-s "10 20 30 50 100"]
#                                   [-S small|large] [-w "matmul stencil ..."] [-r REPEAT]
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/build
out=$here/build/bench
sizes="10 20 30 50 100"
only=""
repeat=1
set_name=small
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while getopts "b:o:s:S:w:r:h" o; do
  case $o in
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    s) sizes=$OPTARG ;;
    S) set_name=$OPTARG ;;
    w) only=$OPTARG ;;
    r) repeat=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
bin=$build/bin
[ -x "$bin/3po-run" ] || { echo "replicate.sh: no build at $build (run scripts/setup.sh first)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "replicate.sh: needs root (zram swap, cgroups)" >&2; exit 1; }
mkdir -p "$out"

# the workloads of size set -S, with their arguments and microsets (scripts/bench/workloads.sh)
. "$here/scripts/bench/workloads.sh"
bench_workloads "$set_name" || { echo "replicate.sh: -S small or large, not '$set_name'" >&2; exit 2; }
# the emulated link of the runtime's local far store (3po-run's defaults)
link_gbps=25
link_latency_s=3e-6
order="matmul matvec dot spmv fft stencil lu bitonic"
[ -n "$only" ] && order=$only
# the machine floor's costs: the kernel's µs per page placed (the cheaper of UFFDIO_COPY and
# pwrite + UFFDIO_CONTINUE), dropped (punch-hole of a mapped run) and written back (write-protect
# + pread), and the far store's copy, each in batches of 64 (scripts/bench/uffd_cost.c)
"$bin/uffd_cost" -r 3 >"$out/uffd_cost.txt" 2>>"$out/log" ||
  { echo "replicate.sh: uffd_cost failed (see $out/log)" >&2; exit 1; }
kcost() { awk -v f="$1" '$1 == "floor" && $2 == f {print $3}' "$out/uffd_cost.txt"; }
place_us=$(kcost place_us) drop_us=$(kcost drop_us) wb_us=$(kcost writeback_us) copy_us=$(kcost copy_us)
echo "kernel cost per page on this machine (uffd_cost, batches of 64): place $place_us us, drop $drop_us us, write back $wb_us us more, far copy $copy_us us"

# --- Linux swap: zram and a memory cgroup (v1), torn down on exit ----------------------------
cg=/sys/fs/cgroup/memory/3po-bench
zram_set=0
cleanup() {
  if [ -d "$cg" ]; then
    cat "$cg/cgroup.procs" 2>/dev/null | while read -r p; do echo "$p" >/sys/fs/cgroup/memory/cgroup.procs 2>/dev/null || true; done
    rmdir "$cg" 2>/dev/null || true
  fi
  if [ $zram_set = 1 ]; then
    swapoff /dev/zram0 2>/dev/null || true
    echo 1 >/sys/block/zram0/reset 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ ! -e /dev/zram0 ]; then modprobe zram 2>/dev/null || true; fi
if [ -e /dev/zram0 ] && ! swapon --show=NAME --noheadings | grep -q zram0; then
  echo 1 >/sys/block/zram0/reset 2>/dev/null || true
  echo 2G >/sys/block/zram0/disksize
  mkswap /dev/zram0 >/dev/null
  swapon -p 100 /dev/zram0
  zram_set=1
fi
swapon --show=NAME --noheadings | grep -q zram0 || { echo "replicate.sh: cannot set up swap on /dev/zram0" >&2; exit 1; }
mkdir -p "$cg"
echo 60 >"$cg/memory.swappiness"

now() { date +%s.%N; }
# timed CMD...: runs CMD with stdout to $out/last.out, prints wall seconds
timed() {
  local t0 t1 rc
  t0=$(now)
  "$@" >"$out/last.out" 2>>"$out/log"
  rc=$?
  t1=$(now)
  [ $rc = 0 ] || { [ $rc = 137 ] && echo OOM || echo "EXIT$rc"; return 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
}
in_cgroup() { # in_cgroup BYTES CMD...: runs CMD limited to BYTES of memory (swap beyond)
  local bytes=$1
  shift
  echo "$bytes" >"$cg/memory.limit_in_bytes"
  sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
best() { # best N CMD...: the fastest of N runs (checks the checksum of each); a runtime run
  # writes its statistics to $out/run.json, and those of the fastest are kept in $out/best.json
  local n=$1 b="" t
  shift
  rm -f "$out/best.json"
  for _ in $(seq "$n"); do
    rm -f "$out/run.json"
    t=$(timed "$@") || { echo "$t"; return; }
    grep -q "^checksum $want_sum\$" "$out/last.out" || { echo "BADSUM"; return; }
    if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN {exit !(t < b)}'; then
      b=$t
      [ -f "$out/run.json" ] && cp "$out/run.json" "$out/best.json"
    fi
  done
  echo "$b"
}

csv=$out/results.csv
# per runtime cell also: pages fetched (zero-filled ones included) and evicted, bytes read from far
# memory, the physical floor (all-local time, or bytes_in over the link plus one latency if
# longer), seconds over the floor, microseconds of the program's time per page moved ((seconds -
# all-local) / (fetches + evictions)), Linux swap's time over this cell's (the speed-up), the
# machine floor (the floor, or the pager's kernel work for the cell's pages if longer:
# fetches x place + evictions x drop + writebacks x write-back + pages copied x far copy) and
# seconds over it
echo "workload,local_pct,config,seconds,slowdown,fetches,evictions,bytes_in,floor_s,vs_floor,us_per_page,vs_swap,machine_floor_s,vs_machine_floor" >"$csv"
configs="linux-swap demand readahead leap tape-lru tape-min"
printf "%-9s %5s %8s" workload local all-local
for c in $configs; do printf " %10s" "$c"; done
printf "\n"
for w in $order; do
  a=${args[$w]}
  # shellcheck disable=SC2086
  want_sum=$("$bin/$w" $a | awk '/^checksum/ {print $2}')
  echo "[$w] tracing $w $a ..." >>"$out/log"
  # shellcheck disable=SC2086
  ms=${microset[$w]:-64}
  "$bin/3po-run" -q --microset "$ms" -o "$out/$w.3pt" "$bin/$w" $a >/dev/null 2>>"$out/log"
  fp=$("$bin/3po-dump" --json "$out/$w.3pt" | jq .totals.distinct_pages)
  # shellcheck disable=SC2086
  base=$(best "$repeat" "$bin/$w" $a)
  # what the program uses beyond its traced pages (code, libraries, stack, page tables, as the
  # memory cgroup counts it): measured by one unlimited run in the cgroup
  echo 0 >"$cg/memory.max_usage_in_bytes"
  # shellcheck disable=SC2086
  in_cgroup -1 "$bin/$w" $a >/dev/null 2>&1
  extra=$(( $(cat "$cg/memory.max_usage_in_bytes") - fp * 4096 ))
  [ $extra -ge 1048576 ] || extra=1048576
  echo "[$w] footprint $fp pages, $((extra / 1024)) KiB more counted by the cgroup" >>"$out/log"
  for pct in $sizes; do
    cap=$(( fp * pct / 100 ))
    [ $cap -ge 64 ] || cap=64
    printf "%-9s %4s%% %7.3fs" "$w" "$pct" "$base"
    look=$(( cap / 8 ))
    [ $look -ge 16 ] || look=16
    tapecap=$(( cap - look - ms ))
    [ $tapecap -ge 16 ] || tapecap=16
    swap_t=""
    for c in $configs; do
      case $c in
        linux-swap)
          # the share of the traced pages, plus what the program uses beyond them
          # shellcheck disable=SC2086
          # cgroup v1 reclaim now and then gives up on a small limit (every page active after
          # refaults) and OOM-kills the program: a cell is OOM only if three tries all die
          for try in 1 2 3; do
            # shellcheck disable=SC2086
            t=$(best "$repeat" in_cgroup $(( cap * 4096 + extra )) "$bin/$w" $a)
            [ "$t" = OOM ] || break
            echo "[$w] $pct%: Linux swap OOM-killed (try $try)" >>"$out/log"
          done ;;
        demand | readahead | leap)
          # shellcheck disable=SC2086
          t=$(best "$repeat" "$bin/3po-run" -q --min-region 64K --stats "$out/run.json" --policy $c --local-mem $cap -- "$bin/$w" $a) ;;
        tape-*)
          p=${c#tape-}
          "$bin/3po-sim" -q "$out/$w.3pt" --local-mem $tapecap --policy "$p" --lookahead $look \
            -o "$out/$w-$pct-$p.tape" >/dev/null 2>>"$out/log"
          # shellcheck disable=SC2086
          t=$(best "$repeat" "$bin/3po-run" -q --min-region 64K --stats "$out/run.json" --tape "$out/$w-$pct-$p.tape" \
            --local-mem $cap -- "$bin/$w" $a) ;;
      esac
      [ $c = linux-swap ] && swap_t=$t
      if [[ $t =~ ^[0-9.]+$ ]]; then
        r=$(awk -v t="$t" -v b="$base" 'BEGIN {printf "%.4f", t / b}')
        printf " %9.2fx" "$r"
        extra_cols=",,,,,,,,,"
        if [ $c != linux-swap ] && [ -f "$out/best.json" ]; then
          extra_cols=$(jq -r '[.fetches, .evictions, .bytes_in, .writebacks, .zero_fills] | @csv' "$out/best.json" |
            awk -F, -v t="$t" -v b="$base" -v s="$swap_t" -v bw="$link_gbps" -v lat="$link_latency_s" \
              -v pl="$place_us" -v dr="$drop_us" -v wb="$wb_us" -v cp="$copy_us" '{
              link = $3 * 8 / (bw * 1e9) + lat; floor = link > b ? link : b
              moved = $1 + $2; upp = moved ? (t - b) / moved * 1e6 : 0
              vs = s ~ /^[0-9.]+$/ ? sprintf("%.3f", s / t) : ""
              kern = ($1 * pl + $2 * dr + $4 * wb + ($1 - $5 + $4) * cp) / 1e6; mf = kern > floor ? kern : floor
              printf ",%d,%d,%d,%.4f,%.3f,%.2f,%s,%.4f,%.3f", $1, $2, $3, floor, t / floor, upp, vs, mf, t / mf}')
        fi
        echo "$w,$pct,$c,$t,$r$extra_cols" >>"$csv"
      else
        printf " %10s" "$t"
        echo "$w,$pct,$c,,$t,,,,,,,,," >>"$csv"
      fi
    done
    printf "\n"
  done
done

# every runtime cell against its physical floor and against Linux swap
echo
echo "Runtime cells: physical floor (all-local, or bytes fetched over the ${link_gbps} Gbit/s link + one latency),"
echo "time over it, the runtime's cost per page moved (program's time over all-local per page fetched or"
echo "evicted), speed-up over Linux swap, and the machine floor (the floor, or the pager's kernel work for"
echo "the cell's pages at the costs above if longer) and the time over it"
printf "%-9s %5s %-10s %9s %9s %9s %9s %10s %12s %10s %10s\n" workload local config fetches evictions floor "x floor" "us/page" "vs swap" \
  "m. floor" "x m.floor"
awk -F, 'NR > 1 && $3 != "linux-swap" && $9 != "" {
  printf "%-9s %4s%% %-10s %9d %9d %8.3fs %8.2fx %10.2f %11s %9.3fs %9.2fx\n", $1, $2, $3, $6, $7, $9, $10, $11,
    ($12 != "" ? sprintf("%.2fx", $12) : "-"), $13, $14}' "$csv"

# the 20% line: tape (min) against Linux swap and its floor, the paper's headline and this
# project's goal (at most 1.5x the floor, at least 2x faster than Linux swap, at most 4 us per page)
echo
echo "At 20% local memory (the paper's point): tape-min against Linux swap, all-local and its physical floor"
awk -F, '$2 == 20 && $3 == "linux-swap" {s[$1] = $4} $2 == 20 && $3 == "tape-min" {t[$1] = $4; d[$1] = $5; f[$1] = $10; u[$1] = $11; m[$1] = $14}
  END {for (w in t) if (t[w] != "") {
    sp = s[w] != "" ? sprintf("%5.2fx faster than Linux swap", s[w] / t[w]) : "Linux swap failed        "
    printf "  %-9s %s, %5.2fx of all-local, %5.2fx its floor, %5.2fx its machine floor, %6.2f us per page moved\n", w, sp, d[w], f[w], m[w], u[w]}}' "$csv"

if command -v gnuplot >/dev/null; then
  for w in $order; do
    for c in $configs; do
      awk -F, -v w="$w" -v c="$c" '$1 == w && $3 == c && $5 ~ /^[0-9.]+$/ {print $2, $5}' "$csv" >"$out/plot-$w-$c.dat"
    done
  done
  {
    echo "set terminal pngcairo size 1400,900; set output '$out/replicate.png'"
    echo "set multiplot layout 2,4; set logscale y; set xrange [0:105]; set xtics 0,20,100; set key top right font ',7'"
    for w in $order; do
      echo "set title '$w'; set xlabel 'local memory (% of footprint)'; set ylabel 'slowdown vs all-local'"
      printf "plot "
      first=1
      for c in $configs; do
        [ $first = 1 ] || printf ", "
        printf "'%s' using 1:2 with linespoints title '%s'" "$out/plot-$w-$c.dat" "$c"
        first=0
      done
      printf "\n"
    done
    echo "unset multiplot"
  } >"$out/replicate.gp"
  gnuplot "$out/replicate.gp" 2>>"$out/log" && echo "plot: $out/replicate.png"
fi
echo "results: $csv"
