#!/usr/bin/env bash
# Soak: mixed load on a real veud for SECONDS (default 600) with a rebuild
# every 10 s; prints resident memory at the start and the end, requests
# answered, errors, and rebuilds.  Bounded in time; loopback only.
#
#   tests/bench/soak.sh [SECONDS] [ENTITIES]     (defaults 600, 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-600}
N=${2:-100000}
B=${BENCH_DIR:-/tmp/veu-bench}
cmake --build build -j "$(nproc)" --target veud veu-gen veu-loadgen >/dev/null
d="$B/reg-$N"
[ -f "$d/supply.csv" ] || build/tests/bench/veu-gen "$N" "$d" 1 >/dev/null
run="$B/soak-$N"
rm -rf "$run" && mkdir -p "$run/state"
sock="$run/veud.sock"
build/daemon/veud --data "$d" --socket "$sock" --state "$run/state" 2>"$run/veud.log" &
vpid=$!
trap 'kill $vpid 2>/dev/null; wait 2>/dev/null' EXIT
until grep -q "generation 1 serving" "$run/veud.log"; do sleep 0.2; done
awk -F, 'NR > 1 && NR % 10 == 0 {print $1}' "$d/entities.csv" >"$run/ids"
rss() { ps -o rss= -p $vpid | awk '{print int($1/1024)}'; }
rss0=$(rss)
end=$(( $(date +%s) + SECS ))
# load: 20 clients with 4 in flight, in 10 s slices, one rebuild per slice
total=0 errors=0 slices=0
while [ "$(date +%s)" -lt "$end" ]; do
  build/daemon/veud query --socket "$sock" --timeout 60 reload >/dev/null &
  out=$(build/tests/bench/veu-loadgen veud "$sock" 20 4 10 "$run/ids")
  wait $! || errors=$((errors + 1))
  total=$((total + $(echo "$out" | sed -n 's/.*ops=\([0-9]*\).*/\1/p')))
  errors=$((errors + $(echo "$out" | sed -n 's/.*errors=\([0-9]*\).*/\1/p')))
  slices=$((slices + 1))
done
rss1=$(rss)
gen=$(build/daemon/veud query --socket "$sock" stats | sed -n 's/.*"generation":\([0-9]*\),"counts".*/\1/p')
echo "soak: $SECS s on $N entities: $total risk answers, $errors errors, $slices rebuilds" \
  "(generation $gen); veud RSS $rss0 MiB at start, $rss1 MiB at the end"
