// No secret reaches any output (docs/observability.md): a full set of runs with distinctive secrets configured
// (through ${VAR}, through <key>_file, and literally in a 0600 config file), each at
// --log-level debug in both log formats, is searched for the secrets and for Authorization
// header values. The runs: sync (a backfill that succeeds, with the AE and the ClickHouse
// sources; one with a wrong S3 secret; one with a wrong AE token; one whose AE error body
// quotes the token and its Authorization header; one with a wrong ClickHouse password),
// sync --dry-run, check (passing, and failing on each endpoint), status, prune --dry-run,
// posthog print / link --dry-run / link against a PostHog double that echoes the Authorization
// header it got into its error, and convert with broken configs that hold secrets.
//
// A secret is "seen" when any 10-character slice of it appears in an output, so a message that
// quotes a secret cut short is caught too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ACCOUNT, PREFIX } from './lib/ae_env.mjs';
import { startAeGateway } from './lib/ae_gateway.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { createAeTable, insertRows, startClickHouse } from './lib/clickhouse_server.mjs';
import { configToml } from './lib/mapping.mjs';
import { Rng } from './lib/prng.mjs';
import { startS3Harness } from './lib/s3_harness.mjs';
import { findLeaks, assertNoLeakWith } from './lib/leaks.mjs';
import { runAesyncAsync } from './lib/s3_tools.mjs';

const S = {
  aeToken: 'SECRET-token-1234567890',
  s3Secret: 'SECRET-s3key-0987654321/+=Zq',
  wrongS3Secret: 'SECRET-wrongs3-5555555555',
  wrongAeToken: 'SECRET-wrongtoken-7777777777',
  posthogKey: 'phx_SECRET-posthog-2468013579',
  readSecret: 'SECRET-r2read-1357924680',
  fileToken: 'SECRET-filetoken-1122334455',
  wrongChPassword: 'SECRET-wrongch-9988776655',
};
const S3_KEY_ID = 'AKIAREDACTIONE2E0001'; // an access key id is not a secret: it may appear
const DAYS = ['2026-02-01', '2026-02-02'];
const NOW = '2026-02-03T12:00:00Z';
const FORMATS = ['text', 'json'];

let ch;
let gw;
let h;
let posthog; // { url, requests, close }
let dir;
let rowsPerDay; // day -> rows inserted
const outputs = []; // { what, stdout, stderr }

/** A PostHog API double that answers every request 401 quoting the Authorization it received. */
async function startPostHogEcho() {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    req.resume();
    req.on('end', () => {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ type: 'authentication_error', code: 'authentication_failed', detail: `Invalid personal API key: Authorization: ${req.headers.authorization}` }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

function writeConfig(name, tables, { mode = 0o600 } = {}) {
  const path = join(dir, name);
  writeFileSync(path, configToml({ tables }));
  chmodSync(path, mode);
  return path;
}

const aeSource = (over = {}) => ({
  type: 'analytics-engine', dataset: 'machine_metrics', account_id: ACCOUNT, api_token: '${AE_TOKEN}',
  api_base: gw.url, window: '6h', settle: '5m', timeout: '10s', max_retries: 1, verify: true, ...over,
});
const s3Dest = (over = {}) => ({
  type: 's3', endpoint: h.endpoint, bucket: h.bucket, region: 'us-east-1', access_key_id: S3_KEY_ID,
  secret_access_key: '${S3_SECRET}', prefix: PREFIX, ...over,
});
const sync = { lookback_days: 1, retention_days: 90, concurrency: 2 };
const posthogSection = (over = {}) => ({
  host: posthog.url, project_id: '12345', api_key: '${POSTHOG_KEY}', table: 'machine_metrics',
  read_access_key_id: 'AKIAREADONLYE2E00001', read_secret_access_key: '${R2_READ_SECRET}',
  join_events_on: 'properties.machine_id', ...over,
});

const env = () => ({ AE_TOKEN: S.aeToken, S3_SECRET: S.s3Secret, POSTHOG_KEY: S.posthogKey, R2_READ_SECRET: S.readSecret });

let cfg; // name -> path

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aesync-e2e-redaction-'));
  ch = await startClickHouse({ tag: 'redaction-ch' });
  await createAeTable(ch, 'machine_metrics');
  const rng = new Rng(777);
  const rows = [...streamMachineMetrics(rng, { startDay: DAYS[0], days: 2, rowsPerDay: 300, fleet: makeFleet(rng, { machines: 20, orgs: 4 }) })];
  assert.equal(await insertRows(ch, 'machine_metrics', rows), rows.length);
  rowsPerDay = Object.fromEntries(DAYS.map((d) => [d, rows.filter((r) => r.timestamp.startsWith(d)).length]));
  gw = await startAeGateway({ clickhouse: ch, accountId: ACCOUNT, token: S.aeToken });
  h = await startS3Harness({ bucket: 'aesync-redaction', accessKeyId: S3_KEY_ID, secretAccessKey: S.s3Secret });
  posthog = await startPostHogEcho();
  const tokenFile = join(dir, 'ae-token');
  writeFileSync(tokenFile, S.fileToken + '\n');
  chmodSync(tokenFile, 0o600);
  cfg = {
    env: writeConfig('env.toml', { source: aeSource(), destination: s3Dest(), sync }),
    literal: writeConfig('literal.toml', {
      source: aeSource({ api_token: S.aeToken }),
      destination: s3Dest({ secret_access_key: S.s3Secret }),
      sync,
      posthog: posthogSection({ api_key: S.posthogKey, read_secret_access_key: S.readSecret }),
    }),
    // The gateway knows one token: the file's is wrong, which only the source check notices.
    tokenFile: writeConfig('token-file.toml', {
      source: (({ api_token: _, ...rest }) => ({ ...rest, api_token_file: tokenFile }))(aeSource()),
      destination: s3Dest(),
      sync,
    }),
    wrongS3: writeConfig('wrong-s3.toml', { source: aeSource(), destination: s3Dest({ secret_access_key: S.wrongS3Secret }), sync }),
    wrongAe: writeConfig('wrong-ae.toml', { source: aeSource({ api_token: S.wrongAeToken }), destination: s3Dest(), sync }),
    posthog: writeConfig('posthog.toml', { source: aeSource(), destination: s3Dest(), sync, posthog: posthogSection() }),
    clickhouse: writeConfig('clickhouse.toml', {
      source: { type: 'clickhouse', url: ch.url, user: ch.user, password: ch.password, database: 'default', table: 'machine_metrics', window: '6h', settle: '5m', timeout: '10s', max_retries: 1 },
      destination: s3Dest({ prefix: 'from_clickhouse' }),
      sync,
    }),
    wrongCh: writeConfig('wrong-ch.toml', {
      source: { type: 'clickhouse', url: ch.url, user: ch.user, password: S.wrongChPassword, database: 'default', table: 'machine_metrics', window: '6h', settle: '5m', timeout: '10s', max_retries: 1 },
      destination: s3Dest({ prefix: 'from_clickhouse' }),
      sync,
    }),
  };
});

after(async () => {
  await posthog?.close();
  await gw?.close();
  await h?.close();
  await ch?.close();
  if (dir && !process.env.E2E_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

/** Runs aesync at debug level in `format`; records the outputs; resolves to the result. */
async function run(what, format, args, { extraEnv = {} } = {}) {
  const res = await runAesyncAsync(['--log-level', 'debug', '--log-format', format, '--no-progress', ...args], {
    cwd: dir,
    env: { ...env(), ...extraEnv },
  });
  outputs.push({ what: `${what} [${format}]`, stdout: res.stdout, stderr: res.stderr });
  return res;
}

function expectExit(res, code, what) {
  assert.equal(res.code, code, `${what}: exit ${res.code ?? res.signal}, expected ${code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr.slice(-4000)}`);
}

const lit = (v) => JSON.stringify(v);

/**
 * Runs `check --offline` with config `text` (mode 0600): exit 2, an error naming the file, no
 * leak. check reads every section (convert, which reads only [output] and [[columns]], would not
 * see most of these errors).
 */
async function checkWithBadConfig(name, text, format) {
  const path = join(dir, `bad-${name}.toml`);
  writeFileSync(path, text);
  chmodSync(path, 0o600);
  const res = await run(`check bad config ${name}`, format, ['-c', path, 'check', '--offline']);
  expectExit(res, 2, `check --offline with the ${name} config`);
  assert.match(res.stdout, /^FAIL  config       .*bad-.*\.toml/, `the error names the file: ${res.stdout}`);
  assertNoLeak(res, `check bad config ${name}`);
}

/** Every place in `text` where a secret (or a 10-character slice of one) or a credential shows. */
function leaks(text) {
  return findLeaks(text, S, ch ? { 'clickhouse password': ch.password } : {});
}

function assertNoLeak(res, what) {
  assertNoLeakWith(leaks, res, what);
}

test('the leak detector finds secrets, slices of them and Authorization values', () => {
  assert.equal(leaks('all fine: token ***, Authorization: Bearer ***').length, 0);
  assert.equal(leaks(`x ${S.aeToken} y`).length, 1);
  assert.equal(leaks(`cut: ${S.s3Secret.slice(0, 12)}`).length, 1);
  assert.equal(leaks('Authorization: Bearer abcdefgh').length, 2);
  assert.equal(leaks('Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20260203/auto/s3/aws4_request').length, 2);
});

for (const format of FORMATS) {
  test(`sync that succeeds (AE source, secrets from env, from a file, and literal in a 0600 file) [${format}]`, async () => {
    let res = await run('sync env', format, ['-c', cfg.env, 'sync', '--from', DAYS[0], '--to', DAYS[1], '--now', NOW, '--force']);
    expectExit(res, 0, 'sync env');
    assertNoLeak(res, 'sync env');
    // Debug lines are on (the window-level ones at least).
    assert.match(res.stderr, format === 'json' ? /"level":"debug"/ : /^debug: /m);
    res = await run('sync literal', format, ['-c', cfg.literal, 'sync', '--from', DAYS[0], '--to', DAYS[1], '--now', NOW, '--force']);
    expectExit(res, 0, 'sync literal');
    assertNoLeak(res, 'sync literal');
    res = await run('sync dry-run', format, ['-c', cfg.literal, 'sync', '--dry-run', '--from', DAYS[0], '--to', DAYS[1], '--now', NOW]);
    expectExit(res, 0, 'sync --dry-run');
    assertNoLeak(res, 'sync --dry-run');
    res = await run('sync token file', format, ['-c', cfg.tokenFile, 'sync', '--date', DAYS[0], '--now', NOW, '--force']);
    expectExit(res, 1, 'sync with the token file (a token the gateway does not know)');
    assertNoLeak(res, 'sync token file');
  });

  test(`sync with the ClickHouse source: right and wrong password [${format}]`, async () => {
    let res = await run('sync clickhouse', format, ['-c', cfg.clickhouse, 'sync', '--from', DAYS[0], '--to', DAYS[1], '--now', NOW, '--force']);
    expectExit(res, 0, 'sync clickhouse');
    assertNoLeak(res, 'sync clickhouse');
    // The ClickHouse source plans each day from its histogram query, sent straight to ClickHouse
    // 18.16 (intDiv, toUInt32, GROUP BY an alias): every window checked against it, verified.
    for (const day of DAYS) {
      const m = JSON.parse((await h.objectBytes(`from_clickhouse/${day}/_manifest.json`)).toString('utf8'));
      assert.ok(rowsPerDay[day] > 0);
      assert.deepEqual(
        [m.rows, m.source_rows, m.verified, m.read_sampled, m.windows.length, m.windows.every((w) => w.verified)],
        [rowsPerDay[day], rowsPerDay[day], true, false, 4, true],
        `${day}: exported from the ClickHouse source`,
      );
    }
    res = await run('sync wrong clickhouse password', format, ['-c', cfg.wrongCh, 'sync', '--date', DAYS[0], '--now', NOW, '--force']);
    expectExit(res, 1, 'sync wrong clickhouse password');
    assertNoLeak(res, 'sync wrong clickhouse password');
  });

  test(`failing syncs: wrong S3 secret, wrong AE token, an AE error quoting the token [${format}]`, async () => {
    let res = await run('sync wrong s3 secret', format, ['-c', cfg.wrongS3, 'sync', '--date', DAYS[0], '--now', NOW, '--force']);
    expectExit(res, 1, 'sync wrong s3 secret');
    assert.match(res.stdout + res.stderr, /SignatureDoesNotMatch|403/);
    assertNoLeak(res, 'sync wrong s3 secret');

    res = await run('sync wrong ae token', format, ['-c', cfg.wrongAe, 'sync', '--date', DAYS[0], '--now', NOW, '--force']);
    expectExit(res, 1, 'sync wrong ae token');
    assert.match(res.stdout + res.stderr, /invalid token/);
    assertNoLeak(res, 'sync wrong ae token');

    // The gateway's error body quotes the token and the header it came in: aesync shows the
    // server's message, redacted.
    const fault = gw.addFault({
      type: 'status', status: 400, times: 100,
      body: `bad request from token ${S.aeToken}; Authorization: Bearer ${S.aeToken}`,
    });
    try {
      res = await run('sync ae error quoting the token', format, ['-c', cfg.env, 'sync', '--date', DAYS[0], '--now', NOW, '--force']);
    } finally {
      gw.clearFaults();
    }
    expectExit(res, 1, 'sync ae error quoting the token');
    assert.ok(fault.hits >= 1, 'the fault was served');
    assert.match(res.stdout + res.stderr, /bad request from token/);
    assertNoLeak(res, 'sync ae error quoting the token');
  });

  test(`check passing and failing on each endpoint [${format}]`, async () => {
    let res = await run('check ok', format, ['-c', cfg.env, 'check']);
    expectExit(res, 0, 'check ok');
    assertNoLeak(res, 'check ok');
    for (const [name, path] of [['wrong s3', cfg.wrongS3], ['wrong ae', cfg.wrongAe], ['token file', cfg.tokenFile], ['wrong clickhouse', cfg.wrongCh], ['posthog echo', cfg.posthog]]) {
      res = await run(`check ${name}`, format, ['-c', path, 'check']);
      expectExit(res, 1, `check ${name}`);
      assertNoLeak(res, `check ${name}`);
    }
  });

  test(`status, prune --dry-run [${format}]`, async () => {
    for (const args of [['status'], ['status', '--json'], ['prune', '--dry-run', '--now', NOW]]) {
      const res = await run(args.join(' '), format, ['-c', cfg.literal, ...args]);
      expectExit(res, 0, args.join(' '));
      assertNoLeak(res, args.join(' '));
    }
  });

  test(`posthog print, link --dry-run, and link refused by PostHog with the header quoted [${format}]`, async () => {
    for (const path of [cfg.posthog, cfg.literal]) {
      let res = await run('posthog print', format, ['-c', path, 'posthog', 'print']);
      expectExit(res, 0, 'posthog print');
      assertNoLeak(res, 'posthog print');
      res = await run('posthog link --dry-run', format, ['-c', path, 'posthog', 'link', '--dry-run']);
      expectExit(res, 0, 'posthog link --dry-run');
      assertNoLeak(res, 'posthog link --dry-run');
      const before = posthog.requests.length;
      res = await run('posthog link', format, ['-c', path, 'posthog', 'link']);
      expectExit(res, 1, 'posthog link (refused)');
      assert.ok(posthog.requests.length > before, 'link reached the PostHog double');
      assert.equal(posthog.requests.at(-1).authorization, `Bearer ${S.posthogKey}`);
      assert.match(res.stdout + res.stderr, /Invalid personal API key/);
      assertNoLeak(res, 'posthog link');
    }
  });

  test(`check --offline with broken configs that hold secrets [${format}]`, async () => {
    const bad = {
      // a typo of a secret key, next to real secrets
      typo: `[source]\ntype = "analytics-engine"\naccount_id = "${ACCOUNT}"\napi_tokne = ${lit(S.aeToken)}\n[destination]\ntype = "s3"\nbucket = "b"\nendpoint = "https://e.example"\naccess_key_id = "${S3_KEY_ID}"\nsecret_access_key = ${lit(S.s3Secret)}\n`,
      // a control character inside a secret
      control: `[source]\ntype = "analytics-engine"\naccount_id = "${ACCOUNT}"\napi_token = "${S.aeToken}\\u0007"\n`,
      // a secret of the wrong type
      type: `[source]\ntype = "analytics-engine"\naccount_id = "${ACCOUNT}"\napi_token = [${lit(S.aeToken)}]\n`,
      // both the key and its _file
      both: `[destination]\ntype = "s3"\nbucket = "b"\nendpoint = "https://e.example"\naccess_key_id = "${S3_KEY_ID}"\nsecret_access_key = ${lit(S.s3Secret)}\nsecret_access_key_file = "nope"\n`,
      // an unset variable next to a literal secret
      unset: `[posthog]\nproject_id = "1"\napi_key = ${lit(S.posthogKey)}\nread_access_key_id = "k"\nread_secret_access_key = "\${AESYNC_REDACTION_UNSET}"\n`,
      // a TOML syntax error on the line of a secret
      syntax: `[source]\napi_token = ${lit(S.aeToken)} x\n`,
      // a secret as an unknown section's value
      section: `[sourcee]\napi_token = ${lit(S.aeToken)}\n`,
    };
    for (const [name, text] of Object.entries(bad)) await checkWithBadConfig(name, text, format);
  });

  // A secret pasted into the wrong (non-secret) key, above the secret key that holds it: the
  // error quoting the bad value must not show it either.
  test(`a config error quoting a value that is a configured secret [${format}]`, async () => {
    const text = `[destination]\ntype = "s3"\nbucket = "b"\nendpoint = ${lit(S.s3Secret)}\naccess_key_id = "k"\nsecret_access_key = ${lit(S.s3Secret)}\n`;
    await checkWithBadConfig('url', text, format);
  });
}

test('every output of the runs above was searched', () => {
  assert.ok(outputs.length >= 2 * 30, `${outputs.length} runs`);
  const all = outputs.flatMap((o) => leaks(o.stdout).concat(leaks(o.stderr)).map((l) => `${o.what}: ${l}`));
  assert.deepEqual(all, []);
});
