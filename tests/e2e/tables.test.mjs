// Issue 13, "Tables", end to end: the AE gateway (in front of a real ClickHouse), the S3 harness
// and chdb (what PostHog queries with).
//   - The example configs (examples/tables-*.toml) load, and each names its tables.
//   - One backfill writes five tables from one read: the raw table, the three per-metric-type
//     tables of examples/tables-by-metric-type.toml and the hourly rollup of
//     examples/tables-hourly-rollup.toml (their [[tables]] as written there). The gateway sees
//     exactly the requests of the raw table alone; each per-metric table is the raw export
//     filtered by metric_type, value for value and in the same order; the rollup is the GROUP BY
//     of the raw export (computed in JS from the raw rows in file order: exact samples, weight,
//     min, max and sum; the weighted avg within 1e-12; and once by ClickHouse); the two example
//     queries of docs/example-queries.md answer the same on the split tables and the raw table.
//   - A nullable column added to a table's mapping: the scheduled sync writes new days with it,
//     one s3() glob reads old and new days together (NULL on old days), `status` counts the
//     old-schema days, and `sync --from --to` re-exports exactly those (no --force), after which
//     `status` counts none.
//   - Two datasets in one config, each with its own tables: one run exports both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  ACCOUNT, assertExit, dataKey, manifestKey, parseSummary, requestKind, startAeEnv, statuses, unixOf, writes,
} from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { BUILTIN_QUERY_COLUMNS, eventsTable, genEvents, nowSql, startupVsRetention, unhealthyOrgs } from './lib/example_queries.mjs';
import { addDays } from './lib/gen.mjs';
import { BUILTIN_COLUMNS, mapRows } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { sqlString } from './lib/readers.mjs';
import { chdbObjectsAsync, runAesyncAsync } from './lib/s3_tools.mjs';
import {
  exampleTablesText, objectRows, parseTablesSummary, rollupColumns, rollupReference, rowKey, sortRows, tablesToml, writeTablesConfig,
} from './lib/tables.mjs';

const SEED = seedFromEnv(1313);
const D = Array.from({ length: 5 }, (_, i) => addDays('2026-03-02', i));
const RANGE = D.slice(0, 3); // the backfills
const NOW = '2026-03-07T12:00:00Z'; // after every day: the backfilled days are complete
const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

// The tables of the examples, as the test expects them (the examples are used as written).
const COMMON = ['timestamp', 'machine_id', 'org_id', 'project_id', 'machine_type', 'metric_type', 'sample_interval'];
const SPLIT = {
  resource: { name: 'machine_metrics_resource', columns: [...COMMON, 'cpu_percent', 'memory_percent', 'value3', 'value4'] },
  process: { name: 'machine_metrics_process', columns: [...COMMON, 'process_name', 'value1', 'value2', 'value3', 'value4'] },
  startup: { name: 'machine_metrics_startup', columns: [...COMMON, 'time_to_ready_ms', 'value2', 'value3', 'value4'] },
};
const ROLLUP = {
  name: 'machine_metrics_hourly',
  everySeconds: 3600,
  by: ['machine_id', 'org_id', 'project_id', 'machine_type', 'metric_type'],
  values: ['cpu_percent', 'memory_percent', 'time_to_ready_ms', 'value1', 'value2', 'value3', 'value4'],
};
const RAW = { name: 'machine_metrics', prefix: 'raw' };
const BUILTIN_AT = Object.fromEntries(BUILTIN_COLUMNS.map((c, i) => [c.name, i]));
const typeOf = (name) => BUILTIN_COLUMNS[BUILTIN_AT[name]].type;
const ROLLUP_COLUMNS = rollupColumns(BUILTIN_COLUMNS, ROLLUP);

// A small fleet (12 machines, 4 orgs) so that an hour's group of the rollup holds several rows.
const rng = new Rng(SEED);
const fleet = makeFleet(rng, { machines: 12, orgs: 4 });
const rows = [...streamMachineMetrics(rng, { startDay: D[0], days: D.length, rowsPerDay: 3000, fleet, maxStartupMs: 120_000 })];
const rowsOf = (day) => rows.filter((r) => r.timestamp.startsWith(day));

// The second dataset: deploys (index1 the deploy id, blob1 the service, blob2 the outcome,
// double1 the duration in seconds), about 600 a day.
const DEPLOY_COLUMNS = [
  { name: 'timestamp', from: 'timestamp', type: 'timestamp' },
  { name: 'deploy_id', from: 'index1', type: 'string' },
  { name: 'service', from: 'blob1', type: 'string' },
  { name: 'outcome', from: 'blob2', type: 'string' },
  { name: 'duration_s', from: 'double1', type: 'double' },
  { name: 'sample_interval', from: '_sample_interval', type: 'int64' },
];
const deploys = [];
for (const day of RANGE) {
  const start = unixOf(day);
  const secs = Array.from({ length: 600 }, () => start + rng.int(86_400)).sort((a, b) => a - b);
  for (const s of secs) {
    deploys.push({
      _sample_interval: rng.chance(0.9) ? 1 : 10,
      blob1: rng.pick(['api', 'web', 'worker', 'billing']),
      blob2: rng.chance(0.1) ? 'failed' : 'ok',
      dataset: 'deploy_events',
      double1: rng.range(5, 900) + rng.int(100) / 100,
      index1: `dep_${rng.hex(10)}`,
      timestamp: new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' '),
    });
  }
}

let env;
let EVENTS; // the events table of the example queries
let five; // the 5-table backfill
let solo; // the raw table alone
const glob = (prefix) => env.s3Fn(`${prefix}/*/data.parquet`);
const manifest = async (prefix, day) => JSON.parse((await env.h.objectBytes(manifestKey(day, prefix))).toString('utf8'));

before(async () => {
  env = await startAeEnv({ tag: 'tables', tables: ['machine_metrics', 'deploy_events'] });
  assert.equal(await insertRows(env.ch, 'machine_metrics', rows), rows.length);
  assert.equal(await insertRows(env.ch, 'deploy_events', deploys), deploys.length);
  const eventsPath = join(env.scratch, 'events.jsonl');
  writeFileSync(eventsPath, genEvents(rng, fleet, NOW).events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  EVENTS = eventsTable(eventsPath, sqlString);
});

after(async () => {
  await env?.close();
});

// ------------------------------------------------------------------------------------------------
// The examples.

test('each example config loads (posthog print, offline) and names each of its tables', async () => {
  const vars = {
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_ANALYTICS_API_TOKEN: 'cf-token', R2_ACCESS_KEY_ID: 'r2-key', R2_SECRET_ACCESS_KEY: 'r2-secret',
    POSTHOG_PROJECT_ID: '4242', POSTHOG_PERSONAL_API_KEY: 'phx_key', R2_READ_ACCESS_KEY_ID: 'r2-read-key',
    R2_READ_SECRET_ACCESS_KEY: 'r2-read-secret',
  };
  const want = {
    'tables-raw.toml': ['machine_metrics'],
    'tables-by-metric-type.toml': Object.values(SPLIT).map((t) => t.name),
    'tables-hourly-rollup.toml': [ROLLUP.name],
  };
  for (const [file, names] of Object.entries(want)) {
    const res = await runAesyncAsync(['-c', join(EXAMPLES, file), 'posthog', 'print'], { cwd: env.scratch, env: vars });
    assertExit(res, 0, file);
    for (const name of names) {
      assert.match(res.stdout, new RegExp(`table name:\\s+${name}\\n`), `${file}: table ${name} in:\n${res.stdout}`);
      assert.ok(res.stdout.includes(`/iterate-posthog-exports/${name}/*/data.parquet`), `${file}: ${name}'s URL pattern`);
    }
    assert.ok(!res.stdout.includes('r2-read-secret'), `${file}: the read secret is shown`);
  }
  // The example's rollup is the one this file checks.
  const rollupText = exampleTablesText(join(EXAMPLES, 'tables-hourly-rollup.toml'));
  const list = (xs) => JSON.stringify(xs).replaceAll(',', ', ');
  assert.ok(rollupText.includes(`every = "1h", by = ${list(ROLLUP.by)}, values = ${list(ROLLUP.values)}`), rollupText);
});

// ------------------------------------------------------------------------------------------------
// Five tables from one read.

test(`the raw table alone, then raw + 3 split + hourly rollup in one config: the same AE requests (seed=${SEED})`, async () => {
  const soloConfig = writeTablesConfig(env, 'solo.toml', tablesToml([{ name: 'machine_metrics', prefix: 'solo' }]));
  const fiveConfig = writeTablesConfig(env, 'five.toml', [
    tablesToml([RAW]),
    exampleTablesText(join(EXAMPLES, 'tables-by-metric-type.toml')),
    exampleTablesText(join(EXAMPLES, 'tables-hourly-rollup.toml')),
  ].join('\n'));

  env.gw.resetCounts();
  solo = await env.aesync(['sync', '-c', soloConfig, '--from', RANGE[0], '--to', RANGE.at(-1), '--now', NOW]);
  assertExit(solo, 0, 'raw table alone');
  const soloCounts = { ...env.gw.counts };
  env.gw.resetCounts();
  five = await env.aesync(['sync', '-c', fiveConfig, '--from', RANGE[0], '--to', RANGE.at(-1), '--now', NOW]);
  assertExit(five, 0, 'five tables');
  const fiveCounts = { ...env.gw.counts };
  // A summary line per table and day, every one ok.
  const summary = parseTablesSummary(five.stdout);
  const names = [RAW.name, ...Object.values(SPLIT).map((t) => t.name), ROLLUP.name];
  assert.deepEqual(summary.parts.map((p) => `${p.table} ${p.day} ${p.status}`).sort(),
    names.flatMap((n) => RANGE.map((d) => `${n} ${d} ok`)).sort());
  assert.deepEqual(summary.notes, []);
  for (const day of RANGE) assert.equal(summary.parts.find((p) => p.table === RAW.name && p.day === day).rows, rowsOf(day).length);

  // One histogram per day, then 24 windows of an hour per day; nothing else, every answer 200.
  assert.deepEqual(soloCounts, { histogram: 3, data: 72, count: 0, probe: 0, other: 0, throttled: 0, sampled: 0 });
  assert.deepEqual(fiveCounts, soloCounts, 'the gateway counters');
  const shape = (log) => log.map((r) => `${requestKind(r)} ${r.window?.from}-${r.window?.to} ${r.status}`).sort();
  assert.deepEqual(shape(five.ae), shape(solo.ae), 'the same requests: kinds and windows');
  // The raw table reads every raw column the others need: the same select list.
  const selected = (log) => [...new Set(log.filter((r) => requestKind(r) === 'data')
    .map((r) => /^SELECT (.*?) FROM /.exec(r.sql)[1].split(', ').sort().join(',')))];
  assert.deepEqual(selected(five.ae), selected(solo.ae));
  assert.equal(selected(five.ae).length, 1);
});

test('five tables: a data object and a manifest per day each, with the table, its columns and fingerprint', async () => {
  const prefixes = [RAW.prefix, ...Object.values(SPLIT).map((t) => t.name), ROLLUP.name];
  const keys = await env.h.listKeys('');
  for (const p of prefixes) {
    assert.deepEqual(keys.filter((k) => k.startsWith(`${p}/`)), RANGE.flatMap((d) => [manifestKey(d, p), dataKey(d, p)]).sort(), p);
  }
  assert.deepEqual(env.h.openUploads(), []);
  const cols = (names) => names.map((n) => n.name ?? n);
  for (const day of RANGE) {
    const byKind = (k) => rowsOf(day).filter((r) => r.blob4 === k).length;
    const raw = await manifest(RAW.prefix, day);
    assert.deepEqual([raw.table, raw.verified], [RAW.name, true]);
    assert.equal(raw.rows, rowsOf(day).length, `${day} raw rows`);
    assert.deepEqual(cols(raw.columns), cols(BUILTIN_COLUMNS));
    const fingerprints = new Set([raw.schema_fingerprint]);
    for (const [kind, t] of Object.entries(SPLIT)) {
      const m = await manifest(t.name, day);
      assert.equal(m.table, t.name);
      assert.equal(m.rows, byKind(kind), `${day} ${t.name} rows`);
      assert.equal(m.verified, true);
      assert.deepEqual(m.columns.map((c) => [c.name, c.type]), t.columns.map((n) => [n, typeOf(n)]), `${t.name} columns`);
      fingerprints.add(m.schema_fingerprint);
    }
    const r = await manifest(ROLLUP.name, day);
    assert.deepEqual([r.table, r.verified], [ROLLUP.name, true]);
    assert.deepEqual(r.columns.map((c) => [c.name, c.type]), ROLLUP_COLUMNS.map((c) => [c.name, c.type]), 'rollup columns');
    fingerprints.add(r.schema_fingerprint);
    for (const f of fingerprints) assert.match(f, /^[0-9a-f]{16}$/);
    assert.equal(fingerprints.size, 5, 'five schemas, five fingerprints');
  }
  // The same raw table as the raw table alone wrote (same day, same bytes).
  for (const day of RANGE) {
    assert.ok((await env.h.objectBytes(dataKey(day, RAW.prefix))).equals(await env.h.objectBytes(dataKey(day, 'solo'))), `${day}: raw vs solo`);
  }
});

// Each day's raw export rows (built-in mapping, file order).
const rawRowsCache = {};
async function rawRows(day) {
  rawRowsCache[day] ??= await objectRows(env.h, dataKey(day, RAW.prefix), BUILTIN_COLUMNS, env.scratch);
  return rawRowsCache[day];
}

test('each per-metric table is the raw export filtered by metric_type: every column, every value, in order', async () => {
  for (const day of RANGE) {
    const raw = await rawRows(day);
    assert.equal(raw.length, rowsOf(day).length);
    for (const [kind, t] of Object.entries(SPLIT)) {
      const cols = t.columns.map((n) => ({ name: n, type: typeOf(n) }));
      const got = await objectRows(env.h, dataKey(day, t.name), cols, env.scratch);
      const want = raw.filter((r) => r[BUILTIN_AT.metric_type] === kind).map((r) => t.columns.map((n) => r[BUILTIN_AT[n]]));
      assert.ok(want.length > (kind === 'startup' ? 50 : 500), `${day} ${kind}: ${want.length} rows`);
      assert.equal(got.length, want.length, `${day} ${t.name} rows`);
      assert.deepEqual(got, want, `${day} ${t.name}`);
    }
  }
});

test('the hourly rollup equals a GROUP BY over the raw export (exact samples, weight, min, max, sum; avg within 1e-12)', async () => {
  const avgAt = ROLLUP_COLUMNS.map((c, i) => (c.name.endsWith('_avg') ? i : -1)).filter((i) => i >= 0);
  let groups = 0;
  let multi = 0;
  for (const day of RANGE) {
    const want = rollupReference(await rawRows(day), BUILTIN_COLUMNS, ROLLUP);
    const got = sortRows(await objectRows(env.h, dataKey(day, ROLLUP.name), ROLLUP_COLUMNS, env.scratch), 1 + ROLLUP.by.length);
    assert.equal(got.length, want.length, `${day}: groups`);
    assert.equal((await manifest(ROLLUP.name, day)).rows, want.length, `${day}: manifest rows`);
    for (let i = 0; i < want.length; i++) {
      const at = `${day} ${rowKey(want[i].slice(0, 1 + ROLLUP.by.length))}`;
      for (const a of avgAt) {
        const [x, y] = [got[i][a], want[i][a]];
        if (y === null) assert.equal(x, null, `${at} ${ROLLUP_COLUMNS[a].name}`);
        else assert.ok(Math.abs(x - y) <= 1e-12 * Math.abs(y), `${at} ${ROLLUP_COLUMNS[a].name}: ${x} vs ${y}`);
      }
      const exact = (r) => r.map((v, j) => (avgAt.includes(j) ? 'avg' : v));
      assert.deepEqual(exact(got[i]), exact(want[i]), at);
      if (want[i][1 + ROLLUP.by.length] > 1n) multi++;
    }
    groups += want.length;
  }
  // Not a copy of the raw rows: most groups hold several.
  assert.ok(multi > groups / 2, `${multi} of ${groups} groups have more than one row`);
});

test('the hourly rollup: ClickHouse\'s GROUP BY over the raw export agrees (one cross-check)', async () => {
  const by = ROLLUP.by.join(', ');
  const q = (from, select) =>
    `SELECT toString(intDiv(toUnixTimestamp64Milli(timestamp), 3600000) * 3600000) AS bucket, ${by}, ${select} FROM ${from} ` +
    `${from.includes(ROLLUP.name) ? '' : `GROUP BY bucket, ${by} `}ORDER BY bucket, ${by} SETTINGS output_format_json_quote_64bit_integers = 1`;
  const fromRaw = await chdbObjectsAsync(q(glob(RAW.prefix),
    'toString(count()) AS samples, toString(sum(sample_interval)) AS weight, min(cpu_percent) AS cpu_min, max(cpu_percent) AS cpu_max, ' +
      'sum(cpu_percent) AS cpu_sum, sum(cpu_percent * sample_interval) / sumIf(sample_interval, cpu_percent IS NOT NULL) AS cpu_avg, ' +
      'min(value1) AS v1_min, max(value1) AS v1_max, sum(value1) AS v1_sum'));
  const fromRollup = await chdbObjectsAsync(q(glob(ROLLUP.name),
    'toString(samples) AS samples, toString(weight) AS weight, cpu_percent_min AS cpu_min, cpu_percent_max AS cpu_max, ' +
      'cpu_percent_sum AS cpu_sum, cpu_percent_avg AS cpu_avg, value1_min AS v1_min, value1_max AS v1_max, value1_sum AS v1_sum'));
  assert.equal(fromRollup.length, fromRaw.length);
  const close = (a, b) => (a === null ? b === null : Math.abs(a - b) <= 1e-9 * Math.abs(b));
  for (let i = 0; i < fromRaw.length; i++) {
    const { cpu_sum: s1, cpu_avg: a1, v1_sum: v1, ...exact1 } = fromRaw[i];
    const { cpu_sum: s2, cpu_avg: a2, v1_sum: v2, ...exact2 } = fromRollup[i];
    assert.deepEqual(exact2, exact1);
    assert.ok(close(s2, s1) && close(a2, a1) && close(v2, v1), `${JSON.stringify(fromRollup[i])} vs ${JSON.stringify(fromRaw[i])}`);
  }
  assert.ok(fromRaw.some((r) => r.cpu_min === null) && fromRaw.some((r) => r.cpu_min !== null), 'groups with and without cpu_percent');
});

test('the two example queries answer the same on the split tables as on the raw table', async (t) => {
  const now = nowSql(NOW);
  const q1 = (table) => chdbObjectsAsync(startupVsRetention(table, BUILTIN_QUERY_COLUMNS.startup, { events: EVENTS, now }));
  const split1 = await q1(glob(SPLIT.startup.name));
  const raw1 = await q1(glob(RAW.prefix));
  t.diagnostic(JSON.stringify(split1));
  assert.deepEqual(split1, raw1);
  assert.deepEqual(split1.map((r) => r.startup_speed), ['fast (<30s)', 'medium (30-60s)', 'slow (>60s)']);
  for (const r of split1) assert.ok(r.users > 0 && r.retained_users <= r.users, JSON.stringify(r));

  const q2 = (table) => chdbObjectsAsync(unhealthyOrgs(table, BUILTIN_QUERY_COLUMNS.unhealthy));
  const split2 = await q2(glob(SPLIT.resource.name));
  const raw2 = await q2(glob(RAW.prefix));
  assert.equal(split2.length, new Set(fleet.map((m) => m.org)).size, 'every org has unhealthy samples');
  const exact = (rs) => rs.map(({ avg_cpu_when_unhealthy: _, ...r }) => r);
  assert.deepEqual(exact(split2), exact(raw2));
  for (let i = 0; i < raw2.length; i++) {
    const [a, b] = [split2[i].avg_cpu_when_unhealthy, raw2[i].avg_cpu_when_unhealthy];
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b), `${raw2[i].org_id}: avg ${a} vs ${b}`);
  }
});

// ------------------------------------------------------------------------------------------------
// A schema change: a nullable column added to a table's mapping.

const SCHEMA_V1 = [
  { name: 'timestamp', from: 'timestamp', type: 'timestamp' },
  { name: 'machine_id', from: 'index1', type: 'string' },
  { name: 'metric_type', from: 'blob4', type: 'string' },
  { name: 'sample_interval', from: '_sample_interval', type: 'int64' },
  { name: 'value1', from: 'double1', type: 'double' },
];
const ADDED = { name: 'process_cpu', from: 'double1', type: 'double', when: { blob4: 'process' } };
const SCHEMA_V2 = [...SCHEMA_V1, ADDED];
const SCHEMA_TABLE = 'schema_change';
const SCHEDULED_NOW = `${D[4]}T12:00:00Z`; // today D[4] (up to 11:55, the settle time), yesterday D[3]
const OLD_DAYS = RANGE;
const NEW_DAYS = [D[3], D[4]];

/** Per day: rows, process rows, and process rows up to `cutoff` (the scheduled run's end of today). */
function expectedSchemaDays(cutoffSec) {
  const out = {};
  for (const day of D) {
    const dayRows = rowsOf(day).filter((r) => Date.parse(r.timestamp.replace(' ', 'T') + 'Z') / 1000 < cutoffSec);
    out[day] = { rows: dayRows.length, process: dayRows.filter((r) => r.blob4 === 'process').length };
  }
  return out;
}

/** `status --json`'s list of partitions. */
async function statusList(config) {
  const res = await env.aesync(['status', '-c', config, '--json']);
  assertExit(res, 0, 'status --json');
  return JSON.parse(res.stdout);
}

test('schema change: the scheduled sync writes new days with the added column; one s3() glob reads old and new days', async () => {
  const v1 = writeTablesConfig(env, 'schema-v1.toml', tablesToml([{ name: SCHEMA_TABLE, columns: SCHEMA_V1 }]));
  const v2 = writeTablesConfig(env, 'schema-v2.toml', tablesToml([{ name: SCHEMA_TABLE, columns: SCHEMA_V2 }]));
  assertExit(await env.aesync(['sync', '-c', v1, '--from', OLD_DAYS[0], '--to', OLD_DAYS.at(-1), '--now', SCHEDULED_NOW]), 0, 'v1 backfill');
  const before = {};
  for (const day of OLD_DAYS) before[day] = await env.h.objectBytes(manifestKey(day, SCHEMA_TABLE));
  const f1 = JSON.parse(before[OLD_DAYS[0]].toString('utf8')).schema_fingerprint;

  const res = await env.aesync(['sync', '-c', v2, '--now', SCHEDULED_NOW]);
  assertExit(res, 0, 'scheduled sync with the added column');
  // Only the new days were written; the old days' files stay as they were.
  const written = [...new Set(writes(res.s3).filter((r) => r.status === 200 && r.method === 'PUT').map((r) => r.key.split('/')[1]))].sort();
  assert.deepEqual(written, NEW_DAYS);
  for (const day of OLD_DAYS) assert.ok((await env.h.objectBytes(manifestKey(day, SCHEMA_TABLE))).equals(before[day]), `${day} untouched`);
  const f2 = (await manifest(SCHEMA_TABLE, NEW_DAYS[0])).schema_fingerprint;
  assert.notEqual(f2, f1);
  for (const day of NEW_DAYS) {
    const m = await manifest(SCHEMA_TABLE, day);
    assert.equal(m.schema_fingerprint, f2);
    assert.deepEqual(m.columns.at(-1), { name: 'process_cpu', type: 'double', from: 'double1', nullable: true });
  }

  // PostHog's table has the new schema (after `posthog link`): s3() with that structure reads
  // every day; the old files lack the column: NULL there.
  const cutoff = Date.parse(SCHEDULED_NOW) / 1000 - 300;
  const want = expectedSchemaDays(cutoff);
  const structure = "timestamp DateTime64(3, 'UTC'), machine_id String, metric_type String, sample_interval Int64, value1 Float64, " +
    'process_cpu Nullable(Float64)';
  const perDay = async (from, settings = '') => chdbObjectsAsync(
    `SELECT toString(toDate(timestamp)) AS day, count() AS rows, countIf(process_cpu IS NOT NULL) AS with_column, ` +
      `countIf(metric_type = 'process' AND process_cpu = value1) AS equal_value1 FROM ${from} GROUP BY day ORDER BY day ` +
      `SETTINGS output_format_json_quote_64bit_integers = 0${settings}`);
  const s3With = `s3(${sqlString(`${env.h.endpoint}/${env.h.bucket}/${SCHEMA_TABLE}/*/data.parquet`)}, ${sqlString(env.h.accessKeyId)}, ` +
    `${sqlString(env.h.secretAccessKey)}, 'Parquet', ${sqlString(structure)})`;
  const expect = (day) => {
    const withColumn = NEW_DAYS.includes(day) ? want[day].process : 0;
    return { day, rows: want[day].rows, with_column: withColumn, equal_value1: withColumn };
  };
  assert.deepEqual(await perDay(s3With), D.map(expect));
  // Schema inference over the glob as a union of the files' columns reads the same. (ClickHouse's
  // default inference takes one file's columns: with an old file first, process_cpu is unknown;
  // hence `posthog link` refreshing PostHog's schema after a change.)
  assert.deepEqual(await perDay(glob(SCHEMA_TABLE), ", schema_inference_mode = 'union'"), D.map(expect));
});

test('schema change: status counts the old-schema days; sync --from --to re-exports exactly those; then none', async () => {
  // status: docs/commands.md, "status" (per day "old schema <fingerprint>", then the count, the
  // fingerprints and the command after the total).
  const v2 = join(env.scratch, 'schema-v2.toml');
  const [f1, f2] = [(await manifest(SCHEMA_TABLE, OLD_DAYS[0])).schema_fingerprint, (await manifest(SCHEMA_TABLE, D[3])).schema_fingerprint];
  const statusBefore = await env.aesync(['status', '-c', v2]);
  assertExit(statusBefore, 0, 'status');
  const lines = statusBefore.stdout.split('\n');
  for (const day of D) {
    const line = lines.find((l) => l.startsWith(`${day} `));
    assert.ok(line, `${day} in:\n${statusBefore.stdout}`);
    if (OLD_DAYS.includes(day)) assert.match(line, new RegExp(`\\s+old schema ${f1}$`), line);
    else assert.doesNotMatch(line, /old schema/, line);
  }
  const at = lines.findIndex((l) => l.startsWith('total '));
  assert.equal(lines[at + 1], `3 days with an old schema (fingerprint ${f1}, current ${f2}): ` +
    `re-export with aesync sync --from ${OLD_DAYS[0]} --to ${OLD_DAYS.at(-1)}`);
  assert.match(lines[at + 2], /^ {2}PostHog reads them together with the new days: column process_cpu added as nullable\b/,
    statusBefore.stdout);
  assert.doesNotMatch(statusBefore.stdout, /cannot read/);
  const listBefore = await statusList(v2);
  assert.deepEqual(listBefore.map((p) => [p.partition, p.old_schema]), D.map((d) => [d, OLD_DAYS.includes(d)]));

  const before = {};
  for (const day of [...OLD_DAYS, D[3]]) before[day] = await manifest(SCHEMA_TABLE, day);
  const res = await env.aesync(['sync', '-c', v2, '--from', OLD_DAYS[0], '--to', D[3], '--now', SCHEDULED_NOW]);
  assertExit(res, 0, 'backfill of the old-schema days');
  assert.deepEqual(statuses(parseSummary(res.stdout)), { ...Object.fromEntries(OLD_DAYS.map((d) => [d, 'ok'])), [D[3]]: 'skipped' });
  const written = [...new Set(writes(res.s3).filter((r) => r.status === 200 && r.method === 'PUT').map((r) => r.key.split('/')[1]))].sort();
  assert.deepEqual(written, OLD_DAYS, 'only the old-schema days were exported again');
  const data = res.ae.filter((r) => requestKind(r) === 'data');
  assert.deepEqual([...new Set(data.map((r) => new Date(r.window.from * 1000).toISOString().slice(0, 10)))].sort(), OLD_DAYS);
  for (const day of OLD_DAYS) {
    const m = await manifest(SCHEMA_TABLE, day);
    assert.equal(m.schema_fingerprint, f2, day);
    assert.ok(m.exported_at >= before[day].exported_at, `${day} exported_at`);
    assert.equal(m.rows, rowsOf(day).length);
  }
  assert.deepEqual(await manifest(SCHEMA_TABLE, D[3]), before[D[3]], `${D[3]} (current schema) was skipped`);

  const statusAfter = await env.aesync(['status', '-c', v2]);
  assertExit(statusAfter, 0, 'status after');
  assert.doesNotMatch(statusAfter.stdout, /old schema/, statusAfter.stdout);
  assert.deepEqual((await statusList(v2)).map((p) => [p.partition, p.old_schema, p.schema_fingerprint]), D.map((d) => [d, false, f2]));
  // Every day now carries the column.
  const [processRows] = await chdbObjectsAsync(`SELECT countIf(process_cpu IS NULL) AS nulls, count() AS process FROM ${glob(SCHEMA_TABLE)} ` +
    "WHERE metric_type = 'process' SETTINGS output_format_json_quote_64bit_integers = 0");
  const want = expectedSchemaDays(Date.parse(SCHEDULED_NOW) / 1000 - 300);
  assert.deepEqual(processRows, { nulls: 0, process: D.reduce((s, d) => s + want[d].process, 0) });
});

// ------------------------------------------------------------------------------------------------
// Two datasets.

test('two datasets in one config, each with its own tables: one run exports both, exact rows', async () => {
  const config = writeTablesConfig(env, 'two-datasets.toml', tablesToml([
    { name: 'startups', where: { blob4: 'startup' } },
    { name: 'deploys', dataset: 'deploy_events', columns: DEPLOY_COLUMNS },
    { name: 'deploys_failed', dataset: 'deploy_events', where: { blob2: 'failed' }, columns: DEPLOY_COLUMNS },
  ]));
  env.gw.resetCounts();
  const res = await env.aesync(['sync', '-c', config, '--from', RANGE[0], '--to', RANGE.at(-1), '--now', NOW]);
  assertExit(res, 0, 'two datasets');
  // Each dataset read once a day: a histogram, then its windows (the gateway maps the dataset
  // after FROM to its table).
  const datasetOf = (r) => /\bFROM (\w+)/.exec(r.sql)[1];
  const histograms = res.ae.filter((r) => requestKind(r) === 'histogram').map((r) => `${datasetOf(r)} ${r.window.from}`).sort();
  assert.deepEqual(histograms, ['deploy_events', 'machine_metrics'].flatMap((ds) => RANGE.map((d) => `${ds} ${unixOf(d)}`)).sort());
  const data = res.ae.filter((r) => requestKind(r) === 'data');
  assert.deepEqual([...new Set(data.map(datasetOf))].sort(), ['deploy_events', 'machine_metrics']);
  const key = (r) => `${datasetOf(r)} ${r.window.from}`;
  assert.equal(new Set(data.map(key)).size, data.length, 'no window read twice');
  assert.deepEqual(res.ae.filter((r) => r.status !== 200), []);

  for (const day of RANGE) {
    const dayDeploys = deploys.filter((r) => r.timestamp.startsWith(day));
    const expect = {
      startups: rowsOf(day).filter((r) => r.blob4 === 'startup').length,
      deploys: dayDeploys.length,
      deploys_failed: dayDeploys.filter((r) => r.blob2 === 'failed').length,
    };
    for (const [table, n] of Object.entries(expect)) {
      const m = await manifest(table, day);
      assert.deepEqual([m.table, m.rows, m.verified], [table, n, true], `${day} ${table}`);
    }
    // The deploys' values, whatever the order of rows of the same second.
    const got = await objectRows(env.h, dataKey(day, 'deploys'), DEPLOY_COLUMNS, env.scratch);
    const want = mapRows(dayDeploys, DEPLOY_COLUMNS);
    const sorted = (rs) => rs.map((r) => rowKey(r)).sort();
    assert.deepEqual(sorted(got), sorted(want), `${day} deploys`);
  }
});
