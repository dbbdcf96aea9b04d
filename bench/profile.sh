#!/usr/bin/env bash
# Where the server's CPU goes while sessions connect and join, as a perf profile: each build in turn
# (ours, then BENCH_OURS_BEFORE if set) on a fresh server, with the settings bench/run.sh uses, while
# bench/node/loadgen.js opens BENCH_PROFILE_SESSIONS (5000) idle sessions in rooms of 10. perf
# records only from "opening" to "opened", so registering the users is left out. With
# BENCH_PROFILE_SCENARIO=reconnect it records run.sh's reconnect storm instead, from the drop until
# 99% have resumed; with BENCH_PROFILE_SCENARIO=fanout, one sender into a room of
# BENCH_PROFILE_MEMBERS (1000) at BENCH_PROFILE_RATE (60) msg/s for 10 s, after a 3 s warm-up. ReadyToRun is off
# and the runtime writes a perf map (with W^X off, so perf can attribute JIT code to it), so every
# managed frame has a name; a first unrecorded pass warms the server up.
#
#   BENCH_OURS_DIR=DIR BENCH_OURS_BEFORE=DIR bash bench/profile.sh
#
# Writes $BENCH_PROFILE_OUT (default /tmp/chatgrpc-profile)/LABEL.txt: the hottest symbols, self
# time, and LABEL.callers.txt with their callers; the raw perf.data stays beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
NODE_DIR="$ROOT/bench/node"
OURS_DIR="${BENCH_OURS_DIR:-$ROOT/ChatService/bin/bench}"
SESSIONS="${BENCH_PROFILE_SESSIONS:-5000}"
SCENARIO="${BENCH_PROFILE_SCENARIO:-idle}"
OUT="${BENCH_PROFILE_OUT:-/tmp/chatgrpc-profile}"
WORK="$(mktemp -d /tmp/chatgrpc-prof.XXXXXX)"
log() { echo "[profile $(date +%T)] $*" >&2; }
# shellcheck source=bench/ours-server.sh
. "$ROOT/bench/ours-server.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
command -v perf >/dev/null || { log "perf is not installed (apt-get install linux-perf)"; exit 1; }
mkdir -p "$OUT"

publish_ours "$OURS_DIR"
[ -d "$NODE_DIR/node_modules" ] || (cd "$NODE_DIR" && npm ci --no-audit --no-fund >&2)

profile() { # label dir
  local label="$1" dir="$2" perf_pid i
  start_ours "$label" "$dir" DOTNET_PerfMapEnabled=1 DOTNET_ReadyToRun=0 DOTNET_EnableWriteXorExecute=0 \
    CHAT_Auth__PasswordIterations=1000 CHAT_Auth__PasswordHashQueue=100000 \
    CHAT_Chat__JoinRate__PerSecond=100000 CHAT_Chat__JoinRate__Burst=100000 CHAT_Chat__MaxConnectionsPerUser=1000000 \
    CHAT_Chat__SendRate__PerSecond=100000 CHAT_Chat__SendRate__Burst=100000
  local start_mark="opening" stop_mark="opened in" args=(--scenario=idle --sessions="$SESSIONS" --room-size=10 --settle-ms=1000)
  if [ "$SCENARIO" = fanout ]; then
    start_mark="warm-up rate" stop_mark="step [0-9]* rate"
    args=(--scenario=fanout --members="${BENCH_PROFILE_MEMBERS:-1000}" --rate="${BENCH_PROFILE_RATE:-60}" --seconds=10 --warmup-s=3)
  elif [ "$SCENARIO" = reconnect ]; then
    # The storm: from the moment every session is dropped until 99% have resumed. Opening them first warms the server.
    start_mark="dropped" stop_mark="resumed; publishing"
    args=(--scenario=reconnect --sessions="$SESSIONS" --room-size=10 --rate=500 --warmup-s=3 --after-s=1 --storm-timeout-s=90)
  else
    # A first, unrecorded pass compiles and tiers up the connect path, so the profile shows it, not the JIT.
    node "$NODE_DIR/loadgen.js" --target=ours --port="$SERVER_PORT" --server-pid="$SERVER_PID" --label="warm-$label" \
      --scenario=idle --sessions="$SESSIONS" --room-size=10 --settle-ms=3000 >/dev/null 2>"$WORK/$label.warm"
  fi
  node "$NODE_DIR/loadgen.js" --target=ours --port="$SERVER_PORT" --server-pid="$SERVER_PID" --label="profile-$label" \
    "${args[@]}" >"$WORK/$label.json" 2>"$WORK/$label.loadgen" &
  local loadgen=$!
  for i in $(seq 1 900); do grep -q "$start_mark" "$WORK/$label.loadgen" && break; sleep 0.2; done
  perf record -F 1999 -g -p "$SERVER_PID" -o "$OUT/$label.perf.data" 2>"$WORK/$label.perf.log" &
  perf_pid=$!
  for i in $(seq 1 1500); do grep -q "$stop_mark" "$WORK/$label.loadgen" && break; sleep 0.2; done
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  wait "$loadgen" || true
  grep "$stop_mark" "$WORK/$label.loadgen" >&2 || tail -5 "$WORK/$label.loadgen" >&2
  echo "samples: $(perf report -i "$OUT/$label.perf.data" --stdio -g none --sort dso 2>/dev/null | grep -m1 '^# Samples')" >&2
  # head closes the pipe early; that is not a failure.
  { perf report -i "$OUT/$label.perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -12 || true
    echo
    node "$NODE_DIR/perf-assemblies.js" <(perf report -i "$OUT/$label.perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null) || true
    echo
    perf report -i "$OUT/$label.perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep '%' \
      | sed 's/  *-  *-  *$//' | cut -c1-200 | head -70 || true
  } >"$OUT/$label.txt"
  perf report -i "$OUT/$label.perf.data" --no-children --sort symbol -G --percent-limit 1.5 --stdio 2>/dev/null >"$OUT/$label.callers.txt"
  stop_server
  log "$label: $OUT/$label.txt"
}

profile ours "$OURS_DIR"
if [ -n "${BENCH_OURS_BEFORE:-}" ]; then profile ours-before "$BENCH_OURS_BEFORE"; fi
head -40 "$OUT"/*.txt
