'use strict';
// Memory after a burst: opens many Connect streams (one HTTP/2 connection each, each joined to a
// room), then drops every connection at once with a TCP reset, as a crowd losing its network would,
// and samples the server's RSS and thread count until `after` seconds later.
//
//   node burst.js --address=127.0.0.1:PORT --pid=SERVER_PID [--streams=2000] [--after=60] [--label=x]
//
// Prints one JSON line: baseline (before the burst), peak (all open), and samples after the drop.

const fs = require('fs');
const http2 = require('http2');
const { grpc, chatv1, packageDefinition, unary, bearer } = require('./chatproto');
const grpcFrames = require('./grpcframes');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const address = args.address;
const pid = Number(args.pid);
const streams = Number(args.streams || 2000);
const after = Number(args.after || 60);
const label = args.label || 'server';
const log = (m) => process.stderr.write(`[burst ${label}] ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const connect = packageDefinition['chat.v1.ChatService'].Connect;

function sample() {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)[1]);
  return { rssMiB: Number((field('VmRSS') / 1024).toFixed(1)), threads: field('Threads') };
}

const frame = (message) => grpcFrames.frame(connect.requestSerialize(message));

/** One Connect stream on its own connection; resolves once the Welcome (the first bytes) arrives. */
function open(token, room) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${address}`);
    session.on('error', () => {});
    const stream = session.request({
      ':method': 'POST',
      ':path': '/chat.v1.ChatService/Connect',
      'content-type': 'application/grpc',
      te: 'trailers',
      authorization: `Bearer ${token}`,
    });
    stream.on('error', () => {});
    stream.once('data', () => resolve(session));
    stream.once('close', () => reject(new Error('stream closed before its Welcome')));
    stream.write(frame({ request_id: 'j', join: { room } }));
  });
}

async function main() {
  const insecure = grpc.credentials.createInsecure();
  const auth = new chatv1.AuthService(address, insecure);
  const chat = new chatv1.ChatService(address, insecure);
  const run = Date.now().toString(36);
  const token = (await unary(auth, 'Register', { user_name: `burst-${run}`, password: 'burst-password' })).tokens.access_token;
  const meta = bearer(token);
  const rooms = Array.from({ length: 20 }, (_, i) => `burst-${run}-${i}`);
  for (const id of rooms) await unary(chat, 'CreateRoom', { id, title: id, kind: 'ROOM_KIND_PUBLIC' }, meta);
  auth.close();
  chat.close();

  await sleep(5000);
  const baseline = sample();
  log(`baseline ${JSON.stringify(baseline)}; opening ${streams} streams`);
  const sessions = [];
  for (let i = 0; i < streams; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, streams - i) }, (_, j) => open(token, rooms[(i + j) % rooms.length])));
    sessions.push(...batch);
  }
  await sleep(3000);
  const peak = sample();
  log(`all open ${JSON.stringify(peak)}; dropping them with TCP resets`);
  for (const s of sessions) {
    if (typeof s.socket.resetAndDestroy === 'function') s.socket.resetAndDestroy();
    else s.socket.destroy();
  }
  const samples = [];
  const started = Date.now();
  for (let t = 1; t <= after; t++) {
    await sleep(started + t * 1000 - Date.now());
    const s = { t, ...sample() };
    samples.push(s);
    if (t % 10 === 0) log(`+${t}s ${JSON.stringify(s)}`);
  }
  process.stdout.write(`${JSON.stringify({ label, streams, baseline, peak, after: samples })}\n`);
  process.exit(0);
}

main().catch((e) => {
  log(`failed: ${e.stack || e}`);
  process.exit(1);
});
