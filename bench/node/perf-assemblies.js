'use strict';
// Sums a `perf report --sort symbol -g none` listing by where the code lives: the .NET assembly a
// managed frame names in brackets, else kernel or native. Used by bench/profile.sh.
//   node perf-assemblies.js REPORT_FILE
const fs = require('fs');
const totals = new Map();
for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n')) {
  const m = /^\s+([\d.]+)%\s+\[(.)\]\s+(.*)$/.exec(line);
  if (!m) continue;
  const share = Number(m[1]);
  let where;
  if (m[2] === 'k') where = 'kernel';
  else {
    const assembly = /\[([A-Za-z][\w.]*)\]\s/.exec(m[3]);
    where = assembly ? assembly[1] : /^0x/.test(m[3]) ? 'native, unresolved (mostly the runtime)' : `native: ${m[3].split(/[\s@(]/)[0]}`;
    if (where.startsWith('native: sqlite3') || where.startsWith('native: vdbe') || where.startsWith('native: btree')) where = 'native: SQLite';
  }
  totals.set(where, (totals.get(where) || 0) + share);
}
const rows = [...totals].sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 0.5);
for (const [where, share] of rows) console.log(`${share.toFixed(2).padStart(7)}%  ${where}`);
