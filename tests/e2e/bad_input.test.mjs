// Bad input and bad config: `aesync convert` exits 1 for input errors and 2 for config errors,
// the message on stderr names the culprit (line number, key, variable), and nothing is left in
// the output directory: no output file, no temp file. Input errors come after enough good rows
// that row groups were already flushed (row_group_rows = 100), so a temp file did exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { aeLine } from './lib/ae.mjs';
import { runAesync, scratchDir } from './lib/aesync.mjs';
import { genMachineMetrics } from './lib/gen.mjs';
import { configToml } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';

const SEED = seedFromEnv(99);
const scratch = scratchDir('bad-input');
const GOOD = genMachineMetrics(new Rng(SEED), { rows: 1200, days: 1 }).map(aeLine);
const SMALL_GROUPS = configToml({ tables: { output: { compression: 'zstd', row_group_rows: 100 } } });

let caseNo = 0;

/**
 * Writes `dumpLines` and `configText` into a fresh case dir, runs convert into <case>/out/ and
 * returns { res, outDir, config }.
 */
function convertCase(dumpLines, configText) {
  const dir = join(scratch, `case${++caseNo}`);
  const outDir = join(dir, 'out');
  mkdirSync(outDir, { recursive: true });
  const dump = join(dir, 'dump.jsonl');
  const config = join(dir, 'aesync.toml');
  writeFileSync(dump, dumpLines.join('\n') + '\n');
  writeFileSync(config, configText);
  const res = runAesync(['convert', '--input', dump, '--output', join(outDir, 'data.parquet'), '-c', config], {
    cwd: dir,
  });
  return { res, outDir, config };
}

function assertNothingLeft(outDir) {
  assert.deepEqual(readdirSync(outDir), [], 'the output directory must stay empty');
}

test(`truncated JSON line -> exit 1, names line 1101 (seed=${SEED})`, () => {
  const lines = [...GOOD.slice(0, 1100), '{"timestamp": ', ...GOOD.slice(1100)];
  const { res, outDir } = convertCase(lines, SMALL_GROUPS);
  assert.equal(res.code, 1, res.stderr);
  assert.match(res.stderr, /^aesync: error: line 1101: [^\n]+: \{"timestamp":/m);
  assertNothingLeft(outDir);
});

test('a line that is not JSON -> exit 1, names line 2 and quotes it', () => {
  const lines = [GOOD[0], 'not json', ...GOOD.slice(1, 10)];
  const { res, outDir } = convertCase(lines, SMALL_GROUPS);
  assert.equal(res.code, 1, res.stderr);
  assert.match(res.stderr, /^aesync: error: line 2: [^\n]+: not json$/m);
  assertNothingLeft(outDir);
});

test('a number that is not one ("double1": "abc") -> exit 1 with the contract message', () => {
  // A line whose 120-byte cut falls inside a 3-byte character ("日" at bytes 119..121): the quote
  // is the first 120 bytes less the split character, then "…".
  const row = { ...JSON.parse(GOOD[1150]), _sample_interval: 1, blob1: 'o', blob2: 'p', blob3: 't', blob4: 'resource' };
  row.double1 = 'abc';
  row.blob5 = '';
  const head = aeLine(row).split('"blob5":"')[0] + '"blob5":"';
  row.blob5 = 'x'.repeat(119 - Buffer.byteLength(head)) + '日本語';
  const bad = aeLine(row);
  assert.equal(Buffer.from(bad).subarray(119, 122).toString(), '日');
  const quoted = bad.slice(0, bad.indexOf('日')) + '…';
  assert.equal(Buffer.byteLength(quoted), 119 + 3);

  const lines = [...GOOD.slice(0, 1150), bad, ...GOOD.slice(1151)];
  const { res, outDir } = convertCase(lines, SMALL_GROUPS);
  assert.equal(res.code, 1, res.stderr);
  // `line N: <reason>: <first 120 bytes of the line>`
  assert.ok(
    res.stderr.includes(`aesync: error: line 1151: "double1": expected a number, got "abc": ${quoted}\n`),
    res.stderr,
  );
  assertNothingLeft(outDir);
});

test('a typo in a config key (output.compresion) -> exit 2, names file:line:col and suggests the key', () => {
  const { res, outDir } = convertCase(GOOD.slice(0, 10), '[output]\ncompresion = "zstd"\n');
  assert.equal(res.code, 2, res.stderr);
  assert.ok(res.stderr.startsWith('aesync: error: '), res.stderr);
  assert.ok(res.stderr.includes('unknown key "output.compresion" (did you mean "output.compression"?)'), res.stderr);
  assert.match(res.stderr, /aesync\.toml:2:1\b/);
  assertNothingLeft(outDir);
});

test('a config using an unset ${VAR} -> exit 2, names the variable and the key', () => {
  delete process.env.AESYNC_E2E_UNSET_VAR; // the child inherits this environment
  const { res, outDir } = convertCase(
    GOOD.slice(0, 10),
    '[output]\nformat = "parquet"\ncompression = "${AESYNC_E2E_UNSET_VAR}"\n',
  );
  assert.equal(res.code, 2, res.stderr);
  assert.ok(res.stderr.startsWith('aesync: error: '), res.stderr);
  assert.ok(res.stderr.includes('environment variable AESYNC_E2E_UNSET_VAR is not set'), res.stderr);
  assert.ok(res.stderr.includes('output.compression'), res.stderr);
  assert.match(res.stderr, /aesync\.toml:3:\d+/);
  assertNothingLeft(outDir);
});
