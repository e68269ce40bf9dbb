#!/usr/bin/env bash
# Benchmark of the server: `risk` throughput and p50/p99 latency with 1 and
# 50 clients, 1 and 16 requests in flight, against redis-server on a Unix
# socket answering GET with the same bytes, interleaved in the same run,
# median of RUNS runs; then one `screen` of 10,000 ids.  Run on demand:
#
#   tests/bench/serve.sh [ENTITIES]     (default 1000000)
#   CONFIGS="50,1,ids 50,1,ids-cold" tests/bench/serve.sh 10000000   (some rows only)
#
# Needs redis-server (apt-get install redis-server) and a build in ./build.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
RUNS=${RUNS:-3}
SECS=${SECS:-4}
cmake --build build -j "$(nproc)" --target veud veu-gen veu-loadgen >/dev/null
. tests/bench/lib.sh
bench_registry "$N"
bench_pair "$B/serve-$N"

# 10,000 ids spread over the registry, and one typical answer for Redis to hold
awk -F, 'NR > 1 && NR % int('"$N"' / 10000 + 1) == 0 {print $1}' "$d/entities.csv" | head -10000 >"$run/ids"
# and 200,000 for answers the cache of rendered results (16,384 slots) mostly has not seen
awk -F, 'NR > 1 && NR % int('"$N"' / 200000 + 1) == 0 {print $1}' "$d/entities.csv" | head -200000 >"$run/ids-cold"
answer=$(head -1 "$run/ids" | sed 's/^/risk /' | build/daemon/veud query --socket "$sock")
printf '%s' "$answer" | redis-cli -s "$rsock" -x SET veu >/dev/null
echo "graph: $N entities; answer: ${#answer} bytes; $(wc -l <"$run/ids") ids; $RUNS runs of $SECS s, medians"
echo
# steady state: a first pass over each set of ids (right after a start, the
# start's check of the data directory still runs on the second core)
for f in ids ids-cold; do build/tests/bench/veu-loadgen veud "$sock" 50 1 2 "$run/$f" >/dev/null; done

printf '| clients | in flight | veud req/s | redis req/s | veud / redis | veud p50 us | veud p99 us | redis p99 us | answer B |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for cfg in ${CONFIGS:-"1,1,ids" "50,1,ids" "1,16,ids" "50,16,ids" "50,1,ids-cold"}; do
  cfg=${cfg//,/ }
  set -- $cfg
  vr=() rr=() v50=() v99=() r99=() vb=()
  for ((i = 0; i < RUNS; i++)); do
    v=$(build/tests/bench/veu-loadgen veud "$sock" "$1" "$2" "$SECS" "$run/$3")
    r=$(build/tests/bench/veu-loadgen redis "$rsock" "$1" "$2" "$SECS" veu)
    vr+=("$(echo "$v" | field rps)") vb+=("$(echo "$v" | field bytes)") v50+=("$(echo "$v" | field p50_us)") v99+=("$(echo "$v" | field p99_us)")
    rr+=("$(echo "$r" | field rps)") r99+=("$(echo "$r" | field p99_us)")
    [ "$(echo "$v" | field errors)" = 0 ] || echo "veud errors: $v" >&2
  done
  mv=$(printf '%s\n' "${vr[@]}" | median) mr=$(printf '%s\n' "${rr[@]}" | median)
  printf '| %s | %s%s | %.0f | %.0f | %.2f | %s | %s | %s | %s |\n' "$1" "$2" "$([ "$3" = ids ] || echo ', 200k ids')" "$mv" "$mr" \
    "$(echo "$mv / $mr" | bc -l)" "$(printf '%s\n' "${v50[@]}" | median)" \
    "$(printf '%s\n' "${v99[@]}" | median)" "$(printf '%s\n' "${r99[@]}" | median)" \
    "$(printf '%s\n' "${vb[@]}" | median)"
done

# one screen of the 10,000 ids
req=$(jq -Rsc '{op:"screen", entities: split("\n") | map(select(length > 0))}' <"$run/ids" 2>/dev/null ||
  python3 -c 'import json,sys; print(json.dumps({"op":"screen","entities":[l.strip() for l in open(sys.argv[1]) if l.strip()]}))' "$run/ids")
ts=()
for ((i = 0; i < 5; i++)); do
  t0=$(date +%s%N)
  printf '%s\n' "$req" | build/daemon/veud query --socket "$sock" >/dev/null
  ts+=($(( ($(date +%s%N) - t0) / 1000 )))
done
echo
echo "screen of 10,000 ids, round trip through veud query: median $(printf '%s\n' "${ts[@]}" | median) us over 5"
ps -o rss= -p $vpid | awk '{printf "veud resident memory: %d MiB\n", $1/1024}'
