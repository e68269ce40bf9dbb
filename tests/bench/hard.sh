#!/usr/bin/env bash
# hard.sh: a build of a hard graph against one of the usual shape (issue 22).
# `veu-gen --shape core` draws owners from the whole id range, so that a giant
# strongly connected core forms, and gives a third of the entities stakes that
# add up above 100%; the usual shape has owners mostly above what they own.
# Both are built RUNS times, alternating; with VEUD_A another veud (say the
# last commit's) builds the core graph in the same rounds, for an A/B.
# Prints the medians of the build and of the ties, the largest cycle and its
# sweeps, and core / usual.
#   RUNS=3 [VEUD_A=/tmp/a/build/daemon/veud] tests/bench/hard.sh [ENTITIES]  (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000} runs=${RUNS:-3}
veud=$PWD/build/daemon/veud gen=build/tests/bench/veu-gen
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$gen" "$n" "$t/usual" 3 >/dev/null
"$gen" --shape core "$n" "$t/core" 3 >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one() { # label veud data
  local s e
  s=$(date +%s%N)
  "$2" build --data "$3" --out "$t/x.snap" 2>"$t/log"
  e=$(date +%s%N)
  echo $(( (e - s) / 1000000 )) >>"$t/$1.build"
  grep -o 'ties: .*' "$t/log" | sed 's/.*(\([0-9]*\) ms)$/\1/' >>"$t/$1.ties"
  grep -o '[0-9]* in the largest cycle ([0-9]* entities)' "$t/log" >"$t/$1.cycle" || true
  rm -f "$t/x.snap"
}
for ((r = 0; r < runs; r++)); do
  one usual "$veud" "$t/usual"
  one core "$veud" "$t/core"
  [ -n "${VEUD_A:-}" ] && one core-A "$VEUD_A" "$t/core"
done
echo "$n entities, medians of $runs"
for l in usual core core-A; do
  [ -f "$t/$l.build" ] || continue
  printf '%-7s build %6s ms  ties %6s ms  %s\n' "$l" "$(median <"$t/$l.build")" \
    "$(median <"$t/$l.ties")" "$(cat "$t/$l.cycle")"
done
printf "core / usual: %.2f\n" "$(echo "$(median <"$t/core.build") / $(median <"$t/usual.build")" | bc -l)"
