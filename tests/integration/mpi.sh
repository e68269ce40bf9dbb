#!/usr/bin/env bash
# mpi.sh: the MPI build against veud build (issue 23, SPEC section 6).
# On the bundled sample, two generated registries with cycles and dated rows,
# and the engine's random worlds (each with its own policy), it builds with
# veud build and with `mpirun -n N veud build --mpi` for N = 1, 2, 3, and
# compares every entity's risk, paths and owners answers (tests/snapcmp.c:
# verdicts, codes and paths equal, numbers within 1e-9 percent).  Then: the
# comparison can fail, and a build that fails on one rank fails the job
# cleanly, leaving no snapshot.
#   mpi.sh VEUD SNAPCMP ENGINE_DIFF GEN SAMPLE_DIR
set -euo pipefail
veud=$1 snapcmp=$2 engine_diff=$3 gen=$4 sample=$5
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# more ranks than cores, quietly; no network interfaces needed on one machine
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl=self,vader
fail() { echo "mpi.sh: $*" >&2; exit 1; }

mpi_build() { # N DATA CONF OUT
  local conf=()
  [ -n "$3" ] && conf=(--config "$3")
  timeout 120 mpirun -n "$1" "$veud" build --mpi --data "$2" "${conf[@]}" --out "$4" \
    >"$t/log" 2>&1 || { cat "$t/log" >&2; fail "mpirun -n $1 on $2 failed"; }
  grep -q "mpi: $1 ranks" "$t/log" || fail "the build on $2 did not run as $1 ranks"
}

compare_all() { # NAME DATA CONF
  local conf=()
  [ -n "$3" ] && conf=(--config "$3")
  "$veud" build --data "$2" "${conf[@]}" --out "$t/ref.snap" >"$t/log" 2>&1 ||
    { cat "$t/log" >&2; fail "veud build on $1 failed"; }
  for n in 1 2 3; do
    mpi_build "$n" "$2" "$3" "$t/mpi.snap"
    "$snapcmp" "$t/ref.snap" "$t/mpi.snap" >"$t/cmp" || { cat "$t/cmp" >&2; fail "$1, $n ranks: answers differ"; }
    answers=$((answers + $(awk '{print $3}' "$t/cmp")))
  done
}

answers=0
compare_all sample "$sample" ""
# exact ties: two chains of the same stakes from one seed to each buyer, where
# only the rule (the neighbour of lowest index) tells which chain is the evidence
mkdir "$t/ties"
{ echo id,name,country; echo S,Seed,US
  for i in 1 2 3; do echo "B$i,Beta $i,DE"; echo "A$i,Alpha $i,DE"; echo "X$i,Buyer $i,DE"; done
} >"$t/ties/entities.csv"
printf 'entity_id,designation,source\nS,defense,SIPRI\n' >"$t/ties/designations.csv"
{ echo owner_id,owned_id,percent
  for i in 1 2 3; do echo "S,A$i,30"; echo "S,B$i,30"; echo "A$i,X$i,40"; echo "B$i,X$i,40"; done
} >"$t/ties/ownership.csv"
compare_all "equal chains" "$t/ties" ""
for seed in 1 2; do
  "$gen" 3000 "$t/gen$seed" "$seed" >/dev/null
  compare_all "generated registry $seed" "$t/gen$seed" ""
done
mkdir "$t/worlds"
VEU_WORLDS="$t/worlds" VEU_WORLDS_N="${MPI_WORLDS:-24}" "$engine_diff" >/dev/null
for w in "$t"/worlds/w*.conf; do
  compare_all "world $(basename "$w" .conf)" "${w%.conf}" "$w"
done
echo "mpi.sh: $answers answers equal across 1, 2 and 3 ranks"

# the comparison bites: another policy gives other answers
printf '[policy]\nminority_threshold = 1\nsupply_depth = 0\n' >"$t/other.conf"
"$veud" build --data "$sample" --out "$t/ref.snap" >/dev/null 2>&1
mpi_build 2 "$sample" "$t/other.conf" "$t/mpi.snap"
if "$snapcmp" "$t/ref.snap" "$t/mpi.snap" >"$t/cmp"; then
  fail "snapcmp found no difference between two policies"
fi

# a dataset that cannot be built fails the job on every rank, with no snapshot
mkdir "$t/bad"
printf 'id,name,country\nA,Alpha,US\nA,Again,US\n' >"$t/bad/entities.csv"
printf '[policy]\nstrict = true\n' >"$t/strict.conf"
rm -f "$t/bad.snap"
if timeout 120 mpirun -n 2 "$veud" build --mpi --data "$t/bad" --config "$t/strict.conf" \
  --out "$t/bad.snap" >"$t/log" 2>&1; then
  fail "a build of a bad dataset succeeded"
fi
grep -q "entities.csv" "$t/log" || { cat "$t/log" >&2; fail "the error does not name the file"; }
[ ! -e "$t/bad.snap" ] || fail "a failed MPI build left a snapshot"
echo "mpi.sh: ok"
