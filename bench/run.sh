#!/usr/bin/env bash
# Runs the chat benchmarks against our server, a Socket.io 4 peer and a grpc-js peer, one server
# at a time on free loopback ports, with the same Node load generator (bench/node/loadgen.js),
# and writes bench/results.md (plus the raw JSON lines in bench/results.jsonl).
#
#   bash bench/run.sh [--quick]
#
# --quick: tiny sizes (idle 200 sessions; fan-out to rooms of 10 and 100 at a fixed 100 msg/s for
#          3 s), about a minute: a smoke test that the harness works, not a measurement.
# full:    idle 5k / 10k / 20k sessions; fan-out to rooms of 10 / 100 / 1000 with the publish
#          rate raised until p99 delivery > 50 ms or any loss.
#
# Environment:
#   BENCH_CONFIGURATION=Release|Debug   build of ours to run (default Release)
#   BENCH_SKIP_BUILD=1                  use the existing build instead of `dotnet build`
#   BENCH_KEEP=1                        keep the work directory (server logs, data) for a look
#   BENCH_IDLE_SIZES="5000" BENCH_FANOUT_SIZES="10 100" BENCH_TARGETS="ours grpcjs"
#                                       narrower runs (an empty list skips that scenario)
#
# Every server this script starts is stopped on exit; every load generator run is bounded by
# `timeout` and by its own watchdog.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
NODE_DIR="$HERE/node"

MODE=full
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "run.sh: unknown argument $arg (try --help)" >&2
      exit 64
      ;;
  esac
done

CONFIG="${BENCH_CONFIGURATION:-Release}"
OURS_DIR="$ROOT/ChatService/bin/$CONFIG/net10.0"
OURS_DLL="$OURS_DIR/ChatService.dll"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/chatbench.XXXXXX")"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LOADAVG_START="$(cut -d" " -f1-3 /proc/loadavg)"
START_S=$SECONDS

SERVER_PID=""
SERVER_PORT=""
LOADGEN_PID=""

log() { echo "[bench +$((SECONDS - START_S))s] $*" >&2; }

stop_server() {
  local pid="$SERVER_PID"
  SERVER_PID=""
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  if [ -n "$LOADGEN_PID" ]; then
    kill -TERM "$LOADGEN_PID" 2>/dev/null || true # timeout passes it on to the load generator
    wait "$LOADGEN_PID" 2>/dev/null || true
  fi
  stop_server
  if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$status" -ne 0 ]; then
    log "work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build and install ------------------------------------------------------------------------

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building ours ($CONFIG)"
  (cd "$ROOT" && timeout 900 dotnet build -c "$CONFIG" ChatService -nologo -v quiet)
fi
if [ ! -f "$OURS_DLL" ]; then
  echo "run.sh: $OURS_DLL is missing; build it (dotnet build -c $CONFIG ChatService) or unset BENCH_SKIP_BUILD" >&2
  exit 1
fi
if [ ! -f "$NODE_DIR/node_modules/.package-lock.json" ] || [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.package-lock.json" ]; then
  log "installing the Node peers (npm ci)"
  (cd "$NODE_DIR" && timeout 600 npm ci --no-audit --no-fund >&2)
fi

# Sessions need file descriptors: take the hard limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT="$(ulimit -n)"

# --- servers ----------------------------------------------------------------------------------

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_for_port() { # port seconds pid
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$3" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

SERVER_COUNT=0
start_server() { # kind
  local kind="$1" logf
  SERVER_COUNT=$((SERVER_COUNT + 1))
  logf="$WORK/server-$SERVER_COUNT-$kind.log"
  case "$kind" in
    ours)
      local web
      SERVER_PORT="$(free_port)"
      web="$(free_port)"
      mkdir -p "$WORK/ours-data-$SERVER_COUNT"
      env CHAT_Endpoints__Host=127.0.0.1 \
        CHAT_Endpoints__GrpcPort="$SERVER_PORT" \
        CHAT_Endpoints__WebPort="$web" \
        CHAT_Storage__DataDirectory="$WORK/ours-data-$SERVER_COUNT" \
        CHAT_Auth__PasswordIterations=1000 \
        CHAT_Chat__SendRate__PerSecond=100000 CHAT_Chat__SendRate__Burst=100000 \
        CHAT_Chat__JoinRate__PerSecond=100000 CHAT_Chat__JoinRate__Burst=100000 \
        CHAT_Chat__TypingRate__PerSecond=100000 CHAT_Chat__TypingRate__Burst=100000 \
        CHAT_Chat__MaxConnectionsPerUser=1000000 \
        CHAT_Logging__LogLevel__Default=Warning \
        dotnet "$OURS_DLL" >"$logf" 2>&1 &
      SERVER_PID=$!
      ;;
    socketio | grpcjs)
      node "$NODE_DIR/$kind-server.js" --port=0 >"$logf" 2>&1 &
      SERVER_PID=$!
      local deadline=$((SECONDS + 20))
      SERVER_PORT=""
      while [ $SECONDS -lt $deadline ] && kill -0 "$SERVER_PID" 2>/dev/null; do
        SERVER_PORT="$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$logf" | head -n 1)"
        [ -n "$SERVER_PORT" ] && break
        sleep 0.1
      done
      ;;
  esac
  if [ -z "$SERVER_PORT" ] || ! wait_for_port "$SERVER_PORT" 30 "$SERVER_PID"; then
    log "$kind server did not start; its log:"
    cat "$logf" >&2
    stop_server
    return 1
  fi
  log "$kind listening on 127.0.0.1:$SERVER_PORT (pid $SERVER_PID)"
}

# --- runs -------------------------------------------------------------------------------------

record_failure() { # target label scenario message
  printf '{"target":"%s","label":"%s","scenario":"%s","ok":false,"error":"%s"}\n' "$1" "$2" "$3" "$4" >>"$RESULTS"
}

loadgen() { # target label timeout-seconds args...
  local target="$1" label="$2" limit="$3" out status=0
  shift 3
  log "$target $label: node loadgen.js $*"
  # In the background and waited for, so a signal to this script is handled at once (see cleanup).
  timeout --kill-after=5 "$limit" node "$NODE_DIR/loadgen.js" --target="$target" --port="$SERVER_PORT" \
    --server-pid="$SERVER_PID" --label="$label" --timeout-s="$((limit - 5))" "$@" >"$WORK/loadgen.out" 2>>"$WORK/loadgen.log" &
  LOADGEN_PID=$!
  wait "$LOADGEN_PID" || status=$?
  LOADGEN_PID=""
  out="$(cat "$WORK/loadgen.out")"
  if [ -n "$out" ]; then
    printf '%s\n' "$out" >>"$RESULTS"
  else
    record_failure "$target" "$label" "${label%%-*}" "load generator exited with status $status and no result"
  fi
  tail -n 3 "$WORK/loadgen.log" >&2
}

if [ "$MODE" = quick ]; then
  IDLE_SIZES=(200)
  FANOUT_SIZES=(10 100)
  FANOUT_ARGS=(--rate=100 --seconds=3 --warmup-s=2)
  IDLE_ARGS=(--settle-ms=2000)
  IDLE_LIMIT=60
  FANOUT_LIMIT=60
else
  IDLE_SIZES=(5000 10000 20000)
  FANOUT_SIZES=(10 100 1000)
  FANOUT_ARGS=(--rate=search --seconds=5 --warmup-s=5 --search-budget-s=150)
  IDLE_ARGS=(--settle-ms=5000)
  IDLE_LIMIT=600
  FANOUT_LIMIT=400
fi
# Narrower runs, e.g. BENCH_IDLE_SIZES="5000" BENCH_FANOUT_SIZES="" bash bench/run.sh
if [ -n "${BENCH_IDLE_SIZES+set}" ]; then read -r -a IDLE_SIZES <<<"$BENCH_IDLE_SIZES"; fi
if [ -n "${BENCH_FANOUT_SIZES+set}" ]; then read -r -a FANOUT_SIZES <<<"$BENCH_FANOUT_SIZES"; fi
if [ -n "${BENCH_TARGETS+set}" ]; then read -r -a TARGETS <<<"$BENCH_TARGETS"; else TARGETS=(ours socketio grpcjs); fi

for target in "${TARGETS[@]}"; do
  for n in ${IDLE_SIZES[@]+"${IDLE_SIZES[@]}"}; do
    label="idle-$n"
    # The server and the load generator each hold one socket per session.
    if [ $((n + 256)) -gt "$FD_LIMIT" ]; then
      printf '{"target":"%s","label":"%s","scenario":"idle","ok":false,"skipped":"%s sessions need more than the open files limit of %s"}\n' \
        "$target" "$label" "$n" "$FD_LIMIT" >>"$RESULTS"
      log "$target $label skipped: open files limit $FD_LIMIT"
      continue
    fi
    # A fresh server for each idle run, so its RSS delta is the sessions' alone.
    if start_server "$target"; then
      loadgen "$target" "$label" "$IDLE_LIMIT" --scenario=idle --sessions="$n" --room-size=10 "${IDLE_ARGS[@]}"
      stop_server
    else
      record_failure "$target" "$label" idle "server did not start"
    fi
  done
  # One server for all the fan-out runs of this target; each run makes its own room.
  [ ${#FANOUT_SIZES[@]} -gt 0 ] || continue
  if start_server "$target"; then
    for m in "${FANOUT_SIZES[@]}"; do
      loadgen "$target" "fanout-$m" "$FANOUT_LIMIT" --scenario=fanout --members="$m" "${FANOUT_ARGS[@]}"
    done
    stop_server
  else
    for m in "${FANOUT_SIZES[@]}"; do record_failure "$target" "fanout-$m" fanout "server did not start"; done
  fi
done

cp "$RESULTS" "$HERE/results.jsonl"
node "$NODE_DIR/report.js" --results="$RESULTS" --out="$HERE/results.md" --mode="$MODE" --config="$CONFIG" \
  --runtimeconfig="$OURS_DIR/ChatService.runtimeconfig.json" --started="$STARTED_AT" --elapsed-s="$((SECONDS - START_S))" \
  --loadavg-start="$LOADAVG_START"
log "wrote $HERE/results.md"
cat "$HERE/results.md"
