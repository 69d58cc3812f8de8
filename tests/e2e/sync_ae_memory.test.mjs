// Memory stays bounded whatever the size of a day (docs/sync.md, "Concurrency and memory"): a 3-day backfill of about 3
// million AE rows (1M a day, realistic blobs, streamed into ClickHouse from a generator) goes
// through the gateway, aesync and the S3 harness with aesync's peak RSS (time(1)'s maximum
// resident set size) under 128 MiB, and every row arrives: per day, count() and
// sum(sample_interval) read back by ClickHouse through s3() equal the source's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { PREFIX, assertExit, manifestKey, parseSummary, startAeEnv, statuses } from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { AESYNC_BIN } from './lib/aesync.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { TIME_BIN, chdbObjectsAsync, runProcess } from './lib/s3_tools.mjs';

const SEED = seedFromEnv(4096);
const DAYS = ['2026-04-06', '2026-04-07', '2026-04-08'];
const ROWS_PER_DAY = Number(process.env.E2E_MEMORY_ROWS_PER_DAY || 1_000_000);
const NOW = '2026-04-10T00:00:00Z';
const LIMIT_KIB = 128 * 1024;

let env;
let inserted;
let source; // day -> { rows, weight } from ClickHouse

before(async () => {
  env = await startAeEnv({ tag: 'sync-ae-memory' });
  const rng = new Rng(SEED);
  const fleet = makeFleet(rng, { machines: 2000, orgs: 150 });
  inserted = await insertRows(env.ch, 'machine_metrics', streamMachineMetrics(rng, { startDay: DAYS[0], days: DAYS.length, rowsPerDay: ROWS_PER_DAY, fleet }));
  const text = await env.ch.query(
    'SELECT toString(toDate(timestamp)) AS day, toString(count()) AS rows, toString(sum(_sample_interval)) AS weight ' +
      'FROM machine_metrics GROUP BY day ORDER BY day FORMAT JSONEachRow',
  );
  source = Object.fromEntries(text.trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.day, { rows: r.rows, weight: r.weight }]));
});

after(async () => {
  await env?.close();
});

test(`a 3-day backfill of ~${(3 * ROWS_PER_DAY / 1e6).toFixed(1)}M rows: peak RSS under 128 MiB, every row exported (seed=${SEED})`, async (t) => {
  assert.deepEqual(Object.keys(source), DAYS);
  assert.ok(Math.abs(inserted - 3 * ROWS_PER_DAY) < 0.01 * ROWS_PER_DAY, `${inserted} rows`);
  const config = env.config('memory.toml', { source: { timeout: '120s' } });
  const rssFile = join(env.scratch, 'rss.txt');
  const envVars = { ...process.env };
  delete envVars.AESYNC_CONFIG;
  for (const k of Object.keys(envVars)) if (k.startsWith('AWS_')) delete envVars[k];
  Object.assign(envVars, {
    AESYNC_RETRY_BASE_MS: '5',
    AE_TOKEN: env.token,
    E2E_S3_KEY_ID: env.h.accessKeyId,
    E2E_S3_SECRET: env.h.secretAccessKey,
  });
  const started = Date.now();
  const res = await runProcess(
    TIME_BIN,
    ['-f', '%M', '-o', rssFile, AESYNC_BIN, 'sync', '-c', config, '--from', DAYS[0], '--to', DAYS[2], '--now', NOW],
    { cwd: env.scratch, env: envVars, timeoutMs: 600_000 },
  );
  const seconds = (Date.now() - started) / 1000;
  const stdout = res.stdout.toString('utf8');
  const rssLines = readFileSync(rssFile, 'utf8').trim().split('\n');
  rmSync(rssFile, { force: true });
  const rssKiB = Number(rssLines.at(-1));
  t.diagnostic(`${inserted} rows in ${seconds.toFixed(1)} s, aesync peak RSS ${(rssKiB / 1024).toFixed(1)} MiB`);
  assertExit({ ...res, stdout }, 0, 'backfill');
  assert.ok(!(stdout + res.stderr).includes(env.token) && !(stdout + res.stderr).includes(env.h.secretAccessKey), 'a secret leaked');
  const summary = parseSummary(stdout);
  assert.deepEqual(statuses(summary), Object.fromEntries(DAYS.map((d) => [d, 'ok'])));
  assert.ok(rssKiB > 0 && rssKiB < LIMIT_KIB, `aesync peak RSS ${rssKiB} KiB (limit ${LIMIT_KIB} KiB)`);

  const exported = await chdbObjectsAsync(
    `SELECT toString(toDate(timestamp)) AS day, toString(count()) AS rows, toString(sum(sample_interval)) AS weight ` +
      `FROM ${env.s3Fn(`${PREFIX}/*/data.parquet`)} GROUP BY day ORDER BY day`,
  );
  assert.deepEqual(Object.fromEntries(exported.map((r) => [r.day, { rows: r.rows, weight: r.weight }])), source);
  for (const day of DAYS) {
    const m = JSON.parse((await env.h.objectBytes(manifestKey(day))).toString('utf8'));
    assert.deepEqual([String(m.rows), String(m.sample_weight), m.verified, m.windows.length], [source[day].rows, source[day].weight, true, 24], day);
  }
  assert.deepEqual(env.h.openUploads(), []);
});
