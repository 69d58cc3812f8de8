// Which config a command reads, and how much of it (issue 14, docs/configuration.md "What each
// command reads"): `convert` and `inspect` work in a folder whose ./aesync.toml names an unset
// ${VAR} in sections they never use, and convert does not silently take that file's format;
// `posthog print` does not need the AE token; `check --offline` validates every section without
// opening a connection; one run reports every config error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { runAesync, scratchDir } from './lib/aesync.mjs';
import { runAesyncAsync } from './lib/s3_tools.mjs';

const scratch = scratchDir('config-paths');
const ROW =
  '{"_sample_interval":1,"blob1":"org","blob2":"prj","blob3":"cpu","blob4":"resource","blob5":"",' +
  '"dataset":"machine_metrics","double1":1,"double2":2,"double3":3,"double4":4,"index1":"m1",' +
  '"timestamp":"2026-02-01 00:00:00"}\n';
const UNSET = 'AESYNC_E2E_CONFIG_PATHS_UNSET';
delete process.env[UNSET]; // the children inherit this environment

let caseNo = 0;
/** A fresh folder holding dump.jsonl and, when `toml` is given, aesync.toml (mode 0600). */
function caseDir(toml) {
  const dir = join(scratch, `case${++caseNo}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dump.jsonl'), ROW);
  if (toml !== undefined) {
    writeFileSync(join(dir, 'aesync.toml'), toml);
    chmodSync(join(dir, 'aesync.toml'), 0o600);
  }
  return dir;
}

/** The JSON log lines of `stderr` (--log-format json), without their timestamps. */
function logLines(stderr) {
  return stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const { ts, ...rest } = JSON.parse(l);
      assert.ok(ts);
      return rest;
    });
}

const isParquet = (path) => readFileSync(path).subarray(0, 4).toString('latin1') === 'PAR1';

// A folder's config for sync: an AE source whose token is unset, CSV output.
const SYNC_CONFIG = [
  '[source]',
  'type = "analytics-engine"',
  'account_id = "acct"',
  `api_token = "\${${UNSET}}"`,
  '[destination]',
  'type = "local"',
  'path = "exports"',
  '[output]',
  'format = "csv"',
  '[posthog]',
  'project_id = "12"',
  'api_key = "phx_e2e_key"',
  'read_access_key_id = "AKIAREAD"',
  'read_secret_access_key = "read-secret"',
  '',
].join('\n');

test('convert and inspect ignore ./aesync.toml: its unset ${VAR} and its format', () => {
  const dir = caseDir(SYNC_CONFIG);
  const res = runAesync(['--log-format', 'json', 'convert', '--input', 'dump.jsonl', '--output', 'o1'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  assert.ok(isParquet(join(dir, 'o1')), 'the built-in default (parquet), not the folder config\'s csv');
  assert.deepEqual(
    logLines(res.stderr).map((l) => l.msg),
    ['converted'],
  );
  const inspect = runAesync(['inspect', '--json', 'o1'], { cwd: dir });
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).num_rows, 1);
  // The same folder config is incomplete for sync: it needs the token.
  const sync = runAesync(['sync', '--dry-run'], { cwd: dir });
  assert.equal(sync.code, 2);
  assert.equal(sync.stderr, `aesync: error: aesync.toml:4:13: source.api_token: environment variable ${UNSET} is not set\n`);
});

test('convert with -c or AESYNC_CONFIG uses that config (not its [source]) and says so', () => {
  const dir = caseDir(SYNC_CONFIG);
  for (const [how, args, env] of [
    ['-c', ['-c', 'aesync.toml'], {}],
    ['AESYNC_CONFIG', [], { AESYNC_CONFIG: 'aesync.toml' }],
  ]) {
    const out = `o-${how}.csv`;
    const res = runAesync(['--log-format', 'json', ...args, 'convert', '--input', 'dump.jsonl', '--output', out], {
      cwd: dir,
      env,
    });
    assert.equal(res.code, 0, res.stderr);
    const logs = logLines(res.stderr);
    assert.deepEqual(logs[0], {
      level: 'info',
      msg: 'convert uses a config',
      config: 'aesync.toml',
      format: 'csv',
      mapping: 'built-in',
    });
    assert.deepEqual(logs.map((l) => l.msg), ['convert uses a config', 'converted'], how);
    assert.equal(readFileSync(join(dir, out), 'utf8').split('\n')[0].split(',')[0], 'timestamp', how);
  }
});

test('convert --format parquet --output x.csv writes Parquet and warns that the name disagrees', () => {
  const dir = caseDir();
  const res = runAesync(
    ['--log-format', 'json', 'convert', '--input', 'dump.jsonl', '--output', 'x.csv', '--format', 'parquet'],
    { cwd: dir },
  );
  assert.equal(res.code, 0, res.stderr);
  assert.ok(isParquet(join(dir, 'x.csv')));
  assert.deepEqual(logLines(res.stderr)[0], {
    level: 'warn',
    msg: "the output's name says another format than the one written",
    output: 'x.csv',
    format: 'parquet',
    name_says: 'csv',
  });
  // Agreeing names and formats: no warning.
  for (const [out, format] of [['y.parquet', 'parquet'], ['y.csv.gz', 'csv'], ['y', 'csv']]) {
    const ok = runAesync(['--log-format', 'json', 'convert', '--input', 'dump.jsonl', '--output', out, '--format', format], {
      cwd: dir,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(logLines(ok.stderr).map((l) => l.level), ['info'], out);
  }
});

test('posthog print does not need the AE token', () => {
  const dir = caseDir(SYNC_CONFIG.replace('type = "local"\npath = "exports"', 'type = "r2"\nbucket = "b"\nendpoint = "https://acct.r2.cloudflarestorage.com"\naccess_key_id = "AKIA"\nsecret_access_key = "s3-secret"'));
  const res = runAesync(['posthog', 'print'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stderr, '');
  assert.ok(res.stdout.includes('  table name:        machine_metrics\n'), res.stdout);
  assert.ok(res.stdout.includes('  files URL pattern: https://acct.r2.cloudflarestorage.com/b/machine_metrics/*/data.csv\n'), res.stdout);
});

// A TCP listener standing in for every endpoint of the config: it counts connections and resets
// each at once (a refused request fails fast, with no retry budget).
async function countingListener() {
  const server = createServer((socket) => {
    server.connections_seen += 1;
    socket.resetAndDestroy();
  });
  server.connections_seen = 0;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

test('check --offline validates every section, ${VAR} and _file, and opens no connection', async () => {
  const server = await countingListener();
  after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  const dir = caseDir();
  writeFileSync(join(dir, 'token.txt'), 'tok-from-file\n');
  const config = (tokenKey, secretVar) =>
    [
      '[source]',
      'type = "analytics-engine"',
      'account_id = "acct"',
      tokenKey,
      `api_base = "${base}/client/v4"`,
      'timeout = "2s"',
      'max_retries = 0',
      '[destination]',
      'type = "s3"',
      'bucket = "b"',
      `endpoint = "${base}"`,
      'access_key_id = "AKIA"',
      `secret_access_key = "\${${secretVar}}"`,
      '[posthog]',
      'project_id = "12"',
      'api_key = "phx_e2e_key"',
      `host = "${base}"`,
      'read_access_key_id = "AKIAREAD"',
      'read_secret_access_key = "read-secret"',
      '',
    ].join('\n');
  writeFileSync(join(dir, 'good.toml'), config('api_token_file = "token.txt"', 'AESYNC_E2E_S3_SECRET'));
  chmodSync(join(dir, 'good.toml'), 0o600);
  const env = { AESYNC_E2E_S3_SECRET: 's3-secret' };

  const ok = await runAesyncAsync(['-c', 'good.toml', 'check', '--offline'], { cwd: dir, env });
  assert.equal(ok.code, 0, String(ok.stderr));
  assert.equal(
    ok.stdout,
    [
      'ok    config       good.toml: every section, ${VAR} and _file',
      `ok    source       analytics-engine: account acct at ${base}/client/v4 (offline: not contacted)`,
      `ok    destination  s3: bucket b at ${base} (offline: not contacted)`,
      `ok    posthog      project 12 at ${base} (offline: not contacted)`,
      '',
    ].join('\n'),
  );
  assert.equal(server.connections_seen, 0, 'check --offline opened a connection');

  // The control: the same check online does reach the listener.
  const online = await runAesyncAsync(['-c', 'good.toml', 'check'], { cwd: dir, env });
  assert.equal(online.code, 1, online.stdout);
  assert.ok(server.connections_seen > 0, 'the listener saw no connection from check');
  const seen = server.connections_seen;

  // A missing _file and an unset ${VAR}: both reported, one FAIL line each, exit 2.
  writeFileSync(join(dir, 'bad.toml'), config('api_token_file = "missing.txt"', UNSET));
  chmodSync(join(dir, 'bad.toml'), 0o600);
  const bad = await runAesyncAsync(['-c', 'bad.toml', 'check', '--offline'], { cwd: dir, env });
  assert.equal(bad.code, 2, bad.stdout);
  assert.equal(
    bad.stdout,
    [
      `FAIL  config       bad.toml:4:18: source.api_token_file: cannot read "missing.txt": No such file or directory`,
      `FAIL  config       bad.toml:13:21: destination.secret_access_key: environment variable ${UNSET} is not set`,
      '',
    ].join('\n'),
  );
  assert.equal(server.connections_seen, seen, 'check --offline with a bad config opened a connection');
});

test('check --offline: an unreadable file source is a FAIL line and exit 1', () => {
  const dir = caseDir('[source]\ntype = "file"\npath = "nowhere.jsonl"\n');
  const res = runAesync(['check', '--offline'], { cwd: dir });
  assert.equal(res.code, 1, res.stderr);
  assert.equal(
    res.stdout,
    [
      'ok    config       aesync.toml: every section, ${VAR} and _file',
      'FAIL  source       file: cannot open nowhere.jsonl',
      'ok    destination  local: ./exports (offline: not written)',
      'skip  posthog      no [posthog] table',
      '',
    ].join('\n'),
  );
});

test('one run reports every config error, the first one first, then exits 2', () => {
  const dir = caseDir(
    [
      '[source]',
      'type = "file"',
      'path = "dump.jsonl"',
      'windw = "1h"',
      'max_retries = 99',
      '[destination]',
      'type = "s3"',
      'bucket = "b"',
      'timeout = "0s"',
      '[sync]',
      'lookback_days = 5',
      'retention_days = 3',
      '',
    ].join('\n'),
  );
  const res = runAesync(['sync', '--dry-run'], { cwd: dir });
  assert.equal(res.code, 2, res.stderr);
  assert.equal(res.stdout, '');
  assert.equal(
    res.stderr,
    [
      'aesync: error: aesync.toml:4:1: unknown key "source.windw" (did you mean "source.window"?)',
      'aesync: error: aesync.toml:5:15: source.max_retries: 99 is out of range (expected 0..20)',
      'aesync: error: aesync.toml:9:11: destination.timeout: invalid duration "0s" (expected a whole number followed by s, m, h or d, e.g. "90s", "5m", "6h", "1d")',
      'aesync: error: aesync.toml:6:1: destination.endpoint is required when destination.type = "s3"',
      'aesync: error: aesync.toml:6:1: destination.access_key_id is required when destination.type = "s3"',
      'aesync: error: aesync.toml:6:1: destination.secret_access_key is required when destination.type = "s3"',
      'aesync: error: aesync.toml:11:17: sync.lookback_days (5) must be less than sync.retention_days (3)',
      '',
    ].join('\n'),
  );
  // check prints the same errors as FAIL lines.
  const check = runAesync(['check', '--offline'], { cwd: dir });
  assert.equal(check.code, 2);
  assert.equal(check.stdout, res.stderr.replaceAll('aesync: error: ', 'FAIL  config       '));
});

test('a plain http:// endpoint carrying a key warns unless it is loopback', () => {
  const dest = (endpoint) =>
    `[source]\ntype = "file"\npath = "dump.jsonl"\n[destination]\ntype = "s3"\nbucket = "b"\nendpoint = "${endpoint}"\naccess_key_id = "AKIA"\nsecret_access_key = "s3-secret"\n`;
  const remote = caseDir(dest('http://minio.lan:9000'));
  const res = runAesync(['--log-format', 'json', 'check', '--offline'], { cwd: remote });
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(logLines(res.stderr), [
    {
      level: 'warn',
      msg: 'aesync.toml:7:12: destination.endpoint: plain http:// to "minio.lan" sends what destination.secret_access_key grants in clear over the network; use https://',
    },
  ]);
  for (const endpoint of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://[::1]:9000', 'https://minio.lan']) {
    const quiet = runAesync(['--log-format', 'json', 'check', '--offline'], { cwd: caseDir(dest(endpoint)) });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', endpoint);
  }
});
