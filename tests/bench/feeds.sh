#!/usr/bin/env bash
# Benchmark of exports as they are published (issue 21): `veud build` of
#   - a FollowTheMoney export (entities, ownership and control, dated
#     Sanctions; gen --format ftm), against `cat` of the same file and
#     against a build of the same graph from our CSV files (the CSV export of
#     the same generator, without supply and validated end users, which FtM
#     does not carry): the verdict counts must be equal, or the run stops;
#   - a GLEIF golden copy (gen --format gleif: N LEI-CDF records of ~200
#     quoted columns, N / 5.4 RR-CDF relationships, a delta file of each),
#     against `cat` of the same files.
# Wall time and peak RSS, median of RUNS runs (default 3), in the same run.
#
#   tests/bench/feeds.sh [FTM_ENTITIES [GLEIF_RECORDS]]   (default: 10000000 2700000)
#
# Needs a configured build in ./build and disk for the files (about 7 GiB
# for 10M FtM entities, 3 GiB for the golden copy, and the snapshots).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
n_ftm=${1:-10000000}
n_lei=${2:-2700000}
cmake --build build -j "$(nproc)" --target veud veu-gen >/dev/null
. tests/bench/lib.sh
POL=(--policy ftm_sanctions=gen_defense_list:defense,gen_military_list:military)

# run NAME DIR: median wall time (s) and peak RSS (MiB) of a build of DIR; sets t, m, counts
run() {
  local times=() rss=()
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -o "$2.time" -f '%e %M' build/daemon/veud build "${POL[@]}" --data "$2" \
      --out "$2.snap" 2>"$2.log"
    local out
    out=$(tail -1 "$2.time")
    times+=("${out% *}")
    rss+=("${out#* }")
  done
  t=$(printf '%s\n' "${times[@]}" | median)
  m=$(( $(printf '%s\n' "${rss[@]}" | median | cut -d. -f1) / 1024 ))
  counts=$(grep -o 'deny [0-9]*, review [0-9]*, fast_track [0-9]*, standard [0-9]*' "$2.log")
}

# cat_time FILES...: median seconds to read the files
cat_time() {
  local times=()
  for ((i = 0; i < RUNS; i++)); do
    local t0 t1
    t0=$(date +%s.%N); cat "$@" >/dev/null; t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${times[@]}" | median
}

ftm="$B/ftm-$n_ftm" csv="$B/ftmcsv-$n_ftm"
if [ ! -f "$ftm/entities.ftm.json" ]; then
  build/tests/bench/veu-gen --format ftm "$n_ftm" "$ftm" 1
fi
if [ ! -f "$csv/ownership.csv" ]; then
  build/tests/bench/veu-gen "$n_ftm" "$csv.all" 1
  mkdir -p "$csv"
  mv "$csv.all/entities.csv" "$csv.all/ownership.csv" "$csv/"
  grep -v validated_end_user "$csv.all/designations.csv" >"$csv/designations.csv"
  rm -rf "$csv.all"
fi
printf '| input | entities | MiB | cat (s) | build (s) | build / cat | peak RSS (MiB) |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
c=$(cat_time "$ftm"/entities.ftm.json)
run ftm "$ftm"; ftm_counts=$counts
printf '| FollowTheMoney JSON lines | %s | %s | %.2f | %.1f | %.1fx | %s |\n' "$n_ftm" \
  "$(du -m "$ftm/entities.ftm.json" | cut -f1)" "$c" "$t" "$(echo "$t / $c" | bc -l)" "$m"
c=$(cat_time "$csv"/*.csv)
run csv "$csv"
printf '| the same graph, our CSV | %s | %s | %.2f | %.1f | %.1fx | %s |\n' "$n_ftm" \
  "$(du -cm "$csv"/*.csv | tail -1 | cut -f1)" "$c" "$t" "$(echo "$t / $c" | bc -l)" "$m"
if [ "$counts" != "$ftm_counts" ]; then
  echo "feeds.sh: the FtM and CSV builds differ: '$ftm_counts' against '$counts'" >&2
  exit 1
fi
echo "verdicts of both: $counts"

lei="$B/gleif-$n_lei"
[ -f "$lei/gleif-rr-delta.csv" ] || build/tests/bench/veu-gen --format gleif "$n_lei" "$lei" 1
c=$(cat_time "$lei"/*.csv)
run gleif "$lei"
printf '| GLEIF golden copy + deltas | %s | %s | %.2f | %.1f | %.1fx | %s |\n' "$n_lei" \
  "$(du -cm "$lei"/*.csv | tail -1 | cut -f1)" "$c" "$t" "$(echo "$t / $c" | bc -l)" "$m"
grep -E 'records|superseded|restated' "$lei.log" | head -5 || true
