#!/usr/bin/env bash
# `veud build` against the floor under it: veu-bare (tests/bench/bare.c), a
# program that only reads the same files, interns every id and resolves
# both ids of every row, alternating in the same run with the files in the
# page cache; medians of RUNS, and the median of the rounds' ratios.
#
#   tests/bench/bare.sh [ENTITIES]      (default 1000000; RUNS default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
RUNS=${RUNS:-5}
cmake --build build -j "$(nproc)" --target veud veu-gen veu-bare >/dev/null
. tests/bench/lib.sh
bench_registry "$N"
out="$B/bare-$N.snap"
cat "$d"/*.csv >/dev/null # the page cache holds the files for both
for ((i = 0; i < RUNS; i++)); do
  t0=$(date +%s%N)
  build/daemon/veud build --data "$d" --out "$out" 2>/dev/null
  t1=$(date +%s%N)
  bare=$(build/tests/bench/veu-bare "$d" | sed -n 's/.*ms=\([0-9]*\).*/\1/p')
  t2=$(date +%s%N)
  echo "$(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000)) $bare"
done >"$B/bare-$N.out"
rm -f "$out"
b=$(awk '{print $1}' "$B/bare-$N.out" | median)
r=$(awk '{print $2}' "$B/bare-$N.out" | median)
echo "$N entities: veud build $b ms, veu-bare $r ms (process), median of rounds' ratio" \
  "$(awk '{printf "%.2f\n", $1 / $2}' "$B/bare-$N.out" | median)x ($RUNS rounds)"
