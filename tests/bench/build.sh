#!/usr/bin/env bash
# Benchmark of `veud build`: wall time and peak memory for synthetic
# registries of 100k, 1M and 5M entities (three edges each), next to the
# time to merely read the same files (`cat > /dev/null`), measured in the
# same run, interleaved, median of RUNS runs.  Run on demand:
#
#   tests/bench/build.sh [SIZES...]      (default: 100000 1000000 5000000)
#
# Needs a configured build in ./build (scripts/test makes one).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-/tmp/veu-bench}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000 5000000)
cmake --build build -j "$(nproc)" --target veud veu-gen >/dev/null
mkdir -p "$BENCH_DIR"

. tests/bench/lib.sh

printf '| entities | input MB | read (s) | build (s) | build / read | peak RSS (MiB) | snapshot (MiB) |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  d="$BENCH_DIR/reg-$n"
  [ -f "$d/supply.csv" ] || build/tests/bench/veu-gen "$n" "$d" 1 >/dev/null
  mb=$(du -cm "$d"/*.csv | tail -1 | cut -f1)
  reads=() builds=() rss=()
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s.%N); cat "$d"/*.csv >/dev/null; t1=$(date +%s.%N)
    reads+=("$(echo "$t1 - $t0" | bc)")
    /usr/bin/time -o "$d.time" -f '%e %M' build/daemon/veud build --data "$d" --out "$d.snap" 2>/dev/null
    out=$(tail -1 "$d.time")
    builds+=("${out% *}")
    rss+=("${out#* }")
  done
  r=$(printf '%s\n' "${reads[@]}" | median)
  b=$(printf '%s\n' "${builds[@]}" | median)
  m=$(printf '%s\n' "${rss[@]}" | median)
  snap=$(( $(stat -c %s "$d.snap") / 1048576 ))
  printf '| %s | %s | %.3f | %.2f | %.0fx | %d | %d |\n' "$n" "$mb" "$r" "$b" "$(echo "$b / $r" | bc -l)" "$((m / 1024))" "$snap"
done
