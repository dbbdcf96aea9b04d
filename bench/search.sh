#!/usr/bin/env bash
# Search on a large embedded store: BENCH_SEARCH_MESSAGES (1,000,000) synthetic messages in
# BENCH_SEARCH_ROOMS (100) rooms (bench/search-fill.py, written straight into the stopped server's
# SQLite file, queued for indexing by the schema's trigger as sends are), then the server is
# started and timed until its indexer has emptied the queue, then each query kind of
# bench/node/search.js runs BENCH_SEARCH_REPEATS (50) times. Writes bench/search-results.md.
#
#   BENCH_OURS_DIR=DIR bash bench/search.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
NODE_DIR="$ROOT/bench/node"
OURS_DIR="${BENCH_OURS_DIR:-$ROOT/ChatService/bin/bench}"
MESSAGES="${BENCH_SEARCH_MESSAGES:-1000000}"
ROOMS="${BENCH_SEARCH_ROOMS:-100}"
REPEATS="${BENCH_SEARCH_REPEATS:-50}"
WORK="$(mktemp -d /tmp/chatgrpc-search.XXXXXX)"
log() { echo "[search $(date +%T)] $*" >&2; }
# shellcheck source=bench/ours-server.sh
. "$ROOT/bench/ours-server.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT

publish_ours "$OURS_DIR"
[ -d "$NODE_DIR/node_modules" ] || (cd "$NODE_DIR" && npm ci --no-audit --no-fund >&2)
settings=(CHAT_Auth__PasswordIterations=1000 CHAT_Chat__JoinRate__PerSecond=100000 CHAT_Chat__JoinRate__Burst=100000)

start_ours store "$OURS_DIR" "${settings[@]}"
node "$NODE_DIR/search.js" --address="127.0.0.1:$SERVER_PORT" --phase=setup --rooms="$ROOMS" >"$WORK/rooms.txt"
stop_server
holding="$(python3 "$ROOT/bench/search-fill.py" "$WORK/store/chat.db" "$MESSAGES" "$WORK/rooms.txt")"

queued() { python3 -c "import sqlite3,sys; print(sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True).execute('SELECT COUNT(*) FROM message_search_queue').fetchone()[0])" "$WORK/store/chat.db"; }
started=$(date +%s.%N)
start_ours store "$OURS_DIR" "${settings[@]}"
while [ "$(queued)" -gt 0 ]; do sleep 0.5; done
indexed=$(echo "$(date +%s.%N) - $started" | bc)
log "indexed $MESSAGES messages in $indexed s (from the server's start)"
results="$(node "$NODE_DIR/search.js" --address="127.0.0.1:$SERVER_PORT" --phase=query --repeats="$REPEATS")"
rss=$(ps -o rss= -p "$SERVER_PID" | tr -d ' ')
db_mb=$(du -m "$WORK/store/chat.db" | cut -f1)
stop_server

node - "$MESSAGES" "$ROOMS" "$REPEATS" "$indexed" "$rss" "$db_mb" "$holding" "$results" >"$ROOT/bench/search-results.md" <<'EOF_NODE'
const [messages, rooms, repeats, indexed, rss, dbMb, holding, results] = process.argv.slice(2);
const held = JSON.parse(holding);
const r = JSON.parse(results);
const share = { 'rare word, all rooms': 'w4000', 'common word, all rooms': 'w0', 'two words, all rooms': 'w10 w20', 'common word, one room': 'w0', 'common word, page 3 (offset 40)': 'w50' };
const day = new Date().toISOString().slice(0, 10);
console.log('# Search on a large store (bench/search.sh)\n');
console.log(`${day}: ${Number(messages).toLocaleString('en')} synthetic messages (4-16 words from a 5,000-word vocabulary, Zipf-like) in ${rooms} rooms, SQLite; the reader is a member of every room. Each query ${repeats} times, one at a time, 20 hits a page, over gRPC on loopback.\n`);
console.log(`Indexing from the server's start until the queue was empty: ${Number(indexed).toFixed(1)} s; database file ${dbMb} MB; server RSS after the queries ${(rss / 1024).toFixed(0)} MiB.\n`);
console.log('| query | messages holding it | p50, ms | p99, ms | hits on the page |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, v] of Object.entries(r)) {
  const word = share[name];
  const count = word && held[word] !== undefined ? held[word].toLocaleString('en') + (name.includes('one room') ? ' (all rooms)' : '') : '-';
  console.log(`| ${name} | ${count} | ${v.p50} | ${v.p99} | ${v.hits} |`);
}
EOF_NODE
cat "$ROOT/bench/search-results.md"
