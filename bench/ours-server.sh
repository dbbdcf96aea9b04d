# Sourced by bench/auth.sh and bench/burst.sh: start one of our server builds on free loopback ports
# with its own data directory, wait until it listens, stop it again.
#   start_ours LABEL DIR [VAR=value...]   sets SERVER_PID, SERVER_PORT (gRPC) and SERVER_WEB_PORT; server log in $WORK/LABEL.log
#   stop_server
# Needs WORK (a scratch directory) and log (a function) from the sourcing script.

SERVER_PID=""
SERVER_PORT=""
SERVER_WEB_PORT=""

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

start_ours() {
  local label="$1" dir="$2" web i
  shift 2
  SERVER_PORT="$(free_port)"
  web="$(free_port)"
  SERVER_WEB_PORT="$web"
  mkdir -p "$WORK/$label"
  env CHAT_Endpoints__Host=127.0.0.1 CHAT_Endpoints__GrpcPort="$SERVER_PORT" CHAT_Endpoints__WebPort="$web" \
    CHAT_Storage__DataDirectory="$WORK/$label" CHAT_Logging__LogLevel__Default=Warning "$@" \
    dotnet "$dir/ChatService.dll" >"$WORK/$label.log" 2>&1 &
  SERVER_PID=$!
  for i in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$SERVER_PORT") 2>/dev/null; then
      log "$label on 127.0.0.1:$SERVER_PORT (pid $SERVER_PID) $*"
      return 0
    fi
    sleep 0.1
  done
  log "$label did not start; its log:"
  cat "$WORK/$label.log" >&2
  return 1
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

# Publishes the current tree (ReadyToRun, as deployed) into DIR unless BENCH_OURS_DIR names a build.
publish_ours() { # dir
  if [ -z "${BENCH_OURS_DIR:-}" ]; then
    log "publishing ours (Release, ReadyToRun)"
    dotnet publish ChatService -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$1" -nologo -v quiet
  fi
}
