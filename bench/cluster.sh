#!/usr/bin/env bash
# Cross-node delivery on a cluster, against one node, in one run: bench/ChatBench drives one room
# on (1) one node on SQLite, (2) one node on Postgres, (3) two nodes on Postgres with senders on the
# first and every receiver on the second, so each delivery crosses nodes through LISTEN/NOTIFY and a
# read of the messages table. Each at a light load (1 sender, 10 receivers: latency) and a heavy one
# (8 senders as fast as acks allow, 100 receivers: throughput).
#
#   bash bench/cluster.sh [--seconds 10]
#
# Starts a throwaway Postgres (Debian's binaries, a temp folder, a free loopback port) and stops it
# on exit. Writes the figures to stdout and to bench/cluster-results.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--seconds 10)

BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$BIN/initdb" ] || { echo "cluster.sh: Postgres is not installed (apt-get install postgresql)" >&2; exit 1; }
PG="$(mktemp -d "${TMPDIR:-/tmp}/chatbench-pg.XXXXXX")"
AS=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG"; AS=(runuser -u postgres --); fi
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cleanup() {
  "${AS[@]}" "$BIN/pg_ctl" -D "$PG/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG"
}
trap cleanup EXIT
"${AS[@]}" "$BIN/initdb" -D "$PG/data" -U postgres --auth=trust --no-locale -E UTF8 >/dev/null
"${AS[@]}" "$BIN/pg_ctl" -D "$PG/data" -w -l "$PG/log" -o "-p $PORT -k $PG -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
createdb() { (cd "$PG" && "${AS[@]}" "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -c "CREATE DATABASE $1"); }

(cd "$ROOT" && timeout 600 dotnet build -c Release bench/ChatBench -nologo -v quiet >/dev/null)
BENCH="$ROOT/bench/ChatBench/bin/Release/net10.0/ChatBench.dll"
OUT="$HERE/cluster-results.md"
{
  echo "# Cluster delivery: one room, $(printf '%s ' "${ARGS[@]}")"
  echo
  echo "With two nodes, senders are on node 0 and every receiver on node 1."
  echo
  echo "Written by \`bench/cluster.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ); $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); Postgres $("$BIN/postgres" --version | awk '{print $3}') with default settings (fsync on); every node and the load generator share one process and these cores."
  echo
} >"$OUT"
run() { # title args...
  local title="$1"
  shift
  echo "== $title" | tee -a "$OUT"
  echo '```' >>"$OUT"
  timeout 300 dotnet "$BENCH" "${ARGS[@]}" "$@" | tee -a "$OUT"
  echo '```' >>"$OUT"
  echo >>"$OUT"
}
db=0
for load in "--senders 1 --receivers 10" "--senders 8 --receivers 100"; do
  read -r -a LOAD <<<"$load"
  run "one node, SQLite ($load)" "${LOAD[@]}"
  for nodes in 1 2; do
    db=$((db + 1))
    createdb "bench$db"
    run "$nodes node(s), Postgres ($load)" "${LOAD[@]}" --postgres "Host=127.0.0.1;Port=$PORT;Username=postgres;Database=bench$db" --nodes "$nodes"
  done
done
echo "wrote $OUT"
