'use strict';
// Soak: a steady load held for a long time, watching the server for slow leaks and the clients for
// lost or repeated messages. Every session is one HTTP/2 connection with one Connect stream.
//
//   node soak.js --address=127.0.0.1:PORT --pid=SERVER_PID [--minutes=30] [--rooms=100]
//        [--receivers=500] [--senders=40] [--rate=200] [--churn=2] [--stalled=4] [--sample-s=10]
//
//   receivers  each joined to two rooms (about receivers/rooms*2 per room), checking every seq
//   senders    each joined to rooms/senders*2 rooms, together sending `rate` messages/s into them;
//              a few sends are retried on purpose and must come back as the same seq, marked duplicate
//   churn      connections dropped per second (TCP resets and cancels, receivers and senders alike,
//              senders just after a send);
//              each comes back 0-2 s later: receivers resume after their last seq, senders resend
//              what was not acked with the same client_msg_id
//   stalled    readers joined to half the rooms that stop reading for 150 s in every 180 s; the server
//              cuts them off when their outbox fills, and they reconnect and resume
//
// At the end sends stop, every session is brought back and reads to the newest seq, and the run is
// judged: every acked message seen exactly once by every member, seqs gapless, no message stored twice.
// Prints one JSON line with the samples (server RSS, threads, open handles, CPU) and the verdict.

const fs = require('fs');
const http2 = require('http2');
const { grpc, chatv1, packageDefinition, unary, bearer } = require('./chatproto');
const grpcFrames = require('./grpcframes');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const num = (k, d) => (args[k] === undefined ? d : Number(args[k]));
const address = args.address;
const pid = Number(args.pid);
const minutes = num('minutes', 30);
const roomCount = num('rooms', 100);
const receiverCount = num('receivers', 500);
const senderCount = num('senders', 40);
const rate = num('rate', 200);
const churn = num('churn', 2);
const stalledCount = num('stalled', 4);
const sampleS = num('sample-s', 10);
const log = (m) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const connect = packageDefinition['chat.v1.ChatService'].Connect;
const RESUME_COMPLETE = 'RESUME_RESULT_COMPLETE';

const counts = {
  sent: 0, acked: 0, resent: 0, retriedOnPurpose: 0, retryMismatch: 0, storedTwice: 0, unexpectedDuplicateAck: 0,
  delivered: 0, duplicates: 0, gaps: 0, wrongText: 0, resumesIncomplete: 0, beforeJoined: 0,
  drops: 0, reconnects: 0, cutByServer: 0, errors: {}, ends: {},
};
const sentAt = new Map(); // client_msg_id -> ms, for delivery latency of live messages
const owner = Array.from({ length: roomCount }, () => new Map()); // room index -> seq -> client_msg_id
let windowLatencies = { ack: [], delivery: [] };

const frame = (message) => grpcFrames.frame(connect.requestSerialize(message));

const bump = (map, key) => { map[key] = (map[key] || 0) + 1; };

/** One client: a connection, a stream, the rooms it belongs to and the last seq it has of each. */
class Client {
  constructor(kind, token, rooms) {
    this.kind = kind;
    this.token = token;
    this.rooms = rooms; // room indexes
    this.last = new Map(); // room index -> last seq seen
    this.joined = new Set();
    this.epoch = '';
    this.open = false;
    this.pending = new Map(); // sender: client_msg_id -> { room, text }
    this.nextId = 0;
  }

  connect() {
    this.joined.clear();
    this.liveSince = Infinity;
    const session = http2.connect(`http://${address}`);
    session.on('error', () => {}); // the stream's close reports it
    const stream = session.request({
      ':method': 'POST', ':path': '/chat.v1.ChatService/Connect', 'content-type': 'application/grpc', te: 'trailers',
      authorization: `Bearer ${this.token}`,
    });
    this.session = session;
    this.stream = stream;
    this.open = true;
    let why = null;
    const status = (h) => (h['grpc-status'] === undefined ? null : `${h['grpc-status']}`);
    stream.on('response', (h) => { why = status(h) ?? why; });
    stream.on('trailers', (h) => { why = status(h) ?? why; });
    stream.on('error', () => {});
    stream.on('close', () => {
      if (this.stream !== stream) return;
      this.open = false;
      const reason = why ?? (stream.rstCode ? `rst ${stream.rstCode}` : 'closed');
      if (!this.dropping) {
        bump(counts.ends, reason);
        if (this.kind === 'stalled') counts.cutByServer++;
      }
      session.destroy();
    });
    stream.on('data', grpcFrames.splitter((buf, start, stop) => this.onFrame(connect.responseDeserialize(buf.subarray(start, stop)))));
    this.dropping = false;
    for (const r of this.rooms) {
      const after = this.last.get(r) ?? 0;
      this.write({ request_id: `j${r}`, join: { room: roomId(r), after_seq: after, store_epoch: after ? this.epoch : '' } });
    }
    if (this.kind === 'sender') for (const [id, p] of this.pending) this.sendFrame(id, p, true);
  }

  write(message) {
    if (this.open) this.stream.write(frame(message));
  }

  onFrame(f) {
    switch (f.frame) {
      case 'welcome':
        this.epoch = f.welcome.store_epoch;
        return;
      case 'joined': {
        const r = Number(f.request_id.slice(1));
        const after = this.last.get(r);
        if (after && f.joined.resume !== RESUME_COMPLETE) counts.resumesIncomplete++;
        if (!after) this.last.set(r, Number(f.joined.last_seq || 0));
        this.joined.add(r);
        if (this.joined.size === this.rooms.length) this.liveSince = performance.now();
        return;
      }
      case 'message':
        this.onMessage(f.message);
        return;
      case 'send_ack':
        this.onAck(f.send_ack);
        return;
      case 'error': {
        bump(counts.errors, `${f.error.code} ${f.error.message.slice(0, 60)}`);
        const p = this.pending.get(f.error.client_msg_id);
        if (p) setTimeout(() => this.sendFrame(f.error.client_msg_id, p, true), 500); // as a client would: try again
        return;
      }
      default:
    }
  }

  onMessage(m) {
    const r = roomIndex(m.room);
    if (!this.joined.has(r) && !this.last.has(r)) { counts.beforeJoined++; return; }
    const seq = Number(m.seq);
    const last = this.last.get(r) ?? 0;
    if (seq <= last) { counts.duplicates++; return; }
    if (seq > last + 1) counts.gaps += seq - last - 1;
    this.last.set(r, seq);
    counts.delivered++;
    if (m.text !== `soak ${m.client_msg_id}`) counts.wrongText++;
    const t = sentAt.get(m.client_msg_id);
    if (t !== undefined && t > this.liveSince && this.kind === 'receiver') windowLatencies.delivery.push(performance.now() - t);
  }

  send() {
    const r = this.rooms[this.nextId % this.rooms.length];
    const id = `${this.name}-${this.nextId++}`;
    const p = { room: r, text: `soak ${id}`, at: performance.now() };
    this.pending.set(id, p);
    sentAt.set(id, p.at);
    counts.sent++;
    this.sendFrame(id, p, false);
  }

  sendFrame(id, p, resend) {
    if (resend) counts.resent++;
    this.write({ request_id: `s${id}`, send: { room: roomId(p.room), client_msg_id: id, text: p.text } });
  }

  onAck(a) {
    const id = a.client_msg_id;
    const seq = Number(a.seq);
    const r = roomIndex(a.room);
    const p = this.pending.get(id);
    if (p?.retryOf !== undefined) { // a deliberate retry: must name the stored seq, marked duplicate
      if (!a.duplicate || seq !== p.retryOf) counts.retryMismatch++;
      this.pending.delete(id);
      return;
    }
    const had = owner[r].get(seq);
    if (had !== undefined && had !== id) counts.storedTwice++;
    if (had === id) return; // a resend after a drop whose ack we already had
    if (a.duplicate && !p) counts.unexpectedDuplicateAck++;
    owner[r].set(seq, id);
    if (p) {
      windowLatencies.ack.push(performance.now() - p.at);
      this.pending.delete(id);
    }
    counts.acked++;
    if (counts.acked % 500 === 0) { // one in 500: the client retries as if the ack had been lost
      counts.retriedOnPurpose++;
      this.pending.set(id, { room: r, text: `soak ${id}`, at: performance.now(), retryOf: seq });
      this.sendFrame(id, this.pending.get(id), false);
    }
  }

  drop(how) {
    if (!this.open) return;
    this.dropping = true;
    this.open = false;
    counts.drops++;
    if (how === 'reset' && typeof this.session.socket?.resetAndDestroy === 'function') this.session.socket.resetAndDestroy();
    else this.stream.close(http2.constants.NGHTTP2_CANCEL);
    this.session.destroy();
  }
}

let runId = '';
const roomId = (r) => `soak-${runId}-${r}`;
const roomIndex = (id) => Number(id.slice(id.lastIndexOf('-') + 1));

function sampleServer() {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)[1]);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const cpuTicks = Number(stat[11]) + Number(stat[12]);
  return {
    rssMiB: Number((field('VmRSS') / 1024).toFixed(1)),
    threads: field('Threads'),
    handles: fs.readdirSync(`/proc/${pid}/fd`).length,
    cpuTicks,
  };
}

function pct(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(2));
}

async function main() {
  const insecure = grpc.credentials.createInsecure();
  const auth = new chatv1.AuthService(address, insecure);
  const chat = new chatv1.ChatService(address, insecure);
  runId = Date.now().toString(36);
  const register = async (name) => (await unary(auth, 'Register', { user_name: name, password: 'soak-password' })).tokens.access_token;
  const first = await register(`soak-${runId}-owner`);
  const meta = bearer(first);
  for (let r = 0; r < roomCount; r++) await unary(chat, 'CreateRoom', { id: roomId(r), title: `soak ${r}`, kind: 'ROOM_KIND_PUBLIC' }, meta);

  // Five devices per receiving user, one per sending or stalled user.
  // One at a time: the server bounds how many passwords it hashes at once and refuses the rest.
  const receiverUsers = [];
  for (let u = 0; u < Math.ceil(receiverCount / 5); u++) receiverUsers.push(await register(`soak-${runId}-r${u}`));
  const clients = [];
  for (let i = 0; i < receiverCount; i++) {
    const a = i % roomCount;
    const b = (a + 1 + (Math.floor(i / roomCount) * 7) % (roomCount - 1)) % roomCount;
    clients.push(new Client('receiver', receiverUsers[Math.floor(i / 5)], [a, b]));
  }
  const perSender = Math.max(1, Math.ceil((roomCount * 2) / senderCount));
  const senders = [];
  for (let s = 0; s < senderCount; s++) {
    const rooms = Array.from({ length: perSender }, (_, k) => (s * Math.ceil(perSender / 2) + k) % roomCount);
    const c = new Client('sender', await register(`soak-${runId}-s${s}`), [...new Set(rooms)]);
    c.name = `s${s}`;
    senders.push(c);
  }
  const stalled = [];
  for (let k = 0; k < stalledCount; k++) {
    const rooms = Array.from({ length: Math.floor(roomCount / 2) }, (_, j) => (k + j * 2) % roomCount);
    stalled.push(new Client('stalled', await register(`soak-${runId}-z${k}`), rooms));
  }
  auth.close();
  chat.close();
  const everyone = [...clients, ...senders, ...stalled];
  for (let i = 0; i < everyone.length; i += 50) {
    for (const c of everyone.slice(i, i + 50)) c.connect();
    await sleep(100);
  }
  await sleep(3000);
  log(`${clients.length} receivers, ${senders.length} senders (${perSender} rooms each), ${stalled.length} stalled readers in ${roomCount} rooms`);

  const started = performance.now();
  const endAt = started + minutes * 60000;
  let stop = false;

  // Steady sends: each sender on its own even schedule, skipped while its connection is down.
  const interval = (1000 * senders.length) / rate;
  const timers = senders.map((s, i) => setTimeout(() => {
    s.timer = setInterval(() => { if (!stop && s.open && s.joined.size === s.rooms.length) s.send(); }, interval);
  }, (interval * i) / senders.length));

  // Churn: drop a random connection, bring it back 0-2 s later.
  const churnTimer = churn > 0 ? setInterval(() => {
    if (stop) return;
    const c = Math.random() < 0.1 ? senders[Math.floor(Math.random() * senders.length)] : clients[Math.floor(Math.random() * clients.length)];
    if (!c.open) return;
    // A sender drops right after a send: stored or not, its retry must be stored once.
    if (c.kind === 'sender' && c.joined.size === c.rooms.length) c.send();
    c.drop(Math.random() < 0.5 ? 'reset' : 'cancel');
    setTimeout(() => { counts.reconnects++; c.connect(); }, Math.random() * 2000);
  }, 1000 / churn) : null;

  // Stalled readers: 30 s reading, 150 s not; cut ones reconnect once they would read again.
  const stallLoop = (async () => {
    while (!stop) {
      await sleep(30000);
      if (stop) break;
      for (const c of stalled) if (c.open) c.stream.pause();
      await sleep(150000);
      for (const c of stalled) {
        if (c.open) c.stream.resume();
        else { counts.reconnects++; c.connect(); }
      }
    }
  })();

  // Senders whose acks are missing after 10 s while connected resend them (same client_msg_id).
  const resendTimer = setInterval(() => {
    const now = performance.now();
    for (const s of senders) for (const [id, p] of s.pending) if (s.open && now - p.at > 10000) { p.at = now; s.sendFrame(id, p, true); }
    for (const [id, t] of sentAt) { if (now - t > 60000) sentAt.delete(id); else break; }
  }, 5000);

  const samples = [];
  let prev = sampleServer();
  let prevAt = performance.now();
  const TICKS_PER_S = 100; // USER_HZ, the unit of utime and stime in /proc/PID/stat
  while (performance.now() < endAt) {
    await sleep(Math.min(sampleS * 1000, endAt - performance.now()));
    const now = performance.now();
    const s = sampleServer();
    const sample = {
      t: Math.round((now - started) / 1000), rssMiB: s.rssMiB, threads: s.threads, handles: s.handles,
      cpuPct: Number((((s.cpuTicks - prev.cpuTicks) / TICKS_PER_S) * 100000 / (now - prevAt)).toFixed(1)),
      sent: counts.sent, acked: counts.acked, delivered: counts.delivered, drops: counts.drops, cut: counts.cutByServer,
      ackP99: pct(windowLatencies.ack, 99), deliveryP50: pct(windowLatencies.delivery, 50), deliveryP99: pct(windowLatencies.delivery, 99),
      gaps: counts.gaps, duplicates: counts.duplicates,
    };
    windowLatencies = { ack: [], delivery: [] };
    samples.push(sample);
    prev = s;
    prevAt = now;
    if (sample.t % 60 < sampleS) log(JSON.stringify(sample));
  }

  // The end: stop sending and dropping, bring everyone back, wait until every member has the newest seq.
  stop = true;
  for (const t of timers) clearTimeout(t);
  for (const s of senders) clearInterval(s.timer);
  if (churnTimer) clearInterval(churnTimer);
  for (const c of stalled) if (c.open) c.stream.resume();
  await sleep(2500); // reconnects already scheduled by the churn land
  const newest = owner.map((m) => m.size === 0 ? 0 : Math.max(...m.keys()));
  const behind = () => everyone.filter((c) => c.rooms.some((r) => (c.last.get(r) ?? 0) < newest[r]));
  const settleUntil = performance.now() + 120000;
  while (performance.now() < settleUntil) {
    for (const s of senders) for (const [id, p] of s.pending) if (s.open) s.sendFrame(id, p, true);
    for (const c of everyone) if (!c.open) { counts.reconnects++; c.connect(); }
    await sleep(2000);
    for (let r = 0; r < roomCount; r++) newest[r] = owner[r].size === 0 ? 0 : Math.max(...owner[r].keys());
    if (behind().length === 0 && senders.every((s) => s.pending.size === 0)) break;
  }
  clearInterval(resendTimer);

  let holes = 0;
  for (let r = 0; r < roomCount; r++) for (let q = 1; q <= newest[r]; q++) if (!owner[r].has(q)) holes++;
  const unacked = senders.reduce((a, s) => a + s.pending.size, 0);
  const lagging = behind();
  const missing = lagging.reduce((a, c) => a + c.rooms.reduce((b, r) => b + Math.max(0, newest[r] - (c.last.get(r) ?? 0)), 0), 0);
  const verdict = {
    lost: counts.gaps + missing, duplicates: counts.duplicates, storedTwice: counts.storedTwice, seqHoles: holes,
    unacked, wrongText: counts.wrongText, retryMismatch: counts.retryMismatch, resumesIncomplete: counts.resumesIncomplete,
    beforeJoined: counts.beforeJoined, unexpectedDuplicateAck: counts.unexpectedDuplicateAck, laggingAtEnd: lagging.length,
  };
  verdict.ok = Object.values(verdict).every((v) => v === 0);
  log(`verdict ${JSON.stringify(verdict)}`);
  const end = sampleServer();
  process.stdout.write(`${JSON.stringify({
    minutes, rooms: roomCount, receivers: receiverCount, senders: senderCount, stalled: stalledCount, rate, churn,
    counts, verdict, samples, final: { rssMiB: end.rssMiB, threads: end.threads, handles: end.handles },
  })}\n`);
  for (const c of everyone) if (c.open) c.drop('cancel');
  process.exit(0);
}

main().catch((e) => {
  log(`failed: ${e.stack || e}`);
  process.exit(1);
});
