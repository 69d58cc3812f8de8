// The Analytics Engine harness itself (lib/clickhouse_server.mjs, lib/ae_gateway.mjs), so that
// the sync tests can trust it: a real ClickHouse starts on free loopback ports with its own
// configuration; generated AE rows go in bit-exact; the gateway answers like the AE SQL API
// (path, Bearer token, plain-text errors, alphabetical keys, quoted 64-bit numbers, CASE
// rejected, dataset mapping) and each switchable fault does exactly what it says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';

import { numberOf } from './lib/ae.mjs';
import { startAeGateway, sortJsonKeys, maskQuoted, parseWindow } from './lib/ae_gateway.mjs';
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
