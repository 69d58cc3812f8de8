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
// The real service differs from a plain ClickHouse in documented ways; the gateway models each
// one, all OFF by default (a gateway started without these options answers exactly as above):
//   - read-time sampling (option `sampling`; see SAMPLING below): long or large queries are
//     answered at a lower resolution, raw reads and aggregates each by their own rules;
//   - latency per query (option `latencyMs`);
//   - the per-user rate limit (option `rateLimit`): 429 with Retry-After during a block;
//   - counters of requests by kind (`counts`: histogram / data / count / probe / other, and how
//     many were answered 429), each request's record carrying its `kind`.
// configure({ sampling, latencyMs, rateLimit }) changes them on a running gateway.
//
// Requests are served by this process's event loop: a test must run the client under test
// asynchronously (spawn, not spawnSync), or the gateway cannot answer.
import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import { EventEmitter, once } from 'node:events';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

const MAX_SQL_CHARS = 10_000;
/** The Content-Type of ClickHouse's JSONEachRow answers (the sampled answers send the same). */
const JSON_EACH_ROW_TYPE = 'text/plain; charset=UTF-8';

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

// -----------------------------------------------------------------------------------------------
// Kinds of queries, read-time sampling.

/** The kinds of requests the gateway counts (`counts`), from the SQL (classifyQuery). */
export const QUERY_KINDS = ['histogram', 'data', 'count', 'probe', 'other'];

const GROUP_BY = /\bGROUP\s+BY\b/i;
const COUNT_CALL = /\bcount\s*\(/i;
const BUCKET_OF_TIMESTAMP = /\bintDiv\s*\(\s*toUInt32\s*\(\s*timestamp\s*\)/i;

/**
 * The kind of a query, as the counters and the sampling rules see it:
 *   'histogram'  count() per time bucket: GROUP BY of intDiv(toUInt32(timestamp), N) over a window
 *                (aesync's plan of a day);
 *   'count'      count() over a window (two toDateTime bounds), no GROUP BY (a window's check);
 *   'probe'      count() without a two-bound window (`check`'s probe: timestamp >= since);
 *   'data'       a plain select of AE columns over a window (sortedSelect applies: a raw read);
 *   'other'      anything else (and requests without SQL).
 */
export function classifyQuery(sql) {
  if (typeof sql !== 'string' || sql === '') return 'other';
  const masked = maskQuoted(sql);
  const window = parseWindow(sql);
  if (COUNT_CALL.test(masked)) {
    if (GROUP_BY.test(masked)) return BUCKET_OF_TIMESTAMP.test(masked) && window ? 'histogram' : 'other';
    return window ? 'count' : 'probe';
  }
  if (window && sortedSelect(sql) !== null) return 'data';
  return 'other';
}

// The select list of `sql` split on its top-level commas (null without SELECT ... FROM).
function selectItems(sql) {
  const masked = maskQuoted(sql);
  const head = /^\s*SELECT\s+/i.exec(masked);
  const from = /\bFROM\b/i.exec(masked);
  if (!head || !from || from.index < head[0].length) return null;
  const items = [];
  let depth = 0;
  let start = head[0].length;
  for (let i = start; i < from.index; i++) {
    const c = masked[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      items.push(sql.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(sql.slice(start, from.index).trim());
  return items;
}

/**
 * The aggregate shapes the gateway can answer sampled (the two aesync sends): a select list of
 * only `count()`, `sum(_sample_interval)` and `intDiv(toUInt32(timestamp), N) * N` (the bucket,
 * aliased), each optionally `AS alias`, with GROUP BY exactly when there is a bucket. Returns
 * { items: [{ what: 'count' | 'sum' | 'bucket', key, size? }], grouped } or null for anything else.
 * `key` is the JSON key of the answer (the alias, or ClickHouse's name of the expression).
 */
export function parseAggregate(sql) {
  const list = selectItems(sql);
  if (!list) return null;
  const items = [];
  for (const text of list) {
    const m = /^(.*?)(?:\s+AS\s+([A-Za-z_][A-Za-z0-9_]*))?$/is.exec(text);
    const expr = m[1].replace(/\s+/g, '');
    const alias = m[2];
    let b;
    if (/^count\(\)$/i.test(expr)) items.push({ what: 'count', key: alias ?? 'count()' });
    else if (/^sum\(_sample_interval\)$/i.test(expr)) items.push({ what: 'sum', key: alias ?? 'sum(_sample_interval)' });
    else if ((b = /^intDiv\(toUInt32\(timestamp\),(\d+)\)\*(\d+)$/i.exec(expr)) && b[1] === b[2] && Number(b[1]) > 0 && alias) {
      items.push({ what: 'bucket', key: alias, size: Number(b[1]) });
    } else return null;
  }
  const grouped = GROUP_BY.test(maskQuoted(sql));
  const buckets = items.filter((i) => i.what === 'bucket').length;
  if (buckets > 1 || grouped !== (buckets === 1) || new Set(items.map((i) => i.key)).size !== items.length) return null;
  return { items, grouped };
}

/**
 * The resolution a query is answered at under `rules` (a list of { minSpanSeconds?, minRows?,
 * resolution }): the lowest resolution among the rules it meets (span >= minSpanSeconds, or
 * rows in the span >= minRows), 1 when it meets none. `rows` may be a function (asked only when
 * a rule needs it).
 */
export async function resolutionFor(rules, spanSeconds, rows) {
  let resolution = 1;
  let n;
  for (const r of rules ?? []) {
    let met = r.minSpanSeconds !== undefined && spanSeconds >= r.minSpanSeconds;
    if (!met && r.minRows !== undefined) {
      if (n === undefined) n = typeof rows === 'function' ? await rows() : rows;
      met = n >= r.minRows;
    }
    if (met && r.resolution < resolution) resolution = r.resolution;
  }
  return resolution;
}

/**
 * The gateway's read-time sampler (sum-preserving, so that tests can assert sums exactly; the
 * real service keeps them only in expectation): `rows` ({ ts, weight, ... } in the query's
 * timestamp order) are cut into consecutive groups of `perGroup` (= 1 / resolution) rows; each
 * group yields its first row with the group's total weight. Returns [{ row, weight }].
 */
export function sampleGroups(rows, perGroup) {
  const out = [];
  for (let i = 0; i < rows.length; i += perGroup) {
    let weight = 0;
    const end = Math.min(rows.length, i + perGroup);
    for (let j = i; j < end; j++) weight += rows[j].weight;
    out.push({ row: rows[i], weight });
  }
  return out;
}

// The order rows are sampled in: timestamp, then _sample_interval (so that a raw read and an
// aggregate of the same span cut the same groups), then the row's text (a fixed order of ties).
function sampleOrder(a, b) {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  if (a.weight !== b.weight) return a.weight - b.weight;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

function checkRules(rules, what) {
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules)) throw new Error(`sampling.${what} must be a list of rules`);
  for (const r of rules) {
    const k = Math.round(1 / r.resolution);
    if (!(r.resolution > 0 && r.resolution < 1) || Math.abs(Math.log10(k) - Math.round(Math.log10(k))) > 1e-9) {
      throw new Error(`sampling.${what}: resolution must be 0.1, 0.01, ...: ${r.resolution}`);
    }
    if (r.minSpanSeconds === undefined && r.minRows === undefined) throw new Error(`sampling.${what}: a rule needs minSpanSeconds or minRows`);
  }
  return rules.map((r) => ({ ...r }));
}

function matches(when, info) {
  if (when === undefined || when === null) return true;
  if (typeof when === 'function') return Boolean(when(info));
  if (when.verify !== undefined && when.verify !== info.verify) return false;
  if (when.kind !== undefined && when.kind !== info.kind) return false;
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
 * (a predicate on { sql, window, verify, kind }, or { verify, kind, includes, window: [from, to],
 * overlaps: [from, to] }). One fault per request: the first applicable in the order added.
 *
 * The behaviours of the real service (all off by default; configure() changes them later):
 *
 * SAMPLING, `sampling: { raw: [rule...], aggregate: [rule...] }`, rule = { minSpanSeconds?,
 *   minRows?, resolution } (resolution 0.1, 0.01, ...). Models read-time sampling
 *   (https://developers.cloudflare.com/analytics/analytics-engine/sampling/ : "we sample again
 *   at query time if the query is too complex": a longer time range or more rows gives a lower
 *   resolution; read-sampled rows carry `_sample_interval` multiplied by powers of 10; no single
 *   row is guaranteed to come back; each query picks its own resolution, so a raw read and a
 *   count() of the same window may come back at different resolutions). A query is answered at
 *   the lowest resolution among the rules of its list that it meets (its window's span >=
 *   minSpanSeconds, or the rows in that span >= minRows); `raw` rules apply to raw reads (kind
 *   'data', JSONEachRow), `aggregate` rules to count() and histogram queries (kinds 'count' and
 *   'histogram' in the shapes parseAggregate knows, JSONEachRow). The sampler (sampleGroups):
 *   the span's rows in timestamp order cut into groups of 1/resolution rows, each group answered
 *   by its first row carrying the group's total `_sample_interval` (10x the interval when the
 *   group's intervals are equal), so sums are exact (the real service keeps them in expectation).
 *   A sampled aggregate is the aggregate of the sampled read of its span: count() = the rows a
 *   sampled read of the same span returns, sum(_sample_interval) exact; a histogram bucket counts
 *   (and sums the weights of) the group leaders that fall in it, so buckets add up to the sampled
 *   read's count and the span's exact weight. A sampled answer is computed in memory from the
 *   span's rows (test-sized spans), then sent like any body (the body faults apply to it). The
 *   record gets `resolution` (1 when not sampled) and `spanRows` (when the rules needed it).
 * LATENCY, `latencyMs`: each query's answer waits that long before its headers (recorded as the
 *   record's `latencyMs`). Models the round trip of the real API (a fraction of a second to
 *   seconds per query: https://developers.cloudflare.com/analytics/analytics-engine/sql-api/).
 *   Applied to every authenticated request that is not refused by the rate limit, with the
 *   value configured when the request arrived.
 * RATE LIMIT, `rateLimit: { requests, windowMs, blockMs }` (scaled down from the real 1200
 *   requests per 300 s with a 300 s block). Models the per-user limit of the Cloudflare API
 *   (https://developers.cloudflare.com/fundamentals/api/reference/limits/ : 1200 requests per
 *   five minutes per user, shared by every tool and the dashboard; past it every API call of the
 *   user is refused with 429 for five minutes). Every authenticated request counts, refused ones
 *   too (a sliding window of windowMs); the one that brings the window over `requests` starts a
 *   block of blockMs; during the block every request is answered 429 'Too many requests' with
 *   `Retry-After` = the block's remaining seconds, rounded up (the record's `rateLimited`).
 *   `now` (a function returning ms, default Date.now) is the clock of the limit (tests step it).
 * COUNTERS, always on: `counts` = { histogram, data, count, probe, other, throttled, sampled }:
 *   requests by kind (classifyQuery; every request, refused ones too), how many were answered
 *   429 (the rate limit's and the 429 faults'), how many were answered sampled;
 *   resetCounts() zeroes them. Each record carries its `kind`.
 */
export async function startAeGateway({
  clickhouse,
  accountId,
  token,
  datasets = { machine_metrics: 'machine_metrics' },
  chUser = 'default',
  chPassword = '',
  sampling = null,
  latencyMs = 0,
  rateLimit = null,
  now = Date.now,
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
  const zeroCounts = () => ({ ...Object.fromEntries(QUERY_KINDS.map((k) => [k, 0])), throttled: 0, sampled: 0 });
  const counts = zeroCounts();
  // The behaviours of the real service (see above), set by configure().
  const model = { sampling: { raw: [], aggregate: [] }, latencyMs: 0, rateLimit: null, now };
  const limiter = { times: [], blockedUntil: -Infinity }; // request times within the window, block end
  configure({ sampling, latencyMs, rateLimit });

  function configure(opts) {
    if (opts.sampling !== undefined) {
      const sp = opts.sampling ?? {};
      model.sampling = { raw: checkRules(sp.raw, 'raw'), aggregate: checkRules(sp.aggregate, 'aggregate') };
    }
    if (opts.latencyMs !== undefined) {
      if (!(opts.latencyMs >= 0)) throw new Error(`latencyMs must be >= 0: ${opts.latencyMs}`);
      model.latencyMs = opts.latencyMs;
    }
    if (opts.rateLimit !== undefined) {
      const rl = opts.rateLimit;
      if (rl !== null && !(rl.requests >= 1 && rl.windowMs > 0 && rl.blockMs > 0)) {
        throw new Error('rateLimit needs requests >= 1, windowMs > 0 and blockMs > 0');
      }
      model.rateLimit = rl === null ? null : { ...rl };
      limiter.times = [];
      limiter.blockedUntil = -Infinity;
    }
    if (opts.now !== undefined) model.now = opts.now;
  }

  // The rate limit's verdict on a request arriving now: null (served) or the 429's Retry-After.
  function rateLimited() {
    const rl = model.rateLimit;
    if (!rl) return null;
    const t = model.now();
    while (limiter.times.length && limiter.times[0] <= t - rl.windowMs) limiter.times.shift();
    limiter.times.push(t); // refused requests count too
    if (t < limiter.blockedUntil) return Math.ceil((limiter.blockedUntil - t) / 1000);
    if (limiter.times.length > rl.requests) {
      limiter.blockedUntil = t + rl.blockMs;
      return Math.ceil(rl.blockMs / 1000);
    }
    return null;
  }

  function countKind(rec, kind) {
    rec.kind = kind;
    counts[kind]++;
  }

  function text(res, status, body, headers = {}) {
    const b = body.endsWith('\n') ? body : body + '\n';
    if (status === 429) counts.throttled++;
    if (res.aeRecord) res.aeRecord.bytes += Buffer.byteLength(b);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    res.end(b);
  }

  async function handle(req, res, rec) {
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== sqlPath || req.method !== 'POST') countKind(rec, 'other');
    if (url.pathname !== sqlPath) return text(res, 404, 'Not Found');
    if (req.method !== 'POST') return text(res, 405, 'Method Not Allowed', { Allow: 'POST' });
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const sql = Buffer.concat(chunks).toString('utf8');
    rec.sql = sql;
    const kind = classifyQuery(sql);
    countKind(rec, kind);
    const auth = req.headers.authorization;
    const m = auth && /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) return text(res, 401, 'Authentication error: missing bearer token');
    if (m[1] !== token) return text(res, 403, 'Authentication error: invalid token');
    const retryAfter = rateLimited();
    if (retryAfter !== null) {
      rec.rateLimited = true;
      return text(res, 429, FAULT_BODIES[429], { 'Retry-After': String(retryAfter) });
    }
    if (res.aeLatencyMs > 0) {
      rec.latencyMs = res.aeLatencyMs;
      await delay(res.aeLatencyMs, res);
      if (res.destroyed) return;
    }
    if (sql.length > MAX_SQL_CHARS) return text(res, 400, `query too long: ${sql.length} characters (limit ${MAX_SQL_CHARS})`);
    if (sql.trim() === '') return text(res, 400, 'empty query');

    const info = { sql, window: parseWindow(sql), verify: isVerifyQuery(sql), kind };
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
    if (format === 'JSONEachRow' && info.window && (kind === 'data' || kind === 'count' || kind === 'histogram')) {
      const rules = kind === 'data' ? model.sampling.raw : model.sampling.aggregate;
      const aggregate = kind === 'data' ? null : parseAggregate(rewritten);
      if (rules.length && (kind === 'data' ? sorted !== null : aggregate !== null)) {
        const span = spanOf(rewritten);
        if (span) {
          const resolution = await resolutionFor(rules, info.window.to - info.window.from, async () => {
            rec.spanRows = await spanRows(span);
            return rec.spanRows;
          });
          rec.resolution = resolution;
          if (res.destroyed) return;
          if (resolution < 1) {
            counts.sampled++;
            const perGroup = Math.round(1 / resolution);
            if (kind === 'data') return sampledRead(sorted, perGroup, fault, res, rec);
            return sampledAggregate(span, aggregate, perGroup, fault, res, rec);
          }
        }
      }
    }
    await forward(sorted ?? rewritten, format, fault, res, rec, sorted !== null);
  }

  // The table and WHERE clause of a (dataset-mapped) query: { from, where } or null.
  function spanOf(sql) {
    const masked = maskQuoted(sql);
    const from = /\bFROM\s+([A-Za-z_][A-Za-z0-9_.]*)/i.exec(masked);
    const where = /\bWHERE\b/i.exec(masked);
    if (!from || !where) return null;
    const rest = masked.slice(where.index + 5);
    const end = /\b(GROUP\s+BY|ORDER\s+BY|LIMIT|FORMAT|SETTINGS|HAVING)\b/i.exec(rest);
    return { from: from[1], where: sql.slice(where.index + 5, where.index + 5 + (end ? end.index : rest.length)).trim() };
  }

  // A POST to ClickHouse's HTTP interface (the SQL is its body), denormals quoted as AE does.
  // Emits 'response' and 'error' as an http.ClientRequest does. A request sent on a kept-alive
  // socket that ClickHouse closed meanwhile (its keep_alive_timeout, 3 s,
  // ended as the socket was reused) fails before any response: it is sent again on a new socket,
  // as Node's documentation of request.reusedSocket advises
  // (https://nodejs.org/api/http.html#requestreusedsocket). That race is the harness's own
  // (the gateway's pool), never an answer of AE, so no client ever sees it as a 502.
  function clickhouseRequest(sql) {
    const params = new URLSearchParams({ output_format_json_quote_denormals: '1' });
    const events = new EventEmitter();
    const send = () => {
      const up = http.request({
        host: '127.0.0.1',
        port: clickhouse.httpPort,
        method: 'POST',
        path: '/?' + params,
        agent,
        headers: { 'X-ClickHouse-User': chUser, 'X-ClickHouse-Key': chPassword, 'Content-Type': 'text/plain' },
      });
      events.destroy = () => up.destroy();
      let answered = false;
      up.on('response', (upRes) => {
        answered = true;
        events.emit('response', upRes);
      });
      up.on('error', (err) => {
        if (!answered && up.reusedSocket && err.code === 'ECONNRESET') send();
        else events.emit('error', err);
      });
      up.end(sql);
    };
    send();
    return events;
  }

  // POSTs `sql` to ClickHouse and collects the answer: { status, type, body (Buffer) }.
  function upstream(sql) {
    return new Promise((resolve, reject) => {
      const up = clickhouseRequest(sql);
      up.on('error', reject);
      up.on('response', (upRes) => {
        const chunks = [];
        upRes.on('data', (c) => chunks.push(c));
        upRes.on('error', reject);
        upRes.on('end', () =>
          resolve({ status: upRes.statusCode, type: upRes.headers['content-type'], body: Buffer.concat(chunks) }));
      });
    });
  }

  // ClickHouse's error answer as the gateway gives it (see forward).
  function upstreamError(res, up) {
    const status = up.status === 400 || up.status === 404 ? 400 : 500;
    return text(res, status, up.body.toString('utf8').trim());
  }

  async function spanRows({ from, where }) {
    const up = await upstream(`SELECT count() FROM ${from} WHERE ${where} FORMAT TabSeparated`);
    if (up.status !== 200) throw new Error(`span count: ClickHouse ${up.status}: ${up.body.toString('utf8').trim()}`);
    return Number(up.body.toString('utf8').trim());
  }

  // Sends a sampled answer `body` (JSONEachRow text) as an upstream body would go: the faults
  // that act on a body (cut, inject, a stall after some lines) apply to it alike.
  async function sendSampled(body, type, fault, res, rec) {
    res.writeHead(200, { 'Content-Type': type ?? JSON_EACH_ROW_TYPE });
    await streamBody(Readable.from([Buffer.from(body, 'utf8')]), res, false, fault, rec).catch(() => res.destroy());
  }

  // A raw read at 1/perGroup resolution: the query's own rows (keys already in order: `sorted`
  // is sortedSelect's text), sampled by sampleGroups, each leader's `_sample_interval` replaced
  // by its group's total.
  async function sampledRead(sorted, perGroup, fault, res, rec) {
    const up = await upstream(sorted);
    if (res.destroyed) return;
    if (up.status !== 200) return upstreamError(res, up);
    const text = up.body.toString('utf8');
    const rows = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const members = compactMembers(line) ?? scanMembers(line);
      if (members === null) throw new Error(`sampling: not a JSON object line: ${line.slice(0, 200)}`);
      const keys = members.filter((_, i) => i % 2 === 0);
      const w = keys.indexOf('"_sample_interval"');
      const t = keys.indexOf('"timestamp"');
      rows.push({ members, w, ts: t < 0 ? '' : members[2 * t + 1], weight: w < 0 ? 0 : Number(members[2 * w + 1]), text: line });
    }
    rows.sort(sampleOrder);
    let out = '';
    for (const { row, weight } of sampleGroups(rows, perGroup)) {
      const m = [...row.members];
      if (row.w >= 0) m[2 * row.w + 1] = String(weight);
      let line = '{';
      for (let i = 0; i < m.length; i += 2) line += (i ? ',' : '') + m[i] + ':' + m[i + 1];
      out += line + '}\n';
    }
    return sendSampled(out, up.type, fault, res, rec);
  }

  // count() / sum(_sample_interval) (per bucket for a histogram) of the sampled read of `span`:
  // the span's (timestamp, _sample_interval) cut into the same groups as sampledRead's.
  async function sampledAggregate(span, aggregate, perGroup, fault, res, rec) {
    const up = await upstream(
      `SELECT toUInt32(timestamp) AS t, _sample_interval AS w FROM ${span.from} WHERE ${span.where} FORMAT TabSeparated`,
    );
    if (res.destroyed) return;
    if (up.status !== 200) return upstreamError(res, up);
    const rows = [];
    for (const line of up.body.toString('utf8').split('\n')) {
      if (line === '') continue;
      const [t, w] = line.split('\t').map(Number);
      rows.push({ ts: t, weight: w, text: '' });
    }
    rows.sort(sampleOrder);
    const groups = sampleGroups(rows, perGroup);
    const bucket = aggregate.items.find((i) => i.what === 'bucket');
    const answers = []; // [{ start, rows, weight }] in bucket order (one without buckets)
    if (bucket) {
      for (const { row, weight } of groups) {
        const start = Math.floor(row.ts / bucket.size) * bucket.size;
        if (!answers.length || answers.at(-1).start !== start) answers.push({ start, rows: 0, weight: 0 });
        answers.at(-1).rows++;
        answers.at(-1).weight += weight;
      }
    } else {
      answers.push({ start: null, rows: groups.length, weight: groups.reduce((a, g) => a + g.weight, 0) });
    }
    // Keys in alphabetical order, 64-bit integers quoted: as ClickHouse's answer through forward().
    const items = [...aggregate.items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let out = '';
    for (const a of answers) {
      const value = (i) => (i.what === 'count' ? a.rows : i.what === 'sum' ? a.weight : a.start);
      out += '{' + items.map((i) => `${JSON.stringify(i.key)}:"${value(i)}"`).join(',') + '}\n';
    }
    return sendSampled(out, JSON_EACH_ROW_TYPE, fault, res, rec);
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
      const up = clickhouseRequest(sql);
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
      kind: 'other',
      resolution: 1,
      latencyMs: 0,
      rateLimited: false,
      started: Date.now(),
      ms: null,
      complete: false,
    };
    requests.push(rec);
    res.aeRecord = rec;
    res.aeLatencyMs = model.latencyMs; // as configured when the request arrived
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
    /** Requests by kind, 429 answers and sampled answers (see COUNTERS above); live. */
    counts,
    resetCounts() {
      Object.assign(counts, zeroCounts());
    },
    /** Changes sampling / latencyMs / rateLimit / now (null turns one off; undefined keeps it). */
    configure,
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
