#!/usr/bin/env bash
# Answers for another day: the latency of `risk` with an as_of other than
# the snapshot's day, next to `risk` for the snapshot's own day through the
# same socket in the same run, one request at a time, for Q random buyers;
# medians over RUNS.  Twice: worked out from a part of the graph per answer
# (`history_days = 0`), and from the day's whole graph once veud keeps it
# (the default), with the time from the day's first answer until it is
# kept.  The generator's registries are dated (listings from 2024-01-01).
# Buyers whose part is over history_entities are counted, not timed.
#
#   tests/bench/history.sh [ENTITIES]      (default 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100000}
RUNS=${RUNS:-3}
Q=${Q:-50}
. tests/bench/lib.sh
bench_registry "$N"
for mode in parts kept; do
  run="$B/history-$N-$mode"
  rm -rf "$run" && mkdir -p "$run/state"
  [ -f "$d.snap" ] && bench_snapshot "$run/state"
  printf '[daemon]\nrebuild_interval = 0\nhistory_days = %s\n' "$([ $mode = parts ] && echo 0 || echo 1)" \
    >"$run/veud.conf"
  build/daemon/veud --config "$run/veud.conf" --data "$d" --socket "$run/veud.sock" \
    --state "$run/state" 2>"$run/veud.log" &
  pid=$!
  trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true' EXIT
  until grep -qE "generation 1 serving|serving snapshot" "$run/veud.log"; do sleep 0.2; done
  for ((r = 0; r < RUNS; r++)); do
    python3 - "$run/veud.sock" "$N" "$Q" "$r" "$mode" <<'PY'
import json, random, socket, statistics, sys, time
path, n, q, seed, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
random.seed(seed)
s = socket.socket(socket.AF_UNIX)
s.connect(path)
f = s.makefile("rwb")
refused = 0
day = "2023-06-%02d" % (seed + 1)  # a day of its own per run: each run starts cold
def ask(req, timed=True):
    global refused
    t0 = time.perf_counter()
    f.write((json.dumps(req) + "\n").encode()); f.flush()
    a = json.loads(f.readline())
    if not timed:
        return a
    if not a.get("ok"):
        assert "history_entities" in a["error"]["message"], a
        refused += 1
        return None
    return (time.perf_counter() - t0) * 1e6
ids = ["GEN:%010d" % random.randrange(n) for _ in range(q)]
kept_ms = 0
if mode == "kept":  # the first answer for the day starts its whole graph; wait until it is kept
    t0 = time.perf_counter()
    ask({"op": "risk", "entity": ids[0], "as_of": day})
    while day not in ask({"op": "stats"}, False)["result"]["history"]["kept"]:
        time.sleep(0.05)
    kept_ms = (time.perf_counter() - t0) * 1e3
today = [ask({"op": "risk", "entity": i}) for i in ids]
other = [x for x in (ask({"op": "risk", "entity": i, "as_of": day}) for i in ids) if x]
# -1: every buyer's part was over history_entities (at 10M most are), none answered
print("%.0f %.0f %.0f %d %.0f" % (statistics.median(today), statistics.median(other) if other else -1,
                                  max(other) if other else -1, refused, kept_ms))
PY
  done >"$run/results"
  kill $pid; wait $pid 2>/dev/null || true
  t=$(awk '{print $1}' "$run/results" | median)
  o=$(awk '{print $2}' "$run/results" | median)
  mx=$(awk '{print $3}' "$run/results" | median)
  ref=$(awk '{s += $4} END {print s}' "$run/results")
  k=$(awk '{print $5}' "$run/results" | median)
  echo "entities $N, $mode: risk for the snapshot's day $t us, for another day $o us (slowest $mx us)," \
    "ratio $(awk -v a="$o" -v b="$t" 'BEGIN {printf "%.1f", a / b}') (medians of $RUNS runs of $Q buyers);" \
    "$ref of $((RUNS * Q)) refused as over history_entities$([ $mode = kept ] && echo "; the day kept ${k} ms after its first answer")"
done
