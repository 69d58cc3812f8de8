// An Analytics Engine SQL API for the tests: a node:http server on a free loopback port that
// behaves like `POST https://api.cloudflare.com/client/v4/accounts/<id>/analytics_engine/sql`
// (docs/ae-sql-api.md) and answers from a real ClickHouse (clickhouse_server.mjs):
//   - only POST <base>/accounts/<accountId>/analytics_engine/sql; other paths 404, other methods
//     405; `Authorization: Bearer <token>` required (missing 401, wrong 403); all plain text;
//   - body = SQL text (over 10,000 characters: 400); `CASE` as a word outside string literals:
//     422 "unsupported expression type"; the dataset after FROM (bare or double-quoted) is
//     mapped to its ClickHouse table (unknown dataset: 422); no FORMAT means FORMAT JSON;
//   - ClickHouse errors come back as plain text: its 400 (syntax) and 404 (unknown column,
//     function, table) as 400, anything else as 500;
//   - JSONEachRow bodies are streamed line by line (memory: one upstream chunk), each
//     object re-serialized with its keys in alphabetical order and every value's text kept as
//     ClickHouse wrote it (64-bit integers such as count() stay quoted, NaN/inf are quoted);
//     other formats pass through. When the select list is plain distinct AE column names (what
//     aesync sends), ClickHouse is asked for them in alphabetical order instead, so its lines
//     already are what the re-serializing would make of them, and the body is copied through
//     as bytes (no per-line work: the gateway would otherwise cost more CPU than aesync);
//   - every request is recorded in `requests` (sql, status, bytes of body sent, lines, fault);
//   - faults (addFault) apply to the next N requests that match a predicate: an error status
//     (429 with Retry-After, 500, 503...), a delay before the headers or after some lines, a body
//     cut off in the middle of a line, a non-JSON line injected, and 422/507 for windows longer
//     than a limit (to exercise window splitting).
//
// Requests are served by this process's event loop: a test must run the client under test
// asynchronously (spawn, not spawnSync), or the gateway cannot answer.
import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';

const MAX_SQL_CHARS = 10_000;

/** Default plain-text bodies of the error statuses the faults send. */
export const FAULT_BODIES = {
  422: 'Query exceeded resource limits',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
  507: 'Query exceeded resource limits',
};

/**
 * `sql` with the contents of string literals ('...') and quoted identifiers ("...", `...`)
 * replaced by spaces (same length, so positions still match the original text).
 */
export function maskQuoted(sql) {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const q = sql[i];
    if (q !== "'" && q !== '"' && q !== '`') {
      out += q;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < sql.length && sql[j] !== q) j += sql[j] === '\\' ? 2 : 1;
    j = Math.min(j, sql.length);
    // A doubled quote ('it''s') reads as two literals: both are masked all the same.
    out += q + ' '.repeat(j - i - 1) + (j < sql.length ? q : '');
    i = j + 1;
  }
  return out;
}

/**
 * The time window of a query: the two `toDateTime(<unix>)` (or `toDateTime('YYYY-MM-DD
 * hh:mm:ss')`) bounds of its WHERE clause as unix seconds { from, to }, or null without two.
 */
export function parseWindow(sql) {
  const bounds = [];
  for (const m of sql.matchAll(/toDateTime\s*\(\s*(?:(\d+)|'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)')\s*\)/gi)) {
    bounds.push(m[1] !== undefined ? Number(m[1]) : Date.parse(m[2].replace(' ', 'T') + 'Z') / 1000);
  }
  if (bounds.length !== 2) return null;
  return { from: Math.min(...bounds), to: Math.max(...bounds) };
}

/** True for a verification query (one that asks for count()). */
export function isVerifyQuery(sql) {
  return /\bcount\s*\(/i.test(maskQuoted(sql));
}

// The end of the JSON string whose opening quote is at `start` (the index after its closing
// quote), or -1. Uses indexOf: a per-character loop is too slow for millions of lines.
function stringEnd(line, start) {
  let q = start;
  for (;;) {
    q = line.indexOf('"', q + 1);
    if (q === -1) return -1;
    let bs = 0;
    while (line.charCodeAt(q - 1 - bs) === 92) bs++; // backslashes before the quote
    if (bs % 2 === 0) return q + 1;
  }
}

// Members [key text, value text, ...] of a compact object line as ClickHouse writes it
// ({"k":v,"k":v}, scalar values only), or null for anything else. A sticky regex: much faster
// than a per-character loop over millions of lines.
const MEMBER = /("(?:[^"\\]|\\.)*"):("(?:[^"\\]|\\.)*"|[^,"{}[\]]+)(,|\})/y;
function compactMembers(line) {
  if (line.charCodeAt(0) !== 123) return null;
  if (line === '{}') return [];
  const members = [];
  MEMBER.lastIndex = 1;
  for (;;) {
    const m = MEMBER.exec(line);
    if (m === null) return null;
    members.push(m[1], m[2]);
    if (m[3] === '}') return MEMBER.lastIndex === line.length ? members : null;
  }
}

// The general scanner (whitespace, nested values); returns a flat [key, value, ...] list or null.
function scanMembers(line) {
  let i = 0;
  const n = line.length;
  const ws = () => {
    while (i < n && (line[i] === ' ' || line[i] === '\t' || line[i] === '\r')) i++;
  };
  const str = () => {
    const start = i;
    if (line[i] !== '"') return null;
    const end = stringEnd(line, i);
    if (end === -1) return null;
    i = end;
    return line.slice(start, i);
  };
  const value = () => {
    const start = i;
    if (line[i] === '"') return str();
    if (line[i] === '{' || line[i] === '[') {
      let depth = 0;
      while (i < n) {
        const c = line[i];
        if (c === '"') {
          if (str() === null) return null;
          continue;
        }
        if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            i++;
            return line.slice(start, i);
          }
        }
        i++;
      }
      return null;
    }
    while (i < n && !',}] \t\r'.includes(line[i])) i++;
    return i > start ? line.slice(start, i) : null;
  };
  ws();
  if (line[i] !== '{') return null;
  i++;
  const members = [];
  ws();
  if (line[i] === '}') {
    i++;
  } else {
    for (;;) {
      ws();
      const key = str();
      if (key === null) return null;
      ws();
      if (line[i] !== ':') return null;
      i++;
      ws();
      const val = value();
      if (val === null) return null;
      members.push(key, val);
      ws();
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') {
        i++;
        break;
      }
      return null;
    }
  }
  ws();
  return i === n ? members : null;
}

/**
 * Re-serializes JSON object lines with their members sorted by key, each value's text kept
 * byte for byte; `rekey(line)` returns null for a line that is not one JSON object. The key
 * order of the previous line is cached (ClickHouse writes every line with the same keys).
 */
export function makeRekeyer() {
  let lastKeys = null;
  let perm = null;
  return function rekey(line) {
    const m = compactMembers(line) ?? scanMembers(line);
    if (m === null) return null;
    const count = m.length / 2;
    let same = lastKeys !== null && lastKeys.length === count;
    for (let k = 0; same && k < count; k++) same = lastKeys[k] === m[2 * k];
    if (!same) {
      const names = [];
      for (let k = 0; k < count; k++) {
        try {
          names.push(JSON.parse(m[2 * k]));
        } catch {
          return null;
        }
      }
      lastKeys = names.map((_, k) => m[2 * k]);
      perm = names.map((_, k) => k).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
    }
    let out = '{';
    for (let k = 0; k < count; k++) {
      const j = perm[k];
      out += (k ? ',' : '') + m[2 * j] + ':' + m[2 * j + 1];
    }
    return out + '}';
  };
}

/** One line re-keyed (see makeRekeyer), or null when it is not one JSON object. */
export function sortJsonKeys(line) {
  return makeRekeyer()(line);
}

// The columns of an AE dataset (createAeTable's table): the only names sortedSelect reorders, so
// that a query naming an unknown column fails exactly as it would unchanged.
const AE_COLUMN_NAMES = new Set([
  'dataset', 'timestamp', '_sample_interval', 'index1',
  ...Array.from({ length: 20 }, (_, i) => `blob${i + 1}`),
  ...Array.from({ length: 20 }, (_, i) => `double${i + 1}`),
]);
const PLAIN_SELECT = /^(\s*SELECT\s+)([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s+FROM\s/i;

/**
 * `sql` with its select list in alphabetical order (the order makeRekeyer sorts keys in), when
 * that list is plain distinct AE column names (`SELECT timestamp, index1, ... FROM ...`), else
 * null. ClickHouse writes each JSONEachRow line's keys in select-list order, so the answer to
 * the rewritten query is, byte for byte, the re-keyed answer to the original one; nothing else
 * in such a query depends on the order of its select list.
 */
export function sortedSelect(sql) {
  const m = PLAIN_SELECT.exec(sql);
  if (!m) return null;
  const names = m[2].split(',').map((n) => n.trim());
  if (new Set(names).size !== names.length || !names.every((n) => AE_COLUMN_NAMES.has(n))) return null;
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return m[1] + sorted.join(', ') + sql.slice(m[1].length + m[2].length);
}

function matches(when, info) {
  if (when === undefined || when === null) return true;
  if (typeof when === 'function') return Boolean(when(info));
  if (when.verify !== undefined && when.verify !== info.verify) return false;
  if (when.includes !== undefined && !info.sql.includes(when.includes)) return false;
  if (when.window !== undefined) {
    if (!info.window || info.window.from !== when.window[0] || info.window.to !== when.window[1]) return false;
  }
  if (when.overlaps !== undefined) {
    if (!info.window || info.window.to <= when.overlaps[0] || info.window.from >= when.overlaps[1]) return false;
  }
  return true;
}

function faultApplies(f, info) {
  if (f.remaining <= 0) return false;
  if (f.type === 'limit') {
    if (!info.window || info.window.to - info.window.from <= f.maxWindowSeconds) return false;
  }
  return matches(f.when, info);
}

/**
 * Starts the gateway in front of `clickhouse` (a startClickHouse() handle). `datasets` maps AE
 * dataset names to ClickHouse tables. Resolves to
 *   { url, sqlUrl, port, requests, addFault(spec), clearFaults(), resetRequests(), close() }
 * where `url` is aesync's api_base (http://127.0.0.1:<port>/client/v4).
 *
 * addFault(spec) -> the fault (its `hits` counts the requests it was applied to). spec:
 *   { type: 'status', status, retryAfter?, body?, headers? }  answer with that status, plain text
 *   { type: 'limit', maxWindowSeconds, status = 422 }          only windows longer than the limit
 *   { type: 'delay', ms, afterLines? }     hold the headers ms (or pause ms after that many lines)
 *   { type: 'cut', afterLines = 0, mode = 'destroy' }   send afterLines whole lines then half of
 *       the next one (of the last line if fewer), then destroy the socket ('destroy': the client
 *       sees a broken transfer) or end the response properly ('end': a clean end whose last line
 *       is incomplete)
 *   { type: 'inject', afterLines = 0, text = 'Too many requests' }  a non-JSON line in the body
 * plus `times` (matching requests it applies to; default 1, `limit` default Infinity) and `when`
 * (a predicate on { sql, window, verify }, or { verify, includes, window: [from, to],
 * overlaps: [from, to] }). One fault per request: the first applicable in the order added.
 */
export async function startAeGateway({
  clickhouse,
  accountId,
  token,
  datasets = { machine_metrics: 'machine_metrics' },
  chUser = 'default',
  chPassword = '',
}) {
  if (!/^[A-Za-z0-9]+$/.test(accountId)) throw new Error(`accountId must be alphanumeric: ${accountId}`);
  for (const t of Object.values(datasets)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(t)) throw new Error(`bad table name ${t}`);
  }
  const sqlPath = `/client/v4/accounts/${accountId}/analytics_engine/sql`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const faults = [];
  const requests = [];
  const live = new Set(); // sockets, to close the server promptly

  function text(res, status, body, headers = {}) {
    const b = body.endsWith('\n') ? body : body + '\n';
    if (res.aeRecord) res.aeRecord.bytes += Buffer.byteLength(b);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    res.end(b);
  }

  async function handle(req, res, rec) {
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== sqlPath) return text(res, 404, 'Not Found');
    if (req.method !== 'POST') return text(res, 405, 'Method Not Allowed', { Allow: 'POST' });
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const sql = Buffer.concat(chunks).toString('utf8');
    rec.sql = sql;
    const auth = req.headers.authorization;
    const m = auth && /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) return text(res, 401, 'Authentication error: missing bearer token');
    if (m[1] !== token) return text(res, 403, 'Authentication error: invalid token');
    if (sql.length > MAX_SQL_CHARS) return text(res, 400, `query too long: ${sql.length} characters (limit ${MAX_SQL_CHARS})`);
    if (sql.trim() === '') return text(res, 400, 'empty query');

    const info = { sql, window: parseWindow(sql), verify: isVerifyQuery(sql) };
    rec.window = info.window;
    rec.verify = info.verify;
    const fault = faults.find((f) => faultApplies(f, info));
    if (fault) {
      fault.remaining--;
      fault.hits++;
      rec.fault = fault.type;
    }
    if (fault?.type === 'status' || fault?.type === 'limit') {
      const status = fault.status ?? 422;
      const headers = { ...(fault.headers ?? {}) };
      if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
      return text(res, status, fault.body ?? FAULT_BODIES[status] ?? http.STATUS_CODES[status] ?? 'error', headers);
    }
    if (fault?.type === 'delay' && fault.afterLines === undefined) {
      await delay(fault.ms, res);
      if (res.destroyed) return;
    }

    const masked = maskQuoted(sql);
    if (/\bCASE\b/i.test(masked)) return text(res, 422, 'unsupported expression type: CASE');
    // Dataset names: FROM <name> or FROM "<name>" (a name with '-' must be quoted).
    let rewritten = '';
    let last = 0;
    for (const fm of masked.matchAll(/\bFROM\s+("[^"]*"|[A-Za-z_][A-Za-z0-9_]*)/gi)) {
      const tokenStart = fm.index + fm[0].length - fm[1].length;
      const raw = sql.slice(tokenStart, fm.index + fm[0].length);
      const name = raw.startsWith('"') ? raw.slice(1, -1) : raw;
      if (!Object.hasOwn(datasets, name)) return text(res, 422, `dataset not found: ${name}`);
      rewritten += sql.slice(last, tokenStart) + datasets[name];
      last = fm.index + fm[0].length;
    }
    rewritten += sql.slice(last);
    const fmt = /\bFORMAT\s+([A-Za-z]+)\s*;?\s*$/i.exec(maskQuoted(rewritten));
    const format = fmt ? fmt[1] : 'JSON';
    if (!fmt) rewritten = rewritten.replace(/\s*;?\s*$/, '') + ' FORMAT JSON';
    const sorted = format === 'JSONEachRow' ? sortedSelect(rewritten) : null;
    await forward(sorted ?? rewritten, format, fault, res, rec, sorted !== null);
  }

  function delay(ms, res) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        res.off('close', done);
        resolve();
      }
      res.on('close', done);
    });
  }

  // `presorted`: the query's JSONEachRow lines come with their keys already in order.
  function forward(sql, format, fault, res, rec, presorted) {
    return new Promise((resolve) => {
      const params = new URLSearchParams({ output_format_json_quote_denormals: '1' });
      const up = http.request({
        host: '127.0.0.1',
        port: clickhouse.httpPort,
        method: 'POST',
        path: '/?' + params,
        agent,
        headers: { 'X-ClickHouse-User': chUser, 'X-ClickHouse-Key': chPassword, 'Content-Type': 'text/plain' },
      });
      let upDone = false;
      // A client that goes away mid-body (a timeout) ends the ClickHouse query too.
      res.on('close', () => {
        if (!upDone) up.destroy();
      });
      up.on('error', (err) => {
        if (!res.headersSent) text(res, 502, `upstream error: ${err.message}`);
        else res.destroy();
        resolve();
      });
      up.on('response', (upRes) => {
        if (upRes.statusCode !== 200) {
          const chunks = [];
          upRes.on('data', (c) => chunks.push(c));
          upRes.on('end', () => {
            upDone = true;
            const msg = Buffer.concat(chunks).toString('utf8').trim();
            const status = upRes.statusCode === 400 || upRes.statusCode === 404 ? 400 : 500;
            text(res, status, msg);
            resolve();
          });
          return;
        }
        upRes.on('end', () => (upDone = true));
        res.writeHead(200, { 'Content-Type': upRes.headers['content-type'] ?? 'text/plain; charset=utf-8' });
        const lineFault = fault?.type === 'cut' || fault?.type === 'inject' || (fault?.type === 'delay' && fault.afterLines !== undefined);
        const copy = presorted && !lineFault ? copyBody(upRes, res, rec) : streamBody(upRes, res, format === 'JSONEachRow', fault, rec);
        copy.then(resolve, () => {
          res.destroy();
          resolve();
        });
      });
      up.end(sql);
    });
  }

  // Resolves when `res` can take more (or is gone).
  function drained(res) {
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  // Copies an upstream body whose lines need no change (see sortedSelect) as bytes: what
  // streamBody would send without a fault, in the same per-chunk writes of whole lines, with the
  // same record (bytes, lines). Text that is not valid UTF-8 goes through the same decoding
  // (U+FFFD for bad bytes) as streamBody's. Memory: one upstream chunk plus one partial line.
  async function copyBody(upRes, res, rec) {
    const asText = (buf) => (isUtf8(buf) ? buf : Buffer.from(buf.toString('utf8'), 'utf8'));
    let pending = null; // the start of a line split across upstream chunks
    for await (const chunk of upRes) {
      if (res.destroyed) break;
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      const last = buf.lastIndexOf(10);
      if (last === -1) {
        pending = buf;
        continue;
      }
      pending = last + 1 < buf.length ? buf.subarray(last + 1) : null;
      const whole = asText(buf.subarray(0, last + 1));
      for (let nl = whole.indexOf(10); nl !== -1; nl = whole.indexOf(10, nl + 1)) rec.lines++;
      rec.bytes += whole.length;
      if (!res.write(whole)) await drained(res);
    }
    if (res.destroyed) {
      upRes.destroy();
      return;
    }
    // ClickHouse ends every line with a newline; a last line without one goes on without one.
    const tail = pending ? asText(pending) : Buffer.alloc(0);
    rec.bytes += tail.length;
    res.end(tail);
  }

  // Copies the upstream body line by line (re-keying JSONEachRow lines), applying body faults,
  // with backpressure both ways. Output is written once per upstream chunk (not once per line);
  // memory: one upstream chunk plus at most one held line.
  async function streamBody(upRes, res, rekey, fault, rec) {
    const cut = fault?.type === 'cut' ? { after: fault.afterLines ?? 0, mode: fault.mode ?? 'destroy' } : null;
    const inject = fault?.type === 'inject' ? { after: fault.afterLines ?? 0, text: fault.text ?? 'Too many requests' } : null;
    const stall = fault?.type === 'delay' && fault.afterLines !== undefined ? { after: fault.afterLines, ms: fault.ms } : null;
    const sortKeys = makeRekeyer();
    let lines = 0; // lines of the upstream body seen so far
    let held = null; // with `cut`: the latest line, sent only once the next one arrives
    let out = [];
    let finished = false;

    const flush = async () => {
      if (!out.length || res.destroyed) return;
      const buf = Buffer.from(out.join(''), 'utf8');
      out = [];
      rec.bytes += buf.length;
      if (!res.write(buf)) await drained(res);
    };
    const line = (l) => {
      out.push(l, '\n');
      rec.lines++;
    };
    const doCut = async (l) => {
      await flush();
      finished = true;
      rec.cut = true;
      const buf = Buffer.from(l, 'utf8');
      const part = buf.subarray(0, Math.max(1, Math.floor(buf.length / 2)));
      rec.bytes += part.length;
      if (cut.mode === 'end') {
        res.end(part);
      } else {
        await new Promise((r) => res.write(part, r));
        res.destroy();
      }
      upRes.destroy();
    };
    // Returns a promise only when it has to wait (a cut or a stall): most lines cost no await.
    const emit = (l) => {
      // Non-JSON lines (a ClickHouse error appended to the body) pass as they are.
      if (rekey) l = sortKeys(l) ?? l;
      if (inject && lines === inject.after) {
        out.push(inject.text, '\n');
        rec.injected = true;
        inject.after = -1;
      }
      if (cut) {
        if (held !== null) line(held);
        held = null;
        if (lines === cut.after) return doCut(l);
        held = l;
      } else {
        line(l);
      }
      lines++;
      if (stall && lines === stall.after) return flush().then(() => delay(stall.ms, res));
      return undefined;
    };

    const decoder = new StringDecoder('utf8'); // keeps a character split across chunks whole
    let pending = ''; // the start of a line split across upstream chunks
    for await (const chunk of upRes) {
      if (finished || res.destroyed) break;
      const textChunk = pending + decoder.write(chunk);
      let start = 0;
      for (let nl = textChunk.indexOf('\n'); nl !== -1 && !finished && !res.destroyed; nl = textChunk.indexOf('\n', start)) {
        const wait = emit(textChunk.slice(start, nl));
        start = nl + 1;
        if (wait) await wait;
      }
      if (finished || res.destroyed) break;
      pending = textChunk.slice(start);
      await flush();
    }
    if (finished || res.destroyed) {
      upRes.destroy();
      return;
    }
    pending += decoder.end();
    // ClickHouse ends every line with a newline; a last line without one goes on without one.
    let tail = '';
    if (pending) {
      if (cut || inject) await emit(pending);
      else tail = rekey ? (sortKeys(pending) ?? pending) : pending;
    }
    if (finished || res.destroyed) return;
    if (cut) {
      // Cut the last line; an empty result has none, so send half of '{{': a lone '{'.
      return doCut(held ?? '{{');
    }
    if (inject && inject.after >= 0) {
      out.push(inject.text, '\n');
      rec.injected = true;
    }
    await flush();
    rec.bytes += Buffer.byteLength(tail);
    res.end(tail);
  }

  const server = http.createServer((req, res) => {
    const rec = {
      method: req.method,
      path: req.url,
      sql: null,
      window: null,
      verify: false,
      status: null,
      bytes: 0,
      lines: 0,
      fault: null,
      started: Date.now(),
      ms: null,
      complete: false,
    };
    requests.push(rec);
    res.aeRecord = rec;
    res.on('close', () => {
      rec.status = res.statusCode;
      rec.ms = Date.now() - rec.started;
      rec.complete = res.writableFinished;
    });
    handle(req, res, rec).catch((err) => {
      if (!res.headersSent) text(res, 500, `gateway error: ${err.stack}`);
      else res.destroy(err);
    });
  });
  server.on('connection', (s) => {
    live.add(s);
    s.on('close', () => live.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  const base = `http://127.0.0.1:${port}/client/v4`;

  return {
    url: base,
    sqlUrl: `http://127.0.0.1:${port}${sqlPath}`,
    port,
    requests,
    addFault(spec) {
      if (!['status', 'limit', 'delay', 'cut', 'inject'].includes(spec.type)) throw new Error(`unknown fault type ${spec.type}`);
      if (spec.type === 'limit' && !(spec.maxWindowSeconds > 0)) throw new Error('limit fault needs maxWindowSeconds');
      if (spec.type === 'status' && !(spec.status >= 400)) throw new Error('status fault needs an error status');
      if (spec.type === 'delay' && !(spec.ms >= 0)) throw new Error('delay fault needs ms');
      const f = { ...spec, remaining: spec.times ?? (spec.type === 'limit' ? Infinity : 1), hits: 0 };
      faults.push(f);
      return f;
    },
    clearFaults() {
      faults.length = 0;
    },
    resetRequests() {
      requests.length = 0;
    },
    /** The recorded requests that carried SQL (auth and path failures included). */
    queries() {
      return requests.filter((r) => r.sql !== null);
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of live) s.destroy();
      agent.destroy();
      await closed;
    },
  };
}
