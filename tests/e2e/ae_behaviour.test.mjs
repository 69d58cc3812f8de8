// `aesync sync` against an AE SQL API that behaves like the real one (issue 11; the gateway's
// models in tests/e2e/lib/ae_gateway.mjs, a real ClickHouse behind it, the S3 harness, chdb):
//   1. read-time sampling of long raw reads only (0.1 for spans >= 2 h, 0.01 for >= 12 h): a
//      3-day backfill whose first read of each day is the whole day exits 0, the sampled windows
//      are split and re-read down to full resolution, every row and value equals the source;
//   2. the histogram itself sampled (aggregates over >= 12 h) while short reads are not: each
//      window is accepted through its own count(), exact and verified;
//   3. read-time sampling at every window size: exit 0, the days kept read-sampled (manifests
//      `read_sampled: true`, windows at resolution 0.1, sums of the weights exact, a warning,
//      `verified` false, `status --json` and a daemon's /metrics say so), then a backfill with
//      sampling off replaces them at full resolution;
//   4. requests per exported day, counted by the gateway by kind: 1 for an empty day, 2 for a
//      day under the row budget, the table for larger days; a 5-day backfill with faults
//      injected into every kind of request is still exact;
//   5. the request budget: 4 shards side by side, each with its share of the (scaled-down)
//      per-user limit, never get a 429; a 429 with Retry-After seen by one worker holds back the
//      other workers of the process until it has passed.
// Rows are placed at fixed intervals so that each 5-minute bucket holds a known number of rows
// and the sampled answers are known exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { numberOf } from './lib/ae.mjs';
import { AESYNC_BIN } from './lib/aesync.mjs';
import {
  assertExit, dataKey, dayChecksums, dumpSource, manifestKey, mappedSourceSql, parseSummary, rfc3339, startAeEnv,
  statuses, unixOf, windowName,
} from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { insertRows, freePort } from './lib/clickhouse_server.mjs';
import { addDays } from './lib/gen.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';

const SEED = seedFromEnv(20261111);
const NOW = '2026-03-22T00:00:00Z';
const BUCKET = 300;
/** Runs that are not about the budget: no waiting for tokens (net/request_budget.h). */
const NO_BUDGET = { AESYNC_BUDGET_PER_MINUTE: '1000000' };
/** Runs about the budget: the configured max_requests_per_minute ('' overrides lib/aesync.mjs's default). */
const CONFIGURED_BUDGET = { AESYNC_BUDGET_PER_MINUTE: '' };

// The days of each part, all in table machine_metrics (disjoint), and their rows.
const LONG = ['2026-03-01', '2026-03-02', '2026-03-03']; // 1: 5760 rows a day, 20 per bucket
const HIST = ['2026-03-04', '2026-03-05']; // 2: the same density
const ALL = ['2026-03-06', '2026-03-07']; // 3: the same density
const SIZES = { '2026-03-08': 0, '2026-03-09': 500, '2026-03-10': 1000, '2026-03-11': 3000, '2026-03-12': 10_000 }; // 4
const SIZE_DAYS = Object.keys(SIZES);
const WINDOW_ROWS = 1000; // the row budget of part 4 (the smallest allowed)
const SHARD_DAYS = Array.from({ length: 8 }, (_, i) => addDays('2026-03-13', i)); // 5: 1000 random rows a day
const DENSE = 5760;

const TODAY = new Date().toISOString().slice(0, 10);
const YESTERDAY = addDays(TODAY, -1); // the daemon's day (table machine_metrics_d), rows 00:00 - 02:00

let env;
let rows; // every row of machine_metrics
let sourceSums; // day -> { rows, weight, checksum }
const rng = new Rng(SEED);
const fleet = makeFleet(rng, { machines: 60, orgs: 6 });

/** `n` generated rows at fixed steps over [day + fromSec, day + toSec). */
function denseRows(day, n, fromSec = 0, toSec = 86_400) {
  const gen = [...streamMachineMetrics(rng, { startDay: day, days: 1, rowsPerDay: n + 400, fleet })].slice(0, n);
  assert.equal(gen.length, n);
  const t0 = unixOf(day);
  return gen.map((r, i) => {
    const sec = t0 + fromSec + Math.floor((i * (toSec - fromSec)) / n);
    return { ...r, timestamp: new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' ') };
  });
}

const secOf = (r) => Date.parse(r.timestamp.replace(' ', 'T') + 'Z') / 1000;
const byTime = (a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0);
let secs; // the unix second of each row of `rows` (sorted)
/** The first index of `secs` at or after `t` (binary search). */
function lowerBound(t) {
  let lo = 0;
  let hi = secs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (secs[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const rowsIn = (from, to) => rows.slice(lowerBound(from), lowerBound(to));
const weightOf = (rs) => rs.reduce((s, r) => s + numberOf(r._sample_interval), 0);
const rowsOfDay = (day) => rowsIn(unixOf(day), unixOf(day, 24));
const sumsOf = (days) => Object.fromEntries(days.filter((d) => sourceSums[d]).map((d) => [d, sourceSums[d]]));
const manifestOf = async (day, prefix) => JSON.parse((await env.h.objectBytes(manifestKey(day, prefix))).toString('utf8'));

/** The gateway requests of a run per day (by their window), counted by kind. */
function perDay(log, days) {
  const out = Object.fromEntries(days.map((d) => [d, { histogram: 0, data: 0, count: 0, total: 0 }]));
  for (const r of log) {
    assert.ok(r.window, `a request without a window: ${r.sql}`);
    const day = rfc3339(r.window.from).slice(0, 10);
    assert.ok(out[day], `a request outside the days: ${r.sql}`);
    out[day][r.kind]++;
    out[day].total++;
  }
  return out;
}

/** The windows aesync plans from exact buckets (a contiguous partition, greedy up to the budget). */
function plannedWindows(day, budget, maxSeconds) {
  const out = [];
  let start = unixOf(day);
  let n = 0;
  for (let b = unixOf(day); b < unixOf(day, 24); b += BUCKET) {
    const k = rowsIn(b, b + BUCKET).length;
    if (b > start && (n + k > budget || b + BUCKET - start > maxSeconds)) {
      out.push([start, b]);
      start = b;
      n = 0;
    }
    n += k;
  }
  out.push([start, unixOf(day, 24)]);
  return out;
}

before(async () => {
  env = await startAeEnv({ tag: 'ae-behaviour', tables: ['machine_metrics', 'machine_metrics_d'] });
  rows = [
    ...[...LONG, ...HIST, ...ALL].flatMap((d) => denseRows(d, DENSE)),
    ...SIZE_DAYS.flatMap((d) => (SIZES[d] ? denseRows(d, SIZES[d]) : [])),
    ...streamMachineMetrics(rng, { startDay: SHARD_DAYS[0], days: SHARD_DAYS.length, rowsPerDay: 1000, fleet }),
  ].sort(byTime);
  secs = rows.map(secOf);
  assert.equal(await insertRows(env.ch, 'machine_metrics', rows), rows.length);
  // The daemon's rows: 20 per bucket over the first two hours of yesterday.
  assert.equal(await insertRows(env.ch, 'machine_metrics_d', denseRows(YESTERDAY, 480, 0, 7200)), 480);
  const dump = join(env.scratch, 'source.jsonl');
  assert.equal(await dumpSource(env.ch, 'machine_metrics', dump), rows.length);
  sourceSums = await dayChecksums(mappedSourceSql(dump));
});

after(async () => {
  await env?.close();
});

test(`the source: 20 rows per 5-minute bucket on the dense days, the sized days, sample intervals > 1 (seed=${SEED})`, () => {
  for (const d of [...LONG, ...HIST, ...ALL]) {
    assert.equal(sourceSums[d].rows, String(DENSE));
    for (let b = unixOf(d); b < unixOf(d, 24); b += BUCKET) assert.equal(rowsIn(b, b + BUCKET).length, 20);
  }
  for (const d of SIZE_DAYS) assert.equal(rowsOfDay(d).length, SIZES[d]);
  assert.ok(rows.some((r) => numberOf(r._sample_interval) > 1));
});

test('1. raw reads sampled on long spans only: 3-day backfill, each day read whole, split and re-read at full resolution, exact', async () => {
  env.gw.configure({ sampling: { raw: [{ minSpanSeconds: 7200, resolution: 0.1 }, { minSpanSeconds: 43200, resolution: 0.01 }] } });
  env.gw.resetCounts();
  const cfg = env.config('long.toml', { source: { window: '1d' }, destination: { prefix: 'long' } });
  let res;
  try {
    res = await env.aesync(['sync', '-c', cfg, '--from', LONG[0], '--to', LONG[2], '--now', NOW], { env: NO_BUDGET });
  } finally {
    env.gw.configure({ sampling: null });
  }
  assertExit(res, 0, 'backfill');
  const summary = parseSummary(res.stdout);
  assert.deepEqual(statuses(summary), Object.fromEntries(LONG.map((d) => [d, 'ok'])));
  assert.deepEqual(summary.days.map((d) => [d.rows, d.errors]), LONG.map(() => [DENSE, []]));
  assert.doesNotMatch(res.stderr, /read-sampled/);

  // Every row and value of the exported files equals the source.
  assert.deepEqual(await dayChecksums(env.s3Fn('long/*/data.parquet')), sumsOf(LONG));

  // The gateway: per day one histogram; reads of 24 h and 12 h sampled at 0.01, of 6 h and 3 h at
  // 0.1, each followed by its count() and split; the 16 windows of 1.5 h read at full resolution.
  const days = perDay(res.ae, LONG);
  for (const d of LONG) assert.deepEqual(days[d], { histogram: 1, data: 31, count: 15, total: 47 }, d);
  const spanRes = (r) => `${r.window.to - r.window.from}s@${r.resolution}`;
  const tally = (list) => list.reduce((m, k) => ({ ...m, [k]: (m[k] ?? 0) + 1 }), {});
  assert.deepEqual(tally(res.ae.filter((r) => r.kind === 'data').map(spanRes)), {
    '86400s@0.01': 3, '43200s@0.01': 6, '21600s@0.1': 12, '10800s@0.1': 24, '5400s@1': 48,
  });
  assert.deepEqual(tally(res.ae.filter((r) => r.kind !== 'data').map((r) => `${r.kind} ${spanRes(r)}`)), {
    'histogram 86400s@1': 3, 'count 86400s@1': 3, 'count 43200s@1': 6, 'count 21600s@1': 12, 'count 10800s@1': 24,
  });
  assert.equal(env.gw.counts.sampled, 45);
  assert.deepEqual(res.ae.filter((r) => r.status !== 200).map((r) => r.sql), []);

  // Manifests: verified, not read-sampled, 16 windows of 1.5 h at full resolution.
  for (const d of LONG) {
    const m = await manifestOf(d, 'long');
    const want = Array.from({ length: 16 }, (_, i) => {
      const [from, to] = [unixOf(d) + i * 5400, unixOf(d) + (i + 1) * 5400];
      const rs = rowsIn(from, to);
      return { start: rfc3339(from), end: rfc3339(to), rows: rs.length, sample_weight: weightOf(rs), source_rows: rs.length, resolution: 1, verified: true };
    });
    assert.deepEqual([m.rows, m.source_rows, m.sample_weight, m.verified, m.read_sampled], [DENSE, DENSE, weightOf(rowsOfDay(d)), true, false], d);
    assert.deepEqual(m.windows, want, d);
  }
});

test('2. the histogram sampled (aggregates over >= 12 h), short reads not: windows accepted through their own count(), exact, verified', async () => {
  env.gw.configure({ sampling: { aggregate: [{ minSpanSeconds: 43200, resolution: 0.1 }] } });
  env.gw.resetCounts();
  const cfg = env.config('hist.toml', { destination: { prefix: 'hist' } });
  let res;
  try {
    res = await env.aesync(['sync', '-c', cfg, '--from', HIST[0], '--to', HIST[1], '--now', NOW], { env: NO_BUDGET });
  } finally {
    env.gw.configure({ sampling: null });
  }
  assertExit(res, 0, 'backfill');
  assert.deepEqual(statuses(parseSummary(res.stdout)), Object.fromEntries(HIST.map((d) => [d, 'ok'])));
  assert.deepEqual(await dayChecksums(env.s3Fn('hist/*/data.parquet')), sumsOf(HIST));
  // Per day: the histogram (sampled: 24 rows an hour instead of 240), 24 hourly reads at full
  // resolution, each disagreeing with it and confirmed by its own count() (not sampled).
  const days = perDay(res.ae, HIST);
  for (const d of HIST) assert.deepEqual(days[d], { histogram: 1, data: 24, count: 24, total: 49 }, d);
  assert.deepEqual(res.ae.filter((r) => r.kind === 'histogram').map((r) => r.resolution), [0.1, 0.1]);
  assert.deepEqual(res.ae.filter((r) => r.kind !== 'histogram' && r.resolution !== 1), []);
  assert.equal(env.gw.counts.sampled, 2);
  for (const d of HIST) {
    const m = await manifestOf(d, 'hist');
    assert.deepEqual([m.rows, m.source_rows, m.verified, m.read_sampled, m.windows.length], [DENSE, DENSE, true, false, 24], d);
    for (const [i, w] of m.windows.entries()) {
      const rs = rowsIn(unixOf(d, i), unixOf(d, i + 1));
      assert.deepEqual(w, { start: rfc3339(unixOf(d, i)), end: rfc3339(unixOf(d, i + 1)), rows: 240, sample_weight: weightOf(rs), source_rows: 240, resolution: 1, verified: true });
    }
  }
});

test('3. raw reads sampled at every window size: exit 0, kept read-sampled with exact weights, warned, not verified; a later backfill replaces them', async () => {
  env.gw.configure({ sampling: { raw: [{ minSpanSeconds: 0, resolution: 0.1 }] } });
  env.gw.resetCounts();
  const cfg = env.config('all.toml', { source: { window: '5m' }, destination: { prefix: 'all' } });
  let res;
  try {
    res = await env.aesync(['sync', '-c', cfg, '--from', ALL[0], '--to', ALL[1], '--now', NOW], { env: NO_BUDGET });
  } finally {
    env.gw.configure({ sampling: null });
  }
  assertExit(res, 0, 'sampled backfill');
  const summary = parseSummary(res.stdout);
  assert.deepEqual(statuses(summary), Object.fromEntries(ALL.map((d) => [d, 'ok'])));
  const warning = (d) => {
    const list = Array.from({ length: 288 }, (_, i) => `${windowName(unixOf(d) + i * BUCKET, unixOf(d) + (i + 1) * BUCKET)} at resolution 0.1 (2 of 20 rows)`);
    return `read-sampled by Analytics Engine: windows ${list.join(', ')}; kept as returned (weights keep sums unbiased); a later run retries`;
  };
  for (const d of summary.days) {
    assert.equal(d.rows, DENSE / 10, `${d.day}: one row in ten`);
    assert.deepEqual(d.errors, [warning(d.day)], 'the summary names the windows');
    assert.ok(res.stderr.includes(warning(d.day)), `${d.day}: the warning in stderr:\n${res.stderr.slice(-3000)}`);
  }
  // Per day: the histogram, then each 5-minute window read (sampled) and counted (exact).
  const days = perDay(res.ae, ALL);
  for (const d of ALL) assert.deepEqual(days[d], { histogram: 1, data: 288, count: 288, total: 577 }, d);
  assert.equal(env.gw.counts.sampled, 576);

  // The exported days: 1 row in 10, sum(sample_interval) equal to the source's exactly.
  const exported = await dayChecksums(env.s3Fn('all/*/data.parquet'));
  for (const d of ALL) {
    assert.deepEqual([exported[d].rows, exported[d].weight], [String(DENSE / 10), sourceSums[d].weight], d);
    assert.notEqual(exported[d].checksum, sourceSums[d].checksum);
  }
  for (const d of ALL) {
    const m = await manifestOf(d, 'all');
    assert.deepEqual([m.rows, m.source_rows, m.sample_weight, m.verified, m.read_sampled], [DENSE / 10, DENSE, weightOf(rowsOfDay(d)), false, true], d);
    assert.deepEqual(m.windows, Array.from({ length: 288 }, (_, i) => {
      const [from, to] = [unixOf(d) + i * BUCKET, unixOf(d) + (i + 1) * BUCKET];
      return { start: rfc3339(from), end: rfc3339(to), rows: 2, sample_weight: weightOf(rowsIn(from, to)), source_rows: 20, resolution: 0.1, verified: false };
    }), d);
  }
  const st = await env.aesync(['status', '-c', cfg, '--json']);
  assertExit(st, 0, 'status --json');
  assert.deepEqual(JSON.parse(st.stdout).map((p) => [p.partition, p.rows, p.verified, p.read_sampled, p.windows]),
    ALL.map((d) => [d, DENSE / 10, false, true, 288]));
  const text = await env.aesync(['status', '-c', cfg]);
  assertExit(text, 0, 'status');
  for (const d of ALL) assert.match(text.stdout, new RegExp(`^${d}\\s+${DENSE / 10}\\s.*\\bsampled\\b`, 'm'));

  // Sampling off: the same backfill (no --force: the days are not verified) replaces them.
  env.gw.resetCounts();
  const again = await env.aesync(['sync', '-c', cfg, '--from', ALL[0], '--to', ALL[1], '--now', NOW], { env: NO_BUDGET });
  assertExit(again, 0, 'backfill without sampling');
  assert.deepEqual(statuses(parseSummary(again.stdout)), Object.fromEntries(ALL.map((d) => [d, 'ok'])));
  assert.doesNotMatch(again.stderr, /read-sampled/);
  assert.equal(env.gw.counts.sampled, 0);
  assert.deepEqual(await dayChecksums(env.s3Fn('all/*/data.parquet')), sumsOf(ALL));
  for (const d of ALL) {
    const m = await manifestOf(d, 'all');
    assert.deepEqual([m.rows, m.source_rows, m.verified, m.read_sampled, m.windows.length], [DENSE, DENSE, true, false, 288], d);
    assert.ok(m.windows.every((w) => w.verified && w.resolution === 1 && w.rows === 20 && w.source_rows === 20), d);
  }
  const st2 = await env.aesync(['status', '-c', cfg, '--json']);
  assert.deepEqual(JSON.parse(st2.stdout).map((p) => [p.partition, p.verified, p.read_sampled]), ALL.map((d) => [d, true, false]));
});

// ---------------------------------------------------------------------------------------------
// The daemon's /metrics (the daemon plans from the real clock: yesterday's rows).


/** The value of an unlabelled sample in Prometheus text (undefined when absent). */
function metric(text, name) {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

test('3. a daemon run against the sampling gateway: /metrics counts the read-sampled windows (aesync_read_sampled_windows_total)', async () => {
  env.gw.configure({ sampling: { raw: [{ minSpanSeconds: 0, resolution: 0.1 }] } });
  const cfg = env.config('daemon.toml', { source: { dataset: 'machine_metrics_d', window: '1d', window_rows: 1000 }, destination: { prefix: 'daemon' } });
  const port = await freePort();
  const e = { ...process.env, AESYNC_RETRY_BASE_MS: '5', AE_TOKEN: env.token, E2E_S3_KEY_ID: env.h.accessKeyId, E2E_S3_SECRET: env.h.secretAccessKey, ...NO_BUDGET };
  delete e.AESYNC_CONFIG;
  const child = spawn(AESYNC_BIN, ['-c', cfg, 'daemon', '--every', '1h', '--metrics-addr', `127.0.0.1:${port}`], { cwd: env.scratch, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  const err = [];
  child.stderr.on('data', (c) => err.push(c));
  child.stdout.resume();
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let text;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/metrics`);
        text = await r.text();
        if (metric(text, 'aesync_runs_total') >= 1) break;
      } catch (x) {
        if (x.cause?.code !== 'ECONNREFUSED') throw x;
      }
      assert.ok(Date.now() < deadline, `no run within 60 s:\n${Buffer.concat(err).toString('utf8').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.kill('SIGTERM');
    env.gw.configure({ sampling: null });
  }
  assert.deepEqual(await exited, { code: 0, signal: null });
  // Yesterday's 24 buckets of 20 rows, each kept at resolution 0.1 (today has no rows).
  assert.equal(metric(text, 'aesync_runs_failed_total'), 0);
  assert.equal(metric(text, 'aesync_read_sampled_windows_total'), 24);
  const m = await manifestOf(YESTERDAY, 'daemon');
  assert.deepEqual([m.rows, m.source_rows, m.read_sampled, m.verified], [48, 480, true, false]);
  assert.equal(m.windows.filter((w) => w.resolution === 0.1).length, 24);
  assert.match(Buffer.concat(err).toString('utf8'), /read-sampled by Analytics Engine: windows \[/);
});

// ---------------------------------------------------------------------------------------------
// 4. Requests per exported day.

test(`4. requests per exported day by kind (window_rows = ${WINDOW_ROWS}): 1 for an empty day, 2 under the budget, the table for larger days`, async () => {
  env.gw.resetCounts();
  const cfg = env.config('sizes.toml', { source: { window: '1d', window_rows: WINDOW_ROWS }, destination: { prefix: 'sizes' } });
  const res = await env.aesync(['sync', '-c', cfg, '--from', SIZE_DAYS[0], '--to', SIZE_DAYS.at(-1), '--now', NOW], { env: NO_BUDGET });
  assertExit(res, 0, 'backfill');
  assert.deepEqual(statuses(parseSummary(res.stdout)), Object.fromEntries(SIZE_DAYS.map((d) => [d, 'ok'])));
  assert.deepEqual(await dayChecksums(env.s3Fn('sizes/*/data.parquet')), sumsOf(SIZE_DAYS));
  const days = perDay(res.ae, SIZE_DAYS);
  const lines = ['day         rows   x budget  histogram  data  count  total'];
  for (const d of SIZE_DAYS) {
    const c = days[d];
    lines.push(`${d}  ${String(SIZES[d]).padStart(6)}  ${(SIZES[d] / WINDOW_ROWS).toFixed(1).padStart(8)}  ${String(c.histogram).padStart(9)}  ${String(c.data).padStart(4)}  ${String(c.count).padStart(5)}  ${String(c.total).padStart(5)}`);
  }
  console.log(`requests per exported day, counted by the gateway:\n${lines.join('\n')}`);
  // The exact counts: an empty day its histogram alone; otherwise the histogram and one read per
  // planned window (greedy up to the budget over exact buckets), no count().
  const want = Object.fromEntries(SIZE_DAYS.map((d) => {
    const windows = SIZES[d] === 0 ? 0 : plannedWindows(d, WINDOW_ROWS, 86_400).length;
    return [d, { histogram: 1, data: windows, count: 0, total: 1 + windows }];
  }));
  assert.deepEqual(days, want);
  assert.deepEqual(Object.values(days).map((c) => c.total), [1, 2, 2, 4, 12]);
  for (const d of SIZE_DAYS) {
    const m = await manifestOf(d, 'sizes');
    const planned = plannedWindows(d, WINDOW_ROWS, 86_400); // an empty day: one window of 0 rows
    assert.deepEqual(m.windows.map((w) => [w.start, w.end, w.rows, w.verified]),
      planned.map(([a, b]) => [rfc3339(a), rfc3339(b), rowsIn(a, b).length, true]), d);
    assert.ok(m.windows.every((w) => w.rows <= WINDOW_ROWS));
    assert.equal(m.verified, true);
  }
});

test('4. a 5-day backfill with faults injected into histograms and reads (500, 503, 429, a cut body, a delay) is still exact', async () => {
  const cfg = env.config('faults.toml', { source: { window: '1d', window_rows: WINDOW_ROWS }, destination: { prefix: 'faults' } });
  const faults = [
    env.gw.addFault({ type: 'status', status: 500, when: { kind: 'histogram' } }),
    env.gw.addFault({ type: 'status', status: 429, retryAfter: 1, when: { kind: 'histogram' } }),
    env.gw.addFault({ type: 'status', status: 503, when: { kind: 'data' } }),
    env.gw.addFault({ type: 'cut', afterLines: 200, when: { kind: 'data', overlaps: [unixOf(SIZE_DAYS[4]), unixOf(SIZE_DAYS[4], 24)] } }),
    env.gw.addFault({ type: 'cut', afterLines: 10, mode: 'end', when: { kind: 'data', overlaps: [unixOf(SIZE_DAYS[3]), unixOf(SIZE_DAYS[3], 24)] } }),
    env.gw.addFault({ type: 'delay', ms: 300, when: { kind: 'data' } }),
  ];
  let res;
  try {
    res = await env.aesync(['sync', '-c', cfg, '--from', SIZE_DAYS[0], '--to', SIZE_DAYS.at(-1), '--now', NOW], { env: NO_BUDGET });
  } finally {
    env.gw.clearFaults();
  }
  assertExit(res, 0, 'faulted backfill');
  assert.deepEqual(faults.map((f) => f.hits), [1, 1, 1, 1, 1, 1], 'every fault was hit once');
  assert.deepEqual(statuses(parseSummary(res.stdout)), Object.fromEntries(SIZE_DAYS.map((d) => [d, 'ok'])));
  assert.deepEqual(await dayChecksums(env.s3Fn('faults/*/data.parquet')), sumsOf(SIZE_DAYS));
  for (const d of SIZE_DAYS) {
    const m = await manifestOf(d, 'faults');
    assert.deepEqual([m.rows, m.verified, m.read_sampled], [SIZES[d], true, false], d);
  }
  assert.deepEqual(env.h.openUploads(), []);
});

// ---------------------------------------------------------------------------------------------
// 5. The request budget.

// The gateway's per-user limit, scaled down from 1200 requests per 300 s (block 300 s): 100
// requests per 10 s (600 a minute), a 5 s block. As the README says, the total is half of the
// limit (120 of Cloudflare's 240 a minute) divided among the shards: 300 / 4 = 75 a minute each.
// Any 10 s then sees at most 4 x (10 burst + 12.5) = 90 requests.
const LIMIT = { requests: 100, windowMs: 10_000, blockMs: 5_000 };
const PER_SHARD = 75;

test(`5. 4 shards side by side, each max_requests_per_minute = ${PER_SHARD}, against a limit of ${LIMIT.requests} per ${LIMIT.windowMs / 1000} s: no 429 at all`, async () => {
  env.gw.configure({ rateLimit: LIMIT });
  env.gw.resetCounts();
  const cfg = env.config('shards.toml', { source: { max_requests_per_minute: PER_SHARD }, destination: { prefix: 'shards' } });
  const from = env.gw.requests.length;
  let runs;
  try {
    runs = await Promise.all([0, 1, 2, 3].map((k) =>
      env.aesync(['sync', '-c', cfg, '--from', SHARD_DAYS[0], '--to', SHARD_DAYS.at(-1), '--now', NOW, '--shard', `${k}/4`], { env: CONFIGURED_BUDGET })));
  } finally {
    env.gw.configure({ rateLimit: null });
  }
  for (const [k, r] of runs.entries()) {
    assertExit(r, 0, `shard ${k}/4`);
    assert.equal(parseSummary(r.stdout).days.length, 2, `shard ${k}: two days`);
  }
  const log = env.gw.requests.slice(from);
  // 8 days, each a histogram and 24 hourly reads: more than the limit allows in one window.
  assert.equal(log.length, 8 * 25);
  assert.equal(env.gw.counts.throttled, 0, 'no 429');
  assert.deepEqual(log.filter((r) => r.status !== 200).map((r) => r.status), []);
  const times = log.map((r) => r.started).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= LIMIT.windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  assert.ok(most <= 90, `at most 90 requests in any ${LIMIT.windowMs / 1000} s: ${most}`);
  console.log(`4 shards: ${log.length} requests in ${((times.at(-1) - times[0]) / 1000).toFixed(1)} s, at most ${most} in any ${LIMIT.windowMs / 1000} s`);
  assert.deepEqual(await dayChecksums(env.s3Fn('shards/*/data.parquet')), sumsOf(SHARD_DAYS));
});

test('5. a 429 with Retry-After on one worker pauses the others: no request reaches the gateway before it has passed', async () => {
  env.gw.configure({ latencyMs: 40 });
  let n = 0;
  const fault = env.gw.addFault({ type: 'status', status: 429, retryAfter: 2, when: (info) => info.kind === 'data' && ++n === 30 });
  const cfg = env.config('pause.toml', { destination: { prefix: 'pause' }, sync: { concurrency: 3 } });
  let res;
  try {
    res = await env.aesync(['sync', '-c', cfg, '--from', SHARD_DAYS[0], '--to', SHARD_DAYS[5], '--now', NOW], { env: NO_BUDGET });
  } finally {
    env.gw.clearFaults();
    env.gw.configure({ latencyMs: 0 });
  }
  assertExit(res, 0, 'backfill with a 429');
  assert.equal(fault.hits, 1);
  assert.deepEqual(await dayChecksums(env.s3Fn('pause/*/data.parquet')), sumsOf(SHARD_DAYS.slice(0, 6)));
  const refused = res.ae.filter((r) => r.status === 429);
  assert.equal(refused.length, 1);
  const end = refused[0].started + refused[0].ms; // when the 429 left the gateway
  // Requests the other workers had sent before aesync read the 429 arrive within a few ms of
  // it; after that nothing until Retry-After (2 s) has passed.
  const after = res.ae.filter((r) => r !== refused[0] && r.started >= refused[0].started).map((r) => r.started - end);
  const inFlight = after.filter((t) => t < 100);
  const early = after.filter((t) => t >= 100 && t < 2000);
  assert.ok(inFlight.length <= 2, `at most the 2 other workers' requests in flight: ${inFlight}`);
  assert.deepEqual(early, [], 'no request during the pause');
  assert.ok(after.some((t) => t >= 2000), 'the run went on after the pause');
  // Without the shared pause the 2 other workers would have sent many requests in those 2 s.
  console.log(`429 at +0 ms: requests after it at ${after.slice(0, 5).join(', ')} ms ...`);
});
