#!/usr/bin/env bash
# Benchmark of serving at scale: `risk` throughput and p99 on a large
# registry next to a small one, measured in the same run.  Two daemons (the
# small and the large registry) and redis-server serve at once; every round
# runs the load generator against each in turn (which goes first alternates
# from round to round), so the machine's noise falls on both alike, and the
# figure is the median of the RUNS rounds' large / small ratios.  Two sets of ids: 10,000 spread over the registry (repeated, the
# answer cache holds them) and 200,000 (most never in the cache: the mapped
# snapshot's memory).  Run on demand:
#
#   tests/bench/scale.sh [LARGE [SMALL]]      (default 10000000 100000)
#   RUNS=9 SECS=4 CLIENTS=50 tests/bench/scale.sh 1000000
#
# Needs redis-server and a build in ./build; makes the registries and their
# snapshots once (a 10M build takes about a minute and 6.5 GiB).
set -euo pipefail
cd "$(dirname "$0")/../.."
LARGE=${1:-10000000}
SMALL=${2:-100000}
RUNS=${RUNS:-7}
SECS=${SECS:-4}
CLIENTS=${CLIENTS:-50}
cmake --build build -j "$(nproc)" --target veud veu-gen veu-loadgen >/dev/null
. tests/bench/lib.sh
command -v redis-server >/dev/null || { echo "$0: needs redis-server" >&2; exit 1; }
run="$B/scale"
rm -rf "$run" && mkdir -p "$run"
pids=()
declare -A pid
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

# start N: veud serving the registry of N entities from its snapshot, in $run/N
start() {
  bench_registry "$1"
  [ -f "$d.snap" ] || build/daemon/veud build --data "$d" --out "$d.snap" 2>/dev/null
  mkdir -p "$run/$1/state"
  bench_snapshot "$run/$1/state"
  printf '[daemon]\nrebuild_interval = 0\n' >"$run/$1/veud.conf"
  build/daemon/veud --config "$run/$1/veud.conf" --data "$d" --socket "$run/$1/sock" \
    --state "$run/$1/state" 2>"$run/$1/log" &
  pids+=($!)
  pid[$1]=$!
  awk -F, 'NR > 1 && NR % int('"$1"' / 10000 + 1) == 0 {print $1}' "$d/entities.csv" | head -10000 >"$run/$1/ids"
  awk -F, 'NR > 1 && NR % int('"$1"' / 200000 + 1) == 0 {print $1}' "$d/entities.csv" | head -200000 >"$run/$1/ids-cold"
}
start "$SMALL"
start "$LARGE"
redis-server --port 0 --unixsocket "$run/redis.sock" --save '' --appendonly no >"$run/redis.log" 2>&1 &
pids+=($!)
for n in "$SMALL" "$LARGE"; do
  until grep -qE "generation 1 serving|serving snapshot" "$run/$n/log"; do sleep 0.2; done
done
until [ -S "$run/redis.sock" ]; do sleep 0.1; done
head -1 "$run/$SMALL/ids" | sed 's/^/risk /' | build/daemon/veud query --socket "$run/$SMALL/sock" |
  redis-cli -s "$run/redis.sock" -x SET veu >/dev/null
# steady state: a first pass over each set (a start's check of the data runs on the other core)
for n in "$SMALL" "$LARGE"; do
  for f in ids ids-cold; do build/tests/bench/veu-loadgen veud "$run/$n/sock" "$CLIENTS" 1 2 "$run/$n/$f" >/dev/null; done
done

LG=build/tests/bench/veu-loadgen
for ((i = 0; i < RUNS; i++)); do
  # the order alternates round by round, so that going first or second weighs on both sizes alike
  order=("$SMALL" "$LARGE")
  if ((i % 2)); then order=("$LARGE" "$SMALL"); fi
  for f in ids ids-cold; do
    echo "redis $f $($LG redis "$run/redis.sock" "$CLIENTS" 1 "$SECS" veu)"
    for n in "${order[@]}"; do
      echo "$n $f $($LG veud "$run/$n/sock" "$CLIENTS" 1 "$SECS" "$run/$n/$f")"
    done
  done
done >"$run/out"
grep -v ' errors=0 ' "$run/out" >&2 || true

# med WHO SET FIELD: the median of FIELD over the rounds
med() { grep "^$1 $2 " "$run/out" | field "$3" | median; }
# ratios SET FIELD: large / small of FIELD, round by round (the pairs share the machine's mood)
ratios() { paste <(grep "^$SMALL $1 " "$run/out" | field "$2") <(grep "^$LARGE $1 " "$run/out" | field "$2") | awk '{printf "%.3f\n", $2 / $1}'; }
echo "$CLIENTS clients, one request in flight each; $RUNS rounds of $SECS s; large $LARGE, small $SMALL entities"
echo "snapshots mapped with 2 MiB pages: small $(bench_pmd "${pid[$SMALL]}"), large $(bench_pmd "${pid[$LARGE]}")"
echo "medians; large / small is the median of the rounds' ratios"
echo
printf '| ids | small req/s | large req/s | large / small | small p99 us | large p99 us | p99 large / small | redis req/s |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
for f in ids ids-cold; do
  printf '| %s | %.0f | %.0f | %.3f | %s | %s | %.3f | %.0f |\n' \
    "$([ $f = ids ] && echo "10,000 repeated" || echo "200,000 mostly uncached")" \
    "$(med "$SMALL" $f rps)" "$(med "$LARGE" $f rps)" "$(ratios $f rps | median)" \
    "$(med "$SMALL" $f p99_us)" "$(med "$LARGE" $f p99_us)" "$(ratios $f p99_us | median)" "$(med redis $f rps)"
done
echo
for f in ids ids-cold; do
  echo "$f, large / small per round: req/s $(ratios $f rps | tr '\n' ' ')p99 $(ratios $f p99_us | tr '\n' ' ')"
done
