#!/usr/bin/env node
'use strict';
// The grpc-js peer for the benchmarks: the chat.v1 contract (protos/chat/v1) served by
// @grpc/grpc-js with rooms, per-room seq and fan-out held in memory. It does the work a plain
// grpc-js chat server would do for our benchmark workloads, and nothing is stored:
//   AuthService.Register   -> a dummy token naming the user ("bench.<user_name>")
//   ChatService.CreateRoom -> an in-memory room
//   ChatService.Connect    -> welcome first; join -> joined (with the members present); a join with
//                             after_seq (and this server's store_epoch, or none) replays every message
//                             after it from the room's in-memory buffer before live ones (COMPLETE),
//                             or answers RESET when after_seq is not in the buffer;
//                             send -> message to every member of the room (the sender too, as
//                             ours does), then send_ack; typing -> typing to the other members;
//                             leave -> left; ping -> pong.
// A broadcast frame is serialized once and the same bytes are written to every member, as our
// server and Socket.io do. Every other method answers UNIMPLEMENTED.
//
// Usage: node grpcjs-server.js [--port=0]   prints "listening PORT" once bound to 127.0.0.1.

const crypto = require('crypto');
const { grpc, ChatServiceDefinition, AuthServiceDefinition } = require('./chatproto');

function arg(name, fallback) {
  const prefix = `--${name}=`;
  const found = process.argv.find((a) => a.startsWith(prefix));
  return found ? found.slice(prefix.length) : fallback;
}

const STORE_EPOCH = crypto.randomBytes(8).toString('hex');
const ROOM_ID = /^[a-z0-9_-]{1,64}$/;

// A Connect whose frames may be pre-serialized: a Buffer is written as is, anything else is encoded.
const connectDef = ChatServiceDefinition.Connect;
const encodeServerFrame = connectDef.responseSerialize;
const chatService = {
  ...ChatServiceDefinition,
  Connect: { ...connectDef, responseSerialize: (v) => (Buffer.isBuffer(v) ? v : encodeServerFrame(v)) },
};

/** room id -> { id, title, kind, seq, members: Set<Session>, replay: Buffer[] } */
const rooms = new Map();
// The last REPLAY_PER_ROOM serialized message frames of each room, for resumes (ours keeps 10,000 per
// room in memory too when it does not persist them). Message seq q sits at q % REPLAY_PER_ROOM.
const REPLAY_PER_ROOM = 10000;
let nextSession = 0;
let nextMessage = 0;

function now() {
  const ms = Date.now();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function userFromToken(metadata) {
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string' || !header.startsWith('Bearer bench.')) return null;
  const name = header.slice('Bearer bench.'.length);
  return name.length > 0 ? { id: `u-${name}`, name, role: 'ROLE_MEMBER' } : null;
}

function unauthenticated(callback) {
  callback({ code: grpc.status.UNAUTHENTICATED, details: 'Send authorization: Bearer <token from Register>.' });
}

function summary(room) {
  return { id: room.id, title: room.title, kind: room.kind, last_seq: room.seq, member_count: room.members.size, is_member: true };
}

function register(call, callback) {
  const name = call.request.user_name || '';
  if (!/^[A-Za-z0-9_.-]{3,32}$/.test(name)) {
    callback({ code: grpc.status.INVALID_ARGUMENT, details: 'user_name: 3-32 letters, digits, -, _ or .' });
    return;
  }
  callback(null, {
    user: { id: `u-${name}`, name, role: 'ROLE_MEMBER' },
    tokens: { access_token: `bench.${name}`, refresh_token: `bench-refresh.${name}` },
  });
}

function createRoom(call, callback) {
  const user = userFromToken(call.metadata);
  if (!user) return unauthenticated(callback);
  const { id, title, kind } = call.request;
  if (!ROOM_ID.test(id || '')) {
    callback({ code: grpc.status.INVALID_ARGUMENT, details: `'${id}' is not a room id` });
    return;
  }
  if (rooms.has(id)) {
    callback({ code: grpc.status.ALREADY_EXISTS, details: `Room '${id}' exists.` });
    return;
  }
  const room = { id, title: title || id, kind: kind || 'ROOM_KIND_PUBLIC', seq: 0, members: new Set(), replay: [] };
  rooms.set(id, room);
  callback(null, { room: summary(room) });
}

function connect(call) {
  const user = userFromToken(call.metadata);
  if (!user) {
    call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'Send authorization: Bearer <token from Register>.' });
    return;
  }
  const session = { id: `s${++nextSession}`, user, call, rooms: new Set(), closed: false };
  const reply = (requestId, frame) => {
    if (!session.closed) call.write({ request_id: requestId, ...frame });
  };
  const error = (requestId, code, message, clientMsgId) => reply(requestId, { error: { code, message, client_msg_id: clientMsgId } });

  reply('', { welcome: { session_id: session.id, user, server_time: now(), store_epoch: STORE_EPOCH } });

  call.on('data', (frame) => {
    const requestId = frame.request_id || '';
    switch (frame.frame) {
      case 'join': {
        const join = frame.join;
        const room = rooms.get(join.room);
        if (!room) return error(requestId, grpc.status.NOT_FOUND, `Room '${join.room}' does not exist.`);
        const afterSeq = join.after_seq || 0;
        let resume = 'RESUME_RESULT_FRESH';
        if (afterSeq > 0) {
          const sameHistory = !join.store_epoch || join.store_epoch === STORE_EPOCH;
          resume = sameHistory && afterSeq <= room.seq && afterSeq >= room.seq - REPLAY_PER_ROOM ? 'RESUME_RESULT_COMPLETE' : 'RESUME_RESULT_RESET';
        }
        room.members.add(session);
        session.rooms.add(room);
        const members = [];
        for (const m of room.members) members.push({ user_id: m.user.id, user_name: m.user.name, status: 'PRESENCE_STATUS_ONLINE' });
        reply(requestId, { joined: { room: summary(room), members, last_seq: room.seq, resume } });
        // Written before this handler returns, so no live message of the room can come in between.
        if (resume === 'RESUME_RESULT_COMPLETE') {
          for (let q = afterSeq + 1; q <= room.seq && !session.closed; q++) call.write(room.replay[q % REPLAY_PER_ROOM]);
        }
        return undefined;
      }
      case 'leave': {
        const room = rooms.get(frame.leave.room);
        if (!room || !session.rooms.has(room)) return error(requestId, grpc.status.FAILED_PRECONDITION, 'Not joined.');
        room.members.delete(session);
        session.rooms.delete(room);
        return reply(requestId, { left: { room: room.id } });
      }
      case 'send': {
        const send = frame.send;
        const room = rooms.get(send.room);
        if (!room || !session.rooms.has(room)) {
          return error(requestId, grpc.status.FAILED_PRECONDITION, `Join room '${send.room}' before sending to it.`, send.client_msg_id);
        }
        if (!send.text) return error(requestId, grpc.status.INVALID_ARGUMENT, 'A message needs some text.', send.client_msg_id);
        const seq = ++room.seq;
        const id = `m${++nextMessage}`;
        const sentAt = now();
        const bytes = encodeServerFrame({
          message: {
            room: room.id, seq, id, sender_id: user.id, sender_name: user.name, text: send.text, sent_at: sentAt, client_msg_id: send.client_msg_id,
          },
        });
        room.replay[seq % REPLAY_PER_ROOM] = bytes;
        for (const member of room.members) {
          if (!member.closed) member.call.write(bytes);
        }
        return reply(requestId, { send_ack: { client_msg_id: send.client_msg_id, room: room.id, seq, id, sent_at: sentAt } });
      }
      case 'typing': {
        const room = rooms.get(frame.typing.room);
        if (!room || !session.rooms.has(room)) return error(requestId, grpc.status.FAILED_PRECONDITION, 'Not joined.');
        const bytes = encodeServerFrame({ typing: { room: room.id, user_id: user.id, user_name: user.name, active: !!frame.typing.active } });
        for (const member of room.members) {
          if (member !== session && !member.closed) member.call.write(bytes);
        }
        return undefined;
      }
      case 'ping':
        return reply(requestId, { pong: { nonce: frame.ping.nonce, server_time: now() } });
      default:
        return error(requestId, grpc.status.UNIMPLEMENTED, `The bench peer does not handle '${frame.frame}' frames.`);
    }
  });

  const close = () => {
    if (session.closed) return;
    session.closed = true;
    for (const room of session.rooms) room.members.delete(session);
    session.rooms.clear();
  };
  call.on('end', () => {
    close();
    call.end();
  });
  call.on('cancelled', close);
  call.on('error', close);
  call.on('close', close);
}

const server = new grpc.Server();
server.addService(AuthServiceDefinition, { Register: register });
server.addService(chatService, { Connect: connect, CreateRoom: createRoom });
server.bindAsync(`127.0.0.1:${Number(arg('port', '0'))}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    console.error(`bind failed: ${err.message}`);
    process.exit(1);
  }
  console.log(`listening ${port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.forceShutdown();
    process.exit(0);
  });
}
