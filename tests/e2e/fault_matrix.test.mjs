// The fault matrix (README, Reliability): `aesync sync` of a few days from the AE gateway (in front
// of a real ClickHouse) to the S3 harness (s3rver behind the SigV4-verifying proxy), one fault
// scenario per test, injected by the gateway or by the storage proxy. For every scenario the test
// asserts exactly
//   - the outcome: exit code, each day's status in the summary, the message of a failed day;
//   - the retries spent: the gateway's and the proxy's recorded requests per kind and status, and
//     aesync's own count from its JSON log ("retrying" with target "source" or "storage", what
//     aesync_retries_total{target} counts; "reading the window again" of a window whose answer
//     broke after rows; "restarting partition from an empty file"); the per-day
//     lease's requests (`_lease.json`, ListMultipartUploads) are counted apart: they succeed, and
//     no lease is left behind;
//   - that nothing is lost or duplicated: per day count(), sum(sample_interval) and a wrapping sum
//     of cityHash64 over every mapped column, read back by ClickHouse (chdb) through s3(), equal
//     the source's, and each manifest describes its data object;
//   - that no multipart upload is left open, and that a day that failed keeps its previous export
//     (data and manifest) byte for byte.
// Every run exports the other dataset than the run before (machine_metrics / machine_metrics_b,
// which has more rows) at a later --now, so a rewritten day always shows: its data and its
// manifest's exported_at change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import {
  assertExit, dataKey, dayChecksums, dumpSource, manifestKey, mappedSourceSql, parseSummary, PREFIX,
  requestKind, requestsOfKind, startAeEnv, statuses, unixOf, windowName,
} from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';

const SEED = seedFromEnv(70707);
const D = ['2026-03-02', '2026-03-03', '2026-03-04']; // about 2,000 rows a day
const BIG = '2026-03-05'; // 130,000 rows of random text: > 8 MiB of Parquet, a multipart upload
const BIG_ROWS = 130_000;
const W = (day) => [unixOf(day, 5), unixOf(day, 6)]; // the faulted window: 05:00 - 06:00
const FIRST = (day) => [unixOf(day, 0), unixOf(day, 1)];
const DAY = (day) => [unixOf(day, 0), unixOf(day, 24)]; // the day's span: its histogram's window
const DATASETS = { a: 'machine_metrics', b: 'machine_metrics_b' };

let env;
let sums; // { a: { day: { rows, weight, checksum } }, b: ... }: the source, per dataset
const exported = {}; // day -> { ds, now }: what the bucket holds for the day
let runs = 0;

/** Rows of BIG: one every 0.66 s, each with 80 random bytes of text (hex), so they do not compress. */
function* bigDayRows(rng, n, tag) {
  const start = unixOf(BIG);
  for (let i = 0; i < n; i++) {
    const sec = start + Math.floor((i * 86_400) / n);
    yield {
      _sample_interval: rng.pick([1, 1, 1, 2, 10]),
      blob1: `org_${rng.int(9)}`,
      blob2: 'proj_big',
      blob3: 'shared-cpu-1x',
      blob4: 'process',
      blob5: `${tag}${rng.hex(160)}`,
      dataset: 'machine_metrics',
      double1: rng.int(40000) / 100,
      double2: rng.int(819200) / 100,
      double3: rng.range(1, 65535),
      double4: 0,
      index1: `m_big_${rng.int(300)}`,
      timestamp: new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' '),
    };
  }
}

const byTime = (a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0);

before(async () => {
  env = await startAeEnv({ tag: 'fault-matrix', tables: Object.values(DATASETS) });
  const rng = new Rng(SEED);
  const fleet = makeFleet(rng, { machines: 80, orgs: 8 });
  const rowsA = [...streamMachineMetrics(rng, { startDay: D[0], days: D.length, rowsPerDay: 2000, fleet })];
  const extra = [...streamMachineMetrics(rng, { startDay: D[0], days: D.length, rowsPerDay: 50, fleet })];
  const big = [...bigDayRows(rng, BIG_ROWS, '')];
  const bigExtra = [...bigDayRows(rng, 40, 'b_')];
  await insertRows(env.ch, DATASETS.a, [...rowsA, ...big]);
  await insertRows(env.ch, DATASETS.b, [...rowsA, ...extra, ...big, ...bigExtra].sort(byTime));
  sums = {};
  for (const [ds, table] of Object.entries(DATASETS)) {
    const path = join(env.scratch, `${ds}.jsonl`);
    await dumpSource(env.ch, table, path);
    sums[ds] = await dayChecksums(mappedSourceSql(path));
    assert.deepEqual(Object.keys(sums[ds]), [...D, BIG]);
  }
  for (const day of [...D, BIG]) assert.notEqual(sums.a[day].rows, sums.b[day].rows);
  // The first export, fault-free: what the failing runs must leave intact.
  const first = await sync({ days: [...D, BIG] });
  assertExit(first.res, 0, 'initial backfill');
  assert.deepEqual(statuses(first.summary), { [D[0]]: 'ok', [D[1]]: 'ok', [D[2]]: 'ok', [BIG]: 'ok' });
  await assertBucket(first, [...D, BIG]);
  // BIG went up in parts: the multipart scenarios below exercise a real multipart upload.
  assert.deepEqual(opsOf(first.s3, (r) => r.key === dataKey(BIG)), { 'CreateMultipartUpload 200': 1, 'UploadPart 200': 2, 'CompleteMultipartUpload 200': 1 });
});

after(async () => {
  env?.gw.clearFaults();
  env?.h.faults.clear();
  await env?.close();
});

// ------------------------------------------------------------------------------------------------
// Running a scenario.

/**
 * Runs `aesync sync --from <first> --to <last> --force` over `days` (consecutive) with the next
 * dataset and --now; `source`/`syncCfg` override the config; `faults()` injects the faults (after the
 * snapshot, before the run), which are cleared when the run ends. Returns { res, summary, ds, now,
 * before (snapshots of the days' objects), log (aesync's JSON log lines), ae, s3 }.
 */
async function sync({ days, source = {}, syncCfg = {}, faults } = {}) {
  const n = runs++;
  const ds = n % 2 === 0 ? 'a' : 'b';
  const now = new Date(Date.UTC(2026, 2, 7, 6) + n * 600_000).toISOString().replace('.000Z', 'Z'); // 10 min apart
  const config = env.config(`run${n}.toml`, { source: { dataset: DATASETS[ds], ...source }, sync: syncCfg });
  const snapshots = {};
  for (const day of days) snapshots[day] = await snapshot(day);
  env.gw.clearFaults();
  env.h.faults.clear();
  let res;
  try {
    faults?.();
    res = await env.aesync(['-c', config, '--log-format', 'json', 'sync', '--from', days[0], '--to', days.at(-1), '--force', '--now', now]);
  } finally {
    env.gw.clearFaults();
    env.h.faults.clear();
  }
  const log = res.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const summary = /^day\s+rows\s/m.test(res.stdout) ? parseSummary(res.stdout) : null;
  const out = { res, summary, ds, now, before: snapshots, log, ae: res.ae, s3: res.s3 };
  // Every day the run exported now holds the run's dataset.
  if (summary) for (const d of summary.days) if (d.status === 'ok') exported[d.day] = { ds, now };
  return out;
}

async function snapshot(day) {
  return { data: await env.h.objectBytes(dataKey(day)), manifest: await env.h.objectBytes(manifestKey(day)) };
}

/**
 * aesync's retries from its log: { source, s3 (aesync_retries_total{target}), restarts, splits,
 * rereads (a window read again after its answer broke after rows) }.
 */
function retriesOf(run) {
  const count = (msg, target) => run.log.filter((e) => e.msg === msg && (!target || e.target === target)).length;
  return {
    source: count('retrying', 'source'),
    s3: count('retrying', 'storage'),
    restarts: count('restarting partition from an empty file'),
    splits: count('splitting source window'),
    rereads: count('reading the window again'),
  };
}

/** How the gateway answered a request: its status, 'cut' (a body cut off) or 'unfinished'. */
const answer = (r) => (r.cut ? 'cut' : r.complete ? r.status : 'unfinished');

/**
 * The answers to the data queries (or, `verify`, the count() queries: a day's histogram, a
 * window's own count) of one window, in order.
 */
function attempts(log, [from, to], verify = false) {
  return log.filter((r) => r.verify === verify && r.window?.from === from && r.window?.to === to).map(answer);
}

/**
 * Counts of the gateway's answers by request kind: { 'histogram 200': n, 'data 200': m,
 * 'count 503': k, ... } (one histogram per day plans its windows and checks them: a window's own
 * count is asked only when it disagrees).
 */
function gatewayTally(log) {
  const out = {};
  for (const r of log) {
    const k = `${requestKind(r)} ${answer(r)}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/**
 * A request of the per-day lease (sync/lease.h: `_lease.json` written with conditional PUTs, read
 * and deleted; the day's leftover multipart uploads listed): counted apart from the export's.
 */
const isLeaseTraffic = (r) =>
  r.op === 'ListMultipartUploads' ||
  (typeof r.key === 'string' && r.key.endsWith('/_lease.json')) ||
  // The commit protocol (sync/partition_commit.h): the old manifest is read and deleted before
  // the data object is replaced, and (after a failed data commit) checked against a HEAD of the
  // data object before it is put back; counted apart, like the lease's.
  (r.op === 'GetObject' && typeof r.key === 'string' && r.key.endsWith('/_manifest.json')) ||
  (r.op === 'DeleteObject' && typeof r.key === 'string' && r.key.endsWith('/_manifest.json')) ||
  r.op === 'HeadObject';

/**
 * Counts of the proxy's answers by operation and status, of the export's requests (not the
 * lease's) that `pick` selects.
 */
function opsOf(s3log, pick = () => true) {
  const out = {};
  for (const r of s3log.filter((x) => !isLeaseTraffic(x) && pick(x))) {
    const k = `${r.op} ${r.status}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** The objects aesync wrote for a whole successful run over `days` of small (single-PUT) days. */
function putsOf(days) {
  return { 'ListObjectsV2 200': 1, 'PutObject 200': 2 * days.length };
}

/**
 * Asserts what the bucket holds for `days` after `run`: a day the run failed (`failed`, by default
 * those of the summary) is byte for byte what it was before; every day equals the source of the
 * dataset it was last exported from (one chdb query through s3()), with a manifest that describes
 * its data object; no upload is left open.
 */
async function assertBucket(run, days, failed = run.summary.days.filter((d) => d.status === 'failed').map((d) => d.day)) {
  for (const day of days) {
    if (failed.includes(day)) {
      const now = await snapshot(day);
      assert.ok(now.manifest.equals(run.before[day].manifest), `${day} failed: its _manifest.json must be as before`);
      assert.ok(now.data.equals(run.before[day].data), `${day} failed: its data.parquet must be as before`);
    }
  }
  const glob = days.length === 1 ? days[0] : `{${days.join(',')}}`;
  const got = await dayChecksums(env.s3Fn(`${PREFIX}/${glob}/data.parquet`));
  const want = Object.fromEntries(days.map((d) => [d, sums[exported[d].ds][d]]));
  assert.deepEqual(got, want, 'exported (read back by chdb) vs source');
  for (const day of days) {
    const data = await env.h.objectBytes(dataKey(day));
    const m = JSON.parse((await env.h.objectBytes(manifestKey(day))).toString('utf8'));
    const s = want[day];
    assert.deepEqual(
      [m.rows, String(m.sample_weight), m.source_rows, m.verified, m.bytes, m.sha256, m.exported_at],
      [Number(s.rows), s.weight, Number(s.rows), true, data.length, createHash('sha256').update(data).digest('hex'), exported[day].now],
      `${day}: the manifest describes the data object`,
    );
    assert.equal(m.windows.reduce((t, w) => t + w.rows, 0), Number(s.rows), `${day}: rows of the windows`);
  }
  assert.deepEqual(env.h.openUploads(), [], 'no multipart upload left open');
}

/**
 * The run's lease requests all succeeded (but the conditional create of a lease that `takenOver`
 * days had left behind: 412, then taken over) and no lease is left in the bucket.
 */
async function assertLeasesReleased(run, takenOver = []) {
  const leaseKey = (d) => `${PREFIX}/${d}/_lease.json`;
  assert.deepEqual(
    run.s3
      .filter((r) => r.op === 'ListMultipartUploads' || r.key?.endsWith('/_lease.json'))
      .filter((r) => !(r.status >= 200 && r.status < 300))
      .map((r) => `${r.op} ${r.key} ${r.status}`),
    takenOver.map((d) => `PutObject ${leaseKey(d)} 412`),
  );
  assert.deepEqual(
    run.log.filter((e) => e.msg === 'took over a stale lease').map((e) => [e.key, e.reason]),
    takenOver.map((d) => [s3Uri(leaseKey(d)), 'its process no longer runs']),
  );
  assert.deepEqual((await env.h.listKeys(`${PREFIX}/`)).filter((k) => k.endsWith('/_lease.json')), [], 'no lease left');
}

const endpointNote = () => ` (endpoint ${env.h.endpoint})`;
const s3Uri = (key) => `s3://${env.h.bucket}/${key}`;
const dataOnly = (day) => ({ window: W(day), verify: false });
const histogramOf = (day) => ({ window: DAY(day), kind: 'histogram' });
const errorsOf = (run) => Object.fromEntries(run.summary.days.filter((d) => d.errors.length).map((d) => [d.day, d.errors]));

// ------------------------------------------------------------------------------------------------
// Source faults (the AE gateway).

test('429 storm: the next 5 data queries answer 429 with Retry-After: 1; each is retried after 1 s, every day exact', async () => {
  const run = await sync({
    days: D,
    source: { max_retries: 6 },
    faults: () => env.gw.addFault({ type: 'status', status: 429, retryAfter: 1, times: 5, when: { verify: false } }),
  });
  assertExit(run.res, 0, '429 storm');
  assert.deepEqual(statuses(run.summary), { [D[0]]: 'ok', [D[1]]: 'ok', [D[2]]: 'ok' });
  assert.deepEqual(gatewayTally(run.ae), { 'data 429': 5, 'data 200': 72, 'histogram 200': 3 });
  assert.deepEqual(retriesOf(run), { source: 5, s3: 0, restarts: 0, splits: 0, rereads: 0 });
  // Retry-After honoured as sent: every retry waited exactly 1000 ms (the jitter is shorter).
  assert.deepEqual(run.log.filter((e) => e.msg === 'retrying' && e.target === 'source').map((e) => [e.status, e.delay_ms]), Array(5).fill([429, 1000]));
  // The storm hit the first window of each running day; the retries came a second after each 429.
  for (const r of run.ae.filter((x) => x.status === 429)) {
    const next = run.ae.find((x) => x.started >= r.started && x !== r && x.window.from === r.window.from && !x.verify);
    assert.ok(next.started - (r.started + r.ms) >= 950, `retry ${next.started - (r.started + r.ms)} ms after the 429`);
  }
  const storm = D.map((d) => attempts(run.ae, FIRST(d)));
  assert.equal(storm.flat().filter((s) => s === 429).length, 5);
  for (const seq of storm) assert.equal(seq.at(-1), 200);
  assert.deepEqual(opsOf(run.s3), putsOf(D));
  await assertBucket(run, D);
  await assertLeasesReleased(run);
});

test('5xx bursts: 500, 502, 503 on a data query and 503, 500 on a day\'s histogram are retried; 502 past max_retries fails that day only', async () => {
  const run = await sync({
    days: D,
    faults: () => {
      for (const status of [500, 502, 503]) env.gw.addFault({ type: 'status', status, when: dataOnly(D[0]) });
      for (const status of [503, 500]) env.gw.addFault({ type: 'status', status, when: histogramOf(D[1]) });
      env.gw.addFault({ type: 'status', status: 502, times: Infinity, when: dataOnly(D[2]) });
    },
  });
  assertExit(run.res, 1, '5xx bursts');
  assert.deepEqual(statuses(run.summary), { [D[0]]: 'ok', [D[1]]: 'ok', [D[2]]: 'failed' });
  assert.deepEqual(errorsOf(run), { [D[2]]: [`window ${windowName(...W(D[2]))}: failed after 4 attempts: HTTP 502: Bad gateway`] });
  assert.deepEqual(attempts(run.ae, W(D[0])), [500, 502, 503, 200]);
  assert.deepEqual(attempts(run.ae, DAY(D[1]), true), [503, 500, 200]);
  assert.deepEqual(attempts(run.ae, W(D[2])), [502, 502, 502, 502]);
  assert.deepEqual(requestsOfKind(run.ae, 'count'), [], 'every window checked against its histogram');
  // D[2] stopped at its sixth window: 5 windows fetched and checked before it.
  assert.deepEqual(gatewayTally(run.ae), {
    'data 200': 24 + 24 + 5, 'data 500': 1, 'data 502': 1 + 4, 'data 503': 1,
    'histogram 200': 3, 'histogram 503': 1, 'histogram 500': 1,
  });
  assert.deepEqual(retriesOf(run), { source: 3 + 2 + 3, s3: 0, restarts: 0, splits: 0, rereads: 0 });
  assert.deepEqual(opsOf(run.s3), putsOf(D.slice(0, 2)), 'the failed day wrote nothing');
  await assertBucket(run, D);
  await assertLeasesReleased(run);
});

test('slow answers past timeout (2 s): held headers split a data window and retry a histogram; a body stalled mid-way reads the window again; every day exact', async () => {
  const run = await sync({
    days: D,
    source: { timeout: '2s' },
    faults: () => {
      env.gw.addFault({ type: 'delay', ms: 4000, when: dataOnly(D[0]) });
      env.gw.addFault({ type: 'delay', ms: 4000, afterLines: 10, when: dataOnly(D[1]) });
      env.gw.addFault({ type: 'delay', ms: 4000, when: histogramOf(D[2]) });
    },
  });
  assertExit(run.res, 0, 'slow answers');
  assert.deepEqual(statuses(run.summary), { [D[0]]: 'ok', [D[1]]: 'ok', [D[2]]: 'ok' });
  // D[0]: the window timed out and was fetched again as two halves, never whole.
  const [from, to] = W(D[0]);
  const mid = from + 1800;
  assert.deepEqual(attempts(run.ae, W(D[0])), ['unfinished']);
  assert.deepEqual([attempts(run.ae, [from, mid]), attempts(run.ae, [mid, to])], [[200], [200]]);
  assert.deepEqual(requestsOfKind(run.ae, 'count'), [], 'checked as one window against the histogram');
  // D[1]: 10 rows had arrived when the body stalled: they were discarded and the window read again
  // (the day did not start over).
  assert.deepEqual(attempts(run.ae, W(D[1])), ['unfinished', 200]);
  assert.deepEqual(attempts(run.ae, FIRST(D[1])), [200]);
  assert.equal(run.ae.find((r) => !r.verify && r.window?.from === W(D[1])[0]).lines, 10);
  // D[2]: the histogram timed out and was asked again (an aggregate is not split).
  assert.deepEqual(attempts(run.ae, DAY(D[2]), true), ['unfinished', 200]);
  assert.deepEqual(gatewayTally(run.ae), {
    'data 200': 23 + 2 + 24 + 24, 'data unfinished': 2,
    'histogram 200': 3, 'histogram unfinished': 1,
  });
  assert.deepEqual(retriesOf(run), { source: 1, s3: 0, restarts: 0, splits: 1, rereads: 1 });
  assert.deepEqual(opsOf(run.s3), putsOf(D));
  await assertBucket(run, D);
  await assertLeasesReleased(run);
});

test('connection resets mid-body: before the first whole row retried, after 5 rows the window is read again, on every attempt the day fails', async () => {
  const run = await sync({
    days: D,
    faults: () => {
      env.gw.addFault({ type: 'cut', afterLines: 0, when: dataOnly(D[0]) });
      env.gw.addFault({ type: 'cut', afterLines: 5, when: dataOnly(D[1]) });
      env.gw.addFault({ type: 'cut', afterLines: 5, times: Infinity, when: dataOnly(D[2]) });
    },
  });
  assertExit(run.res, 1, 'resets');
  assert.deepEqual(statuses(run.summary), { [D[0]]: 'ok', [D[1]]: 'ok', [D[2]]: 'failed' });
  assert.deepEqual(errorsOf(run), {
    [D[2]]: [`window ${windowName(...W(D[2]))}: POST ${env.gw.sqlUrl}: transfer closed with outstanding read data remaining (after 5 rows)`],
  });
  assert.deepEqual(attempts(run.ae, W(D[0])), ['cut', 200]);
  assert.deepEqual(attempts(run.ae, FIRST(D[0])), [200], 'no restart for a reset before any row');
  assert.deepEqual(attempts(run.ae, W(D[1])), ['cut', 200]);
  assert.deepEqual(attempts(run.ae, FIRST(D[1])), [200], 'the window read again, not the day');
  // D[2]: the window broke twice: the day started over once (a new histogram), and broke twice again.
  assert.deepEqual(attempts(run.ae, W(D[2])), ['cut', 'cut', 'cut', 'cut']);
  assert.deepEqual(attempts(run.ae, FIRST(D[2])), [200, 200]);
  assert.deepEqual(attempts(run.ae, DAY(D[2]), true), [200, 200]);
  assert.deepEqual(gatewayTally(run.ae), {
    'data 200': 24 + 24 + 2 * 5, 'data cut': 1 + 1 + 4,
    'histogram 200': 3 + 1,
  });
  assert.deepEqual(retriesOf(run), { source: 1, s3: 0, restarts: 1, splits: 0, rereads: 1 + 2 });
  assert.deepEqual(opsOf(run.s3), putsOf(D.slice(0, 2)), 'the failed day wrote nothing');
  await assertBucket(run, D);
  await assertLeasesReleased(run);
});

test('truncated bodies (a clean end mid-line): before the first whole row retried, after 5 rows the window is read again, on every attempt the day fails', async (t) => {
  const run = await sync({
    days: D,
    faults: () => {
      env.gw.addFault({ type: 'cut', mode: 'end', afterLines: 0, when: dataOnly(D[0]) });
      env.gw.addFault({ type: 'cut', mode: 'end', afterLines: 5, when: dataOnly(D[1]) });
      env.gw.addFault({ type: 'cut', mode: 'end', afterLines: 5, times: Infinity, when: dataOnly(D[2]) });
    },
  });
  assertExit(run.res, 1, 'truncated bodies');
  assert.deepEqual(statuses(run.summary), { [D[0]]: 'ok', [D[1]]: 'ok', [D[2]]: 'failed' });
  const [msg] = errorsOf(run)[D[2]];
  t.diagnostic(msg);
  // The message quotes the start of the cut line: the sixth line of the window's answer, cut in half.
  const sixth = await windowLine(DATASETS[run.ds], W(D[2]), 6);
  const half = Buffer.from(sixth).subarray(0, Math.floor(Buffer.byteLength(sixth) / 2)).toString('utf8');
  const m = /^(window \[[^)]*\): line 6: truncated at end of input) \(([^)]*)\): (.*)$/.exec(msg);
  assert.ok(m, msg);
  assert.equal(m[1], `window ${windowName(...W(D[2]))}: line 6: truncated at end of input`);
  // (the start of it, and an ellipsis)
  assert.ok(m[3].endsWith('…') && half.startsWith(m[3].slice(0, -1)) && m[3].length > 100, `the message quotes the cut line: ${m[3]}`);
  assert.deepEqual(attempts(run.ae, W(D[0])), ['cut', 200]);
  assert.deepEqual(attempts(run.ae, FIRST(D[0])), [200], 'no restart for a cut before any row');
  assert.deepEqual(attempts(run.ae, W(D[1])), ['cut', 200]);
  assert.deepEqual(attempts(run.ae, FIRST(D[1])), [200], 'the window read again, not the day');
  // D[2]: the window broke twice: the day started over once (a new histogram), and broke twice again.
  assert.deepEqual(attempts(run.ae, W(D[2])), ['cut', 'cut', 'cut', 'cut']);
  assert.deepEqual(gatewayTally(run.ae), {
    'data 200': 24 + 24 + 2 * 5, 'data cut': 1 + 1 + 4,
    'histogram 200': 3 + 1,
  });
  assert.deepEqual(retriesOf(run), { source: 1, s3: 0, restarts: 1, splits: 0, rereads: 1 + 2 });
  assert.deepEqual(opsOf(run.s3), putsOf(D.slice(0, 2)), 'the failed day wrote nothing');
  await assertBucket(run, D);
  await assertLeasesReleased(run);
});

/** Line `n` (1-based) of the gateway's answer to the data query of `window` of `dataset`. */
async function windowLine(dataset, [from, to], n) {
  const sql = `SELECT timestamp, index1, blob1, blob2, blob3, blob4, blob5, _sample_interval, double1, double2, double3, double4 ` +
    `FROM ${dataset} WHERE timestamp >= toDateTime(${from}) AND timestamp < toDateTime(${to}) ORDER BY timestamp FORMAT JSONEachRow`;
  const r = await fetch(env.gw.sqlUrl, { method: 'POST', headers: { Authorization: `Bearer ${env.token}` }, body: sql });
  assert.equal(r.status, 200);
  return (await r.text()).split('\n')[n - 1];
}

// ------------------------------------------------------------------------------------------------
// Storage faults (the S3 proxy).

const bigPart = (n) => (r) => r.op === 'UploadPart' && r.key === dataKey(BIG) && r.partNumber === n;
const bigComplete = (r) => r.op === 'CompleteMultipartUpload' && r.key === dataKey(BIG);

test('S3 500 InternalError twice on UploadPart 2 and twice on CompleteMultipartUpload: each request retried, the day exact', async () => {
  const run = await sync({
    days: [BIG],
    faults: () => {
      env.h.faults.internalError(bigPart(2), 2);
      env.h.faults.internalError(bigComplete, 2);
    },
  });
  assertExit(run.res, 0, 'S3 500s within the budget');
  assert.deepEqual(statuses(run.summary), { [BIG]: 'ok' });
  assert.deepEqual(run.s3.filter((r) => r.key === dataKey(BIG)).map((r) => `${r.op}${r.partNumber ? ` ${r.partNumber}` : ''} ${r.status}`), [
    'CreateMultipartUpload 200', 'UploadPart 1 200', 'UploadPart 2 500', 'UploadPart 2 500', 'UploadPart 2 200',
    'CompleteMultipartUpload 500', 'CompleteMultipartUpload 500', 'CompleteMultipartUpload 200',
  ]);
  assert.deepEqual(opsOf(run.s3, (r) => r.key === manifestKey(BIG)), { 'PutObject 200': 1 });
  assert.deepEqual(retriesOf(run), { source: 0, s3: 4, restarts: 0, splits: 0, rereads: 0 });
  assert.deepEqual(gatewayTally(run.ae), { 'data 200': 24, 'histogram 200': 1 });
  await assertBucket(run, [BIG]);
  await assertLeasesReleased(run);
});

test('S3 500 on every CompleteMultipartUpload: the day fails after 4 attempts, the upload is aborted, its previous export intact', async () => {
  const run = await sync({ days: [BIG], faults: () => env.h.faults.internalError(bigComplete, Infinity) });
  assertExit(run.res, 1, 'S3 500 on every CompleteMultipartUpload');
  assert.deepEqual(statuses(run.summary), { [BIG]: 'failed' });
  assert.deepEqual(errorsOf(run), {
    [BIG]: [`CompleteMultipartUpload ${s3Uri(dataKey(BIG))}: failed after 4 attempts: HTTP 500 InternalError: We encountered an internal error. Please try again.${endpointNote()}`],
  });
  // PutObject 200: the previous manifest put back (the data object is still the one it describes).
  assert.deepEqual(opsOf(run.s3), {
    'ListObjectsV2 200': 1, 'CreateMultipartUpload 200': 1, 'UploadPart 200': 2, 'CompleteMultipartUpload 500': 4, 'AbortMultipartUpload 204': 1,
    'PutObject 200': 1,
  });
  assert.deepEqual(retriesOf(run), { source: 0, s3: 3, restarts: 0, splits: 0, rereads: 0 });
  await assertBucket(run, [BIG]);
  await assertLeasesReleased(run);
});

test('S3 500 on every UploadPart 1: the day fails after 4 attempts, the upload is aborted, its previous export intact', async () => {
  const run = await sync({ days: [BIG], faults: () => env.h.faults.internalError(bigPart(1), Infinity) });
  assertExit(run.res, 1, 'S3 500 on every UploadPart 1');
  assert.deepEqual(statuses(run.summary), { [BIG]: 'failed' });
  assert.deepEqual(errorsOf(run), {
    [BIG]: [`UploadPart ${s3Uri(dataKey(BIG))} (part 1): failed after 4 attempts: HTTP 500 InternalError: We encountered an internal error. Please try again.${endpointNote()}`],
  });
  assert.deepEqual(opsOf(run.s3), {
    'ListObjectsV2 200': 1, 'CreateMultipartUpload 200': 1, 'UploadPart 500': 4, 'AbortMultipartUpload 204': 1,
  });
  assert.deepEqual(retriesOf(run), { source: 0, s3: 3, restarts: 0, splits: 0, rereads: 0 });
  await assertBucket(run, [BIG]);
  await assertLeasesReleased(run);
});

const isManifestPut = (day) => (r) => r.op === 'PutObject' && r.key === manifestKey(day);

test('SlowDown storm on the manifests: 3 x 503 SlowDown on each manifest PutObject, each retried to success, every day exact', async () => {
  const run = await sync({ days: D, faults: () => D.forEach((d) => env.h.faults.slowDown(isManifestPut(d), 3)) });
  assertExit(run.res, 0, 'SlowDown storm');
  assert.deepEqual(statuses(run.summary), { [D[0]]: 'ok', [D[1]]: 'ok', [D[2]]: 'ok' });
  for (const d of D) assert.deepEqual(run.s3.filter(isManifestPut(d)).map((r) => r.status), [503, 503, 503, 200], d);
  assert.deepEqual(opsOf(run.s3), { 'ListObjectsV2 200': 1, 'PutObject 200': 6, 'PutObject 503': 9 });
  assert.deepEqual(retriesOf(run), { source: 0, s3: 9, restarts: 0, splits: 0, rereads: 0 });
  assert.deepEqual(gatewayTally(run.ae), { 'data 200': 72, 'histogram 200': 3 });
  await assertBucket(run, D);
  await assertLeasesReleased(run);
});

test('SlowDown on every PutObject of one manifest: that day fails naming the manifest; its new data object is in place with no stale manifest; the next run exports it again', async () => {
  const run = await sync({ days: D, faults: () => env.h.faults.slowDown(isManifestPut(D[1]), Infinity) });
  assertExit(run.res, 1, 'SlowDown past the budget');
  assert.deepEqual(statuses(run.summary), { [D[0]]: 'ok', [D[1]]: 'failed', [D[2]]: 'ok' });
  assert.deepEqual(errorsOf(run), {
    [D[1]]: [`PutObject ${s3Uri(manifestKey(D[1]))}: failed after 4 attempts: HTTP 503 SlowDown: Please reduce your request rate.${endpointNote()}` +
      ' (the new data object is in place without a manifest; the next run exports the day again)'],
  });
  assert.deepEqual(run.s3.filter(isManifestPut(D[1])).map((r) => r.status), [503, 503, 503, 503]);
  assert.deepEqual(retriesOf(run), { source: 0, s3: 3, restarts: 0, splits: 0, rereads: 0 });
  assert.deepEqual(gatewayTally(run.ae), { 'data 200': 72, 'histogram 200': 3 });
  assert.deepEqual(opsOf(run.s3, (r) => !r.key?.startsWith(`${PREFIX}/${D[1]}/`)), putsOf([D[0], D[2]]));
  assert.deepEqual(env.h.openUploads(), []);
  await assertLeasesReleased(run);
  // The commit protocol (sync/partition_commit.h): the old manifest was deleted before the data
  // object was replaced, so no manifest describes a file that is not there.
  assert.deepEqual(opsOf(run.s3, (r) => r.key === dataKey(D[1])), { 'PutObject 200': 1 });
  assert.deepEqual(run.s3.filter((r) => r.key === manifestKey(D[1]) && r.op === 'DeleteObject').map((r) => r.status), [204]);
  assert.equal(await env.h.objectBytes(manifestKey(D[1])), null, `${D[1]}: no manifest`);
  await assertBucket(run, [D[0], D[2]]);
  // The next run exports the day again; every day is then consistent.
  const rerun = await sync({ days: D });
  assertExit(rerun.res, 0, 'the next run');
  assert.deepEqual(statuses(rerun.summary), { [D[0]]: 'ok', [D[1]]: 'ok', [D[2]]: 'ok' });
  await assertBucket(rerun, D);
  await assertLeasesReleased(rerun);
});

test('the bucket disappears right after the first day committed: the other days fail naming the bucket, nothing half-written; a rerun after it is back completes', async (t) => {
  const bucketName = env.h.bucket;
  const isManifestCommit = (r) => r.op === 'PutObject' && r.key?.endsWith('/_manifest.json') && r.status === 200;
  // The proxy answers NoSuchBucket to every request for the bucket from the moment a manifest
  // PutObject of this run has been answered 200 (the first day committed): an event of its log,
  // no timer. One day at a time, so that the first day is the only one written before.
  const from = env.h.requests.length;
  const gone = () => env.h.requests.slice(from).some(isManifestCommit);
  const run = await sync({
    days: D,
    syncCfg: { concurrency: 1 },
    faults: () => env.h.faults.inject((r) => r.bucket === bucketName && gone(), { status: 404, code: 'NoSuchBucket', message: 'The specified bucket does not exist' }, Infinity),
  });
  assertExit(run.res, 1, 'bucket gone');
  t.diagnostic(JSON.stringify(errorsOf(run)));
  const commit = run.s3.findIndex(isManifestCommit);
  assert.equal(run.s3[commit].key, manifestKey(D[0]), 'the first day committed first');
  const afterCommit = run.s3.slice(commit + 1);
  // Every later request was answered NoSuchBucket and none was retried.
  assert.deepEqual(afterCommit.filter((r) => !(r.status === 404 && r.error === 'NoSuchBucket')).map((r) => `${r.op} ${r.key} ${r.status}`), []);
  assert.deepEqual(retriesOf(run), { source: 0, s3: 0, restarts: 0, splits: 0, rereads: 0 });
  // The other days failed at their first request, with a message naming the bucket.
  const dayOf = (r) => /^machine_metrics\/(\d{4}-\d\d-\d\d)\//.exec(r.key ?? r.query?.prefix ?? '')?.[1];
  const expected = {};
  let fetchedDays = 1;
  for (const d of [D[1], D[2]]) {
    const reqs = afterCommit.filter((r) => dayOf(r) === d);
    assert.equal(reqs.length, 1, `${d}: one request, not retried: ${reqs.map((r) => r.op)}`);
    expected[d] = [`${reqs[0].op} s3://${bucketName}/${reqs[0].key}: HTTP 404 NoSuchBucket: The specified bucket does not exist${endpointNote()}`];
    if (!isLeaseTraffic(reqs[0])) fetchedDays++; // without a lease, the day was fetched before its first write
  }
  assert.deepEqual(Object.fromEntries(Object.entries(errorsOf(run)).filter(([d]) => d !== D[0])), expected);
  assert.deepEqual(statuses(run.summary), { [D[0]]: statuses(run.summary)[D[0]], [D[1]]: 'failed', [D[2]]: 'failed' });
  assert.deepEqual(gatewayTally(run.ae), { 'data 200': 24 * fetchedDays, 'histogram 200': fetchedDays });
  // Nothing half-written: D[0] is the new export whole (data and manifest), the others as before.
  assert.deepEqual(run.s3.slice(0, commit + 1).filter((r) => !isLeaseTraffic(r)).map((r) => `${r.op} ${r.key ?? ''} ${r.status}`), [
    'ListObjectsV2  200', `PutObject ${dataKey(D[0])} 200`, `PutObject ${manifestKey(D[0])} 200`,
  ]);
  exported[D[0]] = { ds: run.ds, now: run.now };
  await assertBucket(run, D, [D[1], D[2]]);

  // The bucket is back: the same command completes, every day exact.
  const rerun = await sync({ days: D, syncCfg: { concurrency: 1 } });
  assertExit(rerun.res, 0, 'rerun');
  assert.deepEqual(statuses(rerun.summary), { [D[0]]: 'ok', [D[1]]: 'ok', [D[2]]: 'ok' });
  assert.deepEqual(opsOf(rerun.s3), putsOf(D));
  assert.deepEqual(retriesOf(rerun), { source: 0, s3: 0, restarts: 0, splits: 0, rereads: 0 });
  await assertBucket(rerun, D);
  // The first run could not delete the first day's lease (the bucket was gone); its process has
  // exited, so the rerun takes it over at once.
  await assertLeasesReleased(rerun, [D[0]]);

  // The first day was committed before the bucket went away: the run must report it exported.
  assert.deepEqual({ status: statuses(run.summary)[D[0]], errors: errorsOf(run)[D[0]] }, { status: 'ok', errors: undefined }, `${D[0]} was committed`);
});

test('no output of aesync in this file holds the token or the secret key', () => {
  for (const out of env.outputs) {
    assert.ok(!out.includes(env.token), `the AE token leaked:\n${out.slice(0, 2000)}`);
    assert.ok(!out.includes(env.h.secretAccessKey), `the secret key leaked:\n${out.slice(0, 2000)}`);
  }
});
