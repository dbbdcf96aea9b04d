#!/usr/bin/env node
// Chat scenario client for ChatGrpc over gRPC-Web, shaped like the browser page (web/): gRPC-Web
// has no client streaming, so instead of ChatService.Connect it opens ChatService.Subscribe (a
// server stream of ServerFrames), reads session_id from the Welcome frame, and acts on that
// session with the unary calls (Join, Send, ...), whose refusals come back as the call's status.
// Message and service descriptors come from protos/chat/v1 via `npm run gen` (buf +
// protoc-gen-es, output in ./gen, not committed).
//
// Transport: createGrpcWebTransport from @connectrpc/connect-node with { baseUrl,
// httpVersion: "1.1" } (binary application/grpc-web+proto over Node's http module). The
// @connectrpc/connect-web 2.2.0 transport has no httpVersion option (its options are baseUrl,
// useBinaryFormat, interceptors, jsonOptions, binaryOptions, fetch and defaultTimeoutMs): it always
// goes through fetch and leaves the HTTP version to the fetch implementation. Both transports run
// the same gRPC-Web protocol code (@connectrpc/connect/protocol-grpc-web); connect-node's pins
// HTTP/1.1, which is what a browser speaks to the cleartext WebPort. --transport=fetch instead
// uses @connectrpc/connect-web's createGrpcWebTransport on Node's global fetch (undici, also
// HTTP/1.1), i.e. the browser package itself.
//
// Usage:
//   node connectweb-chat-client.mjs --base_url=http://127.0.0.1:WEBPORT --scenario=NAME [--transport=node|fetch]
//
// Scenarios: two_users_chat, resume_after_seq, unauthenticated, error_refused_keeps_stream,
// retry_is_duplicate.
// On success prints "OK: NAME" and exits 0; on failure prints one line to stderr and exits 1.
// Every unary call and every Subscribe stream carries a deadline of at most RPC_DEADLINE_MS,
// every wait for a frame gives up after WAIT_MS, and a watchdog ends the whole run after
// RUN_TIMEOUT_MS. Sends refused by the server's rate limit (RESOURCE_EXHAUSTED with
// retry-after-ms) are retried with the same client_msg_id, as the page does.

import crypto from 'node:crypto';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcWebTransport as createNodeGrpcWebTransport } from '@connectrpc/connect-node';
import { createGrpcWebTransport as createFetchGrpcWebTransport } from '@connectrpc/connect-web';

const RPC_DEADLINE_MS = 15000; // unary calls and Subscribe streams
const WAIT_MS = 15000; // longest wait for one expected frame
const QUIET_MS = 1000; // how long to watch for frames that must not come
const RUN_TIMEOUT_MS = 50000; // whole run; below the 60 s callers wrap runs in
const MAX_RATE_LIMIT_RETRIES = 50;

class Failure extends Error {}

function fail(message) {
  process.stderr.write(`FAIL: ${String(message).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
}

let chatPb;
let authPb;
let typesPb;
try {
  chatPb = await import('./gen/chat/v1/chat_pb.js');
  authPb = await import('./gen/chat/v1/auth_pb.js');
  typesPb = await import('./gen/chat/v1/types_pb.js');
} catch (e) {
  fail(`generated code missing or broken (run \`npm run gen\` in ${new URL('.', import.meta.url).pathname}): ${e.message}`);
}
const { ChatService, ResumeResult } = chatPb;
const { AuthService } = authPb;
const { RoomKind } = typesPb;

function check(cond, message) {
  if (!cond) throw new Failure(message);
}

// JSON for failure messages; uint64 fields are bigints, which JSON.stringify refuses.
function json(value) {
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
}

function codeName(code) {
  return Code[code] ?? String(code);
}

function describeError(err) {
  if (err instanceof ConnectError) {
    return `status ${codeName(err.code)} (${err.code}): ${json(err.rawMessage)}`;
  }
  return String(err && err.message ? err.message : err);
}

function suffix() {
  return crypto.randomBytes(5).toString('hex');
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function callOptions(token, extra = {}) {
  const headers = {};
  if (token !== null && token !== undefined) headers.authorization = `Bearer ${token}`;
  return { headers, timeoutMs: RPC_DEADLINE_MS, ...extra };
}

// One-line, compact rendering of a server frame for failure messages.
function brief(f) {
  const kind = f.frame.case;
  const b = f.frame.value || {};
  let detail;
  switch (kind) {
    case 'message': detail = `room=${b.room} seq=${b.seq} from=${b.senderName} text=${json(b.text)}`; break;
    case 'sendAck': detail = `room=${b.room} seq=${b.seq} dup=${b.duplicate}`; break;
    case 'joined': detail = `room=${b.room && b.room.id} last_seq=${b.lastSeq} resume=${ResumeResult[b.resume]} history=${(b.history || []).map((m) => m.seq).join(',')}`; break;
    case 'error': detail = `code=${b.code} message=${json(b.message)} client_msg_id=${b.clientMsgId}`; break;
    case 'typing': detail = `room=${b.room} user=${b.userName} active=${b.active}`; break;
    case 'memberJoined':
    case 'memberLeft': detail = `room=${b.room} user=${b.member && b.member.userName}`; break;
    case 'welcome': detail = `user=${b.user && b.user.name} session=${b.sessionId} epoch=${b.storeEpoch}`; break;
    default: detail = '';
  }
  return `${kind ?? 'empty'}${f.requestId ? `[${f.requestId}]` : ''}(${detail})`;
}

// Awaits a unary call; a failure becomes a Failure naming what was being done.
async function call(what, promise) {
  try {
    return await promise;
  } catch (e) {
    throw new Failure(`${what}: failed with ${describeError(e)}`);
  }
}

// Awaits a unary call that must fail with `code`; returns the ConnectError.
async function expectError(what, promise, code) {
  let resp;
  try {
    resp = await promise;
  } catch (e) {
    check(e instanceof ConnectError, `${what}: expected ${codeName(code)}, got a non-RPC error: ${describeError(e)}`);
    check(e.code === code, `${what}: expected ${codeName(code)}, got ${describeError(e)}`);
    check(typeof e.rawMessage === 'string' && e.rawMessage.trim().length > 0,
      `${what}: ${codeName(code)} carries no readable message (grpc-message ${json(e.rawMessage)})`);
    return e;
  }
  throw new Failure(`${what}: succeeded with ${json(resp)}, expected ${codeName(code)}`);
}

function retryAfterMs(err) {
  const header = err.metadata && err.metadata.get('retry-after-ms');
  const ms = Number(header);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 2000) : 100;
}

// ---------------------------------------------------------------------------
// Users and streams

class Session {
  constructor(transport) {
    this.auth = createClient(AuthService, transport);
    this.chat = createClient(ChatService, transport);
    this.subs = [];
  }

  // Registers a fresh user; returns { name, id, token }.
  async register(prefix) {
    const name = `${prefix}_${suffix()}`;
    const resp = await call(`register ${name}`,
      this.auth.register({ userName: name, password: `pw-${suffix()}-long` }, callOptions(null)));
    check(resp.tokens && resp.tokens.accessToken, `register ${name}: response has no access_token`);
    check(resp.user && resp.user.name === name, `register ${name}: response user is ${json(resp.user)}`);
    return { name, id: resp.user.id, token: resp.tokens.accessToken };
  }

  async createRoom(user) {
    const id = `room-${suffix()}`;
    const resp = await call(`${user.name} creates room ${id}`,
      this.chat.createRoom({ id, title: `Room ${id}`, kind: RoomKind.PUBLIC }, callOptions(user.token)));
    check(resp.room && resp.room.id === id, `CreateRoom ${id}: response room is ${json(resp.room)}`);
    return id;
  }

  // Opens Subscribe for the user and waits for its Welcome.
  async subscribe(user) {
    const sub = new Subscription(this.chat, user);
    this.subs.push(sub);
    const w = await sub.waitFor(() => true, 'the first frame (welcome)');
    check(w.frame.case === 'welcome', `${user.name}: first frame on Subscribe is ${brief(w)}, expected welcome`);
    const welcome = w.frame.value;
    check(welcome.user && welcome.user.name === user.name, `${user.name}: welcome names user ${json(welcome.user)}`);
    check(welcome.sessionId, `${user.name}: welcome on Subscribe has no session_id`);
    sub.welcome = welcome;
    sub.sessionId = welcome.sessionId;
    return sub;
  }

  close() {
    for (const s of this.subs) s.close();
  }
}

// A Subscribe stream plus the unary calls that act on its session. Every received frame is kept in
// order; waitFor() takes the first one not yet taken that matches, waiting for it if need be.
class Subscription {
  constructor(chat, user) {
    this.chat = chat;
    this.user = user;
    this.frames = []; // { frame, taken }
    this.ended = null; // why the stream is over, once it is
    this.waiters = new Set();
    this.abort = new AbortController();
    const stream = chat.subscribe({}, callOptions(user.token, { signal: this.abort.signal }));
    (async () => {
      try {
        for await (const f of stream) {
          this.frames.push({ frame: f, taken: false });
          this.wake();
        }
        this.ended = 'the server ended the stream with OK';
      } catch (e) {
        this.ended = describeError(e);
      }
      this.wake();
    })();
  }

  wake() {
    for (const w of [...this.waiters]) w();
  }

  history() {
    return this.frames.map((e) => brief(e.frame)).join(', ') || 'nothing';
  }

  // Resolves with the first untaken frame matching pred.
  waitFor(pred, what, { timeoutMs = WAIT_MS } = {}) {
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
          if (pred(e.frame)) {
            e.taken = true;
            return done(resolve, e.frame);
          }
        }
        if (this.ended) {
          return done(reject, new Failure(`${this.user.name}: Subscribe stream ended (${this.ended}) while waiting for ${what}; received: ${this.history()}`));
        }
        return undefined;
      };
      timer = setTimeout(() => done(reject, new Failure(
        `${this.user.name}: no ${what} within ${timeoutMs} ms; received: ${this.history()}`)), timeoutMs);
      this.waiters.add(poll);
      poll();
    });
  }

  opts() {
    return callOptions(this.user.token);
  }

  async join(room, extra = {}) {
    const resp = await call(`${this.user.name} joins ${room}`,
      this.chat.join({ sessionId: this.sessionId, room, ...extra }, this.opts()));
    const joined = resp.joined;
    check(joined && joined.room && joined.room.id === room,
      `${this.user.name}: Join answered room ${json(joined && joined.room && joined.room.id)}, expected ${room}`);
    return joined;
  }

  // The raw Send call: resolves with the SendResponse or rejects with the ConnectError. Rate-limit
  // refusals are retried after the server's retry-after-ms with the same client_msg_id.
  async rawSend(room, text, clientMsgId) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.chat.send({ sessionId: this.sessionId, room, clientMsgId, text }, this.opts());
      } catch (e) {
        if (e instanceof ConnectError && e.code === Code.ResourceExhausted && attempt < MAX_RATE_LIMIT_RETRIES) {
          await sleep(retryAfterMs(e));
          continue;
        }
        throw e;
      }
    }
  }

  // Sends a message and returns { ack, clientMsgId }.
  async sendMessage(room, text, clientMsgId = crypto.randomUUID()) {
    const resp = await call(`${this.user.name} sends to ${room}`, this.rawSend(room, text, clientMsgId));
    const ack = resp.ack;
    check(ack, `${this.user.name}: Send answered without an ack`);
    check(ack.clientMsgId === clientMsgId,
      `${this.user.name}: ack client_msg_id ${json(ack.clientMsgId)}, expected ${clientMsgId}`);
    check(ack.room === room, `${this.user.name}: ack room ${json(ack.room)}, expected ${room}`);
    return { ack, clientMsgId };
  }

  waitMessage(room, seq) {
    return this.waitFor((f) => f.frame.case === 'message' && f.frame.value.room === room && f.frame.value.seq === BigInt(seq),
      `message seq ${seq} in ${room}`).then((f) => f.frame.value);
  }

  messagesIn(room) {
    return this.frames.filter((e) => e.frame.frame.case === 'message' && e.frame.frame.value.room === room);
  }

  close() {
    this.abort.abort();
  }
}

// ---------------------------------------------------------------------------
// Scenarios

const scenarios = {
  async two_users_chat(s) {
    const a = await s.register('cwA');
    const b = await s.register('cwB');
    const room = await s.createRoom(a);

    const sa = await s.subscribe(a);
    const ja = await sa.join(room);
    check(ja.resume === ResumeResult.FRESH, `${a.name}: Join without after_seq gave resume=${ResumeResult[ja.resume]}, expected FRESH`);
    check(ja.lastSeq === 0n, `${a.name}: joined.last_seq=${ja.lastSeq} in a new room, expected 0`);
    const sb = await s.subscribe(b);
    check(sb.sessionId !== sa.sessionId, `two Subscribe streams got the same session_id ${sa.sessionId}`);
    await sb.join(room);

    const text1 = `hello from ${a.name}`;
    const { ack: ack1, clientMsgId } = await sa.sendMessage(room, text1);
    check(ack1.seq === 1n, `${a.name}: ack seq=${ack1.seq}, expected 1`);
    check(!ack1.duplicate, `${a.name}: first ack says duplicate=true`);
    check(ack1.id, `${a.name}: ack has no message id`);

    const m1 = await sb.waitMessage(room, 1);
    check(m1.text === text1, `${b.name}: message seq 1 text ${json(m1.text)}, expected ${json(text1)}`);
    check(m1.senderName === a.name, `${b.name}: message seq 1 sender_name ${json(m1.senderName)}, expected ${a.name}`);
    check(m1.clientMsgId === clientMsgId, `${b.name}: message seq 1 client_msg_id ${json(m1.clientMsgId)}, expected ${clientMsgId}`);
    check(m1.id === ack1.id, `${b.name}: message seq 1 id ${json(m1.id)}, the ack said ${json(ack1.id)}`);

    const text2 = `reply from ${b.name}`;
    const { ack: ack2 } = await sb.sendMessage(room, text2);
    check(ack2.seq === 2n, `${b.name}: ack seq=${ack2.seq}, expected 2`);

    const m2 = await sa.waitMessage(room, 2);
    check(m2.text === text2, `${a.name}: message seq 2 text ${json(m2.text)}, expected ${json(text2)}`);
    check(m2.senderName === b.name, `${a.name}: message seq 2 sender_name ${json(m2.senderName)}, expected ${b.name}`);

    await sa.waitFor((f) => f.frame.case === 'memberJoined' && f.frame.value.room === room
      && f.frame.value.member && f.frame.value.member.userName === b.name, `member_joined for ${b.name}`);
  },

  async resume_after_seq(s) {
    const a = await s.register('cwA');
    const b = await s.register('cwB');
    const room = await s.createRoom(a);
    const sa = await s.subscribe(a);
    await sa.join(room);
    const texts = [];
    for (let i = 1; i <= 3; i++) {
      const text = `message ${i} from ${a.name}`;
      const { ack } = await sa.sendMessage(room, text);
      check(ack.seq === BigInt(i), `${a.name}: ack seq=${ack.seq} for message ${i}, expected ${i}`);
      texts.push(text);
    }

    const sb = await s.subscribe(b);
    const epoch = sb.welcome.storeEpoch;
    check(epoch, `${b.name}: welcome has no store_epoch`);
    const joined = await sb.join(room, { afterSeq: 1n, storeEpoch: epoch });
    check(joined.resume === ResumeResult.COMPLETE,
      `${b.name}: Join after_seq=1 gave resume=${ResumeResult[joined.resume]}, expected COMPLETE`);
    check(joined.lastSeq === 3n, `${b.name}: joined.last_seq=${joined.lastSeq}, expected 3`);
    check(joined.history.length === 0,
      `${b.name}: complete resume carries history seqs ${joined.history.map((m) => m.seq).join(',')}, expected none`);

    await sb.waitMessage(room, 3);
    await sleep(QUIET_MS); // anything extra (duplicates, seq 1) would show up here
    const seen = sb.messagesIn(room);
    const seqs = seen.map((e) => String(e.frame.frame.value.seq));
    check(seqs.join(',') === '2,3', `${b.name}: replay delivered seqs [${seqs.join(',')}], expected [2,3]; received: ${sb.history()}`);
    // If the session's stream carries the joined frame too, the replay must follow it.
    const joinedAt = sb.frames.findIndex((e) => e.frame.frame.case === 'joined' && e.frame.frame.value.room
      && e.frame.frame.value.room.id === room);
    if (joinedAt >= 0) {
      check(sb.frames.indexOf(seen[0]) > joinedAt, `${b.name}: a replayed message came before joined; received: ${sb.history()}`);
    }
    for (const e of seen) {
      const m = e.frame.frame.value;
      const i = Number(m.seq);
      check(m.text === texts[i - 1], `${b.name}: replayed seq ${i} text ${json(m.text)}, expected ${json(texts[i - 1])}`);
      check(m.senderName === a.name, `${b.name}: replayed seq ${i} sender_name ${json(m.senderName)}, expected ${a.name}`);
    }
  },

  async unauthenticated(s) {
    const real = await s.register('cwU');
    // With the real token ListRooms works, so the failures below are about the token.
    await call('ListRooms with a valid token', s.chat.listRooms({ includePublic: true }, callOptions(real.token)));

    const b64url = (buf) => Buffer.from(buf).toString('base64url');
    const parts = real.token.split('.');
    const tokens = [['no token', null], ['a garbage token', 'not-a-real-token']];
    if (parts.length === 3) {
      const payload = parts[1];
      const hs256 = b64url(json({ alg: 'HS256', typ: 'JWT' }));
      const sig = crypto.createHmac('sha256', crypto.randomBytes(32)).update(`${hs256}.${payload}`).digest();
      tokens.push(['a JWT with the real claims signed with another key', `${hs256}.${payload}.${b64url(sig)}`]);
      tokens.push(['an unsigned JWT (alg none) with the real claims', `${b64url(json({ alg: 'none', typ: 'JWT' }))}.${payload}.`]);
    } else {
      const flipped = real.token.slice(0, -1) + (real.token.endsWith('A') ? 'B' : 'A');
      tokens.push(['the real token with its last character changed', flipped]);
    }

    for (const [what, token] of tokens) {
      await expectError(`ListRooms with ${what}`, s.chat.listRooms({ includePublic: true }, callOptions(token)), Code.Unauthenticated);
      await expectError(`Send with ${what}`,
        s.chat.send({ sessionId: 'no-such-session', room: 'lobby', clientMsgId: crypto.randomUUID(), text: 'x' }, callOptions(token)),
        Code.Unauthenticated);

      // Subscribe must be refused before any frame.
      const frames = [];
      let err = null;
      const abort = new AbortController();
      try {
        for await (const f of s.chat.subscribe({}, callOptions(token, { signal: abort.signal }))) {
          frames.push(f);
          abort.abort(); // a stream that was let in would stay open
        }
      } catch (e) {
        err = e;
      }
      const got = frames.length ? `; received: ${frames.map(brief).join(', ')}` : '';
      check(err !== null, `Subscribe with ${what} ended OK, expected UNAUTHENTICATED${got}`);
      check(err instanceof ConnectError && err.code === Code.Unauthenticated,
        `Subscribe with ${what}: expected UNAUTHENTICATED, got ${describeError(err)}${got}`);
      check(err.rawMessage && err.rawMessage.trim().length > 0, `Subscribe with ${what}: UNAUTHENTICATED carries no readable message`);
      check(frames.length === 0, `Subscribe with ${what}: frames before UNAUTHENTICATED${got}`);
    }
  },

  async error_refused_keeps_stream(s) {
    const a = await s.register('cwE');
    const room = await s.createRoom(a);
    const sa = await s.subscribe(a);

    // Not joined on this session yet: the Send is refused as the unary call's status.
    const badMsgId = crypto.randomUUID();
    await expectError(`${a.name}: Send before joining`,
      sa.chat.send({ sessionId: sa.sessionId, room, clientMsgId: badMsgId, text: 'before joining' }, sa.opts()),
      Code.FailedPrecondition);
    await sleep(200); // give a wrongly ended stream time to show it
    check(!sa.ended, `${a.name}: the Subscribe stream ended after a refused Send: ${sa.ended}`);

    // The same session and stream still work.
    await sa.join(room);
    const text = 'after joining';
    const { ack } = await sa.sendMessage(room, text);
    check(ack.seq === 1n, `${a.name}: ack seq=${ack.seq}, expected 1 (the refused send must not be stored)`);
    check(!ack.duplicate, `${a.name}: ack says duplicate=true; the refused send must not be stored under its client_msg_id`);
    const m = await sa.waitMessage(room, 1);
    check(m.text === text, `${a.name}: message seq 1 text ${json(m.text)}, expected ${json(text)}`);
    // Unary refusals are the call's status, not frames on the stream.
    const errors = sa.frames.filter((e) => e.frame.frame.case === 'error');
    check(errors.length === 0, `${a.name}: error frames on the Subscribe stream: ${errors.map((e) => brief(e.frame)).join(', ')}`);
  },

  async retry_is_duplicate(s) {
    const a = await s.register('cwR');
    const b = await s.register('cwS');
    const room = await s.createRoom(a);
    const sa = await s.subscribe(a);
    await sa.join(room);
    const sb = await s.subscribe(b);
    await sb.join(room);

    const text = `once only from ${a.name}`;
    const { ack: first, clientMsgId } = await sa.sendMessage(room, text);
    check(first.seq === 1n && !first.duplicate, `${a.name}: first ack seq=${first.seq} duplicate=${first.duplicate}, expected seq 1, duplicate=false`);
    const { ack: again } = await sa.sendMessage(room, text, clientMsgId);
    check(again.duplicate === true, `${a.name}: retry ack duplicate=${again.duplicate}, expected true`);
    check(again.seq === first.seq, `${a.name}: retry ack seq=${again.seq}, the original was ${first.seq}`);
    check(again.id === first.id, `${a.name}: retry ack id ${json(again.id)}, the original was ${json(first.id)}`);

    // The next new message takes seq 2: the retry was not stored.
    const { ack: next } = await sa.sendMessage(room, `next from ${a.name}`);
    check(next.seq === 2n && !next.duplicate, `${a.name}: next ack seq=${next.seq} duplicate=${next.duplicate}, expected seq 2, duplicate=false`);

    // Everyone sees the message once.
    await sb.waitMessage(room, 2);
    await sa.waitMessage(room, 2);
    await sleep(QUIET_MS);
    for (const sub of [sa, sb]) {
      const seqs = sub.messagesIn(room).map((e) => String(e.frame.frame.value.seq));
      check(seqs.join(',') === '1,2', `${sub.user.name}: message seqs [${seqs.join(',')}], expected [1,2]; received: ${sub.history()}`);
    }
  },
};

// ---------------------------------------------------------------------------

async function main() {
  const args = {};
  for (const arg of process.argv.slice(2)) {
    const m = /^--([^=]+)=(.*)$/.exec(arg);
    if (!m) fail(`unrecognised argument ${arg}; usage: --base_url=http://HOST:WEBPORT --scenario=NAME [--transport=node|fetch]`);
    args[m[1]] = m[2];
  }
  if (!args.base_url) fail('missing --base_url=http://HOST:WEBPORT');
  const name = args.scenario;
  const run = scenarios[name];
  if (!run) fail(`unknown or missing --scenario ${json(name)}; known: ${Object.keys(scenarios).join(', ')}`);
  const kind = args.transport || 'node';
  let transport;
  if (kind === 'node') transport = createNodeGrpcWebTransport({ baseUrl: args.base_url, httpVersion: '1.1' });
  else if (kind === 'fetch') transport = createFetchGrpcWebTransport({ baseUrl: args.base_url });
  else fail(`unknown --transport ${json(kind)}; known: node, fetch`);

  const watchdog = setTimeout(() => fail(`${name}: no result after ${RUN_TIMEOUT_MS} ms`), RUN_TIMEOUT_MS);
  const session = new Session(transport);
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

await main();
