// `make bench`'s compact view of the micro-benchmarks (bench/micro, Google Benchmark): where the
// CPU time of a row goes, stage by stage, in a few lines that a before/after can be read from.
// Reads the JSON that aesync_micro writes with --benchmark_out=FILE --benchmark_out_format=json
// and prints one line per benchmark family and codec:
//   stage       the bench/micro file that defines the family (stage1_json_reader, ...: found by
//               its name in bench/micro/*.cpp, so a new file or family shows up on its own);
//   benchmark   the family (BM_JsonReader) with its codec and its arguments (rows:65536,
//               chunk:16384: alternatives, each its own line; min_time left out); instances that
//               differ only in a column or page name (BM_DictionaryInsert/machine_id, /org_id...)
//               are parts of one stage and are added up into one line;
//   instances   how many benchmark instances the line adds up;
//   CPU ms      the sum of their CPU time per iteration (for a family per column, e.g.
//               BM_DictionaryInsert: one 65,536-row batch of every column);
//   items/s     the instances' items over their CPU time; when every instance counts the same
//               items per iteration (the same rows, one instance per column), those items over the
//               summed time: rows/s of the whole stage. What an item is is the family's (rows,
//               values of a page, indices: see the header of its file);
//   MB/s        likewise for the bytes the family counts (JSON bytes for the row stages).
//   before      with --before BEFORE.json (the same benchmarks of an earlier build: `make bench`'s
//               BENCH_MICRO_BEFORE_BIN), that build's CPU ms, and after/before: where the time went
//               before and after a change, family by family (a family only one build has: "-").
//   node scripts/bench-micro-summary.mjs MICRO.json [--before BEFORE.json] --text|--markdown
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const beforeAt = args.indexOf('--before');
const beforeFile = beforeAt >= 0 ? args.splice(beforeAt, 2)[1] : undefined;
const [file, mode = '--text'] = args;
if (!file || !['--text', '--markdown'].includes(mode) || (beforeAt >= 0 && !beforeFile)) {
  console.error('usage: node scripts/bench-micro-summary.mjs MICRO.json [--before BEFORE.json] --text|--markdown');
  process.exit(2);
}
const CODECS = new Set(['none', 'uncompressed', 'snappy', 'gzip', 'zstd', 'lz4', 'lz4_raw', 'brotli']);
const microDir = new URL('../bench/micro/', import.meta.url).pathname;
const sources = readdirSync(microDir)
  .filter((f) => f.endsWith('.cpp'))
  .sort()
  .map((f) => ({ stage: f.replace(/\.cpp$/, ''), text: readFileSync(join(microDir, f), 'utf8') }));
const stageOf = (family) => sources.find((s) => new RegExp(`\\b${family}\\b`).test(s.text))?.stage ?? '?';
// Google Benchmark's times are in each benchmark's time_unit.
const SECONDS = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1 };

// Per family key: instances, summed CPU seconds, items and bytes of one benchmark output.
function summarise(json) {
  const groups = new Map();
  for (const b of json.benchmarks ?? []) {
    if (b.run_type === 'aggregate' || b.error_occurred) continue;
    const parts = b.name.split('/');
    const family = parts[0];
    // Kept in the key: codecs and name:value arguments; left out: column / page names, min_time.
    const kept = parts.slice(1).filter((p) => CODECS.has(p) || (p.includes(':') && !p.startsWith('min_time:') && !p.startsWith('repeats:')));
    const key = [family, ...kept].join('/');
    const cpu = b.cpu_time * SECONDS[b.time_unit ?? 'ns'];
    if (!groups.has(key)) groups.set(key, { key, stage: stageOf(family), n: 0, cpu: 0, items: [], bytes: 0 });
    const g = groups.get(key);
    g.n++;
    g.cpu += cpu;
    g.items.push((b.items_per_second ?? 0) * cpu);
    g.bytes += (b.bytes_per_second ?? 0) * cpu;
  }
  return groups;
}
const groups = summarise(JSON.parse(readFileSync(file, 'utf8')));
const before = beforeFile ? summarise(JSON.parse(readFileSync(beforeFile, 'utf8'))) : undefined;
const msText = (cpu) => (cpu * 1e3).toFixed(cpu < 0.01 ? 3 : 2);

const si = (x) => (x >= 1e9 ? `${(x / 1e9).toFixed(2)}G` : x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0));
const rows = [...groups.values()].map((g) => {
  const sameItems = g.items.every((i) => Math.abs(i - g.items[0]) <= 0.01 * g.items[0]);
  const items = g.n > 1 && sameItems ? g.items[0] : g.items.reduce((a, b) => a + b, 0);
  return {
    stage: g.stage,
    benchmark: g.key,
    n: g.n,
    ms: msText(g.cpu),
    beforeMs: before?.has(g.key) ? msText(before.get(g.key).cpu) : '-',
    ratio: before?.has(g.key) ? (g.cpu / before.get(g.key).cpu).toFixed(2) : '-',
    itemsPerS: items > 0 ? si(items / g.cpu) + (g.n > 1 && sameItems ? ' (all together)' : '') : '',
    mbPerS: g.bytes > 0 ? (g.bytes / g.cpu / 1e6).toFixed(0) : '',
  };
});

if (mode === '--markdown') {
  const extra = before ? ' before: CPU ms | after / before |' : '';
  console.log(`| micro-benchmarks (\`bench/micro\`), per stage | benchmark | instances | CPU ms per iteration |${extra} items/s | MB/s |`);
  console.log(`|---|---|---:|---:|${before ? '---:|---:|' : ''}---:|---:|`);
  for (const r of rows) console.log(`| ${r.stage} | ${r.benchmark} | ${r.n} | ${r.ms} |${before ? ` ${r.beforeMs} | ${r.ratio} |` : ''} ${r.itemsPerS} | ${r.mbPerS} |`);
  console.log();
  console.log('Google Benchmark on one core (`bench/results/micro.txt` has every instance); instances over columns or pages ' +
    'added up (`scripts/bench-micro-summary.mjs`): "all together" = the items of one instance (the same rows for ' +
    'every column) over their summed CPU time, i.e. the stage\'s rows/s for all columns.' +
    (before ? ' "before": the same benchmarks of the build named by BENCH_MICRO_BEFORE_BIN, run right before them.' : ''));
} else {
  const extra = before ? ` ${'before'.padStart(9)} ${'a/b'.padStart(5)}` : '';
  console.log(`${'stage'.padEnd(22)} ${'benchmark'.padEnd(40)} ${'inst'.padStart(4)} ${'CPU ms'.padStart(9)}${extra} ${'items/s'.padStart(22)} ${'MB/s'.padStart(6)}`);
  for (const r of rows) {
    const cols = before ? ` ${r.beforeMs.padStart(9)} ${r.ratio.padStart(5)}` : '';
    console.log(`${r.stage.padEnd(22)} ${r.benchmark.padEnd(40)} ${String(r.n).padStart(4)} ${r.ms.padStart(9)}${cols} ${r.itemsPerS.padStart(22)} ${r.mbPerS.padStart(6)}`);
  }
}
