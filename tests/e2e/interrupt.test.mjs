// Interrupts (issue 14; docs/commands.md, docs/daemon.md), against the AE gateway (a real
// ClickHouse behind it) and the S3 harness:
// - Ctrl-C (SIGINT) on a `sync` backfill of three days, one worker, while the gateway holds the
//   last day's window mid-body: exit 130 within seconds, one line naming the two days committed
//   and the one not, no summary table, no error-level log line, nothing left under the
//   interrupted day (no data, manifest or lease) and no open multipart upload.
// - Ctrl-C on a file-source `sync` whose day goes up in parts, while its first UploadPart is held:
//   exit 130, "committed none", the multipart upload aborted, no object.
// - Ctrl-C on `convert` reading a pipe that stalls: exit 130, no output and no temporary file.
// - Daemon SIGTERM while a window is held: exit 0, the run's summary says `cancelled` (never
//   `failed`) for the days it stopped, no error-level log line, "daemon run cancelled".
// - Daemon SIGHUP: the config is read again (the next runs write under the new prefix), a config
//   that does not load is logged and the running one kept; the daemon never dies of it.
//
// No sleeps as synchronisation: each step polls the state it waits for (the gateway's or the
// harness's hits, the daemon's log, the bucket) until it holds, with a deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { AESYNC_BIN } from './lib/aesync.mjs';
import { PREFIX, dataKey, manifestKey, parseSummary, startAeEnv, statuses, unixOf } from './lib/ae_env.mjs';
import { makeFleet, streamMachineMetrics, writeMultipartDay } from './lib/ae_rows.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { addDays } from './lib/gen.mjs';
import { configToml } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { s3Destination } from './lib/s3_tools.mjs';

const SEED = seedFromEnv(20261214);
const TODAY = new Date().toISOString().slice(0, 10);
const D1 = addDays(TODAY, -1);
const D2 = addDays(TODAY, -2);
const D3 = addDays(TODAY, -3);

let env;

/** Starts `aesync <args>` against the environment (lib/ae_env.mjs start()). */
const startAesync = (args) => env.start(args);

/** Polls `cond()` every 25 ms until it holds; fails after `timeoutMs` naming `what`. */
async function until(cond, what, run, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (run && run.child.exitCode !== null) assert.fail(`aesync exited while waiting for ${what}\nstderr:\n${run.stderr().slice(-4000)}`);
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\nstderr:\n${run ? run.stderr().slice(-4000) : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The JSON log lines of a run's stderr (non-JSON lines, such as "aesync: ...", left out). */
function logLines(stderr) {
  return stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

const dayWindow = (day) => [unixOf(day), unixOf(day) + 86_400];

before(async () => {
  env = await startAeEnv({ tag: 'interrupt' });
  const rng = new Rng(SEED);
  const rows = [...streamMachineMetrics(rng, { startDay: D3, days: 3, rowsPerDay: 2000, fleet: makeFleet(rng, { machines: 30, orgs: 4 }) })];
  assert.equal(await insertRows(env.ch, 'machine_metrics', rows), rows.length);
});

after(async () => {
  await env?.close();
});

test('sync: Ctrl-C while the last day is read exits 130 with one line of what was committed, nothing left behind', async () => {
  const prefix = 'int_sigint';
  const config = env.config('sigint.toml', { source: { window: '6h' }, destination: { prefix }, sync: { concurrency: 1 } });
  // The last day's first window: three rows, then the body stalls (a slow API).
  const stall = env.gw.addFault({ type: 'delay', ms: 120_000, afterLines: 3, when: { kind: 'data', overlaps: dayWindow(D1) } });
  const run = startAesync(['-c', config, 'sync', '--from', D3, '--to', D1]);
  try {
    await until(() => stall.hits >= 1, 'the held window', run);
    const t0 = Date.now();
    run.child.kill('SIGINT');
    const res = await run.exited;
    const took = Date.now() - t0;
    assert.equal(res.code, 130, res.stderr.slice(-4000));
    assert.ok(took < 10_000, `exited ${took} ms after SIGINT`);
    const lines = res.stderr.trimEnd().split('\n');
    assert.equal(lines.at(-1), `aesync: interrupted: committed ${D3}..${D2}; not committed: ${D1}`);
    assert.equal(lines.filter((l) => l.startsWith('aesync: ')).length, 1, 'one summary line');
    assert.equal(res.stdout, '', 'no summary table');
    const log = logLines(res.stderr);
    // Not even a warning: an interrupted read is not a window to read again.
    assert.deepEqual(log.filter((l) => l.level === 'error' || l.level === 'warn'), [], 'no error or warning line');
    assert.deepEqual(log.filter((l) => l.msg === 'partition cancelled').map((l) => [l.level, l.partition]), [['info', D1]]);

    // The committed days are whole; the interrupted one has nothing: no data, no manifest, no
    // lease (released on the way out), no multipart upload.
    assert.deepEqual(await env.h.listKeys(`${prefix}/${D1}/`), []);
    for (const day of [D3, D2]) {
      const keys = await env.h.listKeys(`${prefix}/${day}/`);
      assert.deepEqual(keys, [manifestKey(day, prefix), dataKey(day, prefix)].sort(), day);
    }
    assert.deepEqual(env.h.openUploads(), []);
  } finally {
    run.child.kill('SIGKILL');
    env.gw.clearFaults();
  }
});

test('sync (file source): Ctrl-C during a multipart upload exits 130, the upload aborted, no object', async () => {
  // One day of rows with 96 random base64 characters each: > 8 MiB of Parquet, sent in parts.
  const prefix = 'int_file';
  const dump = join(env.scratch, 'big.jsonl');
  await writeMultipartDay(dump, D1, new Rng(SEED + 1));
  const config = join(env.scratch, 'file.toml');
  writeFileSync(config, configToml({ tables: { source: { type: 'file', path: dump }, destination: s3Destination(env.h, { prefix }) } }));

  const isPart = (r) => r.op === 'UploadPart' && typeof r.key === 'string' && r.key.startsWith(`${prefix}/`);
  const held = env.h.faults.delay(isPart, 60_000, 1);
  const from = env.h.requests.length;
  const run = startAesync(['-c', config, 'sync']);
  try {
    await until(() => held.hits >= 1, 'the held UploadPart', run);
    run.child.kill('SIGINT');
    const res = await run.exited;
    assert.equal(res.code, 130, res.stderr.slice(-4000));
    assert.equal(res.stderr.trimEnd().split('\n').at(-1), `aesync: interrupted: committed none; not committed: ${D1}`);
    assert.deepEqual(logLines(res.stderr).filter((l) => l.level === 'error'), []);
    const ops = env.h.requests.slice(from).filter((r) => r.key?.startsWith(`${prefix}/`)).map((r) => r.op);
    assert.ok(ops.includes('CreateMultipartUpload') && ops.includes('AbortMultipartUpload'), ops.join(' '));
    assert.ok(!ops.includes('CompleteMultipartUpload'), ops.join(' '));
    assert.deepEqual(env.h.openUploads(), []);
    assert.deepEqual(await env.h.listKeys(`${prefix}/`), []);
  } finally {
    run.child.kill('SIGKILL');
    env.h.faults.clear();
  }
});

test('convert: Ctrl-C while its input pipe stalls exits 130 and leaves no file', async () => {
  const dir = join(env.scratch, 'convert-int');
  mkdirSync(dir);
  const child = spawn(AESYNC_BIN, ['convert', '--input', '-', '--output', 'out.parquet'], {
    cwd: dir, env: { ...process.env, AESYNC_CONFIG: '' }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  const err = [];
  child.stderr.on('data', (c) => err.push(c));
  child.stdout.resume();
  child.stdin.on('error', () => {});
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const r = { child, stderr: () => Buffer.concat(err).toString('utf8') };
  try {
    child.stdin.write(`${JSON.stringify({ timestamp: `${D1} 00:00:01`, _sample_interval: 1, index1: 'm1', blob1: 'o', blob2: 'p', blob3: 't', blob4: 'process', blob5: 'x', double1: 1, double2: 0, double3: 0, double4: 0 })}\n`);
    // The output's temporary file exists once convert has started; the pipe stays open.
    await until(() => readdirSync(dir).length > 0, 'the temporary output file', r);
    child.kill('SIGINT');
    const res = await exited;
    assert.deepEqual(res, { code: 130, signal: null }, r.stderr());
    assert.equal(r.stderr().trimEnd().split('\n').at(-1), 'aesync: interrupted: nothing committed (reading input <stdin>: cancelled)');
    assert.deepEqual(readdirSync(dir), [], 'no output, no temporary file');
  } finally {
    child.kill('SIGKILL');
  }
});

test('daemon: SIGTERM mid-run reports the stopped days as cancelled, logs no error, exits 0', async () => {
  const prefix = 'int_term';
  const config = env.config('term.toml', { source: { window: '6h' }, destination: { prefix }, sync: { lookback_days: 2, concurrency: 1 } });
  const stall = env.gw.addFault({ type: 'delay', ms: 120_000, afterLines: 3, when: { kind: 'data', overlaps: dayWindow(D1) } });
  const d = startAesync(['-c', config, 'daemon', '--every', '1h']);
  try {
    await until(() => stall.hits >= 1, 'the held window', d);
    d.child.kill('SIGTERM');
    const res = await d.exited;
    assert.equal(res.code, 0, res.stderr.slice(-4000));
    const summary = parseSummary(res.stdout);
    const st = statuses(summary);
    assert.equal(st[D2], 'ok', res.stdout);
    assert.equal(st[D1], 'cancelled', res.stdout);
    // Every day after the stopped one was not begun: cancelled too; none failed.
    for (const day of summary.days) assert.ok(day.status === 'ok' || day.status === 'cancelled', res.stdout);
    for (const day of summary.days.filter((x) => x.day > D1)) assert.equal(day.status, 'cancelled', res.stdout);
    const log = logLines(res.stderr);
    assert.deepEqual(log.filter((l) => l.level === 'error' || l.level === 'warn'), [], 'no error or warning line');
    assert.ok(log.some((l) => l.msg === 'daemon run cancelled' && l.level === 'info'), res.stderr.slice(-2000));
    assert.ok(!log.some((l) => l.msg === 'daemon run end'), 'a cancelled run is not counted as ended');
    assert.deepEqual(await env.h.listKeys(`${prefix}/${D1}/`), []);
    assert.deepEqual(env.h.openUploads(), []);
  } finally {
    d.child.kill('SIGKILL');
    env.gw.clearFaults();
  }
});

test('daemon: SIGHUP reloads the config, a broken one is logged and the running one kept', async () => {
  const config = env.config('hup.toml', { source: { window: '6h' }, destination: { prefix: 'int_hup_a' }, sync: { lookback_days: 1 } });
  const d = startAesync(['-c', config, 'daemon', '--every', '2s']);
  const runEnds = () => logLines(d.stderr()).filter((l) => l.msg === 'daemon run end').length;
  try {
    await until(async () => (await env.h.listKeys(`int_hup_a/${D1}/`)).length === 2, 'the first export', d);

    // The same file, another prefix: the runs after the reload write there.
    env.config('hup.toml', { source: { window: '6h' }, destination: { prefix: 'int_hup_b' }, sync: { lookback_days: 1 } });
    d.child.kill('SIGHUP');
    await until(() => logLines(d.stderr()).some((l) => l.msg === 'config reloaded' && l.level === 'info'), 'config reloaded', d);
    await until(async () => (await env.h.listKeys(`int_hup_b/${D1}/`)).length === 2, 'an export under the new prefix', d);

    // A config that does not load: an error line, and the daemon goes on with the running one.
    writeFileSync(config, '[source]\ntype = "not-a-source"\n');
    d.child.kill('SIGHUP');
    await until(() => logLines(d.stderr()).some((l) => l.msg === 'config reload failed: keeping the running config'), 'the failed reload', d);
    const failed = logLines(d.stderr()).find((l) => l.msg === 'config reload failed: keeping the running config');
    assert.equal(failed.level, 'error');
    assert.equal(failed.file, config);
    assert.match(failed.error, /not-a-source/);
    const ends = runEnds();
    await until(() => runEnds() >= ends + 1, 'a run after the failed reload', d);
    const last = logLines(d.stderr()).filter((l) => l.msg === 'daemon run end').at(-1);
    assert.equal(last.status, 'ok', JSON.stringify(last));

    d.child.kill('SIGTERM');
    const res = await d.exited;
    assert.equal(res.code, 0, res.stderr.slice(-4000));
  } finally {
    d.child.kill('SIGKILL');
  }
});
