// Retention applies to every source (issue 14): `sync` never writes a day that `prune` would
// delete (older than sync.retention_days before today). With the file source such days are
// skipped with one warning naming them, their rows and the setting; the others are exported.
// The demo config keeps its sample's days: `aesync sync` then `aesync daemon` (sync, then prune)
// on examples/demo.toml leaves the demo's three days in place. `sync --json` prints the summary
// as one JSON object.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AESYNC_BIN, runAesync, scratchDir } from './lib/aesync.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const scratch = scratchDir('retention');
const SAMPLE = 'examples/sample-machine-metrics.jsonl';
const SAMPLE_DAYS = ['2026-02-03', '2026-02-04', '2026-02-05'];
let rowsOf = {}; // the sample's rows per UTC day

before(() => {
  // The demo's layout: the config names the sample by its path from the checkout's root.
  mkdirSync(join(scratch, 'examples'));
  for (const f of ['examples/demo.toml', SAMPLE]) copyFileSync(join(root, f), join(scratch, f));
  rowsOf = {};
  for (const line of readFileSync(join(scratch, SAMPLE), 'utf8').split('\n')) {
    if (line === '') continue;
    const day = JSON.parse(line).timestamp.slice(0, 10);
    rowsOf[day] = (rowsOf[day] ?? 0) + 1;
  }
  assert.deepEqual(Object.keys(rowsOf).sort(), SAMPLE_DAYS);
});

function aesync(args, cwd = scratch) {
  return runAesync(['--log-format', 'json', ...args], { cwd });
}

const logLines = (stderr) => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const daysIn = (dir) => (existsSync(dir) ? readdirSync(dir).filter((d) => /^\d{4}-\d\d-\d\d$/.test(d)).sort() : []);

test('a file source with days older than retention: those days are skipped with one warning, the others exported', () => {
  const dir = join(scratch, 'old');
  mkdirSync(dir);
  writeFileSync(join(dir, 'aesync.toml'),
    `[source]\ntype = "file"\npath = "${join(scratch, SAMPLE)}"\n\n[destination]\ntype = "local"\npath = "./exports"\n\n` +
    '[sync]\nretention_days = 90\n');
  // At 2026-05-05T12:00Z prune keeps 2026-02-04 and later (90 days): 2026-02-03 is older.
  const now = '2026-05-05T12:00:00Z';
  const warning = `skipped 1 day(s) older than sync.retention_days = 90 (prune keeps 2026-02-04 and later): 2026-02-03 ` +
    `(${rowsOf['2026-02-03']} rows); raise sync.retention_days to export them`;

  const dry = aesync(['sync', '--dry-run', '--now', now], dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(logLines(dry.stderr).filter((l) => l.level === 'warn').map((l) => l.msg), [warning]);
  assert.match(dry.stdout, /^plan: 2 partition\(s\) from /);
  assert.doesNotMatch(dry.stdout, /2026-02-03/);

  const res = aesync(['sync', '--now', now], dir);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(logLines(res.stderr).filter((l) => l.level === 'warn').map((l) => l.msg), [warning]);
  assert.deepEqual(daysIn(join(dir, 'exports', 'machine_metrics')), ['2026-02-04', '2026-02-05']);
  const summary = res.stdout.split('\n');
  assert.match(summary.find((l) => l.startsWith('2026-02-04 ')), new RegExp(`^2026-02-04\\s+${rowsOf['2026-02-04']}\\s+\\d+\\s+\\d+\\.\\d\\d\\s+ok$`));
  assert.equal(summary.filter((l) => l.startsWith('2026-02-03')).length, 0);
  assert.equal(summary.at(-2), `warning: ${warning}`);

  // prune at the same time deletes nothing: sync wrote no day it would delete.
  const prune = aesync(['prune', '--now', now], dir);
  assert.equal(prune.code, 0, prune.stderr);
  assert.equal(prune.stdout, '0 partition(s) older than 90 days, 0 object(s) deleted\n');

  // --json: the same summary as one object.
  const json = aesync(['sync', '--json', '--now', now], dir);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.deepEqual(out.partitions.map((p) => [p.day, p.table, p.status, p.rows, p.error]),
    [['2026-02-04', 'machine_metrics', 'ok', rowsOf['2026-02-04'], null], ['2026-02-05', 'machine_metrics', 'ok', rowsOf['2026-02-05'], null]]);
  for (const p of out.partitions) {
    assert.equal(p.data_key, `machine_metrics/${p.day}/data.parquet`);
    assert.ok(p.bytes > 0 && p.seconds >= 0, JSON.stringify(p));
  }
  const rows = rowsOf['2026-02-04'] + rowsOf['2026-02-05'];
  assert.deepEqual(out.totals, {
    partitions: 2, rows, bytes: out.partitions[0].bytes + out.partitions[1].bytes, ok: 2, busy: 0, skipped: 0, failed: 0,
    planned: 0, cancelled: 0, rows_read: rows + rowsOf['2026-02-03'], rows_skipped: rowsOf['2026-02-03'], invalid_utf8_replaced: 0,
  });
  assert.deepEqual(out.warnings, [warning]);
  assert.equal(out.failed, false);

  // --dry-run --json: the plan as that object (status planned), no plan text.
  const dryJson = aesync(['sync', '--dry-run', '--json', '--now', now], dir);
  assert.equal(dryJson.code, 0, dryJson.stderr);
  const plan = JSON.parse(dryJson.stdout);
  assert.deepEqual(plan.partitions.map((p) => [p.day, p.status, p.rows]), [['2026-02-04', 'planned', rowsOf['2026-02-04']], ['2026-02-05', 'planned', rowsOf['2026-02-05']]]);
  assert.equal(plan.totals.planned, 2);
});

test('every day older than retention: nothing written, the warning names their range and count', () => {
  const dir = join(scratch, 'all-old');
  mkdirSync(dir);
  writeFileSync(join(dir, 'aesync.toml'),
    `[source]\ntype = "file"\npath = "${join(scratch, SAMPLE)}"\n\n[destination]\ntype = "local"\npath = "./exports"\n`);
  const res = aesync(['sync', '--now', '2026-12-01T00:00:00Z'], dir);
  assert.equal(res.code, 0, res.stderr);
  const total = rowsOf['2026-02-03'] + rowsOf['2026-02-04'] + rowsOf['2026-02-05'];
  const warns = logLines(res.stderr).filter((l) => l.level === 'warn').map((l) => l.msg);
  assert.equal(warns[0], 'skipped 3 day(s) older than sync.retention_days = 90 (prune keeps 2026-09-02 and later): ' +
    `2026-02-03, 2026-02-04, 2026-02-05 (${total} rows); raise sync.retention_days to export them`);
  assert.deepEqual(daysIn(join(dir, 'exports', 'machine_metrics')), []);
});

/** Starts `aesync daemon` in `cwd`; resolves with its log lines once `msg` was logged. */
function startDaemon(args, cwd) {
  const child = spawn(AESYNC_BIN, ['--log-format', 'json', 'daemon', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  const exited = new Promise((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => ok({ code, signal, stdout: out, stderr: err }));
  });
  const logged = (msg) => new Promise((ok, fail) => {
    const look = () => {
      const hit = logLines(err).find((l) => l.msg === msg);
      if (hit) ok(hit);
    };
    child.stderr.on('data', (c) => { err += c; look(); });
    exited.then((r) => fail(new Error(`the daemon exited (${r.code ?? r.signal}) before "${msg}":\n${r.stderr}`)));
  });
  return { child, exited, logged };
}

test('the demo: make demo\'s sync, then a daemon run (sync + prune) on examples/demo.toml keeps the demo\'s days', async () => {
  // What scripts/demo.sh runs (from the checkout's root).
  const res = runAesync(['--log-format', 'text', 'sync', '-c', 'examples/demo.toml'], { cwd: scratch });
  assert.equal(res.code, 0, res.stderr);
  const exportsDir = join(scratch, 'exports', 'machine_metrics');
  assert.deepEqual(daysIn(exportsDir), SAMPLE_DAYS);

  // The daemon with the real clock: its first run syncs, then prunes.
  const d = startDaemon(['-c', 'examples/demo.toml', '--every', '24h'], scratch);
  const end = await d.logged('daemon run end');
  d.child.kill('SIGTERM');
  const exit = await d.exited;
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(end.status, 'ok', JSON.stringify(end));
  assert.equal(end.partitions, 3);
  assert.equal(end.rows, SAMPLE_DAYS.reduce((s, day) => s + rowsOf[day], 0));
  assert.equal(end.pruned_partitions, 0);
  assert.deepEqual(daysIn(exportsDir), SAMPLE_DAYS);
  for (const day of SAMPLE_DAYS) assert.deepEqual(readdirSync(join(exportsDir, day)).sort(), ['_manifest.json', 'data.parquet']);
  const status = runAesync(['status', '-c', 'examples/demo.toml', '--json'], { cwd: scratch });
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(JSON.parse(status.stdout).map((p) => [p.partition, p.rows]), SAMPLE_DAYS.map((day) => [day, rowsOf[day]]));
});
