#!/usr/bin/env node
// Chat scenario client for ChatGrpc, built on @grpc/grpc-js (an HTTP/2 gRPC
// implementation that shares no code with the server). It drives the chat.v1
// contract (protos/chat/v1) the way a real client would: register, create a
// room, open ChatService.Connect, join, send, and checks what comes back.
//
// Usage:
//   node grpcjs-chat-client.js --server=127.0.0.1:P --scenario=NAME
//
// Scenarios: two_users_chat, typing_seen, resume_after_seq, edit_resume, unauthenticated,
// error_frame_keeps_stream (python_chat_client.py implements the same ones), and
//   stalled_reader    a user who joins and stops reading (call.pause(), so HTTP/2
//                     flow control pushes back) while alice sends 200 messages of
//                     3000 characters: alice gets every ack and every message, the
//                     stalled stream ends with RESOURCE_EXHAUSTED (not CANCELLED or
//                     INTERNAL). Needs a server started with Chat:OutboxCapacity=16.
//   deadline_connect  20 times: Connect with a 300 ms deadline, join, keep the
//                     stream open without half-closing; each must end with
//                     DEADLINE_EXCEEDED, and the ended streams must be released.
//   deadline_history  a room with 50 messages; 20 History calls (limit 100) with a
//                     1 ms deadline, each DEADLINE_EXCEEDED or OK with the 50 messages.
//   Both deadline scenarios run their 20 calls twice: with a grpc-js deadline
//   (grpc-timeout sent, and grpc-js's own timer, which usually ends the call
//   first), then with grpc-timeout sent as plain metadata and no client timer
//   (a guard cancels after SERVER_DEADLINE_GUARD_MS), so that the status seen
//   is the one the server produced.
// These three print what they observed (per-status counts, who produced the
// status) on a line before the result.
// On success prints "OK: NAME" and exits 0; on failure prints one line to
// stderr and exits 1. Every unary call and every Connect stream carries a
// deadline of at most RPC_DEADLINE_MS (stalled_reader's streams:
// STALL_DEADLINE_MS), every wait for a frame gives up after WAIT_MS, and a
// watchdog ends the whole run after RUN_TIMEOUT_MS. Sends refused by the
// server's rate limit (an error frame with code 8 and retry_after) are retried
// with the same client_msg_id.
'use strict';

const crypto = require('crypto');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const RPC_DEADLINE_MS = 15000; // unary calls and Connect streams
const WAIT_MS = 15000; // longest wait for one expected frame
const QUIET_MS = 1000; // how long to watch for frames that must not come
const RUN_TIMEOUT_MS = 50000; // whole run; below the 60 s callers wrap runs in
// stalled_reader's streams live through 200 sends, which take ~18 s at the
// server's default send rate (10/s after a burst of 20).
const STALL_DEADLINE_MS = 45000;
const MAX_RATE_LIMIT_RETRIES = 50;
// Calls whose deadline only the server enforces are cancelled after this long.
const SERVER_DEADLINE_GUARD_MS = 5000;

const PROTO_ROOT = path.join(__dirname, '../../protos');
const packageDefinition = protoLoader.loadSync(
  ['chat/v1/types.proto', 'chat/v1/chat.proto', 'chat/v1/auth.proto', 'chat/v1/admin.proto'],
  {
    includeDirs: [PROTO_ROOT],
    keepCase: true,
    longs: String, // uint64 seqs arrive as decimal strings
    enums: String,
    defaults: true,
    oneofs: true, // ServerFrame.frame names the field that is set
  });
const chatv1 = grpc.loadPackageDefinition(packageDefinition).chat.v1;

class Failure extends Error {}

function check(cond, message) {
  if (!cond) throw new Failure(message);
}

function statusName(code) {
  for (const [name, value] of Object.entries(grpc.status)) if (value === code) return name;
  return String(code);
}

function describeError(err) {
  if (err && typeof err.code === 'number') {
    return `status ${statusName(err.code)} (${err.code}): ${JSON.stringify(err.details)}`;
  }
  return String(err && err.message ? err.message : err);
}

function deadline(ms = RPC_DEADLINE_MS) {
  return new Date(Date.now() + ms);
}

function suffix() {
  return crypto.randomBytes(5).toString('hex');
}

function bearer(token) {
  const md = new grpc.Metadata();
  if (token !== null && token !== undefined) md.set('authorization', `Bearer ${token}`);
  return md;
}

// A deadline for the server only: grpc-timeout as plain metadata. grpc-js sends
// it as is when the call has no deadline of its own (with one, it writes its own).
function serverTimeout(md, ms) {
  md.set('grpc-timeout', `${ms}m`);
  return md;
}

// One-line, compact rendering of a server frame for failure messages.
function brief(frame) {
  const kind = frame.frame;
  const body = kind ? frame[kind] : {};
  let detail;
  switch (kind) {
    case 'message': detail = `room=${body.room} seq=${body.seq} from=${body.sender_name} text=${JSON.stringify(body.text)}`; break;
    case 'send_ack': detail = `room=${body.room} seq=${body.seq} dup=${body.duplicate}`; break;
    case 'joined': detail = `room=${body.room && body.room.id} last_seq=${body.last_seq} resume=${body.resume} history=${(body.history || []).map((m) => m.seq).join(',')}`; break;
    case 'error': detail = `code=${body.code} message=${JSON.stringify(body.message)} client_msg_id=${body.client_msg_id}`; break;
    case 'typing': detail = `room=${body.room} user=${body.user_name} active=${body.active}`; break;
    case 'member_joined':
    case 'member_left': detail = `room=${body.room} user=${body.member && body.member.user_name}`; break;
    case 'welcome': detail = `user=${body.user && body.user.name} epoch=${body.store_epoch}`; break;
    default: detail = '';
  }
  return `${kind}${frame.request_id ? `[${frame.request_id}]` : ''}(${detail})`;
}

function unary(client, method, request, metadata = new grpc.Metadata()) {
  return new Promise((resolve, reject) => {
    client[method](request, metadata, { deadline: deadline() }, (err, resp) => (err ? reject(err) : resolve(resp)));
  });
}

async function call(what, client, method, request, metadata) {
  try {
    return await unary(client, method, request, metadata);
  } catch (e) {
    throw new Failure(`${what}: ${method} failed with ${describeError(e)}`);
  }
}

// ---------------------------------------------------------------------------
// Users and streams

class Session {
  constructor(target) {
    this.target = target;
    this.clients = [];
    this.conns = [];
  }

  client(service) {
    const c = new chatv1[service](this.target, grpc.credentials.createInsecure());
    this.clients.push(c);
    return c;
  }

  // Registers a fresh user; returns { name, id, token }.
  async register(prefix) {
    const name = `${prefix}_${suffix()}`;
    const resp = await call(`register ${name}`, this.client('AuthService'), 'Register',
      { user_name: name, password: `pw-${suffix()}-long` });
    check(resp.tokens && resp.tokens.access_token, `register ${name}: response has no access_token`);
    check(resp.user && resp.user.name === name, `register ${name}: response user is ${JSON.stringify(resp.user)}`);
    return { name, id: resp.user.id, token: resp.tokens.access_token };
  }

  async createRoom(user) {
    const id = `room-${suffix()}`;
    const resp = await call(`${user.name} creates room ${id}`, this.client('ChatService'), 'CreateRoom',
      { id, title: `Room ${id}`, kind: 'ROOM_KIND_PUBLIC' }, bearer(user.token));
    check(resp.room && resp.room.id === id, `CreateRoom ${id}: response room is ${JSON.stringify(resp.room)}`);
    return id;
  }

  // Opens Connect for the user and waits for its Welcome.
  async connect(user, options = {}) {
    const conn = new Conn(options.client || this.client('ChatService'), user, options);
    this.conns.push(conn);
    const w = await conn.waitFor((f) => true, 'the first frame (welcome)');
    check(w.frame === 'welcome', `${user.name}: first frame on Connect is ${brief(w)}, expected welcome`);
    check(w.welcome.user && w.welcome.user.name === user.name,
      `${user.name}: welcome names user ${JSON.stringify(w.welcome.user)}`);
    conn.welcome = w.welcome;
    return conn;
  }

  close() {
    for (const c of this.conns) c.close();
    for (const c of this.clients) c.close();
  }
}

// A Connect stream. Every received frame is kept in order; waitFor() takes the
// first one not yet taken that matches, waiting for it if need be.
class Conn {
  // serverTimeoutMs: no grpc-js deadline; grpc-timeout goes as metadata and a
  // guard cancels the call after SERVER_DEADLINE_GUARD_MS.
  constructor(client, user, { deadlineMs = RPC_DEADLINE_MS, serverTimeoutMs = null } = {}) {
    this.user = user;
    this.frames = []; // { frame, taken }
    this.ended = null; // why the stream is over, once it is
    this.status = null; // the call's final { code, details }, once known
    this.waiters = new Set();
    this.nextId = 1;
    if (serverTimeoutMs === null) {
      this.call = client.Connect(bearer(user.token), { deadline: deadline(deadlineMs) });
    } else {
      this.call = client.Connect(serverTimeout(bearer(user.token), serverTimeoutMs));
      const guard = setTimeout(() => this.call.cancel(), SERVER_DEADLINE_GUARD_MS);
      this.call.on('status', () => clearTimeout(guard));
    }
    this.call.on('data', (f) => { this.frames.push({ frame: f, taken: false }); this.wake(); });
    this.call.on('error', (e) => {
      this.ended = this.ended || describeError(e);
      this.status = this.status || { code: e.code, details: e.details };
      this.wake();
    });
    this.call.on('status', (st) => {
      this.status = this.status || { code: st.code, details: st.details };
      this.ended = this.ended || (st.code === grpc.status.OK ? 'the server ended the stream' : describeError(st));
      this.wake();
    });
    this.call.on('end', () => { this.ended = this.ended || 'the server ended the stream'; this.wake(); });
  }

  wake() {
    for (const w of [...this.waiters]) w();
  }

  requestId(tag) {
    return `${this.user.name}-${tag}-${this.nextId++}`;
  }

  // Writes a client frame { request_id, <kind>: body }; returns the request_id.
  send(kind, body, tag = kind) {
    const request_id = this.requestId(tag);
    this.call.write({ request_id, [kind]: body });
    return request_id;
  }

  history() {
    return this.frames.map((e) => brief(e.frame)).join(', ') || 'nothing';
  }

  // Resolves with the first untaken frame matching pred. If failOnErrorFor is a
  // request_id, an error frame answering it fails the wait at once.
  waitFor(pred, what, { timeoutMs = WAIT_MS, failOnErrorFor = null } = {}) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const done = (fn, arg) => {
        this.waiters.delete(poll);
        clearTimeout(timer);
        fn(arg);
      };
      const poll = () => {
        for (const e of this.frames) {
          if (e.taken) continue;
          if (failOnErrorFor !== null && e.frame.frame === 'error' && e.frame.request_id === failOnErrorFor) {
            e.taken = true;
            return done(reject, new Failure(`${this.user.name}: waiting for ${what}, got ${brief(e.frame)}`));
          }
          if (pred(e.frame)) {
            e.taken = true;
            return done(resolve, e.frame);
          }
        }
        if (this.ended) {
          return done(reject, new Failure(`${this.user.name}: stream ended (${this.ended}) while waiting for ${what}; received: ${this.history()}`));
        }
        return undefined;
      };
      timer = setTimeout(() => done(reject, new Failure(
        `${this.user.name}: no ${what} within ${timeoutMs} ms; received: ${this.history()}`)), timeoutMs);
      this.waiters.add(poll);
      poll();
    });
  }

  // The answer (any kind) to request_id; checks it is of the expected kind.
  async answer(requestId, kind) {
    const f = await this.waitFor((x) => x.request_id === requestId, `the answer to ${requestId} (${kind})`);
    check(f.frame === kind, `${this.user.name}: answer to ${requestId} is ${brief(f)}, expected ${kind}`);
    return f[kind];
  }

  async join(room, extra = {}) {
    const rid = this.send('join', { room, ...extra });
    const joined = await this.answer(rid, 'joined');
    check(joined.room && joined.room.id === room,
      `${this.user.name}: joined names room ${JSON.stringify(joined.room && joined.room.id)}, expected ${room}`);
    return joined;
  }

  // Resolves with the call's final status once the stream is over.
  waitEnd(what, timeoutMs = WAIT_MS) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const poll = () => {
        if (!this.status) return;
        this.waiters.delete(poll);
        clearTimeout(timer);
        resolve(this.status);
      };
      timer = setTimeout(() => {
        this.waiters.delete(poll);
        reject(new Failure(`${this.user.name}: ${what}: the stream did not end within ${timeoutMs} ms; received ${this.frames.length} frames`));
      }, timeoutMs);
      this.waiters.add(poll);
      poll();
    });
  }

  // Sends a message and waits for its send_ack; returns { ack, clientMsgId }. A
  // rate-limit refusal (error code 8 with retry_after) is retried after that
  // long with the same client_msg_id.
  async sendMessage(room, text) {
    const clientMsgId = crypto.randomUUID();
    let ack;
    for (let attempt = 0; ; attempt++) {
      const rid = this.send('send', { room, client_msg_id: clientMsgId, text });
      const f = await this.waitFor((x) => x.request_id === rid, `the answer to ${rid} (send_ack)`);
      if (f.frame === 'error' && f.error.code === grpc.status.RESOURCE_EXHAUSTED && f.error.retry_after
        && attempt < MAX_RATE_LIMIT_RETRIES) {
        const ra = f.error.retry_after;
        await sleep(Math.min(2000, Math.max(1, Number(ra.seconds || 0) * 1000 + Math.ceil((ra.nanos || 0) / 1e6))));
        continue;
      }
      check(f.frame === 'send_ack', `${this.user.name}: answer to ${rid} is ${brief(f)}, expected send_ack`);
      ack = f.send_ack;
      break;
    }
    check(ack.client_msg_id === clientMsgId,
      `${this.user.name}: send_ack client_msg_id ${JSON.stringify(ack.client_msg_id)}, expected ${clientMsgId}`);
    check(ack.room === room, `${this.user.name}: send_ack room ${JSON.stringify(ack.room)}, expected ${room}`);
    return { ack, clientMsgId };
  }

  waitMessage(room, seq) {
    return this.waitFor((f) => f.frame === 'message' && f.message.room === room && f.message.seq === String(seq),
      `message seq ${seq} in ${room}`).then((f) => f.message);
  }

  close() {
    try { this.call.end(); } catch (_) { /* already over */ }
    try { this.call.cancel(); } catch (_) { /* already over */ }
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function countsText(counts) {
  return Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
}

function tally(counts, key) {
  counts[key] = (counts[key] || 0) + 1;
}

// Who produced a status, for the counts: grpc-js's own deadline timer says
// "Deadline exceeded after 0.301s,LB pick: ..."; anything else is quoted as is.
function detailsShape(details) {
  const text = String(details || '');
  return /^Deadline exceeded after /.test(text) ? '(grpc-js deadline timer)' : `(${JSON.stringify(text)})`;
}

// ---------------------------------------------------------------------------
// Scenarios

const scenarios = {
  async two_users_chat(s) {
    const a = await s.register('jsA');
    const b = await s.register('jsB');
    const room = await s.createRoom(a);

    const ca = await s.connect(a);
    const ja = await ca.join(room);
    check(ja.resume === 'RESUME_RESULT_FRESH', `${a.name}: join without after_seq gave resume=${ja.resume}, expected RESUME_RESULT_FRESH`);
    check(ja.last_seq === '0', `${a.name}: joined.last_seq=${ja.last_seq} in a new room, expected 0`);
    const cb = await s.connect(b);
    await cb.join(room);

    const text1 = `hello from ${a.name}`;
    const { ack: ack1, clientMsgId } = await ca.sendMessage(room, text1);
    check(ack1.seq === '1', `${a.name}: send_ack seq=${ack1.seq}, expected 1`);
    check(!ack1.duplicate, `${a.name}: first send_ack says duplicate=true`);

    const m1 = await cb.waitMessage(room, 1);
    check(m1.text === text1, `${b.name}: message seq 1 text ${JSON.stringify(m1.text)}, expected ${JSON.stringify(text1)}`);
    check(m1.sender_name === a.name, `${b.name}: message seq 1 sender_name ${JSON.stringify(m1.sender_name)}, expected ${a.name}`);
    check(m1.client_msg_id === clientMsgId, `${b.name}: message seq 1 client_msg_id ${JSON.stringify(m1.client_msg_id)}, expected ${clientMsgId}`);

    const text2 = `reply from ${b.name}`;
    const { ack: ack2 } = await cb.sendMessage(room, text2);
    check(ack2.seq === '2', `${b.name}: send_ack seq=${ack2.seq}, expected 2`);

    const m2 = await ca.waitMessage(room, 2);
    check(m2.text === text2, `${a.name}: message seq 2 text ${JSON.stringify(m2.text)}, expected ${JSON.stringify(text2)}`);
    check(m2.sender_name === b.name, `${a.name}: message seq 2 sender_name ${JSON.stringify(m2.sender_name)}, expected ${b.name}`);

    await ca.waitFor((f) => f.frame === 'member_joined' && f.member_joined.room === room
      && f.member_joined.member && f.member_joined.member.user_name === b.name, `member_joined for ${b.name}`);
  },

  async typing_seen(s) {
    const a = await s.register('jsA');
    const b = await s.register('jsB');
    const room = await s.createRoom(a);
    const ca = await s.connect(a);
    await ca.join(room);
    const cb = await s.connect(b);
    await cb.join(room);

    const isTyping = (active) => (f) => f.frame === 'typing' && f.typing.room === room
      && f.typing.user_name === b.name && f.typing.active === active;

    const r1 = cb.send('typing', { room, active: true });
    const t1 = await ca.waitFor(isTyping(true), `typing active=true from ${b.name}`);
    check(t1.typing.user_id === b.id, `${a.name}: typing event user_id ${JSON.stringify(t1.typing.user_id)}, expected ${b.id}`);

    const r2 = cb.send('typing', { room, active: false });
    await ca.waitFor(isTyping(false), `typing active=false from ${b.name}`);

    // Neither typing frame may have been rejected.
    const rejected = cb.frames.filter((e) => e.frame.frame === 'error' && [r1, r2].includes(e.frame.request_id));
    check(rejected.length === 0, `${b.name}: typing frame rejected: ${rejected.map((e) => brief(e.frame)).join(', ')}`);
  },

  async resume_after_seq(s) {
    const a = await s.register('jsA');
    const b = await s.register('jsB');
    const room = await s.createRoom(a);
    const ca = await s.connect(a);
    await ca.join(room);
    const texts = [];
    for (let i = 1; i <= 3; i++) {
      const text = `message ${i} from ${a.name}`;
      const { ack } = await ca.sendMessage(room, text);
      check(ack.seq === String(i), `${a.name}: send_ack seq=${ack.seq} for message ${i}, expected ${i}`);
      texts.push(text);
    }

    const cb = await s.connect(b);
    const epoch = cb.welcome.store_epoch;
    check(epoch, `${b.name}: welcome has no store_epoch`);
    const joined = await cb.join(room, { after_seq: '1', store_epoch: epoch });
    check(joined.resume === 'RESUME_RESULT_COMPLETE',
      `${b.name}: join after_seq=1 gave resume=${joined.resume}, expected RESUME_RESULT_COMPLETE`);
    check(joined.last_seq === '3', `${b.name}: joined.last_seq=${joined.last_seq}, expected 3`);
    check(joined.history.length === 0,
      `${b.name}: complete resume carries history seqs ${joined.history.map((m) => m.seq).join(',')}, expected none`);

    await cb.waitMessage(room, 3);
    await sleep(QUIET_MS); // anything extra (duplicates, seq 1) would show up here
    const seen = cb.frames.filter((e) => e.frame.frame === 'message' && e.frame.message.room === room);
    const seqs = seen.map((e) => e.frame.message.seq);
    check(seqs.join(',') === '2,3', `${b.name}: replay delivered seqs [${seqs.join(',')}], expected [2,3]; received: ${cb.history()}`);
    const joinedAt = cb.frames.findIndex((e) => e.frame.frame === 'joined');
    check(cb.frames.indexOf(seen[0]) > joinedAt, `${b.name}: a replayed message came before joined; received: ${cb.history()}`);
    for (const e of seen) {
      const m = e.frame.message;
      const i = Number(m.seq);
      check(m.text === texts[i - 1], `${b.name}: replayed seq ${i} text ${JSON.stringify(m.text)}, expected ${JSON.stringify(texts[i - 1])}`);
      check(m.sender_name === a.name, `${b.name}: replayed seq ${i} sender_name ${JSON.stringify(m.sender_name)}, expected ${a.name}`);
    }
  },

  // An edit and a deletion made while b was away reach b on resume, in change order, then live.
  async edit_resume(s) {
    const a = await s.register('jsE');
    const b = await s.register('jsF');
    const room = await s.createRoom(a);
    const ca = await s.connect(a);
    await ca.join(room);
    const { ack: first } = await ca.sendMessage(room, 'typo hre');
    const { ack: second } = await ca.sendMessage(room, 'never mind');
    let cb = await s.connect(b);
    const joined = await cb.join(room);
    const lastChange = joined.last_change;
    cb.close();

    const editAck = await ca.answer(ca.send('edit_message', { room, seq: first.seq, text: 'typo here' }), 'change_ack');
    const deleteAck = await ca.answer(ca.send('delete_message', { room, seq: second.seq }), 'change_ack');
    check(Number(deleteAck.change) === Number(editAck.change) + 1,
      `${a.name}: changes ${editAck.change} then ${deleteAck.change}, expected consecutive numbers`);

    cb = await s.connect(b);
    const resumed = await cb.join(room, { after_seq: second.seq, store_epoch: cb.welcome.store_epoch, after_change: lastChange });
    check(resumed.resume === 'RESUME_RESULT_COMPLETE', `${b.name}: resume=${resumed.resume}, expected COMPLETE`);
    const edited = (await cb.waitFor((f) => f.frame === 'message_edited', 'the missed edit')).message_edited.message;
    check(edited.seq === first.seq && edited.text === 'typo here' && edited.change === editAck.change && edited.edited_at,
      `${b.name}: replayed edit ${JSON.stringify(edited)}`);
    const deleted = (await cb.waitFor((f) => f.frame === 'message_deleted', 'the missed deletion')).message_deleted;
    check(deleted.seq === second.seq && deleted.change === deleteAck.change && deleted.deleted_by === a.name,
      `${b.name}: replayed deletion ${JSON.stringify(deleted)}`);

    ca.send('edit_message', { room, seq: first.seq, text: 'typo here, fixed twice' });
    const live = (await cb.waitFor((f) => f.frame === 'message_edited', 'the live edit')).message_edited.message;
    check(Number(live.change) === Number(deleteAck.change) + 1 && live.text === 'typo here, fixed twice',
      `${b.name}: live edit ${JSON.stringify(live)}`);
  },

  async unauthenticated(s) {
    const real = await s.register('jsU');
    const chat = s.client('ChatService');
    // With the real token ListRooms works, so the failures below are about the token.
    await call('ListRooms with a valid token', chat, 'ListRooms', { include_public: true }, bearer(real.token));

    const b64url = (buf) => Buffer.from(buf).toString('base64url');
    const parts = real.token.split('.');
    const tokens = [['no token', null], ['a garbage token', 'not-a-real-token']];
    if (parts.length === 3) {
      const payload = parts[1];
      const hs256 = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
      const otherKey = crypto.randomBytes(32);
      const sig = crypto.createHmac('sha256', otherKey).update(`${hs256}.${payload}`).digest();
      tokens.push(['a JWT with the real claims signed with another key', `${hs256}.${payload}.${b64url(sig)}`]);
      tokens.push(['an unsigned JWT (alg none) with the real claims', `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`]);
      // The real signature over claims that were changed afterwards.
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      claims.exp = (typeof claims.exp === 'number' ? claims.exp : Math.floor(Date.now() / 1000)) + 86400;
      tokens.push(['a JWT whose claims were altered after signing', `${parts[0]}.${b64url(JSON.stringify(claims))}.${parts[2]}`]);
    } else {
      // Not a JWT: flip a character of the real token instead.
      const flipped = real.token.slice(0, -1) + (real.token.endsWith('A') ? 'B' : 'A');
      tokens.push(['the real token with its last character changed', flipped]);
    }

    for (const [what, token] of tokens) {
      let err = null;
      try {
        await unary(chat, 'ListRooms', { include_public: true }, bearer(token));
      } catch (e) {
        err = e;
      }
      check(err !== null, `ListRooms with ${what} succeeded, expected UNAUTHENTICATED`);
      check(err.code === grpc.status.UNAUTHENTICATED, `ListRooms with ${what}: expected UNAUTHENTICATED, got ${describeError(err)}`);

      const st = await new Promise((resolve) => {
        const frames = [];
        const c = chat.Connect(bearer(token), { deadline: deadline() });
        // A stream that was let in would stay open: end it at its first frame.
        c.on('data', (f) => { frames.push(f); c.cancel(); });
        c.on('error', () => {});
        c.on('status', (status) => resolve({ status, frames }));
      });
      check(st.status.code === grpc.status.UNAUTHENTICATED,
        `Connect with ${what}: expected UNAUTHENTICATED, got ${describeError(st.status)}`
        + (st.frames.length ? `; received: ${st.frames.map(brief).join(', ')}` : ''));
      check(st.frames.length === 0, `Connect with ${what}: frames before UNAUTHENTICATED: ${st.frames.map(brief).join(', ')}`);
    }
  },

  async error_frame_keeps_stream(s) {
    const a = await s.register('jsE');
    const room = await s.createRoom(a);
    const ca = await s.connect(a);

    // Not joined on this stream yet: the send must be rejected with an error frame.
    const badMsgId = crypto.randomUUID();
    const bad = ca.send('send', { room, client_msg_id: badMsgId, text: 'before joining' });
    const ef = await ca.waitFor((f) => f.request_id === bad, `the answer to ${bad} (error)`);
    check(ef.frame === 'error', `${a.name}: answer to a send before joining is ${brief(ef)}, expected error code 9`);
    check(ef.error.code === 9, `${a.name}: error frame code ${ef.error.code} (${JSON.stringify(ef.error.message)}), expected 9 FAILED_PRECONDITION`);
    check(ef.error.client_msg_id === badMsgId,
      `${a.name}: error frame client_msg_id ${JSON.stringify(ef.error.client_msg_id)}, expected ${badMsgId}`);

    // The same stream still works.
    await ca.join(room);
    const { ack } = await ca.sendMessage(room, 'after joining');
    check(ack.seq === '1', `${a.name}: send_ack seq=${ack.seq}, expected 1 (the rejected send must not be stored)`);
  },

  async stalled_reader(s) {
    const a = await s.register('jsA');
    const st = await s.register('jsSlow');
    const room = await s.createRoom(a);
    const ca = await s.connect(a, { deadlineMs: STALL_DEADLINE_MS });
    await ca.join(room);
    const slow = await s.connect(st, { deadlineMs: STALL_DEADLINE_MS });
    await slow.join(room);
    // Stop reading: grpc-js then stops taking data off the HTTP/2 stream, its
    // window is not replenished and the server's writes for this stream block.
    slow.call.pause();

    const count = 200;
    const text = 'x'.repeat(3000);
    for (let i = 1; i <= count; i++) {
      const { ack } = await ca.sendMessage(room, text);
      check(ack.seq === String(i), `${a.name}: send_ack seq=${ack.seq} for message ${i}, expected ${i}`);
      check(!ack.duplicate, `${a.name}: send_ack for message ${i} says duplicate=true`);
    }
    // alice reads: she gets all of them, in order, the stalled reader notwithstanding.
    await ca.waitMessage(room, count);
    const seqs = ca.frames.filter((e) => e.frame.frame === 'message' && e.frame.message.room === room).map((e) => Number(e.frame.message.seq));
    check(seqs.length === count && seqs.every((q, i) => q === i + 1),
      `${a.name}: received ${seqs.length} messages, expected seqs 1..${count} in order; first out of place at index ${seqs.findIndex((q, i) => q !== i + 1)}`);

    // Reading again, the stalled client gets what was in flight, then the reason.
    slow.call.resume();
    const end = await slow.waitEnd('stalled reader after resume()').catch((e) => {
      throw new Failure(`${e.message} (is the server running with Chat:OutboxCapacity=16?)`);
    });
    const got = slow.frames.filter((e) => e.frame.frame === 'message').length;
    check(end.code === grpc.status.RESOURCE_EXHAUSTED,
      `${st.name}: the stalled stream ended with ${describeError(end)}, expected RESOURCE_EXHAUSTED; it received ${got} of ${count} messages`);
    check(got < count, `${st.name}: the stalled stream received all ${count} messages before RESOURCE_EXHAUSTED; did it stall at all?`);
    process.stdout.write(`stalled_reader: the stalled stream got ${got} of ${count} messages, then ${describeError(end)}\n`);
  },

  // Phase "deadline": grpc-js's own deadline option, which both sends
  // grpc-timeout and ends the call on the client's timer, so the client's
  // DEADLINE_EXCEEDED usually wins the race. Phase "server deadline": the same
  // timeout sent only as grpc-timeout metadata, with no client timer (a guard
  // cancels after SERVER_DEADLINE_GUARD_MS), so the status seen is the server's.
  async deadline_connect(s) {
    const a = await s.register('jsD');
    const room = await s.createRoom(a);
    const chat = s.client('ChatService');
    // Warm the channel up, so the 300 ms are not spent connecting.
    await call('ListRooms before the loop', chat, 'ListRooms', { include_public: true }, bearer(a.token));

    const runs = 20;
    const summaries = [];
    for (const phase of ['deadline', 'server deadline']) {
      const counts = {};
      const details = {};
      const notJoined = [];
      for (let i = 0; i < runs; i++) {
        const conn = new Conn(chat, a, phase === 'deadline' ? { deadlineMs: 300 } : { serverTimeoutMs: 300 });
        s.conns.push(conn);
        try {
          const w = await conn.waitFor(() => true, 'the first frame (welcome)');
          check(w.frame === 'welcome', `${a.name}: first frame on Connect is ${brief(w)}, expected welcome`);
          await conn.join(room);
        } catch (e) {
          // Only a stream that ended (with the deadline, checked below) may cut the join short.
          if (!conn.ended) throw e;
          notJoined.push(i);
        }
        // Neither half-closed nor cancelled: the deadline alone must end it.
        const end = await conn.waitEnd(`Connect #${i + 1} with a 300 ms ${phase}`, SERVER_DEADLINE_GUARD_MS + 2000);
        tally(counts, statusName(end.code));
        tally(details, `${statusName(end.code)} ${detailsShape(end.details)}`);
      }
      const summary = `${phase} 300 ms: ${countsText(counts)} (joined before the deadline: ${runs - notJoined.length}/${runs}; details: ${countsText(details)})`;
      summaries.push(summary);
      process.stdout.write(`deadline_connect: ${summary}\n`);
      check((counts.DEADLINE_EXCEEDED || 0) === runs,
        `${runs} Connect streams with a 300 ms ${phase} ended ${summaries.join('; ')}; expected DEADLINE_EXCEEDED=${runs}`);
      check(notJoined.length < runs, `no Connect stream got its join answered within the 300 ms ${phase} (${summary}); the scenario tested nothing`);
    }

    // The ended streams were released: the user (at most Chat:MaxConnectionsPerUser, default 20,
    // connections) can still connect and join.
    const after = await s.connect(a, { client: chat });
    await after.join(room);
  },

  // Phases as in deadline_connect: a 1 ms grpc-js deadline, then a 1 ms
  // grpc-timeout the server alone enforces.
  async deadline_history(s) {
    const a = await s.register('jsH');
    const room = await s.createRoom(a);
    const ca = await s.connect(a);
    await ca.join(room);
    const count = 50;
    for (let i = 1; i <= count; i++) {
      const { ack } = await ca.sendMessage(room, `history ${i}`);
      check(ack.seq === String(i), `${a.name}: send_ack seq=${ack.seq} for message ${i}, expected ${i}`);
    }
    const chat = s.client('ChatService');
    const isComplete = (resp) => resp.messages.length === count && resp.messages.every((m, i) => m.seq === String(i + 1));
    const warm = await call('History with a normal deadline', chat, 'History', { room, limit: 100 }, bearer(a.token));
    check(isComplete(warm), `History returned seqs [${warm.messages.map((m) => m.seq).join(',')}], expected 1..${count}`);

    const runs = 20;
    const summaries = [];
    for (const phase of ['deadline', 'server deadline']) {
      const counts = {};
      const details = {};
      const odd = [];
      for (let i = 0; i < runs; i++) {
        const { err, resp } = await new Promise((resolve) => {
          const done = (e, r) => resolve({ err: e, resp: r });
          if (phase === 'deadline') {
            chat.History({ room, limit: 100 }, bearer(a.token), { deadline: deadline(1) }, done);
          } else {
            const c = chat.History({ room, limit: 100 }, serverTimeout(bearer(a.token), 1), {}, done);
            const guard = setTimeout(() => c.cancel(), SERVER_DEADLINE_GUARD_MS);
            c.on('status', () => clearTimeout(guard));
          }
        });
        if (!err) {
          tally(counts, 'OK');
          if (!isComplete(resp)) odd.push(`OK with seqs [${resp.messages.map((m) => m.seq).join(',')}]`);
        } else {
          tally(counts, statusName(err.code));
          tally(details, `${statusName(err.code)} ${detailsShape(err.details)}`);
          if (err.code !== grpc.status.DEADLINE_EXCEEDED) odd.push(describeError(err));
        }
      }
      const summary = `${phase} 1 ms: ${countsText(counts)} (details: ${countsText(details)})`;
      summaries.push(summary);
      process.stdout.write(`deadline_history: ${summary}\n`);
      check(odd.length === 0, `${runs} History calls with a 1 ms ${phase}: ${summaries.join('; ')}; expected only DEADLINE_EXCEEDED or OK with ${count} messages; unexpected: ${[...new Set(odd)].join('; ')}`);
    }
  },
};

// ---------------------------------------------------------------------------

function fail(message) {
  process.stderr.write(`FAIL: ${String(message).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
}

async function main() {
  const args = {};
  for (const arg of process.argv.slice(2)) {
    const m = /^--([^=]+)=(.*)$/.exec(arg);
    if (!m) fail(`unrecognised argument ${arg}; usage: --server=HOST:PORT --scenario=NAME`);
    args[m[1]] = m[2];
  }
  if (!args.server) fail('missing --server=HOST:PORT');
  const name = args.scenario;
  const run = scenarios[name];
  if (!run) fail(`unknown or missing --scenario ${JSON.stringify(name)}; known: ${Object.keys(scenarios).join(', ')}`);

  const watchdog = setTimeout(() => fail(`${name}: no result after ${RUN_TIMEOUT_MS} ms`), RUN_TIMEOUT_MS);
  const session = new Session(args.server);
  try {
    await run(session);
  } catch (e) {
    fail(`${name}: ${e instanceof Failure ? e.message : (e && e.stack) || e}`);
  }
  clearTimeout(watchdog);
  session.close();
  process.stdout.write(`OK: ${name}\n`);
  process.exit(0);
}

main();
