'use strict';
// Turns bench/soak.sh's results (the JSON line of soak.js and the heap snapshots) into soak-results.md.
//   node soak-report.js soak-results.jsonl soak-heaps.jsonl > soak-results.md
const fs = require('fs');
const r = JSON.parse(fs.readFileSync(process.argv[2], 'utf8').trim());
const heaps = fs.readFileSync(process.argv[3], 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const s = r.samples;
const near = (t) => s.reduce((best, x) => (Math.abs(x.t - t) < Math.abs(best.t - t) ? x : best));
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
const span = (from, to, key) => median(s.filter((x) => x.t >= from && x.t <= to).map((x) => x[key]));
const end = s[s.length - 1].t;
const early = [180, 480]; // minutes 3-8: after warm-up
const late = [end - 300, end];
const out = ['# Soak (bench/soak.sh)', ''];
out.push(`One run, ${new Date().toISOString().slice(0, 10)}, ${r.minutes} minutes: ${r.receivers} receivers (two rooms each), ${r.senders} senders and ${r.stalled} stalled readers (half the rooms each, 150 s of every 180 s not reading) in ${r.rooms} rooms; ${r.rate} messages/s; ${r.churn} connections a second dropped (TCP reset or cancel) and back 0-2 s later, resuming after their last seq or resending unacked sends with the same client_msg_id.`, '');
out.push('| minute | server RSS, MiB | threads | open handles | server CPU, % | sends acked | deliveries | ack p99, ms | delivery p50 / p99, ms |');
out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (let m = 1; m * 60 <= end + 5; m += m < 5 ? 1 : 5) {
  const x = near(m * 60);
  out.push(`| ${m} | ${x.rssMiB} | ${x.threads} | ${x.handles} | ${x.cpuPct} | ${x.acked} | ${x.delivered} | ${x.ackP99 ?? '-'} | ${x.deliveryP50 ?? '-'} / ${x.deliveryP99 ?? '-'} |`);
}
out.push('', '| over the run | minutes 3-8 (median) | last 5 minutes (median) | last ÷ early | max |', '|---|---:|---:|---:|---:|');
for (const [key, name] of [['rssMiB', 'server RSS, MiB'], ['threads', 'threads'], ['handles', 'open handles'], ['cpuPct', 'server CPU, %'], ['deliveryP99', 'delivery p99, ms']]) {
  const a = span(early[0], early[1], key);
  const b = span(late[0], late[1], key);
  out.push(`| ${name} | ${a} | ${b} | ${(b / a).toFixed(2)}× | ${Math.max(...s.map((x) => x[key] ?? 0))} |`);
}
if (heaps.length > 0) {
  out.push('', '| dotnet-gcdump at minute | live managed heap, MiB | RSS before the dump, MiB | RSS after its full GC, MiB |', '|---:|---:|---:|---:|');
  for (const h of heaps) out.push(`| ${h.minute} | ${h.liveHeapMiB} | ${h.rssBeforeMiB} | ${h.rssAfterMiB} |`);
  out.push('', 'Each dump forces a full collection and pauses the server for one to two seconds; latency maxima near those minutes include it.');
}
const c = r.counts;
const v = r.verdict;
out.push('', `Traffic: ${c.sent} messages sent, ${c.acked} acked, ${c.delivered} deliveries; ${c.drops} connections dropped by the clients, ${c.cutByServer} stalled readers cut off by the server, ${c.reconnects} reconnects; ${c.resent} resends after drops, ${c.retriedOnPurpose} deliberate retries of acked sends.`);
out.push('', `Stream ends the clients did not cause (gRPC status or reset code: count): ${JSON.stringify(c.ends)}. Per-frame errors: ${JSON.stringify(c.errors)}.`);
out.push('', `Verdict: ${v.ok ? 'pass' : 'FAIL'}: lost ${v.lost}, seen twice ${v.duplicates}, stored twice ${v.storedTwice}, seq holes ${v.seqHoles}, sends never acked ${v.unacked}, wrong text ${v.wrongText}, retries not answered with the stored seq ${v.retryMismatch}, resumes not complete ${v.resumesIncomplete}, members behind at the end ${v.laggingAtEnd}.`);
process.stdout.write(out.join('\n') + '\n');
