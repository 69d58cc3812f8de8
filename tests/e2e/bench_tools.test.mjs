// The tools behind `make bench` (scripts/bench.sh), on small inputs: the generator's second day
// (--long-process-names) and its unchanged default, PostHog's side (bench/rivals/chdb_queries.mjs:
// the same answers from aesync's and DuckDB's files, or a failure), the second day's replayed sync
// (bench/e2e/sync_day.mjs --replayed-only), the Targets table of the bench itself on a tiny run,
// the micro-benchmarks' summary (scripts/bench-micro-summary.mjs) and the README's regeneration
// between markers (scripts/readme-bench.sh). Timings are not asserted: only what the tools
// compute and write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AESYNC_BIN, runAesyncOk, scratchDir } from './lib/aesync.mjs';
import { longProcessNames } from './lib/ae_rows.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const scratch = scratchDir('bench-tools');

// Runs a command of the repository; returns { code, stdout, stderr } (text).
function run(cmd, args, { env = {}, timeoutMs = 300_000 } = {}) {
  const res = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: timeoutMs });
  if (res.error) throw res.error;
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
const gen = (...args) => {
  const res = run('node', ['scripts/gen-ae-sample.mjs', ...args]);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout;
};
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

test('gen-ae-sample.mjs without --long-process-names writes the dumps it wrote before the option existed', () => {
  // The hashes of the generator at d956103 (before the option): the e2e tests and the demo rely on them.
  assert.equal(sha256(gen('--rows', '3000', '--seed', '11')), '92346acbc24f9d28f2fbedd360807bc9772a0c58d00c3488f0c03f50a0d1b80a');
  assert.equal(sha256(gen('--rows', '3000', '--seed', '11', '--machines', '50000', '--orgs', '5000')),
    '76873286a61dfb9273f3be231e983105307ea1de944f3fc287037ecec8543ef0');
});

test('--long-process-names: the same rows, with whole command lines of 40..200 bytes as process names', () => {
  const names = longProcessNames(11);
  assert.equal(names.length, 400);
  assert.equal(new Set(names).size, 400);
  for (const n of names) assert.ok(Buffer.byteLength(n) >= 40 && Buffer.byteLength(n) <= 200, `${Buffer.byteLength(n)} bytes: ${n}`);
  assert.deepEqual(longProcessNames(11), names, 'reproducible from the seed');
  assert.deepEqual(names.slice(0, 2), [
    'nginx: master process /usr/sbin/nginx -g "daemon off;" -c /etc/nginx/sites/checkout-37.conf',
    'node --max-old-space-size=1024 /srv/auth/dist/server.js --port=3094 --cluster',
  ]);

  const day2 = ['--rows', '10000', '--seed', '11', '--machines', '50000', '--orgs', '5000'];
  const short = gen(...day2).trim().split('\n').map((l) => JSON.parse(l));
  const long = gen(...day2, '--long-process-names').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(long.length, short.length);
  let replaced = 0;
  const seen = new Set();
  for (let i = 0; i < long.length; i++) {
    const { blob5: a, ...restLong } = long[i];
    const { blob5: b, ...restShort } = short[i];
    assert.deepEqual(restLong, restShort, `row ${i}: only the process name differs`);
    // Empty stays empty (the same draw decides it); a short name becomes one of the long ones.
    assert.equal(a === '', b === '', `row ${i}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    if (a !== '') {
      assert.ok(names.includes(a), a);
      seen.add(a);
      replaced++;
    }
  }
  assert.equal(replaced, 1925);
  assert.equal(seen.size, 386);
});

test('chdb_queries.mjs: the same answers from aesync\'s and DuckDB\'s files of a day, a failure for files of different rows', { timeout: 300_000 }, () => {
  const dump = join(scratch, 'day.jsonl');
  writeFileSync(dump, gen('--rows', '20000', '--seed', '11', '--machines', '500', '--orgs', '20'));
  const other = join(scratch, 'other.jsonl');
  writeFileSync(other, gen('--rows', '20000', '--seed', '12', '--machines', '500', '--orgs', '20'));
  const a = join(scratch, 'aesync.parquet');
  const d = join(scratch, 'duckdb.parquet');
  const o = join(scratch, 'other-duckdb.parquet');
  runAesyncOk(['convert', '--input', dump, '--output', a], { cwd: scratch });
  for (const [input, out] of [[dump, d], [other, o]]) {
    const res = run('node', ['bench/rivals/duckdb_convert.mjs', input, out]);
    assert.equal(res.code, 0, res.stderr);
  }

  const args = ['bench/rivals/chdb_queries.mjs', '--aesync', a, '--runs', '3', '--seed', '11', '--machines', '500', '--orgs', '20'];
  const ok = run('node', [...args, '--duckdb', d]);
  assert.equal(ok.code, 0, ok.stderr);
  const j = JSON.parse(ok.stdout);
  assert.equal(j.same_answers, true);
  assert.equal(j.runs, 3);
  assert.deepEqual(Object.keys(j.queries), ['startup', 'unhealthy', 'scan']);
  for (const q of Object.values(j.queries)) {
    assert.equal(q.each.aesync.length, 3);
    assert.equal(q.each.duckdb.length, 3);
    assert.ok(q.aesync > 0 && q.duckdb > 0);
    assert.equal(q.ratio, q.aesync / q.duckdb);
  }
  const rows = readFileSync(dump, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(j.answers.scan.rows, String(rows.length));
  assert.equal(j.answers.scan.machines, String(new Set(rows.map((r) => r.index1)).size));
  assert.equal(j.answers.scan.sum_sample_interval, String(rows.reduce((s, r) => s + r._sample_interval, 0)));
  assert.equal(j.answers.unhealthy_orgs, 20);
  assert.ok(j.answers.startup.length >= 1 && j.answers.startup[0].users > 0, JSON.stringify(j.answers.startup));

  const bad = run('node', [...args, '--duckdb', o]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^chdb_queries: the two files give different answers:\n {2}startup: /);
  assert.equal(bad.stdout, '');
});

test('sync_day.mjs --replayed-only on the second day: the generator\'s rows, synced from replayed AE answers only', { timeout: 300_000 }, () => {
  const day2 = ['--machines', '50000', '--orgs', '5000'];
  const res = run('node', ['bench/e2e/sync_day.mjs', '--bin', AESYNC_BIN, '--rows', '3000', '--runs', '2', ...day2,
    '--long-process-names', 'true', '--replayed-only', 'true']);
  assert.equal(res.code, 0, res.stderr.slice(-3000));
  const j = JSON.parse(res.stdout);
  const lines = gen('--rows', '3000', '--seed', '11', ...day2, '--long-process-names').trim().split('\n');
  assert.equal(j.rows, lines.length, 'the day of gen-ae-sample.mjs with the same options');
  assert.equal(j.rows, 3118);
  assert.deepEqual([j.machines, j.orgs, j.long_process_names, j.median, j.five_tables, j.source], [50000, 5000, true, null, null, null]);
  assert.equal(j.each.live.length, 0);
  assert.equal(j.each.replayed.length, 2);
  for (const r of j.each.replayed) {
    assert.equal(r.gateway_requests, 0, 'replayed: nothing reached the gateway');
    assert.ok(r.out_bytes > 0 && r.rows_per_s > 0);
  }
  assert.match(res.stderr, /^e2e: 3118 rows of 2026-02-03 loaded into ClickHouse .*\ne2e: recording run 1: .*\ne2e: replayed run 1: .*\ne2e: replayed run 2: /);
});

test('bench.sh on a tiny run: the Targets table first, a line per target with both days, and the skipped ones said', { timeout: 600_000 }, () => {
  const results = join(scratch, 'results');
  const res = run('scripts/bench.sh', [AESYNC_BIN], {
    env: {
      BENCH_ROWS: '4000', BENCH_RUNS: '1', BENCH_QUERY_RUNS: '1', BENCH_PARQUETJS_ROWS: '500', BENCH_RESULTS: results,
      BENCH_SKIP_SCALE: '1', BENCH_SKIP_E2E: '1', BENCH_SKIP_BACKFILL: '1', BENCH_SKIP_README: '1', BENCH_MICRO_BIN: '',
    },
    timeoutMs: 600_000,
  });
  assert.equal(res.code, 0, res.stdout.slice(-3000) + res.stderr.slice(-3000));
  const md = readFileSync(join(results, 'make-bench.md'), 'utf8').split('\n');
  const start = md.indexOf('| target (issue 15) | threshold | day 1 | day 2 | met |');
  assert.ok(start > 0 && start < 10, 'the Targets table comes first');
  const targets = md.slice(start + 2, start + 10).map((l) => l.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '')));
  assert.deepEqual(targets.map((t) => [t[0].replace(/; \d+ threads\)$/, '; N threads)'), t[1]]), [
    ['`aesync convert` rows/s / DuckDB\'s (zstd level 3, its default; N threads)', '≥ 3.0x'],
    ['output bytes / DuckDB\'s (zstd level 3)', '≤ 0.85x'],
    ['peak RSS of `aesync convert`, one day', '≤ 64 MiB'],
    ['peak RSS of `aesync convert --input -` at 20,000,000 rows (a pipe)', '≤ 64 MiB'],
    ['chdb, example query 1 (startup speed vs retention): time over aesync\'s file / DuckDB\'s', '≤ 1.0x'],
    ['chdb, example query 2 (orgs with the most unhealthy samples): time / DuckDB\'s file\'s', '≤ 1.0x'],
    ['chdb, full scan (sum of every numeric column, count(DISTINCT machine_id)): time / DuckDB\'s file\'s', '≤ 1.0x'],
    ['`aesync sync` from replayed AE answers: rows/s / `convert`\'s of the same day', '≥ 0.8x'],
  ]);
  assert.equal(md[start + 10], '', 'eight targets');
  // Measured targets show a ratio (or MiB) per day and a verdict; skipped ones say so.
  for (const i of [0, 1, 4, 5, 6]) {
    for (const day of [2, 3]) assert.match(targets[i][day], /^\d+\.\d+x \(/, `${targets[i][0]}: ${targets[i][day]}`);
    assert.match(targets[i][4], /^(\*\*yes\*\*|no \(day 1(, day 2)?\)|no \(day 2\))$/);
  }
  assert.match(targets[2][2], /^\d+\.\d MiB \(3,920 rows\)$/);
  assert.match(targets[2][3], /^\d+\.\d MiB \(4,096 rows\)$/);
  assert.deepEqual(targets[3].slice(2), ['not run (BENCH_SKIP_SCALE)', 'not run', 'not measured']);
  assert.deepEqual(targets[7].slice(2), ['not run (BENCH_SKIP_E2E)', 'not run (BENCH_SKIP_E2E)', 'not measured']);
  // The ratio is the two rows/s it names.
  const [, ratio, a, d] = targets[0][2].match(/^(\d+\.\d+)x \(([\d,]+) \/ ([\d,]+) rows\/s\)$/);
  const num = (s) => Number(s.replaceAll(',', ''));
  assert.equal(ratio, (num(a) / num(d)).toFixed(2));
  // make-bench.txt: the same targets first, then the log.
  const txt = readFileSync(join(results, 'make-bench.txt'), 'utf8');
  assert.match(txt, /^== targets of issue 15 \(medians; day 1: 5,000 machines, 200 orgs, short process names; day 2: 50,000 machines, 5,000 orgs, long process names\)\n/);
  assert.ok(txt.indexOf('\n== make bench (') > txt.indexOf('met: '), 'the targets come before the log');
});

test('bench-micro-summary.mjs: one line per family and codec, columns and pages added up, arguments kept apart', () => {
  const ms = (name, cpu, items, unit, extra = {}) => ({ name, run_type: 'iteration', cpu_time: cpu, real_time: cpu, time_unit: unit, items_per_second: items, ...extra });
  const json = join(scratch, 'micro.json');
  writeFileSync(json, JSON.stringify({
    benchmarks: [
      ms('BM_JsonReader/rows:65536/chunk:16384/min_time:0.500', 40, 65536 / 0.04, 'ms', { bytes_per_second: 4.5e8 }),
      ms('BM_JsonReader/rows:65536/chunk:1048576/min_time:0.500', 32, 65536 / 0.032, 'ms'),
      ms('BM_DictionaryInsert/machine_id/min_time:0.200', 3000, 65536 / 0.003, 'us'),
      ms('BM_DictionaryInsert/org_id/min_time:0.200', 1000, 65536 / 0.001, 'us'),
      ms('BM_Compress/zstd/timestamp_plain/min_time:0.200', 400, 131072 / 0.0004, 'us'),
      ms('BM_Compress/zstd/machine_id_indices/min_time:0.200', 200, 262144 / 0.0002, 'us'),
      ms('BM_Compress/gzip/timestamp_plain/min_time:0.200', 2000, 131072 / 0.002, 'us'),
      { ...ms('BM_Compress/gzip/timestamp_plain/min_time:0.200_mean', 9, 1, 'us'), run_type: 'aggregate' },
    ],
  }));
  const res = run('node', ['scripts/bench-micro-summary.mjs', json, '--markdown']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(res.stdout.split('\n').slice(0, 7), [
    '| micro-benchmarks (`bench/micro`), per stage | benchmark | instances | CPU ms per iteration | items/s | MB/s |',
    '|---|---|---:|---:|---:|---:|',
    '| stage1_json_reader | BM_JsonReader/rows:65536/chunk:16384 | 1 | 40.00 | 1.64M | 450 |',
    '| stage1_json_reader | BM_JsonReader/rows:65536/chunk:1048576 | 1 | 32.00 | 2.05M |  |',
    '| stage3_dictionary | BM_DictionaryInsert | 2 | 4.000 | 16.38M (all together) |  |',
    '| stage4_compression | BM_Compress/zstd | 2 | 0.600 | 655.36M |  |',
    '| stage4_compression | BM_Compress/gzip | 1 | 2.000 | 65.54M |  |',
  ]);
});

test('readme-bench.sh: the README between its markers becomes make-bench.md, the text around stays; no markers, no change', () => {
  const md = join(scratch, 'bench.md');
  writeFileSync(md, '| a | b |\n|---|---|\n| 1 | 2 |\n');
  const readme = join(scratch, 'README.md');
  writeFileSync(readme, '# T\n\nbefore\n<!-- bench:start -->\nold 1\nold 2\n<!-- bench:end -->\nafter\n');
  let res = run('scripts/readme-bench.sh', [md, readme]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(readFileSync(readme, 'utf8'), '# T\n\nbefore\n<!-- bench:start -->\n| a | b |\n|---|---|\n| 1 | 2 |\n<!-- bench:end -->\nafter\n');
  // Twice is the same as once.
  res = run('scripts/readme-bench.sh', [md, readme]);
  assert.equal(readFileSync(readme, 'utf8'), '# T\n\nbefore\n<!-- bench:start -->\n| a | b |\n|---|---|\n| 1 | 2 |\n<!-- bench:end -->\nafter\n');

  const broken = '# T\n<!-- bench:start -->\nold\n';
  writeFileSync(readme, broken);
  res = run('scripts/readme-bench.sh', [md, readme]);
  assert.equal(res.code, 1);
  assert.equal(res.stderr, `readme-bench: ${readme} needs exactly one line '<!-- bench:end -->'\n`);
  assert.equal(readFileSync(readme, 'utf8'), broken);
  // The repository's README has the markers once each.
  const own = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  assert.equal(own.filter((l) => l === '<!-- bench:start -->').length, 1);
  assert.equal(own.filter((l) => l === '<!-- bench:end -->').length, 1);
});
