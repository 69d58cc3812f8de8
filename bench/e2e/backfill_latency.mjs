// `make bench` figure of issue 11: a 30-day backfill through the AE SQL API gateway
// (tests/e2e/lib/ae_gateway.mjs, in front of Debian's clickhouse-server) with the real API's
// round trip modelled as a fixed latency per query (300 ms by default), to the object store
// harness, run once per binary: a "before" binary (optional: the release that reads hourly
// windows plus a count per window) and the current one, each with its own defaults for the
// windows (the config names no `window`), into its own prefix. Small days (2,000 rows each by
// default, the seeded generator of tests/e2e/lib/ae_rows.mjs, as scripts/gen-ae-sample.mjs) so
// the figure is the requests and their latency, not the rows.
//
// For each run: wall seconds, the gateway's counters (requests by kind: histogram / data / count /
// probe / other, 429s) and requests per exported day. A run fails the script (exit 1) when aesync
// does not exit 0, or when the exported data differs from the source: per UTC day count(),
// sum(sample_interval) and the checksum of every mapped column (ClickHouse's s3() over the
// prefix, chdb, against the source dumped from ClickHouse and mapped in SQL).
//
//   node bench/e2e/backfill_latency.mjs --bin build/aesync [--before-bin PATH] [--days 30]
//        [--rows-per-day 2000] [--latency-ms 300] [--concurrency 2] [--start 2026-01-01] [--seed 7]
// --before-bin defaults to $AESYNC_BEFORE_BIN (no "before" run without one). Prints progress on
// stderr and one JSON line on stdout (scripts/bench.sh reads it).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { dayChecksums, dumpSource, mappedSourceSql, parseSummary, startAeEnv } from '../../tests/e2e/lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from '../../tests/e2e/lib/ae_rows.mjs';
import { insertRows } from '../../tests/e2e/lib/clickhouse_server.mjs';
import { addDays } from '../../tests/e2e/lib/gen.mjs';
import { QUERY_KINDS } from '../../tests/e2e/lib/ae_gateway.mjs';
import { Rng } from '../../tests/e2e/lib/prng.mjs';
import { runProcess } from '../../tests/e2e/lib/s3_tools.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? acc.concat([[a.slice(2), all[i + 1]]]) : acc), []),
);
const AFTER = resolve(args.bin ?? 'build/aesync');
const BEFORE = args['before-bin'] ?? process.env.AESYNC_BEFORE_BIN ?? '';
const DAYS = Number(args.days ?? 30);
const ROWS_PER_DAY = Number(args['rows-per-day'] ?? 2000);
const LATENCY_MS = Number(args['latency-ms'] ?? 300);
const CONCURRENCY = Number(args.concurrency ?? 2);
const START = args.start ?? '2026-01-01';
const SEED = Number(args.seed ?? 7);
const LAST = addDays(START, DAYS - 1);

const log = (s) => process.stderr.write(`backfill: ${s}\n`);

const env = await startAeEnv({ tag: 'bench-backfill' });
let failed = false;
try {
  const rng = new Rng(SEED);
  const fleet = makeFleet(rng, { machines: 500, orgs: 50 });
  const rows = await insertRows(env.ch, 'machine_metrics', streamMachineMetrics(rng, { startDay: START, days: DAYS, rowsPerDay: ROWS_PER_DAY, fleet }));
  const dump = join(env.scratch, 'source.jsonl');
  if ((await dumpSource(env.ch, 'machine_metrics', dump)) !== rows) throw new Error('the source dump lost rows');
  const source = await dayChecksums(mappedSourceSql(dump));
  log(`${rows} rows over ${DAYS} days from ${START} loaded; latency ${LATENCY_MS} ms per query, concurrency ${CONCURRENCY}`);

  // "now" two days after the last day: every day is complete and past its settle time.
  const now = new Date(Date.parse(`${addDays(LAST, 2)}T00:00:00Z`)).toISOString().replace('.000Z', 'Z');
  const childEnv = { ...process.env };
  delete childEnv.AESYNC_CONFIG;
  for (const k of Object.keys(childEnv)) if (k.startsWith('AWS_')) delete childEnv[k];
  Object.assign(childEnv, { AE_TOKEN: env.token, E2E_S3_KEY_ID: env.h.accessKeyId, E2E_S3_SECRET: env.h.secretAccessKey });
  const runs = {};
  for (const [name, bin] of [['before', BEFORE], ['after', AFTER]]) {
    if (!bin) continue;
    const prefix = `backfill-${name}`;
    // Each binary with its own window defaults: the config of the env names `window = "1h"`.
    const cfg = env.config(`${name}.toml`, { destination: { prefix }, sync: { concurrency: CONCURRENCY } });
    writeFileSync(cfg, readFileSync(cfg, 'utf8').split('\n').filter((l) => !/^window = /.test(l)).join('\n'));
    env.gw.configure({ latencyMs: LATENCY_MS });
    env.gw.resetCounts();
    const t0 = Date.now();
    const res = await runProcess(resolve(bin), ['--log-level', 'warn', '--no-progress', 'sync', '-c', cfg, '--from', START, '--to', LAST, '--now', now], {
      cwd: env.scratch,
      env: childEnv,
      timeoutMs: 3_600_000,
    });
    const wall = (Date.now() - t0) / 1000;
    const counts = { ...env.gw.counts };
    env.gw.configure({ latencyMs: 0 });
    const stdout = res.stdout.toString('utf8');
    const run = { bin: resolve(bin), exit: res.code ?? res.signal, wall_s: wall, requests: QUERY_KINDS.reduce((a, k) => a + counts[k], 0), by_kind: counts };
    run.requests_per_day = run.requests / DAYS;
    runs[name] = run;
    if (res.code !== 0) {
      failed = true;
      log(`${name}: aesync exit ${res.code ?? res.signal}\n${stdout}\n${res.stderr.toString('utf8').slice(-4000)}`);
      continue;
    }
    const summary = parseSummary(stdout);
    const exported = await dayChecksums(env.s3Fn(`${prefix}/*/data.parquet`));
    run.rows = summary.total.rows;
    run.exact = JSON.stringify(exported) === JSON.stringify(source) && summary.total.rows === rows;
    if (!run.exact) {
      failed = true;
      log(`${name}: the export differs from the source (summary ${summary.total.rows} rows, source ${rows})`);
    }
    log(`${name}: ${wall.toFixed(1)} s, ${run.requests} requests (${run.requests_per_day.toFixed(1)} per day: ` +
      `${QUERY_KINDS.filter((k) => counts[k]).map((k) => `${k} ${counts[k]}`).join(', ')}; 429s ${counts.throttled}), exact ${run.exact}`);
  }
  console.log(JSON.stringify({ days: DAYS, rows_per_day: ROWS_PER_DAY, rows, latency_ms: LATENCY_MS, concurrency: CONCURRENCY, start: START, runs }));
} catch (err) {
  failed = true;
  log(err.stack);
} finally {
  await env.close();
}
process.exit(failed ? 1 : 0);
