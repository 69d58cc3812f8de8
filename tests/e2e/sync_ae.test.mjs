// `aesync sync` from the Analytics Engine SQL API (a real ClickHouse behind the AE gateway) to
// S3 (the SigV4-verifying harness): a 5-day backfill lands 5 partitions that ClickHouse reads
// back through s3() (as PostHog does) equal to the source, row for row by checksum; manifests
// describe their objects exactly; an empty day has a manifest with rows 0 and no data object
// (a stale one is deleted); the same plan twice gives byte-identical objects, and without
// --force skips what is verified; --dry-run shows each window's SQL and touches nothing;
// `check` and `status` work; no output holds the token or the secret key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { numberOf } from './lib/ae.mjs';
import {
  leaseKey, MANIFEST_COLUMNS, PREFIX, assertExit, dataKey, dataRequests, dayChecksums, dumpSource, expectedWindows,
  histogramSql, manifestKey, mappedSourceSql, requestsOfKind, parseSummary, rfc3339, startAeEnv, statuses, unixOf, windowName, windowSql, writes,
} from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { addDays, dayStartMs } from './lib/gen.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { sqlString } from './lib/readers.mjs';
import { chdbObjectsAsync } from './lib/s3_tools.mjs';

const SEED = seedFromEnv(20260207);
const D = ['2026-02-01', '2026-02-02', '2026-02-03', '2026-02-04', '2026-02-05', '2026-02-06'];
const RANGE = D.slice(0, 5); // the backfill
const EMPTY = D[2]; // no rows at all
const NOW = '2026-02-07T12:00:00Z';

// Rows: about 3000 a day over 6 days (none on EMPTY), plus rows on the edges of windows and days
// and with strings JSON must escape.
const rng = new Rng(SEED);
const fleet = makeFleet(rng, { machines: 150, orgs: 12 });
const base = [...streamMachineMetrics(rng, { startDay: D[0], days: 6, rowsPerDay: 3000, fleet, skipDays: [2] })];
const special = (timestamp, over = {}) => ({
  _sample_interval: 1, blob1: 'org_edge', blob2: 'proj_edge', blob3: 'shared-cpu-1x', blob4: 'process', blob5: 'edge',
  dataset: 'machine_metrics', double1: 1.5, double2: 2.25, double3: 3, double4: -0.1, index1: 'm_edge', timestamp, ...over,
});
const SPECIALS = [
  special('2026-02-01 00:00:00', { blob5: 'first second of the range' }),
  special('2026-02-01 05:00:00', { blob5: 'window start' }),
  special('2026-02-01 05:59:59', { blob5: 'window end', _sample_interval: 1000 }),
  special('2026-02-01 23:59:59', { blob5: 'last second of a day' }),
  special('2026-02-02 12:00:00', { blob5: 'quote " backslash \\ slash / newline \n tab \t ls \u2028 nul-free', blob4: 'process' }),
  special('2026-02-02 12:00:00', { blob5: '', blob4: 'process', index1: 'm_empty_proc' }),
  special('2026-02-02 12:00:01', { blob4: 'resource', blob5: '', double1: 99.99, double2: 91.5 }),
  special('2026-02-02 12:00:02', { blob4: 'startup', blob5: '', double1: 45_000 }),
  special('2026-02-02 23:59:59', { blob5: 'just before the empty day' }),
  special('2026-02-04 00:00:00', { blob5: 'just after the empty day' }),
  special('2026-02-05 23:59:59', { blob5: 'last second of the range 日本 🦕' }),
  special('2026-02-06 00:00:00', { blob5: 'outside the range' }),
];
const rows = [...base, ...SPECIALS].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
const rowsOf = (day) => rows.filter((r) => r.timestamp.startsWith(day));
const weightOf = (rs) => rs.reduce((s, r) => s + numberOf(r._sample_interval), 0);

let env;
let config;
let sourceSums; // day -> { rows, weight, checksum } of the source, mapped in SQL
let main; // the backfill run
const W = [unixOf(D[1], 5), unixOf(D[1], 6)]; // a window of the second day

before(async () => {
  env = await startAeEnv({ tag: 'sync-ae' });
  assert.equal(await insertRows(env.ch, 'machine_metrics', rows), rows.length);
  config = env.config('ae.toml');
  // A stale data object of the empty day (from an export made before its rows were deleted).
  await env.h.putDirect(dataKey(EMPTY), 'stale parquet bytes');
  const dump = join(env.scratch, 'source.jsonl');
  assert.equal(await dumpSource(env.ch, 'machine_metrics', dump), rows.length);
  sourceSums = await dayChecksums(mappedSourceSql(dump));
});

after(async () => {
  await env?.close();
});

test(`the source: 6 days, about 3000 rows a day, none on ${EMPTY}, sample intervals > 1, unicode (seed=${SEED})`, () => {
  assert.deepEqual(Object.keys(sourceSums), D.filter((d) => d !== EMPTY));
  for (const d of RANGE.filter((x) => x !== EMPTY)) {
    assert.ok(rowsOf(d).length > 2500 && rowsOf(d).length < 3500, `${d}: ${rowsOf(d).length} rows`);
    assert.equal(sourceSums[d].rows, String(rowsOf(d).length));
    assert.equal(sourceSums[d].weight, String(weightOf(rowsOf(d))));
  }
  assert.ok(rows.some((r) => r._sample_interval > 1) && rows.some((r) => /[^\x00-\x7f]/.test(r.blob5)));
});

test('a --from older than retention_days before --now is a usage error (exit 2); nothing is asked or written', async () => {
  const res = await env.aesync(['sync', '-c', config, '--from', '2025-11-01', '--to', '2025-11-03', '--now', NOW]);
  assertExit(res, 2, 'backfill past retention');
  assert.match(res.stderr, /--from 2025-11-01 is older than retention_days = 90/);
  assert.deepEqual([res.ae.length, writes(res.s3).length], [0, 0]);
});

test('--dry-run prints every day, its histogram query, the window SQL and the keys, and touches nothing', async () => {
  const res = await env.aesync(['sync', '-c', config, '--from', RANGE[0], '--to', RANGE[4], '--now', NOW, '--dry-run']);
  assertExit(res, 0, 'dry run');
  const lines = res.stdout.split('\n');
  // Each day: a heading with its span, the histogram query the windows are planned from, the
  // window SQL (here with the span's bounds), the two keys it would write.
  for (const day of RANGE) {
    const at = lines.findIndex((l) => l.startsWith(`${day}  `));
    assert.ok(at >= 0, `${day} is not in the plan:\n${res.stdout}`);
    const [from, to] = [unixOf(day), unixOf(day, 24)];
    assert.equal(lines[at], `${day}  (backfill)  ${windowName(from, to)}`);
    assert.equal(lines[at + 1], `  histogram  ${histogramSql(from, to)}`);
    assert.equal(lines[at + 2], '  windows planned from the histogram: up to 250000 rows and 3600 s each, each read as');
    assert.equal(lines[at + 3], `  ${windowSql(from, to)}`);
    assert.ok(lines.includes(`  write s3://${env.h.bucket}/${dataKey(day)}`), `${day}: data key`);
    assert.ok(lines.includes(`  write s3://${env.h.bucket}/${manifestKey(day)}`), `${day}: manifest key`);
  }
  const planned = lines.filter((l) => /^\d{4}-\d\d-\d\d  /.test(l)).map((l) => l.slice(0, 10));
  assert.deepEqual(planned, RANGE, 'the days from --from to --to, no other');
  assert.equal(res.ae.length, 0, 'a dry run sends no query to the source');
  assert.deepEqual(writes(res.s3), [], 'a dry run writes nothing');
  assert.deepEqual(await env.h.listKeys(''), [dataKey(EMPTY)]);
});

test('--dry-run --shard K/N plans the days whose ordinal modulo N is K', async () => {
  const ordinal = (d) => dayStartMs(d) / 86_400_000;
  for (const k of [0, 1]) {
    const res = await env.aesync(['sync', '-c', config, '--from', RANGE[0], '--to', RANGE[4], '--now', NOW, '--dry-run', '--shard', `${k}/2`]);
    assertExit(res, 0, `shard ${k}/2`);
    const planned = res.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\d  /.test(l)).map((l) => l.slice(0, 10));
    assert.deepEqual(planned, RANGE.filter((d) => ordinal(d) % 2 === k));
  }
});

test('a 5-day backfill: exit 0, a summary with one ok line per day, totals', async () => {
  main = await env.aesync(['sync', '-c', config, '--from', RANGE[0], '--to', RANGE[4], '--now', NOW]);
  assertExit(main, 0, 'backfill');
  const summary = parseSummary(main.stdout);
  assert.deepEqual(statuses(summary), Object.fromEntries(RANGE.map((d) => [d, 'ok'])));
  for (const d of summary.days) {
    assert.equal(d.rows, rowsOf(d.day).length, `${d.day} rows`);
    assert.deepEqual(d.errors, []);
  }
  assert.equal(summary.total.rows, RANGE.reduce((s, d) => s + rowsOf(d).length, 0));
  assert.equal(summary.total.bytes, summary.days.reduce((s, d) => s + d.bytes, 0));
});

test('the bucket: data + manifest per day with rows, only a manifest for the empty day (the stale object deleted)', async () => {
  const want = RANGE.flatMap((d) => (d === EMPTY ? [manifestKey(d)] : [manifestKey(d), dataKey(d)])).sort();
  assert.deepEqual(await env.h.listKeys(''), want);
  assert.deepEqual(env.h.openUploads(), []);
});

test('ClickHouse s3() over <prefix>/*/data.parquet: per day count(), sum(sample_interval) and the checksum of every mapped column equal the source', async () => {
  const exported = await dayChecksums(env.s3Fn(`${PREFIX}/*/data.parquet`));
  const want = Object.fromEntries(RANGE.filter((d) => d !== EMPTY).map((d) => [d, sourceSums[d]]));
  assert.deepEqual(exported, want);
});

test('each data object holds its day in timestamp order', async () => {
  for (const day of RANGE.filter((d) => d !== EMPTY)) {
    const path = join(env.scratch, `${day}.parquet`);
    writeFileSync(path, await env.h.objectBytes(dataKey(day)));
    const [r] = await chdbObjectsAsync(
      `SELECT count() AS n, countIf(ts < prev) AS backwards, toString(min(timestamp)) AS lo, toString(max(timestamp)) AS hi FROM ` +
        `(SELECT timestamp, toUnixTimestamp64Milli(timestamp) AS ts, lagInFrame(toUnixTimestamp64Milli(timestamp), 1, 0) ` +
        `OVER (ORDER BY _row_number ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev ` +
        `FROM file(${sqlString(path)}, Parquet) ORDER BY _row_number) SETTINGS output_format_json_quote_64bit_integers = 0`,
    );
    const dayRows = rowsOf(day);
    assert.deepEqual(r, {
      n: dayRows.length,
      backwards: 0,
      lo: `${dayRows[0].timestamp}.000`,
      hi: `${dayRows.at(-1).timestamp}.000`,
    }, day);
  }
});

test('manifests: rows, sample weight, bytes and sha256 of the object, 24 verified windows with their counts', async () => {
  for (const day of RANGE) {
    const m = JSON.parse((await env.h.objectBytes(manifestKey(day))).toString('utf8'));
    const dayRows = rowsOf(day);
    const data = await env.h.objectBytes(dataKey(day));
    assert.match(m.exported_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(m.aesync_version, /^\d+\.\d+\.\d+/);
    const { exported_at: _e, aesync_version: _v, ...rest } = m;
    assert.deepEqual(rest, {
      partition: day,
      table: 'machine_metrics',
      data_key: day === EMPTY ? null : dataKey(day),
      rows: dayRows.length,
      sample_weight: weightOf(dayRows),
      bytes: day === EMPTY ? 0 : data.length,
      sha256: day === EMPTY ? '' : createHash('sha256').update(data).digest('hex'),
      columns: MANIFEST_COLUMNS,
      // The built-in mapping's fingerprint (schema/table_shape.h): fixed while the mapping is.
      schema_fingerprint: '41b6b14c22cfa2ab',
      windows: expectedWindows(day, dayRows, numberOf),
      source_rows: dayRows.length,
      verified: true,
      read_sampled: false,
    }, day);
    if (day === EMPTY) assert.equal(data, null, 'no data object for the empty day');
  }
});

test('the gateway saw one histogram per day, then each window once, no count query, every answer 200', () => {
  const data = requestsOfKind(main.ae, 'data');
  const histograms = requestsOfKind(main.ae, 'histogram');
  // The empty day is not read at all.
  const windows = RANGE.filter((d) => d !== EMPTY)
    .flatMap((d) => Array.from({ length: 24 }, (_, hr) => [unixOf(d, hr), unixOf(d, hr + 1)]));
  const key = (r) => `${r.window.from}-${r.window.to}`;
  assert.deepEqual(data.map(key).sort(), windows.map(([a, b]) => `${a}-${b}`).sort());
  // The empty day costs its histogram alone; every window agreed with the histogram: no count().
  assert.deepEqual(histograms.map((r) => r.sql).sort(), RANGE.map((d) => histogramSql(unixOf(d), unixOf(d, 24))).sort());
  assert.deepEqual(requestsOfKind(main.ae, 'count'), []);
  assert.equal(main.ae.length, histograms.length + data.length);
  assert.deepEqual(main.ae.filter((r) => r.status !== 200 || !r.complete).map((r) => [r.status, r.sql]), []);
  const [w] = dataRequests(main.ae, W[0], W[1]);
  assert.equal(w.sql, windowSql(W[0], W[1]));
});

test('the same backfill again without --force skips every verified day: no query, no write', async () => {
  const res = await env.aesync(['sync', '-c', config, '--from', RANGE[0], '--to', RANGE[4], '--now', NOW]);
  assertExit(res, 0, 'second backfill');
  const summary = parseSummary(res.stdout);
  assert.deepEqual(statuses(summary), Object.fromEntries(RANGE.map((d) => [d, 'skipped'])));
  // A skipped day shows the rows its manifest holds; the total counts what this run wrote: none.
  assert.deepEqual(summary.days.map((d) => [d.day, d.rows]), RANGE.map((d) => [d, rowsOf(d).length]));
  assert.deepEqual(summary.total, { rows: 0, bytes: 0 });
  assert.deepEqual(res.ae.filter((r) => !r.verify && r.window), [], 'no window was fetched');
  assert.deepEqual(writes(res.s3), []);
});

test('the same backfill with --force rewrites byte-identical data objects (no duplicate rows)', async () => {
  const before = {};
  for (const day of RANGE) {
    before[day] = { data: await env.h.objectBytes(dataKey(day)), manifest: await env.h.objectBytes(manifestKey(day)) };
  }
  const res = await env.aesync(['sync', '-c', config, '--from', RANGE[0], '--to', RANGE[4], '--now', NOW, '--force']);
  assertExit(res, 0, 'forced backfill');
  assert.deepEqual(statuses(parseSummary(res.stdout)), Object.fromEntries(RANGE.map((d) => [d, 'ok'])));
  const committed = writes(res.s3).filter((r) => r.status === 200 && (r.op === 'PutObject' || r.op === 'CompleteMultipartUpload'));
  assert.deepEqual(
    [...new Set(committed.map((r) => r.key))].sort(),
    RANGE.flatMap((d) => (d === EMPTY ? [leaseKey(d), manifestKey(d)] : [leaseKey(d), manifestKey(d), dataKey(d)])).sort(),
    'every partition was written again (under its lease)',
  );
  // Each lease was created (If-None-Match: *) and deleted again.
  for (const day of RANGE) {
    const ops = writes(res.s3).filter((r) => r.key === leaseKey(day)).map((r) => `${r.method} ${r.status} ${r.ifNoneMatch ?? ''}`);
    assert.deepEqual(ops, ['PUT 200 *', 'DELETE 204 '], `${day} lease`);
  }
  assert.deepEqual((await env.h.listKeys(PREFIX)).filter((k) => k.endsWith('/_lease.json')), [], 'no lease left');
  for (const day of RANGE) {
    const data = await env.h.objectBytes(dataKey(day));
    if (day === EMPTY) assert.equal(data, null);
    else assert.ok(data.equals(before[day].data), `${day}: the data object changed`);
    const strip = (b) => {
      const { exported_at: _, ...m } = JSON.parse(b.toString('utf8'));
      return m;
    };
    assert.deepEqual(strip(await env.h.objectBytes(manifestKey(day))), strip(before[day].manifest), `${day} manifest`);
  }
  assert.deepEqual(await dayChecksums(env.s3Fn(`${PREFIX}/*/data.parquet`)),
    Object.fromEntries(RANGE.filter((d) => d !== EMPTY).map((d) => [d, sourceSums[d]])));
  assert.deepEqual(env.h.openUploads(), []);
});

test('aesync check: config, source, destination ok; posthog skipped', async () => {
  const res = await env.aesync(['check', '-c', config]);
  assertExit(res, 0, 'check');
  const lines = res.stdout.split('\n').filter((l) => l !== '');
  assert.deepEqual(lines.map((l) => l.split(/\s+/).slice(0, 2)), [['ok', 'config'], ['ok', 'source'], ['ok', 'destination'], ['skip', 'posthog']], res.stdout);
  assert.ok(res.ae.length >= 1 && res.ae.every((r) => r.status === 200), 'the source probe reached the gateway');
  assert.deepEqual(await env.h.listKeys(`${PREFIX}/_aesync_check/`), [], 'the probe object was removed');
});

test('status --json lists the exported days from their manifests; status prints them', async () => {
  const res = await env.aesync(['status', '-c', config, '--json']);
  assertExit(res, 0, 'status --json');
  const list = JSON.parse(res.stdout);
  assert.deepEqual(list.map((p) => p.partition), RANGE);
  for (const p of list) {
    const dayRows = rowsOf(p.partition);
    const data = await env.h.objectBytes(dataKey(p.partition));
    assert.match(p.exported_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const { exported_at: _, ...rest } = p;
    assert.deepEqual(rest, {
      partition: p.partition,
      rows: dayRows.length,
      sample_weight: weightOf(dayRows),
      bytes: data ? data.length : 0,
      verified: true,
      read_sampled: false,
      windows: 24,
      data_key: p.partition === EMPTY ? null : dataKey(p.partition),
      // One mapping for every day: the same fingerprint, none old (prune_status.test.mjs checks its value).
      table: 'machine_metrics',
      schema_fingerprint: list[0].schema_fingerprint,
      old_schema: false,
      schema_changes: [],
    });
  }
  const text = await env.aesync(['status', '-c', config]);
  assertExit(text, 0, 'status');
  for (const day of RANGE) {
    const line = text.stdout.split('\n').find((l) => l.startsWith(day));
    assert.ok(line, `${day} in:\n${text.stdout}`);
    assert.match(line, new RegExp(`^${day}\\s+${rowsOf(day).length}\\s`));
  }
});

test('the scheduled plan (no dates) from --now: today, yesterday and the catch-up days after the newest export', async () => {
  // Newest export: D[4] (2026-02-05); --now 2026-02-07T12:00 -> catch-up 02-06, lookback 02-06, today 02-07.
  const res = await env.aesync(['sync', '-c', config, '--now', NOW, '--dry-run']);
  assertExit(res, 0, 'scheduled dry run');
  const planned = res.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\d  /.test(l));
  assert.deepEqual(planned.map((l) => l.slice(0, 10)), [D[5], addDays(D[5], 1)]);
  // Today ends at now - settle: 11:55 -> the span [00:00, 11:55), its histogram up to there.
  const today = addDays(D[5], 1);
  const lines = res.stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${today}  `));
  const end = Date.parse(NOW) / 1000 - 300;
  assert.equal(lines[at], `${today}  (today)  ${windowName(unixOf(today), end)}`);
  assert.equal(lines[at + 1], `  histogram  ${histogramSql(unixOf(today), end)}`);
  assert.equal(rfc3339(end), '2026-02-07T11:55:00Z');
});

test('no output of aesync in this file holds the token or the secret key', () => {
  assert.ok(env.outputs.length >= 20);
  for (const out of env.outputs) {
    assert.ok(!out.includes(env.token), `the AE token leaked:\n${out.slice(0, 2000)}`);
    assert.ok(!out.includes(env.h.secretAccessKey), `the secret key leaked:\n${out.slice(0, 2000)}`);
  }
});
