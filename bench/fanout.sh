#!/usr/bin/env bash
# Fan-out cost at a fixed rate, build against build: bench/node/loadgen.js's fan-out scenario (one
# sender into a room of BENCH_FANOUT_MEMBERS, default 1000) at BENCH_FANOUT_RATE msg/s (30) for
# BENCH_FANOUT_SECONDS (10) after a 3 s warm-up, on a fresh server each time, with the settings
# bench/run.sh uses. Ours, each of BENCH_FANOUT_VARIANTS ("name:VAR=value,VAR=value ...": ours with
# those environment variables), each of BENCH_FANOUT_BUILDS ("name:DIR ...": other published builds)
# and BENCH_OURS_BEFORE alternate, BENCH_FANOUT_ROUNDS (3) times. A
# fixed rate (not run.sh's search) gives every build the same work, so CPU per delivery and latency
# compare directly. Writes bench/fanout-results.md and bench/fanout-results.jsonl
# (BENCH_RESULTS=NAME writes bench/NAME.md / .jsonl instead).
#
#   BENCH_OURS_DIR=DIR BENCH_OURS_BEFORE=DIR bash bench/fanout.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
NODE_DIR="$ROOT/bench/node"
OURS_DIR="${BENCH_OURS_DIR:-$ROOT/ChatService/bin/bench}"
MEMBERS="${BENCH_FANOUT_MEMBERS:-1000}"
RATE="${BENCH_FANOUT_RATE:-30}"
SECONDS_PER_RUN="${BENCH_FANOUT_SECONDS:-10}"
ROUNDS="${BENCH_FANOUT_ROUNDS:-3}"
NAME="${BENCH_RESULTS:-fanout-results}"
WORK="$(mktemp -d /tmp/chatgrpc-fanout.XXXXXX)"
RESULTS="$ROOT/bench/$NAME.jsonl"
log() { echo "[fanout $(date +%T)] $*" >&2; }
# shellcheck source=bench/ours-server.sh
. "$ROOT/bench/ours-server.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

publish_ours "$OURS_DIR"
[ -d "$NODE_DIR/node_modules" ] || (cd "$NODE_DIR" && npm ci --no-audit --no-fund >&2)

run_build() { # label dir round [VAR=value...]
  local label="$1" dir="$2" round="$3"
  shift 3
  start_ours "$label" "$dir" CHAT_Auth__PasswordIterations=1000 CHAT_Auth__PasswordHashQueue=100000 \
    CHAT_Chat__JoinRate__PerSecond=100000 CHAT_Chat__JoinRate__Burst=100000 CHAT_Chat__MaxConnectionsPerUser=1000000 \
    CHAT_Chat__SendRate__PerSecond=100000 CHAT_Chat__SendRate__Burst=100000 "$@"
  node "$NODE_DIR/loadgen.js" --target=ours --port="$SERVER_PORT" --server-pid="$SERVER_PID" --label="$label" --run="$round" \
    --metrics-url="http://127.0.0.1:$SERVER_WEB_PORT/metrics" \
    --scenario=fanout --members="$MEMBERS" --rate="$RATE" --seconds="$SECONDS_PER_RUN" --warmup-s=3 2>>"$WORK/loadgen.log" \
    | node -e "const r=JSON.parse(require('fs').readFileSync(0,'utf8'));r.target='$label';console.log(JSON.stringify(r))" >>"$RESULTS"
  stop_server
}

: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  run_build ours "$OURS_DIR" "$round"
  for variant in ${BENCH_FANOUT_VARIANTS:-}; do
    IFS=',' read -r -a settings <<<"${variant#*:}"
    run_build "${variant%%:*}" "$OURS_DIR" "$round" "${settings[@]}"
  done
  for build in ${BENCH_FANOUT_BUILDS:-}; do run_build "${build%%:*}" "${build#*:}" "$round"; done
  if [ -n "${BENCH_OURS_BEFORE:-}" ]; then run_build ours-before "$BENCH_OURS_BEFORE" "$round"; fi
done

node - "$RESULTS" "$MEMBERS" "$RATE" "$SECONDS_PER_RUN" "$ROUNDS" >"$ROOT/bench/$NAME.md" <<'EOF_NODE'
const fs = require('fs');
const [file, members, rate, seconds, rounds] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2; };
const targets = [...new Set(rows.map((r) => r.target))];
const measures = [
  ['server CPU per delivery, µs', 'server_cpu_us_per_delivery', 2],
  ['server CPU, % of one core', 'server_cpu_pct', 0],
  ['stream writes per delivery', 'server_writes_per_delivery', 3],
  ['delivery p50, ms', 'p50_ms', 2],
  ['delivery p99, ms', 'p99_ms', 2],
  ['send -> ack p99, ms', 'ack_p99_ms', 2],
  ['lost', 'lost', 0],
];
const cell = (t, key) => {
  const xs = rows.filter((r) => r.target === t).map((r) => r.result[key]).filter((x) => x !== null && x !== undefined);
  return xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) } : null;
};
const fmt = (c, d) => (c ? `${c.median.toFixed(d)} [${c.min.toFixed(d)}-${c.max.toFixed(d)}]` : '-');
const out = ['# Fan-out at a fixed rate (bench/fanout.sh)', ''];
out.push(`${new Date().toISOString().slice(0, 10)}: one sender into a room of ${members} at ${rate} msg/s for ${seconds} s after a 3 s warm-up, a fresh server per run; builds alternate, ${rounds} rounds; median [min-max].`, '');
out.push(`| measure | ${targets.join(' | ')} |`, `|---|${targets.map(() => '---:').join('|')}|`);
for (const [name, key, d] of measures) out.push(`| ${name} | ${targets.map((t) => fmt(cell(t, key), d)).join(' | ')} |`);
const base = targets.includes('ours-before') ? 'ours-before' : null;
if (base) {
  out.push('', `| ratio to ${base} | ${targets.filter((t) => t !== base).join(' | ')} |`, `|---|${targets.filter((t) => t !== base).map(() => '---:').join('|')}|`);
  for (const [name, key] of measures.slice(0, 5)) {
    out.push(`| ${name} | ${targets.filter((t) => t !== base).map((t) => (cell(t, key) && cell(base, key) ? `${(cell(t, key).median / cell(base, key).median).toFixed(2)}×` : '-')).join(' | ')} |`);
  }
}
process.stdout.write(out.join('\n') + '\n');
EOF_NODE
cat "$ROOT/bench/$NAME.md"
