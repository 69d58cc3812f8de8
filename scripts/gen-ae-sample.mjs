// Writes an AE-shaped JSONEachRow dump of the machine_metrics dataset to stdout, as the AE SQL
// API returns it: keys in alphabetical order, timestamps "YYYY-MM-DD hh:mm:ss" UTC, rows in
// timestamp order. The rows are the e2e tests' (tests/e2e/lib/ae_rows.mjs: resource, process
// and startup metrics of a fleet), seeded so a dump is reproducible, and streamed: 20M rows
// never sit in memory, so `make bench` can pipe them straight into `aesync convert --input -`.
//   node scripts/gen-ae-sample.mjs --rows 2000000 --start 2026-02-03 --days 1 --seed 11 \
//     [--machines 5000] [--orgs 200] [--long-process-names [COUNT]] > dump.jsonl
// --long-process-names: process rows carry whole command lines (40..200 bytes, COUNT distinct,
// default 400; ae_rows.mjs longProcessNames()) instead of the 13 short names; without it the
// dump is byte for byte what it always was.
import { aeLine } from '../tests/e2e/lib/ae.mjs';
import { longProcessNames, makeFleet, streamMachineMetrics } from '../tests/e2e/lib/ae_rows.mjs';
import { Rng } from '../tests/e2e/lib/prng.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? acc.concat([[a.slice(2), all[i + 1]]]) : acc), []));
const rows = Number(args.rows ?? 3000);
const days = Number(args.days ?? 1);
const seed = Number(args.seed ?? 7);
const rng = new Rng(seed);
const fleet = makeFleet(rng, { machines: Number(args.machines ?? 5000), orgs: Number(args.orgs ?? 200) });
// A flag that may stand alone (the next argument is another flag or absent) or carry a count.
const longNames = 'long-process-names' in args;
const longCount = longNames && args['long-process-names'] !== undefined && !args['long-process-names'].startsWith('--') ? Number(args['long-process-names']) : 400;
const processNames = longNames ? longProcessNames(seed, longCount) : null;

// Lines are gathered into ~1 MiB chunks, and the next chunk waits for the pipe to drain, so a
// slow reader holds the generator back instead of the generator buffering the whole dump.
let chunk = [];
let size = 0;
for (const row of streamMachineMetrics(rng, { startDay: args.start ?? '2026-02-03', days, rowsPerDay: rows / days, fleet, processNames })) {
  const line = aeLine(row);
  chunk.push(line);
  size += line.length + 1;
  if (size >= 1 << 20) {
    if (!process.stdout.write(chunk.join('\n') + '\n')) await new Promise((resolve) => process.stdout.once('drain', resolve));
    chunk = [];
    size = 0;
  }
}
if (chunk.length) process.stdout.write(chunk.join('\n') + '\n');
