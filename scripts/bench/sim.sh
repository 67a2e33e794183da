#!/usr/bin/env bash
# sim.sh — speed benchmark of 3po-sim: makes a trace of N accesses (scripts/bench/sim_gen.c: reuse
# at many distances, piped through 3po-convert), then times in one run: the lru tape (and lru
# without writing it), the min tape, and a 20-point LRU miss-ratio curve, at 20% of the
# footprint; prints accesses per second end to end (trace decoding included) and for the
# simulation alone, and peak memory.
# Usage: scripts/bench/sim.sh [BUILD_DIR]     (env N: accesses, default 50000000)
# Goals: lru >= 30M accesses/s, min >= 10M/s, the curve within 2x of one lru run.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
n=${N:-50000000}
for b in 3po-sim 3po-convert; do
  if [ ! -x "$build/bin/$b" ]; then
    echo "sim.sh: $build/bin/$b is not built (cmake --build $build --target 3po-sim 3po-convert)" >&2
    exit 1
  fi
done
for t in cc python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "sim.sh: needs $t" >&2; exit 1; }
done
work=$(mktemp -d /tmp/3po-bench-sim.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/gen" scripts/bench/sim_gen.c

start=$(date +%s.%N)
"$work/gen" "$n" | "$build/bin/3po-convert" -o "$work/bench.3pt"
end=$(date +%s.%N)
printf 'trace: %s accesses, %s MiB, made in %.1f s\n' "$n" \
  "$(( $(stat -c %s "$work/bench.3pt") >> 20 ))" "$(awk "BEGIN { print $end - $start }")"

run() { # NAME ARGS...
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/$name.time" \
    "$build/bin/3po-sim" "$work/bench.3pt" "$@" --json -q > "$work/$name.json"
}
run lru -m 20% --policy lru -o "$work/lru.tape"
run lrun -m 20% --policy lru
run min -m 20% --policy min -o "$work/min.tape"
run mrc --mrc 5%:100%:5% --policy lru

python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def load(name):
    d = json.load(open(f"{w}/{name}.json"))
    wall, rss = open(f"{w}/{name}.time").read().split()
    return d, float(wall), int(rss)
rows = []
lru, lw, lr = load("lru"); n = lru["accesses"]
mn, mw, mr = load("min")
ln, nw, nr = load("lrun")
ns = ln["policies"][0]["sim_seconds"]
mrc, cw, cr = load("mrc")
ls = lru["policies"][0]["sim_seconds"]; ms = mn["policies"][0]["sim_seconds"]; cs = mrc["mrc"]["seconds"]
print(f"footprint: {lru['footprint_pages']} pages; local memory 20%: {lru['policies'][0]['local_pages']} pages")
print(f"{'run':<28}{'wall s':>8}{'M acc/s':>9}{'sim s':>8}{'M acc/s':>9}{'peak RSS':>11}")
print(f"{'':<28}{'(end to end)':>17}{'(simulation)':>17}")
print(f"lru misses: {lru['policies'][0]['fetches']} ({100 * lru['policies'][0]['fetches'] / n:.0f}% of the accesses; the tape has {lru['tape']['entries']} entries)")
for name, wall, sim, rss in (("lru tape (-m 20%)", lw, ls, lr), ("lru, no tape written", nw, ns, nr),
                             ("min tape (-m 20%)", mw, ms, mr),
                             ("LRU curve, 20 sizes", cw, cs, cr)):
    print(f"{name:<28}{wall:>8.2f}{n / wall / 1e6:>9.1f}{sim:>8.2f}{n / sim / 1e6:>9.1f}{rss / 1024:>8.0f} MiB")
print(f"passes over the trace: lru {lru['passes']}, min {mn['passes']} (sequence held: 4 bytes/access), curve {mrc['passes']}")
print(f"curve / lru: {cw / lw:.2f}x end to end, {cs / ls:.2f}x simulation")
print(f"goals: lru >= 30M/s: {'met' if n / ls >= 30e6 else 'NOT met'} (simulation with tape), "
      f"{'met' if n / ns >= 30e6 else 'NOT met'} (simulation without), "
      f"{'met' if n / lw >= 30e6 else 'not met'} (end to end); "
      f"min >= 10M/s: {'met' if n / ms >= 10e6 else 'NOT met'} (simulation), "
      f"{'met' if n / mw >= 10e6 else 'not met'} (end to end); "
      f"curve within 2x of lru: {'met' if cw <= 2 * lw else 'NOT met'} (end to end), "
      f"{'met' if cs <= 2 * ls else 'not met'} (simulation)")
PY
