// `aesync sync` against an AE SQL API that misbehaves (the gateway's switchable faults, and a
// proxy that silently drops a row): every transient fault is retried to success and the
// exported day still equals the source exactly (count, sample weight, checksum of every mapped
// column); a fault that outlasts the retries fails only its partition, with a message naming
// the window, and leaves that partition's previous export byte for byte as it was, with no
// multipart upload left open; a broken body is an error, never a shorter partition; a row
// missing at every window size is kept out at one bucket, named, and the day is not verified.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import {
  assertExit, leaseKey, dataKey, dataRequests, dayChecksums, dumpSource, manifestKey, mappedSourceSql, parseSummary,
  requestsOfKind, rfc3339, startAeEnv, statuses, unixOf, windowName, writes,
} from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { startAeTamperProxy } from './lib/ae_tamper.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';

const SEED = seedFromEnv(31337);
const D = ['2026-03-02', '2026-03-03', '2026-03-04'];
const NOW = '2026-03-06T06:00:00Z';
const NOW2 = '2026-03-06T07:00:00Z'; // the failing runs: a rewritten manifest would say so
const W = (day) => [unixOf(day, 5), unixOf(day, 6)]; // the faulted window: 05:00 - 06:00
const FIRST = (day) => [unixOf(day, 0), unixOf(day, 1)];
const DAY = (day) => [unixOf(day, 0), unixOf(day, 24)]; // the day's span: its histogram's window

let env;
let tamper;
let cfg; // dataset machine_metrics (table a)
let cfgB; // dataset machine_metrics_b: a's rows plus more, so that a rewrite would change the objects
let cfgTimeout;
let cfgTamper;
let cfgTamperB;
let sumsA;
let sumsB;

before(async () => {
  env = await startAeEnv({ tag: 'sync-ae-faults', tables: ['machine_metrics', 'machine_metrics_b'] });
  const rng = new Rng(SEED);
  const fleet = makeFleet(rng, { machines: 80, orgs: 8 });
  const rowsA = [...streamMachineMetrics(rng, { startDay: D[0], days: 3, rowsPerDay: 2000, fleet })];
  const extra = [...streamMachineMetrics(rng, { startDay: D[0], days: 3, rowsPerDay: 60, fleet })];
  await insertRows(env.ch, 'machine_metrics', rowsA);
  await insertRows(env.ch, 'machine_metrics_b', [...rowsA, ...extra].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0)));
  await dumpSource(env.ch, 'machine_metrics', join(env.scratch, 'a.jsonl'));
  await dumpSource(env.ch, 'machine_metrics_b', join(env.scratch, 'b.jsonl'));
  sumsA = await dayChecksums(mappedSourceSql(join(env.scratch, 'a.jsonl')));
  sumsB = await dayChecksums(mappedSourceSql(join(env.scratch, 'b.jsonl')));
  tamper = await startAeTamperProxy(env.gw);
  cfg = env.config('a.toml');
  cfgB = env.config('b.toml', { source: { dataset: 'machine_metrics_b' } });
  cfgTimeout = env.config('timeout.toml', { source: { timeout: '2s' } });
  cfgTamper = env.config('tamper.toml', { source: { api_base: tamper.url } });
  cfgTamperB = env.config('tamper-b.toml', { source: { api_base: tamper.url, dataset: 'machine_metrics_b' } });
  // The first export, all days fault-free: what the failing runs below must leave intact.
  const res = await env.aesync(['sync', '-c', cfg, '--from', D[0], '--to', D[2], '--now', NOW]);
  assertExit(res, 0, 'initial backfill');
  assert.deepEqual(statuses(parseSummary(res.stdout)), Object.fromEntries(D.map((d) => [d, 'ok'])));
});

after(async () => {
  await tamper?.close();
  await env?.close();
});

/** Asserts the exported `day` equals `sums[day]` (the source) and its manifest describes it. */
async function assertDayExact(day, sums = sumsA) {
  assert.deepEqual(await dayChecksums(env.s3Fn(dataKey(day))), { [day]: sums[day] }, `${day}: exported vs source`);
  const data = await env.h.objectBytes(dataKey(day));
  const m = JSON.parse((await env.h.objectBytes(manifestKey(day))).toString('utf8'));
  assert.deepEqual(
    [m.rows, String(m.sample_weight), m.source_rows, m.verified, m.bytes, m.sha256],
    [Number(sums[day].rows), sums[day].weight, Number(sums[day].rows), true, data.length, createHash('sha256').update(data).digest('hex')],
    `${day} manifest`,
  );
  assert.ok(m.windows.every((w) => w.verified), `${day}: every window verified`);
  assert.equal(m.windows.reduce((s, w) => s + w.rows, 0), Number(sums[day].rows));
  assert.deepEqual(env.h.openUploads(), []);
}

/** Syncs one day (--force) with `spec` injected at the gateway; returns { res, fault }. */
async function syncWithFault(day, spec, config = cfg, now = NOW) {
  env.gw.clearFaults();
  const fault = spec ? env.gw.addFault(spec) : null;
  let res;
  try {
    res = await env.aesync(['sync', '-c', config, '--date', day, '--force', '--now', now]);
  } finally {
    env.gw.clearFaults();
  }
  return { res, fault };
}

async function syncOk(day, spec, config) {
  const out = await syncWithFault(day, spec, config);
  assertExit(out.res, 0, `sync ${day} with ${JSON.stringify(spec)}`);
  assert.deepEqual(statuses(parseSummary(out.res.stdout)), { [day]: 'ok' });
  return out;
}

const dataOnly = (day) => ({ window: W(day), verify: false });

test(`429 with Retry-After: 0, twice: retried to success, the day exact (seed=${SEED})`, async () => {
  const day = D[0];
  const { res, fault } = await syncOk(day, { type: 'status', status: 429, retryAfter: 0, times: 2, when: dataOnly(day) });
  assert.equal(fault.hits, 2);
  assert.deepEqual(dataRequests(res.ae, ...W(day)).map((r) => r.status), [429, 429, 200]);
  await assertDayExact(day);
});

test('429 with Retry-After: 1: the retry waits at least a second', async () => {
  const day = D[1];
  const { res } = await syncOk(day, { type: 'status', status: 429, retryAfter: 1, when: dataOnly(day) });
  const [first, second] = dataRequests(res.ae, ...W(day));
  assert.deepEqual([first.status, second.status], [429, 200]);
  const gap = second.started - (first.started + first.ms);
  assert.ok(gap >= 900, `the retry came ${gap} ms after the 429`);
  await assertDayExact(day);
});

for (const status of [500, 503]) {
  test(`${status} once on a window's data query: retried to success, the day exact`, async () => {
    const day = D[2];
    const { res, fault } = await syncOk(day, { type: 'status', status, when: dataOnly(day) });
    assert.equal(fault.hits, 1);
    assert.deepEqual(dataRequests(res.ae, ...W(day)).map((r) => r.status), [status, 200]);
    await assertDayExact(day);
  });
}

test('503 once on the day\'s histogram (which also verifies every window): retried, the day exact and verified', async () => {
  const day = D[0];
  const { res } = await syncOk(day, { type: 'status', status: 503, when: { window: DAY(day), kind: 'histogram' } });
  assert.deepEqual(requestsOfKind(res.ae, 'histogram').map((r) => r.status), [503, 200]);
  assert.deepEqual(requestsOfKind(res.ae, 'count'), [], 'no window needed its own count');
  await assertDayExact(day);
});

test('a slow response (headers held 1.5 s, timeout 10 s): no retry needed, the day exact', async () => {
  const day = D[1];
  const { res } = await syncOk(day, { type: 'delay', ms: 1500, when: dataOnly(day) });
  const reqs = dataRequests(res.ae, ...W(day));
  assert.deepEqual(reqs.map((r) => [r.status, r.complete]), [[200, true]]);
  assert.ok(reqs[0].ms >= 1500, `${reqs[0].ms} ms`);
  await assertDayExact(day);
});

test('a body that stalls 1.5 s after 10 lines: no retry needed, the day exact', async () => {
  const day = D[2];
  const { res } = await syncOk(day, { type: 'delay', ms: 1500, afterLines: 10, when: dataOnly(day) });
  const reqs = dataRequests(res.ae, ...W(day));
  assert.deepEqual(reqs.map((r) => [r.status, r.complete]), [[200, true]]);
  assert.ok(reqs[0].ms >= 1500, `${reqs[0].ms} ms`);
  await assertDayExact(day);
});

test('a response slower than the timeout (2 s): the window is split in halves, the day exact', async () => {
  const day = D[0];
  const [from, to] = W(day);
  const { res } = await syncOk(day, { type: 'delay', ms: 6000, when: dataOnly(day) }, cfgTimeout);
  const first = dataRequests(res.ae, from, to);
  assert.equal(first.length, 1, 'the timed-out window is not asked again whole');
  assert.equal(first[0].complete, false, 'the client gave up on the slow answer');
  const after = res.ae.slice(res.ae.indexOf(first[0]) + 1).filter((r) => !r.verify && r.window && r.window.from >= from && r.window.to <= to);
  assert.deepEqual(after.map((r) => [r.window.from - from, r.window.to - from, r.status]), [[0, 1800, 200], [1800, 3600, 200]]);
  await assertDayExact(day);
});

test('422 for every window longer than 30 minutes: each window is split, the rows are complete', async () => {
  const day = D[1];
  const from = unixOf(day, 0);
  const to = unixOf(day, 24);
  const { res, fault } = await syncOk(day, { type: 'limit', maxWindowSeconds: 1800, when: { verify: false, overlaps: [from, to] } });
  assert.equal(fault.hits, 24);
  const data = res.ae.filter((r) => !r.verify && r.window);
  assert.deepEqual(
    data.filter((r) => r.status === 422).map((r) => r.window.to - r.window.from),
    Array(24).fill(3600),
  );
  const served = data.filter((r) => r.status === 200).map((r) => [r.window.from, r.window.to]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(served, Array.from({ length: 48 }, (_, i) => [from + i * 1800, from + (i + 1) * 1800]));
  await assertDayExact(day);
  const m = JSON.parse((await env.h.objectBytes(manifestKey(day))).toString('utf8'));
  assert.equal(m.windows[0].start, `${day}T00:00:00Z`);
  assert.equal(m.windows.at(-1).end, `${D[2]}T00:00:00Z`);
});

const BODY_FAULTS = [
  ['a body cut off mid-line (connection reset)', { type: 'cut', afterLines: 5 }],
  ['a body cut off mid-line (clean end, incomplete last line)', { type: 'cut', afterLines: 5, mode: 'end' }],
  ['a non-JSON line in the body', { type: 'inject', afterLines: 5, text: 'Too many requests' }],
];

for (const [what, spec] of BODY_FAULTS) {
  test(`${what}, once: the window's rows are discarded and it is read again (not the day), the day exact`, async () => {
    const day = D[2];
    const { res, fault } = await syncOk(day, { ...spec, when: dataOnly(day) });
    assert.equal(fault.hits, 1);
    const reqs = dataRequests(res.ae, ...W(day));
    assert.equal(reqs.length, 2, 'the faulted window was fetched again');
    assert.ok(reqs[0][spec.type === 'cut' ? 'cut' : 'injected'], 'the first answer carried the fault');
    assert.equal(dataRequests(res.ae, ...FIRST(day)).length, 1, 'the partition did not start over');
    assert.equal(requestsOfKind(res.ae, 'histogram').length, 1);
    await assertDayExact(day);
  });
}

test('a row silently missing from a window\'s answer (once): its histogram and its count catch it, the window is split and read again, the day exact', async () => {
  const day = D[0];
  tamper.clear();
  const rule = tamper.addRule({ dropLine: 3, when: { window: W(day), verify: false } });
  const res = await env.aesync(['sync', '-c', cfgTamper, '--date', day, '--force', '--now', NOW]);
  tamper.clear();
  assertExit(res, 0, 'sync with a dropped row');
  assert.equal(rule.hits, 1);
  assert.deepEqual(statuses(parseSummary(res.stdout)), { [day]: 'ok' });
  const [from, to] = W(day);
  assert.equal(dataRequests(res.ae, from, to).length, 1, 'the window is not read again whole');
  assert.deepEqual(requestsOfKind(res.ae, 'count').map((r) => [r.window.from, r.window.to]), [[from, to]]);
  assert.deepEqual(
    [dataRequests(res.ae, from, from + 1800).length, dataRequests(res.ae, from + 1800, to).length],
    [1, 1],
    'its halves were read',
  );
  await assertDayExact(day);
});

// ------------------------------------------------------------------------------------------------
// Faults that outlast the retries. These runs read dataset machine_metrics_b (more rows a day) at
// another --now: had a failed partition been rewritten, its data and manifest would differ.

async function snapshot(day) {
  return { data: await env.h.objectBytes(dataKey(day)), manifest: await env.h.objectBytes(manifestKey(day)) };
}

async function assertIntact(day, before, res) {
  const now = await snapshot(day);
  assert.ok(now.data.equals(before.data), `${day}: data.parquet changed`);
  assert.ok(now.manifest.equals(before.manifest), `${day}: _manifest.json changed`);
  const touched = writes(res.s3).filter((r) => r.key === dataKey(day) || r.key === manifestKey(day));
  assert.deepEqual(
    touched.filter((r) => r.op === 'PutObject' || r.op === 'CompleteMultipartUpload' || r.op === 'DeleteObject').map((r) => `${r.op} ${r.status}`),
    [],
    `${day}: the failed partition's objects were written`,
  );
  assert.deepEqual(env.h.openUploads(), [], 'no multipart upload left open');
  await assertDayExact(day, sumsA);
}

test('503 on one window past max_retries: that partition fails naming the window, the others are exported, its previous export intact', async (t) => {
  const day = D[1];
  const kept = await snapshot(day);
  env.gw.clearFaults();
  const fault = env.gw.addFault({ type: 'status', status: 503, times: Infinity, when: dataOnly(day) });
  let res;
  try {
    res = await env.aesync(['sync', '-c', cfgB, '--from', D[0], '--to', D[2], '--force', '--now', NOW2]);
  } finally {
    env.gw.clearFaults();
  }
  assertExit(res, 1, 'a partition failed');
  const summary = parseSummary(res.stdout);
  assert.deepEqual(statuses(summary), { [D[0]]: 'ok', [D[1]]: 'failed', [D[2]]: 'ok' });
  const failed = summary.days.find((d) => d.day === day);
  assert.equal(failed.errors.length, 1);
  t.diagnostic(failed.errors[0]);
  assert.ok(failed.errors[0].includes(`window ${windowName(...W(day))}`), failed.errors[0]);
  assert.match(failed.errors[0], /503/);
  assert.match(failed.errors[0], /Service unavailable/);
  assert.equal(fault.hits, 4, 'one try and max_retries = 3 retries');
  assert.deepEqual(dataRequests(res.ae, ...W(day)).map((r) => r.status), [503, 503, 503, 503]);
  await assertIntact(day, kept, res);
  // The other days were rewritten from dataset b: a success would have changed the failed day too.
  await assertDayExact(D[0], sumsB);
  await assertDayExact(D[2], sumsB);
  assert.notEqual(sumsA[day].rows, sumsB[day].rows);
});

for (const [what, spec] of BODY_FAULTS) {
  test(`${what} on every attempt: the partition fails naming the window, never a shorter partition`, async (t) => {
    const day = D[1];
    const kept = await snapshot(day);
    const { res, fault } = await syncWithFault(day, { ...spec, times: Infinity, when: dataOnly(day) }, cfgB, NOW2);
    assertExit(res, 1, what);
    const summary = parseSummary(res.stdout);
    assert.deepEqual(statuses(summary), { [day]: 'failed' });
    const [msg] = summary.days[0].errors;
    t.diagnostic(msg);
    assert.ok(msg.includes(`window ${windowName(...W(day))}`), msg);
    if (spec.type === 'inject') assert.match(msg, /line \d+/, 'the message names the line');
    // The window read twice, the partition started over once (a new histogram), the window read twice again.
    assert.equal(fault.hits, 4, 'the window read again, one restart of the partition, then failure');
    assert.equal(requestsOfKind(res.ae, 'histogram').length, 2);
    await assertIntact(day, kept, res);
  });
}

test('a row missing on every attempt: the window is split down to the row\'s bucket and kept there; exit 0, the day not verified, a warning names it; a rerun exports it whole', async () => {
  const day = D[1];
  const [from, to] = W(day);
  // The first row of W seen in any answer is the missing one: every answer holding it loses it.
  let missing = null;
  const tsOf = (line) => {
    const t = JSON.parse(line).timestamp;
    return typeof t === 'number' ? (t > 1e11 ? t / 1000 : t) : Date.parse(`${t.replace(' ', 'T')}${t.endsWith('Z') ? '' : 'Z'}`) / 1000;
  };
  tamper.clear();
  const rule = tamper.addRule({
    times: Infinity,
    when: { verify: false },
    rewrite: (line) => {
      if (missing === null && tsOf(line) >= from && tsOf(line) < to) missing = line;
      return line === missing ? '' : line;
    },
  });
  const res = await env.aesync(['sync', '-c', cfgTamperB, '--date', day, '--force', '--now', NOW2]);
  tamper.clear();
  assertExit(res, 0, 'a row missing at every size');
  assert.ok(missing, 'a row of W was dropped');
  const bucket = Math.floor(tsOf(missing) / 300) * 300;
  const weight = JSON.parse(missing)._sample_interval;
  const summary = parseSummary(res.stdout);
  assert.deepEqual(statuses(summary), { [day]: 'ok' });
  const m = JSON.parse((await env.h.objectBytes(manifestKey(day))).toString('utf8'));
  assert.deepEqual(
    [m.rows, m.source_rows, String(m.sample_weight + Number(weight)), m.verified, m.read_sampled],
    [Number(sumsB[day].rows) - 1, Number(sumsB[day].rows), sumsB[day].weight, false, false],
  );
  const kept = m.windows.filter((w) => !w.verified);
  assert.equal(kept.length, 1, 'one window kept unverified');
  const [k] = kept;
  assert.deepEqual(
    [k.start, k.end, k.source_rows, k.resolution],
    [rfc3339(bucket), rfc3339(bucket + 300), k.rows + 1, 1],
  );
  assert.deepEqual(summary.days[0].errors, [
    `not as counted by the source: windows ${windowName(bucket, bucket + 300)} (${k.rows} rows, sample weight ${k.sample_weight} ` +
      `received; ${k.rows + 1} rows, sample weight ${k.sample_weight + Number(weight)} counted); kept as returned, the day is ` +
      'not verified; a later run retries',
  ]);
  // 12 buckets halved down to one: 60, 30, 15 minutes (6 and 3 buckets), then 10 or 5 minutes.
  assert.ok(rule.hits >= 4, `the row was dropped at every size down to one bucket (${rule.hits} answers)`);
  assert.deepEqual(dataRequests(res.ae, bucket, bucket + 300).length, 1, 'the bucket read once');
  assert.deepEqual(env.h.openUploads(), []);
  // A rerun, with every row served, exports the day whole and verified (back to dataset a).
  await syncOk(day, null, cfg);
  await assertDayExact(day);
});

test('a wrong token: 403 fails every partition at once (no retry), with the server\'s text; nothing written', async (t) => {
  const keys = await env.h.listKeys('');
  const res = await env.aesync(['sync', '-c', cfg, '--from', D[0], '--to', D[2], '--force', '--now', NOW2], {
    env: { AE_TOKEN: 'wrong-token-Xy7' },
  });
  assertExit(res, 1, 'wrong token');
  const summary = parseSummary(res.stdout);
  assert.deepEqual(statuses(summary), Object.fromEntries(D.map((d) => [d, 'failed'])));
  t.diagnostic(summary.days[0].errors[0]);
  for (const d of summary.days) {
    assert.ok(d.errors[0].includes(`histogram ${windowName(...DAY(d.day))}`), d.errors[0]);
    assert.match(d.errors[0], /403/);
    assert.match(d.errors[0], /Authentication error: invalid token/);
  }
  assert.equal(res.ae.length, 3, 'one request per partition: its histogram');
  // Only each day's lease was written, and deleted again: no data, no manifest.
  assert.deepEqual(
    writes(res.s3)
      .filter((r) => r.op === 'PutObject' || r.op === 'CompleteMultipartUpload' || r.op === 'DeleteObject')
      .map((r) => `${r.op} ${r.key}`)
      .sort(),
    D.flatMap((d) => [`DeleteObject ${leaseKey(d)}`, `PutObject ${leaseKey(d)}`]).sort(),
  );
  assert.deepEqual(await env.h.listKeys(''), keys);
  assert.ok(!(res.stdout + res.stderr).includes('wrong-token-Xy7'), 'the token leaked');
});

test('no output of aesync in this file holds the token or the secret key', () => {
  for (const out of env.outputs) {
    assert.ok(!out.includes(env.token), `the AE token leaked:\n${out.slice(0, 2000)}`);
    assert.ok(!out.includes(env.h.secretAccessKey), `the secret key leaked:\n${out.slice(0, 2000)}`);
  }
});
