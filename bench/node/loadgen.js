#!/usr/bin/env node
'use strict';
// Load generator for the chat benchmarks. Drives one server of one kind through one scenario and
// prints one JSON line of results on stdout (progress goes to stderr). The same code drives all
// three servers: ours and the grpc-js peer through @grpc/grpc-js with the chat.v1 contract
// (register through AuthService, CreateRoom, Connect with `authorization: Bearer <token>`, join,
// send with client_msg_id), the Socket.io peer through socket.io-client (join, message, acks).
// Every session is its own connection, as every device would be.
//
//   node loadgen.js --target=ours|grpcjs|socketio --port=P --server-pid=PID --scenario=idle
//        --sessions=N [--room-size=10] [--settle-ms=3000]
//     N sessions, each joined to a room of room-size; server RSS (VmRSS) before and after,
//     per session; also the server's CPU to connect and join them.
//   node loadgen.js ... --scenario=fanout --members=M --rate=R|search --seconds=S
//        [--senders=1] [--objective-ms=50] [--rate-start=..] [--rate-max=..] [--search-steps=3] [--warmup-s=1]
//     one room of M receiving sessions plus the senders (members of the room too) publishing R
//     messages/s in total, each a ~100-byte text "sender|seq|step|send-time|xxx...". Receivers
//     count deliveries, gaps and latency. With --rate=search the rate doubles from rate-start
//     until p99 > objective or any loss, then bisects; the best passing step is the result.
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
  timeoutS: num('timeout-s', 300),
};

if (!['ours', 'grpcjs', 'socketio'].includes(opt.target) || !opt.port || !['idle', 'fanout'].includes(opt.scenario)) {
  console.error('usage: node loadgen.js --target=ours|grpcjs|socketio --port=P [--server-pid=PID] --scenario=idle|fanout [...]');
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

function emit(fields) {
  process.stdout.write(`${JSON.stringify({
    target: opt.target, scenario: opt.scenario, label: opt.label, ...fields,
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
  const { grpc, chatv1 } = require('./chatproto');
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

  return {
    async register(name) {
      const res = await unary(auth, 'Register', { user_name: name, password: `pw-${name}-bench` });
      return { name, token: res.tokens.access_token };
    },
    async createRoom(owner, id) {
      await unary(control, 'CreateRoom', { id, title: id, kind: 'ROOM_KIND_PUBLIC' }, bearer(owner.token));
    },
    open(identity, onMessage, onClose) {
      const client = new chatv1.ChatService(address, insecure, sessionChannelOptions);
      const call = client.Connect(bearer(identity.token));
      const pending = new Map();
      let nextRequest = 0;
      let closed = false;
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
      call.on('data', (f) => {
        switch (f.frame) {
          case 'message':
            onMessage(f.message.text);
            return;
          case 'welcome':
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
      });
      call.on('error', (e) => finish(`stream ended: ${e.code} ${e.details}`));
      call.on('end', () => finish('stream ended by the server'));
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
        join: (room) => request({ join: { room } }),
        send: (room, text, clientMsgId) => request({ send: { room, text, client_msg_id: clientMsgId } }),
        close() {
          closed = true;
          call.cancel();
          client.close();
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
  return {
    async register(name) {
      return { name, token: null }; // the Socket.io peer has no accounts: the name is sent in the handshake
    },
    async createRoom() {
      // rooms exist as soon as someone joins
    },
    open(identity, onMessage, onClose) {
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
      socket.on('message', (m) => onMessage(m.text));
      socket.on('disconnect', (reason) => {
        if (closed) return;
        closed = true;
        onClose(`disconnected: ${reason}`);
      });
      const request = async (event, payload) => {
        const res = await socket.timeout(ACK_MS).emitWithAck(event, payload);
        if (res && res.error) throw new Error(res.error);
        return res;
      };
      return {
        ready,
        get closed() { return closed; },
        join: (room) => request('join', room),
        send: (room, text, clientMsgId) => request('message', { room, text, client_msg_id: clientMsgId }),
        close() {
          closed = true;
          socket.disconnect();
        },
      };
    },
    close() {},
  };
}

const driver = opt.target === 'socketio' ? socketioDriver(opt.port) : grpcDriver(opt.port);

async function registerAll(count, prefix) {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${RUN_ID}-${i}`);
  return pool(names, 16, (name) => driver.register(name));
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
  const reopenClosed = async () => {
    const closed = receivers.map((s, i) => (s.closed ? i : -1)).filter((i) => i >= 0);
    if (closed.length === 0) return 0;
    log(`reopening ${closed.length} receivers the server closed`);
    await pool(closed, opt.concurrency, async (i) => {
      receivers[i] = await openMember(identities[i], (text) => deliver(i, text));
    });
    return closed.length;
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
      max_ms: round(st.hist.max, 2),
      ack_p50_ms: round(st.ackHist.quantile(0.5), 2),
      ack_p99_ms: round(st.ackHist.quantile(0.99), 2),
      lost,
      gaps: st.gaps,
      out_of_order: st.outOfOrder,
      receivers_closed: closedInStep,
      server_cpu_us_per_delivery: cpu.serverUs === null || deliveries === 0 ? null : round(cpu.serverUs / deliveries, 2),
      server_cpu_pct: cpu.serverPct,
      loadgen_cpu_pct: cpu.loadgenPct,
      loadgen_cpu_us_per_delivery: deliveries === 0 ? null : round(cpu.loadgenUs / deliveries, 2),
      loadgen_loop_delay_p99_ms: round(loopDelay.percentile(99) / 1e6, 1),
      loadgen_loop_delay_max_ms: round(loopDelay.max / 1e6, 1),
      window_s: round(cpu.wallUs / 1e6, 2),
      // 100 ms windows (by send time, from the step's start) whose worst delivery missed the objective
      slow_windows: [...st.windowMax].map((ms, i) => ({ at_s: i / 10, worst_ms: round(ms, 1) })).filter((w) => w.worst_ms > opt.objectiveMs).slice(0, 20),
    };
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
  });
  for (const s of receivers.concat(senders)) s.close();
}

// ---------------------------------------------------------------------------------------------

(opt.scenario === 'idle' ? idle() : fanout())
  .then(() => {
    driver.close();
    process.exit(0);
  })
  .catch((e) => {
    emit({ ok: false, error: e && e.message ? e.message : String(e) });
    process.exit(1);
  });
