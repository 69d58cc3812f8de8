// Writes an AE-shaped JSONEachRow dump of the machine_metrics dataset, as the AE SQL API
// returns it (keys in alphabetical order, timestamps "YYYY-MM-DD hh:mm:ss" UTC, rows in
// timestamp order), seeded so the output is reproducible.
//   node scripts/gen-ae-sample.mjs --rows 3000 --start 2026-02-03 --days 3 --seed 7 > sample.jsonl
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? acc.concat([[a.slice(2), all[i + 1]]]) : acc), []));
const rows = Number(args.rows ?? 3000);
const days = Number(args.days ?? 3);
const start = Date.parse((args.start ?? '2026-02-03') + 'T00:00:00Z');
let seed = Number(args.seed ?? 7) >>> 0;
const rand = () => { // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const machines = Array.from({ length: 40 }, (_, i) => ({
  id: 'm_' + (0x4f2a00 + i * 7919).toString(16),
  org: 'org_' + (i % 9),
  project: 'proj_' + (i % 13),
  type: pick(['shared-cpu-1x', 'performance-2x', 'performance-4x']),
}));
const processes = ['node', 'python3', 'postgres', 'nginx', 'bun'];
const pad = (n) => String(n).padStart(2, '0');
const fmt = (ms) => { const d = new Date(ms); return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`; };
const round = (x) => Math.round(x * 100) / 100;
const times = Array.from({ length: rows }, () => start + Math.floor(rand() * days * 86400) * 1000).sort((a, b) => a - b);
let out = [];
for (const ts of times) {
  const m = pick(machines);
  const kind = rand() < 0.7 ? 'resource' : rand() < 0.6 ? 'process' : 'startup';
  let d = [0, 0, 0, 0], blob5 = '';
  if (kind === 'resource') d = [round(rand() * 100), round(rand() * 100), round(rand() * 4096), round(rand() * 50)];
  else if (kind === 'process') { blob5 = pick(processes); d = [round(rand() * 100), round(rand() * 512), Math.floor(rand() * 64), 0]; }
  else d = [Math.floor(5000 + rand() * 80000), Math.floor(rand() * 3000), 0, 0];
  const row = { _sample_interval: rand() < 0.9 ? 1 : 10, blob1: m.org, blob2: m.project, blob3: m.type, blob4: kind, blob5,
    dataset: 'machine_metrics', double1: d[0], double2: d[1], double3: d[2], double4: d[3], index1: m.id, timestamp: fmt(ts) };
  out.push(JSON.stringify(row));
  if (out.length === 10000) { process.stdout.write(out.join('\n') + '\n'); out = []; }
}
if (out.length) process.stdout.write(out.join('\n') + '\n');
