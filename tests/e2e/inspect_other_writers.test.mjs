// `aesync inspect --json` never shows a wrong value for files other writers make (issue 16).
// DuckDB (COPY ... (FORMAT parquet, COMPRESSION c), also PARQUET_VERSION V2) and ClickHouse
// (chdb: INSERT INTO FUNCTION file(..., Parquet) with output_format_parquet_compression_method)
// each write the same rows, for every codec they offer: DECIMAL(9,2)/(18,4)/(38,10) (DuckDB:
// INT32/INT64/FIXED_LEN_BYTE_ARRAY; ClickHouse: FIXED_LEN_BYTE_ARRAY), 64-bit and unsigned
// integers, doubles with NaN/±inf/-0, strings, timestamps in micro- and milliseconds, dates,
// UUIDs, bytes (DuckDB BLOB, ClickHouse FixedString), booleans and NULLs, in several row groups.
// Every value inspect prints (rows, and the DECIMAL/integer/date/time statistics) is compared
// with what the writer was given, built here from a seeded generator; numbers are compared from
// their JSON text, so 64-bit values are exact. The shapes the project's own tests read from
// DuckDB and ClickHouse (tests/data/parquet, the AE mapping of bench/rivals/duckdb_convert.mjs:
// TIMESTAMP_MS, strings, NULLIF, doubles) are among these columns, and the two committed files
// are checked against their generator too.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runAesync, runAesyncOk, scratchDir } from './lib/aesync.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { chdbQuery, duckRows, sqlString } from './lib/readers.mjs';

const SEED = seedFromEnv(16);
const ROWS = 5000;
// Asked of both writers; each rounds it its own way (DuckDB to whole 2048-row vectors), so the
// row groups are taken from the file, and there must be more than one.
const GROUP_ROWS = 2048;
const scratch = scratchDir('inspect-other');
const input = join(scratch, 'rows.jsonl');
const dataDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../data/parquet');

// ---------------------------------------------------------------------------------------------
// Expected text, as inspect documents it (docs/parquet.md)

/** The exact decimal text of `unscaled` x 10^-scale ("-0.05"). */
function decimalText(unscaled, scale) {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

function pad(n, w) {
  return String(n).padStart(w, '0');
}

/** "YYYY-MM-DD" of days since the epoch. */
function dayText(days) {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** "YYYY-MM-DD hh:mm:ss.f..." of `value` units (10^-digits s) since the epoch, floored. */
function timestampText(value, digits) {
  const perSecond = 10n ** BigInt(digits);
  let seconds = value / perSecond;
  let fraction = value % perSecond;
  if (fraction < 0n) {
    fraction += perSecond;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${pad(fraction, digits)}`;
}

// ---------------------------------------------------------------------------------------------
// The rows both writers are given: every value as a string (or null) in rows.jsonl, converted by
// the writer's own SQL; `expected` holds what inspect must print for each.

const bigRandom = (rng, digits) => {
  let s = '';
  for (let i = 0; i < digits; i++) s += String(rng.int(10));
  return BigInt(s) * (rng.chance(0.5) ? -1n : 1n);
};
const STRINGS = ['', 'org-0', 'é', '日本語', "it's", 'tab\there', 'a"quote', 'x'.repeat(300)];
const DOUBLES = [['nan', 'NaN'], ['inf', 'inf'], ['-inf', '-inf'], ['-0', -0], ['0', 0], ['1e300', 1e300],
  ['5e-324', 5e-324], ['0.1', 0.1]];

function generate() {
  const rng = new Rng(SEED);
  const given = [];
  const expected = [];
  for (let i = 0; i < ROWS; i++) {
    const g = {};
    const e = {};
    const nullable = (name, make) => {
      if (i % 11 === (name.length % 11) || rng.chance(0.05)) {
        g[name] = null;
        e[name] = null;
      } else {
        [g[name], e[name]] = make();
      }
    };
    nullable('id', () => {
      const v = i === 1 ? -(2n ** 63n) : i === 2 ? 2n ** 63n - 1n : bigRandom(rng, rng.range(1, 18));
      return [String(v), v];
    });
    nullable('u64', () => {
      const v = i === 3 ? 2n ** 64n - 1n : BigInt(rng.int(2 ** 31)) * BigInt(rng.int(2 ** 31));
      return [String(v), v];
    });
    nullable('i32', () => {
      const v = i === 4 ? -(2 ** 31) : rng.range(-(2 ** 31), 2 ** 31 - 1);
      return [String(v), BigInt(v)];
    });
    nullable('dbl', () => {
      if (i < DOUBLES.length) return DOUBLES[i];
      const v = rng.double();
      return [String(v), v];
    });
    for (const [name, precision, scale] of [['d9', 9, 2], ['d18', 18, 4], ['d38', 38, 10]]) {
      nullable(name, () => {
        const v = i === 5 ? 10n ** BigInt(precision) - 1n : i === 6 ? -(10n ** BigInt(precision) - 1n)
          : i === 7 ? -5n : bigRandom(rng, rng.range(1, precision));
        return [decimalText(v, scale), { text: decimalText(v, scale), unscaled: v }];
      });
    }
    nullable('s', () => {
      const v = i < STRINGS.length ? STRINGS[i] : rng.chance(0.5) ? rng.pick(STRINGS) : `s-${rng.int(1e9)}`;
      return [v, v];
    });
    nullable('ts_us', () => {
      const v = BigInt(rng.range(-2_000_000_000, 4_000_000_000)) * 1_000_000n + BigInt(rng.int(1_000_000));
      return [String(v), { text: timestampText(v, 6), value: v }];
    });
    nullable('ts_ms', () => {
      const v = BigInt(rng.range(-2_000_000_000, 4_000_000_000)) * 1000n + BigInt(rng.int(1000));
      return [String(v), { text: timestampText(v, 3), value: v }];
    });
    nullable('dt', () => {
      const v = rng.range(-25_000, 120_000);  // 1901..2298: Date32's range
      return [dayText(v), { text: dayText(v), value: BigInt(v) }];
    });
    nullable('u', () => {
      const hex = Array.from({ length: 16 }, () => pad(rng.int(256).toString(16), 2)).join('');
      const v = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      return [v, v];
    });
    nullable('fixed', () => {
      const hex = Array.from({ length: 4 }, () => pad(rng.int(256).toString(16), 2)).join('');
      return [hex, `0x${hex}`];
    });
    nullable('blob', () => {
      const hex = Array.from({ length: rng.int(6) }, () => pad(rng.int(256).toString(16), 2)).join('');
      return [hex, `0x${hex}`];
    });
    nullable('flag', () => {
      const v = rng.chance(0.5);
      return [String(v), v];
    });
    given.push(g);
    expected.push(e);
  }
  return { given, expected };
}

const COLUMNS = ['id', 'u64', 'i32', 'dbl', 'd9', 'd18', 'd38', 's', 'ts_us', 'ts_ms', 'dt', 'u', 'fixed', 'blob',
  'flag'];
const CH_COLUMNS = COLUMNS.filter((c) => c !== 'blob');  // ClickHouse Strings are text: bytes go in FixedString

let rows;

// ---------------------------------------------------------------------------------------------
// The writers

const DUCK_SELECT = `SELECT
  CAST(id AS BIGINT) AS id, CAST(u64 AS UBIGINT) AS u64, CAST(i32 AS INTEGER) AS i32,
  CAST(dbl AS DOUBLE) AS dbl, CAST(d9 AS DECIMAL(9,2)) AS d9, CAST(d18 AS DECIMAL(18,4)) AS d18,
  CAST(d38 AS DECIMAL(38,10)) AS d38, s, make_timestamp(CAST(ts_us AS BIGINT)) AS ts_us,
  CAST(make_timestamp(CAST(ts_ms AS BIGINT) * 1000) AS TIMESTAMP_MS) AS ts_ms, CAST(dt AS DATE) AS dt,
  CAST(u AS UUID) AS u, from_hex(fixed) AS fixed, from_hex(blob) AS blob, CAST(flag AS BOOLEAN) AS flag`;

async function writeDuckDb(path, codec, version = 'V1') {
  const columns = `{${COLUMNS.map((c) => `${c}: 'VARCHAR'`).join(', ')}}`;
  await duckRows(
    `COPY (${DUCK_SELECT} FROM read_json(${sqlString(input)}, format = 'newline_delimited', columns = ${columns}, ` +
      `records = true)) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${GROUP_ROWS}, ` +
      `PARQUET_VERSION ${version})`,
  );
}

const CH_STRUCTURE = CH_COLUMNS.map((c) => `${c} Nullable(String)`).join(', ');
const CH_SELECT = `SELECT
  CAST(id AS Nullable(Int64)) AS id, CAST(u64 AS Nullable(UInt64)) AS u64, CAST(i32 AS Nullable(Int32)) AS i32,
  CAST(dbl AS Nullable(Float64)) AS dbl, CAST(d9 AS Nullable(Decimal(9,2))) AS d9,
  CAST(d18 AS Nullable(Decimal(18,4))) AS d18, CAST(d38 AS Nullable(Decimal(38,10))) AS d38, s,
  if(isNull(ts_us), NULL, fromUnixTimestamp64Micro(CAST(assumeNotNull(ts_us) AS Int64), 'UTC')) AS ts_us,
  if(isNull(ts_ms), NULL, fromUnixTimestamp64Milli(CAST(assumeNotNull(ts_ms) AS Int64), 'UTC')) AS ts_ms,
  CAST(dt AS Nullable(Date32)) AS dt, CAST(u AS Nullable(UUID)) AS u,
  if(isNull(fixed), NULL, toFixedString(unhex(assumeNotNull(fixed)), 4)) AS fixed,
  CAST(flag AS Nullable(Bool)) AS flag`;

function writeChdb(path, codec) {
  chdbQuery(
    `INSERT INTO FUNCTION file(${sqlString(path)}, Parquet) ${CH_SELECT} ` +
      `FROM file(${sqlString(input)}, JSONEachRow, ${sqlString(CH_STRUCTURE)}) ` +
      `SETTINGS output_format_parquet_compression_method = ${sqlString(codec)}, ` +
      `output_format_parquet_row_group_size = ${GROUP_ROWS}, engine_file_truncate_on_insert = 1`,
    'CSV',
  );
}

// ---------------------------------------------------------------------------------------------
// Reading inspect's JSON with numbers kept as their text (JSON.parse would round 64-bit ones)

function parseJson(text) {
  let pos = 0;
  const ws = () => {
    while (' \t\n\r'.includes(text[pos])) pos++;
  };
  const value = () => {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj = {};
      ws();
      if (text[pos] === '}') return pos++, obj;
      for (;;) {
        ws();
        const key = value();
        ws();
        assert.equal(text[pos++], ':');
        obj[key] = value();
        ws();
        if (text[pos++] === '}') return obj;
      }
    }
    if (c === '[') {
      pos++;
      const arr = [];
      ws();
      if (text[pos] === ']') return pos++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[pos++] === ']') return arr;
      }
    }
    if (c === '"') {
      const start = pos;
      pos++;
      while (text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
      pos++;
      return JSON.parse(text.slice(start, pos));
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, pos)) return (pos += word.length), v;
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos, pos + 40));
    assert.ok(m, `JSON number expected at ${pos}: ${text.slice(pos, pos + 20)}`);
    pos += m[0].length;
    return { number: m[0] };
  };
  return value();
}

function inspectJson(path) {
  const res = runAesyncOk(['inspect', '--json', '--rows', String(ROWS + 10), path], { cwd: scratch });
  return parseJson(res.stdout);
}

// Compares one shown value with the expected one of `column`; returns an error text or ''.
function mismatch(column, shown, want) {
  if (want === null) return shown === null ? '' : `want null, got ${JSON.stringify(shown)}`;
  switch (column) {
    case 'id':
    case 'u64':
    case 'i32':
      return shown?.number === String(want) ? '' : `want ${want}, got ${JSON.stringify(shown)}`;
    case 'dbl':
      if (typeof want === 'string') return shown === want ? '' : `want "${want}", got ${JSON.stringify(shown)}`;
      return shown?.number !== undefined && Object.is(Number(shown.number), want)
        ? ''
        : `want ${Object.is(want, -0) ? '-0' : want}, got ${JSON.stringify(shown)}`;
    case 'd9':
    case 'd18':
    case 'd38':
    case 'ts_us':
    case 'ts_ms':
    case 'dt':
      return shown === want.text ? '' : `want "${want.text}", got ${JSON.stringify(shown)}`;
    default:
      return shown === want ? '' : `want ${JSON.stringify(want)}, got ${JSON.stringify(shown)}`;
  }
}

function checkRows(json, columns, label) {
  assert.equal(json.num_rows.number, String(ROWS), label);
  assert.equal(json.rows.length, ROWS, label);
  const errors = [];
  json.rows.forEach((row, i) => {
    assert.deepEqual(Object.keys(row), columns, label);
    for (const c of columns) {
      const m = mismatch(c, row[c], rows.expected[i][c]);
      if (m && errors.length < 10) errors.push(`${label}: row ${i}, ${c}: ${m}`);
    }
  });
  assert.deepEqual(errors, []);
}

// Statistics of the decimal, integer and date/time columns: each row group's min and max, where
// the writer stored them, are the extremes of the values it was given.
function checkStatistics(json, label, columns) {
  const ordered = { id: (v) => v, u64: (v) => v, i32: (v) => v, d9: (v) => v.unscaled, d18: (v) => v.unscaled,
    d38: (v) => v.unscaled, ts_us: (v) => v.value, ts_ms: (v) => v.value, dt: (v) => v.value };
  let checked = 0;
  let first = 0;
  assert.ok(json.row_groups.length > 1, `${label}: ${json.row_groups.length} row group`);
  json.row_groups.forEach((group, g) => {
    const groupRows = Number(group.rows.number);
    for (const col of group.columns) {
      const key = ordered[col.name];
      if (!key || !columns.includes(col.name) || col.min === null) continue;
      const values = rows.expected.slice(first, first + groupRows).map((r) => r[col.name]).filter((v) => v !== null);
      values.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      const shown = (v) => (v?.number !== undefined ? v.number : v);
      const text = (v) => (typeof v === 'bigint' ? String(v) : v.text);
      assert.equal(shown(col.min), text(values[0]), `${label}: row group ${g}, ${col.name} min`);
      assert.equal(shown(col.max), text(values[values.length - 1]), `${label}: row group ${g}, ${col.name} max`);
      checked++;
    }
    first += groupRows;
  });
  assert.equal(first, ROWS, label);
  return checked;
}

before(() => {
  rows = generate();
  writeFileSync(input, rows.given.map((r) => JSON.stringify(r)).join('\n') + '\n');
});

for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd']) {
  test(`DuckDB, ${codec}: every value inspect shows is the one DuckDB was given`, async () => {
    const path = join(scratch, `duckdb-${codec}.parquet`);
    await writeDuckDb(path, codec);
    const json = inspectJson(path);
    const schema = Object.fromEntries(json.schema.map((c) => [c.name, `${c.physical_type} ${c.logical_type}`]));
    assert.deepEqual(
      [schema.d9, schema.d18, schema.d38, schema.u, schema.blob, schema.ts_us, schema.ts_ms],
      ['INT32 DECIMAL(9,2)', 'INT64 DECIMAL(18,4)', 'FIXED_LEN_BYTE_ARRAY DECIMAL(38,10)',
        'FIXED_LEN_BYTE_ARRAY UUID', 'BYTE_ARRAY null', 'INT64 TIMESTAMP(MICROS,local)',
        'INT64 TIMESTAMP(MILLIS,local)'],
    );
    assert.deepEqual([...new Set(json.row_groups.flatMap((g) => g.columns.map((c) => c.codec)))],
      [codec.toUpperCase()]);
    checkRows(json, COLUMNS, `duckdb ${codec}`);
    assert.ok(checkStatistics(json, `duckdb ${codec}`, COLUMNS) >= 3 * 6);
  });
}

// PARQUET_VERSION V2: data pages v2, DELTA_BINARY_PACKED integers, DELTA_LENGTH_BYTE_ARRAY strings.
test('DuckDB, PARQUET_VERSION V2: every value inspect shows is the one DuckDB was given', async () => {
  const path = join(scratch, 'duckdb-v2.parquet');
  await writeDuckDb(path, 'zstd', 'V2');
  const json = inspectJson(path);
  const encodings = new Set(json.row_groups.flatMap((g) => g.columns.flatMap((c) => c.encodings)));
  for (const e of ['DELTA_BINARY_PACKED', 'DELTA_LENGTH_BYTE_ARRAY']) {
    assert.ok(encodings.has(e), [...encodings].join());
  }
  checkRows(json, COLUMNS, 'duckdb v2');
  assert.ok(checkStatistics(json, 'duckdb v2', COLUMNS) >= 3 * 6);
});

for (const codec of ['none', 'snappy', 'gzip', 'zstd']) {
  test(`ClickHouse (chdb), ${codec}: every value inspect shows is the one ClickHouse was given`, () => {
    const path = join(scratch, `chdb-${codec}.parquet`);
    writeChdb(path, codec);
    const json = inspectJson(path);
    const schema = Object.fromEntries(json.schema.map((c) => [c.name, `${c.physical_type} ${c.logical_type}`]));
    assert.deepEqual(
      [schema.d9, schema.d18, schema.d38, schema.u, schema.fixed, schema.ts_us, schema.ts_ms],
      ['FIXED_LEN_BYTE_ARRAY DECIMAL(9,2)', 'FIXED_LEN_BYTE_ARRAY DECIMAL(18,4)',
        'FIXED_LEN_BYTE_ARRAY DECIMAL(38,10)', 'FIXED_LEN_BYTE_ARRAY UUID', 'FIXED_LEN_BYTE_ARRAY null',
        'INT64 TIMESTAMP(MICROS,UTC)', 'INT64 TIMESTAMP(MILLIS,UTC)'],
    );
    assert.deepEqual([...new Set(json.row_groups.flatMap((g) => g.columns.map((c) => c.codec)))],
      [codec === 'none' ? 'UNCOMPRESSED' : codec.toUpperCase()]);
    checkRows(json, CH_COLUMNS, `chdb ${codec}`);
    assert.ok(checkStatistics(json, `chdb ${codec}`, CH_COLUMNS) >= 3 * 4);
  });
}

// ClickHouse's other codecs are ones aesync's reader does not decompress: a one-line error
// naming the codec, and the metadata still shows with --rows 0.
for (const [codec, name] of [['lz4', 'LZ4_RAW'], ['brotli', 'BROTLI']]) {
  test(`ClickHouse (chdb), ${codec}: a clear error naming the codec, the metadata still shown`, () => {
    const path = join(scratch, `chdb-${codec}.parquet`);
    writeChdb(path, codec);
    const res = runAesync(['inspect', '--json', path], { cwd: scratch });
    assert.equal(res.code, 1);
    assert.equal(res.stdout, '');
    assert.match(res.stderr, new RegExp(`^aesync: error: ${path.replaceAll('.', '\\.')}: row group 0, column 'id', ` +
      `page at byte offset \\d+: unsupported compression codec ${name}\\n$`));
    const meta = parseJson(runAesyncOk(['inspect', '--json', '--rows', '0', path], { cwd: scratch }).stdout);
    assert.equal(meta.num_rows.number, String(ROWS));
    assert.deepEqual(meta.rows, []);
  });
}

// The committed files the unit tests read (tests/data/parquet): 300 rows of id = n,
// org = 'org-' || n % 5, value = NULL if n % 4 = 0 else n * 0.5, ts = 2026-02-01 + n * 1500 ms,
// proc = NULL if n % 3 = 0 else 'p' || n % 11 (DuckDB: timestamps in microseconds).
for (const [file, digits] of [['duckdb_zstd.parquet', 6], ['clickhouse_gzip.parquet', 3]]) {
  test(`${file}: every value is the one its writer was given`, () => {
    const json = parseJson(runAesyncOk(['inspect', '--json', '--rows', '1000', join(dataDir, file)], { cwd: scratch })
      .stdout);
    assert.equal(json.rows.length, 300);
    const start = 1_769_904_000_000n;  // 2026-02-01 00:00:00 UTC
    json.rows.forEach((row, n) => {
      const ms = start + BigInt(n) * 1500n;
      assert.deepEqual(row, {
        id: { number: String(n) },
        org: `org-${n % 5}`,
        value: n % 4 === 0 ? null : { number: String(n * 0.5) },
        ts: timestampText(ms * 10n ** BigInt(digits - 3), digits),
        proc: n % 3 === 0 ? null : `p${n % 11}`,
      }, `${file} row ${n}`);
    });
  });
}
