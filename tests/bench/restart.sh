#!/usr/bin/env bash
# Restart to ready: how long veud takes from exec to serving a snapshot that
# is already in its state directory (map and verify, no parsing), median of
# RUNS runs, next to the time to read the snapshot file (`cat`) in the same
# run.  The page cache is warm (the snapshot was just written or read), as
# after a service restart.
#
#   tests/bench/restart.sh [ENTITIES]      (default 1000000; needs build.sh's registry)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
RUNS=${RUNS:-5}
B=${BENCH_DIR:-/tmp/veu-bench}
d="$B/reg-$N"
[ -f "$d.snap" ] || { echo "restart.sh: run tests/bench/build.sh $N first" >&2; exit 1; }
run="$B/restart-$N"
. tests/bench/lib.sh
ready=() reads=()
for ((i = 0; i < RUNS; i++)); do
  rm -rf "$run" && mkdir -p "$run/state"
  bench_snapshot "$run/state"
  t0=$(date +%s%N); cat "$run/state/veud-1.snap" >/dev/null; t1=$(date +%s%N)
  reads+=($(( (t1 - t0) / 1000000 )))
  t0=$(date +%s%N)
  build/daemon/veud --data "$d" --socket "$run/veud.sock" --state "$run/state" 2>"$run/log" &
  pid=$!
  until grep -q "serving snapshot" "$run/log" 2>/dev/null; do sleep 0.005; done
  t1=$(date +%s%N)
  ready+=($(( (t1 - t0) / 1000000 )))
  kill $pid; wait $pid 2>/dev/null || true
done
size=$(( $(stat -c %s "$d.snap") / 1048576 ))
echo "entities $N, snapshot $size MiB: restart to ready $(printf '%s\n' "${ready[@]}" | median) ms," \
  "reading the snapshot $(printf '%s\n' "${reads[@]}" | median) ms (medians of $RUNS)"
