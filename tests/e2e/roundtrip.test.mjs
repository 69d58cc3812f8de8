// Cross-reader round trip: seeded AE dumps with every edge a column can carry go through
// `aesync convert` with a [[columns]] config, and the Parquet file must read back value for value
// in ClickHouse (chdb), DuckDB and arrow-rs (parquet-wasm). Replay a failure with E2E_SEED=<seed>
// (the seed is in each test's name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeDump } from './lib/ae.mjs';
import { runAesyncOk, scratchDir } from './lib/aesync.mjs';
import { assertRowsEqual } from './lib/compare.mjs';
import { ROUNDTRIP_COLUMNS as COLS, genRoundtripRows } from './lib/gen.mjs';
import { configToml, isNullable, mapRows } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { chdbObjects, chdbRows, duckObjects, duckdbRows, sqlString, wasmRows } from './lib/readers.mjs';

const BASE_SEED = seedFromEnv(20260203);
const scratch = scratchDir('roundtrip');
const TIMEOUT = 150_000;

/** Generates, converts and checks one file in all three readers; returns its path and rows. */
async function roundtrip(tag, seed, n, genOpts, output) {
  const dir = join(scratch, tag);
  mkdirSync(dir);
  const raw = genRoundtripRows(new Rng(seed), n, genOpts);
  const dump = join(dir, 'dump.jsonl');
  const config = join(dir, 'aesync.toml');
  const out = join(dir, 'out.parquet');
  writeDump(dump, raw);
  writeFileSync(config, configToml({ tables: { output: { format: 'parquet', ...output } }, columns: COLS }));
  runAesyncOk(['convert', '--input', dump, '--output', out, '-c', config], { cwd: dir });
  assert.deepEqual(readdirSync(dir).sort(), ['aesync.toml', 'dump.jsonl', 'out.parquet']);

  const expected = mapRows(raw, COLS);
  assertRowsEqual(chdbRows(out, COLS), expected, COLS, `ClickHouse (seed=${seed})`);
  assertRowsEqual(await duckdbRows(out, COLS), expected, COLS, `DuckDB (seed=${seed})`);
  assertRowsEqual(wasmRows(out, COLS), expected, COLS, `arrow-rs (seed=${seed})`);
  return { out, expected };
}

/** The expected values of one column. */
function column(expected, name) {
  const i = COLS.findIndex((c) => c.name === name);
  return expected.map((r) => r[i]);
}

/** Per row group: its row count; per column chunk: codec and encodings (DuckDB's view). */
async function chunks(path) {
  return duckObjects(
    `SELECT row_group_id::INT AS rg, row_group_num_rows::INT AS rows, path_in_schema AS col, ` +
      `compression, encodings FROM parquet_metadata(${sqlString(path)}) ORDER BY row_group_id, column_id`,
  );
}

function rowGroupSizes(chunkRows) {
  const sizes = new Map();
  for (const c of chunkRows) sizes.set(c.rg, c.rows);
  return [...sizes.values()];
}

const CH_TYPE = { string: 'String', double: 'Float64', int64: 'Int64', timestamp: "DateTime64(3, 'UTC')" };

{
  const seed = BASE_SEED;
  test(`one row group, zstd: NaN/±inf/-0, UTF-8, strings over 64 KiB, all-NULL columns (seed=${seed})`, { timeout: TIMEOUT }, async () => {
    const { out, expected } = await roundtrip('single', seed, 600, { longStrings: [65535, 65536, 65537, 300_000] }, { compression: 'zstd' });
    // The data set holds the edges it is meant to (whatever the seed).
    const v1 = column(expected, 'v1');
    assert.ok(v1.some(Number.isNaN) && v1.includes(Infinity) && v1.includes(-Infinity), 'NaN and ±inf present');
    assert.ok(v1.some((v) => Object.is(v, -0)), '-0 present');
    const text = column(expected, 'text');
    assert.deepEqual(text.map((t) => Buffer.byteLength(t)).filter((n) => n > 65535), [65536, 65537, 300_000]);
    assert.ok(text.some((t) => /[\u{1F300}-\u{1FAFF}]/u.test(t)) && text.some((t) => t.includes('日本')), 'emoji and CJK present');
    assert.ok(column(expected, 'org').includes('') && column(expected, 'project').includes(null), '"" kept, "" -> NULL');
    assert.ok(column(expected, 'always_null').every((v) => v === null) && column(expected, 'never').every((v) => v === null));
    assert.ok(column(expected, 'cpu').includes(null) && column(expected, 'proc_text').includes(null), 'when -> NULL');
    const meta = await chunks(out);
    assert.deepEqual(rowGroupSizes(meta), [600]);
    assert.deepEqual([...new Set(meta.map((c) => c.compression))], ['ZSTD']);
    // A column NULL on every row keeps its real type (ClickHouse infers it from the file).
    const described = chdbObjects(`DESCRIBE file(${sqlString(out)}, Parquet)`).map((r) => [r.name, r.type]);
    assert.deepEqual(
      described,
      COLS.map((c) => [c.name, isNullable(c) ? `Nullable(${CH_TYPE[c.type]})` : CH_TYPE[c.type]]),
    );
  });
}

{
  const seed = BASE_SEED + 1;
  test(`5003 rows in row groups of 1000 (seed=${seed})`, { timeout: TIMEOUT }, async () => {
    const { out } = await roundtrip('groups', seed, 5003, {}, { compression: 'zstd', row_group_rows: 1000 });
    assert.deepEqual(rowGroupSizes(await chunks(out)), [1000, 1000, 1000, 1000, 1000, 3]);
  });
}

{
  const seed = BASE_SEED + 2;
  test(`dictionary over 1 MiB falls back to plain: 20000 distinct 100-byte strings in one row group (seed=${seed})`, { timeout: TIMEOUT }, async () => {
    const { out } = await roundtrip('dict', seed, 20_000, { distinctText: true }, { compression: 'snappy' });
    const meta = await chunks(out);
    assert.deepEqual(rowGroupSizes(meta), [20_000]);
    const enc = (col) => meta.find((c) => c.col === col).encodings.split(', ');
    // 20000 x 100 bytes = 2 MB of distinct values: the text chunk must hold PLAIN pages.
    assert.ok(enc('text').includes('PLAIN'), `text encodings: ${enc('text')}`);
    // A low-cardinality string column stays dictionary-encoded.
    assert.ok(
      enc('kind').some((e) => e === 'RLE_DICTIONARY' || e === 'PLAIN_DICTIONARY'),
      `kind encodings: ${enc('kind')}`,
    );
  });
}

{
  const seed = BASE_SEED + 3;
  test(`numbers with few distinct values get dictionaries, read back exactly: NaN, ±inf, -0 (seed=${seed})`, { timeout: TIMEOUT }, async () => {
    const { out, expected } = await roundtrip('numdict', seed, 20_000, { fewDoubles: true }, { compression: 'zstd' });
    const v1 = column(expected, 'v1');
    assert.ok(v1.some(Number.isNaN) && v1.some((v) => Object.is(v, -0)) && v1.some((v) => Object.is(v, 0)), 'NaN, -0 and 0 present');
    const meta = await chunks(out);
    const enc = (col) => meta.find((c) => c.col === col).encodings;
    // 16 distinct doubles (v1, v4, cpu when present) and 6 sample intervals: dictionaries;
    // distinct values on every row: seq rises by 1 (DELTA_BINARY_PACKED), v2's random doubles
    // compress best split (BYTE_STREAM_SPLIT).
    assert.deepEqual(
      ['v1', 'v4', 'cpu', 'weight', 'weight_d', 'seq', 'v2'].map((c) => [c, enc(c)]),
      [['v1', 'PLAIN_DICTIONARY'], ['v4', 'PLAIN_DICTIONARY'], ['cpu', 'PLAIN_DICTIONARY, RLE'], ['weight', 'PLAIN_DICTIONARY'],
        ['weight_d', 'PLAIN_DICTIONARY'], ['seq', 'DELTA_BINARY_PACKED'], ['v2', 'BYTE_STREAM_SPLIT']],
    );
  });
}

const CODECS = [
  ['zstd', 'ZSTD'],
  ['snappy', 'SNAPPY'],
  ['gzip', 'GZIP'],
  ['none', 'UNCOMPRESSED'],
];
CODECS.forEach(([codec, parquetName], k) => {
  const seed = BASE_SEED + 10 + k;
  test(`codec ${codec}: 1500 rows in row groups of 500 (seed=${seed})`, { timeout: TIMEOUT }, async () => {
    const { out } = await roundtrip(`codec-${codec}`, seed, 1500, { longStrings: [70_000] }, { compression: codec, row_group_rows: 500 });
    const meta = await chunks(out);
    assert.deepEqual(rowGroupSizes(meta), [500, 500, 500]);
    assert.deepEqual([...new Set(meta.map((c) => c.compression))], [parquetName]);
  });
});

// The value encodings chosen besides PLAIN and dictionaries: DELTA_BINARY_PACKED for rising
// integers and timestamps (seq, seq_proc with NULLs, ts), BYTE_STREAM_SPLIT for doubles that are
// integers below 1e9 with some NaN, ±inf, -0 (v1, and cpu with NULLs), under every codec, in one
// row group (a trial) and in row groups of 700 (a trial, then the winner carried to the next
// four). Without a codec BYTE_STREAM_SPLIT only reorders the bytes, saves nothing, and the tie
// keeps PLAIN. The encodings are DuckDB's view of the footer: the file really holds them.
CODECS.forEach(([codec, parquetName], k) => {
  for (const groupRows of [0, 700]) {
    const seed = BASE_SEED + 20 + 2 * k + (groupRows ? 1 : 0);
    const shape = groupRows ? `row groups of ${groupRows}` : 'one row group';
    test(`encodings under ${codec}, ${shape}: split doubles with NaN/-0 and NULLs, delta integers (seed=${seed})`, { timeout: TIMEOUT }, async () => {
      const output = { compression: codec, ...(groupRows ? { row_group_rows: groupRows } : {}) };
      const { out, expected } = await roundtrip(`enc-${codec}-${groupRows}`, seed, 3000, { splitDoubles: true }, output);
      for (const name of ['v1', 'cpu']) {
        const v = column(expected, name);
        assert.ok(v.some(Number.isNaN) && v.some((x) => Object.is(x, -0)) && v.includes(Infinity), `${name}: NaN, -0, inf`);
      }
      assert.ok(column(expected, 'cpu').includes(null) && column(expected, 'seq_proc').includes(null), 'NULLs present');
      const meta = await chunks(out);
      assert.deepEqual(rowGroupSizes(meta), groupRows ? [700, 700, 700, 700, 200] : [3000]);
      assert.deepEqual([...new Set(meta.map((c) => c.compression))], [parquetName]);
      const split = codec === 'none' ? 'PLAIN' : 'BYTE_STREAM_SPLIT';
      const want = [
        ['seq', 'DELTA_BINARY_PACKED'],
        ['seq_proc', 'DELTA_BINARY_PACKED, RLE'],
        ['ts', 'DELTA_BINARY_PACKED'],
        ['v1', split],
        ['cpu', `${split}, RLE`],
      ];
      for (const rg of new Set(meta.map((c) => c.rg))) {
        const enc = (col) => meta.find((c) => c.rg === rg && c.col === col).encodings;
        assert.deepEqual(want.map(([c]) => [c, enc(c)]), want, `row group ${rg}`);
      }
    });
  }
});
