'use strict';
// Login abuse against one running server (bench/auth.sh starts it): what a password-guessing flood
// does to everyone else, and whether login timing tells which user names exist.
//
//   node authflood.js --address=127.0.0.1:PORT --label=ours [--floods=64] [--seconds=10]
//
// 1 timing   one wrong-password login for each of 15 existing accounts and one login for each of 15
//            unknown names, interleaved; the median time of each (they should match).
// 2 baseline a reader polls History every 20 ms on its own connection and receives, on a Connect
//            stream, 20 msg/s sent by another user; p50/p99 of both for a few seconds.
// 3 flood    the same while `floods` loops keep logging in with wrong passwords for one account,
//            each on its own connection; the reader's p99s again, and what the flood was answered.
// Prints one JSON line: {"label", "timing": {...}, "baseline": {...}, "flood": {...}}.

const { grpc, chatv1 } = require('./chatproto');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const address = args.address;
const label = args.label || 'server';
const floods = Number(args.floods || 64);
const seconds = Number(args.seconds || 10);
const insecure = grpc.credentials.createInsecure();
const log = (m) => process.stderr.write(`[authflood ${label}] ${m}\n`);

const deadline = (ms) => ({ deadline: new Date(Date.now() + ms) });
const call = (client, method, request, metadata = new grpc.Metadata(), ms = 30000) =>
  new Promise((resolve, reject) => client[method](request, metadata, deadline(ms), (e, r) => (e ? reject(e) : resolve(r))));
const bearer = (token) => {
  const m = new grpc.Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
};
// A fresh channel per client: grpc-js shares subchannels between clients with equal options otherwise.
let channelSalt = 0;
const client = (Service) => new Service(address, insecure, { 'grpc.bench_salt': ++channelSalt });
const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000;

async function main() {
  const auth = client(chatv1.AuthService);
  const run = Date.now().toString(36);
  const register = async (name) => (await call(auth, 'Register', { user_name: name, password: `pw-${name}-long` })).tokens.access_token;

  log('registering accounts');
  const probes = [];
  for (let i = 0; i < 15; i++) {
    const name = `probe${i}-${run}`;
    await register(name);
    probes.push(name);
  }
  const reader = await register(`reader-${run}`);
  const sender = await register(`sender-${run}`);
  const victim = `victim-${run}`;
  await register(victim);
  const room = `flood-${run}`;
  const chat = client(chatv1.ChatService);
  await call(chat, 'CreateRoom', { id: room, title: room, kind: 'ROOM_KIND_PUBLIC' }, bearer(reader));

  log('timing: wrong password vs unknown name');
  const wrong = [];
  const unknown = [];
  const timed = async (name, into) => {
    const t0 = now();
    try {
      await call(auth, 'Login', { user_name: name, password: 'not-the-password' });
    } catch (e) {
      if (e.code !== grpc.status.UNAUTHENTICATED) throw new Error(`login ${name}: ${e.code} ${e.details}`);
    }
    into.push(now() - t0);
  };
  for (let i = 0; i < probes.length; i++) {
    await timed(probes[i], wrong);
    await timed(`ghost${i}-${run}`, unknown);
  }
  const timing = { wrongPasswordMedianMs: median(wrong), unknownUserMedianMs: median(unknown) };
  timing.ratio = Number((Math.max(timing.wrongPasswordMedianMs, timing.unknownUserMedianMs) / Math.min(timing.wrongPasswordMedianMs, timing.unknownUserMedianMs)).toFixed(2));

  // The reader: a Connect stream joined to the room, and History polls on another connection.
  const stream = client(chatv1.ChatService).Connect(bearer(reader));
  const deliveries = [];
  let recording = null;
  stream.on('data', (f) => {
    if (f.frame === 'message' && recording) {
      const sentAt = Number(f.message.text.split(' ')[1]);
      recording.deliveries.push(Date.now() - sentAt);
    }
  });
  stream.on('error', (e) => log(`reader stream ended: ${e.code} ${e.details}`));
  stream.write({ request_id: 'j', join: { room } });
  const senderStream = client(chatv1.ChatService).Connect(bearer(sender));
  senderStream.on('error', (e) => log(`sender stream ended: ${e.code} ${e.details}`));
  senderStream.on('data', () => {});
  senderStream.write({ request_id: 'j', join: { room } });
  await sleep(500);
  let sent = 0;
  const sending = setInterval(() => {
    sent++;
    senderStream.write({ request_id: `s${sent}`, send: { room, client_msg_id: `${run}-${sent}`, text: `t ${Date.now()}` } });
  }, 50);
  const history = client(chatv1.ChatService);
  const readerMeta = bearer(reader);
  let polling = true;
  const polls = (async () => {
    while (polling) {
      const t0 = now();
      await call(history, 'History', { room, limit: 20 }, readerMeta, 30000);
      if (recording) recording.unary.push(now() - t0);
      await sleep(20);
    }
  })();
  const phase = async (name, ms) => {
    recording = { deliveries: [], unary: [] };
    await sleep(ms);
    const r = recording;
    recording = null;
    log(`${name}: ${r.unary.length} History calls, ${r.deliveries.length} deliveries`);
    return {
      unaryP50Ms: quantile(r.unary, 0.5), unaryP99Ms: quantile(r.unary, 0.99),
      deliveryP50Ms: quantile(r.deliveries, 0.5), deliveryP99Ms: quantile(r.deliveries, 0.99),
      historyCalls: r.unary.length, deliveries: r.deliveries.length,
    };
  };

  await sleep(1000);
  const baseline = await phase('baseline', 4000);

  log(`flood: ${floods} concurrent wrong-password loops for ${seconds} s`);
  const outcomes = {};
  let flooding = true;
  const loops = Array.from({ length: floods }, async () => {
    const own = client(chatv1.AuthService);
    while (flooding) {
      let code = 'OK';
      try {
        await call(own, 'Login', { user_name: victim, password: `guess-${Math.random()}` }, new grpc.Metadata(), 60000);
      } catch (e) {
        code = grpc.status[e.code] || String(e.code);
      }
      outcomes[code] = (outcomes[code] || 0) + 1;
    }
    own.close();
  });
  await sleep(1000); // let the flood build up
  const flood = await phase('flood', seconds * 1000);
  flooding = false;
  await Promise.all(loops);
  flood.floodAnswers = outcomes;

  polling = false;
  await polls;
  clearInterval(sending);
  stream.cancel();
  senderStream.cancel();
  process.stdout.write(`${JSON.stringify({ label, timing, baseline, flood })}\n`);
  process.exit(0);
}

main().catch((e) => {
  log(`failed: ${e.stack || e}`);
  process.exit(1);
});
