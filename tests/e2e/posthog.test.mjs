// `aesync posthog print` and `aesync posthog link [--dry-run] [--table NAME]` (docs/posthog.md), for a
// config of one table and one of [[tables]], against a PostHog API test double (node:http on a
// loopback port, below) that checks requests the way PostHog does: Bearer personal API key (401
// otherwise), the table name pattern, an http(s) url_pattern of at most 500 characters, the
// required credential fields, duplicate names refused; and that learns a table's columns the way
// PostHog does on create and refresh_schema: by running `DESCRIBE TABLE s3(url, key, secret,
// format)` in chdb, here against the S3 harness (whose proxy verifies chdb's SigV4 signatures),
// storing the columns, and mapping a failure to PostHog's message. A PATCH stores the new
// settings and keeps the columns (TableViewSet.perform_update in PostHog's
// posthog/warehouse/api/table.py sets the fields and saves; only `create` and the
// `refresh_schema` action call table.get_columns()), so a mapping change reaches PostHog only
// through refresh_schema. withoutRefreshSchema() makes the double an older release that has no
// such action. The bucket is filled by `aesync sync` from a file source first.
//
// Lists are paginated as PostHog paginates them: Django REST framework's LimitOffsetPagination
// with PAGE_SIZE 100 (REST_FRAMEWORK in PostHog's posthog/settings/web.py; the view sets of
// posthog/warehouse/api/table.py and view_link.py use that default): `limit` / `offset` query
// parameters, and an answer { count, next, previous, results } whose `next` and `previous` are
// absolute URLs (null at the ends). A personal API key without the scope an endpoint needs gets
// 403 "API key missing required scope '<scope>'" (posthog/permissions.py, APIScopePermission;
// warehouse_table:write for the tables' writes and refresh_schema, warehouse_view:write for the
// saved joins'): forbid() makes the double answer so.
//
// One deliberate difference: PostHog refuses plain-http URLs and private hosts; the S3 harness
// is plain http on 127.0.0.1, so the double accepts http (and says so in its name check).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeDump } from './lib/ae.mjs';
import { scratchDir } from './lib/aesync.mjs';
import { genMachineMetrics } from './lib/gen.mjs';
import { BUILTIN_COLUMNS, CH_TYPES, configToml, tomlString } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { sqlString } from './lib/readers.mjs';
import { startS3Harness } from './lib/s3_harness.mjs';
import { chdbObjectsAsync, runAesyncAsync, s3Destination } from './lib/s3_tools.mjs';

const SEED = seedFromEnv(4242);
const scratch = scratchDir('posthog');
const dump = join(scratch, 'dump.jsonl');
const PROJECT = '1';
const API_KEY = 'phx_' + randomBytes(16).toString('hex');
const WRONG_READ_SECRET = 'wrong/Read+Secret=' + randomBytes(8).toString('hex');


let h; // S3 harness
let ph; // PostHog double
const outputs = []; // every aesync stdout/stderr of this file, searched for secrets at the end

// ------------------------------------------------------------------------------------------
// The PostHog API double.

const NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FORMATS = ['CSV', 'CSVWithNames', 'Parquet', 'JSONEachRow', 'Delta'];

class ApiError extends Error {
  constructor(status, detail, attr = null) {
    super(detail);
    this.status = status;
    this.body =
      status === 400
        ? { type: 'validation_error', code: 'invalid_input', detail, attr }
        : status === 401
          ? { type: 'authentication_error', code: 'not_authenticated', detail, attr: null }
          : status === 403
            ? { type: 'authentication_error', code: 'permission_denied', detail, attr: null }
            : status === 405
              ? { type: 'invalid_request', code: 'method_not_allowed', detail, attr: null }
              : { type: 'invalid_request', code: 'not_found', detail, attr: null };
  }
}

// PostHog's wording for the DESCRIBE failures it recognises; anything else is "Could not get columns".
function describeFailure(text) {
  if (/InvalidAccessKeyId|SignatureDoesNotMatch|Access Key Id you provided does not exist/.test(text))
    return 'The Access Key you provided does not exist';
  if (/AccessDenied|Access Denied/.test(text)) return 'Access was denied when reading the provided file';
  if (/NoSuchKey|specified key does not exist|Cannot extract table structure|no files/i.test(text))
    return "The provided file doesn't exist in the bucket";
  if (/Parquet/.test(text)) return 'The provided file is not in Parquet format';
  return 'Could not get columns';
}

async function startPostHogDouble() {
  const tables = new Map(); // id -> { id, name, format, url_pattern, credential, columns }
  const links = []; // saved joins
  const requests = []; // { method, path, auth, body }
  const faults = []; // { method, status, text, times }: the next `times` such requests fail so
  const forbidden = []; // { method, path (RegExp), scope, times }: answered 403 for that scope
  let refreshSchemaStatus = 0; // 0: refresh_schema exists; 404 or 405: an older release (withoutRefreshSchema)
  let base = ''; // this double's URL, for the absolute `next` / `previous` links

  // DRF's LimitOffsetPagination over `items` (PAGE_SIZE 100), `path` being the list's path.
  function paginate(items, path, query) {
    const limit = query.has('limit') ? Math.max(1, Number(query.get('limit'))) : 100;
    const offset = query.has('offset') ? Math.max(0, Number(query.get('offset'))) : 0;
    const link = (o) => {
      const q = new URLSearchParams(query);
      q.set('limit', String(limit));
      if (o === 0) q.delete('offset');
      else q.set('offset', String(o));
      return `${base}${path}?${q}`;
    };
    return {
      count: items.length,
      next: offset + limit < items.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      results: items.slice(offset, offset + limit),
    };
  }

  async function describeTable(t) {
    const sql = `DESCRIBE TABLE s3(${sqlString(t.url_pattern)}, ${sqlString(t.credential.access_key)}, ${sqlString(
      t.credential.access_secret,
    )}, ${sqlString(t.format)})`;
    let rows;
    try {
      rows = await chdbObjectsAsync(sql);
    } catch (e) {
      ph.describeErrors.push(e.message);
      throw new ApiError(400, describeFailure(e.message));
    }
    // PostHog stores { column: { clickhouse, hogql, valid } }.
    t.columns = Object.fromEntries(rows.map((r) => [r.name, { clickhouse: r.type, hogql: 'field', valid: true }]));
  }

  function validateTable(body, { partial, selfId }) {
    const need = (k) => !partial || body[k] !== undefined;
    if (need('name')) {
      if (typeof body.name !== 'string' || body.name === '') throw new ApiError(400, 'This field is required.', 'name');
      if (!NAME_RE.test(body.name))
        throw new ApiError(400, 'Table names must start with a letter or underscore and contain only alphanumeric characters or underscores.', 'name');
      for (const t of tables.values())
        if (t.name === body.name && t.id !== selfId) throw new ApiError(400, 'A table with this name already exists.', 'name');
    }
    if (need('format') && !FORMATS.includes(body.format))
      throw new ApiError(400, `"${body.format}" is not a valid choice.`, 'format');
    if (need('url_pattern')) {
      if (typeof body.url_pattern !== 'string' || body.url_pattern === '') throw new ApiError(400, 'This field is required.', 'url_pattern');
      if (body.url_pattern.length > 500) throw new ApiError(400, 'Ensure this field has no more than 500 characters.', 'url_pattern');
      // PostHog: https only. Here http too: the S3 harness is plain http on loopback.
      if (!/^https?:\/\//.test(body.url_pattern)) throw new ApiError(400, 'Invalid URL pattern: only http(s) URLs are supported.', 'url_pattern');
    }
    if (need('credential')) {
      const c = body.credential;
      if (!c || typeof c !== 'object') throw new ApiError(400, 'This field is required.', 'credential');
      for (const k of ['access_key', 'access_secret'])
        if (typeof c[k] !== 'string' || c[k] === '') throw new ApiError(400, 'This field is required.', `credential__${k}`);
    }
  }

  const publicTable = (t) => ({
    id: t.id,
    name: t.name,
    format: t.format,
    url_pattern: t.url_pattern,
    credential: { id: t.credentialId, access_key: t.credential.access_key }, // never the secret
    columns: t.columns,
  });

  async function route(method, path, query, body) {
    const m = path.match(/^\/api\/projects\/([^/]+)\/(.*)$/);
    if (!m || m[1] !== PROJECT) throw new ApiError(404, 'Not found.');
    const rest = m[2];
    if (rest === 'warehouse_tables/' && method === 'GET') {
      const search = query.get('search') ?? '';
      const results = [...tables.values()].filter((t) => t.name.includes(search)).map(publicTable);
      return [200, paginate(results, path, query)];
    }
    if (rest === 'warehouse_tables/' && method === 'POST') {
      validateTable(body, { partial: false });
      const t = {
        id: randomUUID(),
        credentialId: randomUUID(),
        name: body.name,
        format: body.format,
        url_pattern: body.url_pattern,
        credential: { ...body.credential },
      };
      await describeTable(t);
      tables.set(t.id, t);
      return [201, publicTable(t)];
    }
    let tm = rest.match(/^warehouse_tables\/([^/]+)\/(refresh_schema\/)?$/);
    if (tm) {
      const t = tables.get(tm[1]);
      if (!t) throw new ApiError(404, 'Not found.');
      if (tm[2] && method === 'POST') {
        // An older release: Django resolves no route for the action (404 "Not found."), or one
        // that routes the path refuses the method (DRF's MethodNotAllowed, rest_framework/exceptions.py:
        // 405 'Method "POST" not allowed.').
        if (refreshSchemaStatus === 404) throw new ApiError(404, 'Not found.');
        if (refreshSchemaStatus === 405) throw new ApiError(405, `Method "${method}" not allowed.`);
        // TableViewSet.refresh_schema: table.columns = table.get_columns(); save; an empty 200.
        await describeTable(t);
        return [200, null];
      }
      if (!tm[2] && method === 'GET') return [200, publicTable(t)];
      if (!tm[2] && method === 'PATCH') {
        // TableViewSet.perform_update: the new fields and credential are saved, the stored
        // columns kept (no DESCRIBE).
        validateTable(body, { partial: true, selfId: t.id });
        const next = { ...t, ...body, credential: body.credential ? { ...body.credential } : t.credential };
        tables.set(t.id, next);
        return [200, publicTable(next)];
      }
    }
    if (rest === 'warehouse_view_links/' && method === 'GET') return [200, paginate(links, path, query)];
    if (rest === 'warehouse_view_links/' && method === 'POST') {
      for (const k of ['source_table_name', 'source_table_key', 'joining_table_name', 'joining_table_key', 'field_name'])
        if (typeof body[k] !== 'string' || body[k] === '') throw new ApiError(400, 'This field is required.', k);
      const known = (n) => n === 'events' || [...tables.values()].some((t) => t.name === n);
      if (!known(body.source_table_name)) throw new ApiError(400, `Invalid table: ${body.source_table_name}`, 'source_table_name');
      if (!known(body.joining_table_name)) throw new ApiError(400, `Invalid table: ${body.joining_table_name}`, 'joining_table_name');
      if (body.field_name.includes('.')) throw new ApiError(400, 'Field name must not contain a period: "."', 'field_name');
      if (links.some((l) => l.source_table_name === body.source_table_name && l.field_name === body.field_name))
        throw new ApiError(400, 'Field name already exists.', 'field_name');
      const l = { id: randomUUID(), ...body };
      links.push(l);
      return [201, l];
    }
    throw new ApiError(404, 'Not found.');
  }

  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://x');
    const entry = { method: req.method, path: url.pathname, search: url.search, auth: req.headers.authorization, body: text };
    requests.push(entry);
    let status;
    let out;
    try {
      const fault = faults.find((f) => f.method === req.method && f.times > 0);
      if (fault) {
        fault.times -= 1;
        entry.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'text/html' });
        res.end(fault.text);
        return;
      }
      if (req.headers.authorization === undefined) throw new ApiError(401, 'Authentication credentials were not provided.');
      if (req.headers.authorization !== `Bearer ${API_KEY}`) throw new ApiError(401, 'Invalid personal API key.');
      const denied = forbidden.find((f) => f.method === req.method && f.path.test(url.pathname) && f.times > 0);
      if (denied) {
        denied.times -= 1;
        throw new ApiError(403, `API key missing required scope '${denied.scope}'`);
      }
      let body = null;
      if (text !== '') {
        if (!/^application\/json/.test(req.headers['content-type'] ?? '')) throw new ApiError(415, 'Unsupported media type.');
        body = JSON.parse(text);
      }
      [status, out] = await route(req.method, url.pathname, url.searchParams, body);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      [status, out] = [e.status, e.body];
    }
    entry.status = status;
    const payload = out === null ? '' : JSON.stringify(out);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  return {
    host: base,
    tables,
    links,
    requests,
    describeErrors: [],
    /** The next `times` requests of `method` answer `status` with the body `text`. */
    fail(method, status, text, times) {
      faults.push({ method, status, text, times });
    },
    /** The next `times` requests of `method` to a path matching `path` lack the API key scope `scope`: 403. */
    forbid(method, path, scope, times = 1) {
      forbidden.push({ method, path, scope, times });
    },
    /** Until called again with 0: an older PostHog whose refresh_schema answers `status` (404 or 405). */
    withoutRefreshSchema(status) {
      refreshSchemaStatus = status;
    },
    since(from) {
      return requests.slice(from).map((r) => `${r.method} ${r.path}${r.search} ${r.status}`);
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

// ------------------------------------------------------------------------------------------

function writeConfig(name, posthog = {}) {
  const path = join(scratch, name);
  const tables = {
    source: { type: 'file', path: dump },
    destination: s3Destination(h),
    sync: { retention_days: 3650 }, // the dump's days are fixed dates in 2026: kept in scope (sync skips days prune would delete)
  };
  if (posthog)
    tables.posthog = {
      host: ph.host,
      project_id: PROJECT,
      api_key: '${E2E_PH_KEY}',
      table: 'machine_metrics',
      // The harness knows one key pair: PostHog gets the same one (a read-only token in production).
      read_access_key_id: '${E2E_S3_KEY_ID}',
      read_secret_access_key: '${E2E_S3_SECRET}',
      ...posthog,
    };
  writeFileSync(path, configToml({ tables }));
  return path;
}

async function aesync(args, env = {}) {
  const from = ph.requests.length;
  const res = await runAesyncAsync(args, {
    cwd: scratch,
    env: { E2E_S3_KEY_ID: h.accessKeyId, E2E_S3_SECRET: h.secretAccessKey, E2E_PH_KEY: API_KEY, ...env },
  });
  outputs.push(res.stdout, res.stderr);
  return { ...res, reqs: ph.since(from) };
}

function assertOk(res, what) {
  assert.equal(res.code, 0, `${what}: exit ${res.code ?? res.signal}\nstdout: ${res.stdout}\nstderr: ${res.stderr.slice(0, 4000)}`);
}

const urlPattern = () => `${h.endpoint}/${h.bucket}/machine_metrics/*/data.parquet`;
const api = `/api/projects/${PROJECT}`;
const columnsOf = (t) => Object.entries(t.columns).map(([name, c]) => [name, c.clickhouse]);

let joinConfig;

before(async () => {
  h = await startS3Harness({ bucket: 'aesync-posthog-e2e' });
  ph = await startPostHogDouble();
  writeDump(dump, genMachineMetrics(new Rng(SEED), { rows: 600, days: 2, startDay: '2026-02-01' }));
  joinConfig = writeConfig('join.toml', { join_events_on: 'properties.machine_id' });
  assertOk(await aesync(['sync', '-c', joinConfig]), 'sync to s3');
  assert.deepEqual(await h.listKeys('machine_metrics/'), [
    'machine_metrics/2026-02-01/_manifest.json',
    'machine_metrics/2026-02-01/data.parquet',
    'machine_metrics/2026-02-02/_manifest.json',
    'machine_metrics/2026-02-02/data.parquet',
  ]);
});

after(async () => {
  await ph?.close();
  await h?.close();
});

test(`posthog print: the source settings and the UI steps, secret masked (seed=${SEED})`, async () => {
  const res = await aesync(['posthog', 'print', '-c', joinConfig]);
  assertOk(res, 'posthog print');
  assert.equal(
    res.stdout,
    [
      'PostHog data warehouse source for this config:',
      '  table name:        machine_metrics',
      `  files URL pattern: ${urlPattern()}`,
      '  format:            Parquet',
      `  access key:        ${h.accessKeyId}  (posthog.read_access_key_id)`,
      '  access secret:     ***  (posthog.read_secret_access_key, the read-only pair)',
      '',
      `In PostHog (project 1 at ${ph.host}):`,
      '  1. Data warehouse -> New source -> Self-managed -> Amazon S3',
      '  2. Table name: machine_metrics',
      `  3. Files URL pattern: ${urlPattern()}`,
      '  4. File format: Parquet',
      `  5. Access key: ${h.accessKeyId}; secret: the value of posthog.read_secret_access_key`,
      '  6. Link: PostHog reads the files once to learn the columns',
      '  7. Data warehouse -> machine_metrics -> Add join: events.properties.machine_id = machine_metrics.machine_id',
      "Or run `aesync posthog link` to do this through PostHog's API.",
      `note: PostHog accepts only https URLs on a public host; ${h.endpoint} is not one`,
      '',
    ].join('\n'),
  );
  assert.deepEqual(res.reqs, []);
});

test('posthog link --dry-run: shows every request with secrets masked and sends nothing', async () => {
  const res = await aesync(['posthog', 'link', '--dry-run', '-c', joinConfig]);
  assertOk(res, 'posthog link --dry-run');
  assert.deepEqual(res.reqs, []);
  const body = JSON.stringify({
    name: 'machine_metrics',
    format: 'Parquet',
    url_pattern: urlPattern(),
    credential: { access_key: h.accessKeyId, access_secret: '***' },
  });
  const link = JSON.stringify({
    source_table_name: 'events',
    source_table_key: 'properties.machine_id',
    joining_table_name: 'machine_metrics',
    joining_table_key: 'machine_id',
    field_name: 'machine_metrics',
  });
  const t = `${ph.host}${api}/warehouse_tables/`;
  const auth = '  Authorization: Bearer ***';
  const ct = '  Content-Type: application/json';
  assert.equal(
    res.stdout,
    [
      'dry run: nothing is sent; `aesync posthog link` would make these requests:',
      `GET ${t}?search=machine_metrics   (find the table by name)`,
      auth,
      `POST ${t}   (when no table named machine_metrics exists)`,
      auth,
      ct,
      `  ${body}`,
      `PATCH ${t}<table id>/   (when it exists)`,
      auth,
      ct,
      `  ${body}`,
      `POST ${t}<table id>/refresh_schema/`,
      auth,
      `GET ${ph.host}${api}/warehouse_view_links/   (find the saved join)`,
      auth,
      `POST ${ph.host}${api}/warehouse_view_links/   (when that saved join does not exist)`,
      auth,
      ct,
      `  ${link}`,
      '',
    ].join('\n'),
  );
  for (const s of [API_KEY, h.secretAccessKey]) assert.ok(!res.stdout.includes(s) && !res.stderr.includes(s));
});

test('posthog link: creates the table with the columns DESCRIBE finds, refreshes it, creates the saved join', async () => {
  const res = await aesync(['posthog', 'link', '-c', joinConfig]);
  assertOk(res, 'posthog link');
  assert.equal(ph.tables.size, 1);
  const [t] = ph.tables.values();
  assert.equal(
    res.stdout,
    [
      `created warehouse table machine_metrics (id ${t.id})`,
      'refreshed schema: 15 columns',
      'created saved join events.properties.machine_id = machine_metrics.machine_id',
      '',
    ].join('\n'),
  );
  assert.deepEqual(res.reqs, [
    `GET ${api}/warehouse_tables/?search=machine_metrics 200`,
    `POST ${api}/warehouse_tables/ 201`,
    `POST ${api}/warehouse_tables/${t.id}/refresh_schema/ 200`,
    `GET ${api}/warehouse_tables/${t.id}/ 200`,
    `GET ${api}/warehouse_view_links/ 200`,
    `POST ${api}/warehouse_view_links/ 201`,
  ]);
  assert.equal(t.name, 'machine_metrics');
  assert.equal(t.format, 'Parquet');
  assert.equal(t.url_pattern, urlPattern());
  assert.deepEqual(t.credential, { access_key: h.accessKeyId, access_secret: h.secretAccessKey });
  assert.deepEqual(columnsOf(t), CH_TYPES);
  assert.deepEqual(
    ph.links.map(({ id, ...l }) => l),
    [
      {
        source_table_name: 'events',
        source_table_key: 'properties.machine_id',
        joining_table_name: 'machine_metrics',
        joining_table_key: 'machine_id',
        field_name: 'machine_metrics',
      },
    ],
  );
  // The table reads as PostHog's queries would read it: every row of both days.
  const [{ n }] = await chdbObjectsAsync(
    `SELECT count() AS n FROM s3(${sqlString(t.url_pattern)}, ${sqlString(h.accessKeyId)}, ${sqlString(h.secretAccessKey)}, 'Parquet')`,
  );
  assert.equal(Number(n), 600);
});

test('posthog link again: finds the table and updates it (PATCH), keeps the one saved join', async () => {
  const [before] = ph.tables.values();
  const res = await aesync(['posthog', 'link', '-c', joinConfig]);
  assertOk(res, 'second posthog link');
  assert.equal(
    res.stdout,
    [
      `updated warehouse table machine_metrics (id ${before.id})`,
      'refreshed schema: 15 columns',
      'saved join events.properties.machine_id = machine_metrics.machine_id already exists',
      '',
    ].join('\n'),
  );
  assert.deepEqual(res.reqs, [
    `GET ${api}/warehouse_tables/?search=machine_metrics 200`,
    `PATCH ${api}/warehouse_tables/${before.id}/ 200`,
    `POST ${api}/warehouse_tables/${before.id}/refresh_schema/ 200`,
    `GET ${api}/warehouse_tables/${before.id}/ 200`,
    `GET ${api}/warehouse_view_links/ 200`,
  ]);
  assert.equal(ph.tables.size, 1);
  assert.deepEqual(columnsOf(ph.tables.get(before.id)), CH_TYPES);
  assert.equal(ph.links.length, 1);
  // What a second POST (instead of the PATCH) would have met:
  const dup = await fetch(`${ph.host}${api}/warehouse_tables/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'machine_metrics', format: 'Parquet', url_pattern: urlPattern(), credential: { access_key: 'a', access_secret: 'b' } }),
  });
  assert.equal(dup.status, 400);
  assert.equal((await dup.json()).detail, 'A table with this name already exists.');
});

test('posthog link pages through the saved joins (100 per page): ours on page 2 is found, not duplicated; absent from all 3 pages, it is created', async () => {
  const t = [...ph.tables.values()].find((x) => x.name === 'machine_metrics');
  const ours = ph.links.splice(0);
  assert.equal(ours.length, 1);
  const other = (i) => ({
    id: randomUUID(),
    source_table_name: 'events',
    source_table_key: `properties.key_${i}`,
    joining_table_name: 'machine_metrics',
    joining_table_key: 'machine_id',
    field_name: `other_join_${i}`,
  });
  // 150 others, ours (index 150: the second page), 60 more: three pages.
  ph.links.push(...Array.from({ length: 150 }, (_, i) => other(i)), ...ours, ...Array.from({ length: 60 }, (_, i) => other(150 + i)));
  const head = [
    `GET ${api}/warehouse_tables/?search=machine_metrics 200`,
    `PATCH ${api}/warehouse_tables/${t.id}/ 200`,
    `POST ${api}/warehouse_tables/${t.id}/refresh_schema/ 200`,
    `GET ${api}/warehouse_tables/${t.id}/ 200`,
  ];
  try {
    const found = await aesync(['posthog', 'link', '-c', joinConfig]);
    assertOk(found, 'posthog link (join on page 2)');
    assert.equal(
      found.stdout,
      [
        `updated warehouse table machine_metrics (id ${t.id})`,
        'refreshed schema: 15 columns',
        'saved join events.properties.machine_id = machine_metrics.machine_id already exists',
        '',
      ].join('\n'),
    );
    // It stops at the page holding the join.
    assert.deepEqual(found.reqs, [...head, `GET ${api}/warehouse_view_links/ 200`, `GET ${api}/warehouse_view_links/?limit=100&offset=100 200`]);
    assert.equal(ph.links.length, 211);

    // Not on any page: every page is read, then the join is created once.
    ph.links.splice(150, 1);
    const created = await aesync(['posthog', 'link', '-c', joinConfig]);
    assertOk(created, 'posthog link (join on no page)');
    assert.equal(created.stdout.split('\n')[2], 'created saved join events.properties.machine_id = machine_metrics.machine_id');
    assert.deepEqual(created.reqs, [
      ...head,
      `GET ${api}/warehouse_view_links/ 200`,
      `GET ${api}/warehouse_view_links/?limit=100&offset=100 200`,
      `GET ${api}/warehouse_view_links/?limit=100&offset=200 200`,
      `POST ${api}/warehouse_view_links/ 201`,
    ]);
    assert.equal(ph.links.filter((l) => l.field_name === 'machine_metrics').length, 1);
  } finally {
    // Back to the one saved join of ours.
    ph.links.splice(0, ph.links.length, ...ph.links.filter((l) => l.field_name === 'machine_metrics'));
  }
  assert.equal(ph.links.length, 1);
});

test('posthog link: a 403 on refresh_schema (the key lacks warehouse_table:write) is a warning saying what to do, exit 0', async () => {
  const t = [...ph.tables.values()].find((x) => x.name === 'machine_metrics');
  ph.forbid('POST', /\/refresh_schema\/$/, 'warehouse_table:write');
  const res = await aesync(['--log-format', 'text', 'posthog', 'link', '-c', joinConfig]);
  assertOk(res, 'posthog link (refresh_schema forbidden)');
  assert.equal(
    res.stdout,
    [
      `updated warehouse table machine_metrics (id ${t.id})`,
      'saved join events.properties.machine_id = machine_metrics.machine_id already exists',
      '',
    ].join('\n'),
  );
  assert.equal(
    res.stderr,
    `warn: posthog: POST ${api}/warehouse_tables/${t.id}/refresh_schema/: HTTP 403: API key missing required scope ` +
      "'warehouse_table:write'; the schema of machine_metrics was not refreshed: give the API key the scope " +
      'warehouse_table:write, or in PostHog open Data warehouse -> machine_metrics and update its schema\n',
  );
  // A 403 is not retried.
  assert.deepEqual(res.reqs, [
    `GET ${api}/warehouse_tables/?search=machine_metrics 200`,
    `PATCH ${api}/warehouse_tables/${t.id}/ 200`,
    `POST ${api}/warehouse_tables/${t.id}/refresh_schema/ 403`,
    `GET ${api}/warehouse_view_links/ 200`,
  ]);
});

test('posthog link: a 403 from the saved joins (older self-hosted PostHog, or no warehouse_view:write) is a warning, exit 0', async () => {
  const t = [...ph.tables.values()].find((x) => x.name === 'machine_metrics');
  ph.forbid('GET', /\/warehouse_view_links\/$/, 'warehouse_view:write');
  const res = await aesync(['--log-format', 'text', 'posthog', 'link', '-c', joinConfig]);
  assertOk(res, 'posthog link (saved joins forbidden)');
  assert.equal(res.stdout, `updated warehouse table machine_metrics (id ${t.id})\nrefreshed schema: 15 columns\n`);
  assert.equal(
    res.stderr,
    `warn: posthog: GET ${api}/warehouse_view_links/: HTTP 403: API key missing required scope 'warehouse_view:write'; ` +
      'the saved join was not made: give the API key the scope warehouse_view:write (an older self-hosted PostHog ' +
      'refuses saved joins through the API), or in PostHog open Data warehouse -> machine_metrics -> Add join: ' +
      'events.properties.machine_id = machine_metrics.machine_id\n',
  );
  assert.deepEqual(res.reqs.slice(-1), [`GET ${api}/warehouse_view_links/ 403`]);
  assert.equal(ph.links.length, 1);
});

test('posthog link without join_events_on: table only, no saved-join requests', async () => {
  const config = writeConfig('plain.toml', { table: 'machine_metrics_plain' });
  const res = await aesync(['posthog', 'link', '-c', config]);
  assertOk(res, 'posthog link (no join)');
  const t = [...ph.tables.values()].find((x) => x.name === 'machine_metrics_plain');
  assert.equal(res.stdout, `created warehouse table machine_metrics_plain (id ${t.id})\nrefreshed schema: 15 columns\n`);
  assert.deepEqual(res.reqs, [
    `GET ${api}/warehouse_tables/?search=machine_metrics_plain 200`,
    `POST ${api}/warehouse_tables/ 201`,
    `POST ${api}/warehouse_tables/${t.id}/refresh_schema/ 200`,
    `GET ${api}/warehouse_tables/${t.id}/ 200`,
  ]);
});

test('posthog link with a wrong read secret: PostHog\'s error text as PostHog wrote it, exit 1', async () => {
  const config = writeConfig('bad-secret.toml', { table: 'machine_metrics_bad', read_secret_access_key: '${E2E_BAD_SECRET}' });
  const errorsBefore = ph.describeErrors.length;
  const res = await aesync(['posthog', 'link', '-c', config], { E2E_BAD_SECRET: WRONG_READ_SECRET });
  assert.equal(res.code, 1, res.stderr);
  assert.equal(res.stdout, '');
  assert.equal(
    res.stderr,
    `aesync: error: posthog: POST ${api}/warehouse_tables/: HTTP 400: The Access Key you provided does not exist\n`,
  );
  // chdb's own failure, which the double mapped as PostHog does: the proxy refused the signature.
  assert.match(ph.describeErrors.slice(errorsBefore).join('\n'), /SignatureDoesNotMatch/);
  assert.ok(![...ph.tables.values()].some((t) => t.name === 'machine_metrics_bad'));
  assert.ok(!res.stderr.includes(WRONG_READ_SECRET));
});

test('posthog link with a wrong API key: 401 with PostHog\'s detail, exit 1, nothing created', async () => {
  const count = ph.tables.size;
  const res = await aesync(['posthog', 'link', '-c', joinConfig], { E2E_PH_KEY: 'phx_not_the_key' });
  assert.equal(res.code, 1);
  assert.equal(
    res.stderr,
    `aesync: error: posthog: GET ${api}/warehouse_tables/?search=machine_metrics: HTTP 401: Invalid personal API key.\n`,
  );
  assert.equal(ph.tables.size, count);
});

test('check: the PostHog line says the table is linked; a wrong API key makes it FAIL with PostHog\'s words', async () => {
  const ok = await aesync(['check', '-c', joinConfig]);
  assertOk(ok, 'check');
  const lines = ok.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.deepEqual(lines.map((l) => l.slice(0, 17)), ['ok    config     ', 'ok    source     ', 'ok    destination', 'ok    posthog    ']);
  assert.equal(lines[3], `ok    posthog      ${ph.host}: project ${PROJECT}, table machine_metrics is linked`);
  assert.deepEqual(ok.reqs, [`GET ${api}/warehouse_tables/?search=machine_metrics 200`]);

  const bad = await aesync(['check', '-c', joinConfig], { E2E_PH_KEY: 'phx_not_the_key' });
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stdout.trimEnd().split('\n')[3],
    `FAIL  posthog      posthog: GET ${api}/warehouse_tables/?search=machine_metrics: HTTP 401: Invalid personal API key.`,
  );
});

test('posthog link retries 429/5xx answers, then succeeds', async () => {
  const config = writeConfig('retry.toml', { table: 'machine_metrics_retry' });
  ph.fail('GET', 503, 'upstream busy', 2);
  ph.fail('POST', 429, '', 1);
  const res = await aesync(['posthog', 'link', '-c', config]);
  assertOk(res, 'posthog link with retries');
  const t = [...ph.tables.values()].find((x) => x.name === 'machine_metrics_retry');
  assert.deepEqual(res.reqs, [
    `GET ${api}/warehouse_tables/?search=machine_metrics_retry 503`,
    `GET ${api}/warehouse_tables/?search=machine_metrics_retry 503`,
    `GET ${api}/warehouse_tables/?search=machine_metrics_retry 200`,
    `POST ${api}/warehouse_tables/ 429`,
    `POST ${api}/warehouse_tables/ 201`,
    `POST ${api}/warehouse_tables/${t.id}/refresh_schema/ 200`,
    `GET ${api}/warehouse_tables/${t.id}/ 200`,
  ]);
});

test('posthog link gives up after 6 retries: the last answer\'s raw text (not JSON), trimmed', async () => {
  const config = writeConfig('down.toml', { table: 'machine_metrics_down' });
  ph.fail('GET', 502, '  <html>Bad Gateway</html>\n', 7);
  const res = await aesync(['posthog', 'link', '-c', config]);
  assert.equal(res.code, 1);
  assert.equal(res.reqs.length, 7);
  assert.equal(
    res.stderr.split('\n').filter((l) => l.startsWith('aesync: error:')).join('\n'),
    `aesync: error: posthog: GET ${api}/warehouse_tables/?search=machine_metrics_down: failed after 7 attempts: HTTP 502: <html>Bad Gateway</html>`,
  );
});

test('posthog without a [posthog] table: a configuration error, exit 2', async () => {
  const config = writeConfig('no-posthog.toml', null);
  for (const args of [['posthog', 'print'], ['posthog', 'link'], ['posthog', 'link', '--dry-run']]) {
    const res = await aesync([...args, '-c', config]);
    assert.equal(res.code, 2, args.join(' '));
    assert.equal(res.stdout, '');
    assert.equal(res.stderr, `aesync: error: posthog.* is not configured: add a [posthog] table to ${config}\n`);
  }
});

test('posthog with a local destination: a configuration error, exit 2', async () => {
  const config = join(scratch, 'local.toml');
  writeFileSync(
    config,
    configToml({
      tables: {
        destination: { type: 'local', path: join(scratch, 'exports') },
        posthog: { host: ph.host, project_id: PROJECT, api_key: '${E2E_PH_KEY}', read_access_key_id: '${E2E_S3_KEY_ID}', read_secret_access_key: '${E2E_S3_SECRET}' },
      },
    }),
  );
  const res = await aesync(['posthog', 'link', '-c', config]);
  assert.equal(res.code, 2);
  assert.equal(
    res.stderr,
    `aesync: error: posthog: destination.type = "local" in ${config}: PostHog reads the files from R2 or S3, use an r2 or s3 destination\n`,
  );
  assert.deepEqual(res.reqs, []);
});

// ------------------------------------------------------------------------------------------
// [[tables]]: two tables, each its own prefix, columns and (for one) saved join.

// Built-in columns by name; a { name, from, type } entry as it is.
const cols = (...names) => names.map((n) => (typeof n === 'string' ? BUILTIN_COLUMNS.find((c) => c.name === n) : n));
const CH_TYPE_OF = Object.fromEntries(CH_TYPES);
// What DESCRIBE shows for `columns` (value2 taken from _sample_interval: Int64).
const describeOf = (columns) => columns.map((c) => [c.name, c.type === 'int64' ? 'Int64' : CH_TYPE_OF[c.name]]);

// The tables of tables.toml, their columns changed by each test that changes the mapping.
const TABLES = [
  { name: 'metrics_a', join_events_on: 'properties.machine_id', columns: cols('timestamp', 'machine_id', 'metric_type', 'value1') },
  { name: 'metrics_b', columns: cols('timestamp', 'machine_id', 'org_id', { name: 'value2', from: '_sample_interval', type: 'int64' }) },
];
let tablesConfig;

function writeTablesConfig() {
  const { prefix, ...destination } = s3Destination(h); // [[tables]] refuses destination.prefix
  const lines = [
    configToml({
      tables: {
        source: { type: 'file', path: dump },
        destination,
        sync: { retention_days: 3650 }, // the dump's days are fixed dates in 2026: kept in scope (sync skips days prune would delete)
        posthog: {
          host: ph.host,
          project_id: PROJECT,
          api_key: '${E2E_PH_KEY}',
          read_access_key_id: '${E2E_S3_KEY_ID}',
          read_secret_access_key: '${E2E_S3_SECRET}',
        },
      },
    }),
  ];
  for (const t of TABLES) {
    lines.push('[[tables]]', `name = ${tomlString(t.name)}`);
    if (t.join_events_on) lines.push(`join_events_on = ${tomlString(t.join_events_on)}`);
    for (const c of t.columns)
      lines.push('', '[[tables.columns]]', `name = ${tomlString(c.name)}`, `from = ${tomlString(c.from)}`, `type = ${tomlString(c.type)}`);
    lines.push('');
  }
  tablesConfig = join(scratch, 'tables.toml');
  writeFileSync(tablesConfig, lines.join('\n'));
}

// Exports each table's days as `sync` of tables.toml does (its prefix = its name, its columns),
// through a config of that one table; --force rewrites the days after a mapping change.
async function exportTables() {
  for (const t of TABLES) {
    const config = join(scratch, `export-${t.name}.toml`);
    writeFileSync(config, configToml({ tables: { source: { type: 'file', path: dump }, destination: s3Destination(h, { prefix: t.name }), sync: { retention_days: 3650 } }, columns: t.columns }));
    assertOk(await aesync(['sync', '--force', '-c', config]), `sync ${t.name}`);
  }
  writeTablesConfig();
}

const tableNamed = (name) => [...ph.tables.values()].find((x) => x.name === name);
const tablesUrl = (name) => `${h.endpoint}/${h.bucket}/${name}/*/data.parquet`;

test('posthog print with [[tables]]: each table with its own URL pattern and join; --table prints one; an unknown --table is a usage error', async () => {
  await exportTables();
  assert.deepEqual(await h.listKeys('metrics_b/'), [
    'metrics_b/2026-02-01/_manifest.json',
    'metrics_b/2026-02-01/data.parquet',
    'metrics_b/2026-02-02/_manifest.json',
    'metrics_b/2026-02-02/data.parquet',
  ]);
  const block = (name, join) => [
    `PostHog data warehouse source for table ${name}:`,
    `  table name:        ${name}`,
    `  files URL pattern: ${tablesUrl(name)}`,
    '  format:            Parquet',
    `  access key:        ${h.accessKeyId}  (posthog.read_access_key_id)`,
    '  access secret:     ***  (posthog.read_secret_access_key, the read-only pair)',
    '',
    `In PostHog (project 1 at ${ph.host}):`,
    '  1. Data warehouse -> New source -> Self-managed -> Amazon S3',
    `  2. Table name: ${name}`,
    `  3. Files URL pattern: ${tablesUrl(name)}`,
    '  4. File format: Parquet',
    `  5. Access key: ${h.accessKeyId}; secret: the value of posthog.read_secret_access_key`,
    '  6. Link: PostHog reads the files once to learn the columns',
    ...(join ? [`  7. Data warehouse -> ${name} -> Add join: events.properties.machine_id = ${name}.machine_id`] : []),
  ];
  const tail = [
    "Or run `aesync posthog link` to do this through PostHog's API.",
    `note: PostHog accepts only https URLs on a public host; ${h.endpoint} is not one`,
    '',
  ];
  const all = await aesync(['posthog', 'print', '-c', tablesConfig]);
  assertOk(all, 'posthog print (tables)');
  assert.equal(all.stdout, [...block('metrics_a', true), '', ...block('metrics_b', false), ...tail].join('\n'));
  const one = await aesync(['posthog', 'print', '--table', 'metrics_b', '-c', tablesConfig]);
  assertOk(one, 'posthog print --table');
  assert.equal(one.stdout, [...block('metrics_b', false), ...tail].join('\n'));
  for (const args of [['print'], ['link'], ['link', '--dry-run']]) {
    const bad = await aesync(['posthog', ...args, '--table', 'metrics', '-c', tablesConfig]);
    assert.equal(bad.code, 2, args.join(' '));
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, 'aesync: error: --table: no table named "metrics" in the config (its tables: metrics_a, metrics_b)\n');
  }
  assert.deepEqual([...all.reqs, ...one.reqs], []);
});

test('posthog link with [[tables]]: creates both tables with their own columns, the saved join of the one that has join_events_on', async () => {
  const res = await aesync(['posthog', 'link', '-c', tablesConfig]);
  assertOk(res, 'posthog link (tables)');
  const [a, b] = [tableNamed('metrics_a'), tableNamed('metrics_b')];
  assert.equal(
    res.stdout,
    [
      `created warehouse table metrics_a (id ${a.id})`,
      'refreshed schema of metrics_a: 4 columns',
      'created saved join events.properties.machine_id = metrics_a.machine_id',
      `created warehouse table metrics_b (id ${b.id})`,
      'refreshed schema of metrics_b: 4 columns',
      '',
    ].join('\n'),
  );
  assert.equal(res.stderr, '');
  assert.deepEqual(res.reqs, [
    `GET ${api}/warehouse_tables/?search=metrics_a 200`,
    `POST ${api}/warehouse_tables/ 201`,
    `POST ${api}/warehouse_tables/${a.id}/refresh_schema/ 200`,
    `GET ${api}/warehouse_tables/${a.id}/ 200`,
    `GET ${api}/warehouse_view_links/ 200`,
    `POST ${api}/warehouse_view_links/ 201`,
    `GET ${api}/warehouse_tables/?search=metrics_b 200`,
    `POST ${api}/warehouse_tables/ 201`,
    `POST ${api}/warehouse_tables/${b.id}/refresh_schema/ 200`,
    `GET ${api}/warehouse_tables/${b.id}/ 200`,
  ]);
  assert.equal(a.url_pattern, tablesUrl('metrics_a'));
  assert.equal(b.url_pattern, tablesUrl('metrics_b'));
  assert.deepEqual(columnsOf(a), [
    ['timestamp', "DateTime64(3, 'UTC')"],
    ['machine_id', 'String'],
    ['metric_type', 'String'],
    ['value1', 'Float64'],
  ]);
  assert.deepEqual(columnsOf(b), [
    ['timestamp', "DateTime64(3, 'UTC')"],
    ['machine_id', 'String'],
    ['org_id', 'String'],
    ['value2', 'Int64'],
  ]);
  assert.deepEqual(
    ph.links.filter((l) => l.joining_table_name.startsWith('metrics_')).map(({ id, ...l }) => l),
    [
      {
        source_table_name: 'events',
        source_table_key: 'properties.machine_id',
        joining_table_name: 'metrics_a',
        joining_table_key: 'machine_id',
        field_name: 'metrics_a',
      },
    ],
  );
  // check: one line for the tables.
  const check = await aesync(['check', '-c', tablesConfig]);
  assertOk(check, 'check (tables)');
  assert.equal(check.stdout.trimEnd().split('\n')[3], `ok    posthog      ${ph.host}: project ${PROJECT}, tables metrics_a, metrics_b are linked`);
});

test('posthog link after a mapping change: PostHog keeps the old columns until link refreshes the schema of both tables', async () => {
  const [a, b] = [tableNamed('metrics_a'), tableNamed('metrics_b')];
  // metrics_a gains value2; metrics_b's value2 is retyped (Int64 -> Float64) and it gains sample_interval.
  TABLES[0].columns = cols('timestamp', 'machine_id', 'metric_type', 'value1', 'value2');
  TABLES[1].columns = cols('timestamp', 'machine_id', 'org_id', 'value2', 'sample_interval');
  await exportTables();
  // The files changed; PostHog's stored columns did not.
  assert.equal(columnsOf(a).length, 4);
  assert.deepEqual(columnsOf(b).at(-1), ['value2', 'Int64']);

  const res = await aesync(['posthog', 'link', '-c', tablesConfig]);
  assertOk(res, 'posthog link (tables, schema changed)');
  assert.equal(
    res.stdout,
    [
      `updated warehouse table metrics_a (id ${a.id})`,
      'refreshed schema of metrics_a: 5 columns',
      'saved join events.properties.machine_id = metrics_a.machine_id already exists',
      `updated warehouse table metrics_b (id ${b.id})`,
      'refreshed schema of metrics_b: 5 columns',
      '',
    ].join('\n'),
  );
  assert.deepEqual(res.reqs, [
    `GET ${api}/warehouse_tables/?search=metrics_a 200`,
    `PATCH ${api}/warehouse_tables/${a.id}/ 200`,
    `POST ${api}/warehouse_tables/${a.id}/refresh_schema/ 200`,
    `GET ${api}/warehouse_tables/${a.id}/ 200`,
    `GET ${api}/warehouse_view_links/ 200`,
    `GET ${api}/warehouse_tables/?search=metrics_b 200`,
    `PATCH ${api}/warehouse_tables/${b.id}/ 200`,
    `POST ${api}/warehouse_tables/${b.id}/refresh_schema/ 200`,
    `GET ${api}/warehouse_tables/${b.id}/ 200`,
  ]);
  assert.deepEqual(columnsOf(tableNamed('metrics_a')), describeOf(TABLES[0].columns));
  assert.deepEqual(columnsOf(tableNamed('metrics_b')), describeOf(TABLES[1].columns));
  assert.deepEqual(columnsOf(tableNamed('metrics_b')).slice(3), [
    ['value2', 'Float64'],
    ['sample_interval', 'Int64'],
  ]);
  // Updated in place: no second table of either name.
  assert.deepEqual([...ph.tables.values()].map((t) => t.name).filter((n) => n.startsWith('metrics_')), ['metrics_a', 'metrics_b']);
});

test('posthog link against an older PostHog without refresh_schema (405, 404): a warning saying how to refresh, exit 0', async () => {
  const [a, b] = [tableNamed('metrics_a'), tableNamed('metrics_b')];
  TABLES[0].columns = cols('timestamp', 'machine_id', 'metric_type', 'value1', 'value2', 'value3');
  await exportTables();
  const warning = (t, status, detail) =>
    `warn: posthog: POST ${api}/warehouse_tables/${t.id}/refresh_schema/: HTTP ${status}: ${detail}; this PostHog ` +
    `release cannot refresh the schema of ${t.name} through its API, so PostHog may not see columns added or retyped ` +
    `since the table was made: in PostHog open Data warehouse -> ${t.name} -> Update schema from source, or, where ` +
    `that is missing too, delete the table ${t.name} there and run \`aesync posthog link\` again\n`;
  ph.withoutRefreshSchema(405);
  try {
    const res = await aesync(['--log-format', 'text', 'posthog', 'link', '-c', tablesConfig]);
    assertOk(res, 'posthog link (refresh_schema 405)');
    assert.equal(
      res.stdout,
      [
        `updated warehouse table metrics_a (id ${a.id})`,
        'saved join events.properties.machine_id = metrics_a.machine_id already exists',
        `updated warehouse table metrics_b (id ${b.id})`,
        '',
      ].join('\n'),
    );
    assert.equal(res.stderr, warning(a, 405, 'Method "POST" not allowed.') + warning(b, 405, 'Method "POST" not allowed.'));
    // Not retried; nothing else asked.
    assert.deepEqual(res.reqs, [
      `GET ${api}/warehouse_tables/?search=metrics_a 200`,
      `PATCH ${api}/warehouse_tables/${a.id}/ 200`,
      `POST ${api}/warehouse_tables/${a.id}/refresh_schema/ 405`,
      `GET ${api}/warehouse_view_links/ 200`,
      `GET ${api}/warehouse_tables/?search=metrics_b 200`,
      `PATCH ${api}/warehouse_tables/${b.id}/ 200`,
      `POST ${api}/warehouse_tables/${b.id}/refresh_schema/ 405`,
    ]);
    // As the warning says: PostHog still has the columns of before value3.
    assert.deepEqual(columnsOf(tableNamed('metrics_a')), describeOf(TABLES[0].columns.slice(0, 5)));

    // A release with no route for the action at all (404), and --table: that table only.
    ph.withoutRefreshSchema(404);
    const one = await aesync(['--log-format', 'text', 'posthog', 'link', '--table', 'metrics_a', '-c', tablesConfig]);
    assertOk(one, 'posthog link --table (refresh_schema 404)');
    assert.equal(
      one.stdout,
      `updated warehouse table metrics_a (id ${a.id})\nsaved join events.properties.machine_id = metrics_a.machine_id already exists\n`,
    );
    assert.equal(one.stderr, warning(a, 404, 'Not found.'));
    assert.deepEqual(one.reqs, [
      `GET ${api}/warehouse_tables/?search=metrics_a 200`,
      `PATCH ${api}/warehouse_tables/${a.id}/ 200`,
      `POST ${api}/warehouse_tables/${a.id}/refresh_schema/ 404`,
      `GET ${api}/warehouse_view_links/ 200`,
    ]);
  } finally {
    ph.withoutRefreshSchema(0);
  }
  // A current release again: the same link picks value3 up.
  const res = await aesync(['posthog', 'link', '--table', 'metrics_a', '-c', tablesConfig]);
  assertOk(res, 'posthog link --table (refresh_schema back)');
  assert.equal(res.stdout.split('\n')[1], 'refreshed schema of metrics_a: 6 columns');
  assert.deepEqual(columnsOf(tableNamed('metrics_a')), describeOf(TABLES[0].columns));
});

test('no output of this file contains a configured secret', () => {
  for (const secret of [API_KEY, h.secretAccessKey, WRONG_READ_SECRET])
    for (const o of outputs) assert.ok(!o.includes(secret), `a secret leaked into:\n${o}`);
});
