// Running the clients under test against the S3 harness (s3_harness.mjs). The harness serves
// requests on this process's event loop, so everything here is asynchronous: child processes
// are spawned (never spawnSync) and chdb, which blocks its caller while it queries, runs in a
// child process too.
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AESYNC_BIN } from './aesync.mjs';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export const TOOLS_DIR = process.env.AESYNC_TOOLS_DIR || join(repoRoot, 'build', 'tools');
export const S3TOOL_BIN = join(TOOLS_DIR, 's3tool');
export const TIME_BIN = '/usr/bin/time';

/**
 * Spawns `cmd args`; resolves { code, signal, stdout (Buffer, unless onStdout takes it),
 * stderr (text) }. `input`: a Buffer/string, or an (async) iterable of Buffers written with
 * backpressure. `onStdout(chunk)` receives stdout instead of it being kept.
 */
export function runProcess(cmd, args, { env, cwd, input, onStdout, timeoutMs = 300_000 } = {}) {
  if (!existsSync(cmd)) throw new Error(`${cmd} not found`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c) => (onStdout ? onStdout(c) : out.push(c)));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
    // A child that exits early (an error) closes its stdin: that is its answer, not ours.
    child.stdin.on('error', () => {});
    if (input === undefined || typeof input === 'string' || Buffer.isBuffer(input)) {
      child.stdin.end(input);
    } else {
      (async () => {
        for await (const chunk of input) {
          if (!child.stdin.write(chunk)) {
            await new Promise((r) => {
              child.stdin.once('drain', r);
              child.stdin.once('close', r);
            });
          }
          if (child.stdin.destroyed) return;
        }
        child.stdin.end();
      })().catch(() => child.stdin.destroy());
    }
  });
}

/** The test's environment minus AESYNC_CONFIG and any AWS_* of the user, plus `env`. */
function baseEnv(env) {
  const e = { ...process.env };
  delete e.AESYNC_CONFIG;
  for (const k of Object.keys(e)) if (k.startsWith('AWS_')) delete e[k];
  return { ...e, AESYNC_RETRY_BASE_MS: '5', ...env };
}

/**
 * Runs `s3tool <endpoint> <bucket> <region> ...args` against harness `h` with its credentials
 * (override with env). `rss: true` runs it under /usr/bin/time and adds `maxRssKiB`.
 */
/**
 * The `[destination]` table of an aesync config for the S3 harness `h` (its key pair through the
 * environment variables the tests set), with `overrides` on top.
 */
export function s3Destination(h, overrides = {}) {
  return {
    type: 's3',
    endpoint: h.endpoint,
    bucket: h.bucket,
    region: 'us-east-1',
    access_key_id: '${E2E_S3_KEY_ID}',
    secret_access_key: '${E2E_S3_SECRET}',
    prefix: 'machine_metrics',
    ...overrides,
  };
}

export async function runS3tool(h, args, { env = {}, input, onStdout, rss = false, region = h.region } = {}) {
  const fullEnv = baseEnv({ AWS_ACCESS_KEY_ID: h.accessKeyId, AWS_SECRET_ACCESS_KEY: h.secretAccessKey, ...env });
  const argv = [h.endpoint, h.bucket, region, ...args];
  if (!rss) return runProcess(S3TOOL_BIN, argv, { env: fullEnv, input, onStdout });
  if (!existsSync(S3TOOL_BIN)) throw new Error(`${S3TOOL_BIN} not found`);
  const rssFile = join(process.env.TMPDIR || '/tmp', `aesync-rss-${process.pid}-${Date.now()}.txt`);
  const res = await runProcess(TIME_BIN, ['-f', '%M', '-o', rssFile, S3TOOL_BIN, ...argv], { env: fullEnv, input, onStdout });
  const text = readFileSync(rssFile, 'utf8').trim().split('\n');
  rmSync(rssFile, { force: true });
  // time(1) writes "Command exited with non-zero status N" first when the command failed.
  res.maxRssKiB = Number(text[text.length - 1]);
  return res;
}

/** Runs aesync asynchronously with runAesync's conventions (no AESYNC_CONFIG, a scratch cwd). */
export async function runAesyncAsync(args, { cwd, env = {}, input } = {}) {
  const res = await runProcess(AESYNC_BIN, args, { cwd, env: baseEnv(env), input });
  return { ...res, stdout: res.stdout.toString('utf8') };
}

/**
 * `size` pseudo-random bytes from `seed` (an AES-256-CTR keystream: fast and reproducible), as
 * an iterable of chunks, feeding `hash` (a crypto Hash) on the way when given.
 */
export function* seededBytes(seed, size, { chunkSize = 1 << 20, hash } = {}) {
  const key = createHash('sha256').update(`aesync-e2e:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(chunkSize);
  let left = size;
  while (left > 0) {
    const n = Math.min(left, chunkSize);
    const chunk = cipher.update(n === chunkSize ? zeros : zeros.subarray(0, n));
    hash?.update(chunk);
    left -= n;
    yield chunk;
  }
}

/** All of seededBytes in one Buffer (for small sizes). */
export function seededBuffer(seed, size) {
  return Buffer.concat([...seededBytes(seed, size)], size);
}

export function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

const CHILD = fileURLToPath(new URL('./s3_chdb_query.mjs', import.meta.url));

/** Runs a chdb query in a child process (so that its S3 requests reach our proxy); output text. */
export async function chdbQueryAsync(sql, format = 'JSONEachRow') {
  const res = await runProcess(process.execPath, [CHILD, format], { input: sql, cwd: repoRoot, env: process.env });
  if (res.code !== 0) throw new Error(`chdb query failed (${res.code ?? res.signal}): ${res.stderr.slice(0, 4000)}\n${sql}`);
  return res.stdout.toString('utf8');
}

/** chdbQueryAsync's JSONEachRow rows as objects. */
export async function chdbObjectsAsync(sql) {
  const text = await chdbQueryAsync(sql, 'JSONEachRow');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}
