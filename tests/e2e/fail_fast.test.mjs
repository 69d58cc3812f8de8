// Fail fast where a person waits (issue 14). Real unreachable peers, no double: a host name
// under .invalid, which never resolves (RFC 6761 §6.4: resolvers answer NXDOMAIN for it), and a
// loopback port that nothing listens on (the kernel answers the SYN with a RST: "connection
// refused"). What is asserted are attempt counts, read from the logs and the messages
// ("retrying" warn lines, "failed after N attempt(s)"), never wall time.
//   - `check` tries each endpoint once: three unreachable hosts (source, destination, PostHog),
//     three FAIL lines each "failed after 1 attempt", no "retrying" line; `check --json` says
//     the same as one object;
//   - `sync --dry-run` tries the destination once (a dry run lists the exported days; it sends
//     the source nothing);
//   - a real `sync` (source.max_retries = 6) retries an unresolvable source host and a refused
//     destination once each: one "retrying" line, "failed after 2 attempts".
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runAesync, scratchDir } from './lib/aesync.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const scratch = scratchDir('fail-fast');
const NOHOST = 'nohost.invalid';
const ACCOUNT = '0123456789abcdef0123456789abcdef';
const NOW = '2026-02-05T12:00:00Z';
let closedPort = 0;

/** A loopback port that was free a moment ago: listened on, then closed. */
function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

before(async () => {
  closedPort = await freePort();
  copyFileSync(join(root, 'examples/sample-machine-metrics.jsonl'), join(scratch, 'sample.jsonl'));
});

const aeSource = `[source]
type = "analytics-engine"
account_id = "${ACCOUNT}"
api_token = "\${E2E_TOKEN}"
api_base = "https://${NOHOST}/client/v4"
dataset = "machine_metrics"
max_retries = 6
`;
const fileSource = `[source]
type = "file"
path = "sample.jsonl"
max_retries = 6
`;
const s3Destination = () => `[destination]
type = "s3"
endpoint = "http://127.0.0.1:${closedPort}"
bucket = "exports"
region = "us-east-1"
access_key_id = "AKIDEXAMPLE"
secret_access_key = "\${E2E_SECRET}"
`;
const localDestination = `[destination]
type = "local"
path = "./exports"
`;
const posthog = `[posthog]
host = "https://posthog.${NOHOST}"
project_id = 1
api_key = "\${E2E_PH_KEY}"
read_access_key_id = "AKIDREAD"
read_secret_access_key = "\${E2E_SECRET}"
`;
// The sample's days are 2026-02-03..05: in scope for the file source whatever the clock.
const keepSample = '[sync]\nretention_days = 3650\n';

function config(name, ...sections) {
  const path = join(scratch, name);
  writeFileSync(path, sections.join('\n'));
  return path;
}

const SECRETS = { E2E_TOKEN: 'tok-fail-fast-secret', E2E_SECRET: 's3-fail-fast-secret', E2E_PH_KEY: 'phx_fail_fast_secret' };

function aesync(args) {
  const res = runAesync(['--log-format', 'json', ...args], { cwd: scratch, env: { AESYNC_RETRY_BASE_MS: '5', ...SECRETS } });
  for (const s of Object.values(SECRETS)) {
    assert.ok(!res.stdout.includes(s) && !res.stderr.includes(s), `a secret in the output of aesync ${args.join(' ')}`);
  }
  return res;
}

/** The log's lines (JSON, one per line) with msg "retrying". */
function retries(stderr) {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((l) => l.msg === 'retrying');
}

const sourceUrl = `POST https://${NOHOST}/client/v4/accounts/${ACCOUNT}/analytics_engine/sql`;
const refused = (port) => new RegExp(`Failed to connect to 127\\.0\\.0\\.1 port ${port} after \\d+ ms: Couldn't connect to server`);

test('check: three unreachable hosts, each tried once, three FAIL lines naming them; no retry', () => {
  const cfg = config('check.toml', aeSource, s3Destination(), posthog);
  const res = aesync(['check', '-c', cfg]);
  assert.equal(res.code, 1, res.stdout + res.stderr);
  const lines = res.stdout.split('\n').filter((l) => l !== '');
  assert.deepEqual(lines.map((l) => l.split(/\s+/).slice(0, 2)), [['ok', 'config'], ['FAIL', 'source'], ['FAIL', 'destination'], ['FAIL', 'posthog']], res.stdout);
  assert.equal(lines[1],
    `FAIL  source       analytics-engine dataset machine_metrics (account ${ACCOUNT}): failed after 1 attempt: ` +
    `${sourceUrl}: Could not resolve host: ${NOHOST}`);
  assert.match(lines[2], /^FAIL {2}destination {2}PutObject s3:\/\/exports\/machine_metrics\/_aesync_check\/\S+\.txt: failed after 1 attempt: PUT /);
  assert.match(lines[2], refused(closedPort));
  assert.match(lines[2], new RegExp(`\\(endpoint http://127\\.0\\.0\\.1:${closedPort}\\)$`));
  assert.equal(lines[3],
    'FAIL  posthog      posthog: GET /api/projects/1/warehouse_tables/?search=machine_metrics: failed after 1 attempt: ' +
    `GET https://posthog.${NOHOST}/api/projects/1/warehouse_tables/: Could not resolve host: posthog.${NOHOST}`);
  assert.deepEqual(retries(res.stderr), [], 'no request was retried');
});

test('check --json: the same checks as one JSON object', () => {
  const cfg = config('check.toml', aeSource, s3Destination(), posthog);
  const res = aesync(['check', '--json', '-c', cfg]);
  assert.equal(res.code, 1, res.stdout + res.stderr);
  const out = JSON.parse(res.stdout);
  assert.equal(res.stdout.trimEnd().split('\n').length, 1, 'one line');
  assert.deepEqual(Object.keys(out), ['checks', 'failed']);
  assert.equal(out.failed, true);
  assert.deepEqual(out.checks.map((c) => [c.status, c.name]), [['ok', 'config'], ['FAIL', 'source'], ['FAIL', 'destination'], ['FAIL', 'posthog']]);
  assert.equal(out.checks[0].detail, cfg);
  assert.equal(out.checks[1].detail,
    `analytics-engine dataset machine_metrics (account ${ACCOUNT}): failed after 1 attempt: ${sourceUrl}: Could not resolve host: ${NOHOST}`);
  assert.match(out.checks[2].detail, refused(closedPort));
  assert.deepEqual(retries(res.stderr), []);

  // A config that cannot be loaded: one FAIL config check, exit 2.
  const bad = config('bad.toml', '[source]\ntype = "nope"\n');
  const res2 = aesync(['check', '--json', '-c', bad]);
  assert.equal(res2.code, 2, res2.stdout + res2.stderr);
  const out2 = JSON.parse(res2.stdout);
  assert.deepEqual(out2.checks.map((c) => [c.status, c.name]), [['FAIL', 'config']]);
  assert.match(out2.checks[0].detail, /source\.type/);
  assert.equal(out2.failed, true);
});

test('sync --dry-run tries the refused destination once (it lists the exported days to plan)', () => {
  const cfg = config('dry.toml', aeSource, s3Destination());
  const res = aesync(['sync', '--dry-run', '--date', '2026-02-04', '--now', NOW, '-c', cfg]);
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stderr, /aesync: error: ListObjectsV2 s3:\/\/exports\/machine_metrics\/: failed after 1 attempt: GET /);
  assert.match(res.stderr, refused(closedPort));
  assert.deepEqual(retries(res.stderr), []);
});

test('sync (max_retries = 6) retries an unresolvable source host once: two attempts', () => {
  const cfg = config('sync-ae.toml', aeSource, localDestination);
  const res = aesync(['sync', '--date', '2026-02-04', '--now', NOW, '-c', cfg]);
  assert.equal(res.code, 1, res.stdout + res.stderr);
  const r = retries(res.stderr);
  assert.deepEqual(r.map((l) => [l.target, l.attempt, l.status, l.reason]), [['source', 1, 0, `${sourceUrl}: Could not resolve host: ${NOHOST}`]]);
  assert.match(res.stdout + res.stderr, new RegExp(`failed after 2 attempts: ${sourceUrl}: Could not resolve host: ${NOHOST}`));
});

test('sync (max_retries = 6) retries a refused destination once: two attempts', () => {
  const cfg = config('sync-s3.toml', fileSource, s3Destination(), keepSample);
  const res = aesync(['sync', '-c', cfg]);
  assert.equal(res.code, 1, res.stdout + res.stderr);
  const r = retries(res.stderr);
  assert.equal(r.length, 1, JSON.stringify(r));
  assert.equal(r[0].target, 'storage');
  assert.equal(r[0].attempt, 1);
  assert.match(r[0].reason, refused(closedPort));
  assert.match(res.stderr, /aesync: error: .*: failed after 2 attempts: /);
  assert.match(res.stderr, refused(closedPort));
});
