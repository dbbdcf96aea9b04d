#!/usr/bin/env node
'use strict';
// Load generator for the chat benchmarks. Drives one server of one kind through one scenario and
// prints one JSON line of results on stdout (progress goes to stderr). The same code drives all
// three servers: ours and the grpc-js peer with the chat.v1 contract (register through AuthService
// and CreateRoom with @grpc/grpc-js; Connect with `authorization: Bearer <token>`, join, send with
// client_msg_id), the Socket.io peer with Socket.IO events (join, message, acks). Sessions speak
// the protocol directly by default (--client=wire, wireclients.js: node:http2 / a raw WebSocket),
// so receiving a big room's fan-out costs the generator little; --client=library uses
// @grpc/grpc-js and socket.io-client instead. Every session is its own connection, as every device would be.
//
//   node loadgen.js --target=ours|ours-before|grpcjs|socketio|kestrel --port=P --server-pid=PID [--client=wire|library] --scenario=idle
//        --sessions=N [--room-size=10] [--settle-ms=3000]
//     N sessions, each joined to a room of room-size; server RSS (VmRSS) before and after,
//     per session; also the server's CPU to connect and join them. Target kestrel is the floor
//     (bench/KestrelFloor): the same HTTP/2 connection and open stream per session, nothing else.
//   node loadgen.js ... --scenario=fanout --members=M --rate=R|search --seconds=S
//        [--senders=1] [--objective-ms=50] [--rate-start=..] [--rate-max=..] [--search-steps=3] [--warmup-s=1]
//     one room of M receiving sessions plus the senders (members of the room too) publishing R
//     messages/s in total, each a ~100-byte text "sender|seq|step|send-time|xxx...". Receivers
//     count deliveries, gaps and latency. With --rate=search the rate doubles from rate-start
//     until p99 > objective or any loss, then bisects; the best passing step is the result.
//   node loadgen.js ... --scenario=latency --members=100 --rate=R --seconds=S [--rate-note=TEXT]
//     a fan-out step at a fixed rate, reported with p99.9 and the latency CDF (for the chart).
//   node loadgen.js ... --scenario=persist --storage=stored|memory ...
//     a fan-out (as above) whose result is labelled with how the server stores messages.
//   node loadgen.js ... --scenario=slow --members=M --rate=R [--slow-fraction=0.05] [--warmup-s=1]
//        [--baseline-s=10] [--pause-s=30] [--after-s=10]
//     one sender into a room of M; after the baseline, a fraction of the readers stop reading
//     (pauseReading: the grpc-js call, or socket.io-client's TCP socket) for pause-s, then read
//     again. Healthy readers' latency by phase, server RSS every 200 ms; a slow reader the server
//     cut off reconnects and resumes after its last seq, and its losses are counted by room seq.
//   node loadgen.js ... --scenario=reconnect --sessions=N --room-size=10 --rate=R [--after-s=3]
//        [--rooms-per-publisher=50] [--storm-concurrency=500] [--storm-timeout-s=90]
//     N sessions in rooms; publishers send R msg/s round-robin over the rooms; every session
//     drops at once and reconnects (storm-concurrency attempts in flight, retried with back-off),
//     joining its room after the last seq it saw. Time until 99% are resumed (have every message
//     up to the seq their join reported), messages lost (per receiver, by room seq).
//
// Server CPU is utime+stime from /proc/PID/stat, memory VmRSS from /proc/PID/status; the load
// generator's own CPU is process.cpuUsage() over the same window. Whole run bounded by
// --timeout-s (default 300).

const crypto = require('crypto');
const fs = require('fs');
const { execFileSync } = require('child_process');
const { performance, monitorEventLoopDelay } = require('perf_hooks');

// ---------------------------------------------------------------------------------------------
// options

function parseArgs(argv) {
  const out = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    out[m[1]] = m[2] === undefined ? 'true' : m[2];
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const num = (name, fallback) => (args[name] === undefined ? fallback : Number(args[name]));
const opt = {
  target: args.target,
  port: num('port', 0),
  serverPid: num('server-pid', 0),
  scenario: args.scenario,
  label: args.label || '',
  sessions: num('sessions', 200),
  roomSize: num('room-size', 10),
  settleMs: num('settle-ms', 3000),
  members: num('members', 10),
  senders: num('senders', 1),
  rate: args.rate || '100',
  seconds: num('seconds', 3),
  objectiveMs: num('objective-ms', 50),
  rateStart: num('rate-start', 0),
  rateMax: num('rate-max', 0),
  searchSteps: num('search-steps', 3),
  warmupS: num('warmup-s', 1),
  preSendMs: num('pre-send-ms', 500),
  searchBudgetS: num('search-budget-s', 150),
  payloadBytes: num('payload-bytes', 100),
  concurrency: num('concurrency', 64),
  registerConcurrency: num('register-concurrency', 16),
  timeoutS: num('timeout-s', 300),
  run: num('run', 1),
  storage: args.storage || null,
  rateNote: args['rate-note'] || null,
  slowFraction: num('slow-fraction', 0.05),
  baselineS: num('baseline-s', 10),
  pauseS: num('pause-s', 30),
  afterS: num('after-s', 10),
  roomsPerPublisher: num('rooms-per-publisher', 50),
  stormConcurrency: num('storm-concurrency', 500),
  stormTimeoutS: num('storm-timeout-s', 90),
  // wire: sessions speak the protocol directly (wireclients.js), cheap per received message;
  // library: @grpc/grpc-js and socket.io-client, as an application would.
  client: args.client || 'wire',
  // Ours only: its Prometheus endpoint, read around each fan-out step to count stream flushes.
  metricsUrl: args['metrics-url'] || null,
};

const SCENARIOS = ['idle', 'fanout', 'latency', 'slow', 'persist', 'reconnect'];
if (!['ours', 'ours-before', 'grpcjs', 'socketio', 'kestrel'].includes(opt.target) || !opt.port || !SCENARIOS.includes(opt.scenario) || !['wire', 'library'].includes(opt.client)
  || (opt.target === 'kestrel' && opt.scenario !== 'idle')) {
  console.error(`usage: node loadgen.js --target=ours|ours-before|grpcjs|socketio|kestrel (idle only) --port=P [--server-pid=PID] --scenario=${SCENARIOS.join('|')} [...]`);
  process.exit(64);
}

const RUN_ID = crypto.randomBytes(3).toString('hex');
const started = performance.now();
const log = (msg) => process.stderr.write(`[loadgen ${opt.target} ${opt.scenario} +${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const watchdog = setTimeout(() => {
  emit({ error: `timed out after ${opt.timeoutS} s` });
  process.exit(2);
}, opt.timeoutS * 1000);
watchdog.unref();

let emitted = false;
function emit(fields) {
  // One line per run: a watchdog firing while the result is being written must not add a second.
  if (emitted) return;
  emitted = true;
  process.stdout.write(`${JSON.stringify({
    target: opt.target, scenario: opt.scenario, label: opt.label, run: opt.run, client: opt.client, ...(opt.storage ? { storage: opt.storage } : {}), ...fields,
  })}\n`);
}

// ---------------------------------------------------------------------------------------------
// /proc

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  // 100 on every Linux we run on
}

function serverCpuUs() {
  if (!opt.serverPid) return null;
  const stat = fs.readFileSync(`/proc/${opt.serverPid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clkTck;
}

function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) : null;
}

function serverRssKiB() {
  return opt.serverPid ? rssKiB(opt.serverPid) : null;
}

function ownCpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** CPU of the server and of this process over a window. */
/** Ours' chat_frames_flushes_total (writes of queued frames to streams), or null without --metrics-url. */
async function serverFlushes() {
  if (!opt.metricsUrl) return null;
  const text = await (await fetch(opt.metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith('chat_frames_flushes_total'));
  return line ? Number(line.split(' ').pop()) : null;
}

function cpuWindow() {
  const t0 = performance.now();
  const s0 = serverCpuUs();
  const l0 = ownCpuUs();
  return () => {
    const wallUs = (performance.now() - t0) * 1000;
    const s1 = serverCpuUs();
    const serverUs = s0 === null ? null : s1 - s0;
    const loadgenUs = ownCpuUs() - l0;
    return {
      wallUs,
      serverUs,
      loadgenUs,
      serverPct: serverUs === null ? null : round((serverUs / wallUs) * 100, 1),
      loadgenPct: round((loadgenUs / wallUs) * 100, 1),
    };
  };
}

function round(v, digits = 2) {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

// ---------------------------------------------------------------------------------------------
// latency histogram: logarithmic buckets 1% wide from 1 µs to ~100 s

const BUCKET_BASE = Math.log(1.01);
const BUCKETS = Math.ceil(Math.log(1e8) / BUCKET_BASE) + 1;

class Histogram {
  constructor() {
    this.counts = new Float64Array(BUCKETS);
    this.count = 0;
    this.max = 0;
  }

  record(ms) {
    const us = ms * 1000;
    const i = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(us) / BUCKET_BASE));
    this.counts[i]++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** Upper bound of the bucket holding the q-quantile, in ms (overstates by at most 1%). */
  quantile(q) {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, Math.exp((i + 1) * BUCKET_BASE) / 1000);
    }
    return this.max;
  }

  /** [ms, fraction of samples <= ms] at each occupied bucket, thinned to at most `points` points. */
  cdf(points = 160) {
    if (this.count === 0) return [];
    const out = [];
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      if (this.counts[i] === 0) continue;
      seen += this.counts[i];
      out.push([round(Math.min(this.max, Math.exp((i + 1) * BUCKET_BASE) / 1000), 3), round(seen / this.count, 5)]);
    }
    if (out.length <= points) return out;
    // Keep the tail whole (it is what the chart is for) and thin the body evenly.
    const tailFrom = out.findIndex((p) => p[1] >= 0.99);
    const body = out.slice(0, tailFrom);
    const keep = Math.max(2, points - (out.length - tailFrom));
    const step = body.length / keep;
    const thinned = [];
    for (let j = 0; j < keep && Math.floor(j * step) < body.length; j++) thinned.push(body[Math.floor(j * step)]);
    return thinned.concat(out.slice(tailFrom));
  }
}

// ---------------------------------------------------------------------------------------------
// drivers: the same operations on each kind of server

async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

function grpcDriver(port) {
  const { grpc, chatv1, ChatServiceDefinition } = require('./chatproto');
  const { grpcWireSession } = require('./wireclients');
  const address = `127.0.0.1:${port}`;
  const insecure = grpc.credentials.createInsecure();
  // A local subchannel pool gives every session's client its own HTTP/2 connection.
  const sessionChannelOptions = { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
  const auth = new chatv1.AuthService(address, insecure);
  const control = new chatv1.ChatService(address, insecure);
  const deadline = () => new Date(Date.now() + 30000);
  const bearer = (token) => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    return md;
  };
  const unary = (client, method, request, md) => new Promise((resolve, reject) => {
    const cb = (err, res) => (err ? reject(new Error(`${method}: ${err.code} ${err.details}`)) : resolve(res));
    if (md) client[method](request, md, { deadline: deadline() }, cb);
    else client[method](request, { deadline: deadline() }, cb);
  });

  // The same session on @grpc/grpc-js: a client (and so a connection) per session.
  const libraryCall = (identity, onFrame, onEnd) => {
    const client = new chatv1.ChatService(address, insecure, sessionChannelOptions);
    const call = client.Connect(bearer(identity.token));
    call.on('data', onFrame);
    call.on('error', (e) => onEnd(`stream ended: ${e.code} ${e.details}`));
    call.on('end', () => onEnd('stream ended by the server'));
    return {
      write: (frame) => call.write(frame),
      pause: () => call.pause(),
      resume: () => call.resume(),
      close: () => {
        call.cancel();
        client.close();
      },
    };
  };

  return {
    async register(name) {
      const res = await unary(auth, 'Register', { user_name: name, password: `pw-${name}-bench` });
      return { name, token: res.tokens.access_token };
    },
    async createRoom(owner, id) {
      await unary(control, 'CreateRoom', { id, title: id, kind: 'ROOM_KIND_PUBLIC' }, bearer(owner.token));
    },
    open(identity, onMessage, onClose) {
      const pending = new Map();
      let nextRequest = 0;
      let closed = false;
      let epoch = '';
      let welcomed;
      let failWelcome;
      const ready = new Promise((resolve, reject) => {
        welcomed = resolve;
        failWelcome = reject;
      });
      const finish = (why) => {
        if (closed) return;
        closed = true;
        failWelcome(new Error(why));
        for (const p of pending.values()) p.reject(new Error(why));
        pending.clear();
        onClose(why);
      };
      const onFrame = (f) => {
        switch (f.frame) {
          case 'message':
            onMessage(f.message.text, f.message.seq || 0, f.message.room);
            return;
          case 'welcome':
            epoch = f.welcome.store_epoch || '';
            welcomed();
            return;
          default: {
            const p = f.request_id && pending.get(f.request_id);
            if (!p) return;
            pending.delete(f.request_id);
            if (f.frame === 'error') p.reject(new Error(`error frame ${f.error.code}: ${f.error.message}`));
            else p.resolve(f);
          }
        }
      };
      const call = opt.client === 'wire'
        ? grpcWireSession({
          port,
          token: identity.token,
          serialize: ChatServiceDefinition.Connect.requestSerialize,
          deserialize: ChatServiceDefinition.Connect.responseDeserialize,
          onMessage,
          onFrame,
          onEnd: finish,
        })
        : libraryCall(identity, onFrame, finish);
      const request = (frame) => new Promise((resolve, reject) => {
        if (closed) {
          reject(new Error('stream closed'));
          return;
        }
        const id = String(++nextRequest);
        pending.set(id, { resolve, reject });
        call.write({ request_id: id, ...frame });
      });
      return {
        ready,
        get closed() { return closed; },
        get epoch() { return epoch; },
        // afterSeq > 0 resumes: the server replays every message after it (JoinRequest.after_seq).
        join: async (room, afterSeq = 0, storeEpoch = '') => {
          const f = await request({ join: afterSeq > 0 ? { room, after_seq: afterSeq, store_epoch: storeEpoch } : { room } });
          return {
            lastSeq: f.joined.last_seq || 0,
            resume: f.joined.resume || 'RESUME_RESULT_UNSPECIFIED',
            history: (f.joined.history || []).map((h) => h.seq || 0),
          };
        },
        send: async (room, text, clientMsgId) => {
          const f = await request({ send: { room, text, client_msg_id: clientMsgId } });
          return { seq: f.send_ack.seq || 0 };
        },
        // Stops consuming the stream: the HTTP/2 stream is no longer read, so its flow-control
        // window closes and the server has to hold (or drop) what it still wants to send.
        pauseReading() { call.pause(); },
        resumeReading() { call.resume(); },
        close() {
          closed = true;
          call.close();
        },
      };
    },
    close() {
      auth.close();
      control.close();
    },
  };
}

function socketioDriver(port) {
  const { io } = require('socket.io-client');
  const url = `http://127.0.0.1:${port}`;
  const ACK_MS = 30000;
  const { socketioWireSession } = require('./wireclients');

  /** The driver's session over either client: join / send by acked events. */
  const session = (t) => {
    const request = async (event, payload) => {
      const res = await t.emitWithAck(event, payload);
      if (res && res.error) throw new Error(res.error);
      return res;
    };
    return {
      ready: t.ready,
      get closed() { return t.isClosed(); },
      epoch: '',
      join: async (room, afterSeq = 0) => {
        const res = await request('join', afterSeq > 0 ? { room, after_seq: afterSeq } : room);
        return { lastSeq: res.last_seq || 0, resume: res.resume || 'fresh', history: [] };
      },
      send: async (room, text, clientMsgId) => {
        const res = await request('message', { room, text, client_msg_id: clientMsgId });
        return { seq: res.seq || 0 };
      },
      pauseReading: t.pause,
      resumeReading: t.resume,
      close: t.close,
    };
  };

  // The same session on a raw WebSocket (wireclients.js): the TCP socket under it is paused for back-pressure.
  const wireOpen = (identity, onMessage, onClose) => {
    let closed = false;
    let connected;
    let failed;
    const ready = new Promise((resolve, reject) => {
      connected = resolve;
      failed = reject;
    });
    const ws = socketioWireSession({
      port,
      name: identity.name,
      onMessage,
      onConnected: connected,
      onConnectError: failed,
      onEnd: (why) => {
        if (closed) return;
        closed = true;
        failed(new Error(why));
        onClose(why);
      },
    });
    return session({
      ready,
      isClosed: () => closed,
      emitWithAck: (event, payload) => ws.emitWithAck(event, payload, ACK_MS),
      pause: () => ws.pause(),
      resume: () => ws.resume(),
      close() {
        closed = true;
        ws.close();
      },
    });
  };
  return {
    async register(name) {
      return { name, token: null }; // the Socket.io peer has no accounts: the name is sent in the handshake
    },
    async createRoom() {
      // rooms exist as soon as someone joins
    },
    open(identity, onMessage, onClose) {
      if (opt.client === 'wire') return wireOpen(identity, onMessage, onClose);
      const socket = io(url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        perMessageDeflate: false,
        timeout: ACK_MS,
        auth: { name: identity.name },
      });
      let closed = false;
      const ready = new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', (e) => reject(new Error(`connect_error: ${e.message}`)));
      });
      socket.on('message', (m) => onMessage(m.text, m.seq, m.room));
      socket.on('disconnect', (reason) => {
        if (closed) return;
        closed = true;
        onClose(`disconnected: ${reason}`);
      });
      // The TCP socket under the WebSocket: pausing it is the only back-pressure Socket.io has.
      const tcp = () => {
        const transport = socket.io.engine && socket.io.engine.transport;
        return transport && transport.ws && transport.ws._socket;
      };
      return session({
        ready,
        isClosed: () => closed,
        emitWithAck: (event, payload) => socket.timeout(ACK_MS).emitWithAck(event, payload),
        pause() {
          const t = tcp();
          if (!t) throw new Error('no TCP socket under the socket.io-client transport to pause');
          t.pause();
        },
        resume() {
          const t = tcp();
          if (t) t.resume();
        },
        close() {
          closed = true;
          socket.disconnect();
        },
      });
    },
    close() {},
  };
}

/** The idle floor: no accounts, no rooms; a session is its connection and one open stream. */
function floorDriver(port) {
  const { floorWireSession } = require('./wireclients');
  return {
    async register(name) { return { name }; },
    async createRoom() {},
    open(identity, onMessage, onClose) {
      let closed = false;
      let opened;
      let failed;
      const ready = new Promise((resolve, reject) => {
        opened = resolve;
        failed = reject;
      });
      const session = floorWireSession({
        port,
        onReady: () => opened(),
        onEnd: (why) => {
          closed = true;
          failed(new Error(why));
          onClose(why);
        },
      });
      return {
        ready,
        get closed() { return closed; },
        join: async () => ({ lastSeq: 0 }),
        close() {
          closed = true;
          session.close();
        },
      };
    },
    close() {},
  };
}

const DRIVERS = { socketio: socketioDriver, kestrel: floorDriver };
const driver = (DRIVERS[opt.target] || grpcDriver)(opt.port);

async function registerAll(count, prefix) {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${RUN_ID}-${i}`);
  return pool(names, opt.registerConcurrency, (name) => driver.register(name));
}

/** Closed sessions, by reason (a handful of distinct reasons kept). */
const closedReasons = new Map();
let closedCount = 0;
function noteClosed(why) {
  closedCount++;
  const key = String(why).slice(0, 200);
  closedReasons.set(key, (closedReasons.get(key) || 0) + 1);
}

function closedSummary() {
  return [...closedReasons.entries()].slice(0, 5).map(([reason, count]) => ({ reason, count }));
}

// ---------------------------------------------------------------------------------------------
// scenario 1: idle session density

async function idle() {
  const n = opt.sessions;
  const roomCount = Math.ceil(n / opt.roomSize);
  log(`registering ${n} users, creating ${roomCount} rooms of ${opt.roomSize}`);
  const identities = await registerAll(n, 'i');
  const roomIds = Array.from({ length: roomCount }, (_, k) => `idle-${RUN_ID}-${k}`);
  await pool(roomIds, 8, (id) => driver.createRoom(identities[0], id));

  await sleep(1000);
  const rssBefore = serverRssKiB();
  const loadgenRssBefore = rssKiB(process.pid);
  const window = cpuWindow();
  let failures = 0;
  let firstFailure = null;
  log(`opening ${n} sessions (server RSS ${rssBefore} KiB)`);
  const sessions = await pool(identities, opt.concurrency, async (identity, i) => {
    const s = driver.open(identity, () => {}, noteClosed);
    try {
      await s.ready;
      await s.join(roomIds[Math.floor(i / opt.roomSize)]);
    } catch (e) {
      failures++;
      firstFailure = firstFailure || e.message;
    }
    return s;
  });
  const opening = window();
  log(`opened in ${(opening.wallUs / 1e6).toFixed(1)} s, ${failures} failures; settling ${opt.settleMs} ms`);
  await sleep(opt.settleMs);
  const rssAfter = serverRssKiB();
  const alive = sessions.filter((s) => !s.closed).length;
  const ok = failures === 0 && alive === n;
  emit({
    ok,
    sessions: n,
    room_size: opt.roomSize,
    alive,
    failures,
    first_failure: firstFailure,
    closed: closedSummary(),
    server_rss_before_kib: rssBefore,
    server_rss_after_kib: rssAfter,
    server_rss_per_session_kib: rssBefore === null ? null : round((rssAfter - rssBefore) / n, 2),
    open_seconds: round(opening.wallUs / 1e6, 2),
    server_cpu_us_per_session: opening.serverUs === null ? null : round(opening.serverUs / n, 1),
    server_cpu_pct_opening: opening.serverPct,
    loadgen_cpu_pct_opening: opening.loadgenPct,
    loadgen_rss_per_session_kib: round((rssKiB(process.pid) - loadgenRssBefore) / n, 2),
    settle_ms: opt.settleMs,
  });
  for (const s of sessions) s.close();
}

// ---------------------------------------------------------------------------------------------
// scenario 2: room fan-out

async function fanout() {
  const m = opt.members;
  const k = opt.senders;
  const roomId = `fan-${RUN_ID}`;
  log(`registering ${m} receivers and ${k} senders`);
  const identities = await registerAll(m + k, 'f');
  await driver.createRoom(identities[0], roomId);

  // per (receiver, sender): last seq seen
  const lastSeq = new Float64Array(m * k);
  /** step number -> stats of the messages sent in it */
  const steps = new Map();

  const deliver = (receiver, text) => {
    const now = performance.now();
    const a = text.indexOf('|');
    const b = text.indexOf('|', a + 1);
    const c = text.indexOf('|', b + 1);
    const d = text.indexOf('|', c + 1);
    const sender = Number(text.slice(0, a));
    const seq = Number(text.slice(a + 1, b));
    const st = steps.get(Number(text.slice(b + 1, c)));
    const key = receiver * k + sender;
    const last = lastSeq[key];
    if (st) {
      const sentAt = Number(text.slice(c + 1, d));
      const latency = now - sentAt;
      st.received++;
      st.hist.record(latency);
      const w = Math.floor((sentAt - st.t0) / 100);
      if (w >= 0 && w < st.windowMax.length && latency > st.windowMax[w]) st.windowMax[w] = latency;
      st.lastAt = now;
      if (seq > last + 1) st.gaps += seq - last - 1;
      else if (seq <= last) st.outOfOrder++;
    }
    if (seq > last) lastSeq[key] = seq;
  };

  const openMember = async (identity, onMessage) => {
    const s = driver.open(identity, onMessage, (why) => {
      noteClosed(why);
    });
    await s.ready;
    await s.join(roomId);
    return s;
  };

  log(`opening ${m} receivers`);
  const receivers = await pool(identities.slice(0, m), opt.concurrency, (identity, i) => openMember(identity, (text) => deliver(i, text)));
  const senders = await pool(identities.slice(m), opt.concurrency, (identity) => openMember(identity, () => {}));
  // A session the server cut off (a receiver, or a sender that also receives the room and its acks
  // and fell behind) comes back before the next step, as a real client would; the step it was cut off
  // in has failed already. Without this a closed sender made every later step of a search send into a
  // dead stream and measure nothing.
  const reopenClosed = async () => {
    const closed = receivers.map((s, i) => (s.closed ? i : -1)).filter((i) => i >= 0);
    const closedSenders = senders.map((s, j) => (s.closed ? j : -1)).filter((j) => j >= 0);
    if (closed.length + closedSenders.length === 0) return 0;
    log(`reopening ${closed.length} receivers and ${closedSenders.length} senders the server closed`);
    await pool(closed, opt.concurrency, async (i) => {
      receivers[i] = await openMember(identities[i], (text) => deliver(i, text));
    });
    await pool(closedSenders, opt.concurrency, async (j) => {
      senders[j] = await openMember(identities[m + j], () => {});
    });
    return closed.length + closedSenders.length;
  };
  await sleep(opt.preSendMs);

  const paddingTo = opt.payloadBytes;
  const senderSeq = new Array(k).fill(0);
  let stepNo = 0;

  async function runStep(rate, seconds = opt.seconds, label = `step ${stepNo + 1}`) {
    stepNo++;
    const st = {
      received: 0, gaps: 0, outOfOrder: 0, lastAt: 0, hist: new Histogram(), ackHist: new Histogram(),
      t0: performance.now(), windowMax: new Float64Array(Math.ceil(seconds * 10) + 1), // worst latency per 100 ms of send time
    };
    steps.set(stepNo, st);
    const closedBefore = closedCount;
    let sent = 0;
    let acked = 0;
    let sendErrors = 0;
    let firstSendError = null;
    const flushesBefore = await serverFlushes();
    const window = cpuWindow();
    // How late this process's event loop runs: a fan-out burst it must work through shows here
    // even when its average CPU is low.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const t0 = st.t0;
    const endAt = t0 + seconds * 1000;
    const sendOne = () => {
      const sender = sent % k;
      const seq = ++senderSeq[sender];
      const at = performance.now();
      let text = `${sender}|${seq}|${stepNo}|${at.toFixed(3)}|`;
      if (text.length < paddingTo) text += 'x'.repeat(paddingTo - text.length);
      sent++;
      senders[sender].send(roomId, text, `${RUN_ID}-${sender}-${seq}`).then(
        () => {
          acked++;
          st.ackHist.record(performance.now() - at);
        },
        (e) => {
          sendErrors++;
          firstSendError = firstSendError || e.message;
        },
      );
    };
    // Paced: every millisecond or so, send what the rate says is due by now.
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        const total = Math.round(seconds * rate);
        const due = now >= endAt ? total : Math.min(total, Math.floor(((now - t0) / 1000) * rate));
        while (sent < due) sendOne();
        if (now >= endAt) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    const sendEnd = performance.now();
    // Drain: until everything arrived, nothing moves for 2 s, or 15 s passed.
    const expected = () => sent * m;
    let lastProgress = performance.now();
    let lastCount = -1;
    while (performance.now() - sendEnd < 15000) {
      if (st.received >= expected() && acked + sendErrors >= sent) break;
      const progress = st.received + acked + sendErrors;
      if (progress !== lastCount) {
        lastCount = progress;
        lastProgress = performance.now();
      }
      if (performance.now() - lastProgress > 2000) break;
      await sleep(20);
    }
    const cpu = window();
    loopDelay.disable();
    const flushesAfter = await serverFlushes();
    const deliveries = st.received;
    const activeSeconds = Math.max(seconds, ((st.lastAt || sendEnd) - t0) / 1000);
    const lost = Math.max(0, expected() - deliveries);
    const p99 = st.hist.quantile(0.99);
    const closedInStep = closedCount - closedBefore;
    const result = {
      rate,
      sent,
      acked,
      send_errors: sendErrors,
      first_send_error: firstSendError,
      deliveries,
      deliveries_per_s: round(deliveries / activeSeconds, 0),
      p50_ms: round(st.hist.quantile(0.5), 2),
      p99_ms: round(p99, 2),
      p999_ms: round(st.hist.quantile(0.999), 2),
      max_ms: round(st.hist.max, 2),
      ack_p50_ms: round(st.ackHist.quantile(0.5), 2),
      ack_p99_ms: round(st.ackHist.quantile(0.99), 2),
      lost,
      gaps: st.gaps,
      out_of_order: st.outOfOrder,
      receivers_closed: closedInStep,
      server_cpu_us_per_delivery: cpu.serverUs === null || deliveries === 0 ? null : round(cpu.serverUs / deliveries, 2),
      server_cpu_pct: cpu.serverPct,
      // Flushes to every stream (receivers, and the sender's acks and its own copies) per delivery counted here.
      server_writes_per_delivery: flushesBefore === null || flushesAfter === null || deliveries === 0
        ? null : round((flushesAfter - flushesBefore) / deliveries, 3),
      loadgen_cpu_pct: cpu.loadgenPct,
      loadgen_cpu_us_per_delivery: deliveries === 0 ? null : round(cpu.loadgenUs / deliveries, 2),
      loadgen_loop_delay_p99_ms: round(loopDelay.percentile(99) / 1e6, 1),
      loadgen_loop_delay_max_ms: round(loopDelay.max / 1e6, 1),
      window_s: round(cpu.wallUs / 1e6, 2),
      // 100 ms windows (by send time, from the step's start) whose worst delivery missed the objective
      slow_windows: [...st.windowMax].map((ms, i) => ({ at_s: i / 10, worst_ms: round(ms, 1) })).filter((w) => w.worst_ms > opt.objectiveMs).slice(0, 20),
    };
    Object.defineProperty(result, 'hist', { value: st.hist, enumerable: false }); // for the latency CDF, not the JSON
    result.pass = lost === 0 && sendErrors === 0 && closedInStep === 0 && p99 !== null && p99 <= opt.objectiveMs && st.outOfOrder === 0;
    log(`${label} rate ${rate}/s: ${deliveries} deliveries (${result.deliveries_per_s}/s), p50 ${result.p50_ms} p99 ${result.p99_ms} ms, `
      + `lost ${lost}, closed ${closedInStep}, server ${result.server_cpu_pct}% loadgen ${result.loadgen_cpu_pct}% -> ${result.pass ? 'pass' : 'FAIL'}`);
    steps.delete(stepNo - 1); // late frames of older steps are ignored
    return result;
  }

  const results = [];
  let best = null;
  const fixed = opt.rate !== 'search';
  if (opt.warmupS > 0) {
    // Not reported: lets JITs, pools and connection windows settle before the first measured step.
    const warm = fixed ? Number(opt.rate) : opt.rateStart || Math.max(1, Math.round(5000 / m));
    log(`warm-up: ${opt.warmupS} s at ${warm}/s`);
    await runStep(warm, opt.warmupS, 'warm-up');
    await reopenClosed();
    await sleep(500);
  }
  if (fixed) {
    const r = await runStep(Number(opt.rate));
    results.push(r);
    best = r;
  } else {
    const budgetEnd = performance.now() + opt.searchBudgetS * 1000;
    const rateMax = opt.rateMax || 1e6;
    let rate = opt.rateStart || Math.max(1, Math.round(5000 / m));
    let fail = null;
    // A failing step is run once more before it counts: one noisy step (a GC, a neighbour on the
    // machine) should not end the climb.
    const measure = async (r) => {
      let res = await runStep(r);
      results.push(res);
      if (!res.pass && performance.now() < budgetEnd) {
        await reopenClosed();
        await sleep(1000);
        log(`rate ${r}/s failed; trying it once more`);
        res = await runStep(r);
        results.push(res);
      }
      return res;
    };
    for (;;) {
      const r = await measure(rate);
      if (!r.pass) {
        fail = rate;
        break;
      }
      best = r;
      if (rate >= rateMax || performance.now() > budgetEnd) break;
      rate = Math.min(rateMax, rate * 2);
      await sleep(1000);
    }
    let lo = best ? best.rate : 0;
    let hi = fail;
    for (let i = 0; hi !== null && i < opt.searchSteps && hi - lo > Math.max(1, lo * 0.1) && performance.now() < budgetEnd; i++) {
      await reopenClosed();
      await sleep(1000);
      const mid = Math.round((lo + hi) / 2);
      const r = await measure(mid);
      if (r.pass) {
        lo = mid;
        best = r;
      } else {
        hi = mid;
      }
    }
    if (!best) best = results[0];
  }

  emit({
    ok: best.pass,
    members: m,
    senders: k,
    seconds: opt.seconds,
    objective_ms: opt.objectiveMs,
    payload_bytes: opt.payloadBytes,
    mode: fixed ? 'fixed' : 'search',
    result: best,
    steps: results,
    closed: closedSummary(),
    ...(opt.scenario === 'latency' ? { rate_note: opt.rateNote, cdf: best.hist ? best.hist.cdf() : [] } : {}),
  });
  for (const s of receivers.concat(senders)) s.close();
}

// ---------------------------------------------------------------------------------------------
// shared by scenarios 4 and 6: a paced publisher, texts it can read back, per-receiver seq maps

/** sender|n|phase|send-time|xxx... padded to --payload-bytes, as the fan-out scenario writes them. */
function messageText(sender, n, phase, at) {
  const text = `${sender}|${n}|${phase}|${at.toFixed(3)}|`;
  return text.length < opt.payloadBytes ? text + 'x'.repeat(opt.payloadBytes - text.length) : text;
}

function readText(text) {
  const a = text.indexOf('|');
  const b = text.indexOf('|', a + 1);
  const c = text.indexOf('|', b + 1);
  const d = text.indexOf('|', c + 1);
  return { phase: Number(text.slice(b + 1, c)), sentAt: Number(text.slice(c + 1, d)) };
}

/**
 * Sends `rate` messages/s until stop(), paced as the fan-out steps are (every ~1 ms, what is due
 * by now). pick(n) names the session and room of the n-th message; onAck(roomIndex, seq, ms,
 * phase) sees the room seq the server gave it, the send -> ack time and the phase it was sent in.
 */
function startPublisher(rate, pick, phaseOf, onAck) {
  const stats = { sent: 0, acked: 0, errors: 0, firstError: null };
  let stopped = false;
  const t0 = performance.now();
  const done = new Promise((resolve) => {
    const tick = () => {
      if (stopped) {
        resolve();
        return;
      }
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      while (stats.sent < due) {
        const n = stats.sent++;
        const { session, room, roomIndex, sender } = pick(n);
        const at = performance.now();
        const phase = phaseOf();
        session.send(room, messageText(sender, n + 1, phase, at), `${RUN_ID}-p${sender}-${n + 1}`).then(
          (ack) => {
            stats.acked++;
            onAck(roomIndex, ack.seq, performance.now() - at, phase);
          },
          (e) => {
            stats.errors++;
            stats.firstError = stats.firstError || e.message;
          },
        );
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  return {
    stats,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Which room seqs one receiver has seen: a growable bitmap, so loss is counted per seq, in any order. */
class SeqSet {
  constructor() {
    this.bits = new Uint8Array(256);
    this.max = 0;
    this.unique = 0;
    this.dups = 0;
  }

  add(seq) {
    if (!(seq > 0)) return;
    if (seq >= this.bits.length) {
      let size = this.bits.length;
      while (seq >= size) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bits);
      this.bits = grown;
    }
    if (this.bits[seq]) {
      this.dups++;
      return;
    }
    this.bits[seq] = 1;
    this.unique++;
    if (seq > this.max) this.max = seq;
  }

  has(seq) {
    return seq < this.bits.length && this.bits[seq] === 1;
  }

  /** Seqs in (from, to] not seen. */
  missing(from, to) {
    let n = 0;
    for (let q = from + 1; q <= to; q++) if (!this.has(q)) n++;
    return n;
  }
}

/** Waits until done() or `quietMs` without progress() changing or `capMs` in all. */
async function drainUntil(done, progress, quietMs = 3000, capMs = 15000) {
  const t0 = performance.now();
  let last = progress();
  let lastAt = t0;
  while (!done() && performance.now() - t0 < capMs) {
    await sleep(25);
    const p = progress();
    if (p !== last) {
      last = p;
      lastAt = performance.now();
    } else if (performance.now() - lastAt > quietMs) break;
  }
  return done();
}

function rssSampler(everyMs = 200) {
  const samples = [];
  const take = () => {
    const kib = serverRssKiB();
    if (kib !== null) samples.push([performance.now(), kib]);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    /** Largest RSS seen between two times (performance.now()), KiB. */
    maxBetween(from, to) {
      let m = null;
      for (const [t, kib] of samples) if (t >= from && t <= to && (m === null || kib > m)) m = kib;
      return m;
    },
    at(t) {
      let best = null;
      for (const s of samples) if (s[0] <= t) best = s[1];
      return best;
    },
    stop() {
      take();
      clearInterval(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// scenario 4: slow consumers

async function slow() {
  const m = opt.members;
  const nSlow = Math.max(1, Math.round(m * opt.slowFraction));
  const roomId = `slow-${RUN_ID}`;
  log(`registering ${m} receivers (${nSlow} of them slow) and 1 sender`);
  const identities = await registerAll(m + 1, 's');
  await driver.createRoom(identities[0], roomId);

  // Spread over the member list, so the slow ones are not all first or last in a fan-out loop.
  const isSlow = new Uint8Array(m);
  for (let j = 0; j < nSlow; j++) isSlow[Math.floor((j * m) / nSlow)] = 1;
  const PHASES = ['warm-up', 'baseline', 'pause', 'after'];
  let phase = 0;
  let resumedAt = 0;
  const hist = PHASES.map(() => new Histogram()); // healthy readers' latency, by the phase the message was sent in
  const rx = Array.from({ length: m }, (_, i) => ({
    slow: isSlow[i] === 1,
    seen: new SeqSet(),
    closedWhy: null,
    closedInPhase: null,
    gotDuringPause: 0, // what was already in flight: a working pause keeps this small
    backlogAfterResume: 0, // sent before the resume, received after it on the same connection
    recovered: 0,
    reconnected: false,
    resume: null,
    session: null,
  }));
  const onMessage = (i) => (text, seq) => {
    const r = rx[i];
    const before = r.seen.unique;
    r.seen.add(seq);
    const { phase: p, sentAt } = readText(text);
    if (r.slow) {
      if (r.seen.unique > before) {
        if (r.reconnected) r.recovered++;
        else if (resumedAt && p <= 2) r.backlogAfterResume++;
        else if (phase === 2 && !resumedAt) r.gotDuringPause++;
      }
      return;
    }
    if (p >= 0 && p < hist.length) hist[p].record(performance.now() - sentAt);
  };
  const onClose = (i) => (why) => {
    noteClosed(why);
    if (rx[i].closedWhy === null) {
      rx[i].closedWhy = String(why).slice(0, 200);
      rx[i].closedInPhase = resumedAt ? 'after resuming' : PHASES[phase];
      rx[i].closedAt = performance.now();
    }
  };
  const open = async (i, afterSeq = 0, epoch = '') => {
    const s = driver.open(identities[i], onMessage(i), onClose(i));
    await s.ready;
    const joined = await s.join(roomId, afterSeq, epoch);
    rx[i].session = s;
    return joined;
  };

  log(`opening ${m} receivers`);
  await pool(rx.map((_, i) => i), opt.concurrency, (i) => open(i));
  const sender = driver.open(identities[m], () => {}, noteClosed);
  await sender.ready;
  await sender.join(roomId);
  await sleep(opt.preSendMs);

  const acked = new SeqSet();
  const ackHist = new Histogram();
  let ackedInPause = 0;
  const publisher = startPublisher(Number(opt.rate), () => ({ session: sender, room: roomId, roomIndex: 0, sender: 0 }), () => phase, (_, seq, ms, p) => {
    acked.add(seq);
    ackHist.record(ms);
    if (p === 2) ackedInPause++;
  });
  const rss = rssSampler();
  const window = cpuWindow();
  const marks = {};
  const enter = (p) => {
    phase = p;
    marks[PHASES[p]] = performance.now();
  };
  enter(0);
  await sleep(opt.warmupS * 1000);
  enter(1);
  await sleep(opt.baselineS * 1000);
  const slowOnes = rx.filter((r) => r.slow);
  enter(2);
  for (const r of slowOnes) r.session.pauseReading();
  log(`paused ${slowOnes.length} readers for ${opt.pauseS} s (server RSS ${serverRssKiB()} KiB)`);
  await sleep(opt.pauseS * 1000);
  const pauseEnd = performance.now();
  enter(3);
  resumedAt = pauseEnd;
  for (const r of slowOnes) if (!r.session.closed) r.session.resumeReading();
  log(`resumed them; ${slowOnes.filter((r) => r.closedWhy).length} already closed by the server`);
  await sleep(opt.afterS * 1000);
  await publisher.stop();
  const sendEnd = performance.now();
  const finalSeq = acked.max;
  const healthy = rx.filter((r) => !r.slow);
  const caughtUp = (list) => () => list.every((r) => r.closedWhy !== null || r.seen.max >= finalSeq);
  const progress = () => rx.reduce((a, r) => a + r.seen.unique, 0) + publisher.stats.acked;
  await drainUntil(() => caughtUp(rx)() && publisher.stats.acked + publisher.stats.errors >= publisher.stats.sent, progress);
  const cpu = window();
  const rssAtPause = rss.at(marks.pause);
  const rssMaxPause = rss.maxBetween(marks.pause, pauseEnd);
  const rssAtResume = rss.at(pauseEnd);
  const rssMaxAfter = rss.maxBetween(pauseEnd, performance.now());

  // A slow reader the server cut off does what a client is told to do: reconnect and resume from its last seq.
  const cut = slowOnes.filter((r) => r.closedWhy !== null);
  if (cut.length > 0) {
    log(`reconnecting ${cut.length} slow readers the server closed, resuming after their last seq`);
    await pool(cut, 16, async (r) => {
      const i = rx.indexOf(r);
      const afterSeq = r.seen.max;
      const epoch = r.session.epoch;
      r.session.close();
      r.reconnected = true;
      r.session = null;
      try {
        const joined = await open(i, afterSeq, epoch);
        r.resume = joined.resume;
      } catch (e) {
        r.resume = `failed: ${e.message}`;
      }
    });
    await drainUntil(() => cut.every((r) => r.seen.max >= finalSeq || !r.session || r.session.closed), progress, 3000, 20000);
  }
  rss.stop();

  const lostOf = (r) => {
    let lost = 0;
    for (let q = 1; q <= finalSeq; q++) if (acked.has(q) && !r.seen.has(q)) lost++;
    return lost;
  };
  const slowDetail = slowOnes.map((r) => ({
    disconnected_by_server: r.closedWhy !== null,
    close_reason: r.closedWhy,
    noticed: r.closedInPhase,
    noticed_s_into_pause: r.closedAt && marks.pause ? round((r.closedAt - marks.pause) / 1000, 1) : null,
    got_during_pause: r.gotDuringPause,
    backlog_after_resume: r.backlogAfterResume,
    recovered_by_resume: r.recovered,
    resume: r.resume,
    lost: lostOf(r),
  }));
  const healthyLost = healthy.reduce((a, r) => a + lostOf(r), 0);
  const healthyClosed = healthy.filter((r) => r.closedWhy !== null).length;
  const q = (h, x) => round(h.quantile(x), 2);
  const result = {
    ok: healthyLost === 0 && healthyClosed === 0 && publisher.stats.errors === 0,
    members: m,
    slow_readers: nSlow,
    rate: Number(opt.rate),
    baseline_s: opt.baselineS,
    pause_s: opt.pauseS,
    after_s: opt.afterS,
    sent: publisher.stats.sent,
    acked: publisher.stats.acked,
    send_errors: publisher.stats.errors,
    first_send_error: publisher.stats.firstError,
    sent_during_pause: ackedInPause,
    healthy_p50_baseline_ms: q(hist[1], 0.5),
    healthy_p99_baseline_ms: q(hist[1], 0.99),
    healthy_p99_pause_ms: q(hist[2], 0.99),
    healthy_p99_after_ms: q(hist[3], 0.99),
    healthy_max_pause_ms: round(hist[2].max, 2),
    healthy_lost: healthyLost,
    healthy_closed: healthyClosed,
    ack_p99_ms: q(ackHist, 0.99),
    server_rss_at_pause_kib: rssAtPause,
    server_rss_max_during_pause_kib: rssMaxPause,
    server_rss_growth_during_pause_kib: rssAtPause === null || rssMaxPause === null ? null : rssMaxPause - rssAtPause,
    // The same measure over the baseline (shorter, and nobody paused): what the server grows by anyway.
    server_rss_growth_during_baseline_kib: (() => {
      const at = rss.at(marks.baseline);
      const max = rss.maxBetween(marks.baseline, marks.pause);
      return at === null || max === null ? null : max - at;
    })(),
    server_rss_at_resume_kib: rssAtResume,
    server_rss_max_after_resume_kib: rssMaxAfter,
    slow_disconnected_by_server: slowDetail.filter((d) => d.disconnected_by_server).length,
    slow_got_during_pause_max: Math.max(...slowDetail.map((d) => d.got_during_pause)),
    slow_backlog_after_resume: slowDetail.reduce((a, d) => a + d.backlog_after_resume, 0),
    slow_recovered_by_resume: slowDetail.reduce((a, d) => a + d.recovered_by_resume, 0),
    slow_lost: slowDetail.reduce((a, d) => a + d.lost, 0),
    slow: slowDetail,
    server_cpu_pct: cpu.serverPct,
    loadgen_cpu_pct: cpu.loadgenPct,
    send_window_s: round((sendEnd - marks['warm-up']) / 1000, 1),
    closed: closedSummary(),
  };
  log(`healthy p99 ${result.healthy_p99_baseline_ms} -> ${result.healthy_p99_pause_ms} ms; RSS +${result.server_rss_growth_during_pause_kib} KiB; `
    + `slow: ${result.slow_disconnected_by_server} cut off, ${result.slow_recovered_by_resume} recovered, ${result.slow_lost} lost`);
  emit(result);
  for (const r of rx) if (r.session) r.session.close();
  sender.close();
}

// ---------------------------------------------------------------------------------------------
// scenario 6: reconnect storm

async function reconnect() {
  const n = opt.sessions;
  const roomCount = Math.ceil(n / opt.roomSize);
  const pubCount = Math.ceil(roomCount / opt.roomsPerPublisher);
  log(`registering ${n} users and ${pubCount} publishers, creating ${roomCount} rooms of ${opt.roomSize}`);
  const identities = await registerAll(n + pubCount, 'r');
  const roomIds = Array.from({ length: roomCount }, (_, k) => `storm-${RUN_ID}-${k}`);
  await pool(roomIds, 8, (id) => driver.createRoom(identities[0], id));

  let dropAt = 0;
  const rx = Array.from({ length: n }, (_, i) => ({
    room: Math.floor(i / opt.roomSize),
    seen: new SeqSet(),
    base: 0, // the room's seq when this receiver first joined: everything after it must arrive
    joinedLast: null, // last_seq of the resuming join
    resume: null,
    resumedAt: 0,
    attempts: 0,
    failed: null,
    session: null,
    gen: 0, // which connection of this session counts: frames a dropped one still hands over do not
  }));
  const checkResumed = (r) => {
    if (dropAt && !r.resumedAt && r.joinedLast !== null && r.seen.max >= r.joinedLast) r.resumedAt = performance.now();
  };
  const onMessage = (i) => {
    const gen = rx[i].gen;
    return (text, seq, room) => {
      const r = rx[i];
      if (gen !== r.gen || (room !== undefined && room !== roomIds[r.room])) return;
      r.seen.add(seq);
      checkResumed(r);
    };
  };

  log(`opening ${n} sessions`);
  await pool(rx.map((_, i) => i), opt.concurrency, async (i) => {
    const s = driver.open(identities[i], onMessage(i), noteClosed);
    await s.ready;
    const joined = await s.join(roomIds[rx[i].room]);
    rx[i].base = Math.max(rx[i].base, joined.lastSeq);
    rx[i].session = s;
  });
  const publishers = await pool(Array.from({ length: pubCount }, (_, j) => j), 8, async (j) => {
    const s = driver.open(identities[n + j], () => {}, noteClosed);
    await s.ready;
    for (let k = j * opt.roomsPerPublisher; k < Math.min(roomCount, (j + 1) * opt.roomsPerPublisher); k++) await s.join(roomIds[k]);
    return s;
  });

  const finalSeq = new Float64Array(roomCount);
  const rate = Number(opt.rate);
  const publisher = startPublisher(rate, (x) => {
    const k = x % roomCount;
    const j = Math.floor(k / opt.roomsPerPublisher);
    return { session: publishers[j], room: roomIds[k], roomIndex: k, sender: j };
  }, () => (dropAt ? 2 : 1), (k, seq) => {
    if (seq > finalSeq[k]) finalSeq[k] = seq;
  });
  // Every room should have had a message before the drop, so every session resumes from a real seq.
  const warmS = Math.max(opt.warmupS, (2 * roomCount) / rate);
  log(`publishing ${rate} msg/s over ${roomCount} rooms; dropping every session in ${warmS.toFixed(1)} s`);
  await sleep(warmS * 1000);

  const rssBefore = serverRssKiB();
  const window = cpuWindow();
  dropAt = performance.now();
  const sentAtDrop = publisher.stats.sent;
  for (const r of rx) {
    r.afterSeq = r.seen.max;
    r.gen++;
    r.session.close();
  }
  const freshRejoins = rx.filter((r) => r.afterSeq === 0).length;
  log(`dropped ${n} sessions; reconnecting them, at most ${opt.stormConcurrency} at a time`);
  const stormDeadline = dropAt + opt.stormTimeoutS * 1000;
  const resumeKinds = {};
  const reconnecting = pool(rx.map((_, i) => i), opt.stormConcurrency, async (i) => {
    const r = rx[i];
    // As a client would: retry with a growing pause until the storm's deadline.
    while (performance.now() < stormDeadline) {
      r.attempts++;
      const s = driver.open(identities[i], onMessage(i), noteClosed);
      try {
        await s.ready;
        const joined = await s.join(roomIds[r.room], r.afterSeq, s.epoch);
        r.session = s;
        r.resume = joined.resume;
        resumeKinds[joined.resume] = (resumeKinds[joined.resume] || 0) + 1;
        for (const q of joined.history) r.seen.add(q); // a fresh rejoin (no seq to resume from) gets recent history instead
        r.joinedLast = joined.lastSeq;
        checkResumed(r);
        r.failed = null;
        return;
      } catch (e) {
        r.failed = e.message;
        s.close();
        await sleep(Math.min(2000, 100 * 2 ** Math.min(r.attempts, 5)));
      }
    }
  });
  await Promise.race([reconnecting, sleep(opt.stormTimeoutS * 1000)]);
  await drainUntil(() => rx.every((r) => r.resumedAt || r.failed), () => rx.reduce((a, r) => a + (r.resumedAt ? 1 : 0), 0), 5000,
    Math.max(0, stormDeadline - performance.now()));
  const storm = window();
  const sentInStorm = publisher.stats.sent - sentAtDrop;
  log(`${rx.filter((r) => r.resumedAt).length} of ${n} resumed; publishing ${opt.afterS} s more`);
  await sleep(opt.afterS * 1000);
  await publisher.stop();
  const progress = () => rx.reduce((a, r) => a + r.seen.unique, 0) + publisher.stats.acked;
  await drainUntil(() => rx.every((r) => !r.session || r.session.closed || r.seen.max >= finalSeq[r.room])
    && publisher.stats.acked + publisher.stats.errors >= publisher.stats.sent, progress);

  const times = rx.filter((r) => r.resumedAt).map((r) => r.resumedAt - dropAt).sort((a, b) => a - b);
  const at = (q) => (times.length >= Math.ceil(q * n) ? round(times[Math.ceil(q * n) - 1], 0) : null);
  let lost = 0;
  let receiversWithLoss = 0;
  let dups = 0;
  for (const r of rx) {
    const l = r.seen.missing(r.base, finalSeq[r.room]);
    lost += l;
    if (l > 0) receiversWithLoss++;
    dups += r.seen.dups;
  }
  const resumed = times.length;
  const result = {
    ok: lost === 0 && resumed === n,
    sessions: n,
    room_size: opt.roomSize,
    rooms: roomCount,
    publishers: pubCount,
    rate,
    storm_concurrency: opt.stormConcurrency,
    resumed,
    not_resumed: n - resumed,
    first_failure: (rx.find((r) => r.failed && !r.resumedAt) || {}).failed || null,
    reconnect_attempts: rx.reduce((a, r) => a + r.attempts, 0),
    fresh_rejoins: freshRejoins,
    resume_results: resumeKinds,
    resumed_p50_ms: at(0.5),
    resumed_p99_ms: at(0.99),
    resumed_all_ms: resumed === n ? round(times[n - 1], 0) : null,
    sent_during_storm: sentInStorm,
    sent: publisher.stats.sent,
    send_errors: publisher.stats.errors,
    first_send_error: publisher.stats.firstError,
    lost,
    receivers_with_loss: receiversWithLoss,
    duplicates: dups,
    server_rss_before_kib: rssBefore,
    server_rss_after_kib: serverRssKiB(),
    server_cpu_s_storm: storm.serverUs === null ? null : round(storm.serverUs / 1e6, 2),
    server_cpu_pct_storm: storm.serverPct,
    loadgen_cpu_pct_storm: storm.loadgenPct,
    storm_window_s: round(storm.wallUs / 1e6, 2),
    closed: closedSummary(),
  };
  log(`99% resumed in ${result.resumed_p99_ms} ms, all in ${result.resumed_all_ms} ms; lost ${lost}, duplicates ${dups}`);
  emit(result);
  for (const r of rx) if (r.session) r.session.close();
  for (const s of publishers) s.close();
}

// ---------------------------------------------------------------------------------------------

const SCENARIO_RUNNERS = {
  idle, fanout, latency: fanout, persist: fanout, slow, reconnect,
};
SCENARIO_RUNNERS[opt.scenario]()
  .then(() => {
    driver.close();
    process.exit(0);
  })
  .catch((e) => {
    emit({ ok: false, error: e && e.message ? e.message : String(e) });
    process.exit(1);
  });
