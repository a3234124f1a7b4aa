#!/usr/bin/env bash
# make bench: Interloom beside its peers in one run of ../shared/bench, then our own
# micro-benchmarks. Every load goes to 127.0.0.1 and is bounded by its duration.
#
#   scripts/bench.sh [ARGS for bench.sh, e.g. --duration 5s --peers nodered]
#
# Environment: BENCH_SRC (default ../shared/bench), BENCH_JSON (default docs/bench.json),
# BENCH_PORT (default 8080), SINK_PORT (default 9100), BENCH_WORKERS (serve's worker
# processes, default 1; the table's rows then say interloom-2w), BENCH_MICRO (0: skip our
# micro-benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin="$root/.venv/bin"
src=${BENCH_SRC:-../shared/bench}
json=${BENCH_JSON:-docs/bench.json}
port=${BENCH_PORT:-8080}
workers=${BENCH_WORKERS:-1}
row=interloom; [ "$workers" -gt 1 ] && row="interloom-${workers}w"
export SINK_PORT=${SINK_PORT:-9100}
export SINK_URL="http://127.0.0.1:$SINK_PORT/ingest"

[ -d "$src" ] || { echo "bench: $src not found" >&2; exit 1; }
# The shared kit writes into its own folder (.peers/); run a copy when it is read-only.
probe="$src/.bench-write-test.$$"
if (: >"$probe") 2>/dev/null; then
  rm -f "$probe"; kit=$(cd "$src" && pwd)
else
  kit="$root/.interloom/bench"
  echo "bench: $src is not writable; running from a copy in $kit" >&2
  mkdir -p "$kit"; chmod -R u+w "$kit"; cp -R "$src/." "$kit/"; chmod -R u+w "$kit"
fi
bash "$kit/setup-peers.sh"

rm -rf examples/bench/.interloom  # a fresh message store for every run
log="$root/.interloom/bench-server.log"
mkdir -p "$(dirname "$log")" "$(dirname "$json")"
"$bin/interloom" --project examples/bench --log-level warning serve --port "$port" --workers "$workers" --no-watch \
  >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "bench: server not ready" >&2; cat "$log" >&2; exit 1; }

case $json in /*) out=$json ;; *) out=$root/$json ;; esac
bash "$kit/bench.sh" --json "$out" \
  --target "w1:$row=http://127.0.0.1:$port/orders" \
  --target "w1-durable:$row-durable=http://127.0.0.1:$port/orders/durable" "$@"
kill "$server"; wait "$server" 2>/dev/null || true; trap - EXIT

# Our own micro-benchmarks: each prints one line and writes its JSON beside the peers' table.
[ "${BENCH_MICRO:-1}" = 0 ] && exit 0
for script in benchmarks/*_bench.py; do
  [ -f "$script" ] || continue
  name=$(basename "$script" _bench.py)
  "$bin/python" "$script" --json "$root/docs/bench-$name.json"
done
