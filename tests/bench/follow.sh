#!/usr/bin/env bash
# Followers at size: a producer's new generation of N entities is renamed
# into a directory that two followers share; the time from the rename until
# each serves it (polled with `stats` every 5 ms), for RUNS generations, and
# the medians.  The snapshot is first written under a temporary name beside
# the directory and renamed in, as a producer shipping files does.
#
#   tests/bench/follow.sh [ENTITIES]     (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
RUNS=${RUNS:-5}
cmake --build build -j "$(nproc)" --target veud veu-gen >/dev/null
. tests/bench/lib.sh
bench_registry "$N"
run="$B/follow-$N"
rm -rf "$run" && mkdir -p "$run/shared" "$run/a" "$run/b"
build/daemon/veud build --data "$d" --generation 1 --out "$run/shared/veud-1.snap" 2>/dev/null
for f in a b; do
  build/daemon/veud --follow --data "$d" --state "$run/shared" --socket "$run/$f/s.sock" \
    2>"$run/$f/log" &
done
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
for f in a b; do until grep -q "generation 1 serving" "$run/$f/log"; do sleep 0.1; done; done
python3 - "$run" "$RUNS" "$d" <<'PY'
import json, os, socket, statistics, subprocess, sys, time
run, runs, data = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def gen(f):
    s = socket.socket(socket.AF_UNIX); s.connect(f"{run}/{f}/s.sock")
    s.sendall(b"stats\n"); buf = b""
    while not buf.endswith(b"\n"):
        buf += s.recv(1 << 16)
    s.close(); return json.loads(buf)["result"]["generation"]
lat = {"a": [], "b": []}
for g in range(2, runs + 2):
    tmp = f"{run}/veud-{g}.snap.incoming"
    subprocess.run(["build/daemon/veud", "build", "--data", data, "--generation", str(g),
                    "--out", tmp], check=True, stderr=subprocess.DEVNULL)
    t0 = time.monotonic(); os.rename(tmp, f"{run}/shared/veud-{g}.snap")
    left = {"a", "b"}
    while left and time.monotonic() - t0 < 30:
        for f in list(left):
            if gen(f) == g:
                lat[f].append(time.monotonic() - t0); left.discard(f)
        time.sleep(0.005)
print("| follower | median from rename to serving (ms) | slowest (ms) |")
print("|---|---:|---:|")
for f in "ab":
    print(f"| {f} | {statistics.median(lat[f]) * 1000:.0f} | {max(lat[f]) * 1000:.0f} |")
PY
ls -l "$run/shared/veud-2.snap" | awk '{printf "snapshot: %.0f MiB\n", $5 / 1048576}'
