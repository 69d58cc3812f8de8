// Security properties of aesync, each proved against the real peers (the AE gateway in front of
// ClickHouse, the S3 harness, the local destination) rather than assumed:
//   1. identifiers that reach SQL (source.dataset, source.database/table, [[columns]] raw
//      columns, posthog.table) are validated: every hostile or oversized name is a config error
//      (exit 2) naming the key, in `sync --dry-run` and in `check`, and no request leaves;
//   2. prune and status touch only `<prefix>/<YYYY-MM-DD>/<layout name>` keys: with neighbours of
//      every kind (other prefixes, encoded slashes, `..` segments, other names in a day's folder,
//      impossible dates, unicode look-alikes, symlinks on the local destination) `prune
//      --dry-run` lists and `prune` deletes exactly the old days' data objects, manifests and
//      leases; the remaining key set is asserted whole; a prefix ending in '/' or holding `..`
//      is refused;
//   3. TLS certificates are verified: a self-signed HTTPS AE API or S3 endpoint fails `check`
//      and `sync` with a certificate error naming the host (no request is ever sent to it);
//      insecure_skip_verify connects, for that endpoint only, with one warning per key;
//   4. a config file that group or others can read and that holds a literal secret gets exactly
//      one warning naming the keys and the mode; 0600, `${VAR}` and `<key>_file` get none;
//   5. secrets never reach any output on the paths redaction.test.mjs does not take: status and
//      prune against a failing S3 endpoint, posthog link and check against a PostHog that
//      fails in every way while quoting the key, daemon start-up and run failures (and its
//      /healthz), sources that echo the token or password in error bodies and in a line that
//      is not JSON (cut inside the token), a token holding JSON-escaped characters in JSON logs,
//      and credentials written into a URL (refused by the config, masked in the message), all
//      at --log-level debug in both log formats;
//   6. rows whose timestamp lies outside the window they were fetched for (a tampering proxy
//      moves one) fail their partition: nothing is committed, the previous export stays byte
//      for byte, no other day is written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join, relative } from 'node:path';

import {
  ACCOUNT, assertExit, dataKey, manifestKey, parseSummary, startAeEnv, statuses, unixOf, windowName, writes,
} from './lib/ae_env.mjs';
import { AESYNC_BIN } from './lib/aesync.mjs';
import { findLeaks, assertNoLeakWith } from './lib/leaks.mjs';
import { makeFleet, streamMachineMetrics } from './lib/ae_rows.mjs';
import { startAeTamperProxy } from './lib/ae_tamper.mjs';
import { insertRows } from './lib/clickhouse_server.mjs';
import { addDays } from './lib/gen.mjs';
import { configToml } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { encodeKeyPath, startS3Harness } from './lib/s3_harness.mjs';
import { runAesyncAsync, s3Destination } from './lib/s3_tools.mjs';

const SEED = seedFromEnv(4242);
const NOW = '2026-05-15T12:00:00Z';
const TODAY = '2026-05-15';
const REAL = ['2026-05-13', '2026-05-14']; // days with rows in ClickHouse
const SQL_NAME = '[A-Za-z_][A-Za-z0-9_]*';
const AE_NAME = '[A-Za-z_][A-Za-z0-9_-]*';
const RAW_FORMS = 'timestamp, _sample_interval, dataset, index1, blob1..blob20 or double1..double20';

let env; // ClickHouse, the AE gateway, the S3 harness (startAeEnv)
let dir; // scratch folder (env.scratch)

before(async () => {
  env = await startAeEnv({ tag: 'security' });
  dir = env.scratch;
  const rng = new Rng(SEED);
  const fleet = makeFleet(rng, { machines: 25, orgs: 4 });
  await insertRows(env.ch, 'machine_metrics', streamMachineMetrics(rng, { startDay: REAL[0], days: 2, rowsPerDay: 480, fleet }));
});

after(async () => {
  await env?.close();
});

// ------------------------------------------------------------------------------------------------
// Helpers

const aeSource = (over = {}) => ({
  type: 'analytics-engine', dataset: 'machine_metrics', account_id: ACCOUNT, api_token: '${AE_TOKEN}',
  api_base: env.gw.url, window: '1h', settle: '5m', timeout: '10s', max_retries: 1, verify: true, ...over,
});
const chSource = (over = {}) => ({
  type: 'clickhouse', url: env.ch.url, user: env.ch.user, password: '${CH_PASSWORD}', database: 'default',
  table: 'machine_metrics', window: '6h', settle: '5m', timeout: '10s', max_retries: 1, ...over,
});
const s3Dest = (over = {}, h = env.h) => s3Destination(h, over);
const localDest = (path, over = {}) => ({ type: 'local', path, prefix: 'machine_metrics', ...over });
const SYNC = { lookback_days: 1, retention_days: 90, concurrency: 2 };

/** Drops the keys whose value is undefined (a way to leave a default key out). */
function defined(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Writes config `name` (mode 0600 unless told) into the scratch folder; returns { path, text }. */
function writeConfig(name, tables, { columns, mode = 0o600, text } = {}) {
  const path = join(dir, name);
  const body = text ?? configToml({ tables: Object.fromEntries(Object.entries(tables).map(([k, v]) => [k, defined(v)])), columns });
  writeFileSync(path, body);
  chmodSync(path, mode);
  return { path, text: body };
}

/** "line:column" of the value of `key` in table `header` ("[source]", "[[columns]]") of `text`. */
function where(text, header, key, nth = 1) {
  const lines = text.split('\n');
  let inside = false;
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('[')) {
      inside = lines[i] === header && ++seen === nth;
      continue;
    }
    if (inside && lines[i].startsWith(`${key} = `)) return `${i + 1}:${key.length + 4}`;
  }
  throw new Error(`no ${key} in ${header} #${nth} of:\n${text}`);
}

/** Runs aesync (the AE env's runner: token and S3 keys in the environment, requests recorded). */
function run(args, extraEnv = {}) {
  return env.aesync(args, { env: { CH_PASSWORD: env.ch.password, PH_KEY: 'phx_e2e_key', PH_READ: 'e2e-read-secret', ...extraEnv } });
}

/** A config error: exit 2, stderr exactly the message, stdout empty, nothing sent anywhere. */
function assertConfigError(res, message, what) {
  assertExit(res, 2, what);
  assert.equal(res.stderr, `aesync: error: ${message}\n`, what);
  assert.equal(res.stdout, '', what);
  assert.deepEqual(res.ae, [], `${what}: no request reached the AE gateway`);
  assert.deepEqual(res.s3, [], `${what}: no request reached the S3 harness`);
}

/** `check` with a config error: exit 2, the FAIL config line with the message, nothing sent. */
function assertCheckConfigError(res, message, what) {
  assertExit(res, 2, what);
  assert.equal(res.stdout, `FAIL  config       ${message}\n`, what);
  assert.equal(res.stderr, '', what);
  assert.deepEqual(res.ae, [], `${what}: no request reached the AE gateway`);
  assert.deepEqual(res.s3, [], `${what}: no request reached the S3 harness`);
}

/** Runs `sync --dry-run` and `check` on config `cfg`; both must fail with `message` (after the location). */
async function expectRefused(cfg, key, header, message, nth = 1) {
  const full = `${cfg.path}:${where(cfg.text, header, key, nth)}: ${message}`;
  const dry = await run(['-c', cfg.path, 'sync', '--dry-run', '--date', REAL[0], '--now', NOW]);
  assertConfigError(dry, full, `sync --dry-run with ${message}`);
  const check = await run(['-c', cfg.path, 'check']);
  assertCheckConfigError(check, full, `check with ${message}`);
}

// ------------------------------------------------------------------------------------------------
// 1. Identifiers that reach SQL

const HOSTILE_NAMES = [
  'x; DROP TABLE t',
  "a' OR '1",
  'a"b',
  'a`b',
  'machine_metrics FORMAT JSON',
  'machine_metrics /* x */',
  'a.b',
  '1abc',
  'dätä',
  'a b',
  'a\\b',
];

test('source.dataset: hostile, empty, control-character and 300-character names are config errors naming the key; nothing is sent', async () => {
  const cases = [
    ...HOSTILE_NAMES.map((n) => [n, `source.dataset: invalid name "${n}" (expected ${AE_NAME})`]),
    ['a\nb', 'source.dataset: contains a control character'],
    ['a\u0000b', 'source.dataset: contains a control character'],
    ['a\u007fb', 'source.dataset: contains a control character'],
    ['', 'source.dataset is required when source.type = "analytics-engine" (it is empty)'],
    ['a'.repeat(300), 'source.dataset: the name is 300 characters long (at most 128)'],
    ['a'.repeat(129), 'source.dataset: the name is 129 characters long (at most 128)'],
  ];
  let i = 0;
  for (const [name, message] of cases) {
    const cfg = writeConfig(`dataset-${++i}.toml`, { source: aeSource({ dataset: name }), destination: s3Dest(), sync: SYNC });
    await expectRefused(cfg, 'dataset', '[source]', message);
  }
});

test('source.dataset: the longest name (128) and a name with dashes are accepted; dashes are double-quoted in the SQL', async () => {
  const names = [['a'.repeat(128), 'a'.repeat(128)], ['machine-metrics_v2', '"machine-metrics_v2"'], ['machine_metrics--', '"machine_metrics--"']];
  for (const [name, from] of names) {
    const cfg = writeConfig(`dataset-ok-${name.length}-${from.length}.toml`, { source: aeSource({ dataset: name }), destination: s3Dest(), sync: SYNC });
    const res = await run(['-c', cfg.path, 'sync', '--dry-run', '--date', REAL[0], '--now', NOW]);
    assertExit(res, 0, `dry run with dataset ${name}`);
    // The day's histogram query, then the window SQL the windows planned from it are read with.
    const sql = res.stdout.split('\n').filter((l) => l.includes('SELECT '));
    assert.equal(sql.length, 2, res.stdout);
    assert.ok(sql[0].startsWith('  histogram  SELECT intDiv(toUInt32(timestamp), 300) * 300 AS bucket'), sql[0]);
    for (const l of sql) assert.ok(l.includes(` FROM ${from} WHERE timestamp >= toDateTime(`), l);
    assert.deepEqual(res.ae, [], 'a dry run sends nothing to the source');
  }
});

test('ClickHouse source.database and source.table: hostile and oversized names are config errors naming the key', async () => {
  let i = 0;
  for (const key of ['database', 'table']) {
    const cases = [
      ...HOSTILE_NAMES.map((n) => [n, `source.${key}: invalid name "${n}" (expected ${SQL_NAME})`]),
      ['machine-metrics', `source.${key}: invalid name "machine-metrics" (expected ${SQL_NAME})`],
      ['a\nb', `source.${key}: contains a control character`],
      ['', `source.${key} is required when source.type = "clickhouse" (it is empty)`],
      ['t'.repeat(300), `source.${key}: the name is 300 characters long (at most 128)`],
    ];
    for (const [name, message] of cases) {
      const cfg = writeConfig(`ch-${key}-${++i}.toml`, { source: chSource({ [key]: name }), destination: s3Dest(), sync: SYNC });
      await expectRefused(cfg, key, '[source]', message);
    }
  }
});

test('[[columns]]: raw column names in `from` and `when` are only AE column names; the `when` literal never reaches SQL', async () => {
  const base = (col) => [
    { name: 'timestamp', from: 'timestamp', type: 'timestamp' },
    { name: 'weight', from: '_sample_interval', type: 'int64' },
    col,
  ];
  const bad = [
    ['from', { name: 'x', from: 'blob1; DROP TABLE t', type: 'string' }, `columns[3].from: unknown raw column "blob1; DROP TABLE t" (expected ${RAW_FORMS})`],
    ['from', { name: 'x', from: "blob1' OR '1", type: 'string' }, `columns[3].from: unknown raw column "blob1' OR '1" (expected ${RAW_FORMS})`],
    ['from', { name: 'x', from: 'blob1`', type: 'string' }, `columns[3].from: unknown raw column "blob1\`" (expected ${RAW_FORMS})`],
    ['from', { name: 'x', from: 'blob21', type: 'string' }, `columns[3].from: unknown raw column "blob21" (expected ${RAW_FORMS})`],
    ['from', { name: 'x', from: 'BLOB1', type: 'string' }, `columns[3].from: unknown raw column "BLOB1" (expected ${RAW_FORMS})`],
    ['from', { name: 'x', from: 'blob01', type: 'string' }, `columns[3].from: unknown raw column "blob01" (expected ${RAW_FORMS})`],
    ['from', { name: 'x', from: 'blob1 ', type: 'string' }, `columns[3].from: unknown raw column "blob1 " (expected ${RAW_FORMS})`],
    ['from', { name: 'x', from: '', type: 'string' }, `columns[3].from: unknown raw column "" (expected ${RAW_FORMS})`],
    ['name', { name: 'a"b', from: 'blob1', type: 'string' }, 'columns[3].name: invalid column name "a"b" (expected [a-z_][a-z0-9_]*)'],
    ['name', { name: 'x; DROP TABLE t', from: 'blob1', type: 'string' }, 'columns[3].name: invalid column name "x; DROP TABLE t" (expected [a-z_][a-z0-9_]*)'],
  ];
  let i = 0;
  for (const [key, col, message] of bad) {
    const cfg = writeConfig(`columns-${++i}.toml`, { source: aeSource(), destination: s3Dest(), sync: SYNC }, { columns: base(col) });
    await expectRefused(cfg, key, '[[columns]]', message, 3);
  }
  // A `when` whose raw column is not one: the location is the key inside the inline table.
  // (written by hand: configToml writes bare keys)
  const whenText = configToml({ tables: { source: aeSource(), destination: s3Dest(), sync: SYNC }, columns: base({ name: 'x', from: 'double1', type: 'double' }) })
    .replace('name = "x"\nfrom = "double1"\ntype = "double"\n', `name = "x"\nfrom = "double1"\ntype = "double"\nwhen = { "blob4' OR '1" = "resource" }\n`);
  const cfg = writeConfig('columns-when.toml', {}, { text: whenText });
  const line = cfg.text.split('\n').findIndex((l) => l.startsWith('when = ')) + 1;
  const message = `${cfg.path}:${line}:10: columns[3].when: "blob4' OR '1" is not a raw string column (expected dataset, index1 or blob1..blob20)`;
  const dry = await run(['-c', cfg.path, 'sync', '--dry-run', '--date', REAL[0], '--now', NOW]);
  assertConfigError(dry, message, 'columns[3].when with a hostile key');
  assertCheckConfigError(await run(['-c', cfg.path, 'check']), message, 'check, columns[3].when with a hostile key');

  // A hostile `when` literal is data compared on aesync's side: the SQL names raw columns only.
  const ok = writeConfig('columns-when-literal.toml', { source: aeSource(), destination: s3Dest(), sync: SYNC }, {
    columns: base({ name: 'x', from: 'double1', type: 'double', when: { blob4: "resource' OR '1'='1" } }),
  });
  const res = await run(['-c', ok.path, 'sync', '--dry-run', '--date', REAL[0], '--now', NOW]);
  assertExit(res, 0, 'dry run with a hostile when literal');
  // The window SQL (the histogram's line aside: it selects aggregates only).
  const sql = res.stdout.split('\n').filter((l) => l.includes('SELECT ') && !l.startsWith('  histogram  '));
  assert.equal(sql.length, 1);
  for (const l of sql) {
    assert.match(l, /SELECT timestamp, _sample_interval, double1, blob4 FROM machine_metrics WHERE timestamp >= toDateTime\(\d+\) AND timestamp < toDateTime\(\d+\) ORDER BY timestamp FORMAT JSONEachRow$/);
  }
});

test('posthog.table: hostile and oversized names are config errors naming the key', async () => {
  const posthog = (table) => ({ host: 'http://127.0.0.1:9', project_id: '1', api_key: '${PH_KEY}', table, read_access_key_id: 'AKIAREAD', read_secret_access_key: '${PH_READ}' });
  let i = 0;
  const cases = [
    ...HOSTILE_NAMES.map((n) => [n, `posthog.table: invalid name "${n}" (expected ${SQL_NAME})`]),
    ['t'.repeat(300), 'posthog.table: the name is 300 characters long (at most 128)'],
  ];
  for (const [name, message] of cases) {
    const cfg = writeConfig(`posthog-table-${++i}.toml`, { source: aeSource(), destination: s3Dest(), sync: SYNC, posthog: posthog(name) });
    await expectRefused(cfg, 'table', '[posthog]', message);
    const res = await run(['-c', cfg.path, 'posthog', 'link', '--dry-run']);
    assertConfigError(res, `${cfg.path}:${where(cfg.text, '[posthog]', 'table')}: ${message}`, 'posthog link --dry-run');
  }
});

// ------------------------------------------------------------------------------------------------
// 2. prune and status touch only the partition layout

const P = 'machine_metrics';
const CUTOFF = addDays(TODAY, -90); // 2026-02-14: the oldest day kept
const OLD_FULL = ['2025-12-01', '2026-01-10', addDays(CUTOFF, -1)]; // data, manifest and lease
const OLD_LEASE_ONLY = '2025-11-30'; // a lease left by a run that died before writing anything
const KEPT_COPIES = [CUTOFF, '2026-03-01'];
const LEASE_ONLY_TODAY = TODAY; // a first export of today in progress
const OLD_DAYS = [OLD_LEASE_ONLY, ...OLD_FULL];
const leaseKey = (d) => `${P}/${d}/_lease.json`;
const EXPIRED_LEASE = JSON.stringify({ owner: 'oldhost/4242/deadbeef', host: 'oldhost', pid: 4242, acquired_at: 1764547200, expires_at: 1764547800 });
const LIVE_LEASE = JSON.stringify({ owner: 'otherhost/77/cafef00d', host: 'otherhost', pid: 77, acquired_at: 4102444800, expires_at: 4102445400 });

/** Keys that look like partitions and are not: every one must survive prune and stay out of status. */
const NEIGHBOURS = [
  'machine_metrics_old/2025-12-01/data.parquet',
  'machine_metrics_old/2025-12-01/_manifest.json',
  'machine_metrics2/2025-12-01/data.parquet',
  'machine_metrics2/2025-12-01/_lease.json',
  'other/machine_metrics/2025-12-01/data.parquet',
  'Machine_Metrics/2025-12-01/data.parquet',
  `${P}/2025-12-01%2Fdata.parquet`, // an encoded slash: one segment
  `${P}/2025-12-01%2F_manifest.json`,
  `${P}/2026-01-10/notes.txt`, // other names inside an old day's folder
  `${P}/2026-01-10/data.parquet.bak`,
  `${P}/2026-01-10/DATA.PARQUET`,
  `${P}/2026-01-10/_manifest.json.tmp`,
  `${P}/2026-01-10/_lease.json.old`,
  `${P}/2026-01-10/ data.parquet`,
  `${P}/2026-01-10/data.parquet\u200b`,
  `${P}/2026-01-10/dätä.parquet`,
  `${P}/2026-01-10/sub/data.parquet`,
  `${P}/2026-01-10/sub/_manifest.json`,
  `${P}/2026-01-10/..%2F..%2Fetc%2Fpasswd`,
  `${P}/2026-01-05/notes.txt`, // a day folder with nothing of aesync's
  `${P}/2026-13-45/data.parquet`,
  `${P}/2025-02-30/_manifest.json`,
  `${P}/20260101/data.parquet`,
  `${P}/2026-1-01/data.parquet`,
  `${P}/2026\u201001\u201001/data.parquet`, // U+2010 hyphens
  `${P}/\uff12\uff10\uff12\uff16-01-01/data.parquet`, // full-width digits
  `${P}/ 2026-01-01/data.parquet`,
  `${P}/2026-01-01 /data.parquet`,
  `${P}/_aesync_check/2025-12-01/data.parquet`,
  `${P}/x/2025-12-01/_manifest.json`,
  `${P}/日本/2025-12-01/data.parquet`,
  `${P}\\2025-12-01\\data.parquet`,
  `${P}/notes.txt`,
];
/** S3 neighbours s3rver cannot hold (it resolves `.` and `..` segments): served in listings only. */
const PHANTOMS = [
  `${P}/../etc/x`,
  `${P}/../${P}_old/2025-12-01/data.parquet`,
  `${P}/./2025-12-01/data.parquet`,
  `${P}/2025-12-01/./data.parquet`,
  `${P}/2025-12-01/../2025-12-01/data.parquet`,
  `${P}/2025-12-01/..`,
  `${P}//2025-12-01/data.parquet`,
];

/** The layout keys of the seeded days, oldest first, each day's in key order. */
function layoutKeys(days) {
  const out = [];
  for (const d of days) {
    const keys = [];
    if (d !== KEPT_COPIES[1] && !REAL.includes(d)) keys.push(leaseKey(d));
    if (d !== OLD_LEASE_ONLY && d !== LEASE_ONLY_TODAY) keys.push(manifestKey(d), dataKey(d));
    if (d === OLD_FULL[2]) keys.push(`${P}/${d}/data.csv.gz`);
    out.push(...keys.sort(byBytes));
  }
  return out;
}
const byBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const ALL_DAYS = [...OLD_DAYS, ...KEPT_COPIES, ...REAL, LEASE_ONLY_TODAY];
const OLD_KEYS = layoutKeys(OLD_DAYS);

/**
 * A forwarder in front of S3 harness `h` whose ListObjectsV2 answers also hold `phantoms` (keys
 * s3rver cannot store). Records every request: { method, key (decoded), query, deleteKeys }.
 */
async function startPhantomLister(h, phantoms) {
  const log = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://x');
    const path = req.url.split('?')[0];
    const key = path.startsWith(`/${h.bucket}/`) ? decodeURIComponent(path.slice(h.bucket.length + 2)) : null;
    const entry = { method: req.method, key, query: url.searchParams, deleteKeys: [] };
    if (req.method === 'POST' && url.searchParams.has('delete')) {
      entry.deleteKeys = [...body.toString('utf8').matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map(([, k]) => k.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&'));
    }
    log.push(entry);
    const up = http.request({ host: '127.0.0.1', port: h.port, method: req.method, path: req.url, headers: req.headers }, (ures) => {
      const out = [];
      ures.on('data', (c) => out.push(c));
      ures.on('end', () => {
        let text = Buffer.concat(out);
        if (req.method === 'GET' && url.searchParams.get('list-type') === '2' && ures.statusCode === 200) {
          const prefix = url.searchParams.get('prefix') ?? '';
          const urlEnc = url.searchParams.get('encoding-type') === 'url';
          const extra = phantoms.filter((k) => k.startsWith(prefix));
          const xml = text.toString('utf8');
          const entries = extra.map((k) => {
            const shown = urlEnc ? encodeKeyPath(k).replaceAll('%20', '+') : k;
            return `<Contents><Key>${shown.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"0"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`;
          });
          text = Buffer.from(xml.replace(/<KeyCount>(\d+)<\/KeyCount>/, (_, n) => `<KeyCount>${Number(n) + extra.length}</KeyCount>`).replace('</ListBucketResult>', entries.join('') + '</ListBucketResult>'));
        }
        const headers = { ...ures.headers, 'content-length': String(text.length) };
        delete headers['transfer-encoding'];
        res.writeHead(ures.statusCode, headers);
        res.end(text);
      });
    });
    up.on('error', () => res.destroy());
    up.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    log,
    close: () => {
      server.closeAllConnections?.();
      return new Promise((r) => server.close(r));
    },
  };
}

/** Every file and symlink under `root` (not following symlinks), as '/'-separated relative paths. */
function localKeys(root) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort(byBytes);
}

let realManifests; // day -> manifest text
let realData; // bytes of REAL[0]'s data object

/** The manifest stored for a copied day: REAL[0]'s, re-dated. */
function copiedManifest(d) {
  return JSON.stringify({ ...JSON.parse(realManifests[REAL[0]]), partition: d, data_key: dataKey(d) }, null, 2) + '\n';
}

/** What `status --json` must print for `days`: manifests for exported days, the lease note otherwise. */
function expectedStatus(days) {
  return days.map((d) => {
    if (d === OLD_LEASE_ONLY || d === LEASE_ONLY_TODAY) return { table: 'machine_metrics', partition: d, error: 'being exported (a run holds its lease), no manifest yet' };
    const m = JSON.parse(REAL.includes(d) ? realManifests[d] : copiedManifest(d));
    // The built-in mapping's fingerprint (schema/table_shape.h): every day has the config's schema.
    return { table: 'machine_metrics', partition: d, rows: m.rows, sample_weight: m.sample_weight, bytes: m.bytes, exported_at: m.exported_at,
      verified: true, read_sampled: false, windows: 24, data_key: dataKey(d),
      schema_fingerprint: '41b6b14c22cfa2ab', old_schema: false, schema_changes: [] };
  });
}

/** Seeds the old and kept days' objects with `put(key, bytes)`. */
async function seedLayout(put) {
  for (const d of ALL_DAYS) {
    if (REAL.includes(d)) continue;
    if (d === OLD_LEASE_ONLY) await put(leaseKey(d), EXPIRED_LEASE);
    else if (d === LEASE_ONLY_TODAY) await put(leaseKey(d), LIVE_LEASE);
    else {
      if (d !== KEPT_COPIES[1]) await put(leaseKey(d), OLD_DAYS.includes(d) ? EXPIRED_LEASE : LIVE_LEASE);
      await put(manifestKey(d), copiedManifest(d));
      await put(dataKey(d), realData);
      if (d === OLD_FULL[2]) await put(`${P}/${d}/data.csv.gz`, 'not really gzip');
    }
  }
  for (const k of NEIGHBOURS) await put(k, `neighbour ${k}`);
}

async function assertPruneAndStatus({ cfg, describe, keysNow, allKeys, requestsOf }) {
  // status before: every real partition, in day order; neighbours nowhere.
  let res = await run(['-c', cfg, 'status', '--json']);
  assertExit(res, 0, 'status --json');
  assert.deepEqual(JSON.parse(res.stdout), expectedStatus(ALL_DAYS));
  res = await run(['-c', cfg, 'status']);
  assertExit(res, 0, 'status');
  assert.deepEqual(res.stdout.split('\n').filter((l) => /^\S{10}\s/.test(l) && l !== '').map((l) => l.slice(0, 10)), ALL_DAYS);
  for (const k of [...NEIGHBOURS, ...PHANTOMS]) assert.ok(!res.stdout.includes(k), `status shows ${k}`);

  // prune --dry-run lists exactly the old days' layout keys and changes nothing.
  res = await run(['-c', cfg, 'prune', '--dry-run', '--now', NOW]);
  assertExit(res, 0, 'prune --dry-run');
  assert.equal(res.stdout, OLD_KEYS.map((k) => `would delete ${describe(k)}\n`).join('') +
    `dry run: ${OLD_DAYS.length} partition(s) older than 90 days, ${OLD_KEYS.length} object(s) would be deleted\n`);
  assert.deepEqual(await keysNow(), allKeys);

  // prune deletes exactly those.
  const from = requestsOf().length;
  res = await run(['-c', cfg, 'prune', '--now', NOW]);
  assertExit(res, 0, 'prune');
  assert.equal(res.stdout, OLD_KEYS.map((k) => `deleted ${describe(k)}\n`).join('') +
    `${OLD_DAYS.length} partition(s) older than 90 days, ${OLD_KEYS.length} object(s) deleted\n`);
  const gone = new Set(OLD_KEYS);
  assert.deepEqual(await keysNow(), allKeys.filter((k) => !gone.has(k)));
  const requests = requestsOf().slice(from);

  // status after: the kept days only; a second prune finds nothing.
  res = await run(['-c', cfg, 'status', '--json']);
  assertExit(res, 0, 'status --json after prune');
  assert.deepEqual(JSON.parse(res.stdout), expectedStatus(ALL_DAYS.filter((d) => !OLD_DAYS.includes(d))));
  res = await run(['-c', cfg, 'prune', '--now', NOW]);
  assertExit(res, 0, 'second prune');
  assert.equal(res.stdout, '0 partition(s) older than 90 days, 0 object(s) deleted\n');
  return requests;
}

test('S3: prune deletes exactly the old days\' data, manifests and leases, status lists only partitions; neighbours, phantoms and encoded slashes are never touched', async () => {
  const hp = await startS3Harness({ bucket: 'aesync-security-prune', accessKeyId: env.h.accessKeyId, secretAccessKey: env.h.secretAccessKey });
  const lister = await startPhantomLister(hp, PHANTOMS);
  try {
    const cfg = writeConfig('prune-s3.toml', { source: aeSource(), destination: s3Dest({ endpoint: lister.endpoint }, hp), sync: SYNC }).path;
    const res = await run(['-c', cfg, 'sync', '--from', REAL[0], '--to', REAL[1], '--now', NOW]);
    assertExit(res, 0, 'sync of the real days');
    assert.deepEqual(statuses(parseSummary(res.stdout)), { [REAL[0]]: 'ok', [REAL[1]]: 'ok' });
    realManifests = {};
    for (const d of REAL) realManifests[d] = (await hp.objectBytes(manifestKey(d))).toString('utf8');
    realData = await hp.objectBytes(dataKey(REAL[0]));
    await seedLayout((k, v) => hp.putDirect(k, v));
    const allKeys = [...layoutKeys(ALL_DAYS), ...NEIGHBOURS].sort(byBytes);
    assert.deepEqual(await hp.listKeys(''), allKeys, 'the seeded bucket');
    const requests = await assertPruneAndStatus({
      cfg,
      describe: (k) => `s3://${hp.bucket}/${k}`,
      keysNow: () => hp.listKeys(''),
      allKeys,
      requestsOf: () => lister.log,
    });
    // The deleting run listed, then deleted the old keys in batches (manifests first), nothing else.
    assert.deepEqual([...new Set(requests.map((r) => (r.deleteKeys.length ? 'DeleteObjects' : r.query.get('list-type') === '2' ? 'ListObjectsV2' : `${r.method} ${r.key}`)))].sort(), ['DeleteObjects', 'ListObjectsV2']);
    const deleted = requests.flatMap((r) => r.deleteKeys);
    assert.deepEqual([...deleted].sort(byBytes), [...OLD_KEYS].sort(byBytes));
    assert.deepEqual(deleted.slice(0, OLD_FULL.length), OLD_FULL.map((d) => manifestKey(d)), 'manifests go first');
    // No request of any run in this test named a neighbour or a phantom.
    const foreign = new Set([...NEIGHBOURS, ...PHANTOMS]);
    assert.deepEqual(lister.log.filter((r) => foreign.has(r.key) || r.deleteKeys.some((k) => foreign.has(k))), []);
  } finally {
    await lister.close();
    await hp.close();
  }
});

test('local destination: prune deletes exactly the old days\' layout files and never follows a symlink out of the folder; status lists only partitions', async () => {
  const root = join(dir, 'local-exports');
  const outside = join(dir, 'outside');
  mkdirSync(join(outside, 'victim-day'), { recursive: true });
  const victims = { 'victim-day/data.parquet': 'victim data', 'victim-day/_manifest.json': copiedManifest('2025-11-01'), 'victim.csv': 'victim csv' };
  for (const [k, v] of Object.entries(victims)) writeFileSync(join(outside, k), v);
  const put = (k, v) => {
    mkdirSync(join(root, k, '..'), { recursive: true });
    writeFileSync(join(root, k), v);
  };
  for (const d of REAL) {
    put(manifestKey(d), realManifests[d]);
    put(dataKey(d), realData);
  }
  await seedLayout(put);
  put('etc/x', 'outside the prefix'); // what machine_metrics/../etc/x names
  // An old day that is a symlink to a folder outside, and an old day's data file that is one.
  symlinkSync(join(outside, 'victim-day'), join(root, P, '2025-11-01'));
  symlinkSync(join(outside, 'victim.csv'), join(root, P, OLD_FULL[0], 'data.csv'));
  const links = [`${P}/2025-11-01`, `${P}/${OLD_FULL[0]}/data.csv`];
  const allKeys = [...layoutKeys(ALL_DAYS), ...NEIGHBOURS, 'etc/x', ...links].sort(byBytes);
  assert.deepEqual(localKeys(root), allKeys, 'the seeded folder');
  const cfg = writeConfig('prune-local.toml', { source: aeSource(), destination: localDest(root), sync: SYNC }).path;
  await assertPruneAndStatus({ cfg, describe: (k) => `${root}/${k}`, keysNow: async () => localKeys(root), allKeys, requestsOf: () => [] });
  for (const [k, v] of Object.entries(victims)) assert.equal(readFileSync(join(outside, k), 'utf8'), v, `${k} outside the destination is intact`);
});

test('a prefix that ends in "/", holds ".." or "." segments or other characters is refused before anything is listed', async () => {
  const cases = [
    ['machine_metrics/', "must not start or end with '/'"],
    ['/machine_metrics', "must not start or end with '/'"],
    ['machine_metrics/..', 'must not contain "//" or ".."'],
    ['../machine_metrics', 'must not contain "//" or ".."'],
    ['a/../machine_metrics', 'must not contain "//" or ".."'],
    ['..', 'must not contain "//" or ".."'],
    ['a//b', 'must not contain "//" or ".."'],
    ['.', 'must not contain a "." segment'],
    ['a/./b', 'must not contain a "." segment'],
    ['./a', 'must not contain a "." segment'],
    ['machine_metrics%2F..', 'may contain only A-Z a-z 0-9 . _ - /'],
    ['machine metrics', 'may contain only A-Z a-z 0-9 . _ - /'],
    ['machine_metrics\\..', 'may contain only A-Z a-z 0-9 . _ - /'],
    ['dätä', 'may contain only A-Z a-z 0-9 . _ - /'],
    ['*', 'may contain only A-Z a-z 0-9 . _ - /'],
    ['', 'must not be empty'],
  ];
  let i = 0;
  for (const [prefix, problem] of cases) {
    for (const [kind, dest] of [['s3', s3Dest({ prefix })], ['local', localDest(join(dir, 'never'), { prefix })]]) {
      const cfg = writeConfig(`prefix-${kind}-${++i}.toml`, { source: aeSource(), destination: dest, sync: SYNC });
      const message = `${cfg.path}:${where(cfg.text, '[destination]', 'prefix')}: destination.prefix: invalid prefix "${prefix}": ${problem}`;
      for (const args of [['prune', '--dry-run', '--now', NOW], ['prune', '--now', NOW], ['status']]) {
        assertConfigError(await run(['-c', cfg.path, ...args]), message, `${args[0]} with prefix ${JSON.stringify(prefix)} (${kind})`);
      }
    }
  }
  assert.ok(!existsSync(join(dir, 'never')));
});

// ------------------------------------------------------------------------------------------------
// 4. A literal secret in a config file that others can read

const WARN_TAIL = (path, mode) => ` in a file that group or others can read (mode ${mode}); use \${VAR} or <key>_file, or chmod 600 ${path}`;

test('a literal secret in a config file readable by group or others warns once, naming the keys and the mode; 0600, ${VAR} and _file do not', async () => {
  const tokenFile = join(dir, 'token.txt');
  writeFileSync(tokenFile, 'file-token-0123456789\n');
  chmodSync(tokenFile, 0o600);
  const localTo = localDest(join(dir, 'perm-exports'));
  const cases = [
    // [name, tables, mode, expected warning (without the "warn: " of the text format) or null]
    ['literal-0644', { source: aeSource({ api_token: 'literal-token-0123456789' }), destination: localTo }, 0o644, (p) => `${p}: source.api_token is written in clear` + WARN_TAIL(p, '0644')],
    ['literal-0640', { source: aeSource({ api_token: 'literal-token-0123456789' }), destination: localTo }, 0o640, (p) => `${p}: source.api_token is written in clear` + WARN_TAIL(p, '0640')],
    ['literal-0604', { source: aeSource({ api_token: 'literal-token-0123456789' }), destination: localTo }, 0o604, (p) => `${p}: source.api_token is written in clear` + WARN_TAIL(p, '0604')],
    ['literal-0444', { source: aeSource({ api_token: 'literal-token-0123456789' }), destination: localTo }, 0o444, (p) => `${p}: source.api_token is written in clear` + WARN_TAIL(p, '0444')],
    ['two-literals-0664', {
      source: aeSource({ api_token: 'literal-token-0123456789' }), destination: s3Dest({ secret_access_key: env.h.secretAccessKey }),
      posthog: { host: 'http://127.0.0.1:9', project_id: '1', api_key: 'phx_literal_0123456789', read_access_key_id: 'AKIAREAD', read_secret_access_key: '${PH_READ}' },
    }, 0o664, (p) => `${p}: source.api_token, destination.secret_access_key, posthog.api_key are written in clear` + WARN_TAIL(p, '0664')],
    ['part-literal-0644', { source: aeSource({ api_token: 'Bearer-${AE_TOKEN}' }), destination: localTo }, 0o644, (p) => `${p}: source.api_token is written in clear` + WARN_TAIL(p, '0644')],
    ['literal-0600', { source: aeSource({ api_token: 'literal-token-0123456789' }), destination: localTo }, 0o600, null],
    ['literal-0400', { source: aeSource({ api_token: 'literal-token-0123456789' }), destination: localTo }, 0o400, null],
    ['env-0644', { source: aeSource(), destination: s3Dest() }, 0o644, null],
    ['env-0666', { source: aeSource({ api_token: '${AE_TOKEN}${AE_TOKEN_SUFFIX}' }), destination: localTo }, 0o666, null],
    ['file-0644', { source: aeSource({ api_token: undefined, api_token_file: tokenFile }), destination: localTo }, 0o644, null],
    ['file-relative-0644', { source: aeSource({ api_token: undefined, api_token_file: 'token.txt' }), destination: localTo }, 0o644, null],
  ];
  for (const [name, tables, mode, warning] of cases) {
    const cfg = writeConfig(`perm-${name}.toml`, { ...tables, sync: SYNC }, { mode });
    assert.equal(statSync(cfg.path).mode & 0o777, mode);
    const want = warning ? warning(cfg.path) : null;
    for (const format of ['text', 'json']) {
      const res = await run(['--log-format', format, '-c', cfg.path, 'sync', '--dry-run', '--date', REAL[0], '--now', NOW], { AE_TOKEN_SUFFIX: '-x' });
      assertExit(res, 0, `${name} [${format}]`);
      if (format === 'text') {
        assert.equal(res.stderr, want ? `warn: ${want}\n` : '', `${name} [text]`);
      } else {
        const lines = res.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
        assert.deepEqual(lines.map((l) => [l.level, l.msg]), want ? [['warn', want]] : [], `${name} [json]`);
      }
    }
    // `check` and `status` load the config the same way: the same one warning (besides status's
    // own about a destination without any partition, which perm-exports is).
    const res = await run(['--log-format', 'text', '-c', cfg.path, 'status']);
    const configWarnings = res.stderr.split('\n').filter((l) => l.startsWith('warn: ') && !l.startsWith('warn: the destination holds no partitions'));
    assert.equal(configWarnings.join('\n'), want ? `warn: ${want}` : '', `${name}: status`);
  }
});

// ------------------------------------------------------------------------------------------------
// 3. TLS verification

let tls; // { key, cert } of a self-signed certificate for 127.0.0.1 and localhost

function selfSignedCertificate() {
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir, { recursive: true });
  const key = join(tlsDir, 'key.pem');
  const cert = join(tlsDir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=aesync-e2e-self-signed', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'pipe' });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/**
 * An HTTPS server (the self-signed certificate) that forwards every request, headers as they
 * came (Host too: SigV4 signed it), to http://127.0.0.1:<targetPort>. Counts TLS handshakes
 * that completed, those the client broke off, and the requests that got through.
 */
async function startHttpsForwarder(targetPort) {
  const stats = { handshakes: 0, refused: 0, requests: [] };
  const server = https.createServer(tls, (req, res) => {
    stats.requests.push(`${req.method} ${req.url}`);
    const up = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (ures) => {
      res.writeHead(ures.statusCode, ures.headers);
      ures.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('secureConnection', () => stats.handshakes++);
  server.on('tlsClientError', () => stats.refused++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  return {
    ...stats,
    stats,
    port,
    base: `https://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections?.();
      return new Promise((r) => server.close(r));
    },
  };
}

const certProblem = (port) => `TLS certificate of 127.0.0.1:${port} not trusted: SSL certificate problem: self-signed certificate`;

test('TLS: a self-signed AE API, S3 endpoint or PostHog host fails check and sync with a certificate error naming the host; nothing is sent', async () => {
  tls = selfSignedCertificate();
  const fwAe = await startHttpsForwarder(env.gw.port);
  const fwS3 = await startHttpsForwarder(env.h.port);
  const phDouble = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"results":[]}');
  });
  phDouble.listen(0, '127.0.0.1');
  await once(phDouble, 'listening');
  const fwPh = await startHttpsForwarder(phDouble.address().port);
  try {
    const aeUrl = `${fwAe.base}/client/v4/accounts/${ACCOUNT}/analytics_engine/sql`;
    // The AE API over HTTPS.
    let cfg = writeConfig('tls-ae.toml', { source: aeSource({ api_base: `${fwAe.base}/client/v4` }), destination: s3Dest({ prefix: 'tls_ae' }), sync: SYNC });
    let res = await run(['-c', cfg.path, 'check']);
    assertExit(res, 1, 'check with a self-signed AE API');
    let lines = res.stdout.split('\n');
    assert.equal(lines[0], `ok    config       ${cfg.path}`);
    assert.match(lines[1], new RegExp(`^FAIL  source       analytics-engine dataset machine_metrics \\(account ${ACCOUNT}\\): ` +
      `POST ${escapeRe(aeUrl)}: ${escapeRe(certProblem(fwAe.port))}$`));
    assert.match(lines[2], /^ok    destination  wrote, read back and deleted /);
    assert.equal(lines[3], 'skip  posthog      no [posthog] table');
    res = await run(['-c', cfg.path, 'sync', '--date', REAL[0], '--now', NOW]);
    assertExit(res, 1, 'sync with a self-signed AE API');
    let summary = parseSummary(res.stdout);
    assert.deepEqual(statuses(summary), { [REAL[0]]: 'failed' });
    assert.match(summary.days[0].errors.join('\n'), new RegExp(`POST ${escapeRe(aeUrl)}: ${escapeRe(certProblem(fwAe.port))}`));
    assert.deepEqual(await env.h.listKeys('tls_ae/'), [], 'nothing was committed');
    assert.deepEqual(fwAe.stats.requests, [], 'no request got through to the AE API');
    assert.equal(fwAe.stats.handshakes, 0);
    assert.ok(fwAe.stats.refused >= 2, `${fwAe.stats.refused} handshakes refused`);

    // The S3 endpoint over HTTPS: check, sync, status and prune all refuse it.
    cfg = writeConfig('tls-s3.toml', { source: aeSource(), destination: s3Dest({ endpoint: fwS3.base, prefix: 'tls_s3' }), sync: SYNC });
    res = await run(['-c', cfg.path, 'check']);
    assertExit(res, 1, 'check with a self-signed S3 endpoint');
    lines = res.stdout.split('\n');
    assert.match(lines[1], /^ok    source       /);
    assert.match(lines[2], new RegExp(`^FAIL  destination  PutObject s3://${env.h.bucket}/tls_s3/_aesync_check/\\S+: ` +
      `PUT ${escapeRe(fwS3.base)}/${env.h.bucket}/tls_s3/_aesync_check/\\S+: ${escapeRe(certProblem(fwS3.port))} \\(endpoint ${escapeRe(fwS3.base)}\\)$`));
    res = await run(['-c', cfg.path, 'sync', '--date', REAL[0], '--now', NOW]);
    assertExit(res, 1, 'sync with a self-signed S3 endpoint');
    assert.ok((res.stdout + res.stderr).includes(certProblem(fwS3.port)), res.stdout + res.stderr);
    for (const args of [['status'], ['prune', '--dry-run', '--now', NOW]]) {
      res = await run(['-c', cfg.path, ...args]);
      assertExit(res, 1, args.join(' '));
      const error = res.stderr.split('\n').filter((l) => l.startsWith('aesync: error: '));
      assert.equal(error.length, 1, res.stderr);
      assert.match(error[0], new RegExp(`^aesync: error: ListObjectsV2 s3://${env.h.bucket}/tls_s3/: ` +
        `GET ${escapeRe(fwS3.base)}/${env.h.bucket}: ${escapeRe(certProblem(fwS3.port))} \\(endpoint ${escapeRe(fwS3.base)}\\)$`));
    }
    assert.deepEqual(fwS3.stats.requests, [], 'no request got through to the S3 endpoint');
    assert.equal(fwS3.stats.handshakes, 0);

    // insecure_skip_verify for the source does not extend to the destination.
    cfg = writeConfig('tls-source-only.toml', {
      source: aeSource({ api_base: `${fwAe.base}/client/v4`, insecure_skip_verify: true }),
      destination: s3Dest({ endpoint: fwS3.base, prefix: 'tls_s3' }), sync: SYNC,
    });
    res = await run(['-c', cfg.path, 'check']);
    assertExit(res, 1, 'check with insecure_skip_verify on the source only');
    lines = res.stdout.split('\n');
    assert.match(lines[1], /^ok    source       analytics-engine dataset machine_metrics \(account \w+\): \d+ rows in the last hour$/);
    assert.ok(lines[2].startsWith('FAIL  destination  ') && lines[2].includes(certProblem(fwS3.port)), lines[2]);
    assert.deepEqual(fwS3.stats.requests, []);

    // PostHog over HTTPS.
    cfg = writeConfig('tls-posthog.toml', {
      source: aeSource(), destination: s3Dest({ prefix: 'tls_ph' }), sync: SYNC,
      posthog: { host: fwPh.base, project_id: '1', api_key: '${PH_KEY}', read_access_key_id: 'AKIAREAD', read_secret_access_key: '${PH_READ}' },
    });
    res = await run(['-c', cfg.path, 'posthog', 'link']);
    assertExit(res, 1, 'posthog link with a self-signed PostHog');
    assert.match(res.stderr, new RegExp(`^aesync: error: posthog: GET /api/projects/1/warehouse_tables/\\?search=machine_metrics: ` +
      `GET ${escapeRe(fwPh.base)}/api/projects/1/warehouse_tables/: ${escapeRe(certProblem(fwPh.port))}\\n$`, 'm'));
    res = await run(['-c', cfg.path, 'check']);
    assertExit(res, 1, 'check with a self-signed PostHog');
    assert.ok(res.stdout.split('\n')[3].startsWith('FAIL  posthog      ') && res.stdout.split('\n')[3].endsWith(certProblem(fwPh.port)), res.stdout);
    assert.deepEqual(fwPh.stats.requests, []);
  } finally {
    await fwAe.close();
    await fwS3.close();
    await fwPh.close();
    phDouble.closeAllConnections?.();
    await new Promise((r) => phDouble.close(r));
  }
});

test('TLS: insecure_skip_verify connects to the self-signed endpoints and warns exactly once per key', async () => {
  const fwAe = await startHttpsForwarder(env.gw.port);
  const fwS3 = await startHttpsForwarder(env.h.port);
  try {
    const cfg = writeConfig('tls-insecure.toml', {
      source: aeSource({ api_base: `${fwAe.base}/client/v4`, insecure_skip_verify: true }),
      destination: s3Dest({ endpoint: fwS3.base, prefix: 'tls_insecure', insecure_skip_verify: true }),
      sync: SYNC,
    });
    const warnings = [
      `warn: ${cfg.path}:${where(cfg.text, '[source]', 'insecure_skip_verify')}: source.insecure_skip_verify = true: TLS certificates are not verified (use only for test endpoints)`,
      `warn: ${cfg.path}:${where(cfg.text, '[destination]', 'insecure_skip_verify')}: destination.insecure_skip_verify = true: TLS certificates are not verified (use only for test endpoints)`,
    ];
    // The S3 store adds a warning of its own each time it is opened (reported to its owner as a
    // duplicate of destination.insecure_skip_verify's): allowed once per opened store here.
    const STORE_WARNING = `warn: TLS certificate verification is disabled endpoint=${fwS3.base}`;
    const warningLines = (stderr) => stderr.split('\n').filter((l) => l.includes('insecure_skip_verify') || l.includes('verification is disabled'));
    let res = await run(['--log-format', 'text', '-c', cfg.path, 'check']);
    assertExit(res, 0, 'check with insecure_skip_verify');
    assert.deepEqual(warningLines(res.stderr).filter((l) => l !== STORE_WARNING), warnings);
    assert.ok(warningLines(res.stderr).filter((l) => l === STORE_WARNING).length <= 1);
    assert.deepEqual(res.stderr.split('\n').filter((l) => l !== '' && !warningLines(l).length), [], 'nothing else on stderr');
    assert.match(res.stdout, /^ok    source       .*\nok    destination  wrote, read back and deleted s3:\/\/.*\nskip  posthog/m);
    res = await run(['--log-format', 'text', '-c', cfg.path, 'sync', '--from', REAL[0], '--to', REAL[1], '--now', NOW]);
    assertExit(res, 0, 'sync with insecure_skip_verify');
    assert.deepEqual(statuses(parseSummary(res.stdout)), { [REAL[0]]: 'ok', [REAL[1]]: 'ok' });
    assert.deepEqual(warningLines(res.stderr).filter((l) => l !== STORE_WARNING), warnings, 'one warning per key, whatever the number of connections');
    assert.ok(warningLines(res.stderr).filter((l) => l === STORE_WARNING).length <= 1);
    assert.deepEqual(await env.h.listKeys('tls_insecure/'), REAL.flatMap((d) => [`tls_insecure/${d}/_manifest.json`, `tls_insecure/${d}/data.parquet`]));
    assert.ok(fwAe.stats.requests.length >= 48 && fwS3.stats.requests.length > 0, 'the exports went through the HTTPS endpoints');
    assert.ok(fwAe.stats.handshakes >= 2 && fwS3.stats.handshakes >= 2, 'one connection per partition worker at least');
  } finally {
    await fwAe.close();
    await fwS3.close();
  }
});

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ------------------------------------------------------------------------------------------------
// 6. Rows outside the window they were fetched for

test('a row whose timestamp lies outside its window fails the partition: nothing committed, the previous export intact, no other day written', async () => {
  const tamper = await startAeTamperProxy(env.gw);
  try {
    const D = REAL[0];
    const W = [unixOf(D, 5), unixOf(D, 6)];
    const cfg = writeConfig('tamper.toml', { source: aeSource({ api_base: tamper.url }), destination: s3Dest({ prefix: 'tamper' }), sync: SYNC }).path;
    const cfgNoVerify = writeConfig('tamper-noverify.toml', { source: aeSource({ api_base: tamper.url, verify: false }), destination: s3Dest({ prefix: 'tamper' }), sync: SYNC }).path;
    let res = await run(['-c', cfg, 'sync', '--from', D, '--to', REAL[1], '--now', NOW]);
    assertExit(res, 0, 'the first export');
    const snapshot = async () => {
      const out = {};
      for (const k of await env.h.listKeys('tamper/')) out[k] = (await env.h.objectBytes(k)).toString('base64');
      return out;
    };
    const before = await snapshot();
    assert.deepEqual(Object.keys(before), REAL.flatMap((d) => [manifestKey(d, 'tamper'), dataKey(d, 'tamper')]));

    const setTs = (ts) => (line) => line.replace(/"timestamp":"[^"]*"/, `"timestamp":"${ts}"`);
    const cases = [
      // [what, config, index of the line changed (-1: the last), new timestamp]
      ['into the next day (exported too)', cfg, 3, `${REAL[1]} 02:00:00`],
      ['into the next day, verification off', cfgNoVerify, 3, `${REAL[1]} 02:00:00`],
      ['into the previous window of the same day', cfg, 3, `${D} 04:59:59`],
      ['to the window end (exclusive)', cfg, 3, `${D} 06:00:00`],
      ['into the day before (never exported)', cfg, 3, `${addDays(D, -1)} 23:59:59`],
      ['the first row, to the next day', cfg, 0, `${REAL[1]} 05:30:00`],
      ['the last row, to 1970', cfgNoVerify, -1, '1970-01-01 00:00:00'],
    ];
    for (const [what, config, index, ts] of cases) {
      tamper.clear();
      let target = index;
      const rule = tamper.addRule({
        times: Infinity,
        when: { window: W, verify: false },
        rewrite: (line, i) => (i === target ? setTs(ts)(line) : line),
      });
      if (index === -1) {
        // The answer's last line: count the window's rows first.
        target = Number(await env.ch.query(`SELECT count() FROM machine_metrics WHERE timestamp >= toDateTime(${W[0]}) AND timestamp < toDateTime(${W[1]}) FORMAT TabSeparated`)) - 1;
      }
      const gwFrom = env.gw.requests.length;
      res = await run(['-c', config, 'sync', '--date', D, '--now', '2026-05-15T13:00:00Z', '--force']);
      assertExit(res, 1, what);
      assert.ok(rule.hits >= 1, `${what}: the answer was tampered with`);
      const summary = parseSummary(res.stdout);
      assert.deepEqual(statuses(summary), { [D]: 'failed' }, what);
      assert.deepEqual(summary.days[0].errors, [`${windowName(W[0], W[1])}: line ${target + 1}: timestamp ${ts}.000 is outside the window`.replace(/^/, 'window ')], what);
      // No window after the bad one was asked for: the partition stopped there.
      const later = env.gw.requests.slice(gwFrom).filter((r) => r.window && r.window.from > W[0]);
      assert.deepEqual(later, [], `${what}: the partition stopped at the bad window`);
      assert.deepEqual(await snapshot(), before, `${what}: every object under tamper/ is byte for byte as before`);
      assert.deepEqual(env.h.openUploads().filter((u) => u.key.startsWith('tamper/')), [], `${what}: no multipart upload left open`);
    }
    tamper.clear();
  } finally {
    await tamper.close();
  }
});

// ------------------------------------------------------------------------------------------------
// 5. Secrets never reach any output (the paths redaction.test.mjs does not take)

const FORMATS = ['text', 'json'];
const X = {
  posthogKey: 'phx_Qk3v"Posthog\\Key-8642097531', // '"' and '\' are escaped in JSON logs
  readSecret: 'Rd7wR2ReadSecret-1133557799',
  urlPassword: 'Up2xUrlPassword-2244668800',
  urlUser: 'Uu5yUrlUser-9988001122',
  quoteToken: 'Qt9z"quote\\back-9876543210fedcba',
  wrongS3: 'Ws4tWrongS3Secret-5566778899',
};
const secrets = () => ({ ...X, aeToken: env.token, s3Secret: env.h.secretAccessKey, chPassword: env.ch.password });
const redactionOutputs = []; // { what, stdout, stderr }

function leaks(text) {
  return findLeaks(text, secrets());
}

function assertNoLeak(res, what) {
  assertNoLeakWith(leaks, res, what);
}

/** Runs aesync at debug level in `format`, records and checks its outputs; resolves to the result. */
async function runR(what, format, args, { extraEnv = {}, code } = {}) {
  const res = await run(['--log-level', 'debug', '--log-format', format, '--no-progress', ...args], { PH_KEY: X.posthogKey, PH_READ: X.readSecret, URL_PW: X.urlPassword, ...extraEnv });
  redactionOutputs.push({ what: `${what} [${format}]`, stdout: res.stdout, stderr: res.stderr });
  if (code !== undefined) assertExit(res, code, `${what} [${format}]`);
  assertNoLeak(res, `${what} [${format}]`);
  return res;
}

/** A port nothing listens on. */
async function closedPort() {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * A PostHog double that fails in the way its project id says, quoting the Authorization header
 * (and the request body) it received: 1 = 500 (JSON detail) every time; 2 = 400, plain text,
 * the header straddling PostHog's 2000-character cut; 3 = 200 with a body that is not JSON;
 * 4 = the table list works, creating it fails 400 quoting the body (which holds the read secret).
 */
async function startEvilPostHog() {
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const auth = req.headers.authorization ?? '';
    const mode = Number(/^\/api\/projects\/(\d+)\//.exec(req.url)?.[1]);
    if (mode === 1) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: `internal error while checking Authorization: ${auth}` }));
    } else if (mode === 2) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('e'.repeat(1990) + ' ' + auth);
    } else if (mode === 3) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html>proxy says hello to ${auth}</html>`);
    } else if (mode === 4 && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"results":[]}');
    } else {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: `invalid credential in ${body} (sent with ${auth})` }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections?.();
      return new Promise((r) => server.close(r));
    },
  };
}

/** A source double that answers every request 500, quoting its Authorization and X-ClickHouse-Key. */
async function startEchoSource() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`Code: 516. upstream rejected Authorization: ${req.headers.authorization ?? '-'}; key ${req.headers['x-clickhouse-key'] ?? '-'}\n`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections?.();
      return new Promise((r) => server.close(r));
    },
  };
}

test('the leak detector finds secrets, slices of them, JSON-escaped ones and Authorization values', () => {
  assert.equal(leaks('all fine: token ***, Authorization: Bearer ***').length, 0);
  assert.equal(leaks(`x ${env.token} y`).length, 1);
  assert.equal(leaks(`cut: ${env.h.secretAccessKey.slice(0, 12)}...`).length, 1);
  assert.equal(leaks(JSON.stringify({ e: X.quoteToken })).length, 1);
  assert.equal(leaks('Authorization: Bearer abcdefgh').length, 2);
});

for (const format of FORMATS) {
  test(`redaction: status and prune against a failing S3 endpoint [${format}]`, async () => {
    const literal = (dest) => writeConfig(`redact-${format}-${Math.random().toString(36).slice(2)}.toml`, {
      source: aeSource({ api_token: env.token }), destination: dest, sync: SYNC,
    }).path;
    // Old partitions for prune to find.
    for (const d of ['2025-01-01', '2025-01-02']) {
      await env.h.putDirect(manifestKey(d, 'redact_prune'), '{}');
      await env.h.putDirect(dataKey(d, 'redact_prune'), 'x');
    }
    const wrong = literal(s3Dest({ prefix: 'redact_prune', secret_access_key: X.wrongS3 }));
    const unreachable = literal(s3Dest({ prefix: 'redact_prune', endpoint: `http://127.0.0.1:${await closedPort()}`, secret_access_key: env.h.secretAccessKey }));
    const right = literal(s3Dest({ prefix: 'redact_prune', secret_access_key: env.h.secretAccessKey }));
    for (const args of [['status'], ['status', '--json'], ['prune', '--now', NOW], ['prune', '--dry-run', '--now', NOW]]) {
      let res = await runR(`${args.join(' ')} with a wrong S3 secret`, format, ['-c', wrong, ...args], { code: 1 });
      assert.match(res.stderr, /SignatureDoesNotMatch/);
      res = await runR(`${args.join(' ')} with an unreachable S3 endpoint`, format, ['-c', unreachable, ...args], { code: 1 });
      assert.match(res.stderr, /aesync: error: ListObjectsV2 s3:\/\/.*(Connection refused|Could not connect|Couldn't connect)/i);
    }
    // The endpoint answers with errors that quote the secret key.
    env.h.faults.inject({ op: 'ListObjectsV2' }, { status: 403, code: 'AccessDenied', message: `Access Denied for secret ${env.h.secretAccessKey}` }, 100);
    try {
      for (const args of [['status'], ['prune', '--now', NOW]]) {
        const res = await runR(`${args.join(' ')} refused, the answer quoting the secret`, format, ['-c', right, ...args], { code: 1 });
        assert.match(res.stderr, /HTTP 403 AccessDenied: Access Denied for secret \*\*\*/);
      }
    } finally {
      env.h.faults.clear();
    }
    env.h.faults.inject({ op: 'DeleteObjects' }, { status: 500, code: 'InternalError', message: `We failed, secret ${env.h.secretAccessKey}` }, 100);
    try {
      const res = await runR('prune whose DeleteObjects fails quoting the secret', format, ['-c', right, 'prune', '--now', NOW], { code: 1 });
      assert.match(res.stderr, /DeleteObjects/);
    } finally {
      env.h.faults.clear();
    }
  });

  test(`redaction: posthog link and check against a PostHog that fails while quoting the key [${format}]`, async () => {
    const ph = await startEvilPostHog();
    try {
      const closed = `http://127.0.0.1:${await closedPort()}`;
      for (const [mode, host, message] of [
        [1, ph.url, /HTTP 500: internal error while checking Authorization: Bearer \*\*\*/],
        [2, ph.url, /HTTP 400: e{100,}/],
        [3, ph.url, /the answer is not JSON: <html>proxy says hello to Bearer \*\*\*<\/html>/],
        [4, ph.url, /HTTP 400: invalid credential in/],
        [5, closed, /Connection refused|Couldn't connect|Could not connect/i],
      ]) {
        for (const literalKeys of [false, true]) {
          const cfg = writeConfig(`redact-ph-${format}-${mode}-${literalKeys}.toml`, {
            source: aeSource(), destination: s3Dest({ prefix: 'redact_ph' }), sync: SYNC,
            posthog: {
              host, project_id: String(mode), api_key: literalKeys ? X.posthogKey : '${PH_KEY}', table: 'machine_metrics',
              read_access_key_id: 'AKIAREADONLYE2E00001', read_secret_access_key: literalKeys ? X.readSecret : '${PH_READ}',
            },
          }).path;
          let res = await runR(`posthog link, PostHog mode ${mode}`, format, ['-c', cfg, 'posthog', 'link'], { code: 1 });
          assert.match(res.stderr, message);
          // check only lists the tables, which mode 4 answers.
          res = await runR(`check, PostHog mode ${mode}`, format, ['-c', cfg, 'check'], { code: mode === 4 ? 0 : 1 });
          assert.match(res.stdout, mode === 4 ? /^ok    posthog      /m : /^FAIL  posthog      /m);
        }
      }
    } finally {
      await ph.close();
    }
  });

  test(`redaction: daemon start-up errors, a failing run, its /healthz [${format}]`, async () => {
    const cfgLiteral = writeConfig(`redact-daemon-${format}.toml`, {
      source: aeSource({ api_token: env.token }), destination: s3Dest({ prefix: 'redact_daemon', secret_access_key: X.wrongS3 }), sync: SYNC,
    }).path;
    // The metrics address is taken.
    const taken = net.createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const res = await runR('daemon with a taken metrics address', format, ['-c', cfgLiteral, 'daemon', '--metrics-addr', `127.0.0.1:${taken.address().port}`], { code: 1 });
      assert.match(res.stderr, /aesync: error: --metrics-addr 127\.0\.0\.1:\d+: cannot listen there/);
    } finally {
      await new Promise((r) => taken.close(r));
    }
    // A config error next to literal secrets.
    const broken = writeConfig(`redact-daemon-broken-${format}.toml`, {}, {
      text: `[source]\ntype = "analytics-engine"\naccount_id = "${ACCOUNT}"\napi_token = ${JSON.stringify(env.token)}\napi_base = "http://127.0.0.1:9"\n` +
        `[destination]\ntype = "s3"\nbucket = "b"\nendpoint = "http://127.0.0.1:9"\naccess_key_id = "k"\nsecret_access_key = ${JSON.stringify(env.h.secretAccessKey)}\n` +
        `[sync]\nevery = "${env.h.secretAccessKey}"\n`,
    }).path;
    let res = await runR('daemon with a bad config holding secrets', format, ['-c', broken, 'daemon'], { code: 2 });
    assert.match(res.stderr, /sync\.every: invalid duration "\*\*\*"/);

    // A run that fails (wrong S3 secret): the log, the summary and /healthz, then SIGTERM.
    const port = await closedPort();
    const child = spawn(AESYNC_BIN, ['--log-level', 'debug', '--log-format', format, '-c', cfgLiteral, 'daemon', '--every', '1h', '--metrics-addr', `127.0.0.1:${port}`], {
      cwd: dir,
      env: { ...process.env, AESYNC_RETRY_BASE_MS: '5', E2E_S3_KEY_ID: env.h.accessKeyId },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    const runEnded = new Promise((resolve) => {
      child.stderr.on('data', (c) => {
        stderr += c;
        if (stderr.includes('daemon run end')) resolve();
      });
    });
    const exited = once(child, 'exit');
    await Promise.race([runEnded, exited]);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`).then(async (r) => ({ status: r.status, body: await r.text() }));
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    child.kill('SIGTERM');
    const [code] = await exited;
    const outcome = { stdout: stdout + `\n/healthz: ${health.body}\n/metrics:\n${metrics}`, stderr };
    redactionOutputs.push({ what: `daemon run [${format}]`, ...outcome });
    assert.equal(code, 0, stderr);
    assert.equal(health.status, 503);
    assert.match(health.body, /^last run failed: .*SignatureDoesNotMatch/);
    assertNoLeak(outcome, `daemon run [${format}]`);
  });

  test(`redaction: sources whose answers quote the token or password [${format}]`, async () => {
    const cfg = writeConfig(`redact-src-${format}.toml`, { source: aeSource(), destination: s3Dest({ prefix: 'redact_src' }), sync: SYNC }).path;
    const day = ['sync', '--date', REAL[0], '--now', NOW, '--force'];
    // 500, retried, then failed: every retry's log line quotes the answer.
    env.gw.addFault({ type: 'status', status: 500, times: 100, body: `upstream failed for Authorization: Bearer ${env.token} (token ${env.token})` });
    try {
      const res = await runR('AE 500 quoting the token', format, ['-c', cfg, ...day], { code: 1 });
      assert.match(res.stdout + res.stderr, /upstream failed for Authorization: Bearer \*\*\*/);
    } finally {
      env.gw.clearFaults();
    }
    // 400 whose quote (at most 500 bytes of the answer) would cut inside the token: the token is
    // redacted before the cut, so "***" stands whole and nothing is cut.
    env.gw.addFault({ type: 'status', status: 400, times: 100, body: 'y'.repeat(500 - 12) + env.token });
    try {
      const res = await runR('AE 400 cut inside the token', format, ['-c', cfg, ...day], { code: 1 });
      assert.match(res.stdout, new RegExp(`HTTP 400: ${'y'.repeat(488)}\\*\\*\\*$`, 'm'));
    } finally {
      env.gw.clearFaults();
    }
    // A line that is not JSON, holding the token, cut by the quote of the line.
    env.gw.addFault({ type: 'inject', afterLines: 2, times: 100, text: 'z'.repeat(110) + env.token });
    try {
      const res = await runR('AE answer with a non-JSON line holding the token', format, ['-c', cfg, ...day], { code: 1 });
      assert.match(res.stdout, new RegExp(`line 3: .*${'z'.repeat(110)}\\*\\*\\*`));
    } finally {
      env.gw.clearFaults();
    }
    // Sources that echo the credentials they were sent, one token holding '"' and '\' (escaped in
    // JSON logs, so a redaction after the encoding would miss it).
    const echo = await startEchoSource();
    try {
      const quote = writeConfig(`redact-quote-${format}.toml`, { source: aeSource({ api_base: echo.url, api_token: X.quoteToken }), destination: s3Dest({ prefix: 'redact_src' }), sync: SYNC }).path;
      let res = await runR('AE echo with a token holding quotes', format, ['-c', quote, ...day], { code: 1 });
      assert.match(res.stdout + res.stderr, /upstream rejected Authorization: Bearer \*\*\*/);
      res = await runR('check, AE echo with a token holding quotes', format, ['-c', quote, 'check'], { code: 1 });
      const ch = writeConfig(`redact-ch-echo-${format}.toml`, { source: chSource({ url: echo.url }), destination: s3Dest({ prefix: 'redact_src' }), sync: SYNC }).path;
      res = await runR('ClickHouse echo of the password', format, ['-c', ch, ...day], { code: 1 });
      assert.match(res.stdout + res.stderr, /key \*\*\*/);
      res = await runR('check, ClickHouse echo of the password', format, ['-c', ch, 'check'], { code: 1 });
    } finally {
      await echo.close();
    }
  });

  test(`redaction: credentials in a URL are refused, masked in the message, and never sent [${format}]`, async () => {
    const closed = await closedPort();
    const cases = [
      ['source', 'api_base', (cred) => aeSource({ api_base: `http://${cred}@127.0.0.1:${env.gw.port}/client/v4` }), 'put the token in source.api_token', (m) => `http://***@127.0.0.1:${env.gw.port}/client/v4`],
      ['source', 'url', (cred) => chSource({ url: `http://${cred}@127.0.0.1:${closed}` }), 'use source.user and source.password', () => `http://***@127.0.0.1:${closed}`],
      ['destination', 'endpoint', (cred) => s3Dest({ endpoint: `http://${cred}@127.0.0.1:${env.h.port}` }), 'use destination.access_key_id and destination.secret_access_key', () => `http://***@127.0.0.1:${env.h.port}`],
      ['posthog', 'host', (cred) => ({ host: `https://${cred}@us.posthog.example`, project_id: '1', api_key: '${PH_KEY}', read_access_key_id: 'AKIAREAD', read_secret_access_key: '${PH_READ}' }), 'put the key in posthog.api_key', () => 'https://***@us.posthog.example'],
    ];
    let i = 0;
    for (const [table, key, make, hint, masked] of cases) {
      for (const cred of [`${X.urlUser}:${X.urlPassword}`, `${X.urlUser}:\${URL_PW}`, X.urlUser, `${X.urlUser}:`]) {
        const tables = { source: aeSource(), destination: s3Dest(), sync: SYNC };
        tables[table] = make(cred);
        const cfg = writeConfig(`redact-url-${format}-${++i}.toml`, tables);
        const message = `${cfg.path}:${where(cfg.text, `[${table}]`, key)}: ${table}.${key}: "${masked()}" holds credentials (user:password@), which would show in messages and logs; ${hint}`;
        for (const args of [['sync', '--dry-run', '--date', REAL[0], '--now', NOW], ['status'], ['prune', '--dry-run', '--now', NOW], ['daemon'], ['posthog', 'print']]) {
          const res = await runR(`${args[0]} with credentials in ${table}.${key}`, format, ['-c', cfg.path, ...args]);
          assertConfigError(res, message, `${args.join(' ')} with credentials in ${table}.${key}`);
        }
        const res = await runR(`check with credentials in ${table}.${key}`, format, ['-c', cfg.path, 'check']);
        assertCheckConfigError(res, message, `check with credentials in ${table}.${key}`);
      }
    }
  });
}

test('inspect takes local files only: an s3:// path is an error naming it, with nothing sent', async () => {
  const res = await run(['inspect', `s3://${env.h.bucket}/${dataKey(REAL[0], 'tamper')}`]);
  assertExit(res, 1, 'inspect s3://');
  assert.equal(res.stderr, `aesync: error: cannot open s3://${env.h.bucket}/${dataKey(REAL[0], 'tamper')}: No such file or directory\n`);
  assert.deepEqual(res.s3, []);
  assertNoLeak(res, 'inspect s3://');
});

test('every output of the redaction runs was searched', () => {
  assert.ok(redactionOutputs.length >= 2 * 60, `${redactionOutputs.length} runs`);
  const all = redactionOutputs.flatMap((o) => leaks(o.stdout).concat(leaks(o.stderr)).map((l) => `${o.what}: ${l}`));
  assert.deepEqual(all, []);
  for (const out of env.outputs) assert.deepEqual(leaks(out), []);
});
