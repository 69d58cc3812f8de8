// The three independent readers a Parquet file from aesync must satisfy, each returning rows as
// arrays in column order and in file order, with values normalised the same way:
//   string -> string, double -> number (bit-exact: NaN, ±inf, -0 kept), int64 -> bigint,
//   timestamp -> bigint milliseconds since the epoch, NULL -> null.
// - ClickHouse (chdb, what PostHog queries with): doubles are selected as their bit pattern
//   (reinterpretAsUInt64) because ClickHouse's JSON output turns NaN/inf into null; 64-bit integers
//   are quoted so that JSON.parse loses no precision; file order is `_row_number`.
// - DuckDB (@duckdb/node-api): read_parquet(file_row_number=true), timestamps through epoch_ms.
// - arrow-rs (parquet-wasm): readParquet -> Arrow IPC stream -> apache-arrow tableFromIPC.
import { readFileSync } from 'node:fs';
import { query as chdbQueryRaw } from 'chdb';
import { DuckDBInstance } from '@duckdb/node-api';
import { readParquet } from 'parquet-wasm';
import { tableFromIPC } from 'apache-arrow';

export function sqlString(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}

function chIdent(name) {
  return '`' + name.replaceAll('`', '\\`') + '`';
}

function duckIdent(name) {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** Runs a query in chdb and returns its output text. */
export function chdbQuery(sql, format = 'JSONEachRow') {
  return chdbQueryRaw(sql, format);
}

/** Runs a query in chdb and returns the JSONEachRow rows as objects. */
export function chdbObjects(sql) {
  const text = chdbQuery(sql, 'JSONEachRow');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

const bitsView = new DataView(new ArrayBuffer(8));

function doubleFromBits(bits) {
  bitsView.setBigUint64(0, BigInt(bits));
  return bitsView.getFloat64(0);
}

/** Rows of `path` through ClickHouse. */
export function chdbRows(path, columns) {
  const select = columns.map((c, i) => {
    const id = chIdent(c.name);
    const expr =
      c.type === 'double'
        ? `reinterpretAsUInt64(${id})`
        : c.type === 'timestamp'
          ? `toUnixTimestamp64Milli(${id})`
          : id;
    return `${expr} AS c${i}`;
  });
  const sql =
    `SELECT ${select.join(', ')} FROM file(${sqlString(path)}, Parquet) ORDER BY _row_number ` +
    'SETTINGS output_format_json_quote_64bit_integers = 1';
  return chdbObjects(sql).map((obj) =>
    columns.map((c, i) => {
      const v = obj[`c${i}`];
      if (v === null) return null;
      switch (c.type) {
        case 'string':
          return v;
        case 'double':
          return doubleFromBits(v);
        case 'int64':
        case 'timestamp':
          return BigInt(v);
        default:
          throw new Error(`unknown type ${c.type}`);
      }
    }),
  );
}

let duck;

/** A DuckDB connection shared by the test file (in memory). */
export async function duckdb() {
  if (!duck) {
    const instance = await DuckDBInstance.create(':memory:');
    duck = await instance.connect();
  }
  return duck;
}

/** Rows (arrays of JS values) of a DuckDB query. */
export async function duckRows(sql) {
  const con = await duckdb();
  const reader = await con.runAndReadAll(sql);
  return reader.getRows();
}

/** Rows (objects, JSON-friendly values: bigints as strings) of a DuckDB query. */
export async function duckObjects(sql) {
  const con = await duckdb();
  const reader = await con.runAndReadAll(sql);
  return reader.getRowObjectsJson();
}

/** Rows of `path` through DuckDB. */
export async function duckdbRows(path, columns) {
  const select = columns.map((c) =>
    c.type === 'timestamp' ? `epoch_ms(${duckIdent(c.name)})` : duckIdent(c.name),
  );
  const rows = await duckRows(
    `SELECT ${select.join(', ')} FROM read_parquet(${sqlString(path)}, file_row_number = true) ` +
      'ORDER BY file_row_number',
  );
  return rows.map((r) =>
    r.map((v, i) => {
      if (v === null) return null;
      const t = columns[i].type;
      if ((t === 'int64' || t === 'timestamp') && typeof v !== 'bigint') {
        throw new Error(`DuckDB gave ${typeof v} for ${t} column ${columns[i].name}`);
      }
      return v;
    }),
  );
}

/** The Arrow table (apache-arrow) that arrow-rs reads from `path`. */
export function arrowTable(path) {
  const wasmTable = readParquet(new Uint8Array(readFileSync(path)));
  return tableFromIPC(wasmTable.intoIPCStream());
}

/** Rows of `path` through arrow-rs. */
export function wasmRows(path, columns) {
  const table = arrowTable(path);
  const vectors = columns.map((c) => {
    const v = table.getChild(c.name);
    if (!v) throw new Error(`arrow-rs: no column ${c.name}`);
    return v;
  });
  const rows = [];
  for (let r = 0; r < table.numRows; r++) {
    rows.push(
      vectors.map((vec, i) => {
        const v = vec.get(r);
        if (v === null || v === undefined) return null;
        const t = columns[i].type;
        // apache-arrow gives a timestamp(ms) as a number of ms: exact below 2^53.
        if (t === 'timestamp') return BigInt(v);
        return v;
      }),
    );
  }
  return rows;
}
