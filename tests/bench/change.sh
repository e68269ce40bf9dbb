#!/usr/bin/env bash
# Benchmark of a daily rebuild: how long `veud build` takes after 1% of the
# ownership rows changed their percent, next to a build of the unchanged
# registry, interleaved in the same run, median of RUNS runs.  Nothing is
# reused between builds today, so the two should match; the figure bounds
# what an incremental design (docs/scaling.md) could save; then times
# `veud diff` of the two snapshots against `cat` of them.  Run on demand:
#
#   tests/bench/change.sh [ENTITIES [PERCENT]]     (default 1000000 1)
#
# Needs a build in ./build.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
PCT=${2:-1}
RUNS=${RUNS:-3}
cmake --build build -j "$(nproc)" --target veud veu-gen >/dev/null
. tests/bench/lib.sh
bench_registry "$N"
c="$B/change-$N"
rm -rf "$c" && mkdir -p "$c"
# the changed copy: other files hard-linked, every (100 / PCT)th ownership row a new percent
for f in "$d"/*.csv; do [ "$(basename "$f")" = ownership.csv ] || ln "$f" "$c/"; done
awk -F, -v OFS=, -v every="$(echo "100 / $PCT" | bc)" '
  NR > 1 && NR % every == 0 && $3 != "" { $3 = sprintf("%.2f", ($3 * 7 + 13) % 100 + 0.01); n++ }
  { print }
  END { print n > "/dev/stderr" }' "$d/ownership.csv" >"$c/ownership.csv" 2>"$c/changed"
full=() changed=()
for ((i = 0; i < RUNS; i++)); do
  /usr/bin/time -o "$c/t" -f %e build/daemon/veud build --data "$d" --out "$c/full.snap" 2>/dev/null
  full+=("$(tail -1 "$c/t")")
  /usr/bin/time -o "$c/t" -f %e build/daemon/veud build --data "$c" --out "$c/changed.snap" 2>/dev/null
  changed+=("$(tail -1 "$c/t")")
done
echo "$N entities; $(cat "$c/changed") ownership rows changed ($PCT%); medians of $RUNS"
printf '| build | unchanged (s) | after the change (s) | ratio |\n|---|---:|---:|---:|\n'
f=$(printf '%s\n' "${full[@]}" | median) g=$(printf '%s\n' "${changed[@]}" | median)
printf '| full, nothing reused | %s | %s | %.2f |\n' "$f" "$g" "$(echo "$g / $f" | bc -l)"
# what the change moved: veud diff of the two snapshots (what the journal counts after a
# rebuild), against cat of the same two files from the page cache, the floor of reading them
diffs=() cats=()
for ((i = 0; i < RUNS; i++)); do
  /usr/bin/time -o "$c/t" -f %e cat "$c/full.snap" "$c/changed.snap" >/dev/null
  cats+=("$(tail -1 "$c/t")")
  /usr/bin/time -o "$c/t" -f %e build/daemon/veud diff "$c/full.snap" "$c/changed.snap" >"$c/diff"
  diffs+=("$(tail -1 "$c/t")")
done
f=$(printf '%s\n' "${cats[@]}" | median) g=$(printf '%s\n' "${diffs[@]}" | median)
printf '| veud diff, %s changes (s) | cat of both files %s | diff %s | %.1f |\n' \
  "$(wc -l <"$c/diff")" "$f" "$g" "$(echo "$g / ($f + 0.001)" | bc -l)"
rm -f "$c"/*.snap "$c/diff"
