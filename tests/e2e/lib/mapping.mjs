// Column mappings ([[columns]] of docs/configuration.md) as plain objects, their TOML form, and a reference
// implementation of the mapping in JS: what a file written by aesync must contain, value for
// value. Expected values are normalised as the readers' values are (see readers.mjs):
// string -> string, double -> number, int64 and timestamp (ms) -> bigint, NULL -> null.
import { numberOf, parseAeTimestamp } from './ae.mjs';

// The built-in machine_metrics mapping of docs/configuration.md, in file order.
export const BUILTIN_COLUMNS = [
  { name: 'timestamp', from: 'timestamp', type: 'timestamp' },
  { name: 'machine_id', from: 'index1', type: 'string' },
  { name: 'org_id', from: 'blob1', type: 'string' },
  { name: 'project_id', from: 'blob2', type: 'string' },
  { name: 'machine_type', from: 'blob3', type: 'string' },
  { name: 'metric_type', from: 'blob4', type: 'string' },
  { name: 'process_name', from: 'blob5', type: 'string', empty_as_null: true },
  { name: 'sample_interval', from: '_sample_interval', type: 'int64' },
  { name: 'value1', from: 'double1', type: 'double' },
  { name: 'value2', from: 'double2', type: 'double' },
  { name: 'value3', from: 'double3', type: 'double' },
  { name: 'value4', from: 'double4', type: 'double' },
  { name: 'cpu_percent', from: 'double1', type: 'double', when: { blob4: 'resource' } },
  { name: 'memory_percent', from: 'double2', type: 'double', when: { blob4: 'resource' } },
  { name: 'time_to_ready_ms', from: 'double1', type: 'double', when: { blob4: 'startup' } },
];

export function isNullable(col) {
  return col.when !== undefined || col.empty_as_null === true;
}

/** A TOML basic string. */
export function tomlString(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function tomlValue(v) {
  if (typeof v === 'string') return tomlString(v);
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  throw new Error(`no TOML form for ${String(v)}`);
}

/**
 * A config file's text. `tables`: { source: {...}, destination: {...}, output: {...} } (any
 * subset, written in that order); `columns`: [[columns]] entries (omitted when undefined).
 */
export function configToml({ tables = {}, columns } = {}) {
  const lines = [];
  for (const [table, keys] of Object.entries(tables)) {
    lines.push(`[${table}]`);
    for (const [k, v] of Object.entries(keys)) lines.push(`${k} = ${tomlValue(v)}`);
    lines.push('');
  }
  for (const col of columns ?? []) {
    lines.push('[[columns]]');
    lines.push(`name = ${tomlString(col.name)}`);
    lines.push(`from = ${tomlString(col.from)}`);
    lines.push(`type = ${tomlString(col.type)}`);
    if (col.when) {
      const [[k, v]] = Object.entries(col.when);
      lines.push(`when = { ${k} = ${tomlString(v)} }`);
    }
    if (col.empty_as_null !== undefined) lines.push(`empty_as_null = ${col.empty_as_null}`);
    lines.push('');
  }
  return lines.join('\n');
}

function mapValue(raw, col) {
  if (col.when) {
    const [[k, v]] = Object.entries(col.when);
    if (raw[k] !== v) return null;
  }
  const v = raw[col.from];
  if (v === undefined) throw new Error(`raw row lacks ${col.from}`);
  switch (col.type) {
    case 'string':
      if (typeof v !== 'string') throw new Error(`${col.from} is not a string`);
      return col.empty_as_null && v === '' ? null : v;
    case 'double':
      return numberOf(v);
    case 'int64': {
      const n = numberOf(v);
      if (!Number.isSafeInteger(n) && !(Number.isInteger(n) && Math.abs(n) < 2 ** 63)) {
        throw new Error(`${col.from} = ${n} is not an int64`);
      }
      return BigInt(n);
    }
    case 'timestamp':
      return BigInt(parseAeTimestamp(v));
    default:
      throw new Error(`unknown type ${col.type}`);
  }
}

/** The expected rows (arrays in column order) of mapping `rawRows` with `columns`. */
export function mapRows(rawRows, columns) {
  return rawRows.map((raw) => columns.map((col) => mapValue(raw, col)));
}

/** The ClickHouse type of each column of the built-in mapping as DESCRIBE shows it (ClickHouse's
 * defaults: REQUIRED -> T, OPTIONAL -> Nullable(T)). */
export const CH_TYPES = [
  ['timestamp', "DateTime64(3, 'UTC')"],
  ['machine_id', 'String'],
  ['org_id', 'String'],
  ['project_id', 'String'],
  ['machine_type', 'String'],
  ['metric_type', 'String'],
  ['process_name', 'Nullable(String)'],
  ['sample_interval', 'Int64'],
  ['value1', 'Float64'],
  ['value2', 'Float64'],
  ['value3', 'Float64'],
  ['value4', 'Float64'],
  ['cpu_percent', 'Nullable(Float64)'],
  ['memory_percent', 'Nullable(Float64)'],
  ['time_to_ready_ms', 'Nullable(Float64)'],
];
