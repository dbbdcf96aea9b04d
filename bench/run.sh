#!/usr/bin/env bash
# Runs the chat benchmarks against our server, a Socket.io 4 peer and a grpc-js peer, one server
# at a time on free loopback ports, with the same Node load generator (bench/node/loadgen.js),
# and writes bench/results.md (plus the raw JSON lines in bench/results.jsonl) and PNG charts in
# bench/charts/ (latency-cdf.png, deliveries-vs-room-size.png; skipped, with a message, when no
# headless Chromium is found).
#
#   bash bench/run.sh [--quick]
#
# Scenarios, each run for ours, Socket.io and grpc-js back to back (a fresh server for each run
# but the fan-out sizes, which share one); full mode runs them in 3 rounds and results.md shows the
# median and min-max of the runs:
#   1 idle       sessions each joined to a room of 10; server RSS per session and CPU to connect.
#                full: 5k / 10k / 20k sessions, a fresh server for each.        quick: 200.
#                Also the floor (target kestrel, bench/KestrelFloor): bare Kestrel holding the same
#                HTTP/2 connection and open stream per session, with no chat state at all.
#   2 fanout     one sender into rooms of 10 / 100 / 1000 members; the publish rate is raised until
#                p99 delivery > 50 ms or any loss; deliveries/s at the objective, server CPU per
#                delivery. Later rounds start their search at half of round 1's result.
#                quick: rooms of 10 and 100 at a fixed 100 msg/s for 3 s.
#   3 latency    room of 100 at an equal offered load for every server: 50% of the slowest
#                server's fan-out capacity at 100 members found in round 1 of this run, or
#                BENCH_LATENCY_RATE (200 msg/s) when scenario 2 gave none; 10 s after an 8 s
#                warm-up; p50, p99, p99.9 and the CDF.       quick: 50 msg/s for 2 s.
#   4 slow       room of 100 at 100 msg/s; 5% of the readers stop reading for 30 s (grpc-js client:
#                call.pause(), so HTTP/2 flow control pushes back; socket.io-client: the TCP socket
#                under the WebSocket is paused), between an 8 s baseline and 5 s after; healthy
#                readers' p99 before and during the pause, server RSS growth, and what became of the
#                slow readers (cut off by the server? a cut-off reader reconnects and resumes from
#                its last seq: how many messages came back, how many were lost).
#                quick: room of 20 (1 slow) at 600 msg/s, paused 3 s.
#   5 persist    ours with every message stored (SQLite WAL) against ours with storage off
#                (CHAT_Storage__PersistMessages=false), back to back: scenario 2 at 100 members,
#                deliveries/s at the objective and send->ack p99. The peers' (in-memory) cells come
#                from scenario 2's room of 100, the same workload, or are run here when scenario 2
#                does not include 100 members.               quick: both at a fixed 100 msg/s for 3 s.
#   6 reconnect  5000 sessions in rooms of 10 while publishers send 500 msg/s across the rooms; every
#                session drops at once and reconnects (at most 500 connection attempts in flight),
#                resuming its room after the last seq it saw (ours and grpc-js: Join after_seq; the
#                Socket.io peer: the same by seq, in the application: join { room, after_seq });
#                time until 99% are resumed, messages lost (gaps by seq, must be 0).
#                quick: 200 sessions at 100 msg/s.
#
# Full mode takes about 45-50 minutes on 2 cores: round 1 runs everything (about 30 minutes, a
# third of it scenario 1 registering and connecting 35k sessions per server); rounds 2 and 3 (about
# 10 minutes each) repeat scenarios 3-6 and the fan-out at 100 members, not scenario 1 nor the
# fan-out at 10 and 1000 (BENCH_REPEAT_*). A round starts only if, judging by the rounds before
# it, it ends within BENCH_BUDGET_MIN (50) minutes; results.md says how many runs there were.
# --quick: tiny sizes and 1 run, under 3 minutes: a smoke test that the harness works (CI runs
#          it), not a measurement; no timing is asserted.
#
# Environment:
#   BENCH_CONFIGURATION=Release|Debug   build of ours to run (default Release)
#   BENCH_OURS_DIR=DIR                  directory of the ChatService.dll to run (default: a
#                                       ReadyToRun publish, as deployed, in ChatService/bin/bench)
#   BENCH_SKIP_BUILD=1                  use the existing build instead of `dotnet publish`
#   BENCH_OURS_BEFORE=DIR               also run the ChatService.dll in DIR (never built here) as target
#                                       ours-before, right after ours, exactly like ours (persist: stored
#                                       and storage off); results.md adds its column and "ours ÷ before".
#                                       E.g. git worktree add /tmp/before HEAD~1 && (cd /tmp/before &&
#                                       dotnet publish ChatService -c Release -r linux-x64 --self-contained false
#                                       -p:PublishReadyToRun=true -o /tmp/before/out), then
#                                       BENCH_OURS_BEFORE=/tmp/before/out bash bench/run.sh
#   BENCH_KEEP=1                        keep the work directory (server logs, data) for a look
#   BENCH_RESULTS=NAME                  write bench/NAME.md and bench/NAME.jsonl instead of results.*, and
#                                       no charts: a narrow run (one scenario, say) kept beside the full one
#   BENCH_RUNS=N                        rounds (default 3, quick 1)
#   BENCH_BUDGET_MIN=M                  start no round that would end after M minutes (default 50;
#                                       0: no limit)
#   BENCH_SCENARIOS="latency slow"      which scenarios (default: idle fanout latency slow persist reconnect)
#   BENCH_TARGETS="ours grpcjs"         which servers (default: ours socketio grpcjs; with
#                                       BENCH_OURS_BEFORE: ours ours-before socketio grpcjs)
#   BENCH_IDLE_FLOOR=0                  skip scenario 1's bare Kestrel floor
#   BENCH_IDLE_SIZES="5000" BENCH_FANOUT_SIZES="10 100"
#                                       narrower runs (an empty list skips that scenario)
#   BENCH_REPEAT_IDLE_SIZES="" BENCH_REPEAT_FANOUT_SIZES="100"
#                                       the sizes rounds 2 and 3 repeat (defaults shown)
#   BENCH_LATENCY_RATE=R                scenario 3's rate when scenario 2 gives none (200; quick 50)
#   BENCH_SLOW_MEMBERS=M BENCH_SLOW_RATE=R BENCH_SLOW_PAUSE_S=S
#                                       scenario 4's room, rate and pause (100, 100, 30; quick 20, 600, 3)
#   BENCH_RECONNECT_SESSIONS=N BENCH_RECONNECT_RATE=R
#                                       scenario 6's sessions and publish rate (5000, 500; quick 200, 100)
#   BENCH_SERVER_CPUS=0 BENCH_LOADGEN_CPUS=1
#                                       pin the server and the load generator with taskset (default: no
#                                       pinning; everything shares every core)
#   BENCH_CLIENT=wire|library          how the load generator's sessions talk: wire (default; node:http2
#                                       and a raw WebSocket speaking the protocols, cheap per received
#                                       message) or library (@grpc/grpc-js and socket.io-client)
#   BENCH_CHROMIUM=PATH                 headless Chromium for the charts (default: chromium on PATH)
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
CLIENT="${BENCH_CLIENT:-wire}"
OURS_DIR="${BENCH_OURS_DIR:-$ROOT/ChatService/bin/bench}"
OURS_BUILD="$CONFIG build"
OURS_DLL="$OURS_DIR/ChatService.dll"
# A second build of ours (e.g. the previous commit's), run as target ours-before next to ours.
OURS_BEFORE_DIR="${BENCH_OURS_BEFORE:-}"
OURS_BEFORE_DLL=""
if [ -n "$OURS_BEFORE_DIR" ]; then
  OURS_BEFORE_DIR="$(cd "$OURS_BEFORE_DIR" 2>/dev/null && pwd || echo "$OURS_BEFORE_DIR")"
  OURS_BEFORE_DLL="$OURS_BEFORE_DIR/ChatService.dll"
fi
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

# A misconfigured ours-before fails here, before anything is built.
if [ -n "$OURS_BEFORE_DLL" ] && [ ! -f "$OURS_BEFORE_DLL" ]; then
  echo "run.sh: $OURS_BEFORE_DLL is missing; point BENCH_OURS_BEFORE at a directory with a ChatService.dll (see --help)" >&2
  exit 1
fi
if [ -z "$OURS_BEFORE_DIR" ] && [[ " ${BENCH_TARGETS:-} " == *" ours-before "* ]]; then
  echo "run.sh: BENCH_TARGETS names ours-before but BENCH_OURS_BEFORE is not set" >&2
  exit 64
fi

# Ours runs as it would be deployed: published with ReadyToRun code, so the first seconds are not
# spent compiling (tiered JIT still recompiles the hot paths).
if [ -z "${BENCH_OURS_DIR:-}" ] && [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  RID="$(dotnet --info | awk '$1 == "RID:" { print $2; exit }')"
  log "publishing ours ($CONFIG, ReadyToRun for ${RID:-linux-x64})"
  (cd "$ROOT" && timeout 900 dotnet publish ChatService -c "$CONFIG" -r "${RID:-linux-x64}" --self-contained false \
    -p:PublishReadyToRun=true -o "$OURS_DIR" -nologo -v quiet)
fi
if [ -z "${BENCH_OURS_DIR:-}" ]; then
  OURS_BUILD="$CONFIG build, published with ReadyToRun"
fi
if [ ! -f "$OURS_DLL" ]; then
  echo "run.sh: $OURS_DLL is missing; unset BENCH_SKIP_BUILD or point BENCH_OURS_DIR at a build (dotnet build -c $CONFIG ChatService)" >&2
  exit 1
fi
# What results.md says about the before build: its path, and its commit when DIR is in a git work tree.
OURS_BEFORE_DESC=""
if [ -n "$OURS_BEFORE_DIR" ]; then
  OURS_BEFORE_DESC="$OURS_BEFORE_DIR"
  before_commit="$(git -C "$OURS_BEFORE_DIR" log -1 --format='%h %s' 2>/dev/null | cut -c1-100 || true)"
  if [ -n "$before_commit" ]; then
    git -C "$OURS_BEFORE_DIR" diff --quiet HEAD -- 2>/dev/null || before_commit="$before_commit, with uncommitted changes"
    OURS_BEFORE_DESC="$OURS_BEFORE_DIR (git -C: commit $before_commit)"
  fi
fi
FLOOR_DIR="$HERE/KestrelFloor/bin/bench"
FLOOR_DLL="$FLOOR_DIR/KestrelFloor.dll"
if [ "${BENCH_IDLE_FLOOR:-1}" != 0 ] && { [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$FLOOR_DLL" ]; }; then
  log "publishing the idle floor (bench/KestrelFloor)"
  (cd "$ROOT" && timeout 600 dotnet publish bench/KestrelFloor -c Release -o "$FLOOR_DIR" -nologo -v quiet)
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

# Optional pinning: taskset -c LIST in front of the servers / the load generator.
SERVER_PIN=()
LOADGEN_PIN=()
if [ -n "${BENCH_SERVER_CPUS:-}" ]; then SERVER_PIN=(taskset -c "$BENCH_SERVER_CPUS"); fi
if [ -n "${BENCH_LOADGEN_CPUS:-}" ]; then LOADGEN_PIN=(taskset -c "$BENCH_LOADGEN_CPUS"); fi
if [ ${#SERVER_PIN[@]} -gt 0 ] || [ ${#LOADGEN_PIN[@]} -gt 0 ]; then
  PINNING="servers on CPUs ${BENCH_SERVER_CPUS:-any}, load generator on CPUs ${BENCH_LOADGEN_CPUS:-any} (taskset)"
else
  PINNING="none: the servers and the load generator share all $(nproc) cores (affinity $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status))"
fi

SERVER_COUNT=0
start_server() { # kind: ours | ours-memory | ours-before | ours-before-memory | socketio | grpcjs | kestrel
  local kind="$1" logf
  SERVER_COUNT=$((SERVER_COUNT + 1))
  logf="$WORK/server-$SERVER_COUNT-$kind.log"
  case "$kind" in
    ours | ours-memory | ours-before | ours-before-memory)
      local web persist=true dll="$OURS_DLL"
      case "$kind" in *-memory) persist=false ;; esac
      case "$kind" in ours-before*) dll="$OURS_BEFORE_DLL" ;; esac
      if [ -z "$dll" ]; then
        log "$kind: no build to run (set BENCH_OURS_BEFORE)"
        return 1
      fi
      SERVER_PORT="$(free_port)"
      web="$(free_port)"
      mkdir -p "$WORK/ours-data-$SERVER_COUNT"
      env CHAT_Endpoints__Host=127.0.0.1 \
        CHAT_Endpoints__GrpcPort="$SERVER_PORT" \
        CHAT_Endpoints__WebPort="$web" \
        CHAT_Storage__DataDirectory="$WORK/ours-data-$SERVER_COUNT" \
        CHAT_Storage__PersistMessages="$persist" \
        CHAT_Auth__PasswordIterations=1000 CHAT_Auth__PasswordHashQueue=100000 \
        CHAT_Chat__SendRate__PerSecond=100000 CHAT_Chat__SendRate__Burst=100000 \
        CHAT_Chat__JoinRate__PerSecond=100000 CHAT_Chat__JoinRate__Burst=100000 \
        CHAT_Chat__TypingRate__PerSecond=100000 CHAT_Chat__TypingRate__Burst=100000 \
        CHAT_Chat__MaxConnectionsPerUser=1000000 \
        CHAT_Logging__LogLevel__Default=Warning \
        ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} dotnet "$dll" >"$logf" 2>&1 &
      SERVER_PID=$!
      ;;
    socketio | grpcjs | kestrel)
      if [ "$kind" = kestrel ]; then
        ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} dotnet "$FLOOR_DLL" --port=0 >"$logf" 2>&1 &
      else
        ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} node "$NODE_DIR/$kind-server.js" --port=0 >"$logf" 2>&1 &
      fi
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

ROUND=1

record_failure() { # target label scenario message
  printf '{"target":"%s","label":"%s","scenario":"%s","run":%s,"ok":false,"error":"%s"}\n' "$1" "$2" "$3" "$ROUND" "$4" >>"$RESULTS"
}

loadgen() { # target label timeout-seconds args...
  local target="$1" label="$2" limit="$3" out status=0
  shift 3
  log "$target $label (run $ROUND): node loadgen.js $*"
  # In the background and waited for, so a signal to this script is handled at once (see cleanup).
  timeout --kill-after=5 "$limit" ${LOADGEN_PIN[@]+"${LOADGEN_PIN[@]}"} node "$NODE_DIR/loadgen.js" --target="$target" --port="$SERVER_PORT" \
    --server-pid="$SERVER_PID" --label="$label" --run="$ROUND" --timeout-s="$((limit - 5))" --client="$CLIENT" "$@" >"$WORK/loadgen.out" 2>>"$WORK/loadgen.log" &
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

# Runs one scenario on a fresh server of the given kind: kind target label timeout-seconds args...
on_fresh_server() {
  local kind="$1" target="$2" label="$3" limit="$4"
  shift 4
  if start_server "$kind"; then
    loadgen "$target" "$label" "$limit" "$@"
    stop_server
  else
    record_failure "$target" "$label" "${label%%-*}" "server did not start"
  fi
}

# Reads a number out of this run's results (see bench/node/pick.js); empty when there is none.
pick() { node "$NODE_DIR/pick.js" --results="$RESULTS" "$@" 2>/dev/null || true; }

if [ "$MODE" = quick ]; then
  RUNS="${BENCH_RUNS:-1}"
  BUDGET_MIN="${BENCH_BUDGET_MIN:-0}"
  IDLE_SIZES=(200)
  FANOUT_SIZES=(10 100)
  FANOUT_ARGS=(--rate=100 --seconds=3 --warmup-s=2)
  FANOUT_ARGS_LATER=("${FANOUT_ARGS[@]}")
  IDLE_ARGS=(--settle-ms=2000)
  IDLE_LIMIT=60
  FANOUT_LIMIT=60
  LATENCY_RATE="${BENCH_LATENCY_RATE:-50}"
  LATENCY_ARGS=(--seconds=2 --warmup-s=1)
  LATENCY_LIMIT=60
  SLOW_MEMBERS="${BENCH_SLOW_MEMBERS:-20}"
  SLOW_RATE="${BENCH_SLOW_RATE:-600}"
  SLOW_ARGS=(--warmup-s=1 --baseline-s=1.5 --pause-s="${BENCH_SLOW_PAUSE_S:-3}" --after-s=1)
  SLOW_LIMIT=90
  PERSIST_ARGS=(--rate=100 --seconds=3 --warmup-s=1)
  PERSIST_ARGS_LATER=("${PERSIST_ARGS[@]}")
  PERSIST_LIMIT=60
  RECONNECT_SESSIONS="${BENCH_RECONNECT_SESSIONS:-200}"
  RECONNECT_ARGS=(--room-size=10 --rate="${BENCH_RECONNECT_RATE:-100}" --warmup-s=1 --after-s=1 --storm-timeout-s=30)
  RECONNECT_LIMIT=90
  REPEAT_IDLE_SIZES=("${IDLE_SIZES[@]}")
  REPEAT_FANOUT_SIZES=("${FANOUT_SIZES[@]}")
else
  RUNS="${BENCH_RUNS:-3}"
  BUDGET_MIN="${BENCH_BUDGET_MIN:-50}"
  # The server holds one socket per session: the largest size must fit under the open-files limit.
  IDLE_LARGEST=20000
  if [ $((IDLE_LARGEST + 256)) -gt "$FD_LIMIT" ]; then
    IDLE_LARGEST=$(((FD_LIMIT - 256) / 1000 * 1000))
  fi
  IDLE_SIZES=(5000 10000 "$IDLE_LARGEST")
  FANOUT_SIZES=(10 100 1000)
  FANOUT_ARGS=(--rate=search --seconds=4 --warmup-s=4 --search-budget-s=45)
  # Later rounds start their search at half of round 1's result (see search_args).
  FANOUT_ARGS_LATER=(--rate=search --seconds=4 --warmup-s=3 --search-budget-s=40)
  IDLE_ARGS=(--settle-ms=5000)
  IDLE_LIMIT=600
  FANOUT_LIMIT=300
  LATENCY_RATE="${BENCH_LATENCY_RATE:-200}"
  LATENCY_ARGS=(--seconds=10 --warmup-s=8)
  LATENCY_LIMIT=120
  SLOW_MEMBERS="${BENCH_SLOW_MEMBERS:-100}"
  SLOW_RATE="${BENCH_SLOW_RATE:-100}"
  SLOW_ARGS=(--warmup-s=8 --baseline-s=8 --pause-s="${BENCH_SLOW_PAUSE_S:-30}" --after-s=5)
  SLOW_LIMIT=180
  PERSIST_ARGS=(--rate=search --seconds=4 --warmup-s=6 --search-budget-s=45)
  PERSIST_ARGS_LATER=(--rate=search --seconds=4 --warmup-s=6 --search-budget-s=40)
  PERSIST_LIMIT=240
  RECONNECT_SESSIONS="${BENCH_RECONNECT_SESSIONS:-5000}"
  RECONNECT_ARGS=(--room-size=10 --rate="${BENCH_RECONNECT_RATE:-500}" --warmup-s=3 --after-s=3 --storm-timeout-s=90)
  RECONNECT_LIMIT=400
  # What rounds 2 and 3 repeat: scenario 1 (about 11 minutes a round, most of it registering and
  # connecting 35k sessions to ours) and the fan-out searches at 10 and 1000 members run once.
  REPEAT_IDLE_SIZES=()
  REPEAT_FANOUT_SIZES=(100)
fi
# Narrower runs, e.g. BENCH_IDLE_SIZES="5000" BENCH_FANOUT_SIZES="" bash bench/run.sh
if [ -n "${BENCH_IDLE_SIZES+set}" ]; then read -r -a IDLE_SIZES <<<"$BENCH_IDLE_SIZES"; fi
if [ -n "${BENCH_FANOUT_SIZES+set}" ]; then read -r -a FANOUT_SIZES <<<"$BENCH_FANOUT_SIZES"; fi
if [ -n "${BENCH_REPEAT_IDLE_SIZES+set}" ]; then read -r -a REPEAT_IDLE_SIZES <<<"$BENCH_REPEAT_IDLE_SIZES"; fi
if [ -n "${BENCH_REPEAT_FANOUT_SIZES+set}" ]; then read -r -a REPEAT_FANOUT_SIZES <<<"$BENCH_REPEAT_FANOUT_SIZES"; fi
# A later round repeats only sizes round 1 ran.
only_in() { # "list" items... -> the items that are in list
  local list=" $1 " x
  shift
  for x in "$@"; do case "$list" in *" $x "*) printf '%s\n' "$x" ;; esac; done
}
mapfile -t REPEAT_IDLE_SIZES < <(only_in "${IDLE_SIZES[*]-}" ${REPEAT_IDLE_SIZES[@]+"${REPEAT_IDLE_SIZES[@]}"})
mapfile -t REPEAT_FANOUT_SIZES < <(only_in "${FANOUT_SIZES[*]-}" ${REPEAT_FANOUT_SIZES[@]+"${REPEAT_FANOUT_SIZES[@]}"})
if [ -n "${BENCH_TARGETS+set}" ]; then
  read -r -a TARGETS <<<"$BENCH_TARGETS"
elif [ -n "$OURS_BEFORE_DIR" ]; then
  TARGETS=(ours ours-before socketio grpcjs)
else
  TARGETS=(ours socketio grpcjs)
fi
if [ -n "${BENCH_SCENARIOS+set}" ]; then read -r -a SCENARIOS <<<"$BENCH_SCENARIOS"; else SCENARIOS=(idle fanout latency slow persist reconnect); fi

wants() { # scenario
  local s
  for s in "${SCENARIOS[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

FANOUT_HAS_100=0
if wants fanout; then
  for m in ${FANOUT_SIZES[@]+"${FANOUT_SIZES[@]}"}; do [ "$m" = 100 ] && FANOUT_HAS_100=1; done
fi

# Search arguments for a later round: start at half of what round 1 reached for this target and label.
search_args() { # target label args...
  local target="$1" label="$2" best
  shift 2
  if [ "$ROUND" -gt 1 ] && [ "$MODE" != quick ]; then
    best="$(pick --best-rate --target="$target" --label="$label")"
    if [ -n "$best" ] && [ "$best" -ge 2 ]; then
      printf '%s\n' "$@" --rate-start="$((best / 2))"
      return
    fi
  fi
  printf '%s\n' "$@"
}

run_idle() {
  local target n label sizes targets=("${TARGETS[@]}")
  if [ "$ROUND" -gt 1 ]; then sizes=(${REPEAT_IDLE_SIZES[@]+"${REPEAT_IDLE_SIZES[@]}"}); else sizes=(${IDLE_SIZES[@]+"${IDLE_SIZES[@]}"}); fi
  if [ "${BENCH_IDLE_FLOOR:-1}" != 0 ]; then targets+=(kestrel); fi
  for target in "${targets[@]}"; do
    for n in ${sizes[@]+"${sizes[@]}"}; do
      label="idle-$n"
      # The server and the load generator each hold one socket per session.
      if [ $((n + 256)) -gt "$FD_LIMIT" ]; then
        printf '{"target":"%s","label":"%s","scenario":"idle","run":%s,"ok":false,"skipped":"%s sessions need more than the open files limit of %s"}\n' \
          "$target" "$label" "$ROUND" "$n" "$FD_LIMIT" >>"$RESULTS"
        log "$target $label skipped: open files limit $FD_LIMIT"
        continue
      fi
      # A fresh server for each idle run, so its RSS delta is the sessions' alone.
      on_fresh_server "$target" "$target" "$label" "$IDLE_LIMIT" --scenario=idle --sessions="$n" --room-size=10 "${IDLE_ARGS[@]}"
    done
  done
}

run_fanout() {
  local target m args sizes
  if [ "$ROUND" -gt 1 ]; then sizes=(${REPEAT_FANOUT_SIZES[@]+"${REPEAT_FANOUT_SIZES[@]}"}); else sizes=(${FANOUT_SIZES[@]+"${FANOUT_SIZES[@]}"}); fi
  [ ${#sizes[@]} -gt 0 ] || return 0
  for target in "${TARGETS[@]}"; do
    # One server for all the fan-out runs of this target; each run makes its own room.
    if start_server "$target"; then
      for m in "${sizes[@]}"; do
        if [ "$ROUND" -gt 1 ]; then mapfile -t args < <(search_args "$target" "fanout-$m" "${FANOUT_ARGS_LATER[@]}"); else args=("${FANOUT_ARGS[@]}"); fi
        loadgen "$target" "fanout-$m" "$FANOUT_LIMIT" --scenario=fanout --members="$m" "${args[@]}"
      done
      stop_server
    else
      for m in "${sizes[@]}"; do record_failure "$target" "fanout-$m" fanout "server did not start"; done
    fi
  done
}

LATENCY_NOTE=""
run_latency() {
  local target capacity
  # Fixed once, from round 1, so every server and every round sees the same offered load.
  if [ -z "$LATENCY_NOTE" ]; then
    capacity=""
    if [ "$MODE" != quick ]; then capacity="$(pick --slowest-capacity --label=fanout-100)"; fi
    if [ -n "$capacity" ] && [ "${capacity%% *}" -ge 2 ]; then
      LATENCY_RATE=$((${capacity%% *} / 2))
      LATENCY_NOTE="50% of the slowest server's fan-out capacity at 100 members in this run (${capacity#* }: ${capacity%% *} msg/s)"
    elif [ "$MODE" = quick ]; then
      LATENCY_NOTE="a small fixed rate, quick mode"
    else
      LATENCY_NOTE="fixed rate: scenario 2 gave no capacity at 100 members in this run"
    fi
    log "latency: $LATENCY_RATE msg/s, $LATENCY_NOTE"
  fi
  for target in "${TARGETS[@]}"; do
    on_fresh_server "$target" "$target" latency-100 "$LATENCY_LIMIT" --scenario=latency --members=100 --rate="$LATENCY_RATE" \
      "${LATENCY_ARGS[@]}" --rate-note="$LATENCY_NOTE"
  done
}

run_slow() {
  local target
  for target in "${TARGETS[@]}"; do
    on_fresh_server "$target" "$target" "slow-$SLOW_MEMBERS" "$SLOW_LIMIT" --scenario=slow --members="$SLOW_MEMBERS" --rate="$SLOW_RATE" "${SLOW_ARGS[@]}"
  done
}

run_persist() {
  local target storage kind args base
  for target in "${TARGETS[@]}"; do
    if [ "$target" = ours ] || [ "$target" = ours-before ]; then
      # Stored and in memory back to back, so both see the same neighbours on the machine.
      for storage in stored memory; do
        kind="$target"
        [ "$storage" = memory ] && kind="$target-memory"
        if [ "$ROUND" -gt 1 ]; then base=("${PERSIST_ARGS_LATER[@]}"); else base=("${PERSIST_ARGS[@]}"); fi
        mapfile -t args < <(search_args "$target" "persist-$storage-100" "${base[@]}")
        if [ "$ROUND" = 1 ] && [ "$MODE" != quick ] && [ "$storage" = stored ]; then
          # Round 1 may start from scenario 2's result for this target at 100 members, when there is one.
          local b
          b="$(pick --best-rate --target="$target" --label=fanout-100)"
          if [ -n "$b" ] && [ "$b" -ge 2 ]; then args+=(--rate-start="$((b / 2))"); fi
        fi
        on_fresh_server "$kind" "$target" "persist-$storage-100" "$PERSIST_LIMIT" --scenario=persist --storage="$storage" --members=100 "${args[@]}"
      done
    elif [ "$FANOUT_HAS_100" = 0 ]; then
      # The peers' in-memory numbers normally come from scenario 2's room of 100; here there are none.
      if [ "$ROUND" -gt 1 ]; then base=("${PERSIST_ARGS_LATER[@]}"); else base=("${PERSIST_ARGS[@]}"); fi
      mapfile -t args < <(search_args "$target" persist-memory-100 "${base[@]}")
      on_fresh_server "$target" "$target" persist-memory-100 "$PERSIST_LIMIT" --scenario=persist --storage=memory --members=100 "${args[@]}"
    fi
  done
}

run_reconnect() {
  local target
  for target in "${TARGETS[@]}"; do
    if [ $((2 * RECONNECT_SESSIONS + 256)) -gt "$FD_LIMIT" ]; then
      printf '{"target":"%s","label":"%s","scenario":"reconnect","run":%s,"ok":false,"skipped":"%s sessions need more than the open files limit of %s"}\n' \
        "$target" "reconnect-$RECONNECT_SESSIONS" "$ROUND" "$RECONNECT_SESSIONS" "$FD_LIMIT" >>"$RESULTS"
      continue
    fi
    on_fresh_server "$target" "$target" "reconnect-$RECONNECT_SESSIONS" "$RECONNECT_LIMIT" --scenario=reconnect \
      --sessions="$RECONNECT_SESSIONS" "${RECONNECT_ARGS[@]}"
  done
}

RUNS_DONE=0
NEXT_ROUND_S=0 # what the next round should take, from the rounds so far
for ROUND in $(seq 1 "$RUNS"); do
  elapsed=$((SECONDS - START_S))
  if [ "$ROUND" -gt 1 ] && [ "$BUDGET_MIN" -gt 0 ] && [ $((elapsed + NEXT_ROUND_S)) -gt $((BUDGET_MIN * 60)) ]; then
    log "round $ROUND not started: after ${elapsed} s, a round of about ${NEXT_ROUND_S} s would end past the budget of $BUDGET_MIN minutes (BENCH_BUDGET_MIN)"
    break
  fi
  log "round $ROUND of $RUNS"
  round_start=$SECONDS
  repeat_s=0
  for scenario in "${SCENARIOS[@]}"; do
    t0=$SECONDS
    case "$scenario" in
      idle) run_idle ;;
      fanout) run_fanout ;;
      latency) run_latency ;;
      slow) run_slow ;;
      persist) run_persist ;;
      reconnect) run_reconnect ;;
      *) log "unknown scenario $scenario (BENCH_SCENARIOS)" ;;
    esac
    took=$((SECONDS - t0))
    # Round 1 runs sizes later rounds skip: count only the share a later round repeats.
    if [ "$scenario" = idle ] && [ ${#IDLE_SIZES[@]} -gt 0 ]; then took=$((took * ${#REPEAT_IDLE_SIZES[@]} / ${#IDLE_SIZES[@]})); fi
    if [ "$scenario" = fanout ] && [ ${#FANOUT_SIZES[@]} -gt 0 ]; then took=$((took * ${#REPEAT_FANOUT_SIZES[@]} / ${#FANOUT_SIZES[@]})); fi
    repeat_s=$((repeat_s + took))
  done
  if [ "$ROUND" = 1 ]; then NEXT_ROUND_S=$repeat_s; else NEXT_ROUND_S=$((SECONDS - round_start)); fi
  log "round $ROUND took $((SECONDS - round_start)) s"
  RUNS_DONE=$ROUND
done

OUT_NAME="${BENCH_RESULTS:-results}"
cp "$RESULTS" "$HERE/$OUT_NAME.jsonl"
RUNS_NOTE=""
if [ "$RUNS_DONE" -gt 1 ]; then
  once=()
  for n in ${IDLE_SIZES[@]+"${IDLE_SIZES[@]}"}; do
    only_in "${REPEAT_IDLE_SIZES[*]-}" "$n" | grep -q . || once+=("idle $n")
  done
  for m in ${FANOUT_SIZES[@]+"${FANOUT_SIZES[@]}"}; do
    only_in "${REPEAT_FANOUT_SIZES[*]-}" "$m" | grep -q . || once+=("fan-out $m")
  done
  if [ ${#once[@]} -gt 0 ]; then
    RUNS_NOTE="run in round 1 only, to fit the time budget: $(IFS=,; echo "${once[*]}" | sed 's/,/, /g') (BENCH_REPEAT_IDLE_SIZES, BENCH_REPEAT_FANOUT_SIZES)"
  fi
fi

# --- charts: SVG from Node, PNG from headless Chromium -----------------------------------------

CHARTS_DIR="$HERE/charts"
CHARTS_NOTE=""
CHROMIUM="${BENCH_CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [ "$OUT_NAME" = results ]; then
  mkdir -p "$CHARTS_DIR"
  # Charts of an earlier run must not sit next to this run's table.
  rm -f "$CHARTS_DIR/latency-cdf.png" "$CHARTS_DIR/deliveries-vs-room-size.png"
fi
if [ "$OUT_NAME" != results ]; then
  CHARTS_NOTE="no charts: a narrow run (BENCH_RESULTS=$OUT_NAME); the charts are the full run's"
  CHARTS_DIR=""
elif [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
  CHARTS_NOTE="no charts: no headless Chromium found (set BENCH_CHROMIUM)"
  log "$CHARTS_NOTE"
elif ! node "$NODE_DIR/charts.js" --results="$RESULTS" --out-dir="$WORK/charts" --mode="$MODE" >&2; then
  CHARTS_NOTE="no charts: charts.js failed"
  log "$CHARTS_NOTE"
else
  for svg in "$WORK"/charts/*.svg; do
    [ -e "$svg" ] || continue
    name="$(basename "$svg" .svg)"
    size="$(sed -n 's/.*<svg[^>]* width="\([0-9]*\)" height="\([0-9]*\)".*/\1,\2/p' "$svg" | head -n 1)"
    profile="$(mktemp -d "$WORK/chromium.XXXXXX")"
    if timeout --kill-after=5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
      --user-data-dir="$profile" --screenshot="$CHARTS_DIR/$name.png" --window-size="${size:-900,500}" \
      "file://$svg" >>"$WORK/chromium.log" 2>&1 && [ -s "$CHARTS_DIR/$name.png" ]; then
      log "wrote $CHARTS_DIR/$name.png"
    else
      CHARTS_NOTE="some charts failed to render (see chromium.log in the work directory)"
      log "$name: $CHARTS_NOTE"
    fi
    rm -rf "$profile"
  done
fi

node "$NODE_DIR/report.js" --results="$RESULTS" --out="$HERE/$OUT_NAME.md" --mode="$MODE" --config="$CONFIG" --build="$OURS_BUILD" --client="$CLIENT" \
  --runtimeconfig="$OURS_DIR/ChatService.runtimeconfig.json" --started="$STARTED_AT" --elapsed-s="$((SECONDS - START_S))" \
  --loadavg-start="$LOADAVG_START" --runs="$RUNS_DONE" --runs-planned="$RUNS" --runs-note="$RUNS_NOTE" --pinning="$PINNING" \
  --charts-dir="$CHARTS_DIR" --charts-note="$CHARTS_NOTE" \
  ${OURS_BEFORE_DIR:+--before="$OURS_BEFORE_DESC" --before-runtimeconfig="$OURS_BEFORE_DIR/ChatService.runtimeconfig.json"}
log "wrote $HERE/$OUT_NAME.md"
cat "$HERE/$OUT_NAME.md"
