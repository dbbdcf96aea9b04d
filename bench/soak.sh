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
# Live managed heap at half time and a minute before the end, if dotnet-gcdump is installed: RSS can
# grow while garbage waits for a full collection; the live heap shows whether anything is kept. Each
# dump forces a full GC (RSS before and after it is recorded too) and pauses the server briefly.
HEAPS="$ROOT/bench/soak-heaps.jsonl"
: >"$HEAPS"
heap_at() { # seconds-to-wait minute-label
  sleep "$1"
  local before after bytes
  before=$(awk '/VmRSS/{print $2}' "/proc/$SERVER_PID/status")
  dotnet-gcdump collect -p "$SERVER_PID" -o "$WORK/heap.gcdump" >/dev/null 2>&1 || return 0
  after=$(awk '/VmRSS/{print $2}' "/proc/$SERVER_PID/status")
  bytes=$(dotnet-gcdump report "$WORK/heap.gcdump" 2>/dev/null | awk '/GC Heap bytes/{gsub(",","",$1); print $1; exit}')
  printf '{"minute":%s,"liveHeapMiB":%s,"rssBeforeMiB":%s,"rssAfterMiB":%s}\n' "$2" \
    "$(awk "BEGIN{printf \"%.1f\", $bytes/1048576}")" "$((before / 1024))" "$((after / 1024))" >>"$HEAPS"
}
HEAP_PID=""
if command -v dotnet-gcdump >/dev/null && [ "$MINUTES" -ge 4 ]; then
  (heap_at $((MINUTES * 30)) $((MINUTES / 2)) && heap_at $((MINUTES * 30 - 60)) $((MINUTES - 1))) &
  HEAP_PID=$!
fi
# shellcheck disable=SC2086
timeout $((MINUTES * 60 + 600)) node "$NODE_DIR/soak.js" --address="127.0.0.1:$SERVER_PORT" --pid="$SERVER_PID" \
  --minutes="$MINUTES" ${BENCH_SOAK_ARGS:-} >"$RESULTS"
if [ -n "$HEAP_PID" ]; then wait "$HEAP_PID" || true; fi
stop_server
if grep -qiE 'unhandled|fail|crit' "$WORK/ours.log"; then
  log "the server logged failures:"
  grep -iE 'unhandled|fail|crit' "$WORK/ours.log" | head -20 >&2
fi

node "$NODE_DIR/soak-report.js" "$RESULTS" "$HEAPS" >"$ROOT/bench/soak-results.md"
cat "$ROOT/bench/soak-results.md"
