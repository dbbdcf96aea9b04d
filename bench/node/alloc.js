#!/usr/bin/env node
'use strict';
// Helper of bench/alloc.sh: turns one run's dotnet-counters JSON, the load generator's
// timestamped stderr and its JSON result into one line of numbers, and those lines into the
// markdown table and summary.
//
//   node alloc.js window --counters=FILE --loadgen-log=FILE --result=FILE --build=NAME --round=N
//        [--dll=PATH] [--lag-max-s=1.5] [--proc=FILE --clk-tck=100]
//     prints one JSON line: deliveries/s, the server's allocation and CPU rates over the steady part of
//     the step (dotnet.gc.heap.total_allocated, dotnet.process.cpu.time) and both per delivery.
//   node alloc.js report --results=FILE [--markdown-out=FILE --params=TEXT ...]
//     prints the table and the summary line (and writes the results file when asked).
//
// The step: the load generator's window for the fixed-rate step (the one its
// server_cpu_us_per_delivery covers) ends when loadgen logs "step N rate ..." (alloc.sh stamped
// each line with the time it arrived) and lasts result.window_s; sending took result.seconds of it.
// dotnet-counters reports each counter as its increment over each refresh interval (a Rate
// series). Counted: the intervals stamped between lag-max-s (1.5) after the step's first send and
// its last send, the steady part of a fixed-rate step; their increments ÷ the time they span give
// bytes/s and CPU s/s, and ÷ the step's deliveries/s, bytes and CPU per delivery.

const fs = require('fs');

const args = Object.fromEntries(process.argv.slice(3).map((a) => {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error(`unexpected argument ${a}`);
  return [m[1], m[2] === undefined ? true : m[2]];
}));
const mode = process.argv[2];

const round = (v, digits = 2) => {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** dotnet-counters' JSON export; tolerates a file cut short (a tool killed before it closed it). */
function readCounterEvents(file) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  try {
    return JSON.parse(text).Events || [];
  } catch {
    const events = [];
    for (const m of text.matchAll(/\{[^{}]*"timestamp"[^{}]*\}/g)) {
      try {
        events.push(JSON.parse(m[0]));
      } catch {
        // a half-written last event
      }
    }
    return events;
  }
}

/**
 * The per-second rate of a counter over the steady part of the step: the sum of the increments of
 * the intervals that lie inside [lo, hi] ÷ the time they span. Each series (a set of tags, e.g.
 * cpu.mode=user and cpu.mode=system) separately; the rates are added.
 */
function steadyRate(events, match, lo, hi) {
  const series = new Map(); // tags -> [{t, v}]
  for (const e of events) {
    if (!match(e.name || '')) continue;
    const key = e.tags || '';
    if (!series.has(key)) series.set(key, []);
    series.get(key).push({ t: Date.parse(e.timestamp) / 1000, v: Number(e.value) });
  }
  if (series.size === 0) return { rate: null, why: 'counter not in the export', series: [] };
  let rate = 0;
  let sum = 0;
  let span = Infinity;
  let intervals = Infinity;
  let from = null;
  let to = null;
  for (const points of series.values()) {
    points.sort((x, y) => x.t - y.t);
    let first = -1;
    let last = -1;
    for (let i = 1; i < points.length; i++) {
      if (points[i - 1].t >= lo && points[i].t <= hi) {
        if (first < 0) first = i;
        last = i;
      }
    }
    if (first < 0) return { rate: null, why: `no counter interval inside the steady part of the step (${round(hi - lo, 1)} s)`, series: [...series.keys()] };
    let s = 0;
    for (let i = first; i <= last; i++) s += points[i].v;
    const d = points[last].t - points[first - 1].t;
    rate += s / d;
    sum += s;
    span = Math.min(span, d);
    intervals = Math.min(intervals, last - first + 1);
    from = points[first - 1].t;
    to = points[last].t;
  }
  return {
    rate, sum, span, intervals, from, to, series: [...series.keys()], why: span < 3 ? `only ${round(span, 1)} s of counter intervals in the steady part` : null,
  };
}

/** alloc.sh's samples of the server's /proc/PID/stat: "epoch utime stime" (clock ticks) lines. */
function readProcSamples(file, clkTck) {
  if (!file || !fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim().split(' ').map(Number))
    .filter((f) => f.length === 3 && f.every(Number.isFinite)).map(([t, u, k]) => ({ t, cpu: (u + k) / clkTck }));
}

/** Cumulative server CPU seconds at time t, linear between samples; null outside them. */
function procAt(samples, t) {
  if (samples.length < 2 || t < samples[0].t || t > samples[samples.length - 1].t) return null;
  let lo = 0;
  let hi = samples.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (samples[mid].t <= t) lo = mid;
    else hi = mid;
  }
  const a = samples[lo];
  const b = samples[hi];
  return b.t === a.t ? a.cpu : a.cpu + ((b.cpu - a.cpu) * (t - a.t)) / (b.t - a.t);
}

/**
 * How late dotnet-counters stamps an interval: the shift L (0..2.5 s) that best matches each
 * interval's dotnet.process.cpu.time increment to /proc's CPU over (t_prev - L, t - L].
 */
function fitLag(events, samples) {
  const byTime = new Map(); // user + system, by stamp (the two are stamped within microseconds)
  for (const e of events) {
    if (!(e.name || '').startsWith('dotnet.process.cpu.time')) continue;
    const key = Math.round(Date.parse(e.timestamp) / 100); // 0.1 s buckets
    byTime.set(key, (byTime.get(key) || 0) + Number(e.value));
  }
  const pts = [...byTime.entries()].sort((x, y) => x[0] - y[0]).map(([k, v]) => ({ t: k / 10, v }));
  let best = null;
  for (let lag = 0; lag <= 2.5001; lag += 0.05) {
    let err = 0;
    let total = 0;
    let n = 0;
    for (let i = 1; i < pts.length; i++) {
      const p1 = procAt(samples, pts[i].t - lag);
      const p0 = procAt(samples, pts[i - 1].t - lag);
      if (p1 === null || p0 === null) continue;
      err += Math.abs(p1 - p0 - pts[i].v);
      total += pts[i].v;
      n++;
    }
    if (n >= 5 && (!best || err < best.err)) best = { lag: round(lag, 2), err, relErr: total ? err / total : null, n };
  }
  return best;
}

function windowMode() {
  const out = { build: args.build, round: Number(args.round), dll: args.dll || null };
  const fail = (error) => {
    process.stdout.write(`${JSON.stringify({ ...out, ok: false, error })}\n`);
    process.exit(0);
  };
  const resultText = fs.existsSync(args.result) ? fs.readFileSync(args.result, 'utf8').trim() : '';
  if (!resultText) fail('the load generator printed no result');
  let res;
  try {
    res = JSON.parse(resultText.split('\n').pop());
  } catch (e) {
    fail(`unreadable load generator result: ${e.message}`);
  }
  if (!res.result) fail(`load generator: ${res.error || 'no step result'}`);
  const step = res.result;
  // The stamp alloc.sh put in front of the line loadgen logs right after the step's window closes.
  const logLines = fs.existsSync(args['loadgen-log']) ? fs.readFileSync(args['loadgen-log'], 'utf8').split('\n') : [];
  // (the warm-up is step 1 and logs as "warm-up rate"; the measured step is the last "step N rate")
  const endLine = logLines.filter((l) => /^\d+(\.\d+)? \[loadgen [^\]]*\] step \d+ rate /.test(l)).pop();
  if (!endLine) fail('no "step N rate" line in the load generator log');
  const b = Number(endLine.split(' ')[0]);
  const a = b - step.window_s; // the step's first send
  const sendEnd = a + res.seconds;
  // dotnet-counters stamps an interval's increment up to about one interval after the interval
  // (measured here against /proc: about 1 s late at a 1 s refresh); counting only the intervals
  // stamped in [a + lagMax, sendEnd] keeps the 0.5 s pause after the warm-up and the drain and
  // session teardown after the step out, whatever that lag is between 0 and lagMax.
  const lagMax = Number(args['lag-max-s'] || 1.5);
  const lo = a + lagMax;
  const hi = sendEnd;

  const events = readCounterEvents(args.counters);
  const alloc = steadyRate(events, (n) => n.startsWith('dotnet.gc.heap.total_allocated'), lo, hi);
  const cpu = steadyRate(events, (n) => n.startsWith('dotnet.process.cpu.time'), lo, hi);
  const d = step.deliveries;
  const dps = step.deliveries_per_s;
  const samples = readProcSamples(args.proc, Number(args['clk-tck'] || 100));
  const fit = samples.length ? fitLag(events, samples) : null;
  let procCounted = null; // /proc's CPU rate over the counted intervals, shifted by the fitted lag
  if (fit && cpu.from !== null) {
    const p1 = procAt(samples, cpu.to - fit.lag);
    const p0 = procAt(samples, cpu.from - fit.lag);
    if (p1 !== null && p0 !== null) procCounted = (p1 - p0) / (cpu.to - cpu.from);
  }
  const warnings = [alloc.why && `dotnet.gc.heap.total_allocated: ${alloc.why}`, cpu.why && `dotnet.process.cpu.time: ${cpu.why}`]
    .filter(Boolean);
  if (step.lost) warnings.push(`${step.lost} deliveries lost`);
  if (step.send_errors) warnings.push(`${step.send_errors} send errors (${step.first_send_error})`);
  if (step.receivers_closed) warnings.push(`${step.receivers_closed} receivers closed by the server`);
  if (step.out_of_order) warnings.push(`${step.out_of_order} out of order`);
  if (step.gaps) warnings.push(`${step.gaps} gaps`);
  if (fit && fit.lag > lagMax) warnings.push(`dotnet-counters stamps its intervals ${fit.lag} s late (fitted against /proc), more than the ${lagMax} s allowed for`);
  if (fit && fit.relErr > 0.15) warnings.push(`dotnet.process.cpu.time matches /proc poorly (${Math.round(fit.relErr * 100)}% off per interval at the best lag)`);
  process.stdout.write(`${JSON.stringify({
    ...out,
    ok: alloc.rate !== null && cpu.rate !== null && dps > 0,
    rate: step.rate,
    members: res.members,
    seconds: res.seconds,
    sent: step.sent,
    acked: step.acked,
    deliveries: d,
    deliveries_per_s: dps,
    lost: step.lost,
    p50_ms: step.p50_ms,
    p99_ms: step.p99_ms,
    ack_p99_ms: step.ack_p99_ms,
    step_start: round(a, 3),
    step_window_s: step.window_s,
    counted_from_s: lagMax,
    counted_intervals: alloc.intervals ?? null,
    counted_span_s: alloc.span === undefined ? null : round(alloc.span, 3),
    alloc_bytes_counted: alloc.sum === undefined ? null : Math.round(alloc.sum),
    alloc_bytes_per_s: alloc.rate === null ? null : Math.round(alloc.rate),
    cpu_s_counted: cpu.sum === undefined ? null : round(cpu.sum, 4),
    cpu_pct: cpu.rate === null ? null : round(cpu.rate * 100, 1),
    cpu_series: cpu.series,
    bytes_per_delivery: alloc.rate === null || !dps ? null : round(alloc.rate / dps, 1),
    cpu_us_per_delivery: cpu.rate === null || !dps ? null : round((cpu.rate * 1e6) / dps, 3),
    // the server's utime+stime from /proc/PID/stat over the whole step window, as loadgen measured
    // it (the edges included): a check on the counter's figure
    proc_cpu_us_per_delivery: step.server_cpu_us_per_delivery,
    // alloc.sh's own /proc samples: how late the counter intervals are stamped, how well they match,
    // and /proc's CPU per delivery over the very intervals counted (shifted by that lag)
    counter_lag_s: fit ? fit.lag : null,
    counter_vs_proc_err_pct: fit && fit.relErr !== null ? round(fit.relErr * 100, 1) : null,
    proc_counted_cpu_pct: procCounted === null ? null : round(procCounted * 100, 1),
    proc_counted_cpu_us_per_delivery: procCounted === null || !dps ? null : round((procCounted * 1e6) / dps, 3),
    proc_cpu_pct: step.server_cpu_pct,
    loadgen_cpu_pct: step.loadgen_cpu_pct,
    counter_events: events.length,
    warnings,
  })}\n`);
}

function median(values) {
  const v = values.filter((x) => x !== null && Number.isFinite(x)).sort((x, y) => x - y);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function reportMode() {
  const rows = fs.readFileSync(args.results, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const fmt = (v, digits) => (v === null || v === undefined ? '–' : v.toFixed(digits));
  const lines = [];
  lines.push('| build | round | deliveries/s | bytes allocated / delivery | µs CPU / delivery | (/proc µs) | p99 ms | lost |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    if (!r.ok && r.deliveries === undefined) {
      lines.push(`| ${r.build} | ${r.round} | failed: ${r.error} | | | | | |`);
      continue;
    }
    lines.push(`| ${r.build} | ${r.round} | ${fmt(r.deliveries_per_s, 0)} | ${fmt(r.bytes_per_delivery, 0)} | ${fmt(r.cpu_us_per_delivery, 2)} | ${fmt(r.proc_cpu_us_per_delivery, 2)} | ${fmt(r.p99_ms, 2)} | ${r.lost ?? '–'} |`);
  }
  const med = {};
  for (const build of ['current', 'before']) {
    const mine = rows.filter((r) => r.build === build && r.ok);
    med[build] = {
      n: mine.length,
      dps: median(mine.map((r) => r.deliveries_per_s)),
      bytes: median(mine.map((r) => r.bytes_per_delivery)),
      cpu: median(mine.map((r) => r.cpu_us_per_delivery)),
      procCpu: median(mine.map((r) => r.proc_cpu_us_per_delivery)),
      p99: median(mine.map((r) => r.p99_ms)),
    };
  }
  const ratio = (x, y) => (x === null || y === null || !y ? '–' : (x / y).toFixed(2));
  const c = med.current;
  const p = med.before;
  const summary = `medians (current n=${c.n}, before n=${p.n}): bytes/delivery current ${fmt(c.bytes, 0)} vs before ${fmt(p.bytes, 0)} `
    + `(current ÷ before ${ratio(c.bytes, p.bytes)}); µs CPU/delivery ${fmt(c.cpu, 2)} vs ${fmt(p.cpu, 2)} (${ratio(c.cpu, p.cpu)}; `
    + `/proc: ${fmt(c.procCpu, 2)} vs ${fmt(p.procCpu, 2)}, ${ratio(c.procCpu, p.procCpu)}); p99 ${fmt(c.p99, 2)} vs ${fmt(p.p99, 2)} ms `
    + `(${ratio(c.p99, p.p99)}); deliveries/s ${fmt(c.dps, 0)} vs ${fmt(p.dps, 0)}`;
  const warnings = rows.flatMap((r) => (r.warnings || []).map((w) => `${r.build} round ${r.round}: ${w}`)
    .concat(r.ok ? [] : [`${r.build} round ${r.round}: ${r.error || 'no numbers'}`]));
  process.stdout.write(`${lines.join('\n')}\n\n${summary}\n`);
  if (warnings.length) process.stdout.write(`\nwarnings:\n${warnings.map((w) => `- ${w}`).join('\n')}\n`);

  if (args['markdown-out']) {
    const md = [];
    md.push('# Server allocations and CPU per delivery: current vs before');
    md.push('');
    md.push('Written by `bash bench/alloc.sh` (see its header for what is measured and how).');
    md.push('');
    for (const key of ['started', 'machine', 'params', 'current', 'before', 'loadavg']) {
      if (args[key]) md.push(`- ${key}: ${args[key]}`);
    }
    md.push('');
    md.push(...lines);
    md.push('');
    md.push(summary);
    md.push('');
    if (warnings.length) {
      md.push('Warnings:');
      md.push('');
      md.push(...warnings.map((w) => `- ${w}`));
      md.push('');
    }
    md.push('Counted: the counter intervals that lie in the steady part of each measured step (from 1.5 s after its first');
    md.push('send to its last send; dotnet-counters stamps an interval about one interval late, so this keeps the warm-up,');
    md.push('the drain and the session teardown out). Bytes / delivery = the server\'s managed allocation rate there');
    md.push('(`dotnet.gc.heap.total_allocated`) ÷ the step\'s deliveries/s: all of the server\'s allocations, so the per-message');
    md.push('work (the send, its ack, storing it in SQLite) is spread over the room\'s members. µs CPU / delivery likewise from');
    md.push('`dotnet.process.cpu.time` (user + system). "/proc µs" is the load generator\'s own reading of the server\'s');
    md.push('utime+stime over the whole step window (edges included), a check on the counter figure.');
    md.push('');
    md.push('## Raw numbers');
    md.push('');
    md.push('| build | round | rate | members | sent | deliveries | lost | deliveries/s | counted intervals | counted s | allocated bytes counted | bytes/s | CPU s counted | server CPU % (counters) | server CPU % (/proc) | µs/delivery (/proc) | loadgen CPU % | p50 ms | p99 ms | ack p99 ms |');
    md.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const v = (x) => (x === null || x === undefined ? '–' : x);
    for (const r of rows) {
      md.push(`| ${r.build} | ${r.round} | ${v(r.rate)} | ${v(r.members)} | ${v(r.sent)} | ${v(r.deliveries)} | ${v(r.lost)} | ${v(r.deliveries_per_s)} | `
        + `${v(r.counted_intervals)} | ${v(r.counted_span_s)} | ${v(r.alloc_bytes_counted)} | ${v(r.alloc_bytes_per_s)} | ${v(r.cpu_s_counted)} | ${v(r.cpu_pct)} | `
        + `${v(r.proc_cpu_pct)} | ${v(r.proc_cpu_us_per_delivery)} | ${v(r.loadgen_cpu_pct)} | ${v(r.p50_ms)} | ${v(r.p99_ms)} | ${v(r.ack_p99_ms)} |`);
    }
    md.push('');
    md.push('JSON lines:');
    md.push('');
    md.push('```');
    md.push(...rows.map((r) => JSON.stringify(r)));
    md.push('```');
    md.push('');
    fs.writeFileSync(args['markdown-out'], md.join('\n'));
  }
}

if (mode === 'window') windowMode();
else if (mode === 'report') reportMode();
else {
  console.error('usage: node alloc.js window|report ... (see the header)');
  process.exit(64);
}
