#!/usr/bin/env node
'use strict';
// Reads one number out of the results so far, for run.sh to plan the next runs with. Prints
// nothing (and exits 0) when there is no such number.
//
//   node pick.js --results=FILE --best-rate --target=T --label=L
//     the median publish rate the rate searches of target T reached for label L (passing steps only)
//   node pick.js --results=FILE --slowest-capacity --label=L
//     "RATE NAME": the lowest of those medians across targets, and whose it is

const fs = require('fs');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error(`unexpected argument ${a}`);
  return [m[1], m[2] === undefined ? true : m[2]];
}));

const NAMES = {
  ours: 'ours', 'ours-before': 'ours-before', socketio: 'Socket.io', grpcjs: 'grpc-js',
};

const runs = fs.readFileSync(args.results, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
  try {
    return [JSON.parse(l)];
  } catch {
    return [];
  }
});

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v.length === 0 ? null : v[Math.floor((v.length - 1) / 2)];
}

function bestRate(target, label) {
  const rates = runs
    .filter((r) => r.target === target && r.label === label && r.mode === 'search' && r.result && r.result.pass)
    .map((r) => r.result.rate);
  return median(rates);
}

if (args['best-rate']) {
  const rate = bestRate(args.target, args.label);
  if (rate !== null) console.log(Math.round(rate));
} else if (args['slowest-capacity']) {
  let slowest = null;
  for (const target of Object.keys(NAMES)) {
    const rate = bestRate(target, args.label);
    if (rate !== null && (slowest === null || rate < slowest.rate)) slowest = { rate, target };
  }
  if (slowest) console.log(`${Math.round(slowest.rate)} ${NAMES[slowest.target]}`);
}
