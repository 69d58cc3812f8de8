// Object stores as they really behave, beyond R2 and AWS: an S3-compatible store that does not
// implement ListMultipartUploads (the S3 harness with `listMultipartUploads: false` answers it
// 501 NotImplemented with AWS's XML error body). `aesync sync` then cannot sweep the multipart
// uploads killed runs left behind: it says so in one warning for the run, naming the store, and
// completes (exit 0, every day exported). 501 is never retried: the store is asked once per run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeDump } from './lib/ae.mjs';
import { scratchDir } from './lib/aesync.mjs';
import { genMachineMetrics } from './lib/gen.mjs';
import { configToml } from './lib/mapping.mjs';
import { Rng, seedFromEnv } from './lib/prng.mjs';
import { startS3Harness } from './lib/s3_harness.mjs';
import { runAesyncAsync, s3Destination } from './lib/s3_tools.mjs';

const SEED = seedFromEnv(4242);
const scratch = scratchDir('store-compat');
const dump = join(scratch, 'dump.jsonl');
const DAYS = ['2026-02-01', '2026-02-02', '2026-02-03'];
const WARNING =
  'this store does not implement ListMultipartUploads: multipart uploads left by killed runs are not cleaned up ' +
  'there (the partition lease still protects each day being exported)';

let h;
let config;

before(async () => {
  h = await startS3Harness({ bucket: 'aesync-store-compat-e2e', listMultipartUploads: false });
  writeDump(dump, genMachineMetrics(new Rng(SEED), { rows: 300, days: DAYS.length, startDay: DAYS[0] }));
  config = join(scratch, 'sync.toml');
  writeFileSync(
    config,
    configToml({
      tables: {
        source: { type: 'file', path: dump },
        destination: s3Destination(h),
        sync: { retention_days: 3650 }, // the dump's days are fixed dates in 2026: kept in scope (sync skips days prune would delete)
      },
    }),
  );
});

after(async () => {
  await h?.close();
});

async function sync() {
  const from = h.requests.length;
  const res = await runAesyncAsync(['--log-format', 'json', 'sync', '-c', config], {
    cwd: scratch,
    env: { E2E_S3_KEY_ID: h.accessKeyId, E2E_S3_SECRET: h.secretAccessKey, AESYNC_RETRY_BASE_MS: '5' },
  });
  return { ...res, s3: h.since(from) };
}

for (const run of ['first', 'second']) {
  test(`ListMultipartUploads not implemented (${run} run): one warning naming the store, exit 0, not retried (seed=${SEED})`, async () => {
    const res = await sync();
    assert.equal(res.code, 0, `exit ${res.code ?? res.signal}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
    const lines = res.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    const warnings = lines.filter((l) => l.msg === WARNING);
    assert.equal(warnings.length, 1, res.stderr);
    assert.equal(warnings[0].level, 'warn');
    assert.equal(warnings[0].store, `s3://${h.bucket}/ (endpoint ${h.endpoint})`);
    assert.equal(
      warnings[0].answer,
      'HTTP 501 NotImplemented: A header you provided implies functionality that is not implemented.',
    );
    // Nothing else went wrong, and nothing was retried.
    assert.deepEqual(lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => l.msg), [WARNING]);
    const lists = res.s3.filter((r) => r.op === 'ListMultipartUploads');
    assert.deepEqual(lists.map((r) => [r.status, r.error]), [[501, 'NotImplemented']]);
    // Every day exported, every lease released.
    assert.deepEqual(
      await h.listKeys('machine_metrics/'),
      DAYS.flatMap((d) => [`machine_metrics/${d}/_manifest.json`, `machine_metrics/${d}/data.parquet`]),
    );
    assert.deepEqual(h.openUploads(), []);
  });
}
