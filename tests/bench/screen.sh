#!/usr/bin/env bash
# Benchmark of `veud screen`: ROWS ids of a generated registry through the
# socket, rows per second and the client's peak memory, against `cat` of the
# same file and against the floor, `screen` ops of 10,000 ids each through
# `veud query` (one answer per 10,000 rows, verdict and codes only), in the
# same run; medians of RUNS runs.  Run on demand:
#
#   tests/bench/screen.sh [ROWS [ENTITIES]]     (default 1000000 100000)
#
# Needs a build in ./build.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-1000000}
N=${2:-100000}
RUNS=${RUNS:-3}
cmake --build build -j "$(nproc)" --target veud veu-gen >/dev/null
. tests/bench/lib.sh
bench_registry "$N"
run="$B/screen-$N" sock="$B/screen-$N/veud.sock"
rm -rf "$run" && mkdir -p "$run/state"
build/daemon/veud --data "$d" --socket "$sock" --state "$run/state" 2>"$run/veud.log" &
vpid=$!
trap 'kill $vpid 2>/dev/null; wait 2>/dev/null' EXIT
until grep -q "generation 1 serving" "$run/veud.log"; do sleep 0.2; done
python3 - "$d/entities.csv" "$run" "$ROWS" <<'PY'
import csv, json, sys
src, run, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
ids = [r['id'] for r in csv.DictReader(open(src, encoding='utf-8'))]
with open(run + '/ids.txt', 'w') as f:
    for i in range(rows):
        f.write(ids[(i * 7919) % len(ids)] + '\n')
with open(run + '/ops.txt', 'w') as f:
    for k in range(0, rows, 10000):
        n = min(10000, rows - k)
        f.write(json.dumps({'op': 'screen', 'entities': [ids[((k + i) * 7919) % len(ids)] for i in range(n)]}) + '\n')
PY
t_cat=() t_scr=() t_ops=() m_scr=()
for ((i = 0; i < RUNS; i++)); do
  /usr/bin/time -o "$run/t" -f '%e %M' cat "$run/ids.txt" >/dev/null
  t_cat+=("$(cut -d' ' -f1 "$run/t")")
  /usr/bin/time -o "$run/t" -f '%e %M' build/daemon/veud screen --socket "$sock" "$run/ids.txt" >"$run/report.csv"
  t_scr+=("$(cut -d' ' -f1 "$run/t")") m_scr+=("$(cut -d' ' -f2 "$run/t")")
  /usr/bin/time -o "$run/t" -f '%e %M' build/daemon/veud query --socket "$sock" --timeout 600 <"$run/ops.txt" >/dev/null
  t_ops+=("$(cut -d' ' -f1 "$run/t")")
done
[ "$(($(wc -l <"$run/report.csv") - 1))" -eq "$ROWS" ] || { echo "$0: report rows != $ROWS" >&2; exit 1; }
c=$(printf '%s\n' "${t_cat[@]}" | median) s=$(printf '%s\n' "${t_scr[@]}" | median)
o=$(printf '%s\n' "${t_ops[@]}" | median) m=$(printf '%s\n' "${m_scr[@]}" | median)
echo "$ROWS rows of ids over a $N-entity registry; medians of $RUNS"
printf '| | seconds | rows/s | vs screen ops |\n|---|---:|---:|---:|\n'
printf '| cat of the file | %s | | |\n' "$c"
printf '| screen ops of 10,000 ids (the floor) | %s | %.0f | 1 |\n' "$o" "$(echo "$ROWS / $o" | bc -l)"
printf '| veud screen (report rows, evidence in words) | %s | %.0f | %.1f |\n' "$s" \
  "$(echo "$ROWS / $s" | bc -l)" "$(echo "$s / $o" | bc -l)"
echo "veud screen's peak memory: $((m / 1024)) MiB"
