#!/usr/bin/env bash
# A/B benchmark of a change to serving: the veud of another build (A, say
# the last commit's, built in a worktree) and this tree's (B) serve the
# same registry at once, each from its own snapshot (the formats may
# differ), and the load generator alternates between them round by round
# (which goes first alternates too), so the machine's noise falls on both
# alike.  Prints the medians and the
# median of the rounds' B / A ratios.  Run on demand:
#
#   tests/bench/ab.sh VEUD_A SNAP_A [N [IDS]]   (default N 10000000, the cold ids of scale.sh)
#   RUNS=9 SECS=4 CLIENTS=50 INFLIGHT=1 tests/bench/ab.sh ...
#   git worktree add /tmp/a HEAD && cmake -S /tmp/a -B /tmp/a/build -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
#     cmake --build /tmp/a/build --target veud && tests/bench/ab.sh /tmp/a/build/daemon/veud OLD.snap
#
# B's snapshot is the one build.sh leaves beside the registry (made here if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { sed -n "2,14p" "$0" >&2; exit 2; }
A=$(realpath "$1") SNAP_A=$(realpath "$2") N=${3:-10000000}
RUNS=${RUNS:-9}
SECS=${SECS:-4}
CLIENTS=${CLIENTS:-50}
INFLIGHT=${INFLIGHT:-1}
cmake --build build -j "$(nproc)" --target veud veu-gen veu-loadgen >/dev/null
. tests/bench/lib.sh
bench_registry "$N"
[ -f "$d.snap" ] || build/daemon/veud build --data "$d" --out "$d.snap" 2>/dev/null
IDS=${4:-$B/ab-ids-$N}
[ -f "$IDS" ] || awk -F, 'NR > 1 && NR % int('"$N"' / 200000 + 1) == 0 {print $1}' "$d/entities.csv" |
  head -200000 >"$IDS"
run="$B/ab"
rm -rf "$run" && mkdir -p "$run/a/state" "$run/b/state"
ln "$SNAP_A" "$run/a/state/veud-1.snap" 2>/dev/null || cp "$SNAP_A" "$run/a/state/veud-1.snap"
bench_snapshot "$run/b/state"
printf '[daemon]\nrebuild_interval = 0\n' >"$run/veud.conf"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
for x in a b; do
  bin=$([ $x = a ] && echo "$A" || echo build/daemon/veud)
  "$bin" --config "$run/veud.conf" --data "$d" --socket "$run/$x/sock" --state "$run/$x/state" \
    2>"$run/$x/log" &
  pids+=($!)
done
for x in a b; do
  until grep -qE "generation 1 serving|serving snapshot" "$run/$x/log"; do
    kill -0 "${pids[0]}" "${pids[1]}" || { cat "$run/a/log" "$run/b/log" >&2; exit 1; }
    sleep 0.2
  done
done
LG=build/tests/bench/veu-loadgen
for x in a b; do $LG veud "$run/$x/sock" "$CLIENTS" 1 2 "$IDS" >/dev/null; done # steady state
for ((i = 0; i < RUNS; i++)); do
  order=(a b) # alternating, so that going first or second weighs on both alike
  if ((i % 2)); then order=(b a); fi
  for x in "${order[@]}"; do echo "$x $($LG veud "$run/$x/sock" "$CLIENTS" "$INFLIGHT" "$SECS" "$IDS")"; done
done >"$run/out"
grep -v ' errors=0 ' "$run/out" >&2 || true

med() { grep "^$1 " "$run/out" | field "$2" | median; }
ratios() { paste <(grep "^a " "$run/out" | field "$1") <(grep "^b " "$run/out" | field "$1") | awk '{printf "%.3f\n", $2 / $1}'; }
echo "$N entities, $(wc -l <"$IDS") ids; $CLIENTS clients, $INFLIGHT requests in flight each; $RUNS rounds of $SECS s; A $A, B this tree"
echo "snapshots mapped with 2 MiB pages: A $(bench_pmd "${pids[0]}"), B $(bench_pmd "${pids[1]}")"
printf '| | A | B | B / A (median of rounds) |\n|---|---:|---:|---:|\n'
for f in rps p99_us; do
  printf '| %s | %s | %s | %.3f |\n' "$f" "$(med a $f)" "$(med b $f)" "$(ratios $f | median)"
done
echo "B / A per round: req/s $(ratios rps | tr '\n' ' ')"
