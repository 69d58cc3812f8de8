// The full pipeline of the AE sync tests in one place: a real ClickHouse holding AE-shaped
// tables (clickhouse_server.mjs), the AE SQL API gateway in front of it (ae_gateway.mjs), the
// S3 harness (s3_harness.mjs), aesync's config for them, a runner that records what every run
// asked of the gateway and of the object store, a parser of `sync`'s summary table, and the
// checksums that compare an exported day with the source, both computed by ClickHouse (chdb)
// with the same SQL: per UTC day count(), sum(sample_interval) and a wrapping sum of
// cityHash64 over every mapped column (a multiset hash: a missing, extra, duplicated or changed
// row changes it, whatever the row order).
//
// Everything the harnesses serve runs on this process's event loop, so aesync and chdb run as
// child processes, asynchronously (s3_tools.mjs).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AESYNC_BIN } from './aesync.mjs';
import { startAeGateway } from './ae_gateway.mjs';
import { createAeTable, startClickHouse } from './clickhouse_server.mjs';
import { dayStartMs } from './gen.mjs';
import { BUILTIN_COLUMNS, CH_TYPES, configToml, isNullable } from './mapping.mjs';
import { sqlString } from './readers.mjs';
import { startS3Harness } from './s3_harness.mjs';
import { chdbObjectsAsync, runAesyncAsync, s3Destination } from './s3_tools.mjs';

export const ACCOUNT = '0123456789abcdef0123456789abcdef';
export const PREFIX = 'machine_metrics';

/** The manifest's `columns` for the built-in mapping. */
export const MANIFEST_COLUMNS = BUILTIN_COLUMNS.map((c) => ({ name: c.name, type: c.type, from: c.from, nullable: isNullable(c) }));

/** The raw columns the built-in mapping needs, in the order aesync selects them. */
export const RAW_SELECT = ['timestamp', 'index1', 'blob1', 'blob2', 'blob3', 'blob4', 'blob5', '_sample_interval', 'double1', 'double2', 'double3', 'double4'];

const RAW_STRUCTURE =
  'timestamp String, _sample_interval UInt32, index1 String, blob1 String, blob2 String, blob3 String, ' +
  'blob4 String, blob5 String, double1 Float64, double2 Float64, double3 Float64, double4 Float64';

export const dataKey = (day, prefix = PREFIX) => `${prefix}/${day}/data.parquet`;
export const manifestKey = (day, prefix = PREFIX) => `${prefix}/${day}/_manifest.json`;
/** The partition's lease object, written (conditionally) and deleted by every export of the day. */
export const leaseKey = (day, prefix = PREFIX) => `${prefix}/${day}/_lease.json`;
export const unixOf = (day, hour = 0) => dayStartMs(day) / 1000 + hour * 3600;
/** "2026-02-03T05:00:00Z" of unix seconds. */
export const rfc3339 = (sec) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
/** aesync's name of a window: "[2026-02-03T05:00:00Z, 2026-02-03T06:00:00Z)". */
export const windowName = (from, to) => `[${rfc3339(from)}, ${rfc3339(to)})`;

/** The SQL aesync sends for a window of the built-in mapping (docs/ae-sql-api.md). */
export function windowSql(from, to, dataset = 'machine_metrics') {
  return `SELECT ${RAW_SELECT.join(', ')} FROM ${dataset} WHERE timestamp >= toDateTime(${from}) AND ` +
    `timestamp < toDateTime(${to}) ORDER BY timestamp FORMAT JSONEachRow`;
}

/** The histogram query aesync sends first for a day's span (docs/ae-sql-api.md): 5-minute buckets. */
export function histogramSql(from, to, dataset = 'machine_metrics') {
  return `SELECT intDiv(toUInt32(timestamp), 300) * 300 AS bucket, count() AS rows, sum(_sample_interval) AS ` +
    `sample_weight FROM ${dataset} WHERE timestamp >= toDateTime(${from}) AND timestamp < toDateTime(${to}) ` +
    'GROUP BY bucket ORDER BY bucket FORMAT JSONEachRow';
}

/**
 * The kind of a gateway request: 'histogram' (a day's plan), 'count' (a window's own count, after
 * a mismatch), 'data' (a window's rows), 'probe' or 'other'. The gateway's own `kind` when it
 * records one; else classified from the SQL.
 */
export function requestKind(r) {
  if (r.kind) return r.kind;
  const sql = r.sql ?? '';
  if (/\bintDiv\s*\(/.test(sql) && /\bGROUP BY bucket\b/.test(sql)) return 'histogram';
  if (r.verify && r.window) return 'count';
  if (r.window) return 'data';
  if (/\bcount\s*\(/i.test(sql)) return 'probe';
  return 'other';
}

/** The requests of a gateway log of one kind (requestKind). */
export const requestsOfKind = (log, kind) => log.filter((r) => requestKind(r) === kind);

/**
 * Starts ClickHouse (with an empty AE table per name in `tables`), the gateway (`datasets`:
 * AE dataset -> table) and the S3 harness. Returns the environment: { ch, gw, h, scratch, token,
 * config(name, overrides), aesync(args, opts), outputs, close() }.
 */
export async function startAeEnv({ tag, bucket = `aesync-${tag}`, tables = ['machine_metrics'], datasets } = {}) {
  // Removed by close() (kept with E2E_KEEP_TMP=1); scratchDir() would register an after() hook,
  // which inside a before() hook runs as soon as that hook ends.
  const scratch = mkdtempSync(join(tmpdir(), `aesync-e2e-${tag}-`));
  const token = `ae-tok-${randomBytes(9).toString('hex')}`;
  const ch = await startClickHouse({ tag: `${tag}-ch` });
  for (const t of tables) await createAeTable(ch, t);
  const gw = await startAeGateway({
    clickhouse: ch,
    accountId: ACCOUNT,
    token,
    datasets: datasets ?? Object.fromEntries(tables.map((t) => [t, t])),
  });
  const h = await startS3Harness({ bucket });
  const outputs = [];
  const env = {
    ch,
    gw,
    h,
    scratch,
    token,
    outputs,
    /**
     * Writes config `name` (in the scratch folder) and returns its path. `overrides`:
     * { source: {...}, destination: {...}, sync: {...} } merged into the defaults; `apiBase`
     * points the source elsewhere (a proxy in front of the gateway).
     */
    config(name, { source = {}, destination = {}, sync = {} } = {}) {
      const path = join(scratch, name);
      writeFileSync(path, configToml({ tables: env.sections({ source, destination: { prefix: PREFIX, ...destination }, sync }) }));
      return path;
    },
    /**
     * The [source] (the gateway), [destination] (the S3 harness) and [sync] sections of the
     * environment's configs, `overrides` merged into the defaults; a destination `prefix: null`
     * leaves the prefix out (each [[tables]] entry has its own).
     */
    sections({ source = {}, destination = {}, sync = {} } = {}) {
      const { prefix = null, ...rest } = destination;
      const dest = s3Destination(h, { ...rest, ...(prefix === null ? {} : { prefix }) });
      if (prefix === null) delete dest.prefix;
      return {
        source: {
          type: 'analytics-engine',
          dataset: 'machine_metrics',
          account_id: ACCOUNT,
          api_token: '${AE_TOKEN}',
          api_base: gw.url,
          window: '1h',
          settle: '5m',
          timeout: '10s',
          max_retries: 3,
          verify: true,
          ...source,
        },
        destination: dest,
        sync: { lookback_days: 1, retention_days: 90, concurrency: 2, ...sync },
      };
    },
    /**
     * Runs aesync (cwd: the scratch folder, the token and S3 keys in its environment); resolves
     * to { code, signal, stdout, stderr, s3 (the S3 requests of the run), ae (the gateway
     * requests of the run) }. Every output is kept in `outputs` for the secret checks.
     */
    async aesync(args, { env: extra = {} } = {}) {
      const s3From = h.requests.length;
      const aeFrom = gw.requests.length;
      const res = await runAesyncAsync(args, {
        cwd: scratch,
        env: { AE_TOKEN: token, E2E_S3_KEY_ID: h.accessKeyId, E2E_S3_SECRET: h.secretAccessKey, ...extra },
      });
      outputs.push(res.stdout, res.stderr);
      return { ...res, s3: h.since(s3From), ae: gw.requests.slice(aeFrom) };
    },
    /**
     * Starts aesync without waiting (a daemon, a run to interrupt) in the scratch folder, the
     * token and S3 keys in its environment (no AESYNC_CONFIG, no AWS_*), retries 5 ms apart.
     * Returns { child, pid, exited (a promise of { code, signal, stdout, stderr, s3, ae: the
     * requests the S3 harness and the AE gateway saw meanwhile, as aesync() gives them}),
     * stdout(), stderr() }; the outputs join `outputs` for the secret checks when it exits.
     */
    start(args) {
      const s3From = h.requests.length;
      const aeFrom = gw.requests.length;
      const e = { ...process.env };
      delete e.AESYNC_CONFIG;
      for (const k of Object.keys(e)) if (k.startsWith('AWS_')) delete e[k];
      Object.assign(e, { AESYNC_RETRY_BASE_MS: '5', AE_TOKEN: token, E2E_S3_KEY_ID: h.accessKeyId, E2E_S3_SECRET: h.secretAccessKey });
      const child = spawn(AESYNC_BIN, args, { cwd: scratch, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = [];
      const err = [];
      child.stdout.on('data', (c) => out.push(c));
      child.stderr.on('data', (c) => err.push(c));
      const exited = new Promise((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => {
          const res = {
            code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
            s3: h.since(s3From), ae: gw.requests.slice(aeFrom),
          };
          outputs.push(res.stdout, res.stderr);
          resolve(res);
        });
      });
      return { child, pid: child.pid, exited, stdout: () => Buffer.concat(out).toString('utf8'), stderr: () => Buffer.concat(err).toString('utf8') };
    },
    /** An s3(...) table function over keys of the bucket (a glob allowed). */
    s3Fn(path) {
      return `s3(${sqlString(`${h.endpoint}/${h.bucket}/${path}`)}, ${sqlString(h.accessKeyId)}, ${sqlString(h.secretAccessKey)}, 'Parquet')`;
    },
    async close() {
      await gw.close();
      await h.close();
      await ch.close();
      if (process.env.E2E_KEEP_TMP) console.log(`kept ${scratch}`);
      else rmSync(scratch, { recursive: true, force: true });
    },
  };
  return env;
}

/** Asserts exit 0 with the run's output in the message. */
export function assertExit(res, code, what) {
  assert.equal(res.code, code, `${what}: exit ${res.code ?? res.signal} (expected ${code})\nstdout:\n${res.stdout}\nstderr:\n${res.stderr.slice(-6000)}`);
}

/**
 * The summary table at the end of `sync`'s stdout: { days: [{ day, rows, bytes, seconds,
 * status, errors: [] }], total: { rows, bytes } }. Fails when it is not there.
 */
export function parseSummary(stdout) {
  const lines = stdout.split('\n');
  const head = lines.findIndex((l) => /^day\s+rows\s+bytes\s+seconds\s+status\s*$/.test(l));
  assert.ok(head >= 0, `no summary header in stdout:\n${stdout}`);
  const days = [];
  let total = null;
  for (const l of lines.slice(head + 1)) {
    if (l === '') continue;
    let m = /^(\d{4}-\d\d-\d\d)\s+(\d+)\s+(\d+)\s+(\d+\.\d+)\s+(\S+)\s*$/.exec(l);
    if (m) {
      days.push({ day: m[1], rows: Number(m[2]), bytes: Number(m[3]), seconds: Number(m[4]), status: m[5], errors: [] });
      continue;
    }
    m = /^ {2}(\d{4}-\d\d-\d\d): (.*)$/.exec(l);
    if (m) {
      const d = days.findLast((x) => x.day === m[1]);
      assert.ok(d, `error line for a day without a row: ${l}`);
      d.errors.push(m[2]);
      continue;
    }
    m = /^total\s+(\d+)\s+(\d+)\s*$/.exec(l);
    assert.ok(m, `unexpected summary line ${JSON.stringify(l)} in:\n${stdout}`);
    total = { rows: Number(m[1]), bytes: Number(m[2]) };
  }
  assert.ok(total, `no total line in:\n${stdout}`);
  return { days, total };
}

/** `{ day: status }` of a summary. */
export function statuses(summary) {
  return Object.fromEntries(summary.days.map((d) => [d.day, d.status]));
}

// ----------------------------------------------------------------------------------------------
// Source rows and checksums.

/**
 * Writes the raw rows of ClickHouse table `table` (the columns the mapping reads) as
 * JSONEachRow to `path`, exactly as ClickHouse holds them (its JSON output of doubles is the
 * shortest round-trip form). `where` narrows the rows (SQL).
 */
export async function dumpSource(ch, table, path, where = '1') {
  const text = await ch.query(`SELECT ${RAW_SELECT.join(', ')} FROM ${table} WHERE ${where} FORMAT JSONEachRow`);
  writeFileSync(path, text);
  return text === '' ? 0 : text.split('\n').length - 1;
}

/** The built-in mapping in SQL over a raw JSONEachRow file (written by dumpSource): a subquery. */
export function mappedSourceSql(path) {
  const raw = `file(${sqlString(path)}, 'JSONEachRow', ${sqlString(RAW_STRUCTURE)})`;
  return `(SELECT mapped_ts AS timestamp, index1 AS machine_id, blob1 AS org_id, blob2 AS project_id, ` +
    `blob3 AS machine_type, blob4 AS metric_type, nullIf(blob5, '') AS process_name, ` +
    `toInt64(_sample_interval) AS sample_interval, double1 AS value1, double2 AS value2, double3 AS value3, ` +
    `double4 AS value4, if(blob4 = 'resource', double1, NULL) AS cpu_percent, ` +
    `if(blob4 = 'resource', double2, NULL) AS memory_percent, if(blob4 = 'startup', double1, NULL) AS time_to_ready_ms ` +
    `FROM (SELECT toDateTime64(timestamp, 3, 'UTC') AS mapped_ts, * EXCEPT (timestamp) FROM ${raw}))`;
}

const ROW_TEXT = `toString(tuple(${CH_TYPES.map(([n, t]) => `CAST(${n} AS ${t})`).join(', ')}))`;

/**
 * Per UTC day of `from` (a table expression with the mapped columns): { day: { rows, weight,
 * checksum } } (numbers as decimal strings: 64-bit values).
 */
export async function dayChecksums(from) {
  const rows = await chdbObjectsAsync(
    `SELECT toString(toDate(timestamp)) AS day, count() AS rows, sum(sample_interval) AS weight, ` +
      `sum(cityHash64(${ROW_TEXT})) AS checksum FROM ${from} GROUP BY day ORDER BY day ` +
      'SETTINGS output_format_json_quote_64bit_integers = 1',
  );
  return Object.fromEntries(rows.map((r) => [r.day, { rows: r.rows, weight: r.weight, checksum: r.checksum }]));
}

/**
 * Expected manifest windows of a whole past day from raw rows (gen.mjs objects) read with
 * `window = "1h"` (and under the row budget per hour): 24 windows of 1 h, each with its rows and
 * sample weight, at full resolution, verified.
 */
export function expectedWindows(day, rawRows, numberOf) {
  const out = [];
  for (let hr = 0; hr < 24; hr++) {
    const from = unixOf(day, hr);
    const to = from + 3600;
    let rows = 0;
    let weight = 0;
    for (const r of rawRows) {
      const t = Date.parse(r.timestamp.replace(' ', 'T') + 'Z') / 1000;
      if (t >= from && t < to) {
        rows++;
        weight += numberOf(r._sample_interval);
      }
    }
    out.push({ start: rfc3339(from), end: rfc3339(to), rows, sample_weight: weight, source_rows: rows, resolution: 1, verified: true });
  }
  return out;
}

/** The data requests (not histogram or count) of a gateway log for window [from, to). */
export function dataRequests(log, from, to) {
  return log.filter((r) => requestKind(r) === 'data' && r.window.from === from && r.window.to === to);
}

/** Requests that change the bucket (PUT, POST, DELETE) in an S3 log. */
export function writes(s3log) {
  return s3log.filter((r) => r.method === 'PUT' || r.method === 'POST' || r.method === 'DELETE');
}
