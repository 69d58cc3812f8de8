// [[tables]] for the AE sync tests (docs/configuration.md, "Tables"): their TOML form, a config
// file of several tables for an AE environment (ae_env.mjs), the [[tables]] part of an example
// config, the output columns of a rollup and a reference implementation of it in JS, and the
// rows of an exported file read back in file order.
//
// The rollup reference follows src/schema/table_shape.h: per bucket (`every` seconds, from the
// row's timestamp) and group (the `by` values; NULL is a group of its own), `samples` (rows),
// `weight` (sum of sample_interval), and per value v over the rows where v is not NULL: v_min,
// v_max (v's type), v_sum (double) and v_avg = sum(v * w) / sum(w) (w = sample_interval); all four
// NULL when v is NULL on every row of the group. Sums are taken with plain + in the order the
// rows are given, so a caller that gives them in the order aesync read them gets aesync's sums
// bit for bit.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { configToml, tomlString } from './mapping.mjs';
import { chdbRows } from './readers.mjs';

/** Readers' type (readers.mjs) of a column type of the config. */
const READER_TYPE = { string: 'string', double: 'double', int64: 'int64', timestamp: 'timestamp' };

function inlineTable(obj) {
  const items = Object.entries(obj).map(([k, v]) => {
    if (Array.isArray(v)) return `${k} = [${v.map(tomlString).join(', ')}]`;
    return `${k} = ${tomlString(v)}`;
  });
  return `{ ${items.join(', ')} }`;
}

/**
 * The TOML of [[tables]] entries: { name, prefix?, dataset?, where?: { blobN: value },
 * join_events_on?, rollup?: { every, by, values }, columns?: [{ name, from, type?, when?,
 * empty_as_null? }] }.
 */
export function tablesToml(tables) {
  const lines = [];
  for (const t of tables) {
    lines.push('[[tables]]', `name = ${tomlString(t.name)}`);
    if (t.prefix !== undefined) lines.push(`prefix = ${tomlString(t.prefix)}`);
    if (t.dataset !== undefined) lines.push(`dataset = ${tomlString(t.dataset)}`);
    if (t.where !== undefined) lines.push(`where = ${inlineTable(t.where)}`);
    if (t.join_events_on !== undefined) lines.push(`join_events_on = ${tomlString(t.join_events_on)}`);
    if (t.rollup !== undefined) lines.push(`rollup = ${inlineTable(t.rollup)}`);
    for (const c of t.columns ?? []) {
      lines.push('[[tables.columns]]', `name = ${tomlString(c.name)}`, `from = ${tomlString(c.from)}`);
      if (c.type !== undefined) lines.push(`type = ${tomlString(c.type)}`);
      if (c.when !== undefined) lines.push(`when = ${inlineTable(c.when)}`);
      if (c.empty_as_null !== undefined) lines.push(`empty_as_null = ${c.empty_as_null}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** The text of an example config from its first [[tables]] to its end (the examples end with them). */
export function exampleTablesText(path) {
  const text = readFileSync(path, 'utf8');
  const at = text.search(/^\[\[tables\]\]/m);
  if (at < 0) throw new Error(`${path} has no [[tables]]`);
  const rest = text.slice(at);
  const other = rest.search(/^\[(?!\[tables)/m);
  if (other >= 0) throw new Error(`${path}: a section follows the [[tables]]: ${rest.slice(other, other + 40)}`);
  return rest;
}

/**
 * Writes config `name` into the scratch folder of AE environment `env`: its source (the gateway),
 * the S3 harness as destination without a prefix (each table has its own), [sync], then
 * `tablesText` ([[tables]] TOML). Returns the path.
 */
export function writeTablesConfig(env, name, tablesText, { source = {}, sync = {} } = {}) {
  const head = configToml({ tables: env.sections({ source, destination: { prefix: null }, sync }) });
  const path = join(env.scratch, name);
  writeFileSync(path, `${head}\n${tablesText}`);
  return path;
}

/**
 * A rollup's output columns ({ name, type }) from its mapping (columns { name, type, when?,
 * empty_as_null? }) and spec { by, values }: the bucket (named as the mapping's timestamp column),
 * the by columns, samples, weight, then v_min, v_max, v_sum, v_avg per value.
 */
export function rollupColumns(mapping, { by, values }) {
  const col = (n) => {
    const c = mapping.find((m) => m.name === n);
    if (!c) throw new Error(`no column ${n} in the mapping`);
    return c;
  };
  const ts = mapping.find((m) => m.type === 'timestamp' && m.from === 'timestamp' && !m.when);
  const out = [{ name: ts ? ts.name : 'timestamp', type: 'timestamp' }];
  for (const b of by) out.push({ name: b, type: col(b).type });
  out.push({ name: 'samples', type: 'int64' }, { name: 'weight', type: 'int64' });
  for (const v of values) {
    const t = col(v).type;
    out.push({ name: `${v}_min`, type: t }, { name: `${v}_max`, type: t }, { name: `${v}_sum`, type: 'double' }, { name: `${v}_avg`, type: 'double' });
  }
  return out;
}

/**
 * The rollup of `rows` (arrays in the order of `columns`, readers' values: timestamps as bigint
 * ms, int64 as bigint, doubles as numbers, NULL as null) by spec { everySeconds, by, values },
 * `weightColumn` the name of the sample_interval column. Returns rows in rollupColumns' order,
 * sorted by bucket then group (the order of `rowKey`).
 */
export function rollupReference(rows, columns, { everySeconds, by, values }, weightColumn = 'sample_interval') {
  const at = (n) => {
    const i = columns.findIndex((c) => c.name === n);
    if (i < 0) throw new Error(`no column ${n}`);
    return i;
  };
  const tsAt = columns.findIndex((c) => c.type === 'timestamp');
  const byAt = by.map(at);
  const valueAt = values.map(at);
  const wAt = at(weightColumn);
  const every = BigInt(everySeconds) * 1000n;
  const groups = new Map();
  for (const r of rows) {
    const bucket = (r[tsAt] / every) * every;
    const group = [bucket, ...byAt.map((i) => r[i])];
    const key = rowKey(group);
    let g = groups.get(key);
    if (!g) {
      g = { group, samples: 0n, weight: 0n, v: values.map(() => ({ min: null, max: null, sum: 0, wsum: 0, w: 0, n: 0 })) };
      groups.set(key, g);
    }
    const w = r[wAt];
    g.samples += 1n;
    g.weight += w;
    valueAt.forEach((i, k) => {
      const v = r[i];
      if (v === null) return;
      const a = g.v[k];
      const x = typeof v === 'bigint' ? Number(v) : v;
      if (a.n === 0 || v < a.min) a.min = v;
      if (a.n === 0 || v > a.max) a.max = v;
      a.sum += x;
      a.wsum += x * Number(w);
      a.w += Number(w);
      a.n++;
    });
  }
  const out = [...groups.values()].map((g) => [
    ...g.group,
    g.samples,
    g.weight,
    ...g.v.flatMap((a) => (a.n === 0 ? [null, null, null, null] : [a.min, a.max, a.sum, a.wsum / a.w])),
  ]);
  return sortRows(out, 1 + by.length);
}

/** A sort key of a row's first values (bigints, strings, numbers, nulls): its JSON with bigints as text. */
export function rowKey(values) {
  return JSON.stringify(values, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** `rows` sorted by their first `n` values (bucket, then group), as rowKey orders them. */
export function sortRows(rows, n) {
  const cmp = (a, b) => {
    for (let i = 0; i < n; i++) {
      const x = a[i];
      const y = b[i];
      if (x === y) continue;
      if (x === null) return -1;
      if (y === null) return 1;
      return x < y ? -1 : 1;
    }
    return 0;
  };
  return [...rows].sort(cmp);
}

/**
 * The rows of data object `key` of the S3 harness `h`, read by ClickHouse (chdb) in file order
 * (readers.mjs' values), `columns` [{ name, type }]; [] when there is no object. The file is
 * copied to `dir` first (chdb in this process cannot reach the harness, which serves this process's
 * event loop).
 */
export async function objectRows(h, key, columns, dir) {
  const bytes = await h.objectBytes(key);
  if (bytes === null) return [];
  const path = join(dir, key.replaceAll('/', '__'));
  writeFileSync(path, bytes);
  return chdbRows(path, columns.map((c) => ({ name: c.name, type: READER_TYPE[c.type] })));
}

/**
 * The summary table of a `sync` of several tables (a `table` column first; src/sync/report.cpp):
 * { parts: [{ table, day, rows, bytes, seconds, status }], lines: [the error and warning lines],
 * total: { rows, bytes } }. Fails when it is not there.
 */
export function parseTablesSummary(stdout) {
  const lines = stdout.split('\n');
  const head = lines.findIndex((l) => /^table\s+day\s+rows\s+bytes\s+seconds\s+status\s*$/.test(l));
  if (head < 0) throw new Error(`no summary header with a table column in stdout:\n${stdout}`);
  const parts = [];
  const notes = [];
  let total = null;
  for (const l of lines.slice(head + 1)) {
    if (l === '') continue;
    let m = /^(\S+)\s+(\d{4}-\d\d-\d\d)\s+(\d+)\s+(\d+)\s+(\d+\.\d+)\s+(\S+)\s*$/.exec(l);
    if (m) {
      parts.push({ table: m[1], day: m[2], rows: Number(m[3]), bytes: Number(m[4]), seconds: Number(m[5]), status: m[6] });
      continue;
    }
    m = /^\s+total\s+(\d+)\s+(\d+)\s*$/.exec(l);
    if (m) {
      total = { rows: Number(m[1]), bytes: Number(m[2]) };
      continue;
    }
    notes.push(l);
  }
  if (!total) throw new Error(`no total line in:\n${stdout}`);
  return { parts, notes, total };
}
