'use strict';
// Search latency for bench/search.sh, against one running server.
//   node search.js --address=HOST:PORT --phase=setup --rooms=N   registers "reader", creates N rooms; prints their ids
//   node search.js --address=HOST:PORT --phase=query [--repeats=50]
// The query phase signs in as reader and times each query kind `repeats` times after two warm-up
// calls, one at a time; prints one JSON line {query: {p50, p99, hits}}.
const { grpc, chatv1 } = require('./chatproto');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const insecure = grpc.credentials.createInsecure();
const call = (client, method, request, metadata = new grpc.Metadata()) =>
  new Promise((resolve, reject) => client[method](request, metadata, { deadline: new Date(Date.now() + 60000) }, (e, r) => (e ? reject(e) : resolve(r))));
const bearer = (token) => {
  const m = new grpc.Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
};
const quantile = (xs, q) => Number([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))].toFixed(2));

async function main() {
  const auth = new chatv1.AuthService(args.address, insecure);
  const chat = new chatv1.ChatService(args.address, insecure);
  const credentials = { user_name: 'reader', password: 'reader-password' };
  if (args.phase === 'setup') {
    const token = (await call(auth, 'Register', credentials)).tokens.access_token;
    for (let i = 0; i < Number(args.rooms); i++) {
      await call(chat, 'CreateRoom', { id: `room${i}`, kind: 'ROOM_KIND_PUBLIC' }, bearer(token));
      console.log(`room${i}`);
    }
    return;
  }
  const token = (await call(auth, 'Login', credentials)).tokens.access_token;
  const queries = {
    'rare word, all rooms': { query: 'w4000' },
    'common word, all rooms': { query: 'w0' },
    'two words, all rooms': { query: 'w10 w20' },
    'prefix w40*, all rooms': { query: 'w40*' },
    'common word, one room': { query: 'w0', room: 'room7' },
    'common word, page 3 (offset 40)': { query: 'w50', page: 3 },
  };
  const results = {};
  for (const [name, q] of Object.entries(queries)) {
    const times = [];
    let hits = 0;
    for (let i = 0; i < 2 + Number(args.repeats || 50); i++) {
      let request = { query: q.query, room: q.room || '', limit: 20 };
      // Later pages: fetch the tokens first, time only the page asked for.
      for (let page = 1; page < (q.page || 1); page++) {
        request = { ...request, page_token: (await call(chat, 'Search', request, bearer(token))).next_page_token };
      }
      const started = process.hrtime.bigint();
      const response = await call(chat, 'Search', request, bearer(token));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      hits = response.hits.length;
      if (i >= 2) times.push(ms);
    }
    results[name] = { p50: quantile(times, 0.5), p99: quantile(times, 0.99), hits };
  }
  console.log(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
