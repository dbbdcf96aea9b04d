#!/usr/bin/env node
'use strict';
// Turns the load generator's JSON lines into bench/results.md: the machine, the .NET GC mode,
// CPU pinning, then one table with a row per scenario and metric, columns ours / Socket.io / grpc-js and the
// ratios ours÷Socket.io and ours÷grpc-js. When the results hold runs of target ours-before (a second build
// of ours, BENCH_OURS_BEFORE in run.sh), the table adds its column after ours and the ratio ours÷before.
//
// Usage: node report.js --results=FILE.jsonl --out=results.md --mode=quick|full
//          --config=Release|Debug --build=TEXT --client=wire|library --runtimeconfig=PATH [--started=ISO] [--elapsed-s=N]
//          [--runs=N] [--runs-planned=N] [--pinning=TEXT] [--charts-dir=DIR] [--charts-note=TEXT]
//          [--before=TEXT --before-runtimeconfig=PATH]   (what ours-before ran: its directory, its commit)
// With several runs of a row, a cell is the median with the min–max of the runs.

const fs = require('fs');
const os = require('os');
const { execFileSync } = require('child_process');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`unexpected argument ${a}`);
  return [m[1], m[2]];
}));

const lines = fs.readFileSync(args.results, 'utf8').split('\n').filter((l) => l.trim().length > 0);
const runs = [];
for (const line of lines) {
  try {
    runs.push(JSON.parse(line));
  } catch {
    runs.push({ ok: false, error: `unparsable line: ${line.slice(0, 120)}` });
  }
}

// ours-before (a second build of ours run next to it) gets columns only when it ran.
const BEFORE = runs.some((r) => r.target === 'ours-before');
const TARGETS = BEFORE ? ['ours', 'ours-before', 'socketio', 'grpcjs'] : ['ours', 'socketio', 'grpcjs'];
const OURS_LIKE = TARGETS.filter((t) => t.startsWith('ours'));

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

function gcMode(runtimeconfig) {
  let config = {};
  try {
    config = JSON.parse(fs.readFileSync(runtimeconfig, 'utf8')).runtimeOptions.configProperties || {};
  } catch {
    return `unknown (no runtimeconfig at ${runtimeconfig})`;
  }
  const envServer = process.env.DOTNET_gcServer ?? process.env.COMPlus_gcServer;
  const server = envServer !== undefined ? envServer === '1' : config['System.GC.Server'] === true;
  const concurrent = config['System.GC.Concurrent'] !== false;
  const source = envServer !== undefined ? `DOTNET_gcServer=${envServer}` : `runtimeconfig System.GC.Server=${config['System.GC.Server'] === true}`;
  return `${server ? 'Server' : 'Workstation'} GC, ${concurrent ? 'concurrent' : 'non-concurrent'} (${source})`;
}

// ---------------------------------------------------------------------------------------------

const NAMES = {
  ours: 'ours', 'ours-before': 'ours-before', socketio: 'Socket.io', grpcjs: 'grpc-js',
};

const fmt = (v, digits = 1) => {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
};

function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${(a / b).toFixed(2)}×`;
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** label -> target -> [runs], labels in the order they first ran */
const byLabel = new Map();
for (const run of runs) {
  const label = run.label || `${run.scenario}`;
  if (!byLabel.has(label)) byLabel.set(label, {});
  const perTarget = byLabel.get(label);
  const target = run.target || 'unknown';
  (perTarget[target] = perTarget[target] || []).push(run);
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

/**
 * One cell from every run of a target: pick(run) gives a number, or null when the run has none
 * (with an optional note(run) saying why). The value is the median; with more than one run the
 * text adds min–max, and runs that failed or gave no value are counted.
 */
function cell(list, pick, { digits = 1, note = null, suffix = null } = {}) {
  if (!list || list.length === 0) return { value: null, text: 'not run' };
  const usable = list.filter((r) => !failureNote(r));
  if (usable.length === 0) return { value: null, text: failureNote(list[0]) };
  const values = [];
  const notes = [];
  for (const run of usable) {
    const v = pick(run);
    if (v === null || v === undefined || !Number.isFinite(v)) {
      if (note) notes.push(note(run));
    } else values.push(v);
  }
  const failed = list.length - usable.length;
  if (values.length === 0) {
    return { value: null, text: notes[0] || 'n/a' };
  }
  const med = median(values);
  let text = fmt(med, digits);
  if (values.length > 1) {
    const lo = fmt(Math.min(...values), digits);
    const hi = fmt(Math.max(...values), digits);
    if (lo !== hi) text += ` (${lo}–${hi})`;
  }
  if (suffix) {
    const extra = suffix(usable);
    if (extra) text += ` ${extra}`;
  }
  const missing = usable.length - values.length + failed;
  if (missing > 0) text += ` [${missing} of ${list.length} runs: ${notes[0] || (failed ? failureNote(list.find((r) => failureNote(r))) : 'no value')}]`;
  return { value: med, text };
}

/** cells: target -> { value, text } (a target without one shows "not run"). */
const rows = [];
function addRow(name, cells, { noRatio = false } = {}) {
  rows.push({ name, cells, noRatio });
}
const perTargetCells = (targets, f) => Object.fromEntries(targets.map((t) => [t, f(t)]));

const runsOf = (label, t) => (byLabel.get(label) || {})[t] || [];
const firstUsable = (perTarget) => TARGETS.flatMap((t) => perTarget[t] || []).find((r) => !failureNote(r))
  || Object.values(perTarget).flat()[0];
const cells = (label, pick, options) => perTargetCells(TARGETS, (t) => cell(runsOf(label, t), pick, options));

/** Rows of one fan-out result (a search or a fixed-rate step) per target. */
function fanoutRows(prefix, perTargetRuns, any) {
  const search = any.mode === 'search';
  const where = search
    ? `room of ${fmt(any.members, 0)}, rate raised to p99 ≤ ${any.objective_ms} ms and no loss`
    : `room of ${fmt(any.members, 0)}, ${any.result ? any.result.rate : '?'} msg/s for ${any.seconds} s`;
  const at = (t) => perTargetRuns[t] || [];
  // A search that never passed has no value at the objective; say where it failed instead.
  const val = (f) => (run) => (run.result && (!search || run.result.pass) ? f(run.result) : null);
  const why = (run) => (run.result ? `none passed (at ${run.result.rate} msg/s: ${whyNotPassing(run.result)})` : 'no result');
  const row = (name, f, options = {}, rowOptions = {}) => addRow(`${prefix}, ${where} — ${name}`,
    perTargetCells(TARGETS, (t) => cell(at(t), val(f), { note: () => 'n/a', ...options })), rowOptions);
  if (search) row('publish rate reached, msg/s', (r) => r.rate, { digits: 0, note: why });
  row('deliveries/s', (r) => r.deliveries_per_s, {
    digits: 0,
    suffix: search ? null : (list) => {
      const bad = list.filter((r) => r.result && !r.result.pass);
      return bad.length ? `(${whyNotPassing(bad[0].result)})` : null;
    },
  });
  row('delivery latency p50, ms', (r) => r.p50_ms, { digits: 2 });
  row('delivery latency p99, ms', (r) => r.p99_ms, { digits: 2 });
  row('messages lost', (r) => r.lost, { digits: 0 }, { noRatio: true });
  row('server CPU per delivery, µs', (r) => r.server_cpu_us_per_delivery, { digits: 2 });
  // What the server could carry on a core of its own, whoever limits the step (on 2 shared cores
  // that is often the load generator): higher is better.
  row('deliveries/s per core of server CPU (10⁶ ÷ CPU µs per delivery)',
    (r) => (r.server_cpu_us_per_delivery > 0 ? 1e6 / r.server_cpu_us_per_delivery : null), { digits: 0 });
  row('server CPU, % of one core', (r) => r.server_cpu_pct, { digits: 0 });
  row('load generator CPU, % of one core', (r) => r.loadgen_cpu_pct, { digits: 0 }, { noRatio: true });
  row('load generator event-loop delay, max ms', (r) => r.loadgen_loop_delay_max_ms, { digits: 1 }, { noRatio: true });
  return where;
}

let persistDone = false;
for (const [label, perTarget] of byLabel) {
  const any = firstUsable(perTarget);
  if (!any) continue;
  if (any.scenario === 'idle') {
    const n = any.sessions;
    const flagged = (list) => {
      const bad = list.filter((r) => !r.ok);
      return bad.length ? `(${bad.map((r) => `${r.failures} failed, ${r.sessions - r.alive} not alive`).join('; ')})` : null;
    };
    addRow(`idle: ${fmt(n, 0)} sessions in rooms of ${any.room_size} — server RSS per session, KiB`,
      cells(label, (r) => r.server_rss_per_session_kib, { suffix: flagged }));
    // The floor (target kestrel, bench/KestrelFloor): bare Kestrel holding the same connection and
    // open stream per session. What ours uses above it is the chat state a session costs.
    const floor = cell(runsOf(label, 'kestrel'), (r) => r.server_rss_per_session_kib);
    const floorCpu = cell(runsOf(label, 'kestrel'), (r) => r.server_cpu_us_per_session, { digits: 0 });
    const floorNote = floorCpu.value === null ? '' : ` (bare Kestrel floor: ${floorCpu.text})`;
    addRow(`idle: ${fmt(n, 0)} sessions — server CPU to connect + join one session, µs${floorNote}`,
      cells(label, (r) => r.server_cpu_us_per_session, { digits: 0 }));
    if (floor.value !== null) {
      addRow(`idle: ${fmt(n, 0)} sessions — server RSS per session above bare Kestrel's ${floor.text} KiB `
        + '(bench/KestrelFloor: the same HTTP/2 connection and open stream, no chat state), KiB',
      perTargetCells(TARGETS, (t) => (OURS_LIKE.includes(t)
        ? cell(runsOf(label, t), (r) => (r.server_rss_per_session_kib === null ? null : r.server_rss_per_session_kib - floor.value))
        : { value: null, text: '–' })));
    }
  } else if (any.scenario === 'fanout') {
    fanoutRows('fan-out', perTarget, any);
  } else if (any.scenario === 'latency') {
    const rate = any.result ? any.result.rate : '?';
    const where = `latency, room of ${any.members} at ${rate} msg/s for ${any.seconds} s (${any.rate_note || 'fixed rate'})`;
    const val = (f) => (run) => (run.result ? f(run.result) : null);
    addRow(`${where} — deliveries/s`, cells(label, val((r) => r.deliveries_per_s), { digits: 0 }));
    addRow(`${where} — delivery latency p50, ms`, cells(label, val((r) => r.p50_ms), { digits: 2 }));
    addRow(`${where} — delivery latency p99, ms`, cells(label, val((r) => r.p99_ms), { digits: 2 }));
    addRow(`${where} — delivery latency p99.9, ms`, cells(label, val((r) => r.p999_ms), { digits: 2 }));
    addRow(`${where} — messages lost`, cells(label, val((r) => r.lost), { digits: 0 }), { noRatio: true });
    addRow(`${where} — server CPU, % of one core`, cells(label, val((r) => r.server_cpu_pct), { digits: 0 }));
    addRow(`${where} — load generator CPU, % of one core`, cells(label, val((r) => r.loadgen_cpu_pct), { digits: 0 }), { noRatio: true });
  } else if (any.scenario === 'slow') {
    const where = `slow consumers, room of ${any.members}, ${any.slow_readers} reader${any.slow_readers === 1 ? '' : 's'} (${Math.round((100 * any.slow_readers) / any.members)}%) `
      + `stop reading for ${any.pause_s} s at ${any.rate} msg/s`;
    addRow(`${where} — healthy readers' p99 before the pause, ms`, cells(label, (r) => r.healthy_p99_baseline_ms, { digits: 2 }));
    addRow(`${where} — healthy readers' p99 during the pause, ms`, cells(label, (r) => r.healthy_p99_pause_ms, { digits: 2 }));
    addRow(`${where} — healthy readers' p99 during ÷ before the pause`,
      cells(label, (r) => (r.healthy_p99_baseline_ms > 0 ? r.healthy_p99_pause_ms / r.healthy_p99_baseline_ms : null), { digits: 2 }), { noRatio: true });
    addRow(`${where} — healthy readers: messages lost / connections closed`,
      cells(label, (r) => r.healthy_lost, { digits: 0, suffix: (list) => `/ ${Math.max(...list.map((r) => r.healthy_closed || 0))} closed` }), { noRatio: true });
    addRow(`${where} — server RSS growth during the pause, MiB`,
      cells(label, (r) => (r.server_rss_growth_during_pause_kib === null ? null : r.server_rss_growth_during_pause_kib / 1024), { digits: 1 }));
    addRow(`${where} — server RSS growth during the ${any.baseline_s} s baseline before it (nobody paused), MiB`,
      cells(label, (r) => (r.server_rss_growth_during_baseline_kib == null ? null : r.server_rss_growth_during_baseline_kib / 1024), { digits: 1 }), { noRatio: true });
    addRow(`${where} — slow readers the server disconnected (of ${any.slow_readers})`, cells(label, (r) => r.slow_disconnected_by_server, {
      digits: 0,
      suffix: (list) => {
        const when = list.flatMap((r) => (r.slow || []).filter((d) => d.disconnected_by_server && d.noticed_s_into_pause !== null).map((d) => d.noticed_s_into_pause));
        if (when.length === 0) return null;
        const lo = Math.min(...when);
        const hi = Math.max(...when);
        return `(noticed ${lo === hi ? fmt(lo, 1) : `${fmt(lo, 1)}–${fmt(hi, 1)}`} s into the pause)`;
      },
    }), { noRatio: true });
    addRow(`${where} — slow readers: backlog delivered on the same connection after resuming, messages`,
      cells(label, (r) => r.slow_backlog_after_resume, { digits: 0 }), { noRatio: true });
    addRow(`${where} — slow readers: messages recovered by reconnecting and resuming after their last seq`,
      cells(label, (r) => r.slow_recovered_by_resume, { digits: 0 }), { noRatio: true });
    addRow(`${where} — slow readers: messages lost in the end (0 expected)`, cells(label, (r) => r.slow_lost, { digits: 0 }), { noRatio: true });
  } else if (any.scenario === 'persist' && !persistDone) {
    persistDone = true;
    // Ours (and ours-before) stored and in memory from this scenario; the peers (memory only) from
    // scenario 2's room of 100, the same workload, unless they were run here.
    const stored = (t) => runsOf('persist-stored-100', t);
    const memory = (t) => runsOf('persist-memory-100', t);
    const peerLabel = ['socketio', 'grpcjs'].some((t) => runsOf('persist-memory-100', t).length > 0) ? 'persist-memory-100' : 'fanout-100';
    const peerSource = peerLabel === 'fanout-100' ? 'peers: in memory, from the fan-out room of 100 above' : 'peers: in memory';
    const ref = OURS_LIKE.flatMap((t) => [...stored(t), ...memory(t)]).find((r) => !failureNote(r)) || any;
    const search = ref.mode === 'search';
    const where = search
      ? `persistence, room of 100, rate raised to p99 ≤ ${ref.objective_ms} ms and no loss`
      : `persistence, room of 100, ${ref.result ? ref.result.rate : '?'} msg/s for ${ref.seconds} s`;
    const val = (f) => (run) => (run.result && (!search || run.result.pass) ? f(run.result) : null);
    const why = (run) => (run.result ? `none passed (at ${run.result.rate} msg/s: ${whyNotPassing(run.result)})` : 'no result');
    const peers = (f, digits) => perTargetCells(['socketio', 'grpcjs'], (t) => cell(runsOf(peerLabel, t), val(f), { digits, note: why }));
    const ours = (list, f, digits) => perTargetCells(OURS_LIKE, (t) => cell(list(t), val(f), { digits, note: why }));
    const storedDps = ours(stored, (r) => r.deliveries_per_s, 0);
    const memoryDps = ours(memory, (r) => r.deliveries_per_s, 0);
    addRow(`${where} — deliveries/s; ours: every message stored (SQLite WAL, group commit); ${peerSource}`,
      { ...storedDps, ...peers((r) => r.deliveries_per_s, 0) });
    addRow(`${where} — deliveries/s; ours: storage off (CHAT_Storage__PersistMessages=false); ${peerSource}`,
      { ...memoryDps, ...peers((r) => r.deliveries_per_s, 0) });
    addRow(`${where} — ours stored ÷ ours with storage off, deliveries/s`, {
      ...perTargetCells(OURS_LIKE, (t) => ({ value: null, text: ratio(storedDps[t].value, memoryDps[t].value) })),
      socketio: { value: null, text: '–' },
      grpcjs: { value: null, text: '–' },
    }, { noRatio: true });
    addRow(`${where} — send → ack latency p99, ms; ours stored; ${peerSource}`,
      { ...ours(stored, (r) => r.ack_p99_ms, 2), ...peers((r) => r.ack_p99_ms, 2) });
    addRow(`${where} — send → ack latency p99, ms; ours with storage off; ${peerSource}`,
      { ...ours(memory, (r) => r.ack_p99_ms, 2), ...peers((r) => r.ack_p99_ms, 2) });
    const storedP99 = ours(stored, (r) => r.p99_ms, 2);
    const memoryP99 = ours(memory, (r) => r.p99_ms, 2);
    addRow(`${where} — delivery latency p99, ms; ours stored / storage off`, {
      ...perTargetCells(OURS_LIKE, (t) => ({ value: null, text: `${storedP99[t].text} / ${memoryP99[t].text}` })),
      ...peers((r) => r.p99_ms, 2),
    }, { noRatio: true });
  } else if (any.scenario === 'reconnect') {
    const where = `reconnect storm, ${fmt(any.sessions, 0)} sessions in rooms of ${any.room_size}, publisher at ${any.rate} msg/s`;
    addRow(`${where} — time until 99% resumed, ms`, cells(label, (r) => r.resumed_p99_ms, { digits: 0, note: (r) => `${r.not_resumed} not resumed` }));
    addRow(`${where} — time until all resumed, ms`, cells(label, (r) => r.resumed_all_ms, { digits: 0, note: (r) => `${r.not_resumed} not resumed` }));
    addRow(`${where} — sessions not resumed`, cells(label, (r) => r.not_resumed, { digits: 0 }), { noRatio: true });
    addRow(`${where} — messages lost (must be 0)`, cells(label, (r) => r.lost, { digits: 0 }), { noRatio: true });
    addRow(`${where} — messages delivered twice`, cells(label, (r) => r.duplicates, { digits: 0 }), { noRatio: true });
    addRow(`${where} — server CPU for the storm, s`, cells(label, (r) => r.server_cpu_s_storm, { digits: 2 }));
    addRow(`${where} — load generator CPU during the storm, % of one core`, cells(label, (r) => r.loadgen_cpu_pct_storm, { digits: 0 }), { noRatio: true });
  }
}

const m = machine();
const out = [];
out.push(`# Benchmark results: ours${BEFORE ? ' (and ours-before, an earlier build)' : ''} vs Socket.io vs grpc-js`);
out.push('');
out.push(`Written by \`bench/run.sh${args.mode === 'quick' ? ' --quick' : ''}\` on ${args.started || new Date().toISOString()}`
  + `${args['elapsed-s'] ? ` in ${args['elapsed-s']} s` : ''}. Mode: **${args.mode}**${args.mode === 'quick' ? ' (tiny sizes: a smoke test of the harness, not a measurement)' : ''}.`);
out.push('');
out.push('## Machine');
out.push('');
out.push(`- CPUs: ${m.nproc} × ${m.model}`);
out.push(`- Memory: ${m.memory}; kernel ${m.kernel}; open files limit ${m.fdLimit}`);
out.push(`- Ours: ChatService ${args.build || `${args.config} build`} on .NET SDK ${m.dotnet}; ${gcMode(args.runtimeconfig)}`);
if (args.before || BEFORE) {
  out.push(`- Ours-before (BENCH_OURS_BEFORE, run exactly like ours, right after it): ChatService.dll from ${args.before || 'unknown'}`
    + `; ${args['before-runtimeconfig'] ? gcMode(args['before-runtimeconfig']) : 'GC mode unknown'}`
    + `${BEFORE ? '' : '; it ran in no scenario of this run (BENCH_TARGETS, BENCH_SCENARIOS)'}`);
}
out.push(`- Peers and load generator: Node ${m.node}, socket.io / socket.io-client 4.8.3, @grpc/grpc-js 1.14.7`);
out.push(`- Load average (1/5/15 min) at the start: ${args['loadavg-start'] || 'unknown'}, at the end: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`
  + ' (anything above what the benchmark itself uses is another program competing for the cores).');
out.push(`- CPU pinning: ${args.pinning || 'none'}; everything runs on 127.0.0.1.`);
out.push(`- Runs: ${args.runs || 1} per scenario and server${args['runs-planned'] && args['runs-planned'] !== args.runs ? ` (${args['runs-planned']} planned; later rounds were skipped for the time budget)` : ''}`
  + `${Number(args.runs) > 1 ? '; each cell is the median, with the min–max of the runs in brackets; ratios are of the medians' : ''}`
  + `${args['runs-note'] ? `; ${args['runs-note']}` : ''}.`);
out.push('');
out.push('## Results');
out.push('');
// Values, then ours ÷ each of the others: ours-before first (when it ran), then the peers.
const others = TARGETS.filter((t) => t !== 'ours');
const ratioName = (t) => (t === 'ours-before' ? 'before' : NAMES[t]);
out.push(`| scenario | ${TARGETS.map((t) => NAMES[t]).join(' | ')} | ${others.map((t) => `ours ÷ ${ratioName(t)}`).join(' | ')} |`);
out.push(`|---|${TARGETS.map(() => '---:').join('|')}|${others.map(() => '---:').join('|')}|`);
for (const row of rows) {
  const at = (t) => row.cells[t] || { value: null, text: 'not run' };
  const ratios = others.map((t) => (row.noRatio ? '–' : ratio(at('ours').value, at(t).value)));
  out.push(`| ${row.name} | ${TARGETS.map((t) => at(t).text).join(' | ')} | ${ratios.join(' | ')} |`);
}
out.push('');
// Anything that did not go to plan, so a reader need not dig through results.jsonl.
const anomalies = [];
for (const run of runs) {
  const who = `${run.target} ${run.label || run.scenario}${Number(args.runs) > 1 ? ` run ${run.run}` : ''}`;
  if (run.skipped) anomalies.push(`${who}: skipped, ${run.skipped}`);
  else if (run.error) anomalies.push(`${who}: ${run.error}`);
  if (run.scenario === 'idle' && !run.error && !run.skipped && !run.ok) {
    anomalies.push(`${who}: ${run.failures} sessions failed to open or join (first: ${run.first_failure}), ${run.sessions - run.alive} not alive after settling`);
  }
  const expected = run.scenario === 'slow' ? ' (in the slow-consumer scenario: a slow reader cut off is by design for ours)' : '';
  for (const c of run.closed || []) anomalies.push(`${who}: ${c.count} sessions closed by the server or the network${expected}: ${c.reason}`);
  if (run.scenario === 'reconnect' && !run.error && !run.skipped && !run.ok) {
    anomalies.push(`${who}: ${run.not_resumed} sessions not resumed (first failure: ${run.first_failure}), ${run.lost} messages lost `
      + `in ${run.receivers_with_loss} receivers; resume answers ${JSON.stringify(run.resume_results)}`);
  }
  if (run.scenario === 'slow' && !run.error && !run.ok) {
    anomalies.push(`${who}: healthy readers lost ${run.healthy_lost} messages, ${run.healthy_closed} of them were closed, ${run.send_errors} send errors (first: ${run.first_send_error})`);
  }
  if (run.scenario === 'reconnect' && run.fresh_rejoins > 0) {
    anomalies.push(`${who}: ${run.fresh_rejoins} sessions had seen no message before the drop and rejoined fresh (no seq to resume from)`);
  }
  for (const [i, st] of (run.steps || []).entries()) {
    const slow = st.slow_windows || [];
    // A search ends on a failing step by design; those are listed when they are the result, or for a fixed rate.
    if (slow.length > 0 || (!st.pass && (run.mode !== 'search' || st === run.result))) {
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
const charts = [['latency-cdf.png', 'Latency CDF, scenario 3'], ['deliveries-vs-room-size.png', 'Deliveries/s vs room size, scenario 2']]
  .filter(([f]) => args['charts-dir'] && fs.existsSync(`${args['charts-dir']}/${f}`));
out.push('## Charts');
out.push('');
if (charts.length === 0) out.push(`None in this run${args['charts-note'] ? `: ${args['charts-note']}` : ''}.`);
for (const [f, title] of charts) out.push(`![${title}](charts/${f})`);
if (charts.length > 0 && args['charts-note']) out.push(`\n(${args['charts-note']})`);
out.push('');
out.push('## How to read it');
out.push('');
out.push(args.client === 'library'
  ? '- Every session is its own TCP connection. Ours and grpc-js are driven by the same grpc-js client code'
    + ' (Register, CreateRoom, Connect with a bearer token, join, send with client_msg_id); Socket.io by socket.io-client'
    + ' (websocket transport, no compression) with join / message / acks.'
  : '- Every session is its own TCP connection. Ours and grpc-js are driven by the same code (Register and CreateRoom'
    + ' through @grpc/grpc-js; the Connect stream spoken directly on node:http2: join, send with client_msg_id, and'
    + ' a chat message read with a few varint steps); Socket.io by Socket.IO packets on a raw WebSocket (no compression)'
    + ' with join / message / acks. Both wire clients do less work per received message than @grpc/grpc-js or'
    + ' socket.io-client (BENCH_CLIENT=library runs those), so the load generator limits the servers later.');
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
if (BEFORE) {
  out.push('- ours-before is a second build of ours (BENCH_OURS_BEFORE), run exactly like ours (same settings, sizes and a fresh'
    + ' server the same way; in scenario 5 stored and storage off), right after ours in every scenario. "ours ÷ before" reads like the'
    + ' peer ratios: below 1× for latency, CPU and memory, above 1× for deliveries/s and rate, means the current build does better.'
    + `${args.mode === 'quick' ? ' In quick mode the difference is mostly noise.' : ''}`);
}
if (args.config !== 'Release') {
  out.push(`- **Ours ran a ${args.config} build**: its CPU and latency numbers are not representative.`);
}
out.push('- Each scenario but fan-out starts a fresh server, and every measured step follows a warm-up at the same load: ours'
  + ' right after start is still compiling (tiered JIT) and uses several times the CPU it needs a few seconds later,'
  + ' so quick mode\'s 1-2 s warm-ups flatter the peers.');
out.push('- Scenario 3 (latency) offers every server the same load: half of the slowest server\'s fan-out capacity at 100 members'
  + ' from round 1 of the same run (or the fixed rate the row names), so the latency percentiles compare like with like.');
out.push('- Scenario 4 (slow consumers): 5% of a room\'s readers stop reading: the grpc-js client pauses the call, so HTTP/2 flow'
  + ' control closes that stream\'s window (64 KiB) and the server must hold what it still has to send; socket.io-client pauses the'
  + ' TCP socket under its WebSocket, so the kernel\'s socket buffers (several MiB on loopback) fill first, then the server\'s.'
  + ' Ours ends a connection whose bounded outbox (1024 frames) overflows, by design; the harness then does what a client is told to:'
  + ' reconnect and resume the room after the last seq it has. "Lost in the end" counts acked messages a slow reader never got.'
  + ' The RSS growth is the largest server RSS during the pause minus RSS when it began (sampled every 200 ms); the same'
  + ' measure over the baseline, when nobody is paused, shows how much of it the server (its GC heap, its buffers) grows by anyway.');
out.push('- Scenario 5 (persistence) compares ours with itself: every message committed to SQLite before its ack against'
  + ' CHAT_Storage__PersistMessages=false (messages kept in memory, the last 10,000 per room). The peers never store anything;'
  + ' their cells are their in-memory numbers for the same workload, for reference, so only the storage-off row compares like with like.');
out.push('- Scenario 6 (reconnect storm): every session drops at once (the client cancels its stream / disconnects its socket) and'
  + ' reconnects at once (at most a fixed number of connection attempts in flight), then joins its room with the last seq it saw.'
  + ' Ours and the grpc-js peer use JoinRequest.after_seq (the peer replays from an in-memory buffer of 10,000 messages per room);'
  + ' the Socket.io peer does the same in the application (join { room, after_seq }, replay from the same kind of buffer), not'
  + ' with Socket.io\'s connectionStateRecovery (that restores one Socket object\'s session within maxDisconnectionDuration'
  + ' and keeps every packet for every socket). "Resumed" means the session has every message up to the seq its join reported;'
  + ' the time is from the drop. Loss is counted by seq per receiver over the whole run.');
out.push(`- Raw results, one JSON line per run, with every step of each rate search: \`bench/${require('path').basename(args.out, '.md')}.jsonl\`.`);
out.push('');
fs.writeFileSync(args.out, out.join('\n'));
