// `aesync daemon` (docs/daemon.md) against the AE gateway (a real ClickHouse behind it) and the S3
// harness: with `--every 3s`, the runs export the planned partitions (yesterday's and the day
// before's rows, today empty) and /metrics, parsed as Prometheus text, counts exactly the rows
// the manifests hold per run; /healthz is 200, turns 503 after a run against a gateway that
// answers 503 to everything and 200 again once it recovers; a port already in use is a clear
// error (exit 1). A second daemon over a file source whose day is > 8 MiB of Parquet gets
// SIGTERM while its first UploadPart is held by the harness: it exits 0 within 10 s, leaving
// no object for that day and no open multipart upload.
//
// The days are relative to the real clock (the daemon plans from it). Everything the harnesses
// serve runs on this process's event loop, so the daemons are spawned asynchronously.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PREFIX, dataKey, manifestKey, startAeEnv } from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics, writeMultipartDay } from './lib/ae_rows.mjs';
import { s3Destination } from './lib/s3_tools.mjs';
import { insertRows, freePort } from './lib/clickhouse_server.mjs';
import { addDays } from './lib/gen.mjs';
import { configToml } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';

const SEED = seedFromEnv(20261125);
const TODAY = new Date().toISOString().slice(0, 10);
const D1 = addDays(TODAY, -1);
const D2 = addDays(TODAY, -2);
const BIG_PREFIX = 'big';

let env;
let config;


/** Starts `aesync <args>` against the environment (lib/ae_env.mjs start()). */
const startAesync = (args) => env.start(args);

/**
 * Parses Prometheus text (format 0.0.4): every sample line is `name{labels} value` (labels
 * optional), every metric has # HELP and # TYPE before its samples (a histogram's samples are
 * name_bucket/_sum/_count). Returns { types: {name: type}, samples: [{ name, labels, value }] }.
 */
function parsePrometheus(text) {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const help = new Set();
  const types = {};
  const samples = [];
  const familyOf = (name) => {
    if (types[name]) return name;
    const m = /^(.*)_(bucket|sum|count)$/.exec(name);
    if (m && types[m[1]] === 'histogram') return m[1];
    return null;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (m) {
      assert.ok(!help.has(m[1]), `HELP twice for ${m[1]}`);
      help.add(m[1]);
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      assert.ok(help.has(m[1]), `TYPE before HELP for ${m[1]}`);
      assert.ok(!types[m[1]], `TYPE twice for ${m[1]}`);
      types[m[1]] = m[2];
      continue;
    }
    assert.ok(!line.startsWith('#'), `unexpected comment ${JSON.stringify(line)}`);
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText = '', valueText] = m;
    const family = familyOf(name);
    assert.ok(family, `sample ${name} without HELP/TYPE`);
    assert.match(valueText, /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/, `value of ${line}`);
    const labels = {};
    for (const lm of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"/g)) labels[lm[1]] = lm[2];
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    samples.push({ name, labels, value });
  }
  for (const name of help) assert.ok(types[name], `HELP without TYPE for ${name}`);
  return { types, samples };
}

/** The value of the sample `name` with exactly `labels` (undefined when absent). */
function valueOf(parsed, name, labels = {}) {
  const s = parsed.samples.find((x) => x.name === name && JSON.stringify(x.labels) === JSON.stringify(labels));
  return s?.value;
}

async function scrape(port) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(await res.text());
}

async function healthz(port) {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: await res.text() };
}

/** Polls /metrics until `cond(parsed)` holds (at most `timeoutMs`); returns that scrape. */
async function waitMetrics(port, cond, what, daemon, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await scrape(port);
      if (cond(last)) return last;
    } catch (e) {
      if (e.code !== 'ECONNREFUSED' && e.cause?.code !== 'ECONNREFUSED') throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}; last scrape: ${JSON.stringify(last?.samples)}\nstderr:\n${daemon.stderr().slice(-4000)}`);
}

before(async () => {
  env = await startAeEnv({ tag: 'daemon' });
  const rng = new Rng(SEED);
  const rows = [...streamMachineMetrics(rng, { startDay: D2, days: 2, rowsPerDay: 1500, fleet: makeFleet(rng, { machines: 40, orgs: 5 }) })];
  assert.equal(await insertRows(env.ch, 'machine_metrics', rows), rows.length);
  config = env.config('daemon.toml', { sync: { lookback_days: 2 } });
});

after(async () => {
  await env?.close();
  // No output of any daemon holds the token or the secret key.
  for (const o of env.outputs) {
    assert.ok(!o.includes(env.token), 'the AE token appears in an output');
    assert.ok(!o.includes(env.h.secretAccessKey), 'the S3 secret appears in an output');
  }
});

test('daemon: two ticks export the partitions, /metrics counts them, /healthz follows failures, SIGTERM exits 0', async () => {
  const port = await freePort();
  const d = startAesync(['-c', config, '--log-level', 'debug', 'daemon', '--every', '3s', '--metrics-addr', `127.0.0.1:${port}`]);
  try {
    const m = await waitMetrics(port, (p) => valueOf(p, 'aesync_runs_total') >= 2, 'two runs', d);
    const runs = valueOf(m, 'aesync_runs_total');
    assert.equal(valueOf(m, 'aesync_runs_failed_total'), 0);

    // The partitions: both days with rows have data and a manifest; today (no rows) at most a
    // manifest with rows 0 (it is not planned in the first minutes of a UTC day).
    const keys = await env.h.listKeys(`${PREFIX}/`);
    for (const day of [D1, D2]) {
      assert.ok(keys.includes(dataKey(day)), `${dataKey(day)} in ${keys}`);
      assert.ok(keys.includes(manifestKey(day)), `${manifestKey(day)} in ${keys}`);
    }
    assert.ok(!keys.includes(dataKey(TODAY)), `no data object for today: ${keys}`);
    let manifestRows = 0;
    let dataBytes = 0;
    for (const k of keys.filter((x) => x.endsWith('/_manifest.json'))) {
      const man = JSON.parse((await env.h.objectBytes(k)).toString('utf8'));
      manifestRows += man.rows;
      if (man.rows > 0) dataBytes += (await env.h.objectBytes(k.replace('_manifest.json', 'data.parquet'))).length;
    }
    assert.ok(manifestRows >= 2900, `rows of two days: ${manifestRows}`);
    // Every run exports the same plan (today and the two lookback days) from the same rows.
    assert.equal(valueOf(m, 'aesync_rows_exported_total'), runs * manifestRows);
    assert.equal(valueOf(m, 'aesync_uploaded_bytes_total'), runs * dataBytes);
    assert.equal(valueOf(m, 'aesync_retries_total'), 0);
    assert.equal(valueOf(m, 'aesync_partitions_pruned_total'), 0, 'nothing is older than retention_days');
    assert.equal(m.samples.filter((s) => s.name === 'aesync_build_info').length, 1);
    assert.match(m.samples.find((s) => s.name === 'aesync_build_info').labels.version, /^\d+\.\d+\.\d+/);
    assert.equal(valueOf(m, 'aesync_read_sampled_windows_total'), 0, 'the gateway does not sample reads here');
    // The budget is unlimited in these tests (lib/aesync.mjs): nothing waited for it.
    assert.equal(valueOf(m, 'aesync_source_budget_wait_seconds_total'), 0);
    assert.ok(valueOf(m, 'aesync_source_requests_total', { status: '200' }) >= runs * 2 * (1 + 24), 'a histogram per day, a window request per hour');
    assert.ok(Math.abs(valueOf(m, 'aesync_last_success_timestamp_seconds') - Date.now() / 1000) < 60);
    // One table, whose days all have the config's schema.
    assert.equal(valueOf(m, 'aesync_old_schema_days', { table: 'machine_metrics' }), 0);
    assert.deepEqual(
      Object.fromEntries(Object.entries(m.types).filter(([n]) => n !== 'aesync_partitions_failed_total' && n !== 'aesync_runs_total')),
      {
        aesync_build_info: 'gauge',
        aesync_last_success_timestamp_seconds: 'gauge',
        aesync_old_schema_days: 'gauge',
        aesync_partition_duration_seconds: 'histogram',
        aesync_partitions_pruned_total: 'counter',
        aesync_read_sampled_windows_total: 'counter',
        aesync_retries_total: 'counter',
        aesync_rows_exported_total: 'counter',
        aesync_runs_failed_total: 'counter',
        aesync_source_budget_wait_seconds_total: 'counter',
        aesync_source_requests_total: 'counter',
        aesync_uploaded_bytes_total: 'counter',
      },
    );
    const partitions = valueOf(m, 'aesync_partition_duration_seconds_count');
    assert.ok(partitions >= runs * 2, `partitions timed: ${partitions}`);
    assert.equal(valueOf(m, 'aesync_partition_duration_seconds_bucket', { le: '+Inf' }), partitions);
    const buckets = m.samples.filter((s) => s.name === 'aesync_partition_duration_seconds_bucket').map((s) => s.value);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i] >= buckets[i - 1], 'cumulative buckets');
    assert.deepEqual(await healthz(port), { status: 200, body: 'ok\n' });

    // A port already in use.
    const dup = await startAesync(['-c', config, 'daemon', '--metrics-addr', `127.0.0.1:${port}`]).exited;
    assert.equal(dup.code, 1, dup.stderr);
    assert.equal(dup.stderr.trim().split('\n').at(-1),
      `aesync: error: --metrics-addr 127.0.0.1:${port}: cannot listen there (address in use, or not a local address)`);

    // The source fails: every request answers 503 (retried, then the partitions fail).
    env.gw.addFault({ type: 'status', status: 503, times: Infinity });
    const f = await waitMetrics(port, (p) => valueOf(p, 'aesync_runs_failed_total') >= 1, 'a failed run', d);
    const h503 = await healthz(port);
    assert.equal(h503.status, 503);
    assert.match(h503.body, /^last run failed: \d+ partition\(s\) failed; first \d{4}-\d\d-\d\d: .*HTTP 503.*\n$/);
    assert.ok(valueOf(f, 'aesync_source_requests_total', { status: '503' }) >= 1);
    assert.ok(valueOf(f, 'aesync_retries_total', { target: 'source' }) >= 1);

    // Recovery: a run that starts after the fault is gone succeeds.
    env.gw.clearFaults();
    const failedRuns = valueOf(f, 'aesync_runs_total');
    await waitMetrics(port, (p) => valueOf(p, 'aesync_runs_total') >= failedRuns + 2, 'two more runs', d);
    assert.deepEqual(await healthz(port), { status: 200, body: 'ok\n' });

    const t0 = Date.now();
    d.child.kill('SIGTERM');
    const res = await d.exited;
    assert.equal(res.code, 0, res.stderr.slice(-4000));
    assert.ok(Date.now() - t0 < 10_000);
    assert.match(res.stderr, /daemon run start/);
    assert.match(res.stderr, /daemon run end/);
  } finally {
    d.child.kill('SIGKILL');
  }
});

test('daemon: SIGTERM during a multipart upload exits 0 within 10 s, no object, no open upload', async () => {
  // One day (yesterday) of rows with 96 random base64 characters each: > 8 MiB of Parquet, so
  // the data object goes up in parts.
  const dump = join(env.scratch, 'big.jsonl');
  await writeMultipartDay(dump, D1, new Rng(SEED + 1));
  const bigConfig = join(env.scratch, 'big.toml');
  writeFileSync(bigConfig, configToml({
    tables: {
      source: { type: 'file', path: dump },
      destination: s3Destination(env.h, { prefix: BIG_PREFIX }),
      sync: { retention_days: 3650 }, // the dump's days are fixed dates in 2026: kept in scope (sync skips days prune would delete)
    },
  }));

  const isBigPart = (r) => r.op === 'UploadPart' && typeof r.key === 'string' && r.key.startsWith(`${BIG_PREFIX}/`);
  const held = env.h.faults.delay(isBigPart, 20_000, 1);
  const from = env.h.requests.length;
  const d = startAesync(['-c', bigConfig, 'daemon', '--every', '1h']);
  try {
    const deadline = Date.now() + 30_000;
    while (held.hits === 0 && d.child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(held.hits, 1, `no UploadPart was held\nstderr:\n${d.stderr().slice(-4000)}`);
    const t0 = Date.now();
    d.child.kill('SIGTERM');
    const res = await d.exited;
    const took = Date.now() - t0;
    assert.equal(res.code, 0, res.stderr.slice(-4000));
    assert.ok(took < 10_000, `exited after ${took} ms`);
    const ops = env.h.requests.slice(from).filter((r) => r.key?.startsWith(`${BIG_PREFIX}/`)).map((r) => r.op);
    assert.ok(ops.includes('CreateMultipartUpload') && ops.includes('AbortMultipartUpload'), ops.join(' '));
    assert.ok(!ops.includes('CompleteMultipartUpload'), ops.join(' '));
    assert.deepEqual(env.h.openUploads(), []);
    assert.deepEqual(await env.h.listKeys(`${BIG_PREFIX}/`), []);
    assert.match(res.stderr, /daemon run cancelled/);
  } finally {
    d.child.kill('SIGKILL');
    env.h.faults.clear();
  }
});
