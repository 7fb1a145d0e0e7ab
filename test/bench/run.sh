#!/usr/bin/env bash
# run.sh: `make bench` — build an optimised server, start a private stack with the demo data
# (all MusicBrainz genres + the demo bands), run test/bench/bench.py against it, stop it.
# Prints one table of figures; asserts nothing (docs/performance.md says how to read it).
#
#   BENCH_BUILD_DIR   build folder (default build-bench, CMAKE_BUILD_TYPE=Release)
#   BENCH_SECONDS     seconds per wrk run (default 5)
#   BENCH_RUNS        wrk runs per row; the table shows the median and min–max (default 3)
#   BENCH_SKIP_10X=1  skip the ten-times-larger synthetic data set
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$SRC/build-bench}
[[ $BUILD == /* ]] || BUILD=$SRC/$BUILD
STATE=$BUILD/bench-stack

for tool in wrk /usr/bin/python3 nginx; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/setup-debian.sh installs it)" >&2; exit 1; }
done
[ -f "$SRC/app/static/js/graph.bundle.js" ] || (cd "$SRC" && npm run --silent build)
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null

stop() { bash "$SRC/test/lib/stack.sh" stop "$STATE" >/dev/null 2>&1 || true; }
trap stop EXIT
stop
# generous nginx limits for /login (as BENCH_AUTH_LIMIT in bench.py): the login rows measure
# the application; the flood runs once so and once with the limit as shipped. FastCGI over a
# unix socket, as nginx/musicgraph.conf and systemd/musicgraph.socket have it in production,
# with kept FastCGI connections and the production number of workers (one per core).
MUSICGRAPH_WORKERS=${MUSICGRAPH_WORKERS:-0} STACK_FCGI_KEEPALIVE=1 MG_BUILD_DIR=$BUILD STACK_FCGI=unix STACK_DEMO=1 STACK_FRESH=1 STACK_AUTH_RATE=600000r/m STACK_AUTH_BURST=100000 \
	bash "$SRC/test/lib/stack.sh" start "$STATE" >/dev/null
set -a
# shellcheck disable=SC1091
. "$STATE/env"
set +a
export MG_BENCH_STATE=$STATE
/usr/bin/python3 "$SRC/test/bench/bench.py"
