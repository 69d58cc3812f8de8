// `aesync prune` and `aesync status` against the S3 harness: a bucket holding partitions for
// 100 days (two exported by a real sync from the AE gateway, the others copies of them under
// their own day) and neighbours that are not partitions. `prune --dry-run --now T` lists
// exactly the objects of the days older than retention_days before T and changes nothing;
// `prune --now T` deletes exactly those and nothing else in the bucket; `status` lists the
// partitions from their manifests, before and after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { PREFIX, assertExit, dataKey, manifestKey, parseSummary, startAeEnv, statuses, writes } from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { addDays } from './lib/gen.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';

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
