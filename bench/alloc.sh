#!/usr/bin/env bash
# Measures our server's managed allocations and CPU per delivered message, for two builds of it
# side by side in one run (e.g. before and after a change to the broadcast path), and writes
# bench/alloc-results.md.
#
#   bash bench/alloc.sh
#
# Each build runs BENCH_ALLOC_ROUNDS (2) times, alternating current, before, current, before, so a
# drift of this shared machine shows as a difference between rounds rather than between builds.
# Every run: a fresh server started as bench/run.sh's start_server starts `ours` (the same CHAT_
# settings: messages stored in SQLite, rate limits out of the way; a fresh data directory, free
# loopback ports), `dotnet-counters collect` attached to it (meter System.Runtime, counters
# dotnet.gc.heap.total_allocated and dotnet.process.cpu.time, every second, JSON), then the load
# generator's fixed-rate fan-out (bench/node/loadgen.js --scenario=fanout, as run.sh calls it, with
# --client=wire): one sender into a room of BENCH_ALLOC_MEMBERS (100) at BENCH_ALLOC_RATE (200)
# msg/s for BENCH_ALLOC_SECONDS (10) s, after a BENCH_ALLOC_WARMUP_S (5) s warm-up at the same rate.
#
# What is counted (bench/node/alloc.js): the load generator's window for the measured step ends
# when it logs the step's result line (each of its stderr lines is stamped with the time it
# arrived) and lasts the result's window_s, BENCH_ALLOC_SECONDS of sending and the drain. The
# counters' per-second increments are summed over the intervals stamped from 1.5 s after the
# step's first send to its last send: dotnet-counters stamps an interval's increment about one
# interval late (checked against /proc), and this steady part of a fixed-rate step keeps the
# warm-up, the drain and the session teardown out. Those sums ÷ the time they span are the
# server's allocation rate (bytes/s) and CPU rate; ÷ the step's deliveries/s (loadgen's JSON)
# they give bytes allocated per delivery (all the server's managed allocations, the per-message
# work of the send, its ack and storing it spread over the room) and µs of server CPU (user +
# system) per delivery. Next to them: loadgen's own /proc utime+stime reading of the server over
# the whole step window, as a check, and p99 latency. Then medians per build, current ÷ before.
#
# The two builds are ReadyToRun publishes, as deployed (and as run.sh runs ours):
#   dotnet publish ChatService -c Release -r linux-x64 --self-contained false \
#     -p:PublishReadyToRun=true -o /work/bench-current/ChatService
# and the before build from a git worktree of the previous commit:
#   git worktree add /tmp/before HEAD~1 && (cd /tmp/before && dotnet publish ChatService -c Release \
#     -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o /work/bench-before/ChatService)
# (this script builds nothing). dotnet-counters: `dotnet tool install -g dotnet-counters`
# (~/.dotnet/tools is added to PATH here).
#
# Environment:
#   BENCH_ALLOC_CURRENT=DLL   default /work/bench-current/ChatService/ChatService.dll
#   BENCH_ALLOC_BEFORE=DLL    default /work/bench-before/ChatService/ChatService.dll
#   BENCH_ALLOC_RATE=R        msg/s (200)      BENCH_ALLOC_MEMBERS=M   room size (100)
#   BENCH_ALLOC_SECONDS=S     measured s (10)  BENCH_ALLOC_WARMUP_S=W  warm-up s (5)
#   BENCH_ALLOC_ROUNDS=N      rounds of each build (2)
#   BENCH_ALLOC_OUT=FILE      results file (default bench/alloc-results.md)
#   BENCH_KEEP=1              keep the work directory (server logs, counter exports)
#
# Every process it starts (servers, dotnet-counters, load generators) runs under `timeout` and is
# stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_DIR="$HERE/node"
export PATH="$PATH:$HOME/.dotnet/tools"

CURRENT_DLL="${BENCH_ALLOC_CURRENT:-/work/bench-current/ChatService/ChatService.dll}"
BEFORE_DLL="${BENCH_ALLOC_BEFORE:-/work/bench-before/ChatService/ChatService.dll}"
RATE="${BENCH_ALLOC_RATE:-200}"
MEMBERS="${BENCH_ALLOC_MEMBERS:-100}"
MEASURE_S="${BENCH_ALLOC_SECONDS:-10}"
WARMUP_S="${BENCH_ALLOC_WARMUP_S:-5}"
ROUNDS="${BENCH_ALLOC_ROUNDS:-2}"
OUT="${BENCH_ALLOC_OUT:-$HERE/alloc-results.md}"
REFRESH_S=1
LOADGEN_LIMIT=$((WARMUP_S + MEASURE_S + 90))
SERVER_LIMIT=$((LOADGEN_LIMIT + 60))

case "${1:-}" in
  -h | --help)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
    exit 0
    ;;
  "") ;;
  *)
    echo "alloc.sh: unknown argument $1 (try --help)" >&2
    exit 64
    ;;
esac

for dll in "$CURRENT_DLL" "$BEFORE_DLL"; do
  if [ ! -f "$dll" ]; then
    echo "alloc.sh: $dll is missing (see the header for how to publish it)" >&2
    exit 1
  fi
done
if ! command -v dotnet-counters >/dev/null; then
  echo "alloc.sh: dotnet-counters is not on PATH (dotnet tool install -g dotnet-counters)" >&2
  exit 1
fi
if [ ! -f "$NODE_DIR/node_modules/.package-lock.json" ]; then
  echo "alloc.sh: the load generator's packages are missing: (cd bench/node && npm ci)" >&2
  exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/chatalloc.XXXXXX")"
RESULTS="$WORK/alloc.jsonl"
: >"$RESULTS"
START_S=$SECONDS
STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LOADAVG_START="$(cut -d" " -f1-3 /proc/loadavg)"

SERVER_TIMEOUT_PID="" # the `timeout` in front of the server
SERVER_PID=""         # the server (dotnet) itself
COUNTERS_PID=""
SAMPLER_PID=""
LOADGEN_PID=""
STAMP_PID=""

log() { echo "[alloc +$((SECONDS - START_S))s] $*" >&2; }

stop_pid() { # pid [seconds]: TERM, then KILL after the grace period
  local pid="$1" grace="${2:-5}"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The server first: dotnet-counters ends its session (and writes its file) when the server exits.
stop_server() {
  local pid="$SERVER_PID" tpid="$SERVER_TIMEOUT_PID"
  SERVER_PID=""
  SERVER_TIMEOUT_PID=""
  stop_pid "$pid"
  stop_pid "$tpid" 1
}

stop_counters() { # wait a little for it to write its file, then stop it
  local pid="$COUNTERS_PID"
  COUNTERS_PID=""
  [ -n "$pid" ] || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  stop_pid "$pid"
}

cleanup() {
  local status=$?
  stop_pid "$LOADGEN_PID" # timeout passes it on to the load generator
  LOADGEN_PID=""
  stop_server
  stop_counters
  stop_pid "$SAMPLER_PID" 1
  SAMPLER_PID=""
  stop_pid "$STAMP_PID" 1
  STAMP_PID=""
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

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

free_port() {
  timeout 10 node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
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

RUN_COUNT=0
SERVER_PORT=""
# Starts a build as run.sh's start_server starts `ours`, but under `timeout`; sets SERVER_PID to
# the dotnet process (the one the counters and loadgen's /proc readings are about).
start_server() { # dll
  local dll="$1" web logf="$WORK/server-$RUN_COUNT.log"
  SERVER_PORT="$(free_port)"
  web="$(free_port)"
  mkdir -p "$WORK/data-$RUN_COUNT"
  timeout --kill-after=5 "$SERVER_LIMIT" env CHAT_Endpoints__Host=127.0.0.1 \
    CHAT_Endpoints__GrpcPort="$SERVER_PORT" \
    CHAT_Endpoints__WebPort="$web" \
    CHAT_Storage__DataDirectory="$WORK/data-$RUN_COUNT" \
    CHAT_Storage__PersistMessages=true \
    CHAT_Auth__PasswordIterations=1000 CHAT_Auth__PasswordHashQueue=100000 \
    CHAT_Chat__SendRate__PerSecond=100000 CHAT_Chat__SendRate__Burst=100000 \
    CHAT_Chat__JoinRate__PerSecond=100000 CHAT_Chat__JoinRate__Burst=100000 \
    CHAT_Chat__TypingRate__PerSecond=100000 CHAT_Chat__TypingRate__Burst=100000 \
    CHAT_Chat__MaxConnectionsPerUser=1000000 \
    CHAT_Logging__LogLevel__Default=Warning \
    dotnet "$dll" >"$logf" 2>&1 &
  SERVER_TIMEOUT_PID=$!
  SERVER_PID=""
  for _ in $(seq 1 100); do # env execs dotnet: the one child of timeout
    SERVER_PID="$(pgrep -P "$SERVER_TIMEOUT_PID" | head -n 1 || true)"
    [ -n "$SERVER_PID" ] && break
    kill -0 "$SERVER_TIMEOUT_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$SERVER_PID" ] || ! wait_for_port "$SERVER_PORT" 30 "$SERVER_PID"; then
    log "the server did not start; its log:"
    cat "$logf" >&2
    stop_server
    return 1
  fi
  log "server listening on 127.0.0.1:$SERVER_PORT (pid $SERVER_PID)"
}

start_counters() { # file
  local logf="$WORK/counters-$RUN_COUNT.log"
  timeout --kill-after=5 "$SERVER_LIMIT" dotnet-counters collect -p "$SERVER_PID" \
    --counters 'System.Runtime[dotnet.gc.heap.total_allocated,dotnet.process.cpu.time]' \
    --format json -o "$1" --refresh-interval "$REFRESH_S" </dev/null >"$logf" 2>&1 &
  COUNTERS_PID=$!
  # The session is up once the tool says so; a first sample a second later, before the warm-up ends.
  for _ in $(seq 1 300); do
    grep -q "Starting a counter session" "$logf" 2>/dev/null && break
    if ! kill -0 "$COUNTERS_PID" 2>/dev/null; then
      log "dotnet-counters exited early; its output:"
      cat "$logf" >&2
      COUNTERS_PID=""
      return 1
    fi
    sleep 0.1
  done
  sleep 1.5
}

run_one() { # build dll round
  local build="$1" dll="$2" round="$3" target=ours status=0
  [ "$build" = before ] && target=ours-before
  RUN_COUNT=$((RUN_COUNT + 1))
  local counters="$WORK/counters-$RUN_COUNT.json" out="$WORK/loadgen-$RUN_COUNT.out" lglog="$WORK/loadgen-$RUN_COUNT.log"
  local fifo="$WORK/loadgen-$RUN_COUNT.fifo" procf="$WORK/proc-$RUN_COUNT.txt"
  log "$build round $round: $dll"
  if ! start_server "$dll"; then
    printf '{"build":"%s","round":%s,"ok":false,"error":"server did not start"}\n' "$build" "$round" >>"$RESULTS"
    return 0
  fi
  if ! start_counters "$counters"; then
    stop_server
    printf '{"build":"%s","round":%s,"ok":false,"error":"dotnet-counters did not start"}\n' "$build" "$round" >>"$RESULTS"
    return 0
  fi
  # The server's utime+stime from /proc every 0.25 s, to check how dotnet-counters stamps its intervals.
  timeout "$SERVER_LIMIT" bash -c 'while read -r st <"/proc/$1/stat"; do f=(${st##*) }); echo "$EPOCHREALTIME ${f[11]} ${f[12]}"; sleep 0.25; done 2>/dev/null' \
    _ "$SERVER_PID" >"$procf" &
  SAMPLER_PID=$!
  # loadgen's stderr, each line stamped with the epoch time it arrived (the window's end is one of them).
  mkfifo "$fifo"
  timeout "$((LOADGEN_LIMIT + 10))" bash -c 'while IFS= read -r line; do printf "%s %s\n" "$EPOCHREALTIME" "$line"; done' <"$fifo" >"$lglog" &
  STAMP_PID=$!
  log "$build round $round: node loadgen.js --scenario=fanout --members=$MEMBERS --rate=$RATE --seconds=$MEASURE_S --warmup-s=$WARMUP_S"
  timeout --kill-after=5 "$LOADGEN_LIMIT" node "$NODE_DIR/loadgen.js" --target="$target" --port="$SERVER_PORT" \
    --server-pid="$SERVER_PID" --label="alloc-fanout-$MEMBERS" --run="$round" --timeout-s="$((LOADGEN_LIMIT - 5))" --client=wire \
    --scenario=fanout --members="$MEMBERS" --rate="$RATE" --seconds="$MEASURE_S" --warmup-s="$WARMUP_S" >"$out" 2>"$fifo" &
  LOADGEN_PID=$!
  wait "$LOADGEN_PID" || status=$?
  LOADGEN_PID=""
  wait "$STAMP_PID" 2>/dev/null || true
  STAMP_PID=""
  [ "$status" -eq 0 ] || log "$build round $round: the load generator exited with status $status"
  sed 's/^[0-9.]* //' "$lglog" | tail -n 2 >&2
  stop_server
  stop_counters
  stop_pid "$SAMPLER_PID" 1
  SAMPLER_PID=""
  timeout 30 node "$NODE_DIR/alloc.js" window --proc="$procf" --clk-tck="$(getconf CLK_TCK)" --counters="$counters" --loadgen-log="$lglog" --result="$out" \
    --build="$build" --round="$round" --dll="$dll" >>"$RESULTS"
  tail -n 1 "$RESULTS" | timeout 10 node -e '
    const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const w = (r.warnings || []).length ? `; warnings: ${r.warnings.join("; ")}` : "";
    console.error(r.ok ? `[alloc] ${r.build} round ${r.round}: ${r.deliveries_per_s} deliveries/s, ${r.bytes_per_delivery} B and ${r.cpu_us_per_delivery} µs CPU per delivery (/proc ${r.proc_cpu_us_per_delivery} µs), p99 ${r.p99_ms} ms${w}`
      : `[alloc] ${r.build} round ${r.round}: failed: ${r.error}${w}`);'
}

log "rate $RATE msg/s, room of $MEMBERS, $MEASURE_S s after a $WARMUP_S s warm-up, $ROUNDS rounds; load average $LOADAVG_START"
for round in $(seq 1 "$ROUNDS"); do
  run_one current "$CURRENT_DLL" "$round"
  run_one before "$BEFORE_DLL" "$round"
done
LOADAVG_END="$(cut -d" " -f1-3 /proc/loadavg)"

describe() { # dll -> path, mtime, short sha256
  printf '%s (built %s, sha256 %s)' "$1" "$(date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ)" "$(sha256sum "$1" | cut -c1-12)"
}
timeout 30 node "$NODE_DIR/alloc.js" report --results="$RESULTS" --markdown-out="$OUT" \
  --started="$STARTED_AT, $((SECONDS - START_S)) s" \
  --machine="$(nproc) cores, $(dotnet --list-runtimes 2>/dev/null | awk '/NETCore.App/ { v = $2 } END { print "Microsoft.NETCore.App " v }'), node $(node --version), dotnet-counters $(dotnet-counters --version 2>/dev/null | cut -d+ -f1)" \
  --params="fan-out into a room of $MEMBERS, $RATE msg/s, $MEASURE_S s measured after a $WARMUP_S s warm-up, $ROUNDS rounds alternating current/before, client wire, messages stored (SQLite)" \
  --current="$(describe "$CURRENT_DLL")" --before="$(describe "$BEFORE_DLL")" \
  --loadavg="$LOADAVG_START at the start, $LOADAVG_END at the end"
log "wrote $OUT"
