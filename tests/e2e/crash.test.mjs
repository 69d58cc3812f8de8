// Crash consistency and concurrent runs of `aesync sync` (AE source, S3 destination; docs/data-layout.md).
//
// The plan: 4 days (about 3000 rows a day; the second day > 8 MiB of Parquet, so that its data
// object goes up in parts), `--from --to --force`. The first two days were exported by an earlier
// run before the source changed, so that a previous export and a new one are told apart.
//
// Crash consistency: the plan is run and killed with SIGKILL at many points (a window fetch held
// by the gateway; an UploadPart, the CompleteMultipartUpload, the manifest PutObject held by the
// S3 harness; while taking, holding, taking over and deleting a partition's lease; during
// `prune`). The kill comes once the harness has recorded the request it holds, never after a
// sleep. After each kill, for every day, the destination holds the previous complete export or
// the new one, never a partial or mixed one: a manifest describes its data object exactly
// (sha256, bytes, and chdb reads the manifest's row count through s3()), a previous manifest
// goes with the previous data object; a first export may have its data object without its
// manifest yet (the gap between the two commits). Then a rerun (same host, the killed pid is
// dead, so its lease is taken over at once) completes the plan: byte-identical to an
// uninterrupted run of the same plan, no open multipart upload, no `_lease.json` left.
//
// Concurrent runs: two `aesync sync` of the same plan started together both exit 0, each day
// exported by one process at a time (lease creations and deletions alternate), the summaries
// cover every day (`ok` in one, `ok` or `busy` in the other), the data equal to the source. Stale
// leases: expired or held by a dead process on this host -> taken over; live (another host's
// unexpired lease, or a running process of this host) -> the day is `busy`, the others exported,
// exit 0. The same with a local destination.
//
// The harness (s3_harness.mjs) checks conditional writes itself (s3rver ignores them); the first
// test shows that its verdicts on them mean something.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { numberOf } from './lib/ae.mjs';
import {
  ACCOUNT, assertExit, dataKey, dayChecksums, dumpSource, manifestKey, mappedSourceSql, parseSummary,
  startAeEnv, statuses, unixOf,
} from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { addDays, dayStartMs } from './lib/gen.mjs';
import { configToml } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { errorCode, s3Request } from './lib/s3_client.mjs';
import { chdbObjectsAsync, s3Destination, seededBuffer } from './lib/s3_tools.mjs';

const SEED = seedFromEnv(20261126);
const D = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'];
const NOW = '2026-03-06T12:00:00Z';
const PREVIOUS_DAYS = [D[0], D[1]]; // exported by an earlier run, before the source changed
const BIG = D[1]; // > 8 MiB of Parquet: a multipart upload
const PLAN = ['sync', '--from', D[0], '--to', D[3], '--now', NOW, '--force'];
const HOST = hostname();
const LEASE_TTL_S = 600;
const REF = 'ref'; // the prefix of the uninterrupted run
const leaseKey = (day, prefix) => `${prefix}/${day}/_lease.json`;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

// ----------------------------------------------------------------------------------------------
// Source rows. Every row of a day has its own second: ClickHouse orders ties of `ORDER BY
// timestamp` as it likes, and the reruns must give byte-identical objects.

const rng = new Rng(SEED);
const fleet = makeFleet(rng, { machines: 60, orgs: 6 });
const row = (timestamp, over = {}) => ({
  _sample_interval: 1, blob1: 'org_crash', blob2: 'proj_crash', blob3: 'shared-cpu-1x', blob4: 'process', blob5: 'x',
  dataset: 'machine_metrics', double1: 1.5, double2: 2.25, double3: 3, double4: -0.5, index1: 'm_crash', timestamp, ...over,
});
const tsOf = (sec) => new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' ');

// State S0: about 3000 rows a day on D0, D2, D3 (at most one a second); on BIG one row every even
// second with 288 random bytes (base64) in blob5: about 12 MiB of Parquet.
const BIG_ROWS = 43_200;
const bigNoise = seededBuffer(`crash-big-${SEED}`, BIG_ROWS * 288);
const S0 = [
  ...streamMachineMetrics(rng, { startDay: D[0], days: 4, rowsPerDay: 3000, fleet, skipDays: [1] }),
  ...Array.from({ length: BIG_ROWS }, (_, i) =>
    row(tsOf(dayStartMs(BIG) / 1000 + 2 * i), {
      index1: fleet[i % fleet.length].id,
      blob5: bigNoise.subarray(i * 288, (i + 1) * 288).toString('base64'),
      double1: i,
      _sample_interval: 1 + (i % 3),
    })),
];
// State S1 (after the earlier export): 40 more rows on each previously exported day, at seconds
// no row has.
const used = new Set(S0.map((r) => r.timestamp));
const S1_EXTRA = PREVIOUS_DAYS.flatMap((day, d) => {
  const out = [];
  for (let s = 1; out.length < 40; s += 2 * 1093) {
    const ts = tsOf(dayStartMs(day) / 1000 + (s % 86_400));
    if (!used.has(ts)) out.push(row(ts, { blob5: `changed after the first export ${d}`, double1: out.length }));
  }
  return out;
});
const ALL = [...S0, ...S1_EXTRA];
const rowsOf = (day) => ALL.filter((r) => r.timestamp.startsWith(day));

let env;
let sourceSums; // day -> { rows, weight, checksum } of S1
const PREV = {}; // day -> { data, manifest } of the earlier export (prefix 'earlier')
const NEW = {}; // day -> { data, manifest (parsed, normalized) } of the uninterrupted run
let refRun; // { res, pid } of the uninterrupted run

// ----------------------------------------------------------------------------------------------
// Helpers.

/** Polls `cond` every 10 ms (a condition, not a sleep) until it holds; fails after `ms`. */
async function until(cond, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Writes a config for prefix `prefix` (S3 unless `destination` says otherwise); returns its path. */
function writeConfig(name, { prefix, destination, sync = {} }) {
  const path = join(env.scratch, name);
  writeFileSync(path, configToml({
    tables: {
      source: {
        type: 'analytics-engine', dataset: 'machine_metrics', account_id: ACCOUNT, api_token: '${AE_TOKEN}',
        api_base: env.gw.url, window: '1h', settle: '5m', timeout: '10s', max_retries: 3, verify: true,
      },
      destination: destination ?? s3Destination(env.h, { prefix }),
      // Small row groups: the big day's bytes reach the upload (and its parts go up) while its
      // windows are still being fetched.
      output: { row_group_rows: 4096 },
      sync: { lookback_days: 1, retention_days: 90, concurrency: 2, ...sync },
    },
  }));
  return path;
}


/** Runs the plan on `config` to its end; asserts exit 0 and every day `ok`. */
async function runPlan(config, what) {
  const run = env.start(['-c', config, ...PLAN]);
  const res = await run.exited;
  assertExit(res, 0, what);
  assert.deepEqual(statuses(parseSummary(res.stdout)), Object.fromEntries(D.map((d) => [d, 'ok'])), `${what}:\n${res.stdout}`);
  return { res, pid: run.pid };
}

/** Kills `run` with SIGKILL once `reached` resolves (failing if it ends first). */
async function killWhen(run, reached, what) {
  let first;
  try {
    first = await Promise.race([reached.then(() => 'reached'), run.exited.then(() => 'exited')]);
  } catch (e) {
    run.child.kill('SIGKILL');
    throw e;
  }
  if (first === 'exited') {
    const r = await run.exited;
    assert.fail(`aesync ended (exit ${r.code ?? r.signal}) before ${what}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(-4000)}`);
  }
  run.child.kill('SIGKILL');
  const res = await run.exited;
  assert.equal(res.signal, 'SIGKILL', `killed at ${what}: exit ${res.code}\n${res.stderr.slice(-4000)}`);
  return res;
}

/** Waits until the harness has answered (or dropped) every request it received. */
async function settle(hold) {
  if (hold) await hold.settled();
  env.h.releaseHolds();
  env.gw.clearFaults();
  await until(() => env.h.requests.every((r) => r.status !== null), 'the harness to answer every request');
}

/** A manifest as JSON with `<prefix>/` in data_key replaced by `<P>/`. */
function normalizedManifest(bytes, prefix) {
  const m = JSON.parse(bytes.toString('utf8'));
  if (typeof m.data_key === 'string') {
    assert.ok(m.data_key.startsWith(`${prefix}/`), `data_key ${m.data_key} under ${prefix}/`);
    m.data_key = '<P>/' + m.data_key.slice(prefix.length + 1);
  }
  return m;
}

/** The earlier export's manifest bytes as they would read under `prefix`. */
function previousManifestUnder(day, prefix) {
  const text = PREV[day].manifest.toString('utf8');
  const moved = text.replace(/("data_key"\s*:\s*")earlier\//, `$1${prefix}/`);
  assert.notEqual(moved, text, 'the earlier manifest names its data key');
  return Buffer.from(moved);
}

/** Puts the earlier export of the previously exported days under `prefix` (the state before a run). */
async function seedPrevious(prefix) {
  for (const day of PREVIOUS_DAYS) {
    await env.h.putDirect(dataKey(day, prefix), PREV[day].data);
    await env.h.putDirect(manifestKey(day, prefix), previousManifestUnder(day, prefix));
  }
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/** `{ key: rows }` of every data object under `<prefix>/`, read by chdb through s3() (the proxy). */
async function chdbRowCounts(prefix) {
  const rows = await chdbObjectsAsync(
    `SELECT _path AS path, count() AS n FROM ${env.s3Fn(`${prefix}/*/data.parquet`)} GROUP BY path ORDER BY path ` +
      'SETTINGS output_format_json_quote_64bit_integers = 0',
  );
  return Object.fromEntries(rows.map((r) => [r.path.slice(r.path.indexOf(`${prefix}/`)), r.n]));
}

/**
 * The crash invariant for every day of the plan under `prefix`. Returns { states: { day: state },
 * violations: [message] } where a state is 'previous' (the earlier export, manifest and data),
 * 'new' (the new export, manifest and data), 'none' (nothing: a day never exported) or
 * 'data-only:previous' / 'data-only:new' (no manifest, a complete data object: S3 cannot
 * replace two objects at once, so a manifest removed before its data object is replaced, or a
 * first export between its two commits; the day reads as not exported). Anything else is a violation: a partial or unknown data object, a
 * manifest that does not describe its data object (above all the previous manifest over the new
 * data object: a mixed export), a previous export gone with nothing in its place. Violations are
 * collected, not thrown, so that the rerun is checked too; the test asserts there are none.
 */
async function crashState(prefix, what, killedLog = [], io = s3Io) {
  const states = {};
  const violations = [];
  const keys = await io.keys(prefix);
  const expectRows = {};
  const which = (day, data) =>
    data === null ? 'none' : PREV[day]?.data.equals(data) ? 'the previous object' : data.equals(NEW[day].data) ? 'the new object' : `an unknown object of ${data.length} bytes`;
  for (const day of D) {
    const label = `${what}: ${day}`;
    const names = keys.filter((k) => k.startsWith(`${prefix}/${day}/`)).map((k) => k.slice(prefix.length + day.length + 2));
    for (const n of names) {
      if (['data.parquet', '_manifest.json', '_lease.json'].includes(n) || (io.temporary && io.temporary.test(n))) continue;
      violations.push(`${label}: unexpected object ${n}`);
    }
    const data = await io.bytes(dataKey(day, prefix));
    const manifest = await io.bytes(manifestKey(day, prefix));
    const prev = PREV[day];
    const dataIs = which(day, data);
    if (data !== null && dataIs.startsWith('an unknown')) violations.push(`${label}: the data object is ${dataIs} (partial?)`);
    if (manifest !== null) {
      const isPrevManifest = prev !== undefined && manifest.equals(previousManifestUnder(day, prefix));
      let isNewManifest = false;
      try {
        assert.deepEqual(normalizedManifest(manifest, prefix), NEW[day].manifest);
        isNewManifest = true;
      } catch {}
      const m = JSON.parse(manifest.toString('utf8'));
      const manifestIs = isPrevManifest ? 'the previous manifest' : isNewManifest ? 'the new manifest' : 'an unknown manifest';
      if (data === null) {
        violations.push(`${label}: ${manifestIs} (rows ${m.rows}) without its data object`);
      } else if (data.length !== m.bytes || sha256(data) !== m.sha256) {
        violations.push(`${label}: ${manifestIs} (bytes ${m.bytes}, sha256 ${m.sha256.slice(0, 12)}...) over ${dataIs} ` +
          `(bytes ${data.length}, sha256 ${sha256(data).slice(0, 12)}...): a mixed export`);
      } else if (!isPrevManifest && !isNewManifest) {
        violations.push(`${label}: a manifest that is neither the previous nor the new one`);
      } else {
        expectRows[dataKey(day, prefix)] = m.rows;
        states[day] = isPrevManifest ? 'previous' : 'new';
      }
    } else if (data !== null) {
      expectRows[dataKey(day, prefix)] = dataIs === 'the new object' ? rowsOf(day).length : prev ? JSON.parse(prev.manifest).rows : -1;
      states[day] = dataIs === 'the new object' ? 'data-only:new' : 'data-only:previous';
    } else if (prev) {
      violations.push(`${label}: the previous export is gone and nothing replaced it`);
    } else {
      states[day] = 'none';
    }
    if (states[day] === undefined) {
      states[day] = 'violation';
      // What the killed run asked of the store for that day, in order.
      const trace = killedLog.filter((r) => (r.key ?? r.query?.prefix ?? '').startsWith(`${prefix}/${day}/`))
        .map((r) => `#${r.seq} ${r.op} ${r.key === null ? `prefix=${r.query.prefix}` : r.key.slice(prefix.length + day.length + 2)} ${r.status}`);
      violations.push(`${label}: the killed run's requests for the day: ${trace.join(', ')}`);
    }
  }
  // Every complete data object reads back (chdb through s3()) with the rows its manifest records.
  if (Object.keys(expectRows).length) {
    const counts = await io.rowCounts(prefix);
    for (const [k, n] of Object.entries(expectRows)) if (counts[k] !== n) violations.push(`${what}: chdb reads ${counts[k]} rows from ${k}, expected ${n}`);
  }
  return { states, violations };
}

/** The S3 destination, as crashState reads it. */
const s3Io = {
  keys: (prefix) => env.h.listKeys(`${prefix}/`),
  bytes: (key) => env.h.objectBytes(key),
  rowCounts: (prefix) => chdbRowCounts(prefix),
};

/**
 * A local destination (folder `root`) as crashState reads it: keys are paths under the root;
 * a killed run's temporary files (`.<name>.tmp-<pid>-<n>`, never read as objects) are allowed.
 */
function localIo(root) {
  const walk = (dir, rel) => {
    let out = [];
    let entries = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    for (const e of entries) {
      if (e.isDirectory()) out = out.concat(walk(join(dir, e.name), `${rel}/${e.name}`));
      else out.push(`${rel}/${e.name}`);
    }
    return out;
  };
  return {
    temporary: /^\.(data\.parquet|_manifest\.json|_lease\.json)\.tmp-\d+-\d+$/,
    keys: async (prefix) => walk(join(root, prefix), prefix).sort(),
    bytes: async (key) => {
      try {
        return readFileSync(join(root, key));
      } catch (e) {
        if (e.code === 'ENOENT') return null;
        throw e;
      }
    },
    rowCounts: async (prefix) => {
      const rows = await chdbObjectsAsync(
        `SELECT _path AS path, count() AS n FROM file(${JSON.stringify(join(root, prefix)).replaceAll('"', "'")} || '/*/data.parquet', Parquet) ` +
          'GROUP BY path ORDER BY path SETTINGS output_format_json_quote_64bit_integers = 0',
      );
      return Object.fromEntries(rows.map((r) => [r.path.slice(r.path.indexOf(`${prefix}/`)), r.n]));
    },
  };
}

/** Open multipart uploads under `<prefix>/`. */
const openUnder = (prefix) => env.h.openUploads().filter((u) => u.key.startsWith(`${prefix}/`));

/**
 * Reruns the plan after a kill and checks the result equals the uninterrupted run: the same
 * keys, byte-identical data objects and manifests (data_key's prefix aside), the leftover
 * uploads aborted, the leftover leases taken over, no lease and no open upload left.
 */
async function rerunAndCompare(prefix, config, what) {
  const leftoverUploads = openUnder(prefix);
  const leftoverLeases = {};
  for (const day of D) {
    const b = await env.h.objectBytes(leaseKey(day, prefix));
    if (b !== null) leftoverLeases[day] = b;
  }
  const { res } = await runPlan(config, `${what}: the rerun`);
  // Leftover multipart uploads of the killed run are aborted.
  for (const u of leftoverUploads) {
    assert.ok(res.s3.some((r) => r.op === 'AbortMultipartUpload' && r.uploadId === u.uploadId && r.status === 204),
      `${what}: the rerun did not abort the leftover upload of ${u.key}`);
  }
  assert.deepEqual(openUnder(prefix), [], `${what}: open multipart uploads after the rerun`);
  // Leftover leases (the killed pid's): taken over with If-Match their ETag.
  for (const [day, bytes] of Object.entries(leftoverLeases)) {
    const lease = JSON.parse(bytes.toString('utf8'));
    assert.equal(lease.host, HOST, `${what}: ${day}: the leftover lease's host`);
    const takeover = res.s3.find((r) => r.op === 'PutObject' && r.key === leaseKey(day, prefix) && r.ifMatch != null);
    assert.ok(takeover, `${what}: ${day}: the rerun did not take over the leftover lease of pid ${lease.pid}`);
    assert.equal(takeover.ifMatch.replaceAll('"', ''), createHash('md5').update(bytes).digest('hex'), `${what}: ${day}: If-Match of the takeover`);
    assert.equal(takeover.status, 200, `${what}: ${day}: the takeover`);
  }
  // The same objects as the uninterrupted run.
  const names = async (p) => (await env.h.listKeys(`${p}/`)).map((k) => k.slice(p.length + 1));
  assert.deepEqual(await names(prefix), await names(REF), `${what}: the keys after the rerun`);
  for (const day of D) {
    assert.ok((await env.h.objectBytes(dataKey(day, prefix))).equals(NEW[day].data), `${what}: ${day}: the data object differs from the uninterrupted run's`);
    assert.deepEqual(normalizedManifest(await env.h.objectBytes(manifestKey(day, prefix)), prefix), NEW[day].manifest, `${what}: ${day}: manifest`);
  }
  return res;
}

/** One crash scenario: seed the previous export, run the plan, kill it when `arm` says, check, rerun. */
async function crashScenario(name, arm) {
  const prefix = `crash-${name}`;
  const config = writeConfig(`crash-${name}.toml`, { prefix });
  await seedPrevious(prefix);
  const { reached, hold, what } = arm(prefix);
  const run = env.start(['-c', config, ...PLAN]);
  let killed;
  try {
    killed = await killWhen(run, reached, what);
    await settle(hold);
  } finally {
    env.h.releaseHolds();
    env.gw.clearFaults();
  }
  const { states, violations } = await crashState(prefix, `killed ${what}`, killed.s3);
  return { prefix, config, states, violations, killed, pid: run.pid };
}

/** A hold on the S3 harness: { reached, hold, what }. */
function holdS3(match, what) {
  const hold = env.h.hold(match);
  return { reached: hold.reached, hold, what };
}

// ----------------------------------------------------------------------------------------------

before(async () => {
  env = await startAeEnv({ tag: 'crash' });
  assert.equal(await insertRows(env.ch, 'machine_metrics', S0), S0.length);
  // The earlier export (state S0) of the previously exported days.
  const earlier = writeConfig('earlier.toml', { prefix: 'earlier' });
  const res = await env.start(['-c', earlier, 'sync', '--from', D[0], '--to', D[1], '--now', NOW]).exited;
  assertExit(res, 0, 'the earlier export');
  for (const day of PREVIOUS_DAYS) {
    PREV[day] = { data: await env.h.objectBytes(dataKey(day, 'earlier')), manifest: await env.h.objectBytes(manifestKey(day, 'earlier')) };
    assert.ok(PREV[day].data && PREV[day].manifest, `the earlier export of ${day}`);
  }
  // The source changes (state S1).
  assert.equal(await insertRows(env.ch, 'machine_metrics', S1_EXTRA), S1_EXTRA.length);
  const dump = join(env.scratch, 'source.jsonl');
  assert.equal(await dumpSource(env.ch, 'machine_metrics', dump), ALL.length);
  sourceSums = await dayChecksums(mappedSourceSql(dump));
  // The uninterrupted run of the plan, from the same state as every crash scenario.
  await seedPrevious(REF);
  refRun = await runPlan(writeConfig('ref.toml', { prefix: REF }), 'the uninterrupted run');
  for (const day of D) {
    NEW[day] = {
      data: await env.h.objectBytes(dataKey(day, REF)),
      manifest: normalizedManifest(await env.h.objectBytes(manifestKey(day, REF)), REF),
    };
  }
});

after(async () => {
  env?.h.releaseHolds();
  await env?.close();
});

test('the harness honours conditional PutObject: If-None-Match: *, If-Match, one winner among concurrent writers; holds drop requests of clients that went away', async () => {
  const h = env.h;
  const put = (key, body, headers) => s3Request(h, { method: 'PUT', key, body: Buffer.from(body), headers });
  const etagOf = (r) => String(r.headers.etag).replaceAll('"', '');
  const k = 'harness-cond/lease.json';
  const a = await put(k, 'A', { 'if-none-match': '*' });
  assert.equal(a.status, 200, a.body);
  assert.equal(etagOf(a), createHash('md5').update('A').digest('hex'));
  const again = await put(k, 'B', { 'if-none-match': '*' });
  assert.deepEqual([again.status, errorCode(again.body)], [412, 'PreconditionFailed']);
  assert.match(again.body, /<Condition>If-None-Match<\/Condition>/);
  assert.equal((await h.objectBytes(k)).toString(), 'A');
  const wrong = await put(k, 'C', { 'if-match': '"0123456789abcdef0123456789abcdef"' });
  assert.deepEqual([wrong.status, errorCode(wrong.body)], [412, 'PreconditionFailed']);
  const b = await put(k, 'B', { 'if-match': a.headers.etag });
  assert.equal(b.status, 200, b.body);
  const stale = await put(k, 'D', { 'if-match': a.headers.etag });
  assert.equal(stale.status, 412, 'If-Match with the replaced ETag');
  const absent = await put('harness-cond/absent.json', 'E', { 'if-match': b.headers.etag });
  assert.equal(absent.status, 412, 'If-Match on an absent key');
  assert.equal(await h.objectBytes('harness-cond/absent.json'), null);
  assert.equal((await h.objectBytes(k)).toString(), 'B');
  const log = h.requests.filter((r) => r.key === k);
  assert.deepEqual(log.map((r) => [r.ifNoneMatch ?? null, r.ifMatch === undefined || r.ifMatch === null ? null : 'etag', r.precondition, r.status]), [
    ['*', null, 'met', 200], ['*', null, 'failed', 412], [null, 'etag', 'failed', 412], [null, 'etag', 'met', 200], [null, 'etag', 'failed', 412],
  ]);
  assert.equal(log[0].bodyText, 'A');

  // Ten writers at once: one wins each round.
  const race = 'harness-cond/race.json';
  const creates = await Promise.all(Array.from({ length: 10 }, (_, i) => put(race, `w${i}`, { 'if-none-match': '*' })));
  assert.deepEqual(creates.map((r) => r.status).sort(), [200, ...Array(9).fill(412)]);
  const winner = creates.findIndex((r) => r.status === 200);
  assert.equal((await h.objectBytes(race)).toString(), `w${winner}`);
  const swaps = await Promise.all(Array.from({ length: 10 }, (_, i) => put(race, `s${i}`, { 'if-match': creates[winner].headers.etag })));
  assert.deepEqual(swaps.map((r) => r.status).sort(), [200, ...Array(9).fill(412)]);
  assert.equal((await h.objectBytes(race)).toString(), `s${swaps.findIndex((r) => r.status === 200)}`);

  // A held request is served once released; one whose client went away is dropped, never served.
  const released = h.hold({ op: 'PutObject', key: 'harness-cond/held.json' });
  const pending = put('harness-cond/held.json', 'H', {});
  assert.equal((await released.reached).key, 'harness-cond/held.json');
  assert.equal(await h.objectBytes('harness-cond/held.json'), null);
  released.release();
  assert.equal((await pending).status, 200);
  assert.equal((await h.objectBytes('harness-cond/held.json')).toString(), 'H');

  let signed;
  await s3Request(h, { method: 'PUT', key: 'harness-cond/dropped.json', body: Buffer.from('X'), tamper: (s) => {
    signed = s;
    throw new Error('captured');
  } }).catch((e) => assert.equal(e.message, 'captured'));
  const dropped = h.hold({ op: 'PutObject', key: 'harness-cond/dropped.json' });
  const url = new URL(h.endpoint);
  const req = http.request({ host: url.hostname, port: url.port, method: 'PUT', path: signed.path, agent: false,
    headers: { ...signed.headers, 'content-length': 1 } });
  req.on('error', () => {});
  req.end('X');
  const entry = await dropped.reached;
  req.destroy();
  await dropped.settled();
  assert.equal(entry.status, 'dropped');
  assert.equal(await h.objectBytes('harness-cond/dropped.json'), null);
  h.releaseHolds();
});

test(`the data: 4 days, ${BIG} > 8 MiB of Parquet; the earlier export differs from the new one for ${PREVIOUS_DAYS.join(', ')} (seed=${SEED})`, () => {
  assert.deepEqual(Object.keys(sourceSums), D);
  for (const day of D) assert.equal(sourceSums[day].rows, String(rowsOf(day).length), day);
  assert.ok(NEW[BIG].data.length > 8 * 1024 * 1024, `${BIG}: ${NEW[BIG].data.length} bytes`);
  for (const day of PREVIOUS_DAYS) {
    assert.ok(!PREV[day].data.equals(NEW[day].data), `${day}: the earlier data object equals the new one`);
    const m = JSON.parse(PREV[day].manifest.toString('utf8'));
    assert.equal(m.rows, rowsOf(day).length - 40, `${day}: the earlier export's rows`);
  }
  for (const day of D) {
    assert.equal(NEW[day].manifest.rows, rowsOf(day).length);
    assert.equal(NEW[day].manifest.sample_weight, rowsOf(day).reduce((s, r) => s + numberOf(r._sample_interval), 0));
    assert.equal(NEW[day].manifest.sha256, sha256(NEW[day].data));
  }
});

test('the uninterrupted run: per day a lease (If-None-Match: *, owner host/pid/8 hex, TTL 10 min) first, leftover uploads listed, data, manifest, lease deleted last', async () => {
  const { res, pid } = refRun;
  const ownerRe = new RegExp(`^${HOST.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${pid}/[0-9a-f]{8}$`);
  const big = res.s3.filter((r) => r.key === dataKey(BIG, REF));
  assert.ok(big.some((r) => r.op === 'CreateMultipartUpload') && big.filter((r) => r.op === 'UploadPart').length >= 2,
    `${BIG} goes up in parts: ${big.map((r) => r.op).join(' ')}`);
  for (const day of D) {
    const allReqs = res.s3.filter((r) => (r.key ?? r.query.prefix ?? '').startsWith(`${REF}/${day}/`));
    const ops = allReqs.map((r) => `${r.op} ${r.key === null ? `prefix=${r.query.prefix}` : r.key.slice(REF.length + day.length + 2)} ${r.status}`);
    // The plan reads the manifest of a day that has one first (its verification and schema
    // fingerprint: docs/sync.md); the export's requests start with the lease.
    const planned = allReqs[0].op === 'GetObject' && allReqs[0].key === manifestKey(day, REF) ? 1 : 0;
    const dayReqs = allReqs.slice(planned);
    const first = dayReqs[0];
    assert.deepEqual([first.op, first.key, first.ifNoneMatch, first.status], ['PutObject', leaseKey(day, REF), '*', 200], `${day}: ${ops.join(', ')}`);
    const lease = JSON.parse(first.bodyText);
    assert.deepEqual(Object.keys(lease).sort(), ['acquired_at', 'expires_at', 'host', 'owner', 'pid'], first.bodyText);
    assert.match(lease.owner, ownerRe);
    assert.equal(lease.host, HOST);
    assert.equal(lease.pid, pid);
    assert.match(lease.acquired_at, RFC3339);
    assert.match(lease.expires_at, RFC3339);
    assert.equal((Date.parse(lease.expires_at) - Date.parse(lease.acquired_at)) / 1000, LEASE_TTL_S, first.bodyText);
    const last = dayReqs.at(-1);
    assert.deepEqual([last.op, last.key, last.status], ['DeleteObject', leaseKey(day, REF), 204], `${day}: ${ops.join(', ')}`);
    const at = (pred) => dayReqs.findIndex(pred);
    const list = at((r) => r.op === 'ListMultipartUploads' && r.query.prefix === `${REF}/${day}/`);
    const firstData = at((r) => r.key === dataKey(day, REF));
    const manifest = at((r) => r.op === 'PutObject' && r.key === manifestKey(day, REF));
    assert.ok(list > 0 && list < firstData && firstData < manifest && manifest < dayReqs.length - 1, `${day}: ${ops.join(', ')}`);
  }
  assert.deepEqual((await env.h.listKeys(`${REF}/`)).filter((k) => k.endsWith('_lease.json')), []);
  assert.deepEqual(openUnder(REF), []);
});

// ---- Crash consistency: SIGKILL at each point, then a rerun. ----------------------------------

test(`SIGKILL during a window fetch of ${BIG} (the gateway holds it), then a rerun`, async () => {
  const from = unixOf(BIG, 20);
  const s = await crashScenario('fetch', () => {
    const f = env.gw.addFault({ type: 'delay', ms: 600_000, when: { verify: false, window: [from, from + 3600] } });
    const reached = until(() => f.hits > 0, 'the held window');
    return { reached, what: `during the fetch of ${BIG} 20:00-21:00` };
  });
  await rerunAndCompare(s.prefix, s.config, 'fetch');
  assert.deepEqual(s.violations, [], 'the state after the kill');
  assert.equal(s.states[BIG], 'previous');
});

test(`SIGKILL while an UploadPart of ${BIG} is held, then a rerun aborts the leftover upload`, async () => {
  const s = await crashScenario('part', (prefix) => holdS3({ op: 'UploadPart', key: dataKey(BIG, prefix) }, `during UploadPart of ${BIG}`));
  assert.equal(openUnder(s.prefix).filter((u) => u.key === dataKey(BIG, s.prefix)).length, 1, 'the killed run left its upload open');
  await rerunAndCompare(s.prefix, s.config, 'part');
  assert.deepEqual(s.violations, [], 'the state after the kill');
  assert.equal(s.states[BIG], 'previous');
});

test(`SIGKILL while the CompleteMultipartUpload of ${BIG} is held, then a rerun`, async () => {
  const s = await crashScenario('complete', (prefix) =>
    holdS3({ op: 'CompleteMultipartUpload', key: dataKey(BIG, prefix) }, `during CompleteMultipartUpload of ${BIG}`));
  await rerunAndCompare(s.prefix, s.config, 'complete');
  assert.deepEqual(s.violations, [], 'the state after the kill');
  assert.ok(['previous', 'data-only:previous'].includes(s.states[BIG]), s.states[BIG]);
});

test(`SIGKILL between the data object and the manifest of ${D[0]} (exported before): previous or new, never mixed`, async () => {
  const s = await crashScenario('manifest-prev', (prefix) =>
    holdS3({ op: 'PutObject', key: manifestKey(D[0], prefix) }, `during the manifest PutObject of ${D[0]}`));
  await rerunAndCompare(s.prefix, s.config, 'manifest-prev');
  assert.deepEqual(s.violations, [], 'the state after the kill');
  assert.ok(['previous', 'new', 'data-only:new'].includes(s.states[D[0]]), s.states[D[0]]);
});

test(`SIGKILL between the data object and the manifest of ${D[2]} (a first export), then a rerun`, async () => {
  const s = await crashScenario('manifest-first', (prefix) =>
    holdS3({ op: 'PutObject', key: manifestKey(D[2], prefix) }, `during the manifest PutObject of ${D[2]}`));
  await rerunAndCompare(s.prefix, s.config, 'manifest-first');
  assert.deepEqual(s.violations, [], 'the state after the kill');
  assert.ok(['none', 'data-only:new', 'new'].includes(s.states[D[2]]), s.states[D[2]]);
});

test(`SIGKILL while the lease of ${D[2]} is being taken (its PutObject held), then a rerun`, async () => {
  const s = await crashScenario('lease-take', (prefix) =>
    holdS3({ op: 'PutObject', key: leaseKey(D[2], prefix) }, `during the lease PutObject of ${D[2]}`));
  assert.equal(await env.h.objectBytes(leaseKey(D[2], s.prefix)), null, 'the held lease write was never served');
  await rerunAndCompare(s.prefix, s.config, 'lease-take');
  assert.deepEqual(s.violations, [], 'the state after the kill');
  assert.equal(s.states[D[2]], 'none');
});

test(`SIGKILL holding the lease of ${D[0]}, SIGKILL again while the next run takes it over, then a rerun`, async () => {
  // Killed holding the lease: during the first window fetch of the day.
  const s = await crashScenario('lease-held', () => {
    const f = env.gw.addFault({ type: 'delay', ms: 600_000, when: { verify: false, window: [unixOf(D[0], 0), unixOf(D[0], 1)] } });
    return { reached: until(() => f.hits > 0, 'the held window'), what: `holding the lease of ${D[0]} (fetching its first window)` };
  });
  const lease = leaseKey(D[0], s.prefix);
  const leftBytes = await env.h.objectBytes(lease);
  const left = JSON.parse(leftBytes.toString('utf8'));
  assert.equal(left.pid, s.pid, 'the lease left behind is the killed run\'s');

  // The second run finds the dead pid's lease and takes it over (If-Match): killed right there.
  const mark = env.h.requests.length;
  const takeover = env.h.hold((r) => r.seq >= mark && r.op === 'PutObject' && r.key === lease && r.ifMatch != null);
  const second = env.start(['-c', s.config, ...PLAN]);
  const killed2 = await killWhen(second, takeover.reached, `during the takeover of the lease of ${D[0]}`);
  await settle(takeover);
  assert.equal(takeover.entries[0].ifMatch.replaceAll('"', ''), createHash('md5').update(leftBytes).digest('hex'),
    'the takeover is a PutObject If-Match the dead owner\'s ETag');
  const tries = killed2.s3.filter((r) => r.key === lease && r.op === 'PutObject').map((r) => `${r.ifNoneMatch ? 'If-None-Match' : 'If-Match'} ${r.status}`);
  assert.deepEqual(tries, ['If-None-Match 412', 'If-Match dropped'], 'the second run: create, then take over');
  assert.ok((await env.h.objectBytes(lease)).equals(leftBytes), 'the held takeover was never served');
  const again = await crashState(s.prefix, 'killed during the takeover', killed2.s3);
  await rerunAndCompare(s.prefix, s.config, 'lease-takeover');
  assert.deepEqual([...s.violations, ...again.violations], [], 'the states after the kills');
  assert.deepEqual([s.states[D[0]], again.states[D[0]]], ['previous', 'previous']);
});

test(`SIGKILL while the lease of ${BIG} is being deleted (after its manifest), then a rerun`, async () => {
  const s = await crashScenario('lease-delete', (prefix) =>
    holdS3({ op: 'DeleteObject', key: leaseKey(BIG, prefix) }, `during the lease DeleteObject of ${BIG}`));
  assert.notEqual(await env.h.objectBytes(leaseKey(BIG, s.prefix)), null, 'the lease is still there');
  await rerunAndCompare(s.prefix, s.config, 'lease-delete');
  assert.deepEqual(s.violations, [], 'the state after the kill');
  assert.equal(s.states[BIG], 'new');
});

test('SIGKILL during prune, at each of its two DeleteObjects (manifests, then data), then a rerun', async () => {
  // Every day exported (the uninterrupted run's objects); prune --now 90 days after D[2]: D[0]
  // and D[1] are older than retention_days.
  const prefix = 'crash-prune';
  const config = writeConfig('crash-prune.toml', { prefix });
  const pruneNow = `${addDays(D[2], 90)}T06:00:00Z`;
  const old = [D[0], D[1]];
  for (const day of D) {
    await env.h.putDirect(dataKey(day, prefix), NEW[day].data);
    const m = { ...NEW[day].manifest, data_key: NEW[day].manifest.data_key.replace('<P>/', `${prefix}/`) };
    await env.h.putDirect(manifestKey(day, prefix), JSON.stringify(m));
  }
  const snapshot = {};
  for (const k of await env.h.listKeys(`${prefix}/`)) snapshot[k] = await env.h.objectBytes(k);
  const check = async (what, allowDataOnly) => {
    const keys = await env.h.listKeys(`${prefix}/`);
    for (const k of keys) assert.ok(snapshot[k].equals(await env.h.objectBytes(k)), `${what}: ${k} changed`);
    for (const day of D) {
      const has = (n) => keys.includes(`${prefix}/${day}/${n}`);
      if (!old.includes(day)) assert.ok(has('data.parquet') && has('_manifest.json'), `${what}: ${day} (within retention) lost objects`);
      else assert.ok(!has('_manifest.json') || has('data.parquet'), `${what}: ${day}: a manifest whose data object is deleted`);
      if (old.includes(day) && !allowDataOnly) assert.ok(has('_manifest.json') || !has('data.parquet'), `${what}: ${day}: data without manifest`);
    }
    return keys;
  };
  for (const [n, what] of [[1, 'the manifests'], [2, 'the data objects']]) {
    let seen = 0;
    const hold = env.h.hold((r) => r.op === 'DeleteObjects' && ++seen === n);
    const run = env.start(['-c', config, 'prune', '--now', pruneNow]);
    await killWhen(run, hold.reached, `during the DeleteObjects of ${what}`);
    await settle(hold);
    await check(`prune killed while deleting ${what}`, n === 2);
  }
  const res = await env.start(['-c', config, 'prune', '--now', pruneNow]).exited;
  assertExit(res, 0, 'prune after the kills');
  assert.deepEqual(await check('after the rerun of prune', true),
    [D[2], D[3]].flatMap((d) => [dataKey(d, prefix), manifestKey(d, prefix)]).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
});

test(`local destination: SIGKILL during a window fetch of ${BIG}, then a rerun: the same files as the uninterrupted run, no temporary file, no lease`, async () => {
  const root = join(env.scratch, 'local-crash');
  const prefix = 'loc-crash';
  const io = localIo(root);
  const config = writeConfig('local-crash.toml', { destination: { type: 'local', path: root, prefix } });
  for (const day of PREVIOUS_DAYS) {
    mkdirSync(join(root, prefix, day), { recursive: true });
    writeFileSync(join(root, dataKey(day, prefix)), PREV[day].data);
    writeFileSync(join(root, manifestKey(day, prefix)), previousManifestUnder(day, prefix));
  }
  const from = unixOf(BIG, 20);
  const f = env.gw.addFault({ type: 'delay', ms: 600_000, when: { verify: false, window: [from, from + 3600] } });
  const run = env.start(['-c', config, ...PLAN]);
  await killWhen(run, until(() => f.hits > 0, 'the held window'), `during the fetch of ${BIG} 20:00-21:00 (local)`);
  await settle();
  const { states, violations } = await crashState(prefix, 'killed during a fetch (local)', [], io);
  const leftovers = (await io.keys(prefix)).filter((k) => io.temporary.test(k.slice(k.lastIndexOf('/') + 1)));
  await runPlan(config, 'the local rerun');
  assert.deepEqual(violations, [], 'the state after the kill');
  assert.equal(states[BIG], 'previous');
  assert.ok(leftovers.length > 0, 'the killed run was writing a temporary file');
  // Every day: exactly the data file and the manifest of the uninterrupted run; the killed run's
  // temporary files and its lease are gone.
  for (const day of D) {
    assert.deepEqual(readdirSync(join(root, prefix, day)).sort(), ['_manifest.json', 'data.parquet'],
      `${day}: files after the rerun (the killed run left ${leftovers.join(', ')})`);
    assert.ok(readFileSync(join(root, dataKey(day, prefix))).equals(NEW[day].data), `${day}: data file`);
    assert.deepEqual(normalizedManifest(readFileSync(join(root, manifestKey(day, prefix))), prefix), NEW[day].manifest, `${day}: manifest`);
  }
});

// ---- Concurrent runs and stale leases. --------------------------------------------------------

test('two syncs of the same plan started together: both exit 0, one process at a time per day, every day ok in one of them, the data equal to the source', async () => {
  const prefix = 'conc';
  const config = writeConfig('conc.toml', { prefix });
  const from = env.h.requests.length;
  const runs = [env.start(['-c', config, ...PLAN]), env.start(['-c', config, ...PLAN])];
  const results = await Promise.all(runs.map((r) => r.exited));
  results.forEach((r, i) => assertExit(r, 0, `concurrent run ${i}`));
  const sums = results.map((r) => statuses(parseSummary(r.stdout)));
  for (const day of D) {
    const st = sums.map((s) => s[day]);
    assert.ok(st.every((x) => x === 'ok' || x === 'busy') && st.includes('ok'), `${day}: ${st.join(' / ')}`);
  }
  const log = env.h.requests.slice(from).filter((r) => (r.key ?? '').startsWith(`${prefix}/`));
  for (const day of D) {
    const lease = leaseKey(day, prefix);
    // Successful lease creations and deletions alternate; every write of the day's data or
    // manifest falls inside a creation..deletion interval; nobody takes over a live lease.
    // In the order the writes took effect (the harness serializes them per key).
    let holder = null;
    const commits = log.filter((x) => x.key.startsWith(`${prefix}/${day}/`) && x.writeOrder !== undefined).sort((a, b) => a.writeOrder - b.writeOrder);
    for (const r of commits) {
      if (r.key === lease && r.op === 'PutObject' && r.status === 200) {
        assert.equal(r.ifNoneMatch, '*', `${day}: a lease written over a live one (If-Match ${r.ifMatch}) at #${r.seq}`);
        assert.equal(holder, null, `${day}: lease created at #${r.seq} while ${holder} held it`);
        holder = JSON.parse(r.bodyText).owner;
      } else if (r.key === lease && r.op === 'DeleteObject' && r.status === 204) {
        assert.notEqual(holder, null, `${day}: lease deleted at #${r.seq} while nobody held it`);
        holder = null;
      } else if (r.key !== lease) {
        assert.notEqual(holder, null, `${day}: ${r.op} ${r.key} at #${r.seq} without a lease`);
      }
    }
    assert.equal(holder, null, `${day}: a lease left held`);
    // A process that found the day busy names the owner and the expiry in a warning.
    results.forEach((r, i) => {
      if (sums[i][day] !== 'busy') return;
      const other = runs[1 - i].pid;
      const theirs = log.filter((x) => x.key === lease && x.op === 'PutObject' && x.status === 200).map((x) => JSON.parse(x.bodyText))
        .filter((l) => l.pid === other);
      assert.ok(theirs.length > 0, `${day}: busy in run ${i}, but run ${1 - i} never held the lease`);
      const warning = r.stderr.split('\n').find((l) => l.includes(day) && l.includes(`${HOST}/${other}/`));
      assert.ok(warning, `${day}: no warning naming the owner ${HOST}/${other}/... in run ${i}:\n${r.stderr.slice(-4000)}`);
      assert.ok(theirs.some((l) => warning.includes(l.expires_at)), `${day}: the warning does not give the expiry: ${warning}`);
    });
  }
  console.log(`concurrent runs: ${JSON.stringify(sums)}`);
  // The result: the uninterrupted run's objects, the source's rows, no lease, no open upload.
  for (const day of D) {
    assert.ok((await env.h.objectBytes(dataKey(day, prefix))).equals(NEW[day].data), `${day}: data object`);
    assert.deepEqual(normalizedManifest(await env.h.objectBytes(manifestKey(day, prefix)), prefix), NEW[day].manifest, `${day}: manifest`);
  }
  assert.deepEqual(await dayChecksums(env.s3Fn(`${prefix}/*/data.parquet`)), sourceSums);
  assert.deepEqual((await env.h.listKeys(`${prefix}/`)).filter((k) => k.endsWith('_lease.json')), []);
  assert.deepEqual(openUnder(prefix), []);
});

/** A lease as another process would have written it. */
function leaseJson({ host, pid, acquiredAt, expiresAt }) {
  return JSON.stringify({ owner: `${host}/${pid}/0badf00d`, host, pid, acquired_at: acquiredAt, expires_at: expiresAt });
}

/** A pid that is not running (a process that has exited). */
async function deadPid() {
  const c = spawn('/bin/true');
  await new Promise((r) => c.on('close', r));
  return c.pid;
}

/** Times far enough in the past or the future whichever clock aesync reads (--now or the real one). */
function staleTimes() {
  const rfc = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const early = Math.min(Date.now(), Date.parse(NOW));
  const late = Math.max(Date.now(), Date.parse(NOW));
  return {
    expired: { acquiredAt: rfc(early - 2 * 3600_000), expiresAt: rfc(early - 3600_000) },
    live: { acquiredAt: rfc(late - 60_000), expiresAt: rfc(late + 3600_000) },
  };
}

test('stale leases (S3): an expired one and a dead local pid\'s are taken over; another host\'s live one and a running local process\'s make the day busy (exit 0)', async () => {
  const prefix = 'stale';
  const config = writeConfig('stale.toml', { prefix });
  const { expired, live } = staleTimes();
  const seeded = {
    [D[0]]: leaseJson({ host: 'other-host', pid: 4242, ...expired }),
    [D[1]]: leaseJson({ host: 'other-host', pid: 4242, ...live }),
    [D[2]]: leaseJson({ host: HOST, pid: await deadPid(), ...live }),
    [D[3]]: leaseJson({ host: HOST, pid: process.pid, ...live }),
  };
  for (const [day, body] of Object.entries(seeded)) await env.h.putDirect(leaseKey(day, prefix), body);
  const res = await env.start(['-c', config, ...PLAN]).exited;
  assertExit(res, 0, 'sync over stale leases');
  assert.deepEqual(statuses(parseSummary(res.stdout)), { [D[0]]: 'ok', [D[1]]: 'busy', [D[2]]: 'ok', [D[3]]: 'busy' }, res.stdout);
  for (const day of [D[0], D[2]]) {
    const takeover = res.s3.find((r) => r.op === 'PutObject' && r.key === leaseKey(day, prefix) && r.ifMatch != null);
    assert.ok(takeover, `${day}: no takeover`);
    assert.deepEqual([takeover.ifMatch.replaceAll('"', ''), takeover.status], [createHash('md5').update(seeded[day]).digest('hex'), 200], day);
    assert.ok((await env.h.objectBytes(dataKey(day, prefix))).equals(NEW[day].data), `${day}: data object`);
    assert.deepEqual(normalizedManifest(await env.h.objectBytes(manifestKey(day, prefix)), prefix), NEW[day].manifest, `${day}: manifest`);
    assert.equal(await env.h.objectBytes(leaseKey(day, prefix)), null, `${day}: lease left`);
  }
  for (const day of [D[1], D[3]]) {
    const lease = JSON.parse(seeded[day]);
    assert.equal((await env.h.objectBytes(leaseKey(day, prefix))).toString(), seeded[day], `${day}: someone else's lease was changed`);
    assert.deepEqual(res.s3.filter((r) => (r.key ?? '').startsWith(`${prefix}/${day}/`) && r.key !== leaseKey(day, prefix) &&
      ['PUT', 'POST', 'DELETE'].includes(r.method)).map((r) => `${r.op} ${r.key}`), [], `${day}: written while busy`);
    const warning = res.stderr.split('\n').find((l) => l.includes(day) && l.includes(lease.owner));
    assert.ok(warning, `${day}: no warning naming ${lease.owner}:\n${res.stderr.slice(-4000)}`);
    assert.ok(warning.includes(lease.expires_at), `${day}: the warning does not give the expiry ${lease.expires_at}: ${warning}`);
  }
  assert.deepEqual(openUnder(prefix), []);
});

test('stale leases (local destination): files created exclusively, an expired lease taken over, a live one makes the day busy', async () => {
  const root = join(env.scratch, 'local-dest');
  const prefix = 'loc';
  const config = writeConfig('local.toml', { destination: { type: 'local', path: root, prefix } });
  const { expired, live } = staleTimes();
  const seeded = {
    [D[0]]: leaseJson({ host: 'other-host', pid: 4242, ...expired }),
    [D[1]]: leaseJson({ host: 'other-host', pid: 4242, ...live }),
  };
  for (const [day, body] of Object.entries(seeded)) {
    mkdirSync(join(root, prefix, day), { recursive: true });
    writeFileSync(join(root, prefix, day, '_lease.json'), body);
  }
  const res = await env.start(['-c', config, ...PLAN]).exited;
  assertExit(res, 0, 'local sync over stale leases');
  assert.deepEqual(statuses(parseSummary(res.stdout)), { [D[0]]: 'ok', [D[1]]: 'busy', [D[2]]: 'ok', [D[3]]: 'ok' }, res.stdout);
  for (const day of [D[0], D[2], D[3]]) {
    assert.deepEqual(readdirSync(join(root, prefix, day)).sort(), ['_manifest.json', 'data.parquet'], `${day}: files`);
    assert.ok(readFileSync(join(root, prefix, day, 'data.parquet')).equals(NEW[day].data), `${day}: data file`);
    assert.deepEqual(normalizedManifest(readFileSync(join(root, prefix, day, '_manifest.json')), prefix), NEW[day].manifest, `${day}: manifest`);
  }
  assert.deepEqual(readdirSync(join(root, prefix, D[1])), ['_lease.json'], `${D[1]}: written while busy`);
  assert.equal(readFileSync(join(root, prefix, D[1], '_lease.json'), 'utf8'), seeded[D[1]]);
  const warning = res.stderr.split('\n').find((l) => l.includes(D[1]) && l.includes('other-host/4242/0badf00d'));
  assert.ok(warning && warning.includes(JSON.parse(seeded[D[1]]).expires_at), `no warning naming the owner and expiry:\n${res.stderr.slice(-4000)}`);
});

test('no output of aesync in this file holds the token or the secret key', () => {
  assert.ok(env.outputs.length >= 20);
  for (const out of env.outputs) {
    assert.ok(!out.includes(env.token), `the AE token leaked:\n${out.slice(0, 2000)}`);
    assert.ok(!out.includes(env.h.secretAccessKey), `the secret key leaked:\n${out.slice(0, 2000)}`);
  }
});
