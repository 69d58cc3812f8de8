// The daemon's status page in a real browser, and the metrics of one-shot runs.
//
// A daemon (`--metrics-addr :PORT`: every interface, reached here at 127.0.0.1) runs against the
// AE gateway (a real ClickHouse behind it) and the S3 harness, with different row counts on the
// two days before today. Headless Chromium (Debian's `chromium`) loads `/` from it; from the DOM
// it has built, the test reads the days table and the chart and asserts them against the
// manifests in the bucket and the rows inserted: rows per day exactly, one bar per exported day
// of the retention period (91 days for retention_days = 90), the runs, and after a run against a
// gateway that answers 503, that failure with its message. The screenshots stay under
// tests/e2e/.tmp/status_page/ ($E2E_OUTPUT_DIR/status_page/ when set).
//
// The same daemon writes --metrics-file after each run; a one-shot `sync --metrics-file` writes
// the run's numbers (rows and bytes exactly those of the day it exported, aesync_build_info).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AESYNC_BIN } from './lib/aesync.mjs';
import { PREFIX, assertExit, dataKey, startAeEnv } from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { insertRows, freePort } from './lib/clickhouse_server.mjs';
import { addDays } from './lib/gen.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';

const SEED = seedFromEnv(20261206);
const TODAY = new Date().toISOString().slice(0, 10);
const D1 = addDays(TODAY, -1);
const D2 = addDays(TODAY, -2);
const OUT = join(process.env.E2E_OUTPUT_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '.tmp'), 'status_page');

let env;
let config;
const inserted = {};

/** Runs `cmd args` asynchronously (the harnesses serve from this event loop); { code, stdout, stderr }. */
function run(cmd, args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

// Headless Chromium as Debian packages it: no sandbox (tests may run as root), no GPU, its own
// profile folder, and a budget for the page's load (the page has no script; --virtual-time-budget
// lets the layout settle before the DOM is dumped or the screenshot taken).
const CHROMIUM_FLAGS = (profile) => ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${profile}`,
  '--no-first-run', '--virtual-time-budget=2000'];

/** The DOM Chromium built from `url` (after parsing: what a user's browser shows). */
async function browserDom(url, file) {
  const res = await run('chromium', [...CHROMIUM_FLAGS(join(env.scratch, 'chromium-profile')), '--dump-dom', url]);
  assert.equal(res.code, 0, res.stderr.slice(-2000));
  assert.ok(res.stdout.includes('</html>'), `no document: ${res.stdout.slice(0, 500)}\n${res.stderr.slice(-2000)}`);
  writeFileSync(join(OUT, file), res.stdout);
  return res.stdout;
}

async function screenshot(url, file) {
  const path = join(OUT, file);
  const res = await run('chromium', [...CHROMIUM_FLAGS(join(env.scratch, 'chromium-profile')), '--window-size=1280,1800', `--screenshot=${path}`, url]);
  assert.equal(res.code, 0, res.stderr.slice(-2000));
  assert.ok(statSync(path).size > 10_000, `${path}: ${statSync(path).size} bytes`);
  return path;
}

/** Every element `<tag ...attrs>` of the DOM text with its attributes (Chromium serialises them quoted). */
function elements(dom, tag, cls) {
  const found = [];
  for (const m of dom.matchAll(new RegExp(`<${tag}((?:\\s+[a-zA-Z:-]+="[^"]*")*)\\s*/?>`, 'g'))) {
    const attrs = Object.fromEntries([...m[1].matchAll(/([a-zA-Z:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    if (cls === undefined || (attrs.class ?? '').split(' ').includes(cls)) found.push({ attrs, index: m.index });
  }
  return found;
}

/** The cells' text of the `<tr class="...">` rows of `cls` (tags removed, entities decoded). */
function rows(dom, cls) {
  const out = [];
  for (const m of dom.matchAll(new RegExp(`<tr class="${cls}"([^>]*)>(.*?)</tr>`, 'gs'))) {
    const cells = [...m[2].matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/gs)].map((c) => c[1].replace(/<[^>]*>/g, '')
      .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
    out.push({ attrs: m[1], cells });
  }
  return out;
}

function startDaemon(args) {
  const child = spawn(AESYNC_BIN, args, {
    cwd: env.scratch,
    env: { ...process.env, AESYNC_RETRY_BASE_MS: '5', AE_TOKEN: env.token, E2E_S3_KEY_ID: env.h.accessKeyId, E2E_S3_SECRET: env.h.secretAccessKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const err = [];
  child.stdout.resume();
  child.stderr.on('data', (c) => err.push(c));
  const exited = new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr: Buffer.concat(err).toString('utf8') })));
  return { child, exited, stderr: () => Buffer.concat(err).toString('utf8') };
}

/** The unlabelled sample `name` of Prometheus text. */
function sample(text, name) {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Polls /metrics until `cond(text)` (30 s at most). */
async function waitMetrics(port, cond, what, daemon) {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      last = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      if (cond(last)) return last;
    } catch (e) {
      if (e.cause?.code !== 'ECONNREFUSED') throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}; last scrape:\n${last}\nstderr:\n${daemon.stderr().slice(-4000)}`);
}

/** The manifests in the bucket: { day: manifest }. */
async function manifests() {
  const out = {};
  for (const k of (await env.h.listKeys(`${PREFIX}/`)).filter((x) => x.endsWith('/_manifest.json')))
    out[k.split('/')[1]] = JSON.parse((await env.h.objectBytes(k)).toString('utf8'));
  return out;
}

before(async () => {
  mkdirSync(OUT, { recursive: true });
  env = await startAeEnv({ tag: 'status-page' });
  const rng = new Rng(SEED);
  const fleet = makeFleet(rng, { machines: 20, orgs: 3 });
  for (const [day, perDay] of [[D2, 1300], [D1, 600]]) {
    const rowsOfDay = [...streamMachineMetrics(rng, { startDay: day, days: 1, rowsPerDay: perDay, fleet })];
    inserted[day] = rowsOfDay.length;
    assert.equal(await insertRows(env.ch, 'machine_metrics', rowsOfDay), rowsOfDay.length);
  }
  assert.notEqual(inserted[D1], inserted[D2]);
  config = env.config('status_page.toml', { sync: { lookback_days: 2 } });
});

after(async () => {
  await env?.close();
});

test('status page: Chromium shows the days, rows per day as bars over the retention period, the runs and a failure', async () => {
  const port = await freePort();
  const metricsFile = join(env.scratch, 'daemon.prom');
  const d = startDaemon(['-c', config, 'daemon', '--every', '4s', '--metrics-addr', `:${port}`, '--metrics-file', metricsFile]);
  try {
    await waitMetrics(port, (t) => sample(t, 'aesync_runs_total') >= 1, 'a run', d);
    const man = await manifests();
    assert.deepEqual([man[D1]?.rows, man[D2]?.rows], [inserted[D1], inserted[D2]], 'the manifests hold the inserted rows');
    const url = `http://127.0.0.1:${port}/`;
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    const html = await res.text();
    assert.match(html, /<meta http-equiv="refresh" content="60">/);
    assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1)/, 'nothing from the internet');

    const dom = await browserDom(url, 'status_page.dom.html');
    const shot = await screenshot(url, 'status_page.png');

    // The chart: 91 days (retention_days = 90, then today), a bar per exported day with its rows.
    const charts = elements(dom, 'svg', 'chart');
    assert.equal(charts.length, 1);
    assert.equal(charts[0].attrs['data-table'], 'machine_metrics');
    assert.equal(charts[0].attrs['data-days'], '91');
    const bars = elements(dom, 'rect', 'bar');
    const exported = Object.keys(man).sort();
    assert.equal(bars.length, exported.length, `one bar per exported day: ${exported}`);
    assert.deepEqual(Object.fromEntries(bars.map((b) => [b.attrs['data-day'], Number(b.attrs['data-rows'])])),
      Object.fromEntries(exported.map((day) => [day, man[day].rows])));
    assert.equal(charts[0].attrs['data-max-rows'], String(Math.max(inserted[D1], inserted[D2])));
    // The tallest bar spans the plot (146 units); the other is proportional.
    const heightOf = (day) => Number(bars.find((b) => b.attrs['data-day'] === day).attrs.height);
    const [big, small] = inserted[D2] > inserted[D1] ? [D2, D1] : [D1, D2];
    assert.equal(heightOf(big), 146);
    assert.ok(Math.abs(heightOf(small) - (146 * inserted[small]) / inserted[big]) < 0.01, `${heightOf(small)}`);

    // The days table, newest first: rows, bytes (the data objects'), exported at, verified.
    const days = rows(dom, 'day');
    assert.deepEqual(days.map((r) => r.cells[0]), [...exported].reverse());
    for (const r of days) {
      const m = man[r.cells[0]];
      const bytes = m.rows > 0 ? (await env.h.objectBytes(dataKey(r.cells[0]))).length : m.bytes;
      assert.deepEqual(r.cells, [r.cells[0], String(m.rows), String(bytes), m.exported_at, 'verified', 'current']);
    }

    // The runs: ok, with the exported rows.
    const runs = rows(dom, 'run');
    assert.ok(runs.length >= 1);
    const first = runs.at(-1).cells;
    assert.equal(first[0], '#1');
    assert.equal(first[3], 'ok');
    assert.equal(Number(first[5]), exported.reduce((s, day) => s + man[day].rows, 0));
    assert.match(dom, /<p id="no-failures">None in the last runs\.<\/p>/);

    // The daemon's metrics file after its runs.
    assert.ok(existsSync(metricsFile));
    const fileText = readFileSync(metricsFile, 'utf8');
    assert.ok(sample(fileText, 'aesync_runs_total') >= 1, fileText);
    assert.match(fileText, /^aesync_build_info\{version="[^"]+",revision="[^"]+"\} 1$/m);

    // The gateway fails: the next run's failures show with their message.
    env.gw.addFault({ type: 'status', status: 503, times: Infinity });
    await waitMetrics(port, (t) => sample(t, 'aesync_runs_failed_total') >= 1, 'a failed run', d);
    env.gw.clearFaults();
    const failedDom = await browserDom(url, 'status_page_failed.dom.html');
    await screenshot(url, 'status_page_failed.png');
    const failures = rows(failedDom, 'failure');
    assert.ok(failures.length >= 1, failedDom);
    for (const f of failures) {
      assert.match(f.cells[0], /^#\d+$/);
      assert.equal(f.cells[1], 'machine_metrics');
      assert.match(f.cells[2], /^\d{4}-\d\d-\d\d$/);
      assert.equal(f.cells[3], 'failed');
      assert.match(f.cells[4], /HTTP 503/);
    }
    assert.ok(rows(failedDom, 'run').some((r) => r.cells[3] === 'failed'));
    // The days exported before are still there: a failed run leaves the previous export.
    assert.equal(elements(failedDom, 'rect', 'bar').length, exported.length);
    console.log(`screenshots: ${shot} and status_page_failed.png`);

    d.child.kill('SIGTERM');
    const res2 = await d.exited;
    assert.equal(res2.code, 0, res2.stderr.slice(-4000));
  } finally {
    d.child.kill('SIGKILL');
  }
});

test('sync --metrics-file: the run\'s rows and bytes, aesync_build_info, written atomically', async () => {
  const file = join(env.scratch, 'sync.prom');
  const res = await env.aesync(['sync', '-c', config, '--date', D1, '--force', '--metrics-file', file]);
  assertExit(res, 0, 'sync');
  const text = readFileSync(file, 'utf8');
  const man = (await manifests())[D1];
  assert.equal(sample(text, 'aesync_rows_exported_total'), inserted[D1]);
  assert.equal(man.rows, inserted[D1]);
  assert.equal(sample(text, 'aesync_uploaded_bytes_total'), (await env.h.objectBytes(dataKey(D1))).length);
  assert.equal(sample(text, 'aesync_runs_total'), 1);
  assert.equal(sample(text, 'aesync_runs_failed_total'), 0);
  assert.equal(sample(text, 'aesync_partition_duration_seconds_count'), 1);
  assert.ok(Math.abs(sample(text, 'aesync_last_success_timestamp_seconds') - Date.now() / 1000) < 60);
  assert.ok(sample(text, 'aesync_source_requests_total') === undefined, 'requests are labelled by status');
  assert.match(text, /^aesync_source_requests_total\{status="200"\} \d+$/m);
  assert.match(text, /^aesync_build_info\{version="[^"]+",revision="[^"]+"\} 1$/m);
  assert.doesNotMatch(text, /aesync_bytes_uploaded_total/);

  // A run that fails (the gateway answers 503) writes the file too, keeping the last success.
  const last = sample(text, 'aesync_last_success_timestamp_seconds');
  env.gw.addFault({ type: 'status', status: 503, times: Infinity });
  try {
    const bad = await env.aesync(['sync', '-c', config, '--date', D1, '--force', '--metrics-file', file], { env: { AESYNC_RETRY_BASE_MS: '1' } });
    assertExit(bad, 1, 'failed sync');
  } finally {
    env.gw.clearFaults();
  }
  const failed = readFileSync(file, 'utf8');
  assert.equal(sample(failed, 'aesync_runs_failed_total'), 1);
  assert.equal(sample(failed, 'aesync_partitions_failed_total'), 1);
  assert.equal(sample(failed, 'aesync_rows_exported_total'), 0);
  assert.equal(sample(failed, 'aesync_last_success_timestamp_seconds'), last);
  // A missing folder: exit 1 naming the flag and the path.
  const missing = join(env.scratch, 'nowhere', 'x.prom');
  const res3 = await env.aesync(['prune', '-c', config, '--metrics-file', missing]);
  assertExit(res3, 1, 'prune with a missing folder');
  assert.match(res3.stderr, new RegExp(`aesync: error: --metrics-file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot create .*No such file or directory`));
});
