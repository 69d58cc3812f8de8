// Running the aesync binary under test ($AESYNC_BIN, default build/aesync of this checkout) and
// the per-test-file scratch directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export const AESYNC_BIN = process.env.AESYNC_BIN || join(repoRoot, 'build', 'aesync');

// The source's request budget (source.max_requests_per_minute, src/net/request_budget.h) would
// make every test that is not about it wait as a real backfill does (2 requests per second):
// every aesync a test file starts (they inherit this environment) gets an unlimited budget,
// unless the test gives AESYNC_BUDGET_PER_MINUTE itself ('' = the configured rate).
process.env.AESYNC_BUDGET_PER_MINUTE ??= '1000000';

/**
 * Runs aesync with `args`; returns { code, signal, stdout, stderr } (stdout a Buffer with
 * `binaryStdout`, else text). The environment is the test's
 * minus AESYNC_CONFIG (so no config is picked up by accident) plus `env`. Tests pass a scratch
 * `cwd`, so that a ./aesync.toml of the checkout is never picked up either.
 */
export function runAesync(args, { cwd, env = {}, input, binaryStdout = false, timeoutMs = 120_000 } = {}) {
  if (!existsSync(AESYNC_BIN)) throw new Error(`aesync binary not found at ${AESYNC_BIN} (set AESYNC_BIN)`);
  const baseEnv = { ...process.env };
  delete baseEnv.AESYNC_CONFIG;
  const res = spawnSync(AESYNC_BIN, args, {
    cwd,
    env: { ...baseEnv, ...env },
    input,
    encoding: 'buffer',
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.error) throw new Error(`aesync ${args.join(' ')}: ${res.error.message}`);
  return {
    code: res.status,
    signal: res.signal,
    stdout: binaryStdout ? res.stdout : res.stdout.toString('utf8'),
    stderr: res.stderr.toString('utf8'),
  };
}

/** Runs aesync and fails unless it exits 0; returns the result. */
export function runAesyncOk(args, opts) {
  const res = runAesync(args, opts);
  if (res.code !== 0) {
    throw new Error(
      `aesync ${args.join(' ')} exited ${res.code ?? res.signal}\nstderr:\n${res.stderr.slice(0, 4000)}`,
    );
  }
  return res;
}

/**
 * A fresh directory under the OS temp dir for this test file, removed when the file's tests end
 * (set E2E_KEEP_TMP=1 to keep it for a post-mortem).
 */
export function scratchDir(tag) {
  const dir = mkdtempSync(join(tmpdir(), `aesync-e2e-${tag}-`));
  after(() => {
    if (process.env.E2E_KEEP_TMP) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
