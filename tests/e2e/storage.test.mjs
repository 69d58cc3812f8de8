// The production S3 store (through the test tool `s3tool`, built from tests/tools/s3tool.cpp)
// against the S3 harness: s3rver behind a proxy that verifies every SigV4 signature with AWS's
// signer and every body against x-amz-content-sha256, enforces R2's multipart and checksum
// rules, and injects faults (lib/s3_harness.mjs). Objects of every size class upload and read
// back byte-identical with the expected requests; 200 MiB streams in bounded memory; awkward
// keys round-trip; a wrong secret fails clearly without leaking; faults are retried; a failure
// that outlasts the retries leaves neither an object nor an open multipart upload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { MiB, startS3Harness } from './lib/s3_harness.mjs';
import { errorCode, s3Request } from './lib/s3_client.mjs';
import { runS3tool, seededBuffer, seededBytes, sha256 } from './lib/s3_tools.mjs';
import { seedFromEnv } from './lib/prng.mjs';

const SEED = seedFromEnv(4242);
const PART = 8 * MiB; // s3tool's default part size
let h;

before(async () => {
  h = await startS3Harness({ bucket: 'aesync-storage-e2e' });
});

after(async () => {
  await h?.close();
});

/** Uploads `input` (Buffer or iterable of Buffers) with `s3tool put`; returns the run and its requests. */
async function put(key, input, { partSize, env, rss } = {}) {
  const from = h.requests.length;
  const args = ['put', key, ...(partSize ? ['--part-size', String(partSize)] : [])];
  const res = await runS3tool(h, args, { input, env, rss });
  return { ...res, reqs: h.since(from) };
}

function assertOk(res, what) {
  assert.equal(res.code, 0, `${what}: exit ${res.code ?? res.signal}\nstderr: ${res.stderr}`);
}

/** `s3tool get`, hashed as it streams. */
async function getHashed(key) {
  const hash = createHash('sha256');
  let size = 0;
  const res = await runS3tool(h, ['get', key], {
    onStdout: (c) => {
      hash.update(c);
      size += c.length;
    },
  });
  return { ...res, sha: hash.digest('hex'), size };
}

async function headSize(key) {
  const res = await runS3tool(h, ['head', key]);
  return res.code === 0 ? Number(res.stdout.toString().trim()) : { code: res.code, stderr: res.stderr };
}

/** [op, status] of each request. */
const opsOf = (reqs) => reqs.map((r) => [r.op, r.status]);

/** The requests of a multipart upload of `size` bytes in parts of `partSize`, all answered 200. */
function expectedMultipart(size, partSize) {
  const sizes = [];
  for (let left = size; left > 0; left -= partSize) sizes.push(Math.min(partSize, left));
  return {
    ops: [['CreateMultipartUpload', 200], ...sizes.map(() => ['UploadPart', 200]), ['CompleteMultipartUpload', 200]],
    parts: sizes.map((s, i) => [i + 1, s]),
  };
}

const partsOf = (reqs) => reqs.filter((r) => r.op === 'UploadPart').map((r) => [r.partNumber, r.bodyBytes]);

// ---------------------------------------------------------------------------------------------
// The harness's own verdicts, with requests signed by AWS's signer: if these did not hold, its
// acceptance of the store's requests would prove nothing.

test('harness: a well-signed request is served; a wrong secret or an unknown key is refused', async () => {
  const ok = await s3Request(h, { method: 'PUT', key: 'harness/a b+c=d.txt', body: Buffer.from('hello') });
  assert.equal(ok.status, 200, ok.body);
  const back = await s3Request(h, { key: 'harness/a b+c=d.txt' });
  assert.deepEqual([back.status, back.body], [200, 'hello']);
  const bad = await s3Request(h, { key: 'harness/a b+c=d.txt', secretAccessKey: 'not-the-secret' });
  assert.equal(bad.status, 403);
  assert.match(
    bad.body,
    /<Error><Code>SignatureDoesNotMatch<\/Code><Message>The request signature we calculated does not match the signature you provided\. Check your key and signing method\.<\/Message>/,
  );
  const unknown = await s3Request(h, { key: 'harness/a b+c=d.txt', accessKeyId: 'AKIANOSUCHKEY0000000' });
  assert.deepEqual([unknown.status, errorCode(unknown.body)], [403, 'InvalidAccessKeyId']);
  // A signed header changed after signing.
  const tampered = await s3Request(h, {
    method: 'PUT', key: 'harness/t.txt', body: Buffer.from('x'), headers: { 'x-amz-meta-n': '1' },
    tamper: (r) => { r.headers['x-amz-meta-n'] = '2'; },
  });
  assert.deepEqual([tampered.status, errorCode(tampered.body)], [403, 'SignatureDoesNotMatch']);
  // R2's region "auto" is accepted as well as us-east-1.
  const r2 = await s3Request(h, { key: 'harness/a b+c=d.txt', region: 'auto' });
  assert.equal(r2.status, 200);
});

test('harness: payload hash, checksum-header and path-encoding rules', async () => {
  const body = Buffer.from('payload');
  const wrongHash = await s3Request(h, { method: 'PUT', key: 'harness/h.txt', body, payloadHash: sha256('other') });
  assert.deepEqual([wrongHash.status, errorCode(wrongHash.body)], [400, 'XAmzContentSHA256Mismatch']);
  const md5 = createHash('md5').update(body).digest('base64');
  const sha256b64 = createHash('sha256').update(body).digest('base64');
  const two = await s3Request(h, {
    method: 'PUT', key: 'harness/h.txt', body, headers: { 'content-md5': md5, 'x-amz-checksum-sha256': sha256b64 },
  });
  assert.deepEqual([two.status, errorCode(two.body)], [400, 'InvalidRequest']);
  const badMd5 = await s3Request(h, { method: 'PUT', key: 'harness/h.txt', body, headers: { 'content-md5': sha256b64.slice(0, 24) } });
  assert.deepEqual([badMd5.status, errorCode(badMd5.body)], [400, 'BadDigest']);
  const one = await s3Request(h, { method: 'PUT', key: 'harness/h.txt', body, headers: { 'content-md5': md5 } });
  assert.equal(one.status, 200, one.body);
  const unsigned = await s3Request(h, { key: 'harness/h.txt', payloadHash: 'UNSIGNED-PAYLOAD', userAgent: 'harness-unsigned' });
  assert.equal(unsigned.status, 200);
  assert.equal(h.unsignedPayloadsByAgent()['harness-unsigned'], 1);
  // A raw '+' in a path (S3 would read it as a space) is refused even when signed as sent.
  const rawPlus = await s3Request(h, { method: 'PUT', rawPath: `/${h.bucket}/harness/p+q`, body });
  assert.deepEqual([rawPlus.status, errorCode(rawPlus.body)], [400, 'InvalidURI']);
});

test('harness: CompleteMultipartUpload enforces R2\'s part rules; Abort and ListMultipartUploads work', async () => {
  const key = 'harness/multi.bin';
  const create = await s3Request(h, { method: 'POST', key, query: { uploads: '' } });
  assert.equal(create.status, 200);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.body)[1];
  assert.deepEqual(h.openUploads().map((u) => [u.key, u.uploadId]), [[key, uploadId]]);
  const listed = await s3Request(h, { query: { uploads: '', prefix: 'harness/' } });
  assert.match(listed.body, new RegExp(`<Upload><Key>harness/multi\\.bin</Key><UploadId>${uploadId}</UploadId>`));
  const etags = [];
  for (const [n, size] of [[1, 5 * MiB], [2, 6 * MiB], [3, 10]]) {
    const r = await s3Request(h, { method: 'PUT', key, query: { uploadId, partNumber: String(n) }, body: Buffer.alloc(size, n) });
    assert.equal(r.status, 200);
    etags.push(r.headers.etag);
  }
  const complete = (parts) =>
    s3Request(h, {
      method: 'POST', key, query: { uploadId },
      body: Buffer.from(
        '<CompleteMultipartUpload>' +
          parts.map((n) => `<Part><PartNumber>${n}</PartNumber><ETag>${etags[n - 1]}</ETag></Part>`).join('') +
          '</CompleteMultipartUpload>',
      ),
    });
  const unequal = await complete([1, 2, 3]);
  assert.deepEqual([unequal.status, errorCode(unequal.body)], [400, 'InvalidPart']);
  const small = await s3Request(h, { method: 'PUT', key, query: { uploadId, partNumber: '2' }, body: Buffer.alloc(10, 2) });
  etags[1] = small.headers.etag;
  const tooSmall = await complete([1, 2, 3]);
  assert.deepEqual([tooSmall.status, errorCode(tooSmall.body)], [400, 'EntityTooSmall']);
  assert.equal(h.openUploads().length, 1);
  const abort = await s3Request(h, { method: 'DELETE', key, query: { uploadId } });
  assert.equal(abort.status, 204);
  assert.deepEqual(h.openUploads(), []);
  assert.equal(await h.objectBytes(key), null);
  const again = await s3Request(h, { method: 'DELETE', key, query: { uploadId } });
  assert.deepEqual([again.status, errorCode(again.body)], [404, 'NoSuchUpload']);
});

// ---------------------------------------------------------------------------------------------
// Sizes.

const SIZES = [
  ['0 B', 0],
  ['1 B', 1],
  ['exactly one part (8 MiB)', PART],
  ['one part + 1 byte', PART + 1],
];

for (const [name, size] of SIZES) {
  test(`${name}: uploads with the expected requests and reads back byte-identical (seed=${SEED})`, async () => {
    const key = `sizes/${size}.bin`;
    const data = seededBuffer(`${SEED}:${size}`, size);
    const res = await put(key, data);
    assertOk(res, `put ${key}`);
    if (size <= PART) {
      assert.deepEqual(opsOf(res.reqs), [['PutObject', 200]]);
      assert.equal(res.reqs[0].bodyBytes, size);
    } else {
      const exp = expectedMultipart(size, PART);
      assert.deepEqual(opsOf(res.reqs), exp.ops);
      assert.deepEqual(partsOf(res.reqs), exp.parts);
    }
    for (const r of res.reqs) {
      assert.match(r.contentSha256, /^[0-9a-f]{64}$/, `${r.op}: x-amz-content-sha256`);
      assert.ok(r.checksumHeaders.length <= 1, `${r.op}: ${r.checksumHeaders}`);
    }
    assert.equal(sha256(await h.objectBytes(key)), sha256(data), 'stored bytes');
    assert.equal(await headSize(key), size);
    const got = await getHashed(key);
    assertOk(got, `get ${key}`);
    assert.deepEqual([got.size, got.sha], [size, sha256(data)]);
    assert.deepEqual(h.openUploads(), []);
  });
}

test('parts + 1 byte with --part-size 5 MiB: parts [5 MiB, 5 MiB, 1]', async () => {
  const size = 10 * MiB + 1;
  const data = seededBuffer(`${SEED}:5m`, size);
  const res = await put('sizes/5m-parts.bin', data, { partSize: 5 * MiB });
  assertOk(res, 'put');
  assert.deepEqual(opsOf(res.reqs), expectedMultipart(size, 5 * MiB).ops);
  assert.deepEqual(partsOf(res.reqs), [[1, 5 * MiB], [2, 5 * MiB], [3, 1]]);
  assert.equal(sha256(await h.objectBytes('sizes/5m-parts.bin')), sha256(data));
});

test('200 MiB streamed from stdin: 25 parts of 8 MiB, peak RSS of s3tool below 64 MiB, read back identical', async (t) => {
  const size = 200 * MiB;
  const inHash = createHash('sha256');
  const res = await put('sizes/200MiB.bin', seededBytes(`${SEED}:200`, size, { hash: inHash }), { rss: true });
  assertOk(res, 'put 200 MiB');
  const expectedSha = inHash.digest('hex');
  assert.deepEqual(opsOf(res.reqs), expectedMultipart(size, PART).ops);
  assert.deepEqual(partsOf(res.reqs), Array.from({ length: 25 }, (_, i) => [i + 1, PART]));
  t.diagnostic(`s3tool peak RSS: ${res.maxRssKiB} KiB`);
  assert.ok(res.maxRssKiB > 0 && res.maxRssKiB < 64 * 1024, `peak RSS ${res.maxRssKiB} KiB`);
  assert.deepEqual(h.openUploads(), []);
  assert.equal(await headSize('sizes/200MiB.bin'), size);
  const got = await getHashed('sizes/200MiB.bin');
  assertOk(got, 'get 200 MiB');
  assert.deepEqual([got.size, got.sha], [size, expectedSha]);
});

// ---------------------------------------------------------------------------------------------
// Keys.

const AWKWARD = [
  'awkward/with space.txt',
  'awkward/plus+sign.txt',
  'awkward/equals=sign&amp.txt',
  'awkward/日本語/ファイル 名.txt',
  'awkward/café/déjà-vu 🦕.bin',
  "awkward/punct!'()*~,;:@$.txt",
  'awkward/percent%20literal.txt',
];

test('keys with spaces, unicode, +, =, & and % round-trip through put, list, head and get', async () => {
  for (const [i, key] of AWKWARD.entries()) {
    const res = await put(key, Buffer.from(`object ${i}: ${key}`));
    assertOk(res, `put ${key}`);
    assert.deepEqual(opsOf(res.reqs), [['PutObject', 200]], key);
  }
  const list = await runS3tool(h, ['list', 'awkward/']);
  assertOk(list, 'list');
  const lines = list.stdout.toString('utf8').split('\n').filter((l) => l !== '');
  // In S3's order: by the keys' UTF-8 bytes.
  const sorted = [...AWKWARD].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const sizeOf = (k) => Buffer.byteLength(`object ${AWKWARD.indexOf(k)}: ${k}`);
  assert.deepEqual(lines, sorted.map((k) => `${k} ${sizeOf(k)}`));
  assert.deepEqual(await h.listKeys('awkward/'), sorted);
  for (const [i, key] of AWKWARD.entries()) {
    const get = await runS3tool(h, ['get', key]);
    assertOk(get, `get ${key}`);
    assert.equal(get.stdout.toString('utf8'), `object ${i}: ${key}`);
    assert.equal(await headSize(key), Buffer.byteLength(`object ${i}: ${key}`));
  }
});

test('head of a missing key exits 3; delete of a missing key succeeds', async () => {
  const head = await runS3tool(h, ['head', 'missing/nothing.bin']);
  assert.equal(head.code, 3, head.stderr);
  const del = await runS3tool(h, ['delete', 'missing/nothing.bin']);
  assertOk(del, 'delete missing');
});

// ---------------------------------------------------------------------------------------------
// Credentials.

test('a wrong secret: exit 1, the message names the bucket and SignatureDoesNotMatch, and holds no secret', async () => {
  const wrong = 'wrong/Secret+Value=0123456789abcdef';
  for (const args of [['put', 'creds/x.bin'], ['get', 'harness/h.txt'], ['list', 'creds/']]) {
    const from = h.requests.length;
    const res = await runS3tool(h, args, { env: { AWS_SECRET_ACCESS_KEY: wrong }, input: Buffer.from('data') });
    assert.equal(res.code, 1, `${args[0]}: exit ${res.code}\n${res.stderr}`);
    assert.match(res.stderr, /^s3tool: error: /m);
    assert.ok(res.stderr.includes(h.bucket), `${args[0]}: stderr names the bucket: ${res.stderr}`);
    assert.ok(res.stderr.includes('SignatureDoesNotMatch'), `${args[0]}: ${res.stderr}`);
    for (const out of [res.stderr, res.stdout.toString('utf8')]) {
      assert.ok(!out.includes(wrong), 'the wrong secret leaked');
      assert.ok(!out.includes(h.secretAccessKey), 'the real secret leaked');
    }
    // A 403 is not retried.
    assert.deepEqual(h.since(from).map((r) => r.status), [403]);
  }
  assert.equal(await h.objectBytes('creds/x.bin'), null);
});

// ---------------------------------------------------------------------------------------------
// Faults. Objects of 10 MiB + 1 KiB in parts of 5 MiB: parts [5 MiB, 5 MiB, 1 KiB].

const FAULT_SIZE = 10 * MiB + 1024;
const FAULT_PART = 5 * MiB;
const attemptsOf = (reqs, pred) => reqs.filter(pred).map((r) => r.status);

test('503 SlowDown twice on UploadPart 2: retried, object complete and identical', async () => {
  const data = seededBuffer(`${SEED}:slowdown`, FAULT_SIZE);
  const key = 'faults/slowdown.bin';
  const fault = h.faults.slowDown({ op: 'UploadPart', partNumber: 2, key }, 2);
  const res = await put(key, data, { partSize: FAULT_PART });
  assertOk(res, 'put');
  assert.equal(fault.hits, 2);
  assert.deepEqual(attemptsOf(res.reqs, (r) => r.op === 'UploadPart' && r.partNumber === 2), [503, 503, 200]);
  assert.deepEqual(attemptsOf(res.reqs, (r) => r.op === 'UploadPart' && r.partNumber !== 2), [200, 200]);
  assert.deepEqual(attemptsOf(res.reqs, (r) => r.op === 'CreateMultipartUpload' || r.op === 'CompleteMultipartUpload'), [200, 200]);
  assert.equal(sha256(await h.objectBytes(key)), sha256(data));
  assert.deepEqual(h.openUploads(), []);
});

test('a connection reset in the middle of UploadPart 2: retried, object complete and identical', async () => {
  const data = seededBuffer(`${SEED}:reset`, FAULT_SIZE);
  const key = 'faults/reset.bin';
  const fault = h.faults.resetMidBody({ op: 'UploadPart', partNumber: 2, key }, 1);
  const res = await put(key, data, { partSize: FAULT_PART });
  assertOk(res, 'put');
  assert.equal(fault.hits, 1);
  const part2 = res.reqs.filter((r) => r.op === 'UploadPart' && r.partNumber === 2);
  assert.deepEqual(part2.map((r) => r.status), ['reset', 200]);
  assert.ok(part2[0].bodyBytes > 0 && part2[0].bodyBytes < FAULT_PART, `reset after ${part2[0].bodyBytes} bytes`);
  assert.deepEqual(partsOf(res.reqs.filter((r) => r.status === 200)), [[1, FAULT_PART], [2, FAULT_PART], [3, 1024]]);
  assert.equal(sha256(await h.objectBytes(key)), sha256(data));
  assert.deepEqual(h.openUploads(), []);
});

test('500 InternalError on CompleteMultipartUpload once: retried, object complete and identical', async () => {
  const data = seededBuffer(`${SEED}:complete`, FAULT_SIZE);
  const key = 'faults/complete500.bin';
  const fault = h.faults.internalError({ op: 'CompleteMultipartUpload', key }, 1);
  const res = await put(key, data, { partSize: FAULT_PART });
  assertOk(res, 'put');
  assert.equal(fault.hits, 1);
  assert.deepEqual(attemptsOf(res.reqs, (r) => r.op === 'CompleteMultipartUpload'), [500, 200]);
  assert.deepEqual(attemptsOf(res.reqs, (r) => r.op === 'UploadPart'), [200, 200, 200]);
  assert.equal(sha256(await h.objectBytes(key)), sha256(data));
  assert.deepEqual(h.openUploads(), []);
});

test('a slow answer (delayed 300 ms) is waited for, not failed', async () => {
  const data = seededBuffer(`${SEED}:delay`, 1000);
  const key = 'faults/delayed.bin';
  const fault = h.faults.delay({ op: 'PutObject', key }, 300, 1);
  const res = await put(key, data);
  assertOk(res, 'put');
  assert.equal(fault.hits, 1);
  assert.deepEqual(opsOf(res.reqs), [['PutObject', 200]]);
  assert.equal(sha256(await h.objectBytes(key)), sha256(data));
});

test('503 on every UploadPart 2 with S3TOOL_MAX_RETRIES=2: exit 1, no object, no open multipart upload', async () => {
  const data = seededBuffer(`${SEED}:outlast`, FAULT_SIZE);
  const key = 'faults/outlast.bin';
  const fault = h.faults.slowDown({ op: 'UploadPart', partNumber: 2, key }, Infinity);
  try {
    const res = await put(key, data, { partSize: FAULT_PART, env: { S3TOOL_MAX_RETRIES: '2' } });
    assert.equal(res.code, 1, `exit ${res.code ?? res.signal}\n${res.stderr}`);
    assert.match(res.stderr, /^s3tool: error: /m);
    assert.ok(res.stderr.includes('SlowDown'), res.stderr);
    assert.ok(res.stderr.includes(key), `stderr names the key: ${res.stderr}`);
    assert.equal(fault.hits, 3, 'one try and two retries');
    assert.deepEqual(attemptsOf(res.reqs, (r) => r.op === 'UploadPart' && r.partNumber === 2), [503, 503, 503]);
    assert.deepEqual(attemptsOf(res.reqs, (r) => r.op === 'CompleteMultipartUpload'), []);
    assert.deepEqual(attemptsOf(res.reqs, (r) => r.op === 'AbortMultipartUpload'), [204]);
  } finally {
    h.faults.clear();
  }
  assert.deepEqual(h.openUploads(), []);
  assert.equal(await h.objectBytes(key), null);
  const head = await runS3tool(h, ['head', key]);
  assert.equal(head.code, 3, head.stderr);
  const pending = await runS3tool(h, ['pending', 'faults/']);
  assertOk(pending, 'pending');
  assert.equal(pending.stdout.toString('utf8'), '');
});

test('`pending` lists a multipart upload left open by another client', async () => {
  const key = 'pending/left open.bin';
  const create = await s3Request(h, { method: 'POST', key, query: { uploads: '' } });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.body)[1];
  const pending = await runS3tool(h, ['pending', 'pending/']);
  assertOk(pending, 'pending');
  assert.equal(pending.stdout.toString('utf8'), `${key} ${uploadId}\n`);
  const abort = await s3Request(h, { method: 'DELETE', key, query: { uploadId } });
  assert.equal(abort.status, 204);
  assert.equal((await runS3tool(h, ['pending', 'pending/'])).stdout.toString('utf8'), '');
});

// ---------------------------------------------------------------------------------------------
// Listing and deleting many keys.

const MANY = 1100;
const manyKey = (i) => `many/obj-${String(i).padStart(5, '0')}.txt`;

test(`list of ${MANY} keys follows the continuation token; delete of all of them batches by 1000`, async () => {
  // Set up straight in s3rver (not under test), in batches.
  for (let i = 0; i < MANY; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, MANY - i) }, (_, j) => h.putDirect(manyKey(i + j), `v${i + j}`)),
    );
  }
  let from = h.requests.length;
  const list = await runS3tool(h, ['list', 'many/']);
  assertOk(list, 'list');
  const lines = list.stdout.toString('utf8').split('\n').filter((l) => l !== '');
  assert.deepEqual(lines, Array.from({ length: MANY }, (_, i) => `${manyKey(i)} ${`v${i}`.length}`));
  const lists = h.since(from);
  assert.deepEqual(opsOf(lists), [['ListObjectsV2', 200], ['ListObjectsV2', 200]]);
  assert.equal(lists[0].query['continuation-token'], undefined);
  assert.equal(typeof lists[1].query['continuation-token'], 'string');

  from = h.requests.length;
  const del = await runS3tool(h, ['delete', ...Array.from({ length: MANY }, (_, i) => manyKey(i))]);
  assertOk(del, 'delete');
  const dels = h.since(from);
  assert.deepEqual(opsOf(dels), [['DeleteObjects', 200], ['DeleteObjects', 200]]);
  assert.deepEqual(dels.map((r) => r.deleteKeys), [1000, 100]);
  assert.deepEqual(await h.listKeys('many/'), []);
});

test('no request of s3tool carried UNSIGNED-PAYLOAD, and none was refused by the proxy but the deliberate ones', () => {
  const agents = Object.keys(h.unsignedPayloadsByAgent());
  assert.deepEqual(agents, ['harness-unsigned']);
  const refused = h.requests.filter(
    (r) => r.userAgent !== 'aesync-e2e-js-client' && r.userAgent !== 'harness-unsigned' && [400, 403].includes(r.status),
  );
  // The wrong-secret test's three 403s are the only ones.
  assert.deepEqual(refused.map((r) => [r.op, r.status, r.error]), [
    ['PutObject', 403, 'SignatureDoesNotMatch'],
    ['GetObject', 403, 'SignatureDoesNotMatch'],
    ['ListObjectsV2', 403, 'SignatureDoesNotMatch'],
  ]);
});
