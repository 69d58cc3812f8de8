// `aesync prune` and `aesync status` against the S3 harness: a bucket holding partitions for
// 100 days (two exported by a real sync from the AE gateway, the others copies of them under
// their own day) and neighbours that are not partitions. `prune --dry-run --now T` lists
// exactly the objects of the days older than retention_days before T and changes nothing;
// `prune --now T` deletes exactly those and nothing else in the bucket; `status` lists the
// partitions from their manifests, before and after.
//
// Schema changes, on a local destination fed from a file dump: days exported with one mapping,
// then with another (a column removed, one retyped, a nullable one added). `status` marks the
// old-schema days, counts them and names the re-export command; `check` warns (exit 0) when
// PostHog cannot read them together with the new days, and not when only a nullable column was
// added, which ClickHouse reads as NULL over a glob of mixed files (what PostHog queries).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { aeDay, numberOf, writeDump } from './lib/ae.mjs';
import { PREFIX, MANIFEST_COLUMNS, assertExit, dataKey, manifestKey, parseSummary, startAeEnv, statuses, writes } from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { runAesync, scratchDir } from './lib/aesync.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { addDays, genMachineMetrics } from './lib/gen.mjs';
import { configToml, isNullable } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { chdbObjects, sqlString } from './lib/readers.mjs';

const SEED = seedFromEnv(9090);
const NOW = '2026-05-15T12:00:00Z';
const TODAY = '2026-05-15';
const CUTOFF = addDays(TODAY, -90); // 2026-02-14: the oldest day kept
const REAL = [addDays(TODAY, -2), addDays(TODAY, -1)]; // exported by a real sync
// Days -100 .. -3 get copies, except a few gaps; -91 and -90 (either side of the cutoff) are there.
const COPIES = [];
for (let k = 100; k >= 3; k--) if (k % 9 !== 4 || k === 91 || k === 90) COPIES.push(addDays(TODAY, -k));
const ALL_DAYS = [...COPIES, ...REAL];
const OLD = ALL_DAYS.filter((d) => d < CUTOFF);
const KEPT = ALL_DAYS.filter((d) => d >= CUTOFF);
const EMPTY_OLD = COPIES[5]; // an old day exported with no rows: a manifest only
const EMPTY_KEPT = addDays(TODAY, -41); // a kept day with no rows
const EXTRA_OLD = COPIES[1]; // an old day with one more object in its folder
const NEIGHBOURS = [
  'machine_metrics_old/2025-01-01/data.parquet',
  'machine_metrics/notes.txt',
  'machine_metrics/x/2025-01-01/data.parquet',
  'other/2025-01-01/data.parquet',
  'machine_metrics/2025-13-01/data.parquet',
  'machine_metrics/2025-02-30/data.parquet',
  'machine_metrics/2025-1-01/data.parquet',
  'machine_metrics/20250101/data.parquet',
  'machine_metrics/2025-01-01/sub/data.parquet',
  'Machine_metrics/2025-01-01/data.parquet',
  `other/${OLD[0]}/_manifest.json`,
];

let env;
let config;
let realManifests; // day -> manifest object
let expectedKeys; // every key put in the bucket
let oldKeys; // the keys prune must delete

before(async () => {
  env = await startAeEnv({ tag: 'prune-status' });
  assert.ok(COPIES.includes(addDays(TODAY, -91)) && COPIES.includes(CUTOFF) && COPIES.includes(EMPTY_KEPT));
  const rng = new Rng(SEED);
  const fleet = makeFleet(rng, { machines: 30, orgs: 4 });
  await insertRows(env.ch, 'machine_metrics', streamMachineMetrics(rng, { startDay: REAL[0], days: 2, rowsPerDay: 600, fleet }));
  config = env.config('prune.toml');
  const res = await env.aesync(['sync', '-c', config, '--from', REAL[0], '--to', REAL[1], '--now', NOW]);
  assertExit(res, 0, 'sync of the real days');
  assert.deepEqual(statuses(parseSummary(res.stdout)), { [REAL[0]]: 'ok', [REAL[1]]: 'ok' });
  realManifests = {};
  for (const d of REAL) realManifests[d] = JSON.parse((await env.h.objectBytes(manifestKey(d))).toString('utf8'));
  const data = await env.h.objectBytes(dataKey(REAL[0]));
  for (const d of COPIES) {
    const empty = d === EMPTY_OLD || d === EMPTY_KEPT;
    const m = { ...realManifests[REAL[0]], partition: d, data_key: empty ? null : dataKey(d) };
    if (empty) Object.assign(m, { rows: 0, sample_weight: 0, bytes: 0, sha256: '', source_rows: 0 });
    await env.h.putDirect(manifestKey(d), JSON.stringify(m, null, 2) + '\n');
    if (!empty) await env.h.putDirect(dataKey(d), data);
  }
  await env.h.putDirect(`${PREFIX}/${EXTRA_OLD}/data.csv`, 'a,b\n1,2\n');
  for (const k of NEIGHBOURS) await env.h.putDirect(k, `neighbour ${k}`);
  const layout = (days) =>
    days.flatMap((d) => (d === EMPTY_OLD || d === EMPTY_KEPT ? [manifestKey(d)] : [manifestKey(d), dataKey(d)]));
  oldKeys = [...layout(OLD), `${PREFIX}/${EXTRA_OLD}/data.csv`].sort();
  expectedKeys = [...layout(ALL_DAYS), `${PREFIX}/${EXTRA_OLD}/data.csv`, ...NEIGHBOURS];
  const byBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  expectedKeys.sort(byBytes);
  assert.deepEqual(await env.h.listKeys(''), expectedKeys);
});

after(async () => {
  await env?.close();
});

/**
 * The schema fingerprint of a table whose mapping is `columns` (no where, no rollup): the first
 * 16 hex digits of the SHA-256 of the canonical text of src/schema/table_shape.cpp
 * (schema_fingerprint), one line per column: name, type, raw source, nullable or required.
 */
function fingerprintOf(columns) {
  let text = 'aesync-schema-1\n';
  for (const c of columns) text += `column ${c.name} ${c.type} ${c.from} ${(c.nullable ?? isNullable(c)) ? 'nullable' : 'required'}\n`;
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function statusRow(d) {
  const m = d in realManifests ? realManifests[d] : realManifests[REAL[0]];
  const empty = d === EMPTY_OLD || d === EMPTY_KEPT;
  return {
    partition: d,
    rows: empty ? 0 : m.rows,
    sample_weight: empty ? 0 : m.sample_weight,
    bytes: empty ? 0 : m.bytes,
    exported_at: m.exported_at,
    verified: true,
    read_sampled: false,
    windows: 24,
    data_key: empty ? null : dataKey(d),
    table: 'machine_metrics',
    schema_fingerprint: fingerprintOf(MANIFEST_COLUMNS),
    old_schema: false,
    schema_changes: [],
  };
}

test(`the layout: ${ALL_DAYS.length} days from ${ALL_DAYS[0]} to ${REAL[1]}, ${OLD.length} of them older than ${CUTOFF} (seed=${SEED})`, () => {
  assert.equal(ALL_DAYS[0], addDays(TODAY, -100));
  assert.ok(OLD.includes(addDays(TODAY, -91)) && !OLD.includes(CUTOFF) && KEPT.includes(CUTOFF));
  assert.ok(KEPT.includes(EMPTY_KEPT) && OLD.includes(EMPTY_OLD) && OLD.includes(EXTRA_OLD));
});

test('status --json before pruning: every day with its manifest, in day order, neighbours ignored', async () => {
  const res = await env.aesync(['status', '-c', config, '--json']);
  assertExit(res, 0, 'status --json');
  assert.deepEqual(JSON.parse(res.stdout), ALL_DAYS.map(statusRow));
});

test('prune --dry-run --now T lists exactly the objects of the days past retention and changes nothing', async () => {
  const res = await env.aesync(['prune', '-c', config, '--dry-run', '--now', NOW]);
  assertExit(res, 0, 'prune --dry-run');
  const lines = res.stdout.split('\n').filter((l) => l !== '');
  const listed = lines.filter((l) => l.startsWith('would delete ')).map((l) => l.slice('would delete '.length));
  assert.deepEqual(listed.sort(), oldKeys.map((k) => `s3://${env.h.bucket}/${k}`).sort());
  assert.deepEqual(lines.filter((l) => !l.startsWith('would delete ')), [
    `dry run: ${OLD.length} partition(s) older than 90 days, ${oldKeys.length} object(s) would be deleted`,
  ]);
  assert.deepEqual(writes(res.s3), [], 'a dry run writes nothing');
  assert.deepEqual(res.ae, [], 'prune asks nothing of the source');
  assert.deepEqual(await env.h.listKeys(''), expectedKeys);
});

test('prune --now T deletes exactly those objects and nothing else in the bucket', async () => {
  const res = await env.aesync(['prune', '-c', config, '--now', NOW]);
  assertExit(res, 0, 'prune');
  const lines = res.stdout.split('\n').filter((l) => l !== '');
  const deleted = lines.filter((l) => l.startsWith('deleted ')).map((l) => l.slice('deleted '.length));
  assert.deepEqual(deleted.sort(), oldKeys.map((k) => `s3://${env.h.bucket}/${k}`).sort());
  assert.deepEqual(lines.filter((l) => !l.startsWith('deleted ')), [
    `${OLD.length} partition(s) older than 90 days, ${oldKeys.length} object(s) deleted`,
  ]);
  const gone = new Set(oldKeys);
  assert.deepEqual(await env.h.listKeys(''), expectedKeys.filter((k) => !gone.has(k)));
  for (const k of NEIGHBOURS) assert.equal((await env.h.objectBytes(k)).toString('utf8'), `neighbour ${k}`, k);
  assert.ok(res.s3.every((r) => r.method !== 'PUT'), 'prune writes no object');
});

test('status after pruning lists only the days kept; a second prune finds nothing', async () => {
  const res = await env.aesync(['status', '-c', config, '--json']);
  assertExit(res, 0, 'status --json');
  assert.deepEqual(JSON.parse(res.stdout), KEPT.map(statusRow));
  const text = await env.aesync(['status', '-c', config]);
  assertExit(text, 0, 'status');
  const dayLines = text.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\d\s/.test(l));
  assert.deepEqual(dayLines.map((l) => l.slice(0, 10)), KEPT);
  const again = await env.aesync(['prune', '-c', config, '--now', NOW]);
  assertExit(again, 0, 'second prune');
  assert.equal(again.stdout, '0 partition(s) older than 90 days, 0 object(s) deleted\n');
  assert.deepEqual(writes(again.s3), []);
});

test('no output of aesync in this file holds the token or the secret key', () => {
  for (const out of env.outputs) {
    assert.ok(!out.includes(env.token), 'the AE token leaked');
    assert.ok(!out.includes(env.h.secretAccessKey), 'the secret key leaked');
  }
});

// ------------------------------------------------------------------------------------------------
// Schema changes (local destination, file source)

const LOCAL = scratchDir('schema-drift');
const EXPORTS = join(LOCAL, 'exports');
const SCHEMA_NOW = '2026-03-05T00:00:00Z';
const SD = ['2026-03-01', '2026-03-02', '2026-03-03'];
const SD_RAW = genMachineMetrics(new Rng(SEED + 1), { rows: 900, days: 3, startDay: SD[0], machines: 20, orgs: 3 });
const rawOf = (days) => SD_RAW.filter((r) => days.includes(aeDay(r.timestamp)));
const col = (name, from, type, extra = {}) => ({ name, from, type, ...extra });
// A: the first mapping. B: value2 removed, sample_interval retyped to double, org_id added
// (nullable). C: B plus process_name (nullable).
const MAP_A = [
  col('timestamp', 'timestamp', 'timestamp'), col('machine_id', 'index1', 'string'), col('metric_type', 'blob4', 'string'),
  col('sample_interval', '_sample_interval', 'int64'), col('value1', 'double1', 'double'), col('value2', 'double2', 'double'),
];
const MAP_B = [
  col('timestamp', 'timestamp', 'timestamp'), col('machine_id', 'index1', 'string'),
  col('org_id', 'blob1', 'string', { empty_as_null: true }), col('metric_type', 'blob4', 'string'),
  col('sample_interval', '_sample_interval', 'double'), col('value1', 'double1', 'double'),
];
const MAP_C = [...MAP_B, col('process_name', 'blob5', 'string', { empty_as_null: true })];
const [FP_A, FP_B, FP_C] = [MAP_A, MAP_B, MAP_C].map(fingerprintOf);

function localConfig(name, columns, days) {
  const dump = join(LOCAL, `${name}.jsonl`);
  writeDump(dump, rawOf(days));
  const path = join(LOCAL, `${name}.toml`);
  writeFileSync(path, configToml({
    tables: { source: { type: 'file', path: dump }, destination: { type: 'local', path: EXPORTS, prefix: 'machine_metrics' } },
    columns,
  }));
  return path;
}

function localAesync(args) {
  return runAesync(args, { cwd: LOCAL });
}

function localSync(config) {
  const res = localAesync(['sync', '-c', config, '--now', SCHEMA_NOW]);
  assertExit(res, 0, `sync -c ${config}`);
}

/** status's line for a day: rows and bytes from the data file, "no" (a file dump is never verified), the old fingerprint if any. */
function dayLine(day, oldFingerprint) {
  const rows = String(rawOf([day]).length);
  const bytes = String(statSync(join(EXPORTS, 'machine_metrics', day, 'data.parquet')).size);
  const head = `${day.padEnd(12)} ${rows.padStart(12)} ${bytes.padStart(14)}  ${SCHEMA_NOW.padEnd(20)}  `;
  return oldFingerprint ? `${head}${'no'.padEnd(7)}  old schema ${oldFingerprint}` : `${head}no`;
}

function totalLine(days) {
  const rows = rawOf(days).length;
  const bytes = days.reduce((s, d) => s + statSync(join(EXPORTS, 'machine_metrics', d, 'data.parquet')).size, 0);
  return `${'total'.padEnd(12)} ${String(rows).padStart(12)} ${String(bytes).padStart(14)}  (${days.length} partitions under ${EXPORTS}/machine_metrics/)`;
}

const HEADER = 'day                  rows          bytes  exported at           verified';

/**
 * status's chart after the table (consecutive days): a header, then per day a bar of `#` (the
 * most rows: 50; a day with rows at least 1, rounded to the nearest) and its rows, indented.
 */
function chartLines(days) {
  const rows = days.map((d) => rawOf([d]).length);
  const max = Math.max(...rows);
  return ['', `rows per day (longest bar: ${max} rows)`, ...days.map((d, i) => {
    const len = Math.max(rows[i] > 0 ? 1 : 0, Math.floor((rows[i] * 50 + Math.floor(max / 2)) / max));
    return `  ${d}  ${'#'.repeat(len)}${' '.repeat(50 - len)}  ${rows[i]}`;
  })];
}

/** check's lines: the four checks as before, then the warnings. */
function checkLines(res) {
  assertExit(res, 0, 'check');
  const lines = res.stdout.split('\n').filter((l) => l !== '');
  assert.deepEqual(lines.slice(0, 4).map((l) => l.split(/\s+/).slice(0, 2)),
    [['ok', 'config'], ['ok', 'source'], ['ok', 'destination'], ['skip', 'posthog']], res.stdout);
  return lines.slice(4);
}

let configA, configB, configB2, configC;

test(`schema change: days of mapping A, then B (a column removed, one retyped, a nullable one added): status marks and counts the old days (seed=${SEED})`, () => {
  configA = localConfig('a', MAP_A, SD.slice(0, 2));
  configB = localConfig('b', MAP_B, SD.slice(2));
  localSync(configA);
  localSync(configB);
  const res = localAesync(['status', '-c', configB]);
  assertExit(res, 0, 'status');
  assert.equal(res.stdout, [
    HEADER,
    dayLine(SD[0], FP_A),
    dayLine(SD[1], FP_A),
    dayLine(SD[2]),
    totalLine(SD),
    `2 days with an old schema (fingerprint ${FP_A}, current ${FP_B}): re-export with aesync sync --from ${SD[0]} --to ${SD[1]}`,
    '  PostHog cannot read them together with the new days: column sample_interval is double, was int64; column value2 removed',
    '  also: column org_id added as nullable (old days read it as NULL)',
    ...chartLines(SD),
    '',
  ].join('\n'));

  const json = localAesync(['status', '-c', configB, '--json']);
  assertExit(json, 0, 'status --json');
  const changes = [
    { text: 'column org_id added as nullable (old days read it as NULL)', breaking: false },
    { text: 'column sample_interval is double, was int64', breaking: true },
    { text: 'column value2 removed', breaking: true },
  ];
  assert.deepEqual(JSON.parse(json.stdout).map((p) => [p.partition, p.table, p.rows, p.schema_fingerprint, p.old_schema, p.schema_changes]), [
    [SD[0], 'machine_metrics', rawOf([SD[0]]).length, FP_A, true, changes],
    [SD[1], 'machine_metrics', rawOf([SD[1]]).length, FP_A, true, changes],
    [SD[2], 'machine_metrics', rawOf([SD[2]]).length, FP_B, false, []],
  ]);
});

test('schema change: check warns (exit 0) that the old days must be re-exported and names the command, from either config', () => {
  assert.deepEqual(checkLines(localAesync(['check', '-c', configB])), [
    `warn  schema       table machine_metrics: 2 days (${SD[0]} .. ${SD[1]}) have an old schema that PostHog cannot read ` +
      `together with the new days (column sample_interval is double, was int64; column value2 removed): ` +
      `re-export them with aesync sync --from ${SD[0]} --to ${SD[1]}`,
  ]);
  // Seen from A, the day of B is the old one.
  assert.deepEqual(checkLines(localAesync(['check', '-c', configA])), [
    `warn  schema       table machine_metrics: 1 day (${SD[2]}) has an old schema that PostHog cannot read together ` +
      'with the new days (column sample_interval is int64, was double; column value2 added as required (old days ' +
      `read it as 0); column org_id removed): re-export it with aesync sync --from ${SD[2]} --to ${SD[2]}`,
  ]);
});

test('schema change: once the old days are exported again with B, status is as before tables and check says nothing more', () => {
  configB2 = localConfig('b2', MAP_B, SD.slice(0, 2));
  localSync(configB2);
  const res = localAesync(['status', '-c', configB]);
  assertExit(res, 0, 'status');
  assert.equal(res.stdout, [HEADER, dayLine(SD[0]), dayLine(SD[1]), dayLine(SD[2]), totalLine(SD), ...chartLines(SD), ''].join('\n'));
  assert.deepEqual(checkLines(localAesync(['check', '-c', configB])), []);
});

test('schema change: a nullable column added is an old schema PostHog reads (NULL there): no warning, one glob reads every day', () => {
  configC = localConfig('c', MAP_C, SD.slice(2));
  localSync(configC);
  const res = localAesync(['status', '-c', configC]);
  assertExit(res, 0, 'status');
  assert.equal(res.stdout, [
    HEADER,
    dayLine(SD[0], FP_B),
    dayLine(SD[1], FP_B),
    dayLine(SD[2]),
    totalLine(SD),
    `2 days with an old schema (fingerprint ${FP_B}, current ${FP_C}): re-export with aesync sync --from ${SD[0]} --to ${SD[1]}`,
    '  PostHog reads them together with the new days: column process_name added as nullable (old days read it as NULL)',
    ...chartLines(SD),
    '',
  ].join('\n'));
  assert.deepEqual(checkLines(localAesync(['check', '-c', configC])), []);
  // The table's columns as PostHog declares them (the new schema) over the mixed files.
  const glob = join(EXPORTS, 'machine_metrics', '*', 'data.parquet');
  const structure = "timestamp DateTime64(3, 'UTC'), machine_id String, org_id Nullable(String), metric_type String, " +
    'sample_interval Float64, value1 Float64, process_name Nullable(String)';
  const rows = chdbObjects(
    `SELECT toString(toDate(timestamp)) AS day, count() AS n, countIf(process_name IS NOT NULL) AS named, sum(sample_interval) AS w ` +
      `FROM file(${sqlString(glob)}, Parquet, ${sqlString(structure)}) GROUP BY day ORDER BY day ` +
      'SETTINGS output_format_json_quote_64bit_integers = 1',
  );
  const named = (day) => rawOf([day]).filter((r) => r.blob5 !== '').length;
  const weight = (day) => rawOf([day]).reduce((s, r) => s + numberOf(r._sample_interval), 0);
  assert.deepEqual(rows, SD.map((d) => ({ day: d, n: String(rawOf([d]).length), named: String(d === SD[2] ? named(d) : 0), w: weight(d) })));
  assert.ok(named(SD[2]) > 0 && named(SD[0]) > 0, 'the old days had process names: they read as NULL');
});

test('several tables: status has one block per table, prune deletes past retention under every prefix and names each table', () => {
  const dir = join(LOCAL, 'tables');
  const copy = (prefix, day) => {
    mkdirSync(join(dir, prefix, day), { recursive: true });
    for (const name of ['_manifest.json', 'data.parquet']) copyFileSync(join(EXPORTS, 'machine_metrics', day, name), join(dir, prefix, day, name));
  };
  copy('resource', SD[0]);
  copy('resource', SD[1]);
  copy('proc_days', SD[2]);
  const config = join(LOCAL, 'tables.toml');
  writeFileSync(config, configToml({
    tables: { source: { type: 'file', path: join(LOCAL, 'c.jsonl') }, destination: { type: 'local', path: dir } },
    columns: MAP_C,
  }) + '\n[[tables]]\nname = "resource"\nwhere = { blob4 = "resource" }\n\n[[tables]]\nname = "process"\nprefix = "proc_days"\n');
  // The resource table's fingerprint has its `where` line (src/schema/table_shape.cpp).
  const fpResource = createHash('sha256').update(
    'aesync-schema-1\n' + MAP_C.map((c) => `column ${c.name} ${c.type} ${c.from} ${isNullable(c) ? 'nullable' : 'required'}\n`).join('') +
      'where blob4 8:resource\n').digest('hex').slice(0, 16);
  const total = (prefix, days) => totalLine(days).replace(`${EXPORTS}/machine_metrics/`, `${dir}/${prefix}/`);
  const status = localAesync(['status', '-c', config]);
  assertExit(status, 0, 'status');
  assert.equal(status.stdout, [
    'table resource',
    HEADER,
    dayLine(SD[0], FP_B),
    dayLine(SD[1], FP_B),
    total('resource', SD.slice(0, 2)),
    `2 days with an old schema (fingerprint ${FP_B}, current ${fpResource}): re-export with aesync sync --from ${SD[0]} --to ${SD[1]}`,
    '  PostHog reads them together with the new days: column process_name added as nullable (old days read it as NULL)',
    ...chartLines(SD.slice(0, 2)),
    '',
    'table process',
    HEADER,
    dayLine(SD[2]),
    total('proc_days', SD.slice(2)),
    ...chartLines(SD.slice(2)),
    '',
  ].join('\n'));
  const json = localAesync(['status', '-c', config, '--json']);
  assert.deepEqual(JSON.parse(json.stdout).map((p) => [p.table, p.partition, p.old_schema]),
    [['resource', SD[0], true], ['resource', SD[1], true], ['process', SD[2], false]]);

  // retention_days = 90: from SD[1] + 91 days, SD[0] and SD[1] are past it, SD[2] is not.
  const now = `${addDays(SD[1], 91)}T12:00:00Z`;
  const oldKeys = SD.slice(0, 2).flatMap((d) => [`${dir}/resource/${d}/_manifest.json`, `${dir}/resource/${d}/data.parquet`]);
  const dry = localAesync(['prune', '-c', config, '--dry-run', '--now', now]);
  assertExit(dry, 0, 'prune --dry-run');
  assert.equal(dry.stdout, [
    ...oldKeys.map((k) => `would delete ${k}`),
    'table resource: dry run: 2 partition(s) older than 90 days, 4 object(s) would be deleted',
    'table process: dry run: 0 partition(s) older than 90 days, 0 object(s) would be deleted',
    '',
  ].join('\n'));
  const pruned = localAesync(['prune', '-c', config, '--now', now]);
  assertExit(pruned, 0, 'prune');
  assert.equal(pruned.stdout, [
    ...oldKeys.map((k) => `deleted ${k}`),
    'table resource: 2 partition(s) older than 90 days, 4 object(s) deleted',
    'table process: 0 partition(s) older than 90 days, 0 object(s) deleted',
    '',
  ].join('\n'));
  for (const k of oldKeys) assert.ok(!existsSync(k), k);
  assert.ok(existsSync(join(dir, 'proc_days', SD[2], 'data.parquet')));
  // Later, SD[2] is past retention too: each table's keys come before its own summary line.
  const later = localAesync(['prune', '-c', config, '--now', `${addDays(SD[2], 91)}T12:00:00Z`]);
  assert.equal(later.stdout, [
    'table resource: 0 partition(s) older than 90 days, 0 object(s) deleted',
    `deleted ${dir}/proc_days/${SD[2]}/_manifest.json`,
    `deleted ${dir}/proc_days/${SD[2]}/data.parquet`,
    'table process: 1 partition(s) older than 90 days, 2 object(s) deleted',
    '',
  ].join('\n'));
});
