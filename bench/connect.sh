#!/usr/bin/env bash
# Connect + join CPU, cold and warm: on a fresh server, bench/node/loadgen.js's idle scenario opens
# BENCH_CONNECT_SESSIONS (5000) sessions in rooms of 10 and closes them (cold: what bench/run.sh's
# idle rows measure, the first sessions paying for JIT compilation and tiering), then does the same
# again on the same server (warm: the steady cost of one more session). Ours and BENCH_OURS_BEFORE
# alternate, BENCH_CONNECT_ROUNDS (3) times, with the settings bench/run.sh uses. Writes
# bench/connect-results.md and bench/connect-results.jsonl.
#
#   BENCH_OURS_DIR=DIR BENCH_OURS_BEFORE=DIR bash bench/connect.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
NODE_DIR="$ROOT/bench/node"
OURS_DIR="${BENCH_OURS_DIR:-$ROOT/ChatService/bin/bench}"
SESSIONS="${BENCH_CONNECT_SESSIONS:-5000}"
ROUNDS="${BENCH_CONNECT_ROUNDS:-3}"
WORK="$(mktemp -d /tmp/chatgrpc-connect.XXXXXX)"
RESULTS="$ROOT/bench/connect-results.jsonl"
log() { echo "[connect $(date +%T)] $*" >&2; }
# shellcheck source=bench/ours-server.sh
. "$ROOT/bench/ours-server.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

publish_ours "$OURS_DIR"
[ -d "$NODE_DIR/node_modules" ] || (cd "$NODE_DIR" && npm ci --no-audit --no-fund >&2)

pass() { # label phase round
  node "$NODE_DIR/loadgen.js" --target=ours --port="$SERVER_PORT" --server-pid="$SERVER_PID" --label="$2" --run="$3" \
    --scenario=idle --sessions="$SESSIONS" --room-size=10 --settle-ms=2000 2>>"$WORK/loadgen.log" \
    | node -e "const r=JSON.parse(require('fs').readFileSync(0,'utf8'));r.target='$1';console.log(JSON.stringify(r))" >>"$RESULTS"
}

run_build() { # label dir round [VAR=value...]
  local label="$1" dir="$2" round="$3"
  shift 3
  start_ours "$label" "$dir" CHAT_Auth__PasswordIterations=1000 CHAT_Auth__PasswordHashQueue=100000 \
    CHAT_Chat__JoinRate__PerSecond=100000 CHAT_Chat__JoinRate__Burst=100000 CHAT_Chat__MaxConnectionsPerUser=1000000 "$@"
  pass "$label" cold "$round"
  pass "$label" warm "$round"
  stop_server
}

: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  run_build ours "$OURS_DIR" "$round"
  for variant in ${BENCH_CONNECT_VARIANTS:-}; do
    IFS=',' read -r -a settings <<<"${variant#*:}"
    run_build "${variant%%:*}" "$OURS_DIR" "$round" "${settings[@]}"
  done
  if [ -n "${BENCH_OURS_BEFORE:-}" ]; then run_build ours-before "$BENCH_OURS_BEFORE" "$round"; fi
done

node - "$RESULTS" "$SESSIONS" "$ROUNDS" >"$ROOT/bench/connect-results.md" <<'EOF'
const fs = require('fs');
const [file, sessions, rounds] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2; };
const targets = [...new Set(rows.map((r) => r.target))];
const cell = (t, phase, key) => {
  const xs = rows.filter((r) => r.target === t && r.label === phase && r.ok).map((r) => r[key]);
  return xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) } : null;
};
const out = ['# Connect + join CPU, cold and warm (bench/connect.sh)', ''];
out.push(`${new Date().toISOString().slice(0, 10)}: ${sessions} sessions in rooms of 10 on a fresh server (cold), then ${sessions} more on the same server (warm); builds alternate, ${rounds} rounds; median [min-max] of server CPU per session, µs.`, '');
out.push(`| build | cold | warm | cold - warm, CPU s per server start |`, '|---|---:|---:|---:|');
const fmt = (c) => (c ? `${c.median.toFixed(0)} [${c.min.toFixed(0)}-${c.max.toFixed(0)}]` : '-');
for (const t of targets) {
  const cold = cell(t, 'cold', 'server_cpu_us_per_session');
  const warm = cell(t, 'warm', 'server_cpu_us_per_session');
  out.push(`| ${t} | ${fmt(cold)} | ${fmt(warm)} | ${cold && warm ? (((cold.median - warm.median) * Number(sessions)) / 1e6).toFixed(2) : '-'} |`);
}
if (targets.includes('ours-before')) {
  out.push('', '| ratio to ours-before | cold | warm |', '|---|---:|---:|');
  for (const t of targets.filter((x) => x !== 'ours-before')) {
    const r = (phase) => (cell(t, phase, 'server_cpu_us_per_session').median / cell('ours-before', phase, 'server_cpu_us_per_session').median).toFixed(2);
    out.push(`| ${t} | ${r('cold')}× | ${r('warm')}× |`);
  }
}
process.stdout.write(out.join('\n') + '\n');
EOF
cat "$ROOT/bench/connect-results.md"
