#!/usr/bin/env bash
# Login abuse, measured: bench/node/authflood.js against our server with its defaults (throttling
# and the bound on concurrent hashing), against the same build with the throttling allowances made
# unlimited (only the hashing bound left), and, with BENCH_OURS_BEFORE=DIR, against an earlier
# build, one after another in one run, with the production PBKDF2 cost (210,000 iterations).
# Writes bench/auth-results.md (and the JSON lines in bench/auth-results.jsonl).
#
#   BENCH_OURS_DIR=DIR      the ChatService.dll to run (default: publish one to ChatService/bin/bench)
#   BENCH_OURS_BEFORE=DIR   also run this build (never built here), as target ours-before
#   BENCH_FLOODS=64 BENCH_FLOOD_SECONDS=10
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
NODE_DIR="$ROOT/bench/node"
OURS_DIR="${BENCH_OURS_DIR:-$ROOT/ChatService/bin/bench}"
BEFORE_DIR="${BENCH_OURS_BEFORE:-}"
FLOODS="${BENCH_FLOODS:-64}"
FLOOD_SECONDS="${BENCH_FLOOD_SECONDS:-10}"
WORK="$(mktemp -d /tmp/chatgrpc-auth.XXXXXX)"
RESULTS="$ROOT/bench/auth-results.jsonl"
log() { echo "[auth $(date +%T)] $*" >&2; }
# shellcheck source=bench/ours-server.sh
. "$ROOT/bench/ours-server.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT

publish_ours "$OURS_DIR"
[ -d "$NODE_DIR/node_modules" ] || (cd "$NODE_DIR" && npm ci --no-audit --no-fund >&2)

run_target() { # label dir [VAR=value...]
  local label="$1" dir="$2"
  shift 2
  start_ours "$label" "$dir" "$@"
  timeout 300 node "$NODE_DIR/authflood.js" --address="127.0.0.1:$SERVER_PORT" --label="$label" \
    --floods="$FLOODS" --seconds="$FLOOD_SECONDS" >>"$RESULTS"
  stop_server
}

: >"$RESULTS"
run_target ours "$OURS_DIR"
run_target ours-hash-bound-only "$OURS_DIR" \
  CHAT_Auth__AccountFailures__Burst=100000000 CHAT_Auth__AddressFailures__Burst=100000000
if [ -n "$BEFORE_DIR" ]; then
  run_target ours-before "$BEFORE_DIR"
fi

node - "$RESULTS" "$FLOODS" "$FLOOD_SECONDS" "$(nproc)" >"$ROOT/bench/auth-results.md" <<'EOF'
const fs = require('fs');
const [file, floods, seconds, cores] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const f = (v) => (v === null || v === undefined ? '-' : String(v));
const out = [];
out.push('# Login abuse (bench/auth.sh)', '');
out.push(`One run, ${new Date().toISOString().slice(0, 10)}, ${cores} cores shared by the server and the load generator; PBKDF2 at the production 210,000 iterations.`);
out.push(`Flood: ${floods} concurrent loops of wrong-password logins for one account for ${seconds} s, each loop on its own connection.`);
out.push('Reader: History every 20 ms on its own connection, and a Connect stream receiving 20 msg/s from another user.', '');
out.push('| target | wrong password, median ms | unknown name, median ms | ratio | History p99 before / during flood, ms | delivery p99 before / during flood, ms | flood answers |');
out.push('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const answers = Object.entries(r.flood.floodAnswers).map(([k, v]) => `${k} ${v}`).join(', ');
  out.push(`| ${r.label} | ${f(r.timing.wrongPasswordMedianMs)} | ${f(r.timing.unknownUserMedianMs)} | ${f(r.timing.ratio)}x | ${f(r.baseline.unaryP99Ms)} / ${f(r.flood.unaryP99Ms)} | ${f(r.baseline.deliveryP99Ms)} / ${f(r.flood.deliveryP99Ms)} | ${answers} |`);
}
out.push('', 'Goals (issue 15): wrong password and unknown name within 1.5x; during the flood History p99 under 50 ms and delivery p99 under 100 ms.');
process.stdout.write(out.join('\n') + '\n');
EOF
cat "$ROOT/bench/auth-results.md"
