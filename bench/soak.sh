#!/usr/bin/env bash
# Soak, measured: bench/node/soak.js holds steady sends into many rooms, connection churn and a few
# stalled readers against one server for BENCH_SOAK_MINUTES (30), sampling the server's RSS,
# threads, open handles and CPU, then checks that every acked message reached every member exactly
# once. Not part of CI. Writes bench/soak-results.md (and the JSON line in bench/soak-results.jsonl).
#
#   BENCH_OURS_DIR=DIR   the ChatService.dll to run (default: publish one to ChatService/bin/bench)
#   BENCH_SOAK_MINUTES=30 BENCH_SOAK_ARGS="--rooms=100 --receivers=500 --senders=40 --rate=200 --churn=2 --stalled=4"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
NODE_DIR="$ROOT/bench/node"
OURS_DIR="${BENCH_OURS_DIR:-$ROOT/ChatService/bin/bench}"
MINUTES="${BENCH_SOAK_MINUTES:-30}"
WORK="$(mktemp -d /tmp/chatgrpc-soak.XXXXXX)"
RESULTS="$ROOT/bench/soak-results.jsonl"
log() { echo "[soak $(date +%T)] $*" >&2; }
# shellcheck source=bench/ours-server.sh
. "$ROOT/bench/ours-server.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

publish_ours "$OURS_DIR"
[ -d "$NODE_DIR/node_modules" ] || (cd "$NODE_DIR" && npm ci --no-audit --no-fund >&2)

# Production settings, except a cheap password hash (the soak registers a few hundred users) and
# access tokens that outlive the run (token refresh has its own tests).
start_ours ours "$OURS_DIR" CHAT_Auth__PasswordIterations=1000 CHAT_Auth__AccessTokenLifetime=02:00:00
# shellcheck disable=SC2086
timeout $((MINUTES * 60 + 600)) node "$NODE_DIR/soak.js" --address="127.0.0.1:$SERVER_PORT" --pid="$SERVER_PID" \
  --minutes="$MINUTES" ${BENCH_SOAK_ARGS:-} >"$RESULTS"
stop_server
if grep -qiE 'unhandled|fail|crit' "$WORK/ours.log"; then
  log "the server logged failures:"
  grep -iE 'unhandled|fail|crit' "$WORK/ours.log" | head -20 >&2
fi

node - "$RESULTS" >"$ROOT/bench/soak-results.md" <<'EOF'
const fs = require('fs');
const r = JSON.parse(fs.readFileSync(process.argv[2], 'utf8').trim());
const s = r.samples;
const near = (t) => s.reduce((best, x) => (Math.abs(x.t - t) < Math.abs(best.t - t) ? x : best));
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
const span = (from, to, key) => median(s.filter((x) => x.t >= from && x.t <= to).map((x) => x[key]));
const end = s[s.length - 1].t;
const early = [180, 480]; // minutes 3-8: after warm-up
const late = [end - 300, end];
const out = ['# Soak (bench/soak.sh)', ''];
out.push(`One run, ${new Date().toISOString().slice(0, 10)}, ${r.minutes} minutes: ${r.receivers} receivers (two rooms each), ${r.senders} senders and ${r.stalled} stalled readers (half the rooms each, 150 s of every 180 s not reading) in ${r.rooms} rooms; ${r.rate} messages/s; ${r.churn} connections a second dropped (TCP reset or cancel) and back 0-2 s later, resuming after their last seq or resending unacked sends with the same client_msg_id.`, '');
out.push('| minute | server RSS, MiB | threads | open handles | server CPU, % | sends acked | deliveries | ack p99, ms | delivery p50 / p99, ms |');
out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (let m = 1; m * 60 <= end + 5; m += m < 5 ? 1 : 5) {
  const x = near(m * 60);
  out.push(`| ${m} | ${x.rssMiB} | ${x.threads} | ${x.handles} | ${x.cpuPct} | ${x.acked} | ${x.delivered} | ${x.ackP99 ?? '-'} | ${x.deliveryP50 ?? '-'} / ${x.deliveryP99 ?? '-'} |`);
}
out.push('', '| over the run | minutes 3-8 (median) | last 5 minutes (median) | last ÷ early | max |', '|---|---:|---:|---:|---:|');
for (const [key, name] of [['rssMiB', 'server RSS, MiB'], ['threads', 'threads'], ['handles', 'open handles'], ['cpuPct', 'server CPU, %'], ['deliveryP99', 'delivery p99, ms']]) {
  const a = span(early[0], early[1], key);
  const b = span(late[0], late[1], key);
  out.push(`| ${name} | ${a} | ${b} | ${(b / a).toFixed(2)}× | ${Math.max(...s.map((x) => x[key] ?? 0))} |`);
}
const c = r.counts;
const v = r.verdict;
out.push('', `Traffic: ${c.sent} messages sent, ${c.acked} acked, ${c.delivered} deliveries; ${c.drops} connections dropped by the clients, ${c.cutByServer} stalled readers cut off by the server, ${c.reconnects} reconnects; ${c.resent} resends after drops, ${c.retriedOnPurpose} deliberate retries of acked sends.`);
out.push('', `Stream ends the clients did not cause (gRPC status or reset code: count): ${JSON.stringify(c.ends)}. Per-frame errors: ${JSON.stringify(c.errors)}.`);
out.push('', `Verdict: ${v.ok ? 'pass' : 'FAIL'}: lost ${v.lost}, seen twice ${v.duplicates}, stored twice ${v.storedTwice}, seq holes ${v.seqHoles}, sends never acked ${v.unacked}, wrong text ${v.wrongText}, retries not answered with the stored seq ${v.retryMismatch}, resumes not complete ${v.resumesIncomplete}, members behind at the end ${v.laggingAtEnd}.`);
process.stdout.write(out.join('\n') + '\n');
EOF
cat "$ROOT/bench/soak-results.md"
