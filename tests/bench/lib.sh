# shellcheck shell=bash
# lib.sh: what the benchmark scripts share; sourced from the top of the tree.

B=${BENCH_DIR:-/tmp/veu-bench}
mkdir -p "$B"

# The median of the numbers on stdin, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The value of NAME=VALUE in loadgen's output line on stdin.
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

# bench_registry N: sets d to the generated registry of N entities, made once.
bench_registry() {
  d="$B/reg-$1"
  [ -f "$d/supply.csv" ] || build/tests/bench/veu-gen "$1" "$d" 1 >/dev/null
}

# bench_snapshot STATE: puts the snapshot build.sh left beside the registry
# $d into the state directory STATE as generation 1.  A hard link, not a copy:
# the page cache keeps the builder's 2 MiB folios (a copy through cp would be
# written in small ones and mapped in 4 KiB pages).
bench_snapshot() {
  ln "$d.snap" "$1/veud-1.snap" 2>/dev/null || cp "$d.snap" "$1/veud-1.snap"
}

# bench_pmd PID: how much of the snapshot process PID maps is mapped with
# 2 MiB pages ("100% of 4868 MiB"), from /proc/PID/smaps.  The kernel maps a
# 2 MiB page only where the page cache holds the file in a 2 MiB folio: the
# builder's writes and veud's own reads make them, but a file evicted and
# then read back with read(2) (cat, cp, a backup) comes back in small folios
# and costs every answer TLB misses (docs/scaling.md).
bench_pmd() {
  awk '/^[0-9a-f]+-[0-9a-f]+ / {m = /\.snap/; next}
       m && /^Rss:/ {r += $2} m && /^FilePmdMapped:/ {p += $2}
       END {printf "%.0f%% of %.0f MiB", r ? 100 * p / r : 0, r / 1024}' "/proc/$1/smaps"
}

# bench_pair RUN: veud serving $d and redis-server, both on Unix sockets in
# the fresh directory RUN, both ready.  A snapshot build.sh left beside the
# registry is served at once.  Sets run, sock, rsock, vpid, rpid; both stop
# when the script exits.
bench_pair() {
  command -v redis-server >/dev/null || { echo "$0: needs redis-server" >&2; exit 1; }
  run=$1
  rm -rf "$run" && mkdir -p "$run/state"
  sock="$run/veud.sock" rsock="$run/redis.sock"
  [ -f "$d.snap" ] && bench_snapshot "$run/state"
  build/daemon/veud --data "$d" --socket "$sock" --state "$run/state" 2>"$run/veud.log" &
  vpid=$!
  redis-server --port 0 --unixsocket "$rsock" --save '' --appendonly no --daemonize no \
    >"$run/redis.log" 2>&1 &
  rpid=$!
  trap 'kill $vpid $rpid 2>/dev/null; wait 2>/dev/null' EXIT
  until grep -qE "generation 1 serving|serving snapshot" "$run/veud.log"; do sleep 0.2; done
  until [ -S "$rsock" ]; do sleep 0.1; done
}
