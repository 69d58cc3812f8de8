// `aesync sync` from a file source to a local destination: one folder per UTC day present in the
// input, each with data.parquet and a _manifest.json that matches the file; the files hold exactly
// that day's rows; ClickHouse's glob over the partitions (what PostHog queries) sees every row;
// and a second run writes byte-identical data files.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { aeDay, numberOf, writeDump } from './lib/ae.mjs';
import { runAesyncOk, scratchDir } from './lib/aesync.mjs';
import { assertRowsEqual } from './lib/compare.mjs';
import { genMachineMetrics } from './lib/gen.mjs';
import { BUILTIN_COLUMNS, configToml, isNullable, mapRows } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { chdbObjects, duckdbRows, sqlString } from './lib/readers.mjs';

const SEED = seedFromEnv(31337);
const DAYS = ['2026-02-01', '2026-02-02', '2026-02-03'];
const scratch = scratchDir('sync-local');
const exportsDir = join(scratch, 'exports');
const configPath = join(scratch, 'aesync.toml');
const raw = genMachineMetrics(new Rng(SEED), { rows: 3000, days: 3, startDay: DAYS[0] });
const partitionDir = (day) => join(exportsDir, 'machine_metrics', day);

function sync() {
  return runAesyncOk(['sync', '-c', configPath], { cwd: scratch });
}

before(() => {
  const dump = join(scratch, 'dump.jsonl');
  writeDump(dump, raw);
  writeFileSync(
    configPath,
    configToml({
      tables: {
        source: { type: 'file', path: dump },
        destination: { type: 'local', path: exportsDir, prefix: 'machine_metrics' },
        sync: { retention_days: 3650 }, // the dump's days are fixed dates in 2026: kept in scope (sync skips days prune would delete)
      },
    }),
  );
  sync();
});

test(`one folder per UTC day, each with data.parquet and _manifest.json (seed=${SEED})`, () => {
  assert.deepEqual(readdirSync(exportsDir), ['machine_metrics']);
  assert.deepEqual(readdirSync(join(exportsDir, 'machine_metrics')).sort(), DAYS);
  for (const day of DAYS) assert.deepEqual(readdirSync(partitionDir(day)).sort(), ['_manifest.json', 'data.parquet']);
});

test('each manifest matches its data file and the input rows of its day', () => {
  for (const day of DAYS) {
    const dayRows = raw.filter((r) => aeDay(r.timestamp) === day);
    const data = readFileSync(join(partitionDir(day), 'data.parquet'));
    const m = JSON.parse(readFileSync(join(partitionDir(day), '_manifest.json'), 'utf8'));
    // The manifest's keys (docs/data-layout.md); data_key is the data file's object key, null for an empty day.
    assert.deepEqual(
      Object.keys(m).sort(),
      ['aesync_version', 'bytes', 'columns', 'data_key', 'exported_at', 'partition', 'read_sampled', 'rows',
        'sample_weight', 'schema_fingerprint', 'sha256', 'source_rows', 'table', 'verified', 'windows'],
      day,
    );
    assert.equal(m.data_key, `machine_metrics/${day}/data.parquet`);
    assert.deepEqual(
      m.columns,
      BUILTIN_COLUMNS.map((c) => ({ name: c.name, type: c.type, from: c.from, nullable: isNullable(c) })),
    );
    // The file source fetches no windows and has no independent count to verify against.
    assert.deepEqual(m.windows, []);
    assert.equal(m.verified, false);
    assert.equal(m.read_sampled, false, 'nothing read-sampled from a file');
    assert.equal(m.partition, day);
    assert.equal(m.rows, dayRows.length, `${day} rows`);
    assert.equal(m.source_rows, dayRows.length, `${day} source_rows`);
    assert.equal(m.sample_weight, dayRows.reduce((s, r) => s + numberOf(r._sample_interval), 0), `${day} sample_weight`);
    assert.equal(m.bytes, statSync(join(partitionDir(day), 'data.parquet')).size, `${day} bytes`);
    assert.equal(m.bytes, data.length);
    assert.equal(m.sha256, createHash('sha256').update(data).digest('hex'), `${day} sha256`);
    assert.match(m.aesync_version, /^\d+\.\d+\.\d+/);
    assert.ok(!Number.isNaN(Date.parse(m.exported_at)), `exported_at ${m.exported_at}`);
  }
});

test('each data file holds exactly its day\'s rows, in timestamp order, with the built-in mapping', async () => {
  for (const day of DAYS) {
    const expected = mapRows(raw.filter((r) => aeDay(r.timestamp) === day), BUILTIN_COLUMNS);
    const actual = await duckdbRows(join(partitionDir(day), 'data.parquet'), BUILTIN_COLUMNS);
    assertRowsEqual(actual, expected, BUILTIN_COLUMNS, `${day} (seed=${SEED})`);
  }
});

test('ClickHouse over <prefix>/*/data.parquet: count() and sum(sample_interval) equal the input\'s', () => {
  const glob = join(exportsDir, 'machine_metrics', '*', 'data.parquet');
  const [row] = chdbObjects(
    `SELECT count() AS n, sum(sample_interval) AS w, uniqExact(toDate(timestamp)) AS days ` +
      `FROM file(${sqlString(glob)}, Parquet) SETTINGS output_format_json_quote_64bit_integers = 1`,
  );
  assert.deepEqual(row, {
    n: String(raw.length),
    w: String(raw.reduce((s, r) => s + numberOf(r._sample_interval), 0)),
    days: String(DAYS.length),
  });
});

test('a second sync writes byte-identical data files', () => {
  const before = DAYS.map((day) => readFileSync(join(partitionDir(day), 'data.parquet')));
  sync();
  assert.deepEqual(readdirSync(join(exportsDir, 'machine_metrics')).sort(), DAYS);
  DAYS.forEach((day, i) => {
    const after = readFileSync(join(partitionDir(day), 'data.parquet'));
    assert.ok(after.equals(before[i]), `${day}: data.parquet changed between two runs of the same plan`);
    const m = JSON.parse(readFileSync(join(partitionDir(day), '_manifest.json'), 'utf8'));
    assert.equal(m.sha256, createHash('sha256').update(after).digest('hex'));
    assert.deepEqual(readdirSync(partitionDir(day)).sort(), ['_manifest.json', 'data.parquet']);
  });
});
