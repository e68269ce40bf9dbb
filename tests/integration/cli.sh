#!/usr/bin/env bash
# The command line of SPEC section 5 for the builder: `veud build` and
# `veud --check`, their exit codes (0, 65 for a dataset that cannot be
# built, 64 for usage, 78 for configuration) and what they print.
set -u
VEUD=${1:?usage: cli.sh VEUD SNAPQ SAMPLE_DIR}
SNAPQ=${2:?}
SAMPLE=${3:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # name, expected exit code, command...
  local name=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $got, expected $want"; cat "$tmp/out" "$tmp/err"; fi
}
contains() { # name, file, text
  if grep -qF -- "$3" "$2"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $1: '$3' not in output:"; cat "$2"; fi
}

check version 0 "$VEUD" --version
contains version "$tmp/out" "veud "
check help 0 "$VEUD" --help
contains help "$tmp/out" "veud build"
check bad-flag 64 "$VEUD" --no-such-flag
check build-needs-out 64 "$VEUD" build --data "$SAMPLE"
# the history worker is the server's: --worker elsewhere, or without its socket, says so
check worker-not-build 64 "$VEUD" build --worker --data "$SAMPLE" --out "$tmp/w.snap"
contains worker-not-build "$tmp/err" "--worker is for veud history"
check worker-needs-socket 64 sh -c '"$0" history --worker 3</dev/null 4</dev/null' "$VEUD"
contains worker-needs-socket "$tmp/err" "descriptor 4 is not the server's socket"

check check-sample 0 "$VEUD" --check --data "$SAMPLE"
contains check-sample "$tmp/out" "result: ok"
contains check-sample "$tmp/out" "entities 477"

check build-sample 0 "$VEUD" build --data "$SAMPLE" --out "$tmp/s.snap"
contains build-log "$tmp/err" "<6>build: done"
check snapshot-answers 0 "$SNAPQ" "$tmp/s.snap" co:pierburg
contains snapshot-answers "$tmp/out" '"verdict":"deny"'

mkdir "$tmp/bad"
printf 'id,name\nA,Alpha\nA,Again\n' >"$tmp/bad/entities.csv"
check check-bad 65 "$VEUD" --check --data "$tmp/bad"
contains check-bad "$tmp/out" "entities.csv:3: column 'id': duplicate entity id 'A'"
check build-bad 65 "$VEUD" build --data "$tmp/bad" --out "$tmp/bad.snap"
contains build-bad "$tmp/err" "<3>build failed"
[ ! -e "$tmp/bad.snap" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: a failed build left a snapshot"; }

mkdir "$tmp/skips"
printf 'id,name\nA,Alpha\nB,Beta\n' >"$tmp/skips/entities.csv"
printf 'owner_id,owned_id,percent\nA,B,150\nA,Z,10\n' >"$tmp/skips/ownership.csv"
check check-skips 0 "$VEUD" --check --data "$tmp/skips"
contains check-skips "$tmp/out" "ownership.csv:2: column 'percent': percent '150' is outside (0, 100]"
contains check-skips "$tmp/out" "ownership.csv:3: column 'owned_id': unknown entity id 'Z'"
contains check-skips "$tmp/out" "skipped rows 2"
check check-strict 65 "$VEUD" --check --strict --data "$tmp/skips"

printf '[policy]\nstrict = true\n' >"$tmp/strict.conf"
check config-strict 65 "$VEUD" --check --config "$tmp/strict.conf" --data "$tmp/skips"
printf '[policy]\ncontrol_threshold = lots\n' >"$tmp/bad.conf"
check config-bad 78 "$VEUD" --check --config "$tmp/bad.conf" --data "$SAMPLE"
contains config-bad "$tmp/err" "bad.conf:2: key 'control_threshold'"
check check-missing-dir 65 "$VEUD" --check --data "$tmp/nonexistent"
contains check-missing-dir "$tmp/out" "cannot open the data directory"

# no silent clearance (SPEC sections 2 and 8): percent spellings read, unreadable ones kept as
# unknown stakes, a listing of a missing id warned, and --check's "could clear a buyer" section
mkdir "$tmp/edges"
printf 'id,name,country\nA,Alpha,DE\nB,Beta,DE\nC,Gamma,DE\nX,Seed,US\nH,Home,CN\n' >"$tmp/edges/entities.csv"
printf 'entity_id,designation,source\nX,Defense,SIPRI\nX,military,DoD 1260H\nH,defense,SIPRI\nGONE,defense,SIPRI\n' \
  >"$tmp/edges/designations.csv"
printf 'owner_id,owned_id,percent\nX,A,50%%\nX,B,"12,5"\nX,C,about half\n' >"$tmp/edges/ownership.csv"
check check-edges 0 "$VEUD" --check --data "$tmp/edges"
contains check-edges "$tmp/out" "ownership.csv:2: column 'percent': percent '50%' read as 50"
contains check-edges "$tmp/out" "ownership.csv:4: column 'percent': percent 'about half' of 'X' in 'C' cannot be read"
contains check-edges "$tmp/out" "designations.csv:5: column 'entity_id': 'GONE' is designated defense but is not in the data"
contains check-edges "$tmp/out" "could clear a buyer:"
contains check-edges "$tmp/out" "stakes of unknown size (add nothing to any sum): 1, of which 1 had a percent that could not be read"
contains check-edges "$tmp/out" "designations naming ids the data lacks: 1"
contains check-edges "$tmp/out" "no seed under the policy (designated_not_seed): 1"
contains check-edges "$tmp/out" "skipped rows 0"
check build-edges 0 "$VEUD" build --data "$tmp/edges" --out "$tmp/e.snap"
check edges-majority 0 "$SNAPQ" "$tmp/e.snap" A
contains edges-majority "$tmp/out" '"verdict":"deny"'
check edges-unknown 0 "$SNAPQ" "$tmp/e.snap" C
contains edges-unknown "$tmp/out" '"possibly_defense_controlled"'
check edges-home 0 "$SNAPQ" "$tmp/e.snap" H
contains edges-home "$tmp/out" '"designated_not_seed"'
check edges-lists 0 "$SNAPQ" "$tmp/e.snap" X
contains edges-lists "$tmp/out" "designated defense and military by 'SIPRI; DoD 1260H'"
printf 'entity_id,designation\nX,pirate\n' >"$tmp/edges/designations.csv"
check check-bad-word 65 "$VEUD" --check --data "$tmp/edges"
contains check-bad-word "$tmp/out" "designations.csv:2: column 'designation': designation 'pirate'"
mkdir "$tmp/empty"
printf 'id,name\n' >"$tmp/empty/entities.csv"
check check-empty 65 "$VEUD" --check --data "$tmp/empty"
contains check-empty "$tmp/out" "no entity was read"

# seed_lists: only the lists a policy names make seeds; the others are said (SPEC section 10)
mkdir "$tmp/lists"
printf 'id,name,country\nX,Ex,US\nY,Why,US\nA,Ay,DE\nB,Bee,DE\n' >"$tmp/lists/entities.csv"
printf 'entity_id,designation,source,list\nX,defense,BIS Entity List,us-bis-entity\nY,defense,SIPRI,sipri-top100\n' \
  >"$tmp/lists/designations.csv"
printf 'owner_id,owned_id,percent\nX,A,60\nY,B,60\n' >"$tmp/lists/ownership.csv"
check build-lists 0 "$VEUD" build --policy seed_lists=us-bis-entity --data "$tmp/lists" --out "$tmp/l.snap"
check lists-selected 0 "$SNAPQ" "$tmp/l.snap" A
contains lists-selected "$tmp/out" '"verdict":"deny"'
check lists-left-out 0 "$SNAPQ" "$tmp/l.snap" B
contains lists-left-out "$tmp/out" '"verdict":"standard"'
check lists-said 0 "$SNAPQ" "$tmp/l.snap" Y
contains lists-said "$tmp/out" "by 'SIPRI [sipri-top100]'"
contains lists-said "$tmp/out" '"designated_not_seed"'
# files as users have them: found by their content, and said so
mkdir "$tmp/named"
printf 'ID,Name,country\nX,Ex,US\nA,Ay,DE\n' >"$tmp/named/kek-entities.csv"
printf 'owner_id,owned_id,percent\nX,A,60\n' >"$tmp/named/stakes 2026.csv"
printf '{"id":"f1","schema":"Company","properties":{"name":["Eff"]}}\n' >"$tmp/named/export.ftm.json"
check check-named 0 "$VEUD" --check --data "$tmp/named"
contains check-named "$tmp/out" "read kek-entities.csv as entities (found by its header)"
contains check-named "$tmp/out" "read stakes 2026.csv as ownership (found by its header)"
contains check-named "$tmp/out" "read export.ftm.json as FollowTheMoney, 1 records"
printf 'id;name\nY;Why\n' >"$tmp/named/semi.csv"
check check-semicolon 65 "$VEUD" --check --data "$tmp/named"
contains check-semicolon "$tmp/out" "semi.csv:1: the header is separated by ';', not ','"
printf '[policy]\nseed_lists = us bis\n' >"$tmp/badlists.conf"
check config-bad-lists 78 "$VEUD" --check --config "$tmp/badlists.conf" --data "$tmp/lists"

# control without ownership under ofac: review, never a quiet standard
mkdir "$tmp/cw"
printf 'id,name,country\nX,Seed,US\nA,Alpha,DE\nB,Beta,DE\n' >"$tmp/cw/entities.csv"
printf 'entity_id,designation\nX,defense\n' >"$tmp/cw/designations.csv"
printf 'owner_id,owned_id,percent,kind\nX,A,,control\nA,B,100,\n' >"$tmp/cw/ownership.csv"
printf '[policy]\nregime = ofac\n' >"$tmp/ofac.conf"
check check-cw 0 "$VEUD" --check --config "$tmp/ofac.conf" --data "$tmp/cw"
contains check-cw "$tmp/out" "(control_without_ownership, review): 2"
check build-cw 0 "$VEUD" build --config "$tmp/ofac.conf" --data "$tmp/cw" --out "$tmp/cw.snap"
check cw-answer 0 "$SNAPQ" "$tmp/cw.snap" B
contains cw-answer "$tmp/out" '"verdict":"review"'
contains cw-answer "$tmp/out" '"code":"control_without_ownership"'

# veud diff: what changed between two snapshot files (SPEC section 9)
mkdir "$tmp/d1"
printf 'id,name,country\nX,Seed,US\nA,Alpha,DE\nB,Beta,DE\nC,Gamma,DE\n' >"$tmp/d1/entities.csv"
printf 'entity_id,designation\nX,defense\n' >"$tmp/d1/designations.csv"
printf 'owner_id,owned_id,percent\nX,A,60\nX,B,5\n' >"$tmp/d1/ownership.csv"
check diff-build-1 0 "$VEUD" build --data "$tmp/d1" --out "$tmp/d1.snap"
printf 'owner_id,owned_id,percent\nX,A,60\nX,B,55\n' >"$tmp/d1/ownership.csv"
printf 'id,name,country\nX,Seed,US\nA,Alpha,DE\nB,Beta,DE\nD,Delta,DE\n' >"$tmp/d1/entities.csv"
check diff-build-2 0 "$VEUD" build --data "$tmp/d1" --out "$tmp/d2.snap"
check diff 0 "$VEUD" diff "$tmp/d1.snap" "$tmp/d2.snap"
[ "$(wc -l <"$tmp/out")" -eq 3 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL diff: want 3 lines"; cat "$tmp/out"; }
contains diff "$(head -1 "$tmp/out" >"$tmp/first"; echo "$tmp/first")" '"entity":{"id":"B","name":"Beta"},"before":{"verdict":"standard","codes":[]},"after":{"verdict":"deny"'
contains diff "$tmp/out" '"entity":{"id":"C","name":"Gamma"},"before":{"verdict":"standard","codes":[]},"after":null'
contains diff "$tmp/out" '"entity":{"id":"D","name":"Delta"},"before":null'
check diff-same 0 "$VEUD" diff "$tmp/d1.snap" "$tmp/d1.snap"
[ ! -s "$tmp/out" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL diff-same printed"; cat "$tmp/out"; }
check diff-not-a-snapshot 65 "$VEUD" diff "$tmp/d1.snap" "$tmp/d1/entities.csv"

# the same data builds the same bytes (after the header, which holds the build's time):
# no uninitialised padding reaches the file, dated rows and their history included
mkdir "$tmp/dated"
printf 'id,name\nA,Alpha\nB,Beta\nC,Gamma\nD,Delta\n' >"$tmp/dated/entities.csv"
printf 'entity_id,designation,source,listed_on\nA,defense,list,2020-01-01\n' >"$tmp/dated/designations.csv"
{
  printf 'owner_id,owned_id,percent,kind,start_date,end_date\n'
  for i in $(seq 1 40); do printf 'A,B,%d,,2020-01-%02d,2021-01-01\nB,C,60,,,\nC,D,,control,2019-05-01,\n' $((i + 10)) $((i % 28 + 1)); done
} >"$tmp/dated/ownership.csv"
printf 'supplier_id,customer_id,product,start_date\nD,A,magnets,2022-02-02\nC,B,,\n' >"$tmp/dated/supply.csv"
check build-dated-1 0 "$VEUD" build --data "$tmp/dated" --out "$tmp/d1.snap" --as-of 2020-06-01
check build-dated-2 0 "$VEUD" build --data "$tmp/dated" --out "$tmp/d2.snap" --as-of 2020-06-01
if cmp -s <(tail -c +4097 "$tmp/d1.snap") <(tail -c +4097 "$tmp/d2.snap"); then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: two builds of the same data differ: $(cmp <(tail -c +4097 "$tmp/d1.snap") <(tail -c +4097 "$tmp/d2.snap"))"; fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
