#!/usr/bin/env bash
# Answers for another day: the latency of `risk` with an as_of other than
# the snapshot's day (a builder works on the buyer's part of the graph),
# next to `risk` for the snapshot's own day through the same socket in the
# same run, one request at a time, for Q random buyers; medians over RUNS.
# The generator's registries are dated (listings from 2024-01-01).  Buyers
# whose part is over history_entities are counted, not timed.
#
#   tests/bench/history.sh [ENTITIES]      (default 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100000}
RUNS=${RUNS:-3}
Q=${Q:-50}
. tests/bench/lib.sh
bench_registry "$N"
run="$B/history-$N"
rm -rf "$run" && mkdir -p "$run/state"
build/daemon/veud --data "$d" --socket "$run/veud.sock" --state "$run/state" 2>"$run/veud.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait 2>/dev/null' EXIT
until grep -q "generation 1 serving" "$run/veud.log"; do sleep 0.2; done
for ((r = 0; r < RUNS; r++)); do
  python3 - "$run/veud.sock" "$N" "$Q" "$r" <<'EOF'
import json, random, socket, statistics, sys, time
path, n, q, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.seed(seed)
s = socket.socket(socket.AF_UNIX)
s.connect(path)
f = s.makefile("rwb")
refused = 0
def ask(req):
    global refused
    t0 = time.perf_counter()
    f.write((json.dumps(req) + "\n").encode()); f.flush()
    a = json.loads(f.readline())
    if not a.get("ok"):
        assert "history_entities" in a["error"]["message"], a
        refused += 1
        return None
    return (time.perf_counter() - t0) * 1e6
ids = ["GEN:%010d" % random.randrange(n) for _ in range(q)]
today = [ask({"op": "risk", "entity": i}) for i in ids]
other = [x for x in (ask({"op": "risk", "entity": i, "as_of": "2023-06-01"}) for i in ids) if x]
m1, m2 = statistics.median(today), statistics.median(other)
print("%.0f %.0f %.0f %d" % (m1, m2, max(other), refused))
EOF
done >"$run/results"
t=$(awk '{print $1}' "$run/results" | median)
o=$(awk '{print $2}' "$run/results" | median)
mx=$(awk '{print $3}' "$run/results" | median)
ref=$(awk '{s += $4} END {print s}' "$run/results")
echo "entities $N: risk for the snapshot's day $t us, for another day $o us (slowest $mx us)," \
  "ratio $(awk -v a="$o" -v b="$t" 'BEGIN {printf "%.0f", a / b}') (medians of $RUNS runs of $Q buyers);" \
  "$ref of $((RUNS * Q)) refused as over history_entities"
