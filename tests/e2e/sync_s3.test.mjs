// `aesync sync` from a file source to an `s3` and an `r2` destination, and `aesync check`, against
// the S3 harness (s3rver behind a proxy that verifies every request's SigV4 signature with AWS's
// signer and every body's SHA-256; lib/s3_harness.mjs). The objects land as with the local
// destination (<prefix>/<day>/data.parquet + _manifest.json, byte-identical data); ClickHouse
// reads them through s3() with the same credentials, as PostHog does, its own signed requests
// verified by the same proxy; a wrong secret fails naming the bucket; a failed upload leaves
// the previous partition as it was; no output ever holds the secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { aeDay, numberOf, writeDump } from './lib/ae.mjs';
import { scratchDir } from './lib/aesync.mjs';
import { genMachineMetrics } from './lib/gen.mjs';
import { BUILTIN_COLUMNS, CH_TYPES, configToml, isNullable } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { sqlString } from './lib/readers.mjs';
import { startS3Harness } from './lib/s3_harness.mjs';
import { chdbObjectsAsync, runAesyncAsync, s3Destination } from './lib/s3_tools.mjs';

const SEED = seedFromEnv(5150);
const DAYS = ['2026-02-01', '2026-02-02', '2026-02-03'];
const scratch = scratchDir('sync-s3');
const raw = genMachineMetrics(new Rng(SEED), { rows: 3000, days: 3, startDay: DAYS[0] });
const dump = join(scratch, 'dump.jsonl');
const totalWeight = raw.reduce((s, r) => s + numberOf(r._sample_interval), 0);

let h;
const outputs = []; // every stdout/stderr of aesync in this file, checked for secrets at the end
const ENV = () => ({ E2E_S3_KEY_ID: h.accessKeyId, E2E_S3_SECRET: h.secretAccessKey });

function writeConfig(name, destination, source = { type: 'file', path: dump }) {
  const path = join(scratch, name);
  // The dumps' days are fixed dates in 2026: kept in scope (sync skips days prune would delete).
  writeFileSync(path, configToml({ tables: { source, destination, sync: { retention_days: 3650 } } }));
  return path;
}

const destinationOf = (overrides = {}) => s3Destination(h, overrides);

/** Runs aesync; returns the result and the harness requests it made. */
async function aesync(args, { env = {} } = {}) {
  const from = h.requests.length;
  const res = await runAesyncAsync(args, { cwd: scratch, env: { ...ENV(), ...env } });
  outputs.push(res.stdout, res.stderr);
  return { ...res, reqs: h.since(from) };
}

function assertOk(res, what) {
  assert.equal(res.code, 0, `${what}: exit ${res.code ?? res.signal}\nstdout: ${res.stdout}\nstderr: ${res.stderr.slice(0, 4000)}`);
}

const dataKey = (prefix, day) => `${prefix}/${day}/data.parquet`;
const manifestKey = (prefix, day) => `${prefix}/${day}/_manifest.json`;
const leaseKey = (prefix, day) => `${prefix}/${day}/_lease.json`;
const s3Url = (path) => `${h.endpoint}/${h.bucket}/${path}`;
const s3Fn = (path) => `s3(${sqlString(s3Url(path))}, ${sqlString(h.accessKeyId)}, ${sqlString(h.secretAccessKey)}, 'Parquet')`;

let s3Config;
let firstRun;
const localDir = join(scratch, 'local-exports');

before(async () => {
  h = await startS3Harness({ bucket: 'aesync-sync-e2e' });
  writeDump(dump, raw);
  s3Config = writeConfig('s3.toml', destinationOf());
  firstRun = await aesync(['sync', '-c', s3Config]);
  assertOk(firstRun, 'sync to s3');
  // The same input through the local destination, for a byte comparison.
  const localConfig = writeConfig('local.toml', { type: 'local', path: localDir, prefix: 'machine_metrics' });
  assertOk(await aesync(['sync', '-c', localConfig]), 'sync to local');
});

after(async () => {
  await h?.close();
});

test(`s3: one data.parquet and one _manifest.json per UTC day under the prefix (seed=${SEED})`, async () => {
  assert.deepEqual(
    await h.listKeys(''),
    DAYS.flatMap((d) => [manifestKey('machine_metrics', d), dataKey('machine_metrics', d)]).sort(),
  );
  assert.deepEqual(h.openUploads(), []);
});

test('s3: each manifest matches its data object and the input rows of its day', async () => {
  for (const day of DAYS) {
    const dayRows = raw.filter((r) => aeDay(r.timestamp) === day);
    const data = await h.objectBytes(dataKey('machine_metrics', day));
    const m = JSON.parse((await h.objectBytes(manifestKey('machine_metrics', day))).toString('utf8'));
    assert.equal(m.partition, day);
    assert.equal(m.data_key, dataKey('machine_metrics', day));
    assert.equal(m.rows, dayRows.length, `${day} rows`);
    assert.equal(m.source_rows, dayRows.length, `${day} source_rows`);
    assert.equal(m.sample_weight, dayRows.reduce((s, r) => s + numberOf(r._sample_interval), 0), `${day} sample_weight`);
    assert.equal(m.bytes, data.length, `${day} bytes`);
    assert.equal(m.sha256, createHash('sha256').update(data).digest('hex'), `${day} sha256`);
    assert.deepEqual(
      m.columns,
      BUILTIN_COLUMNS.map((c) => ({ name: c.name, type: c.type, from: c.from, nullable: isNullable(c) })),
    );
  }
});

test('s3: the data objects are byte-identical to the local destination\'s files', async () => {
  assert.deepEqual(readdirSync(join(localDir, 'machine_metrics')).sort(), DAYS);
  for (const day of DAYS) {
    const local = readFileSync(join(localDir, 'machine_metrics', day, 'data.parquet'));
    const remote = await h.objectBytes(dataKey('machine_metrics', day));
    assert.ok(remote.equals(local), `${day}: the S3 object differs from the local file`);
  }
});

test('s3: every request of aesync was signed for us-east-1, hashed, with one checksum header at most, and accepted', () => {
  const reqs = firstRun.reqs;
  assert.ok(reqs.filter((r) => r.op === 'PutObject').length >= 2 * DAYS.length, `requests: ${reqs.map((r) => r.op)}`);
  for (const r of reqs) {
    const what = `${r.op} ${r.key} -> ${r.status} ${r.error ?? ''}`;
    assert.equal(r.region, 'us-east-1', what);
    assert.equal(r.accessKeyId, h.accessKeyId, what);
    assert.match(r.contentSha256, /^[0-9a-f]{64}$/, `${what}: aesync never sends UNSIGNED-PAYLOAD`);
    assert.ok(r.checksumHeaders.length <= 1, `${what}: ${r.checksumHeaders}`);
    assert.ok(r.status === 200 || r.status === 204 || r.status === 404, what);
  }
  const puts = reqs.filter((r) => r.op === 'PutObject' && r.status === 200).map((r) => r.key).sort();
  // Per day: its lease (taken before the data object is started, deleted after the manifest), the data, the manifest.
  assert.deepEqual(puts, DAYS.flatMap((d) => [leaseKey('machine_metrics', d), manifestKey('machine_metrics', d), dataKey('machine_metrics', d)]).sort());
});

test('ClickHouse s3() over <prefix>/*/data.parquet with the same credentials: count() and sum(sample_interval) equal the input\'s', async () => {
  const from = h.requests.length;
  const [row] = await chdbObjectsAsync(
    `SELECT count() AS n, sum(sample_interval) AS w, uniqExact(toDate(timestamp)) AS days ` +
      `FROM ${s3Fn('machine_metrics/*/data.parquet')} SETTINGS output_format_json_quote_64bit_integers = 1`,
  );
  assert.deepEqual(row, { n: String(raw.length), w: String(totalWeight), days: String(DAYS.length) });
  // ClickHouse's own requests went through the proxy, which verified their signatures.
  const chReqs = h.since(from);
  assert.ok(chReqs.some((r) => r.op === 'GetObject' && (r.status === 200 || r.status === 206)), 'ClickHouse read objects');
  assert.ok(chReqs.some((r) => r.op === 'ListObjectsV2' || r.op === 'ListObjects'), 'ClickHouse listed the glob');
  for (const r of chReqs) {
    assert.ok([200, 206].includes(r.status), `${r.op} ${r.key}: ${r.status} ${r.error ?? ''} (${r.userAgent})`);
  }
});


test('ClickHouse DESCRIBE TABLE s3(...): the built-in mapping\'s types', async () => {
  const rows = await chdbObjectsAsync(`DESCRIBE TABLE ${s3Fn('machine_metrics/*/data.parquet')}`);
  assert.deepEqual(rows.map((r) => [r.name, r.type]), CH_TYPES);
});

test('r2 (region "auto"): the same layout under its prefix, signed for "auto", readable by ClickHouse', async () => {
  const config = writeConfig('r2.toml', destinationOf({ type: 'r2', region: 'auto', prefix: 'r2_metrics' }));
  const res = await aesync(['sync', '-c', config]);
  assertOk(res, 'sync to r2');
  assert.deepEqual(
    await h.listKeys('r2_metrics/'),
    DAYS.flatMap((d) => [manifestKey('r2_metrics', d), dataKey('r2_metrics', d)]).sort(),
  );
  assert.ok(res.reqs.length > 0);
  for (const r of res.reqs) {
    assert.equal(r.region, 'auto', `${r.op} ${r.key}`);
    assert.match(r.contentSha256, /^[0-9a-f]{64}$/);
    assert.ok(r.status === 200 || r.status === 204 || r.status === 404, `${r.op} ${r.key}: ${r.status} ${r.error}`);
  }
  for (const day of DAYS) {
    const a = await h.objectBytes(dataKey('r2_metrics', day));
    const b = await h.objectBytes(dataKey('machine_metrics', day));
    assert.ok(a.equals(b), `${day}: r2 and s3 data differ`);
  }
  const [row] = await chdbObjectsAsync(
    `SELECT count() AS n, sum(sample_interval) AS w FROM ${s3Fn('r2_metrics/*/data.parquet')} ` +
      'SETTINGS output_format_json_quote_64bit_integers = 1',
  );
  assert.deepEqual(row, { n: String(raw.length), w: String(totalWeight) });
});

test('s3: a second sync writes byte-identical objects', async () => {
  const before = await Promise.all(DAYS.map((d) => h.objectBytes(dataKey('machine_metrics', d))));
  const res = await aesync(['sync', '-c', s3Config]);
  assertOk(res, 'second sync');
  for (const [i, day] of DAYS.entries()) {
    assert.ok((await h.objectBytes(dataKey('machine_metrics', day))).equals(before[i]), `${day} changed`);
  }
  assert.deepEqual(h.openUploads(), []);
});

test('aesync check: config, source and destination ok; the probe was written, read back, deleted', async () => {
  const keysBefore = await h.listKeys('');
  const res = await aesync(['check', '-c', s3Config]);
  assertOk(res, 'check');
  const lines = res.stdout.split('\n').filter((l) => l !== '');
  assert.deepEqual(
    lines.map((l) => l.split(/\s+/).slice(0, 2)),
    [['ok', 'config'], ['ok', 'source'], ['ok', 'destination'], ['skip', 'posthog']],
    res.stdout,
  );
  const dest = lines.find((l) => /^ok\s+destination\s/.test(l));
  assert.ok(dest.includes(`s3://${h.bucket}/machine_metrics/_aesync_check/`), dest);
  const probe = res.reqs.find((r) => r.op === 'PutObject');
  assert.ok(probe, `requests: ${res.reqs.map((r) => r.op)}`);
  assert.ok(probe.key.startsWith('machine_metrics/_aesync_check/'), probe.key);
  const onProbe = res.reqs.filter((r) => r.key === probe.key).map((r) => [r.op, r.status]);
  assert.deepEqual(onProbe.slice(0, 3), [['PutObject', 200], ['GetObject', 200], ['DeleteObject', 204]]);
  assert.deepEqual(await h.listKeys(''), keysBefore, 'check left nothing behind');
});

test('aesync check with a wrong secret: exit 1, a FAIL line naming the bucket and SignatureDoesNotMatch', async () => {
  const res = await aesync(['check', '-c', s3Config], { env: { E2E_S3_SECRET: 'wrong/but+plausible=secret' } });
  assert.equal(res.code, 1, `exit ${res.code}\n${res.stdout}\n${res.stderr}`);
  const fail = res.stdout.split('\n').find((l) => /^FAIL\s+destination\s/.test(l));
  assert.ok(fail, res.stdout);
  assert.ok(fail.includes(h.bucket), fail);
  assert.ok(fail.includes('SignatureDoesNotMatch'), fail);
  assert.ok(!(res.stdout + res.stderr).includes('wrong/but+plausible=secret'), 'the wrong secret leaked');
});

test('sync with a wrong secret: exit 1, the error names the bucket and SignatureDoesNotMatch; nothing changes', async () => {
  const keysBefore = await h.listKeys('');
  const res = await aesync(['sync', '-c', s3Config], { env: { E2E_S3_SECRET: 'wrong/but+plausible=secret' } });
  assert.equal(res.code, 1, `exit ${res.code}\n${res.stderr}`);
  assert.ok(res.stderr.includes(h.bucket), res.stderr);
  assert.ok(res.stderr.includes('SignatureDoesNotMatch'), res.stderr);
  assert.ok(!(res.stdout + res.stderr).includes('wrong/but+plausible=secret'), 'the wrong secret leaked');
  assert.ok(res.reqs.every((r) => r.status === 403), `only refused requests: ${res.reqs.map((r) => `${r.op} ${r.status}`)}`);
  assert.deepEqual(await h.listKeys(''), keysBefore);
});

test('a data upload that fails past the retries leaves that day\'s previous objects untouched', async () => {
  const day = DAYS[1];
  const before = {
    data: await h.objectBytes(dataKey('machine_metrics', day)),
    manifest: await h.objectBytes(manifestKey('machine_metrics', day)),
  };
  // New input (another seed), so that a successful write would change the objects.
  const dump2 = join(scratch, 'dump2.jsonl');
  writeDump(dump2, genMachineMetrics(new Rng(SEED + 1), { rows: 1500, days: 3, startDay: DAYS[0] }));
  const config = writeConfig('s3-dump2.toml', destinationOf(), { type: 'file', path: dump2 });
  const fault = h.faults.slowDown({ key: dataKey('machine_metrics', day), method: 'PUT' }, Infinity);
  let res;
  try {
    res = await aesync(['sync', '-c', config]);
  } finally {
    h.faults.clear();
  }
  assert.equal(res.code, 1, `exit ${res.code}\n${res.stderr}`);
  assert.ok(fault.hits >= 2, `the upload was retried (${fault.hits} tries)`);
  assert.ok(res.stderr.includes(day), `the error names the partition: ${res.stderr}`);
  assert.ok(res.stderr.includes('SlowDown'), res.stderr);
  assert.ok((await h.objectBytes(dataKey('machine_metrics', day))).equals(before.data), 'data.parquet changed');
  assert.ok((await h.objectBytes(manifestKey('machine_metrics', day))).equals(before.manifest), '_manifest.json changed');
  assert.deepEqual(h.openUploads(), []);
});

test('no output of aesync in this file holds the secret; aesync never sent UNSIGNED-PAYLOAD', () => {
  assert.ok(outputs.length > 0);
  assert.deepEqual(Object.keys(h.unsignedPayloadsByAgent()).filter((ua) => /aesync/i.test(ua)), []);
  for (const out of outputs) assert.ok(!out.includes(h.secretAccessKey), `the secret leaked:\n${out.slice(0, 2000)}`);
});
