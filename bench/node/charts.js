#!/usr/bin/env node
'use strict';
// Draws the benchmark charts as SVG (run.sh turns them into PNG with headless Chromium):
//   latency-cdf.svg              scenario 3: share of deliveries within a latency, per server
//   deliveries-vs-room-size.svg  scenario 2: deliveries/s (at the objective, or at the fixed quick
//                                rate) against room size, per server; the median run, min-max bars
// A chart with no data in the results is not written.
//
// Usage: node charts.js --results=FILE.jsonl --out-dir=DIR [--mode=quick|full]

const fs = require('fs');
const path = require('path');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`unexpected argument ${a}`);
  return [m[1], m[2]];
}));

const TARGETS = [
  { id: 'ours', name: 'ours (ChatGrpc)', color: '#1f6fb4', dash: '' },
  { id: 'ours-before', name: 'ours before (BENCH_OURS_BEFORE)', color: '#8a5cc2', dash: '2 3' },
  { id: 'socketio', name: 'Socket.io 4', color: '#d0492c', dash: '8 4' },
  { id: 'grpcjs', name: 'grpc-js', color: '#2b9a48', dash: '3 3' },
];
const W = 900;
const H = 520;
const M = { left: 84, right: 30, top: 84, bottom: 70 };

const runs = fs.readFileSync(args.results, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
  try {
    return [JSON.parse(l)];
  } catch {
    return [];
  }
}).filter((r) => !r.error && !r.skipped);

const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v.length === 0 ? null : v[Math.floor((v.length - 1) / 2)];
}

function compact(v) {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(v < 1 ? 2 : v < 10 ? 1 : 0)}`;
}

/** Frame, title, axes' grid and labels; xTicks / yTicks are [value, label] pairs already mapped by sx / sy. */
function frame({
  title, subtitle, xLabel, yLabel, xTicks, yTicks, sx, sy,
}) {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="26" font-size="18" font-weight="bold" fill="#222">${esc(title)}</text>`);
  if (subtitle) out.push(`<text x="${M.left}" y="46" font-size="12" fill="#555">${esc(subtitle)}</text>`);
  for (const [v, label] of yTicks) {
    const y = sy(v);
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${M.left - 8}" y="${y + 4}" font-size="12" text-anchor="end" fill="#444">${esc(label)}</text>`);
  }
  for (const [v, label] of xTicks) {
    const x = sx(v);
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + ph}" stroke="#eeeeee"/>`);
    out.push(`<text x="${x}" y="${M.top + ph + 18}" font-size="12" text-anchor="middle" fill="#444">${esc(label)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 22}" font-size="13" text-anchor="middle" fill="#222">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(20 ${M.top + ph / 2}) rotate(-90)" font-size="13" text-anchor="middle" fill="#222">${esc(yLabel)}</text>`);
  return out;
}

/** One row under the subtitle, or (vertical) a boxed list in the plot's upper left corner, which a CDF leaves empty. */
function legend(out, entries, vertical = false) {
  if (!vertical) {
    let x = M.left;
    const y = 68;
    for (const e of entries) {
      out.push(`<line x1="${x}" x2="${x + 24}" y1="${y - 4}" y2="${y - 4}" stroke="${e.color}" stroke-width="3" stroke-dasharray="${e.dash}"/>`);
      out.push(`<text x="${x + 30}" y="${y}" font-size="12" fill="#222">${esc(e.label)}</text>`);
      x += 50 + e.label.length * 6.8;
    }
    return;
  }
  const width = 40 + Math.max(...entries.map((e) => e.label.length)) * 6.8;
  const x = M.left + 20;
  let y = M.top + 26;
  out.push(`<rect x="${x - 8}" y="${y - 16}" width="${width + 8}" height="${entries.length * 20 + 6}" fill="#ffffff" stroke="#cccccc"/>`);
  for (const e of entries) {
    out.push(`<line x1="${x}" x2="${x + 24}" y1="${y - 4}" y2="${y - 4}" stroke="${e.color}" stroke-width="3" stroke-dasharray="${e.dash}"/>`);
    out.push(`<text x="${x + 30}" y="${y}" font-size="12" fill="#222">${esc(e.label)}</text>`);
    y += 20;
  }
}

/** The nearest 1-2-5 value at or below (down) or at or above v. */
function nice(v, down) {
  const e = Math.floor(Math.log10(v));
  const steps = [1, 2, 5, 10].map((k) => k * 10 ** e);
  if (down) return [...steps].reverse().find((x) => x <= v * 1.000001) || steps[0];
  return steps.find((x) => x >= v * 0.999999) || steps[3];
}

function logTicks(lo, hi, labeler) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push([v, labeler(v)]);
    }
  }
  return ticks;
}

// ---------------------------------------------------------------------------------------------
// latency CDF (scenario 3)

function latencyCdf() {
  const lat = runs.filter((r) => r.scenario === 'latency' && r.result && Array.isArray(r.cdf) && r.cdf.length > 0);
  if (lat.length === 0) return null;
  // The run with the median p99 stands for its server.
  const series = [];
  for (const t of TARGETS) {
    const mine = lat.filter((r) => r.target === t.id).sort((a, b) => a.result.p99_ms - b.result.p99_ms);
    if (mine.length === 0) continue;
    const run = mine[Math.floor((mine.length - 1) / 2)];
    series.push({ t, run, points: run.cdf });
  }
  const all = series.flatMap((s) => s.points.map((p) => p[0])).filter((v) => v > 0);
  const lo = nice(Math.max(0.01, Math.min(...all)), true);
  const hi = nice(Math.max(...all) * 1.1, false);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  // y: the share of deliveries at or under x, on a scale that spreads the tail (-log10 of the rest),
  // so p50, p90, p99 and p99.9 are evenly spaced.
  const TAIL = 4; // down to 1 in 10,000
  const ty = (q) => Math.min(TAIL, -Math.log10(Math.max(1e-12, 1 - q)));
  const sx = (v) => M.left + ((Math.log10(Math.max(lo, v)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * pw;
  const sy = (q) => M.top + ph - (ty(q) / TAIL) * ph;
  const first = series[0].run;
  const out = frame({
    title: 'Delivery latency CDF at equal offered load (scenario 3)',
    subtitle: `room of ${first.members}, ${first.result.rate} msg/s (${first.result.rate * first.members} deliveries/s) for ${first.seconds} s; `
      + `${first.rate_note || ''}${lat.length > series.length ? '; the run with the median p99 of each server' : ''}`,
    xLabel: 'send → receive latency, ms (log scale)',
    yLabel: 'share of deliveries at or under x',
    xTicks: logTicks(lo, hi, (v) => compact(v)),
    yTicks: [[0.5, '50%'], [0.9, '90%'], [0.99, '99%'], [0.999, '99.9%'], [0.9999, '99.99%']],
    sx,
    sy,
  });
  for (const s of series) {
    // A step line: the share stays flat until the next bucket.
    let d = '';
    let prevQ = 0;
    for (const [ms, q] of s.points) {
      const x = sx(ms).toFixed(1);
      d += d ? ` L${x},${sy(prevQ).toFixed(1)} L${x},${sy(q).toFixed(1)}` : `M${x},${sy(0).toFixed(1)} L${x},${sy(q).toFixed(1)}`;
      prevQ = q;
    }
    out.push(`<path d="${d}" fill="none" stroke="${s.t.color}" stroke-width="2.2" stroke-dasharray="${s.t.dash}"/>`);
  }
  legend(out, series.map((s) => ({
    label: `${s.t.name}: p50 ${s.run.result.p50_ms}, p99 ${s.run.result.p99_ms}, p99.9 ${s.run.result.p999_ms} ms`, color: s.t.color, dash: s.t.dash,
  })), true);
  out.push('</svg>');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// deliveries/s vs room size (scenario 2)

function deliveriesVsRoomSize() {
  const fan = runs.filter((r) => r.scenario === 'fanout' && r.result);
  if (fan.length === 0) return null;
  const search = fan.some((r) => r.mode === 'search');
  const value = (r) => (r.mode === 'search' && !r.result.pass ? null : r.result.deliveries_per_s);
  const sizes = [...new Set(fan.map((r) => r.members))].sort((a, b) => a - b);
  const series = [];
  for (const t of TARGETS) {
    const points = [];
    for (const m of sizes) {
      const vals = fan.filter((r) => r.target === t.id && r.members === m).map(value).filter((v) => Number.isFinite(v) && v > 0);
      if (vals.length > 0) points.push({ m, med: median(vals), lo: Math.min(...vals), hi: Math.max(...vals) });
    }
    if (points.length > 0) series.push({ t, points });
  }
  if (series.length === 0) return null;
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p.lo, p.hi]));
  const ylo = nice(Math.min(...ys) * 0.8, true);
  const yhi = nice(Math.max(...ys) * 1.25, false);
  const xlo = sizes[0] / 2;
  const xhi = sizes[sizes.length - 1] * 2;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const lx = (v) => Math.log10(v);
  const sx = (v) => M.left + ((lx(v) - lx(xlo)) / (lx(xhi) - lx(xlo))) * pw;
  const sy = (v) => M.top + ph - ((lx(v) - lx(ylo)) / (lx(yhi) - lx(ylo))) * ph;
  const runsPer = Math.max(...TARGETS.map((t) => fan.filter((r) => r.target === t.id && r.members === sizes[0]).length));
  const fixedRate = !search && fan[0].result ? fan[0].result.rate : null;
  const out = frame({
    title: 'Room fan-out: deliveries/s against room size (scenario 2)',
    subtitle: search
      ? `at the objective (p99 ≤ ${fan[0].objective_ms} ms, no loss), one sender; median of ${runsPer} run(s), bars min-max; log scales`
      : `at a fixed ${fixedRate} msg/s (quick mode: the offered load, not a capacity); log scales`,
    xLabel: 'room members (log scale)',
    yLabel: 'deliveries/s (log scale)',
    xTicks: sizes.map((m) => [m, String(m)]),
    yTicks: logTicks(ylo, yhi, compact),
    sx,
    sy,
  });
  // Servers side by side at each size, so equal values do not hide one another.
  series.forEach((s, k) => {
    const off = (k - (series.length - 1) / 2) * 9;
    const pts = s.points.map((p) => [sx(p.m) + off, sy(p.med)]);
    out.push(`<polyline points="${pts.map((p) => p.map((v) => v.toFixed(1)).join(',')).join(' ')}" fill="none" stroke="${s.t.color}" stroke-width="2.2" stroke-dasharray="${s.t.dash}"/>`);
    for (const [i, p] of s.points.entries()) {
      const [x, y] = pts[i];
      if (p.hi > p.lo) {
        out.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${sy(p.lo).toFixed(1)}" y2="${sy(p.hi).toFixed(1)}" stroke="${s.t.color}" stroke-width="1.5"/>`);
      }
      out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4.5" fill="${s.t.color}"/>`);
      // Values stacked beside the cluster of points at this size, one line per server.
      const lx0 = sx(p.m) + ((series.length - 1) / 2) * 9 + 10;
      out.push(`<text x="${lx0.toFixed(1)}" y="${(sy(p.med) + 4 + (k - (series.length - 1) / 2) * 13).toFixed(1)}" font-size="11" fill="${s.t.color}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${compact(p.med)}</text>`);
    }
  });
  legend(out, series.map((s) => ({ label: s.t.name, color: s.t.color, dash: s.t.dash })));
  out.push('</svg>');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

fs.mkdirSync(args['out-dir'], { recursive: true });
const written = [];
for (const [name, draw] of [['latency-cdf', latencyCdf], ['deliveries-vs-room-size', deliveriesVsRoomSize]]) {
  const svg = draw();
  if (!svg) {
    console.error(`charts: no data for ${name}; not drawn`);
    continue;
  }
  fs.writeFileSync(path.join(args['out-dir'], `${name}.svg`), svg);
  written.push(name);
}
console.error(`charts: drew ${written.join(', ') || 'nothing'}`);
