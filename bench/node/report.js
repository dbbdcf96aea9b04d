#!/usr/bin/env node
'use strict';
// Turns the load generator's JSON lines into bench/results.md: the machine, the .NET GC mode,
// then one table with a row per scenario and metric, columns ours / Socket.io / grpc-js and the
// ratios ours÷Socket.io and ours÷grpc-js.
//
// Usage: node report.js --results=FILE.jsonl --out=results.md --mode=quick|full
//          --config=Release|Debug --runtimeconfig=PATH [--started=ISO] [--elapsed-s=N]

const fs = require('fs');
const os = require('os');
const { execFileSync } = require('child_process');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`unexpected argument ${a}`);
  return [m[1], m[2]];
}));

const TARGETS = ['ours', 'socketio', 'grpcjs'];

const lines = fs.readFileSync(args.results, 'utf8').split('\n').filter((l) => l.trim().length > 0);
const runs = [];
for (const line of lines) {
  try {
    runs.push(JSON.parse(line));
  } catch {
    runs.push({ ok: false, error: `unparsable line: ${line.slice(0, 120)}` });
  }
}

function sh(cmd, cmdArgs) {
  try {
    return execFileSync(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 20000 }).toString().trim();
  } catch {
    return 'unknown';
  }
}

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = (/^model name\s*:\s*(.+)$/m.exec(cpuinfo) || [])[1] || 'unknown';
  const memTotal = Number((/^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8')) || [])[1] || 0);
  return {
    nproc: sh('nproc', []),
    model,
    memory: `${(memTotal / 1024 / 1024).toFixed(1)} GiB`,
    kernel: os.release(),
    node: process.version,
    dotnet: sh('dotnet', ['--version']),
    fdLimit: sh('bash', ['-c', 'ulimit -n']),
  };
}

function gcMode() {
  let config = {};
  try {
    config = JSON.parse(fs.readFileSync(args.runtimeconfig, 'utf8')).runtimeOptions.configProperties || {};
  } catch {
    return `unknown (no runtimeconfig at ${args.runtimeconfig})`;
  }
  const envServer = process.env.DOTNET_gcServer ?? process.env.COMPlus_gcServer;
  const server = envServer !== undefined ? envServer === '1' : config['System.GC.Server'] === true;
  const concurrent = config['System.GC.Concurrent'] !== false;
  const source = envServer !== undefined ? `DOTNET_gcServer=${envServer}` : `runtimeconfig System.GC.Server=${config['System.GC.Server'] === true}`;
  return `${server ? 'Server' : 'Workstation'} GC, ${concurrent ? 'concurrent' : 'non-concurrent'} (${source})`;
}

// ---------------------------------------------------------------------------------------------

const fmt = (v, digits = 1) => {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
};

function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${(a / b).toFixed(2)}×`;
}

/** label -> target -> run */
const byLabel = new Map();
for (const run of runs) {
  const label = run.label || `${run.scenario}`;
  if (!byLabel.has(label)) byLabel.set(label, {});
  byLabel.get(label)[run.target || 'unknown'] = run;
}

function failureNote(run) {
  if (!run) return 'not run';
  if (run.skipped) return `skipped: ${run.skipped}`;
  if (run.error) return `error: ${run.error}`;
  return null;
}

function whyNotPassing(r) {
  const why = [];
  if (r.lost > 0) why.push(`lost ${r.lost}`);
  if (r.receivers_closed > 0) why.push(`${r.receivers_closed} receivers closed`);
  if (r.send_errors > 0) why.push(`${r.send_errors} send errors`);
  if (r.out_of_order > 0) why.push(`${r.out_of_order} out of order`);
  if (why.length === 0) why.push('p99 over objective');
  return why.join(', ');
}

const rows = [];
function addRow(name, cells, { noRatio = false } = {}) {
  rows.push({ name, cells, noRatio });
}

for (const [label, perTarget] of byLabel) {
  const any = TARGETS.map((t) => perTarget[t]).find((r) => r && !r.error && !r.skipped) || Object.values(perTarget)[0];
  const cellOf = (t, pick) => {
    const run = perTarget[t];
    const note = failureNote(run);
    if (note) return { value: null, text: note };
    return pick(run);
  };
  if (any.scenario === 'idle') {
    const n = any.sessions;
    const flag = (run) => (run.ok ? '' : ` (${run.failures} failed, ${run.sessions - run.alive} not alive)`);
    addRow(`idle: ${fmt(n, 0)} sessions in rooms of ${any.room_size} — server RSS per session, KiB`,
      TARGETS.map((t) => cellOf(t, (run) => ({ value: run.server_rss_per_session_kib, text: `${fmt(run.server_rss_per_session_kib)}${flag(run)}` }))));
    addRow(`idle: ${fmt(n, 0)} sessions — server CPU to connect + join one session, µs`,
      TARGETS.map((t) => cellOf(t, (run) => ({ value: run.server_cpu_us_per_session, text: fmt(run.server_cpu_us_per_session, 0) }))));
  } else if (any.scenario === 'fanout') {
    const m = any.members;
    const search = any.mode === 'search';
    const where = search
      ? `room of ${fmt(m, 0)}, rate raised to p99 ≤ ${any.objective_ms} ms and no loss`
      : `room of ${fmt(m, 0)}, ${any.result ? any.result.rate : '?'} msg/s for ${any.seconds} s`;
    // headline: the row that says why a step missed the objective (details under Anomalies)
    const res = (pick, digits = 1, headline = false) => (t) => cellOf(t, (run) => {
      const r = run.result;
      if (!r) return { value: null, text: 'no result' };
      const v = pick(r);
      let text = fmt(v, digits);
      if (search && !r.pass) text = headline ? `none passed (at ${r.rate} msg/s: ${whyNotPassing(r)})` : 'n/a';
      else if (!search && !r.pass && headline) text += ` (${whyNotPassing(r)})`;
      return { value: search && !r.pass ? null : v, text };
    });
    if (search) {
      addRow(`fan-out, ${where} — publish rate reached, msg/s`, TARGETS.map(res((r) => r.rate, 0, true)));
    }
    addRow(`fan-out, ${where} — deliveries/s`, TARGETS.map(res((r) => r.deliveries_per_s, 0, !search)));
    addRow(`fan-out, ${where} — delivery latency p50, ms`, TARGETS.map(res((r) => r.p50_ms, 2)));
    addRow(`fan-out, ${where} — delivery latency p99, ms`, TARGETS.map(res((r) => r.p99_ms, 2)));
    addRow(`fan-out, ${where} — messages lost`, TARGETS.map(res((r) => r.lost, 0)), { noRatio: true });
    addRow(`fan-out, ${where} — server CPU per delivery, µs`, TARGETS.map(res((r) => r.server_cpu_us_per_delivery, 2)));
    addRow(`fan-out, ${where} — server CPU, % of one core`, TARGETS.map(res((r) => r.server_cpu_pct, 0)));
    addRow(`fan-out, ${where} — load generator CPU, % of one core`, TARGETS.map(res((r) => r.loadgen_cpu_pct, 0)), { noRatio: true });
    addRow(`fan-out, ${where} — load generator event-loop delay, max ms`, TARGETS.map(res((r) => r.loadgen_loop_delay_max_ms, 1)), { noRatio: true });
  }
}

const m = machine();
const out = [];
out.push('# Benchmark results: ours vs Socket.io vs grpc-js');
out.push('');
out.push(`Written by \`bench/run.sh${args.mode === 'quick' ? ' --quick' : ''}\` on ${args.started || new Date().toISOString()}`
  + `${args['elapsed-s'] ? ` in ${args['elapsed-s']} s` : ''}. Mode: **${args.mode}**${args.mode === 'quick' ? ' (tiny sizes: a smoke test of the harness, not a measurement)' : ''}.`);
out.push('');
out.push('## Machine');
out.push('');
out.push(`- CPUs: ${m.nproc} × ${m.model}`);
out.push(`- Memory: ${m.memory}; kernel ${m.kernel}; open files limit ${m.fdLimit}`);
out.push(`- Ours: ChatService ${args.config} build on .NET SDK ${m.dotnet}; ${gcMode()}`);
out.push(`- Peers and load generator: Node ${m.node}, socket.io / socket.io-client 4.8.3, @grpc/grpc-js 1.14.7`);
out.push(`- Load average (1/5/15 min) at the start: ${args['loadavg-start'] || 'unknown'}, at the end: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`
  + ' (anything above what the benchmark itself uses is another program competing for the cores).');
out.push('- Every server and the load generator share these cores; everything runs on 127.0.0.1.');
out.push('');
out.push('## Results');
out.push('');
out.push('| scenario | ours | Socket.io | grpc-js | ours ÷ Socket.io | ours ÷ grpc-js |');
out.push('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const [ours, sio, gjs] = row.cells;
  const r1 = row.noRatio ? '–' : ratio(ours.value, sio.value);
  const r2 = row.noRatio ? '–' : ratio(ours.value, gjs.value);
  out.push(`| ${row.name} | ${ours.text} | ${sio.text} | ${gjs.text} | ${r1} | ${r2} |`);
}
out.push('');
// Anything that did not go to plan, so a reader need not dig through results.jsonl.
const anomalies = [];
for (const run of runs) {
  const who = `${run.target} ${run.label || run.scenario}`;
  if (run.skipped) anomalies.push(`${who}: skipped, ${run.skipped}`);
  else if (run.error) anomalies.push(`${who}: ${run.error}`);
  if (run.scenario === 'idle' && !run.error && !run.skipped && !run.ok) {
    anomalies.push(`${who}: ${run.failures} sessions failed to open or join (first: ${run.first_failure}), ${run.sessions - run.alive} not alive after settling`);
  }
  for (const c of run.closed || []) anomalies.push(`${who}: ${c.count} sessions closed by the server or the network: ${c.reason}`);
  for (const [i, st] of (run.steps || []).entries()) {
    const slow = st.slow_windows || [];
    if (slow.length > 0 || !st.pass) {
      const worst = slow.reduce((a, w) => Math.max(a, w.worst_ms), 0);
      anomalies.push(`${who}, step ${i + 1} (${st.rate} msg/s): ${st.pass ? 'passed' : `failed (${whyNotPassing(st)})`}; `
        + `p99 ${fmt(st.p99_ms, 2)} ms, max ${fmt(st.max_ms, 1)} ms`
        + (slow.length > 0 ? `; ${slow.length} 100-ms send windows over the objective, from ${slow[0].at_s} s into the step, worst ${fmt(worst, 1)} ms` : '')
        + `; server CPU ${fmt(st.server_cpu_pct, 0)} %, load generator ${fmt(st.loadgen_cpu_pct, 0)} %`);
    }
  }
}
if (anomalies.length > 0) {
  out.push('## Anomalies in this run');
  out.push('');
  for (const a of anomalies) out.push(`- ${a}`);
  out.push('');
}
out.push('## How to read it');
out.push('');
out.push('- Every session is its own TCP connection. Ours and grpc-js are driven by the same grpc-js client code'
  + ' (Register, CreateRoom, Connect with a bearer token, join, send with client_msg_id); Socket.io by socket.io-client'
  + ' (websocket transport, no compression) with join / message / acks.');
out.push('- A message is ~100 bytes of text carrying sender, seq, step and send time; deliveries are counted at the'
  + ' receivers (the sender\'s own copy is not counted, though every server sends it). Loss = sent × members − delivered.'
  + ' Latency is send → receipt in the load generator (same clock).');
out.push('- Server CPU is utime+stime of the server process from /proc/PID/stat over the step, memory is VmRSS from'
  + ' /proc/PID/status; "RSS per session" is (RSS after opening and settling − RSS before) ÷ sessions, with no forced GC.');
out.push('- Ours does more per message than the peers: every message is committed to SQLite (WAL) before it is acked and'
  + ' fanned out, and ours also sends presence and member_joined/left events; the peers keep everything in memory.');
out.push('- The load generator is one Node process (one thread). Its CPU near 100 %, or a longest event-loop delay that is a large'
  + ' part of the latency, means it, not the server, limits that step: with big rooms it works through each fan-out burst'
  + ' one delivery at a time, so the last receivers of a message see the load generator\'s own queueing.'
  + ' Ratios are ours ÷ peer: for latency, CPU and memory lower is better; for deliveries/s and rate higher is better.');
if (args.config !== 'Release') {
  out.push(`- **Ours ran a ${args.config} build**: its CPU and latency numbers are not representative.`);
}
out.push('- Raw results, one JSON line per run, with every step of each rate search: `bench/results.jsonl`.');
out.push('');
fs.writeFileSync(args.out, out.join('\n'));
