#!/usr/bin/env node
'use strict';
// The Socket.io peer for the benchmarks: a Socket.io 4 chat server with the features our
// workloads use, in memory, nothing stored. WebSocket transport only, no compression.
//   handshake auth { name }            -> the sender name put on messages
//   'join'    (room | { room, after_seq }, ack)
//                                      -> joins the room; ack { room, last_seq, resume }. With after_seq
//                                         (a resume after a reconnect) every message after it is sent
//                                         first, from the room's in-memory buffer ('complete'), or,
//                                         when after_seq is not in it, nothing ('reset')
//   'leave'   (room, ack)              -> leaves it
//   'message' ({ room, text, client_msg_id }, ack)
//                                      -> 'message' { room, seq, id, sender, text, client_msg_id, sent_at }
//                                         to everyone in the room, the sender too (as ours does),
//                                         then ack { room, seq, id, client_msg_id, sent_at }
//   'typing'  ({ room, active })       -> 'typing' { room, user, active } to the others in the room
// Seq is per room (1, 2, 3, ...). A broadcast is encoded once by Socket.io's adapter.
// Resuming is done by the application, by seq and per room, as ours and the grpc-js peer do, not with
// Socket.io's connectionStateRecovery: that restores one socket's session (all its rooms) only for
// a client that reconnects the same Socket object within maxDisconnectionDuration, and it tags and
// keeps every packet of every room for every server, which would change what the other scenarios measure.
//
// Usage: node socketio-server.js [--port=0]   prints "listening PORT" once bound to 127.0.0.1.

const http = require('http');
const { Server } = require('socket.io');

function arg(name, fallback) {
  const prefix = `--${name}=`;
  const found = process.argv.find((a) => a.startsWith(prefix));
  return found ? found.slice(prefix.length) : fallback;
}

const httpServer = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  maxHttpBufferSize: 65536, // as our server's Endpoints:MaxMessageBytes
});

/** room id -> last seq */
const seqs = new Map();
let nextMessage = 0;
// The last REPLAY_PER_ROOM messages of each room, for resumes (ours keeps 10,000 per room in memory too
// when it does not persist them). Message seq q sits at q % REPLAY_PER_ROOM.
const REPLAY_PER_ROOM = 10000;
/** room id -> array of sent messages */
const replay = new Map();

io.use((socket, next) => {
  const name = socket.handshake.auth && socket.handshake.auth.name;
  socket.data.name = typeof name === 'string' && name.length > 0 ? name : socket.id;
  next();
});

io.on('connection', (socket) => {
  const answer = (ack, value) => {
    if (typeof ack === 'function') ack(value);
  };

  socket.on('join', (request, ack) => {
    const room = typeof request === 'string' ? request : request && request.room;
    if (typeof room !== 'string' || room.length === 0) return answer(ack, { error: 'room required' });
    const afterSeq = typeof request === 'object' ? Number(request.after_seq) || 0 : 0;
    const lastSeq = seqs.get(room) || 0;
    let resume = 'fresh';
    if (afterSeq > 0) {
      const buffer = replay.get(room);
      // Node runs this to the end before any other message of the room is sent, so the replay and the
      // live messages after the join cannot interleave.
      if (buffer && afterSeq <= lastSeq && afterSeq >= lastSeq - REPLAY_PER_ROOM) {
        resume = 'complete';
        for (let q = afterSeq + 1; q <= lastSeq; q++) socket.emit('message', buffer[q % REPLAY_PER_ROOM]);
      } else {
        resume = 'reset';
      }
    }
    socket.join(room);
    return answer(ack, { room, last_seq: lastSeq, resume });
  });

  socket.on('leave', (room, ack) => {
    socket.leave(room);
    answer(ack, { room });
  });

  socket.on('message', (msg, ack) => {
    const room = msg && msg.room;
    if (typeof room !== 'string' || !socket.rooms.has(room)) return answer(ack, { error: `join room '${room}' before sending to it` });
    if (typeof msg.text !== 'string' || msg.text.length === 0) return answer(ack, { error: 'a message needs some text' });
    const seq = (seqs.get(room) || 0) + 1;
    seqs.set(room, seq);
    const out = {
      room, seq, id: `m${++nextMessage}`, sender: socket.data.name, text: msg.text, client_msg_id: msg.client_msg_id, sent_at: Date.now(),
    };
    let buffer = replay.get(room);
    if (!buffer) {
      buffer = [];
      replay.set(room, buffer);
    }
    buffer[seq % REPLAY_PER_ROOM] = out;
    io.to(room).emit('message', out);
    return answer(ack, { room, seq, id: out.id, client_msg_id: msg.client_msg_id, sent_at: out.sent_at });
  });

  socket.on('typing', (msg) => {
    const room = msg && msg.room;
    if (typeof room !== 'string' || !socket.rooms.has(room)) return;
    socket.to(room).emit('typing', { room, user: socket.data.name, active: !!msg.active });
  });
});

httpServer.listen(Number(arg('port', '0')), '127.0.0.1', () => {
  console.log(`listening ${httpServer.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
