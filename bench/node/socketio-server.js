#!/usr/bin/env node
'use strict';
// The Socket.io peer for the benchmarks: a Socket.io 4 chat server with the features our
// workloads use, in memory, nothing stored. WebSocket transport only, no compression.
//   handshake auth { name }            -> the sender name put on messages
//   'join'    (room, ack)              -> joins the room; ack { room, last_seq }
//   'leave'   (room, ack)              -> leaves it
//   'message' ({ room, text, client_msg_id }, ack)
//                                      -> 'message' { room, seq, id, sender, text, client_msg_id, sent_at }
//                                         to everyone in the room, the sender too (as ours does),
//                                         then ack { room, seq, id, client_msg_id, sent_at }
//   'typing'  ({ room, active })       -> 'typing' { room, user, active } to the others in the room
// Seq is per room (1, 2, 3, ...). A broadcast is encoded once by Socket.io's adapter.
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

io.use((socket, next) => {
  const name = socket.handshake.auth && socket.handshake.auth.name;
  socket.data.name = typeof name === 'string' && name.length > 0 ? name : socket.id;
  next();
});

io.on('connection', (socket) => {
  const answer = (ack, value) => {
    if (typeof ack === 'function') ack(value);
  };

  socket.on('join', (room, ack) => {
    if (typeof room !== 'string' || room.length === 0) return answer(ack, { error: 'room required' });
    socket.join(room);
    return answer(ack, { room, last_seq: seqs.get(room) || 0 });
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
