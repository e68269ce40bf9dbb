#!/usr/bin/env bash
# mpi.sh: the MPI build against veud build on generated registries (issue 23).
# For each size: veud build's time and peak memory, then `mpirun -n N veud
# build --mpi` for each N in RANKS: time (median of RUNS), supersteps, bytes
# each rank sent (in all and at most in one superstep), and each rank's peak
# memory, read from the build's log.  This machine has 2 cores: beyond 2
# ranks the figures show the overhead of more ranks, not a speedup.
#   RUNS=3 RANKS="1 2 4" [CMP=1] tests/bench/mpi.sh [ENTITIES ...]   (default 1000000)
# CMP=1 also compares every answer with veud build's (tests/snapcmp.c).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
veud=$build/daemon/veud gen=$build/tests/bench/veu-gen
runs=${RUNS:-3} ranks=${RANKS:-1 2 4}
[ -x "$build/daemon/veud-mpi" ] || { echo "mpi.sh: $build/daemon/veud-mpi not built (Open MPI missing?)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl=self,vader
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

for n in "${@:-1000000}"; do
  "$gen" "$n" "$t/data" 3 >/dev/null
  for r in $(seq "$runs"); do
    s=$(ms)
    /usr/bin/time -f %M -o "$t/rss" "$veud" build --data "$t/data" --out "$t/single.snap" >/dev/null 2>&1
    echo $(( $(ms) - s )) >>"$t/single.ms"
  done
  printf '%s entities: veud build %s ms (median of %s), peak %s MiB\n' "$n" \
    "$(median <"$t/single.ms")" "$runs" "$(( $(cat "$t/rss") / 1024 ))"
  rm -f "$t/single.ms"
  for k in $ranks; do
    rm -f "$t/mpi.ms"
    for r in $(seq "$runs"); do
      s=$(ms)
      mpirun -n "$k" "$veud" build --mpi --data "$t/data" --out "$t/mpi.snap" >"$t/log" 2>&1
      echo $(( $(ms) - s )) >>"$t/mpi.ms"
    done
    printf '  %s ranks: %s ms (median of %s); %s\n' "$k" "$(median <"$t/mpi.ms")" "$runs" \
      "$(grep -o 'ties: .*' "$t/log" | sed 's/.*(\([0-9]*\) ms)$/ties \1 ms/')"
    grep -o 'mpi: [0-9]* ranks.*' "$t/log" | sed 's/^/    /'
    grep -o 'mpi: by phase.*' "$t/log" | sed 's/^/    /'
    grep -o 'mpi: rank .*' "$t/log" | sed 's/^/    /'
    if [ "${CMP:-0}" = 1 ]; then # every answer compared: minutes at 1M
      "$build/tests/snapcmp" "$t/single.snap" "$t/mpi.snap" | sed 's/^/    answers: /'
    fi
  done
done
