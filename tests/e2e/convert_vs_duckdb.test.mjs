// `aesync convert` with the built-in mapping against the same mapping written in DuckDB SQL over
// the same JSONEachRow dump: ~20k realistic machine_metrics rows over several days must agree in
// every row and column, in input order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeDump } from './lib/ae.mjs';
import { runAesyncOk, scratchDir } from './lib/aesync.mjs';
import { assertRowsEqual } from './lib/compare.mjs';
import { genMachineMetrics } from './lib/gen.mjs';
import { BUILTIN_COLUMNS } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { duckRows, duckdbRows, sqlString } from './lib/readers.mjs';

const SEED = seedFromEnv(424242);
const ROWS = 20_000;
const DAYS = 4;

// The built-in mapping (docs/configuration.md) in SQL. Every raw value is read as text so that numbers sent
// as JSON strings ("37.5") and as JSON numbers parse the same way; AE timestamps are UTC.
function expectedSql(dump) {
  const raw = ['timestamp', 'index1', 'dataset', '_sample_interval', 'blob1', 'blob2', 'blob3', 'blob4', 'blob5',
    'double1', 'double2', 'double3', 'double4'];
  const columns = `{${raw.map((k) => `'${k}': 'VARCHAR'`).join(', ')}}`;
  return `
    SELECT
      epoch_ms(strptime("timestamp", '%Y-%m-%d %H:%M:%S')) AS "timestamp",
      index1 AS machine_id,
      blob1 AS org_id,
      blob2 AS project_id,
      blob3 AS machine_type,
      blob4 AS metric_type,
      NULLIF(blob5, '') AS process_name,
      CAST(_sample_interval AS BIGINT) AS sample_interval,
      CAST(double1 AS DOUBLE) AS value1,
      CAST(double2 AS DOUBLE) AS value2,
      CAST(double3 AS DOUBLE) AS value3,
      CAST(double4 AS DOUBLE) AS value4,
      CASE WHEN blob4 = 'resource' THEN CAST(double1 AS DOUBLE) END AS cpu_percent,
      CASE WHEN blob4 = 'resource' THEN CAST(double2 AS DOUBLE) END AS memory_percent,
      CASE WHEN blob4 = 'startup' THEN CAST(double1 AS DOUBLE) END AS time_to_ready_ms
    FROM read_json(${sqlString(dump)}, format = 'newline_delimited', columns = ${columns}) WITH ORDINALITY
    ORDER BY ordinality`;
}

test(`convert (built-in mapping) equals DuckDB's SQL mapping: ${ROWS} rows, ${DAYS} days (seed=${SEED})`, { timeout: 150_000 }, async () => {
  const scratch = scratchDir('convert-vs-duckdb');
  const dump = join(scratch, 'dump.jsonl');
  const out = join(scratch, 'out.parquet');
  const raw = genMachineMetrics(new Rng(SEED), { rows: ROWS, days: DAYS });
  writeDump(dump, raw);
  runAesyncOk(['convert', '--input', dump, '--output', out], { cwd: scratch });

  const expected = (await duckRows(expectedSql(dump))).map((r) =>
    r.map((v, i) => (BUILTIN_COLUMNS[i].type === 'int64' || BUILTIN_COLUMNS[i].type === 'timestamp') && v !== null ? BigInt(v) : v),
  );
  assert.equal(expected.length, ROWS);
  // The data set is what it claims to be: several days, all three metric types, NULLs present.
  const [[days, kinds, nullProcs]] = await duckRows(
    `SELECT count(DISTINCT "timestamp"[1:10]), count(DISTINCT blob4), count(*) FILTER (WHERE blob5 = '') ` +
      `FROM read_json(${sqlString(dump)}, format = 'newline_delimited', ` +
      `columns = {'timestamp': 'VARCHAR', 'blob4': 'VARCHAR', 'blob5': 'VARCHAR'})`,
  );
  assert.equal(days, BigInt(DAYS));
  assert.equal(kinds, 3n);
  assert.ok(nullProcs > 10_000n, `empty process names: ${nullProcs}`);

  const actual = await duckdbRows(out, BUILTIN_COLUMNS);
  assertRowsEqual(actual, expected, BUILTIN_COLUMNS, `aesync vs DuckDB SQL (seed=${SEED})`);

  // The same conversion from stdin to stdout (--input - --output -) gives the same bytes.
  const piped = runAesyncOk(['convert', '--input', '-', '--output', '-', '--format', 'parquet'], {
    cwd: scratch,
    input: readFileSync(dump),
    binaryStdout: true,
  });
  assert.ok(piped.stdout.equals(readFileSync(out)), `stdout: ${piped.stdout.length} bytes, file: ${readFileSync(out).length}`);
});
