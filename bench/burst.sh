#!/usr/bin/env bash
# Memory after a burst, measured: bench/node/burst.js opens BENCH_BURST_STREAMS (2000) Connect
# streams on their own connections, drops them all at once with TCP resets, and samples the server's
# RSS and threads for BENCH_BURST_AFTER (60) seconds. One fresh server per target, one after another:
# ours as configured, then each variant in BENCH_BURST_VARIANTS ("label:VAR=value,VAR=value ..."),
# then BENCH_OURS_BEFORE=DIR if set. Writes bench/burst-results.md and bench/burst-results.jsonl.
#
#   BENCH_OURS_DIR=DIR   the ChatService.dll to run (default: publish one to ChatService/bin/bench)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
NODE_DIR="$ROOT/bench/node"
OURS_DIR="${BENCH_OURS_DIR:-$ROOT/ChatService/bin/bench}"
STREAMS="${BENCH_BURST_STREAMS:-2000}"
AFTER="${BENCH_BURST_AFTER:-60}"
WORK="$(mktemp -d /tmp/chatgrpc-burst.XXXXXX)"
RESULTS="$ROOT/bench/burst-results.jsonl"
log() { echo "[burst $(date +%T)] $*" >&2; }
# shellcheck source=bench/ours-server.sh
. "$ROOT/bench/ours-server.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

publish_ours "$OURS_DIR"
[ -d "$NODE_DIR/node_modules" ] || (cd "$NODE_DIR" && npm ci --no-audit --no-fund >&2)

run_target() { # label dir [VAR=value...]
  local label="$1" dir="$2"
  shift 2
  start_ours "$label" "$dir" CHAT_Auth__PasswordIterations=1000 CHAT_Chat__MaxConnectionsPerUser=100000 \
    CHAT_Chat__JoinRate__PerSecond=100000 CHAT_Chat__JoinRate__Burst=100000 "$@"
  timeout $((AFTER + 240)) node "$NODE_DIR/burst.js" --address="127.0.0.1:$SERVER_PORT" --pid="$SERVER_PID" \
    --streams="$STREAMS" --after="$AFTER" --label="$label" >>"$RESULTS"
  stop_server
}

: >"$RESULTS"
run_target ours "$OURS_DIR"
for variant in ${BENCH_BURST_VARIANTS:-}; do
  IFS=',' read -r -a settings <<<"${variant#*:}"
  run_target "${variant%%:*}" "$OURS_DIR" "${settings[@]}"
done
if [ -n "${BENCH_OURS_BEFORE:-}" ]; then
  run_target ours-before "$BENCH_OURS_BEFORE"
fi

node - "$RESULTS" "$STREAMS" "$AFTER" >"$ROOT/bench/burst-results.md" <<'EOF'
const fs = require('fs');
const [file, streams, after] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const at = (r, t) => r.after.find((s) => s.t === t) ?? r.after[r.after.length - 1];
const out = ['# Memory after a burst (bench/burst.sh)', ''];
out.push(`One run, ${new Date().toISOString().slice(0, 10)}: ${streams} Connect streams, each on its own connection and joined to one of 20 rooms, dropped at once with TCP resets; server RSS (MiB) and threads.`, '');
out.push(`| target | before the burst | all open | +10 s | +30 s | +${after} s | +${after} s minus before | threads before / open / +${after} s |`);
out.push('|---|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  const end = at(r, Number(after));
  out.push(`| ${r.label} | ${r.baseline.rssMiB} | ${r.peak.rssMiB} | ${at(r, 10).rssMiB} | ${at(r, 30).rssMiB} | ${end.rssMiB} | ${(end.rssMiB - r.baseline.rssMiB).toFixed(1)} | ${r.baseline.threads} / ${r.peak.threads} / ${end.threads} |`);
}
out.push('', `Goal (issue 15): ${after} s after the drop, RSS within 32 MiB of the figure before the burst.`);
process.stdout.write(out.join('\n') + '\n');
EOF
cat "$ROOT/bench/burst-results.md"
