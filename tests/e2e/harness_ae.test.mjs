// The Analytics Engine harness itself (lib/clickhouse_server.mjs, lib/ae_gateway.mjs), so that
// the sync tests can trust it: a real ClickHouse starts on free loopback ports with its own
// configuration; generated AE rows go in bit-exact; the gateway answers like the AE SQL API
// (path, Bearer token, plain-text errors, alphabetical keys, quoted 64-bit numbers, CASE
// rejected, dataset mapping), each switchable fault does exactly what it says, and so does each
// model of the real service (read-time sampling, latency, the rate limit, the counters).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';

import { numberOf } from './lib/ae.mjs';
import { classifyQuery, parseAggregate, parseWindow, maskQuoted, sampleGroups, sortJsonKeys, startAeGateway } from './lib/ae_gateway.mjs';
import { AE_BLOBS, AE_COLUMNS, AE_DOUBLES, createAeTable, insertRows, startClickHouse } from './lib/clickhouse_server.mjs';
import { dayStartMs, genMachineMetrics } from './lib/gen.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';

const SEED = seedFromEnv(4242);
const ACCOUNT = '0123456789abcdef0123456789abcdef';
const TOKEN = 'test-token-Zq9';
const START_DAY = '2026-02-01';
const DAY0 = dayStartMs(START_DAY) / 1000;
const rows = genMachineMetrics(new Rng(SEED), { rows: 5000, days: 3, startDay: START_DAY });

let ch;
let gw;

before(async () => {
  ch = await startClickHouse({ tag: 'harness-ch' });
  await createAeTable(ch, 'machine_metrics');
  await insertRows(ch, 'machine_metrics', rows);
  gw = await startAeGateway({
    clickhouse: ch,
    accountId: ACCOUNT,
    token: TOKEN,
    datasets: { machine_metrics: 'machine_metrics', 'fleet-metrics': 'machine_metrics' },
  });
});

after(async () => {
  await gw?.close();
  await ch?.close();
});

/** POSTs to the gateway with node:http; resolves to what the client saw, even a broken body. */
function post(sql, { token = TOKEN, path, method = 'POST' } = {}) {
  const url = new URL(path ?? gw.sqlUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        agent: false,
        headers: token === null ? {} : { Authorization: `Bearer ${token}` },
      },
      (res) => {
        const chunks = [];
        let error = null;
        let ended = false;
        res.on('data', (c) => chunks.push(c));
        res.on('error', (e) => (error = e));
        res.on('end', () => (ended = true));
        res.on('close', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode, headers: res.headers, body, ended, error, ms: Date.now() - started });
        });
      },
    );
    req.on('error', reject);
    req.end(sql);
  });
}

async function postOk(sql) {
  const r = await post(sql);
  assert.equal(r.status, 200, `${sql}\n-> ${r.status} ${r.body}`);
  assert.ok(r.ended && !r.error, 'a clean end');
  return r;
}

function lines(body) {
  assert.ok(body === '' || body.endsWith('\n'), 'the body ends with a newline');
  return body === '' ? [] : body.slice(0, -1).split('\n');
}

const unix = (ts) => Date.parse(ts.replace(' ', 'T') + 'Z') / 1000;

/** The generator's rows in [from, to), projected onto `cols`, numbers unquoted, "" / 0 for unset. */
function expected(cols, from = -Infinity, to = Infinity) {
  return rows
    .filter((r) => unix(r.timestamp) >= from && unix(r.timestamp) < to)
    .map((r) => Object.fromEntries(cols.map((c) => [c, r[c] === undefined ? (AE_DOUBLES.includes(c) ? 0 : '') : numberOf(r[c])])));
}

/** Order-insensitive row comparison (rows with the same timestamp may come in any order). */
function assertSameRows(actual, wanted, label) {
  assert.equal(actual.length, wanted.length, `${label}: row count`);
  const key = (o) => JSON.stringify(Object.keys(o).sort().map((k) => [k, Object.is(o[k], -0) ? '-0' : o[k]]));
  const a = actual.map(key).sort();
  const w = wanted.map(key).sort();
  for (let i = 0; i < a.length; i++) assert.equal(a[i], w[i], `${label}: first difference at sorted row ${i}`);
}

const WINDOW_COLS = ['timestamp', 'index1', 'blob4', 'double1', '_sample_interval'];
const X = DAY0 + 86_400 + 6 * 3600; // day 2, 06:00 .. 12:00
const Y = X + 6 * 3600;
const windowSql = (from, to, cols = WINDOW_COLS) =>
  `SELECT ${cols.join(', ')} FROM machine_metrics WHERE timestamp >= toDateTime(${from}) AND ` +
  `timestamp < toDateTime(${to}) ORDER BY timestamp FORMAT JSONEachRow`;

// -----------------------------------------------------------------------------------------------
// The ClickHouse server.

test('ClickHouse answers on its loopback port, in UTC, with the aesync user read-only', async () => {
  assert.match(ch.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await ch.query('SELECT 1'), '1\n');
  // The server's time zone is UTC: DateTime text is UTC both ways. (18.16 prints toDateTime(0)
  // as 0000-00-00 00:00:00, hence not the epoch.)
  assert.equal(
    await ch.query("SELECT toDateTime(1769904005), toUnixTimestamp(toDateTime('2026-02-01 00:00:05'))"),
    '2026-02-01 00:00:05\t1769904005\n',
  );
  const asAesync = { user: ch.user, password: ch.password };
  assert.equal(ch.user, 'aesync');
  assert.equal(await ch.query('SELECT count() FROM machine_metrics', asAesync), '5000\n');
  // Settings may be changed per query (readonly=2), tables not.
  assert.equal(
    await ch.query('SELECT count() FROM machine_metrics FORMAT JSONEachRow', { ...asAesync, params: { output_format_json_quote_64bit_integers: 0 } }),
    '{"count()":5000}\n',
  );
  await assert.rejects(ch.query('DROP TABLE machine_metrics', asAesync), /HTTP 500: Code: 164.*readonly/);
  await assert.rejects(ch.query('SELECT 1', { user: 'aesync', password: 'wrong' }), /HTTP 401: Code: 193.*Wrong password for user aesync/);
});

test('a second server in the same process gets its own ports and folder, removed on close', async () => {
  const other = await startClickHouse({ tag: 'harness-ch2' });
  try {
    assert.notEqual(other.httpPort, ch.httpPort);
    assert.notEqual(other.dir, ch.dir);
    await createAeTable(other, 'm2');
    await insertRows(other, 'm2', rows.slice(0, 10));
    assert.equal(await other.query('SELECT count() FROM m2'), '10\n');
    assert.equal(await ch.query("SELECT count() FROM system.tables WHERE name = 'm2'"), '0\n');
  } finally {
    await other.close();
  }
  assert.equal(existsSync(other.dir), false);
  await assert.rejects(other.query('SELECT 1'), /ECONNREFUSED/);
});

test('the table has exactly the AE columns and types', async () => {
  const desc = (await ch.query('DESCRIBE TABLE machine_metrics FORMAT TabSeparated'))
    .trim()
    .split('\n')
    .map((l) => l.split('\t').slice(0, 2).join(' '));
  assert.deepEqual(desc, [
    'dataset String',
    "timestamp DateTime(\\'UTC\\')", // TabSeparated escapes the quotes
    '_sample_interval UInt32',
    'index1 String',
    ...AE_BLOBS.map((b) => `${b} String`),
    ...AE_DOUBLES.map((d) => `${d} Float64`),
  ]);
});

// -----------------------------------------------------------------------------------------------
// Data through the gateway.

test(`count() and sum(_sample_interval) equal the generator's, quoted as AE sends them (seed=${SEED})`, async () => {
  const weight = rows.reduce((s, r) => s + numberOf(r._sample_interval), 0);
  assert.ok(weight > rows.length, 'some sample intervals are > 1');
  const r = await postOk('SELECT count(), sum(_sample_interval) FROM machine_metrics FORMAT JSONEachRow');
  assert.equal(r.body, `{"count()":"5000","sum(_sample_interval)":"${weight}"}\n`);
  // Keys come back alphabetically whatever the select order; Float64 sums are not quoted.
  const r2 = await postOk('SELECT sum(double3) AS z, count() AS a FROM machine_metrics WHERE blob4 = \'startup\' FORMAT JSONEachRow');
  const startup = rows.filter((x) => x.blob4 === 'startup');
  assert.equal(r2.body, `{"a":"${startup.length}","z":0}\n`);
});

test('a window query returns exactly the generator rows of that window, keys alphabetical', async () => {
  const r = await postOk(windowSql(X, Y));
  const got = lines(r.body);
  const want = expected(WINDOW_COLS, X, Y);
  assert.ok(want.length > 200, `window has ${want.length} rows`);
  for (const l of got) {
    const o = JSON.parse(l);
    assert.deepEqual(Object.keys(o), [...WINDOW_COLS].sort());
    assert.equal(typeof o._sample_interval, 'number', '_sample_interval is a JSON number');
    assert.match(o.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  }
  const objs = got.map((l) => JSON.parse(l));
  for (let i = 1; i < objs.length; i++) assert.ok(objs[i - 1].timestamp <= objs[i].timestamp, 'ORDER BY timestamp');
  assertSameRows(objs, want, 'window');
  const rec = gw.requests.at(-1);
  assert.deepEqual([rec.status, rec.window, rec.verify, rec.lines, rec.bytes], [200, { from: X, to: Y }, false, want.length, Buffer.byteLength(r.body)]);
});

test('every column of every row round-trips exactly (doubles bit for bit, unicode, intervals > 1)', async () => {
  const r = await postOk('SELECT * FROM machine_metrics ORDER BY timestamp FORMAT JSONEachRow');
  const got = lines(r.body).map((l) => JSON.parse(l));
  for (const o of got.slice(0, 3)) assert.deepEqual(Object.keys(o), [...AE_COLUMNS].sort());
  assertSameRows(got, expected(AE_COLUMNS), 'all rows');
  assert.ok(rows.some((x) => /[^\x00-\x7f]/.test(x.blob5)), 'the data has non-ASCII strings');
});

test('a dataset name with "-" is double-quoted; without FORMAT the answer is FORMAT JSON', async () => {
  const r = await postOk(`SELECT count() AS n FROM "fleet-metrics" WHERE timestamp >= toDateTime(${X}) AND timestamp < toDateTime(${Y})`);
  const j = JSON.parse(r.body);
  assert.deepEqual(j.meta, [{ name: 'n', type: 'UInt64' }]);
  assert.deepEqual(j.data, [{ n: String(expected(['timestamp'], X, Y).length) }]);
  assert.equal(j.rows, 1);
});

test("CASE is rejected with 422 (as a word, outside string literals); if() works", async () => {
  for (const sql of [
    'SELECT CASE WHEN double1 > 50 THEN 1 ELSE 0 END AS hot FROM machine_metrics FORMAT JSONEachRow',
    'select sum(case when blob4 = \'process\' then 1 else 0 end) from machine_metrics',
    'SELECT count() FROM machine_metrics WHERE blob4 = \'x\' OR (Case\nwhen 1 then 1 end) = 1',
  ]) {
    const r = await post(sql);
    assert.deepEqual([r.status, r.headers['content-type'], r.body], [422, 'text/plain; charset=utf-8', 'unsupported expression type: CASE\n'], sql);
  }
  const ok = await postOk("SELECT count() AS n, sum(if(blob4 = 'case', 1, 0)) AS showcase FROM machine_metrics FORMAT JSONEachRow");
  assert.equal(ok.body, '{"n":"5000","showcase":"0"}\n');
});

test('authentication, path and method are checked; errors are plain text', async () => {
  const cases = [
    [{ token: null }, 401, 'Authentication error: missing bearer token\n'],
    [{ token: 'nope' }, 403, 'Authentication error: invalid token\n'],
    [{ path: `${gw.url}/accounts/ffffffffffffffffffffffffffffffff/analytics_engine/sql` }, 404, 'Not Found\n'],
    [{ path: `${gw.url}/accounts/${ACCOUNT}/analytics_engine/sql/x` }, 404, 'Not Found\n'],
    [{ method: 'GET' }, 405, 'Method Not Allowed\n'],
  ];
  for (const [opts, status, body] of cases) {
    const r = await post('SELECT 1', opts);
    assert.deepEqual([r.status, r.headers['content-type'], r.body], [status, 'text/plain; charset=utf-8', body], JSON.stringify(opts));
  }
  assert.equal(gw.url, `http://127.0.0.1:${gw.port}/client/v4`);
});

test('SQL errors: unknown dataset 422, ClickHouse syntax and unknown-column errors 400, all plain text', async () => {
  const unknown = await post('SELECT count() FROM other_dataset');
  assert.deepEqual([unknown.status, unknown.body], [422, 'dataset not found: other_dataset\n']);
  const syntax = await post('SELEC count() FROM machine_metrics');
  assert.equal(syntax.status, 400);
  assert.match(syntax.body, /^Code: 62, e\.displayText\(\) = DB::Exception: Syntax error: failed at position 1/);
  const column = await post('SELECT blob99 FROM machine_metrics FORMAT JSONEachRow');
  assert.deepEqual([column.status, column.body], [400, 'Code: 47, e.displayText() = DB::Exception: Unknown identifier: blob99, e.what() = DB::Exception\n']);
  const longSql = `SELECT count() FROM machine_metrics WHERE index1 != '${'x'.repeat(10_000)}'`;
  const long = await post(longSql);
  assert.deepEqual([long.status, long.body], [400, `query too long: ${longSql.length} characters (limit 10000)\n`]);
});

// -----------------------------------------------------------------------------------------------
// Faults.

test('429 with Retry-After for the next N matching requests, then normal service', async () => {
  gw.clearFaults();
  const f = gw.addFault({ type: 'status', status: 429, retryAfter: 3, times: 2 });
  for (let i = 0; i < 2; i++) {
    const r = await post(windowSql(X, Y));
    assert.deepEqual([r.status, r.headers['retry-after'], r.headers['content-type'], r.body], [429, '3', 'text/plain; charset=utf-8', 'Too many requests\n']);
  }
  assert.equal((await post(windowSql(X, Y))).status, 200);
  assert.equal(f.hits, 2);
  assert.deepEqual(gw.requests.slice(-3).map((r) => [r.status, r.fault]), [[429, 'status'], [429, 'status'], [200, null]]);
});

test('500 and 503 plain text; a predicate picks which requests fail (only verify queries, one window)', async () => {
  gw.clearFaults();
  gw.addFault({ type: 'status', status: 503, when: { verify: true } });
  const data = await post(windowSql(X, Y));
  assert.equal(data.status, 200, 'a data query is not a verify query');
  const verify = await post(`SELECT count(), sum(_sample_interval) FROM machine_metrics WHERE timestamp >= toDateTime(${X}) AND timestamp < toDateTime(${Y}) FORMAT JSONEachRow`);
  assert.deepEqual([verify.status, verify.body], [503, 'Service unavailable\n']);

  gw.addFault({ type: 'status', status: 500, when: { window: [X + 3600, X + 7200] } });
  assert.equal((await post(windowSql(X, X + 3600))).status, 200);
  const hit = await post(windowSql(X + 3600, X + 7200));
  assert.deepEqual([hit.status, hit.body], [500, 'Internal server error\n']);
  assert.equal((await post(windowSql(X + 3600, X + 7200))).status, 200, 'times defaults to 1');

  gw.addFault({ type: 'status', status: 500, body: 'custom', when: (q) => q.sql.includes('index1') && q.window?.from === X });
  assert.deepEqual([(await post(windowSql(X, Y))).body], ['custom\n']);
  gw.clearFaults();
});

test('422 and 507 for windows longer than a limit, every time, shorter windows served', async () => {
  gw.clearFaults();
  const f = gw.addFault({ type: 'limit', maxWindowSeconds: 3600 });
  for (let i = 0; i < 3; i++) {
    const r = await post(windowSql(X, X + 3601));
    assert.deepEqual([r.status, r.body], [422, 'Query exceeded resource limits\n']);
  }
  const ok = await post(windowSql(X, X + 3600));
  assert.equal(ok.status, 200);
  assert.equal(lines(ok.body).length, expected(['timestamp'], X, X + 3600).length);
  assert.equal(f.hits, 3);
  gw.clearFaults();
  gw.addFault({ type: 'limit', maxWindowSeconds: 60, status: 507 });
  const big = await post(windowSql(X, X + 120));
  assert.deepEqual([big.status, big.body], [507, 'Query exceeded resource limits\n']);
  assert.equal((await post(windowSql(X, X + 60))).status, 200);
  assert.equal((await post('SELECT count() FROM machine_metrics')).status, 200, 'no window: no limit');
  gw.clearFaults();
});

test('a slow response holds the headers, or stalls after some lines (the body streams meanwhile)', async () => {
  gw.clearFaults();
  gw.addFault({ type: 'delay', ms: 400 });
  const slow = await post(windowSql(X, Y));
  assert.equal(slow.status, 200);
  assert.ok(slow.ms >= 400, `took ${slow.ms} ms`);
  assert.equal(lines(slow.body).length, expected(['timestamp'], X, Y).length);

  // Stall after 10 lines: the client holds those 10 lines while the response is still open.
  gw.addFault({ type: 'delay', ms: 3000, afterLines: 10 });
  const url = new URL(gw.sqlUrl);
  const seen = await new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
        if (body.split('\n').length - 1 >= 10) {
          const state = { body, complete: res.complete, gatewayLines: gw.requests.at(-1).lines };
          req.destroy();
          resolve(state);
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? null : reject(e)));
    req.end(windowSql(X, Y));
  });
  assert.equal(seen.body.split('\n').length - 1, 10);
  assert.equal(seen.complete, false);
  assert.equal(seen.gatewayLines, 10);
  gw.clearFaults();
});

test('a body cut off mid-line: a broken transfer, or a clean end with an incomplete last line', async () => {
  const full = lines((await postOk(windowSql(X, Y))).body);
  gw.clearFaults();
  gw.addFault({ type: 'cut', afterLines: 5 });
  const broken = await post(windowSql(X, Y));
  assert.equal(broken.status, 200);
  assert.ok(broken.error && !broken.ended, 'the client sees an error, not an end');
  assert.equal(broken.error.code, 'ECONNRESET');
  const half = full[5].slice(0, Math.floor(Buffer.byteLength(full[5]) / 2)); // ASCII line
  assert.equal(broken.body, full.slice(0, 5).join('\n') + '\n' + half);
  assert.deepEqual([gw.requests.at(-1).cut, gw.requests.at(-1).complete], [true, false]);

  gw.addFault({ type: 'cut', afterLines: 5, mode: 'end' });
  const ended = await post(windowSql(X, Y));
  assert.ok(ended.ended && !ended.error, 'a clean HTTP end');
  assert.equal(ended.body, full.slice(0, 5).join('\n') + '\n' + half);
  assert.throws(() => JSON.parse(ended.body.split('\n').at(-1)));

  // Fewer lines than afterLines: the last line is the one cut.
  const small = lines((await postOk(windowSql(X, X + 600))).body);
  assert.ok(small.length >= 2 && small.length < 50, `${small.length} rows`);
  gw.addFault({ type: 'cut', afterLines: 50, mode: 'end' });
  const last = await post(windowSql(X, X + 600));
  const cutLast = small.at(-1).slice(0, Math.floor(Buffer.byteLength(small.at(-1)) / 2));
  assert.equal(last.body, small.slice(0, -1).join('\n') + '\n' + cutLast);
  gw.clearFaults();
});

test('a non-JSON line injected into the body', async () => {
  const full = lines((await postOk(windowSql(X, Y))).body);
  gw.clearFaults();
  gw.addFault({ type: 'inject', afterLines: 7 });
  const r = await postOk(windowSql(X, Y));
  assert.deepEqual(lines(r.body), [...full.slice(0, 7), 'Too many requests', ...full.slice(7)]);
  gw.addFault({ type: 'inject', afterLines: 1_000_000, text: 'upstream timeout' });
  const r2 = await postOk(windowSql(X, Y));
  assert.deepEqual(lines(r2.body), [...full, 'upstream timeout']);
  assert.equal(gw.requests.at(-1).injected, true);
  gw.clearFaults();
});

// -----------------------------------------------------------------------------------------------
// The real service's behaviours (off by default).

const OFF = { sampling: null, latencyMs: 0, rateLimit: null, now: Date.now };
const countSql = (from, to) =>
  `SELECT count() AS rows, sum(_sample_interval) AS sample_weight FROM machine_metrics WHERE timestamp >= toDateTime(${from}) AND ` +
  `timestamp < toDateTime(${to}) FORMAT JSONEachRow`;
const histogramSql = (from, to) =>
  `SELECT intDiv(toUInt32(timestamp), 300) * 300 AS bucket, count() AS rows, sum(_sample_interval) AS sample_weight FROM machine_metrics ` +
  `WHERE timestamp >= toDateTime(${from}) AND timestamp < toDateTime(${to}) GROUP BY bucket ORDER BY bucket FORMAT JSONEachRow`;
const probeSql = (since) => `SELECT count() AS rows FROM machine_metrics WHERE timestamp >= toDateTime(${since}) FORMAT JSONEachRow`;

/** The generator's rows of [from, to) as { ts (unix), weight }, in the sampler's order. */
function spanRows(from, to) {
  return rows
    .map((r) => ({ ts: unix(r.timestamp), weight: numberOf(r._sample_interval) }))
    .filter((r) => r.ts >= from && r.ts < to)
    .sort((a, b) => a.ts - b.ts || a.weight - b.weight);
}

/** The histogram answer ClickHouse gives for `groups` ([{ row: { ts }, weight }]): one line per 300 s bucket. */
function histogramLines(groups) {
  const buckets = new Map();
  for (const { row, weight } of groups) {
    const b = Math.floor(row.ts / 300) * 300;
    const e = buckets.get(b) ?? { rows: 0, weight: 0 };
    e.rows++;
    e.weight += weight;
    buckets.set(b, e);
  }
  return [...buckets].map(([b, e]) => `{"bucket":"${b}","rows":"${e.rows}","sample_weight":"${e.weight}"}`);
}

const H3 = [X, X + 3 * 3600]; // a 3-hour span
const H1 = [X, X + 3600];

test('read-time sampling of raw reads: a long span comes back at 10% (intervals summed per group), a short one untouched', async () => {
  const full3 = lines((await postOk(windowSql(...H3))).body);
  const full1 = (await postOk(windowSql(...H1))).body;
  const source = spanRows(...H3);
  const weight = source.reduce((a, r) => a + r.weight, 0);
  assert.equal(full3.length, source.length);
  assert.ok(source.length > 150, `${source.length} rows in 3 h`);
  try {
    gw.configure({ sampling: { raw: [{ minSpanSeconds: 7200, resolution: 0.1 }] } });
    const sampled = lines((await postOk(windowSql(...H3))).body).map((l) => JSON.parse(l));
    assert.equal(sampled.length, Math.ceil(source.length / 10));
    assert.equal(sampled.reduce((a, o) => a + o._sample_interval, 0), weight, 'sum(_sample_interval) equals the source');
    // Exactly the groups of 10 consecutive rows (timestamp order): each leader with its group's total.
    assert.deepEqual(
      sampled.map((o) => [unix(o.timestamp), o._sample_interval]),
      sampleGroups(source, 10).map((g) => [g.row.ts, g.weight]),
    );
    // Every leader is a source row but for its interval; keys still alphabetical.
    const wanted = new Set(expected(WINDOW_COLS.filter((c) => c !== '_sample_interval'), ...H3).map((o) => JSON.stringify(o)));
    for (const o of sampled) {
      assert.deepEqual(Object.keys(o), [...WINDOW_COLS].sort());
      const { _sample_interval, ...rest } = o;
      assert.ok(wanted.has(JSON.stringify(Object.fromEntries(WINDOW_COLS.filter((c) => c !== '_sample_interval').map((c) => [c, rest[c]])))));
    }
    assert.deepEqual([gw.requests.at(-1).kind, gw.requests.at(-1).resolution], ['data', 0.1]);
    // Equal intervals in a group: 10x the interval (the documented power-of-ten scaling).
    const ones = sampleGroups(source, 10).findIndex((g, i) => source.slice(i * 10, i * 10 + 10).every((r) => r.weight === 1) && i * 10 + 10 <= source.length);
    if (ones >= 0) assert.equal(sampled[ones]._sample_interval, 10);

    // A 1-hour read is not sampled: byte for byte the unsampled answer.
    assert.equal((await postOk(windowSql(...H1))).body, full1);
    assert.equal(gw.requests.at(-1).resolution, 1);

    // The lowest resolution among the rules met: by rows in the span (1%), the span rule (10%) too.
    gw.configure({ sampling: { raw: [{ minSpanSeconds: 7200, resolution: 0.1 }, { minRows: 150, resolution: 0.01 }] } });
    const one = lines((await postOk(windowSql(...H3))).body).map((l) => JSON.parse(l));
    assert.equal(one.length, Math.ceil(source.length / 100));
    assert.equal(one.reduce((a, o) => a + o._sample_interval, 0), weight);
    assert.deepEqual([gw.requests.at(-1).resolution, gw.requests.at(-1).spanRows], [0.01, source.length]);
    const hourRows = spanRows(...H1).length;
    assert.ok(hourRows < 150, `${hourRows} rows in 1 h`);
    assert.equal((await postOk(windowSql(...H1))).body, full1, 'under both rules: untouched');
    assert.deepEqual([gw.requests.at(-1).resolution, gw.requests.at(-1).spanRows], [1, hourRows]);
    // Raw rules do not sample aggregates.
    assert.equal((await postOk(countSql(...H3))).body, `{"rows":"${source.length}","sample_weight":"${weight}"}\n`);
  } finally {
    gw.configure(OFF);
  }
});

test('read-time sampling of aggregates: count() and the histogram are those of the sampled read of their span', async () => {
  const source = spanRows(...H3);
  const weight = source.reduce((a, r) => a + r.weight, 0);
  const groups = sampleGroups(source, 10);
  // Unsampled, ClickHouse's own answer has the shape the sampled answers are built in.
  assert.equal((await postOk(histogramSql(...H3))).body, histogramLines(sampleGroups(source, 1)).join('\n') + '\n');
  assert.equal(gw.requests.at(-1).kind, 'histogram');
  try {
    gw.configure({ sampling: { raw: [{ minSpanSeconds: 7200, resolution: 0.1 }], aggregate: [{ minSpanSeconds: 7200, resolution: 0.1 }] } });
    const count = await postOk(countSql(...H3));
    assert.equal(count.body, `{"rows":"${Math.ceil(source.length / 10)}","sample_weight":"${weight}"}\n`);
    assert.deepEqual([gw.requests.at(-1).kind, gw.requests.at(-1).resolution], ['count', 0.1]);
    // The read of the same span agrees with the count (both sampled alike).
    const read = lines((await postOk(windowSql(...H3))).body).map((l) => JSON.parse(l));
    assert.equal(read.length, Math.ceil(source.length / 10));
    // The histogram: each bucket counts the group leaders in it; totals = the sampled read's.
    const hist = await postOk(histogramSql(...H3));
    assert.equal(hist.body, histogramLines(groups).join('\n') + '\n');
    assert.equal(hist.headers['content-type'], 'text/plain; charset=UTF-8');
    const perBucket = lines(hist.body).map((l) => JSON.parse(l));
    assert.equal(perBucket.reduce((a, b) => a + Number(b.rows), 0), read.length);
    assert.equal(perBucket.reduce((a, b) => a + Number(b.sample_weight), 0), weight);
    const leaders = new Map();
    for (const o of read) {
      const b = String(Math.floor(unix(o.timestamp) / 300) * 300);
      leaders.set(b, (leaders.get(b) ?? 0) + 1);
    }
    assert.deepEqual(perBucket.map((b) => [b.bucket, Number(b.rows)]), [...leaders]);
    // A short span is not sampled; an empty span answers as ClickHouse does.
    assert.equal((await postOk(countSql(...H1))).body, `{"rows":"${spanRows(...H1).length}","sample_weight":"${spanRows(...H1).reduce((a, r) => a + r.weight, 0)}"}\n`);
    const past = DAY0 - 86_400;
    assert.equal((await postOk(countSql(past - 3 * 86_400, past))).body, '{"rows":"0","sample_weight":"0"}\n');
    assert.equal(gw.requests.at(-1).resolution, 0.1);
    assert.equal((await postOk(histogramSql(past - 3 * 86_400, past))).body, '');

    // Separate rules: aggregates at 1% by rows while raw reads stay at 10%: count and read disagree.
    gw.configure({ sampling: { raw: [{ minSpanSeconds: 7200, resolution: 0.1 }], aggregate: [{ minRows: 100, resolution: 0.01 }] } });
    assert.equal((await postOk(countSql(...H3))).body, `{"rows":"${Math.ceil(source.length / 100)}","sample_weight":"${weight}"}\n`);
    assert.equal(lines((await postOk(windowSql(...H3))).body).length, Math.ceil(source.length / 10));
    // Aggregates only: the raw read is full, the count sampled.
    gw.configure({ sampling: { aggregate: [{ minSpanSeconds: 3600, resolution: 0.1 }] } });
    assert.equal(lines((await postOk(windowSql(...H3))).body).length, source.length);
    assert.equal((await postOk(countSql(...H3))).body, `{"rows":"${Math.ceil(source.length / 10)}","sample_weight":"${weight}"}\n`);
    // Shapes it cannot compute stay unsampled (here: no aliases, another aggregate): ClickHouse's answer.
    const other = await postOk(`SELECT count(), max(double1) AS m FROM machine_metrics WHERE timestamp >= toDateTime(${H3[0]}) AND timestamp < toDateTime(${H3[1]}) FORMAT JSONEachRow`);
    assert.equal(JSON.parse(other.body)['count()'], String(source.length));
    assert.equal(gw.requests.at(-1).resolution, 1);
    assert.throws(() => gw.configure({ sampling: { raw: [{ minSpanSeconds: 1, resolution: 0.5 }] } }), /resolution must be 0\.1, 0\.01/);
  } finally {
    gw.configure(OFF);
  }
});

test('faults act on a sampled answer as on any body', async () => {
  try {
    gw.configure({ sampling: { raw: [{ minSpanSeconds: 7200, resolution: 0.1 }] } });
    const sampled = lines((await postOk(windowSql(...H3))).body);
    gw.addFault({ type: 'inject', afterLines: 2 });
    assert.deepEqual(lines((await postOk(windowSql(...H3))).body), [...sampled.slice(0, 2), 'Too many requests', ...sampled.slice(2)]);
    gw.addFault({ type: 'cut', afterLines: 3, mode: 'end' });
    const cut = await post(windowSql(...H3));
    assert.equal(cut.body, sampled.slice(0, 3).join('\n') + '\n' + sampled[3].slice(0, Math.floor(Buffer.byteLength(sampled[3]) / 2)));
  } finally {
    gw.clearFaults();
    gw.configure(OFF);
  }
});

test('latency: every answer waits latencyMs before its headers', async () => {
  try {
    gw.configure({ latencyMs: 400 });
    const n0 = gw.requests.length;
    const events = [];
    const slow = post(windowSql(...H1)).then((r) => (events.push('slow'), r));
    // Wait until the gateway holds the slow request, then take latency off for the next one.
    while (gw.requests.length === n0) await new Promise((r) => setImmediate(r));
    gw.configure({ latencyMs: 0 });
    const fast = await post(windowSql(...H1)).then((r) => (events.push('fast'), r));
    const slowRes = await slow;
    assert.deepEqual(events, ['fast', 'slow'], 'the query sent later is answered first');
    assert.equal(slowRes.body, fast.body);
    const [slowRec, fastRec] = gw.requests.slice(n0);
    assert.deepEqual([slowRec.latencyMs, fastRec.latencyMs, slowRec.status, fastRec.status], [400, 0, 200, 200]);
  } finally {
    gw.configure(OFF);
  }
});

test('the per-user rate limit: 429 with Retry-After during the block, refused requests count too', async () => {
  let now = 5_000_000;
  const served = async (n) => {
    for (let i = 0; i < n; i++) assert.equal((await post(probeSql(X))).status, 200);
  };
  const refused = async (retryAfter) => {
    const r = await post(probeSql(X));
    assert.deepEqual([r.status, r.headers['retry-after'], r.body], [429, String(retryAfter), 'Too many requests\n']);
    assert.equal(gw.requests.at(-1).rateLimited, true);
  };
  try {
    gw.resetCounts();
    gw.configure({ rateLimit: { requests: 3, windowMs: 10_000, blockMs: 5_000 }, now: () => now });
    assert.equal((await post(probeSql(X), { token: 'nope' })).status, 403, 'unauthenticated: not the user, not counted');
    await served(3);
    await refused(5); // the 4th within 10 s starts a 5 s block
    now += 2_500;
    await refused(3); // 2.5 s left, rounded up
    now += 2_400;
    await refused(1); // 0.1 s left
    now += 100; // the block is over, but the 6 requests of the last 10 s (3 of them refused) are over the limit
    await refused(5);
    now += 5_000; // at t+10 s the second block ends, but the window still holds the 3 refused since t+2.5 s...
    await refused(5);
    now += 10_001; // ...10 s later it holds none: served again
    await served(3);
    await refused(5);
    assert.equal(gw.counts.throttled, 6);
    assert.equal(gw.counts.probe, 13);
  } finally {
    gw.configure(OFF);
  }
  assert.equal((await post(probeSql(X))).status, 200, 'off again');
});

test('counters of requests by kind (refused ones too), and each record carries its kind', async () => {
  gw.resetCounts();
  const n0 = gw.requests.length;
  await postOk(histogramSql(...H1));
  await postOk(windowSql(...H1));
  await postOk(windowSql(...H1));
  await postOk(countSql(...H1));
  await postOk(probeSql(X));
  await postOk('SELECT 1 FORMAT JSONEachRow');
  await postOk('SELECT * FROM machine_metrics LIMIT 1 FORMAT JSONEachRow');
  await post('SELECT 1', { method: 'GET' });
  gw.addFault({ type: 'status', status: 429, retryAfter: 1 });
  assert.equal((await post(windowSql(...H1))).status, 429);
  assert.deepEqual({ ...gw.counts }, { histogram: 1, data: 3, count: 1, probe: 1, other: 3, throttled: 1, sampled: 0 });
  assert.deepEqual(gw.requests.slice(n0).map((r) => r.kind), ['histogram', 'data', 'data', 'count', 'probe', 'other', 'other', 'other', 'data']);
  gw.resetCounts();
  assert.deepEqual({ ...gw.counts }, { histogram: 0, data: 0, count: 0, probe: 0, other: 0, throttled: 0, sampled: 0 });
});

test('classifyQuery, parseAggregate and sampleGroups', () => {
  assert.equal(classifyQuery(histogramSql(1, 2)), 'histogram');
  assert.equal(classifyQuery(countSql(1, 2)), 'count');
  assert.equal(classifyQuery(probeSql(1)), 'probe');
  assert.equal(classifyQuery(windowSql(1, 2)), 'data');
  for (const sql of ['SELECT 1', '', null, 'SELECT * FROM m WHERE timestamp >= toDateTime(1) AND timestamp < toDateTime(2)', "SELECT blob1, count() FROM m GROUP BY blob1"]) {
    assert.equal(classifyQuery(sql), 'other', String(sql));
  }
  assert.deepEqual(parseAggregate(countSql(1, 2)), { items: [{ what: 'count', key: 'rows' }, { what: 'sum', key: 'sample_weight' }], grouped: false });
  assert.deepEqual(parseAggregate('SELECT count(), sum( _sample_interval ) FROM m'), { items: [{ what: 'count', key: 'count()' }, { what: 'sum', key: 'sum(_sample_interval)' }], grouped: false });
  assert.deepEqual(parseAggregate(histogramSql(1, 2)).items[0], { what: 'bucket', key: 'bucket', size: 300 });
  for (const sql of ['SELECT count(), max(double1) FROM m', 'SELECT intDiv(toUInt32(timestamp), 300) * 300 AS b, count() FROM m', 'SELECT count() AS a, sum(_sample_interval) AS a FROM m', 'SELECT count() FROM m GROUP BY blob1']) {
    assert.equal(parseAggregate(sql), null, sql);
  }
  const r = (ts, weight) => ({ ts, weight });
  assert.deepEqual(sampleGroups([r(1, 1), r(1, 2), r(2, 3), r(3, 4), r(4, 5)], 2), [{ row: r(1, 1), weight: 3 }, { row: r(2, 3), weight: 7 }, { row: r(4, 5), weight: 5 }]);
  assert.deepEqual(sampleGroups([], 10), []);
});

// -----------------------------------------------------------------------------------------------
// Helpers of the gateway.

test('sortJsonKeys keeps every value byte for byte; maskQuoted and parseWindow', () => {
  assert.equal(sortJsonKeys('{"b":"1","a":-0,"c":{"z":1,"y":[1,"}"]},"A":1e21}'), '{"A":1e21,"a":-0,"b":"1","c":{"z":1,"y":[1,"}"]}}');
  assert.equal(sortJsonKeys('{"k\\"ey":"v\\\\","a":null}'), '{"a":null,"k\\"ey":"v\\\\"}');
  assert.equal(sortJsonKeys('{}'), '{}');
  for (const bad of ['Too many requests', '{"a":1', '{"a":1}x', '{"a"1}', 'Code: 395, e.displayText()']) assert.equal(sortJsonKeys(bad), null, bad);
  assert.equal(maskQuoted(`a 'CASE' "x-y" b`), `a '    ' "   " b`);
  assert.equal(maskQuoted(`'it''s'`), `'  '' '`);
  assert.deepEqual(parseWindow(windowSql(200, 100)), { from: 100, to: 200 });
  assert.deepEqual(parseWindow("WHERE timestamp >= toDateTime('2026-02-01 00:00:00') AND timestamp < toDateTime(1769907600)"), { from: 1769904000, to: 1769907600 });
  assert.equal(parseWindow('SELECT 1'), null);
});
