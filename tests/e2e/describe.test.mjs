// The schema that readers see in a file made with the built-in mapping (`aesync convert`, no
// config): ClickHouse's DESCRIBE (what PostHog shows for the warehouse table), DuckDB's
// parquet_schema() and arrow-rs's Arrow schema. REQUIRED columns must read as non-nullable and
// the four nullable columns (process_name, cpu_percent, memory_percent, time_to_ready_ms) as
// OPTIONAL/Nullable.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { writeDump } from './lib/ae.mjs';
import { runAesyncOk, scratchDir } from './lib/aesync.mjs';
import { genMachineMetrics } from './lib/gen.mjs';
import { BUILTIN_COLUMNS, CH_TYPES } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { arrowTable, chdbObjects, duckObjects, sqlString } from './lib/readers.mjs';

const SEED = seedFromEnv(7);
const scratch = scratchDir('describe');
const file = join(scratch, 'machine_metrics.parquet');

before(() => {
  const dump = join(scratch, 'dump.jsonl');
  writeDump(dump, genMachineMetrics(new Rng(SEED), { rows: 200, days: 1, machines: 10, orgs: 3 }));
  // cwd = the scratch dir (no aesync.toml there) and no AESYNC_CONFIG: the built-in mapping.
  runAesyncOk(['convert', '--input', dump, '--output', file], { cwd: scratch });
});


function describe(settings = '') {
  return chdbObjects(`DESCRIBE file(${sqlString(file)}, Parquet)${settings}`).map((r) => [r.name, r.type]);
}

// ClickHouse 25+/26 defaults schema_inference_make_columns_nullable to 3: nullability follows
// the Parquet repetition (REQUIRED -> T, OPTIONAL -> Nullable(T)), so the default distinguishes
// them; this is what PostHog (ClickHouse defaults) shows. 1 forces Nullable everywhere, 0 never.
test(`ClickHouse DESCRIBE with default settings: REQUIRED vs OPTIONAL (seed=${SEED})`, () => {
  assert.deepEqual(describe(), CH_TYPES);
  assert.deepEqual(describe(' SETTINGS schema_inference_make_columns_nullable = 3'), CH_TYPES);
});

test('ClickHouse DESCRIBE with schema_inference_make_columns_nullable = 1 / 0', () => {
  const bare = CH_TYPES.map(([n, t]) => [n, t.replace(/^Nullable\((.*)\)$/, '$1')]);
  assert.deepEqual(
    describe(' SETTINGS schema_inference_make_columns_nullable = 1'),
    bare.map(([n, t]) => [n, `Nullable(${t})`]),
  );
  assert.deepEqual(describe(' SETTINGS schema_inference_make_columns_nullable = 0'), bare);
});

test('ClickHouse reads the file with the DESCRIBEd types', () => {
  const [row] = chdbObjects(
    `SELECT ${CH_TYPES.map(([n]) => `toTypeName(\`${n}\`) AS \`${n}\``).join(', ')} ` +
      `FROM file(${sqlString(file)}, Parquet) LIMIT 1`,
  );
  assert.deepEqual(Object.entries(row), CH_TYPES);
});

const STRING = { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: 'StringType()', duckdb_type: 'VARCHAR' };
const DOUBLE = { type: 'DOUBLE', converted_type: null, logical_type: null, duckdb_type: 'DOUBLE' };
// A plain INT64 is a signed 64-bit integer without annotation (arrow-rs writes it so too).
const INT64 = { type: 'INT64', converted_type: null, logical_type: null, duckdb_type: 'BIGINT' };
const TIMESTAMP = {
  type: 'INT64',
  converted_type: 'TIMESTAMP_MILLIS',
  logical_type: 'TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=MilliSeconds(), MICROS=<null>, NANOS=<null>))',
  duckdb_type: 'TIMESTAMP WITH TIME ZONE',
};
const PARQUET_KIND = { string: STRING, double: DOUBLE, int64: INT64, timestamp: TIMESTAMP };

test('DuckDB parquet_schema(): physical, converted and logical types, repetition', async () => {
  const rows = await duckObjects(
    `SELECT name, type, repetition_type, converted_type, logical_type, duckdb_type ` +
      `FROM parquet_schema(${sqlString(file)}) WHERE num_children IS NULL ORDER BY column_id`,
  );
  assert.deepEqual(
    rows,
    BUILTIN_COLUMNS.map((c) => {
      const k = PARQUET_KIND[c.type];
      return {
        name: c.name,
        type: k.type,
        repetition_type: c.when || c.empty_as_null ? 'OPTIONAL' : 'REQUIRED',
        converted_type: k.converted_type,
        logical_type: k.logical_type,
        duckdb_type: k.duckdb_type,
      };
    }),
  );
});

// arrow-rs maps TIMESTAMP(isAdjustedToUTC=true, MILLIS) to Timestamp(Millisecond, "UTC"); aesync
// embeds no Arrow schema (ARROW:schema), so this comes from the Parquet logical type alone.
const ARROW_TYPE = { string: 'Utf8', double: 'Float64', int64: 'Int64', timestamp: 'Timestamp<MILLISECOND, UTC>' };

test('arrow-rs (parquet-wasm) Arrow schema: types and nullable flags', () => {
  const table = arrowTable(file);
  assert.deepEqual(
    table.schema.fields.map((f) => [f.name, String(f.type), f.nullable]),
    BUILTIN_COLUMNS.map((c) => [c.name, ARROW_TYPE[c.type], Boolean(c.when || c.empty_as_null)]),
  );
  assert.equal(table.numRows, 200);
});
