#!/usr/bin/env bash
# Benchmark of `search`: latency with one client, one request in flight, for
# names as they are in the registry, the same names lower-cased without
# their legal form, and with one letter changed (the trigram path), against
# redis-server GET of a typical answer on the same kind of socket in the
# same run; medians of RUNS runs.  Also prints the name index's size from
# the build log.  Run on demand:
#
#   tests/bench/search.sh [ENTITIES]     (default 1000000)
#
# Needs redis-server (apt-get install redis-server) and a build in ./build.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
RUNS=${RUNS:-3}
SECS=${SECS:-4}
cmake --build build -j "$(nproc)" --target veud veu-gen veu-loadgen veu-searchtime >/dev/null
. tests/bench/lib.sh
bench_registry "$N"
# the snapshot beside the registry, made by this build: its log line states the index
build/daemon/veud build --data "$d" --out "$d.snap" 2>&1 | grep -o "names: .*"
ls -l "$d.snap" | awk '{printf "snapshot: %.1f MiB\n", $5 / 1048576}'
bench_pair "$B/search-$N"

# 10,000 names spread over the registry, in three spellings
python3 - "$d/entities.csv" "$run" "$N" <<'PY'
import csv, random, sys
src, run, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
step = max(1, n // 10000)
names = [r['name'] for i, r in enumerate(csv.DictReader(open(src, encoding='utf-8'))) if i % step == 0][:10000]
forms = {'gmbh', 'inc', 'ltd', 'llc', 's.a.', 'ag', 'co.,', 'plc', 's.p.a.', 'b.v.'}
rnd = random.Random(1)
def bare(s):
    return ' '.join(w for w in s.lower().split() if w not in forms)
def typo(s):
    w = s.split()
    i = max(range(len(w)), key=lambda k: len(w[k]))
    p = rnd.randrange(1, len(w[i]) - 1)
    w[i] = w[i][:p] + 'y' + w[i][p + 1:]
    return ' '.join(w)
for kind, f in (('exact', lambda s: s), ('bare', bare), ('typo', typo)):
    open(f'{run}/{kind}', 'w').write('\n'.join(f(s) for s in names) + '\n')
PY
# the same names through the library alone (no socket, no JSON): the search's own cost
for kind in exact bare typo; do
  echo "in-process $kind: $(build/tests/bench/veu-searchtime "$d.snap" "$run/$kind" 5)"
done
answer=$(head -1 "$run/exact" | sed 's/^/search /' | build/daemon/veud query --socket "$sock")
printf '%s' "$answer" | redis-cli -s "$rsock" -x SET veu >/dev/null
echo "graph: $N entities; $RUNS runs of $SECS s, medians; 1 client, 1 in flight"
echo
printf '| names | veud req/s | redis req/s | veud / redis | veud p50 us | veud p99 us | redis p99 us |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
for kind in exact bare typo; do
  vr=() rr=() v50=() v99=() r99=()
  for ((i = 0; i < RUNS; i++)); do
    v=$(LOADGEN_OP=search build/tests/bench/veu-loadgen veud "$sock" 1 1 "$SECS" "$run/$kind")
    r=$(build/tests/bench/veu-loadgen redis "$rsock" 1 1 "$SECS" veu)
    vr+=("$(echo "$v" | field rps)") v50+=("$(echo "$v" | field p50_us)") v99+=("$(echo "$v" | field p99_us)")
    rr+=("$(echo "$r" | field rps)") r99+=("$(echo "$r" | field p99_us)")
    [ "$(echo "$v" | field errors)" = 0 ] || echo "veud errors: $v" >&2
  done
  mv=$(printf '%s\n' "${vr[@]}" | median) mr=$(printf '%s\n' "${rr[@]}" | median)
  printf '| %s | %.0f | %.0f | %.2f | %s | %s | %s |\n' "$kind" "$mv" "$mr" \
    "$(echo "$mv / $mr" | bc -l)" "$(printf '%s\n' "${v50[@]}" | median)" \
    "$(printf '%s\n' "${v99[@]}" | median)" "$(printf '%s\n' "${r99[@]}" | median)"
done
