#!/usr/bin/env python3
"""Fills a stopped server's SQLite store with synthetic messages for bench/search.sh.

    search-fill.py DB MESSAGES ROOM_IDS_FILE

Words come from a fixed 5,000-word vocabulary drawn with a Zipf-like skew (a few words in many
messages, most in few), 4-16 words a message; how many messages hold each word the benchmark
queries is printed as JSON on stdout. Seeded: every run writes the same store. The insert trigger
queues each message for the search indexer, as a send would.
"""
import random
import sqlite3
import sys
import time

db, total, rooms_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rooms = [r.strip() for r in open(rooms_file) if r.strip()]
vocabulary = [f"w{i}" for i in range(5000)]
weights = [1 / (i + 1) for i in range(5000)]
rng = random.Random(42)
connection = sqlite3.connect(db)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA synchronous=OFF")
started = time.time()
next_seq = {room: 0 for room in rooms}
probes = ["w0", "w50", "w4000", "w10", "w20"]
holding = {w: 0 for w in probes + ["w10 w20"]}
batch = []
base = int(time.time() * 1000) - total
for n in range(total):
    room = rooms[n % len(rooms)]
    next_seq[room] += 1
    words = rng.choices(vocabulary, weights=weights, k=rng.randint(4, 16))
    present = set(words)
    for w in probes:
        holding[w] += w in present
    holding["w10 w20"] += "w10" in present and "w20" in present
    batch.append((room, next_seq[room], f"m{n}", "filler", "filler", f"c{n}", " ".join(words), base + n))
    if len(batch) == 50_000:
        connection.executemany("INSERT INTO messages (room_id, seq, id, sender_id, sender_name, client_msg_id, text, sent_at) VALUES (?,?,?,?,?,?,?,?)", batch)
        connection.commit()
        batch.clear()
if batch:
    connection.executemany("INSERT INTO messages (room_id, seq, id, sender_id, sender_name, client_msg_id, text, sent_at) VALUES (?,?,?,?,?,?,?,?)", batch)
    connection.commit()
import json
print(json.dumps(holding))
print(f"{total} messages in {len(rooms)} rooms written in {time.time() - started:.1f} s", file=sys.stderr)
