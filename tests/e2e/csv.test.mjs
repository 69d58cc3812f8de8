// CSV output (PostHog format CSVWithNames): ClickHouse reads `aesync convert --format csv` (plain
// and gzipped) with the built-in mapping's structure and gets exactly the rows it reads from the
// Parquet file of the same dump: NULLs as NULL, empty strings as "", timestamps to the ms.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

import { writeDump } from './lib/ae.mjs';
import { runAesyncOk, scratchDir } from './lib/aesync.mjs';
import { genMachineMetrics } from './lib/gen.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { chdbObjects, chdbQuery, sqlString } from './lib/readers.mjs';

const SEED = seedFromEnv(5);
const scratch = scratchDir('csv');
const dump = join(scratch, 'dump.jsonl');
const parquet = join(scratch, 'm.parquet');
const csv = join(scratch, 'm.csv');
const csvGz = join(scratch, 'm.csv.gz');
let structure;

before(() => {
  writeDump(dump, genMachineMetrics(new Rng(SEED), { rows: 3000, days: 2, machines: 50, orgs: 5 }));
  runAesyncOk(['convert', '--input', dump, '--output', parquet], { cwd: scratch });
  runAesyncOk(['convert', '--input', dump, '--output', csv], { cwd: scratch });
  runAesyncOk(['convert', '--input', dump, '--output', csvGz], { cwd: scratch });
  structure = chdbObjects(`DESCRIBE file(${sqlString(parquet)}, Parquet)`)
    .map((c) => `${c.name} ${c.type}`)
    .join(', ');
});

// Every column as text, in file order, with NULL spelled out so it cannot pass for "".
function rowsAsText(source) {
  return chdbQuery(`SELECT * FROM ${source} SETTINGS max_threads = 1, format_tsv_null_representation = 'NULL'`, 'TSV');
}

test(`CSV and Parquet of the same dump read back identically in ClickHouse (seed=${SEED})`, () => {
  const fromParquet = rowsAsText(`file(${sqlString(parquet)}, Parquet)`);
  assert.equal(fromParquet.split('\n').length - 1, 3000);
  assert.ok(fromParquet.includes('\tNULL\t'), 'the sample has NULLs to compare');
  assert.equal(rowsAsText(`file(${sqlString(csv)}, CSVWithNames, ${sqlString(structure)})`), fromParquet);
  assert.equal(rowsAsText(`file(${sqlString(csvGz)}, CSVWithNames, ${sqlString(structure)})`), fromParquet);
});

test('the .csv.gz output is the gzip of the .csv output', () => {
  const plain = readFileSync(csv);
  assert.ok(plain.subarray(0, 200).toString().startsWith('timestamp,machine_id,org_id,project_id,machine_type,metric_type,process_name,sample_interval,value1,'));
  assert.deepEqual(gunzipSync(readFileSync(csvGz)), plain);
});
