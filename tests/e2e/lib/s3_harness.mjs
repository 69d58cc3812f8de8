// An S3-compatible endpoint that is stricter than s3rver alone, for the object-store tests:
// s3rver (in-process, on a free loopback port, files in a temp folder) behind a proxy (node:http,
// another free loopback port) that every client under test talks to. For each request the proxy
//   - recomputes the SigV4 signature with AWS's own signer (@smithy/signature-v4) from the
//     headers the client says it signed, and answers 403 SignatureDoesNotMatch on a mismatch
//     (403 InvalidAccessKeyId for an unknown key, 403 RequestTimeTooSkewed past 15 minutes);
//   - checks the body against x-amz-content-sha256 (400 XAmzContentSHA256Mismatch), accepting
//     UNSIGNED-PAYLOAD (AWS SDKs send it over HTTPS; ClickHouse over plain HTTP, as here, hashes
//     its empty GET bodies) but recording it per user agent, so that tests can assert which
//     clients sent it (aesync never may);
//   - insists the path is in S3's canonical encoding (every byte outside A-Za-z0-9-._~/ as %XX,
//     upper-case hex), since S3 reads a raw '+' in a path as a space;
//   - enforces R2's rules: one checksum header at most per request (Content-MD5 and
//     x-amz-checksum-*; x-amz-content-sha256 is the signature's payload hash and does not
//     count), and at CompleteMultipartUpload every part but the last >= 5 MiB and all of one
//     size, the last no larger (400 EntityTooSmall / InvalidPart), with the part sizes and
//     ETags the proxy saw in the UploadPart requests; DeleteObjects must carry Content-MD5 or
//     an x-amz-checksum-* header, as AWS requires (and is answered by the proxy, one key at a
//     time: s3rver's concurrent batch delete races with its own folder clean-up);
//   - keeps the open multipart uploads itself (s3rver implements neither AbortMultipartUpload
//     nor ListMultipartUploads, so the proxy answers both from that state, and an abort deletes
//     s3rver's part files), and answers
//     ListObjectsV2 itself from s3rver's store (s3rver's continuation tokens need DES, gone from
//     OpenSSL 3, so it fails past 1000 keys; it lists in file-system order, not S3's UTF-8 byte
//     order; and it ignores `encoding-type=url`);
//   - injects the faults a test asks for (an error status, a connection reset in the middle of
//     the body, a delay) into the next N requests matching a predicate;
//   - honours conditional writes, which s3rver ignores: PutObject and CompleteMultipartUpload
//     with `If-None-Match: *` (412 PreconditionFailed when the key exists) or `If-Match: <etag>`
//     (412 when the key is absent or its ETag differs); the check and the write are serialized
//     per key (with every PutObject, CompleteMultipartUpload and DeleteObject of that key), so
//     two concurrent conditional writes cannot both win;
//   - holds requests a test asks it to hold (hold()) until released, and drops a held request
//     whose client went away without ever serving it (a client killed mid-request);
//   - logs every request (operation, key, query, status, body size, user agent, payload hash);
//   - with `listMultipartUploads: false`, answers ListMultipartUploads as an S3-compatible store
//     that does not implement it: 501 NotImplemented with the XML error body AWS documents
//     (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, "NotImplemented: A
//     header you provided implies functionality that is not implemented."; HTTP 501).
// Everything else is forwarded to s3rver with the Authorization header removed (s3rver checks
// signatures against its own fixed account; the proxy has done the checking).
//
// Requests are served by this process's event loop: a test must run the clients under test
// asynchronously (spawn, not spawnSync; chdb in a child process), or the proxy cannot answer.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';

import S3rver from 's3rver';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';

export const MiB = 1024 * 1024;
const MIN_PART = 5 * MiB;
const MAX_SKEW_MS = 15 * 60 * 1000;
const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const MESSAGES = {
  SignatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  InvalidAccessKeyId: 'The AWS Access Key Id you provided does not exist in our records.',
  XAmzContentSHA256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  NoSuchUpload:
    'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  EntityTooSmall: 'Your proposed upload is smaller than the minimum allowed object size.',
  InvalidPart:
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
  InvalidPartOrder: 'The list of parts was not in ascending order. Parts must be ordered by part number.',
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  BadDigest: 'The Content-MD5 or checksum value you specified did not match what we received.',
  RequestTimeTooSkewed: "The difference between the request time and the server's time is too large.",
  AccessDenied: 'Access Denied',
  NotImplemented: 'A header you provided implies functionality that is not implemented.',
};

function xmlEscape(s) {
  return String(s)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function xmlUnescape(s) {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e];
  });
}

/** The S3 XML error document. */
export function errorXml(code, message = MESSAGES[code] ?? code, extra = {}) {
  const more = Object.entries(extra)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${more}` +
    `<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`
  );
}

/** RFC 3986 encoding of one byte string, '/' kept: S3's canonical form of a key in a path. */
export function encodeKeyPath(key) {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replaceAll('%2F', '/');
}

/** What S3 puts in a listing with encoding-type=url (form encoding: a space becomes '+'). */
function urlEncodeListed(s) {
  return encodeKeyPath(s).replaceAll('%20', '+');
}

/** Parses a raw query string into { name: value | [values] } (percent-decoded, '+' kept). */
function parseQuery(raw) {
  const query = {};
  if (!raw) return query;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (k in query) query[k] = [].concat(query[k], v);
    else query[k] = v;
  }
  return query;
}

/** "20260203T120000Z" -> Date, or null. */
function parseAmzDate(s) {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(s ?? '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

/** The S3 operation a request is, from its method, whether it names a key, and its query. */
function classify(method, key, query) {
  const has = (k) => Object.prototype.hasOwnProperty.call(query, k);
  if (key === null) {
    if (method === 'GET' && has('uploads')) return 'ListMultipartUploads';
    if (method === 'GET' && query['list-type'] === '2') return 'ListObjectsV2';
    if (method === 'GET' && has('location')) return 'GetBucketLocation';
    if (method === 'GET') return 'ListObjects';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'POST' && has('delete')) return 'DeleteObjects';
    return `${method}Bucket`;
  }
  switch (method) {
    case 'PUT':
      return has('uploadId') ? 'UploadPart' : 'PutObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      return 'PostObject';
    case 'DELETE':
      return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'GET':
      return has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    default:
      return `${method}Object`;
  }
}

const CHECKSUM_HEADER = /^(content-md5|x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256))$/;

function checksumMatches(name, value, body) {
  const b64 = (alg) => createHash(alg).update(body).digest('base64');
  switch (name) {
    case 'content-md5':
      return value === b64('md5');
    case 'x-amz-checksum-sha256':
      return value === b64('sha256');
    case 'x-amz-checksum-sha1':
      return value === b64('sha1');
    case 'x-amz-checksum-crc32': {
      if (typeof zlib.crc32 !== 'function') return true;
      const buf = Buffer.alloc(4);
      buf.writeUInt32BE(zlib.crc32(body) >>> 0);
      return value === buf.toString('base64');
    }
    default:
      return true; // crc32c / crc64nvme: not verified here
  }
}

function matcherOf(spec) {
  if (typeof spec === 'function') return spec;
  return (r) =>
    Object.entries(spec).every(([k, v]) => (typeof v === 'function' ? v(r[k]) : r[k] === v));
}

/**
 * Starts s3rver and the verifying proxy. Options: bucket, accessKeyId, secretAccessKey,
 * regions (the credential-scope regions accepted: 'us-east-1' and R2's 'auto' by default),
 * listMultipartUploads (false: the store does not implement it, 501 NotImplemented; see above).
 */
export async function startS3Harness({
  bucket = 'aesync-e2e',
  accessKeyId = 'AKIAAESYNCE2ETEST001',
  secretAccessKey = 'e2e/Secret+Key=' + randomBytes(12).toString('hex'),
  regions = ['us-east-1', 'auto'],
  listMultipartUploads = true,
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'aesync-s3rver-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const { port: s3rverPort } = await s3rver.run();
  // The proxy keeps its connections to s3rver open between tests: s3rver must not close an idle
  // one (default: after 5 s) just as the proxy reuses it, which would fail a request at random.
  s3rver.httpServer.keepAliveTimeout = 10 * 60 * 1000;
  const upstreamAgent = new http.Agent({ keepAlive: true });
  const credentials = new Map([[accessKeyId, secretAccessKey]]);

  const requests = [];
  const uploads = new Map(); // uploadId -> { key, uploadId, initiated, parts: Map(n -> {size, etag}) }
  const faults = [];

  // ------------------------------------------------------------------------------------------
  // Faults: { match, times, hits, action } where action is { status, code, message } (answer
  // with that S3 error after reading the body), { reset: true, afterBytes } (destroy the
  // connection once that many body bytes arrived; default: half the Content-Length), or
  // { delayMs } (hold the request that long, then serve it normally).
  const faultApi = {
    inject(matchSpec, action, times = 1) {
      const f = { match: matcherOf(matchSpec), action, times, hits: 0 };
      faults.push(f);
      return f;
    },
    slowDown(matchSpec, times = 1) {
      return faultApi.inject(matchSpec, { status: 503, code: 'SlowDown' }, times);
    },
    internalError(matchSpec, times = 1) {
      return faultApi.inject(matchSpec, { status: 500, code: 'InternalError' }, times);
    },
    resetMidBody(matchSpec, times = 1, afterBytes) {
      return faultApi.inject(matchSpec, { reset: true, afterBytes }, times);
    },
    delay(matchSpec, delayMs, times = 1) {
      return faultApi.inject(matchSpec, { delayMs }, times);
    },
    clear() {
      faults.length = 0;
    },
  };

  function takeFault(entry) {
    for (const f of faults) {
      if (f.hits < f.times && f.match(entry)) {
        f.hits++;
        return f;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // Holds: hold(matchSpec, times) keeps the next `times` matching requests, once their body and
  // signature were checked, until release() (then they are served) or until their client goes
  // away (then they are dropped, never served: what a store sees of a client killed before its
  // request was handled; a `delay` fault serves its request whatever became of the client).
  // The handle: { hits, entries, reached (a promise of the first held entry), release(),
  // settled() (a promise: every request held so far was dropped or let through) }.
  const holds = [];

  function holdRequests(matchSpec, times = 1) {
    let onReached;
    const h = {
      match: matcherOf(matchSpec),
      times,
      hits: 0,
      entries: [],
      released: false,
      waiting: new Set(),
      decisions: [],
      reached: new Promise((r) => (onReached = r)),
      release() {
        h.released = true;
        for (const go of h.waiting) go();
      },
      settled() {
        return Promise.all(h.decisions);
      },
    };
    h.onReached = onReached;
    holds.push(h);
    return h;
  }

  /** Holds `entry` when a hold matches it; true when its client went away (it is dropped). */
  async function holdIfAsked(res, entry) {
    const h = holds.find((x) => !x.released && x.hits < x.times && x.match(entry));
    if (!h) return false;
    h.hits++;
    h.entries.push(entry);
    entry.held = true;
    let decided;
    h.decisions.push(new Promise((r) => (decided = r)));
    h.onReached(entry);
    let gone = res.destroyed || res.socket === null || res.socket.destroyed;
    if (!gone) {
      await new Promise((resolve) => {
        const go = () => {
          h.waiting.delete(go);
          resolve();
        };
        h.waiting.add(go);
        res.once('close', () => {
          gone = true;
          go();
        });
      });
    }
    if (gone) entry.status = 'dropped';
    decided();
    return gone;
  }

  // ------------------------------------------------------------------------------------------
  // Conditional writes. Every write of a key (PutObject, CompleteMultipartUpload, DeleteObject)
  // runs under that key's lock, the precondition check and the write together.
  // Each such write records `writeOrder`, the order in which the writes took effect (which may
  // differ from `seq`, the order of arrival).
  const KEY_WRITES = new Set(['PutObject', 'CompleteMultipartUpload', 'DeleteObject']);
  const keyLocks = new Map(); // key -> the promise that the last queued write of it is done
  let writeOrder = 0;

  async function withKeyLock(key, entry, fn) {
    const before = keyLocks.get(key) ?? Promise.resolve();
    let unlock;
    const mine = new Promise((r) => (unlock = r));
    const tail = before.then(() => mine);
    keyLocks.set(key, tail);
    await before;
    entry.writeOrder = ++writeOrder;
    try {
      return await fn();
    } finally {
      unlock();
      if (keyLocks.get(key) === tail) keyLocks.delete(key);
    }
  }

  /** The ETag list of an If-Match / If-None-Match header, quotes (and W/) removed. */
  function etagList(header) {
    return String(header)
      .split(',')
      .map((t) => t.trim().replace(/^W\//, '').replaceAll('"', ''))
      .filter((t) => t !== '');
  }

  /**
   * Records the precondition headers of a PutObject / CompleteMultipartUpload on its entry
   * (ifNoneMatch, ifMatch: the header values or null; bodyText: a small conditional PutObject's
   * body), before any hold, so that holds can match on them.
   */
  function noteConditions(req, entry, body) {
    if (entry.op !== 'PutObject' && entry.op !== 'CompleteMultipartUpload') return;
    const ifNoneMatch = req.headers['if-none-match'];
    const ifMatch = req.headers['if-match'];
    if (ifNoneMatch === undefined && ifMatch === undefined) return;
    entry.ifNoneMatch = ifNoneMatch ?? null;
    entry.ifMatch = ifMatch ?? null;
    if (entry.op === 'PutObject' && body.length <= 64 * 1024) entry.bodyText = body.toString('utf8');
  }

  /**
   * The precondition of a conditional PutObject / CompleteMultipartUpload (noted on the entry):
   * records precondition 'met' | 'failed'; returns null when it holds (or there is none), else
   * an error triple.
   */
  async function preconditionFailure(entry) {
    const { ifNoneMatch, ifMatch } = entry;
    if (ifNoneMatch === undefined && ifMatch === undefined) return null;
    let current = null; // the key's ETag, unquoted, or null when it does not exist
    try {
      current = String((await s3rver.store.getMetadata(bucket, entry.key)).etag).replaceAll('"', '');
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    let failed = null;
    if (ifNoneMatch !== null) {
      const tags = etagList(ifNoneMatch);
      if (current !== null && (tags.includes('*') || tags.includes(current))) failed = 'If-None-Match';
    }
    if (failed === null && ifMatch !== null) {
      const tags = etagList(ifMatch);
      if (current === null || !(tags.includes('*') || tags.includes(current))) failed = 'If-Match';
    }
    entry.precondition = failed === null ? 'met' : 'failed';
    if (failed === null) return null;
    return [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: failed }];
  }

  // ------------------------------------------------------------------------------------------

  function send(res, entry, status, body = '', headers = {}) {
    entry.status = status;
    const isHead = entry.method === 'HEAD';
    const buf = Buffer.from(body);
    res.writeHead(status, {
      ...(body ? { 'content-type': 'application/xml' } : {}),
      'content-length': buf.length,
      'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      ...headers,
    });
    res.end(isHead ? undefined : buf);
  }

  function fail(res, entry, status, code, message, extra) {
    entry.error = code;
    send(res, entry, status, entry.method === 'HEAD' ? '' : errorXml(code, message, extra));
  }

  /** Reads the body; resolves null if the connection went away (or was reset by a fault). */
  function readBody(req, entry, resetAfter) {
    return new Promise((resolve) => {
      const chunks = [];
      let n = 0;
      let done = false;
      const finish = (v) => {
        if (!done) {
          done = true;
          resolve(v);
        }
      };
      if (resetAfter === 0) {
        entry.status = 'reset';
        req.socket.destroy();
        finish(null);
        return;
      }
      req.on('data', (c) => {
        if (done) return;
        chunks.push(c);
        n += c.length;
        entry.bodyBytes = n;
        if (resetAfter !== undefined && n >= resetAfter) {
          entry.status = 'reset';
          req.socket.destroy();
          finish(null);
        }
      });
      req.on('end', () => finish(Buffer.concat(chunks, n)));
      req.on('aborted', () => finish(null));
      req.on('error', () => finish(null));
      req.on('close', () => finish(done ? null : Buffer.concat(chunks, n)));
    });
  }

  /** Verifies the SigV4 Authorization header; returns an [status, code, message] or null. */
  async function verifySignature(req, entry, rawPath, query) {
    const auth = req.headers.authorization;
    if (!auth) return [403, 'AccessDenied', 'Anonymous access is not allowed by this harness.'];
    const m =
      /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]*)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;-]+)\s*,\s*Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m) return [400, 'AuthorizationHeaderMalformed', `The authorization header is malformed: ${auth.replace(/Signature=.*/, 'Signature=...')}`];
    const [, akid, scopeDate, region, service, signedList, signature] = m;
    entry.accessKeyId = akid;
    entry.region = region;
    entry.signedHeaders = signedList.split(';');
    const secret = credentials.get(akid);
    if (secret === undefined) return [403, 'InvalidAccessKeyId'];
    if (service !== 's3') return [400, 'AuthorizationHeaderMalformed', `service '${service}' is wrong; expecting 's3'`];
    if (!regions.includes(region)) {
      return [400, 'AuthorizationHeaderMalformed', `the region '${region}' is wrong; expecting one of ${regions.join(', ')}`];
    }
    const amzDate = req.headers['x-amz-date'];
    const date = parseAmzDate(amzDate);
    if (!date) return [403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header'];
    if (amzDate.slice(0, 8) !== scopeDate) {
      return [400, 'AuthorizationHeaderMalformed', `Invalid credential date "${scopeDate}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`];
    }
    if (Math.abs(Date.now() - date.getTime()) > MAX_SKEW_MS) return [403, 'RequestTimeTooSkewed'];
    const signed = entry.signedHeaders;
    const sorted = [...signed].sort();
    if (signed.join(';') !== sorted.join(';') || new Set(signed).size !== signed.length) {
      return [400, 'AuthorizationHeaderMalformed', 'SignedHeaders must be sorted and unique'];
    }
    if (!signed.includes('host')) return [400, 'AuthorizationHeaderMalformed', 'host must be a signed header'];
    const unsignedAmz = Object.keys(req.headers).filter((h) => h.startsWith('x-amz-') && !signed.includes(h));
    if (unsignedAmz.length) {
      return [403, 'AccessDenied', `There were headers present in the request which were not signed: ${unsignedAmz.join(', ')}`];
    }
    const headers = {};
    for (const h of signed) {
      if (req.headers[h] === undefined) return [403, 'SignatureDoesNotMatch'];
      headers[h] = String(req.headers[h]);
    }
    const [hostname, port] = String(req.headers.host).split(':');
    const request = new HttpRequest({
      method: req.method,
      protocol: 'http:',
      hostname,
      port: port ? Number(port) : undefined,
      path: rawPath,
      query,
      headers,
    });
    const signer = new SignatureV4({
      credentials: { accessKeyId: akid, secretAccessKey: secret },
      region,
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
    });
    const out = await signer.sign(request, {
      signingDate: date,
      signingRegion: region,
      signingService: 's3',
      signableHeaders: new Set(signed),
    });
    const expected = /Signature=([0-9a-f]{64})$/.exec(out.headers.authorization)[1];
    if (expected !== signature) return [403, 'SignatureDoesNotMatch'];
    return null;
  }

  async function handle(req, res, ctx) {
    const [rawPath, rawQuery = ''] = req.url.split(/\?(.*)/s);
    let query;
    let key = null;
    let reqBucket = null;
    const entry = {
      seq: requests.length,
      method: req.method,
      path: rawPath,
      rawQuery,
      query: {},
      key: null,
      op: null,
      partNumber: null,
      uploadId: null,
      status: null,
      error: null,
      bodyBytes: 0,
      contentSha256: req.headers['x-amz-content-sha256'] ?? null,
      checksumHeaders: Object.keys(req.headers).filter((h) => CHECKSUM_HEADER.test(h)),
      userAgent: req.headers['user-agent'] ?? '',
      fault: null,
    };
    requests.push(entry);
    ctx.entry = entry;
    try {
      query = parseQuery(rawQuery);
      const m = /^\/([^/]+)(?:\/(.*))?$/s.exec(rawPath);
      if (m) {
        reqBucket = decodeURIComponent(m[1]);
        if (m[2] !== undefined && m[2] !== '') key = decodeURIComponent(m[2]);
      }
    } catch {
      await readBody(req, entry);
      return fail(res, entry, 400, 'InvalidURI', 'Couldn\'t parse the specified URI.');
    }
    entry.query = query;
    entry.key = key;
    entry.bucket = reqBucket;
    entry.op = classify(req.method, key, query);
    if (entry.op === 'UploadPart') entry.partNumber = Number(query.partNumber);
    if (typeof query.uploadId === 'string') entry.uploadId = query.uploadId;

    const fault = takeFault(entry);
    if (fault) entry.fault = fault.action.reset ? 'reset' : fault.action.code ?? `delay ${fault.action.delayMs}ms`;
    let resetAfter;
    if (fault?.action.reset) {
      const len = Number(req.headers['content-length'] ?? 0);
      resetAfter = fault.action.afterBytes ?? Math.floor(len / 2);
    }
    const body = await readBody(req, entry, resetAfter);
    if (body === null) {
      if (entry.status === null) entry.status = 'aborted';
      return;
    }
    entry.bodyBytes = body.length;
    if (entry.op === 'DeleteObjects') entry.deleteKeys = (body.toString('utf8').match(/<Object>/g) ?? []).length;

    // Authentication, then the payload hash, as S3 orders them.
    const sigError = await verifySignature(req, entry, rawPath, query);
    if (sigError) return fail(res, entry, ...sigError);
    if (rawPath.split('/').some((seg) => seg !== encodeKeyPath(decodeURIComponent(seg)))) {
      return fail(res, entry, 400, 'InvalidURI', `harness: the path ${rawPath} is not in S3's canonical encoding`);
    }
    const claimed = entry.contentSha256;
    if (claimed === null) {
      return fail(res, entry, 400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    }
    if (claimed.startsWith('STREAMING-')) {
      return fail(res, entry, 400, 'NotImplemented', `harness: ${claimed} payloads are not supported`);
    }
    if (claimed !== 'UNSIGNED-PAYLOAD' && claimed !== createHash('sha256').update(body).digest('hex')) {
      return fail(res, entry, 400, 'XAmzContentSHA256Mismatch', undefined, {
        ClientComputedContentSHA256: claimed,
        S3ComputedContentSHA256: createHash('sha256').update(body).digest('hex'),
      });
    }
    if (entry.checksumHeaders.length > 1) {
      return fail(res, entry, 400, 'InvalidRequest', `You can only specify one checksum at a time: ${entry.checksumHeaders.join(', ')}`);
    }
    for (const h of entry.checksumHeaders) {
      if (!checksumMatches(h, req.headers[h], body)) return fail(res, entry, 400, 'BadDigest');
    }

    if (fault?.action.status) return fail(res, entry, fault.action.status, fault.action.code, fault.action.message);
    if (fault?.action.delayMs) await new Promise((r) => setTimeout(r, fault.action.delayMs));
    noteConditions(req, entry, body);
    if (await holdIfAsked(res, entry)) return;

    if (reqBucket === bucket && KEY_WRITES.has(entry.op)) {
      return withKeyLock(key, entry, async () => {
        const unmet = await preconditionFailure(entry);
        if (unmet) return fail(res, entry, ...unmet);
        if (await handleLocally(req, res, entry, body)) return;
        await forward(req, res, entry, body);
      });
    }
    if (reqBucket === bucket) {
      const handled = await handleLocally(req, res, entry, body);
      if (handled) return;
    }
    await forward(req, res, entry, body);
  }

  /** The operations the proxy answers or checks itself; returns true when it answered. */
  async function handleLocally(req, res, entry, body) {
    const { op, key, query } = entry;
    if (op === 'UploadPart' || op === 'CompleteMultipartUpload' || op === 'AbortMultipartUpload' || op === 'ListParts') {
      const up = uploads.get(entry.uploadId);
      if (!up || up.key !== key) {
        fail(res, entry, 404, 'NoSuchUpload');
        return true;
      }
      if (op === 'UploadPart') {
        const n = entry.partNumber;
        if (!Number.isInteger(n) || n < 1 || n > 10000) {
          fail(res, entry, 400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
          return true;
        }
        return false;
      }
      if (op === 'AbortMultipartUpload') {
        uploads.delete(entry.uploadId);
        await rm(join(s3rver.store.getResourcePath(bucket, undefined, 'uploads'), entry.uploadId), {
          recursive: true,
          force: true,
        });
        send(res, entry, 204);
        return true;
      }
      if (op === 'CompleteMultipartUpload') {
        const problem = checkCompletion(up, body.toString('utf8'));
        if (problem) {
          fail(res, entry, ...problem);
          return true;
        }
        return false;
      }
      return false;
    }
    if (op === 'ListMultipartUploads') {
      if (!listMultipartUploads) {
        fail(res, entry, 501, 'NotImplemented');
        return true;
      }
      send(res, entry, 200, listUploadsXml(query));
      return true;
    }
    if (op === 'ListObjectsV2') {
      const out = await listObjectsV2(query);
      if (Array.isArray(out)) fail(res, entry, ...out);
      else send(res, entry, 200, out);
      return true;
    }
    if (op === 'DeleteObjects') {
      if (entry.checksumHeaders.length === 0) {
        fail(res, entry, 400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
        return true;
      }
      // Answered here, deleting one key at a time: s3rver deletes a batch concurrently, and its
      // clean-up of emptied folders then races with itself (500 InternalError).
      const xml = body.toString('utf8');
      const keys = [...xml.matchAll(/<Object>[\s\S]*?<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Object>/g)].map(([, k]) => xmlUnescape(k));
      if (!/<Delete[\s>]/.test(xml) || keys.length === 0 || keys.length > 1000) {
        fail(res, entry, 400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
        return true;
      }
      for (const k of keys) {
        if (await s3rver.store.existsObject(bucket, k)) await s3rver.store.deleteObject(bucket, k);
      }
      const quiet = /<Quiet>\s*true\s*<\/Quiet>/.test(xml);
      send(
        res,
        entry,
        200,
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
          `<DeleteResult xmlns="${S3_NS}">` +
          (quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')) +
          '</DeleteResult>',
      );
      return true;
    }
    return false;
  }

  /** R2's and S3's rules for CompleteMultipartUpload; an error triple or null. */
  function checkCompletion(up, xml) {
    const parts = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, inner]) => ({
      number: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(inner)?.[1]),
      etag: xmlUnescape(/<ETag>([\s\S]*?)<\/ETag>/.exec(inner)?.[1] ?? '').replaceAll('"', ''),
    }));
    if (!/<CompleteMultipartUpload[\s>]/.test(xml) || parts.length === 0) {
      return [400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.'];
    }
    for (let i = 1; i < parts.length; i++) {
      if (!(parts[i].number > parts[i - 1].number)) return [400, 'InvalidPartOrder'];
    }
    const sizes = [];
    for (const p of parts) {
      const seen = up.parts.get(p.number);
      if (!seen || seen.etag !== p.etag) return [400, 'InvalidPart'];
      sizes.push(seen.size);
    }
    for (let i = 0; i + 1 < sizes.length; i++) {
      if (sizes[i] < MIN_PART) return [400, 'EntityTooSmall', `${MESSAGES.EntityTooSmall} (part ${parts[i].number}: ${sizes[i]} bytes)`];
    }
    const first = sizes[0];
    if (sizes.slice(0, -1).some((s) => s !== first) || (sizes.length > 1 && sizes[sizes.length - 1] > first)) {
      return [400, 'InvalidPart', `All non-trailing parts must have the same length (sizes ${sizes.join(', ')}).`];
    }
    up.completedSizes = sizes;
    return null;
  }

  function listUploadsXml(query) {
    const prefix = query.prefix ?? '';
    const urlEnc = query['encoding-type'] === 'url';
    const enc = (s) => xmlEscape(urlEnc ? urlEncodeListed(s) : s);
    const list = [...uploads.values()]
      .filter((u) => u.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated < b.initiated ? -1 : 1));
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<ListMultipartUploadsResult xmlns="${S3_NS}"><Bucket>${xmlEscape(bucket)}</Bucket>` +
      '<KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker></NextKeyMarker>' +
      `<NextUploadIdMarker></NextUploadIdMarker><Prefix>${enc(prefix)}</Prefix>` +
      (urlEnc ? '<EncodingType>url</EncodingType>' : '') +
      '<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>' +
      list
        .map(
          (u) =>
            `<Upload><Key>${enc(u.key)}</Key><UploadId>${u.uploadId}</UploadId>` +
            '<Initiator><ID>harness</ID><DisplayName>harness</DisplayName></Initiator>' +
            '<Owner><ID>harness</ID><DisplayName>harness</DisplayName></Owner>' +
            `<StorageClass>STANDARD</StorageClass><Initiated>${u.initiated}</Initiated></Upload>`,
        )
        .join('') +
      '</ListMultipartUploadsResult>'
    );
  }

  /**
   * ListObjectsV2, answered from s3rver's store: s3rver's own continuation tokens use DES, which
   * OpenSSL 3 no longer offers (it answers 500 past 1000 keys), its walk is in file-system
   * order rather than S3's UTF-8 byte order, and it ignores encoding-type=url. Returns the XML,
   * or an error triple. Tokens are opaque to clients (base64 of the last key or prefix listed).
   */
  async function listObjectsV2(query) {
    const prefix = query.prefix ?? '';
    const delimiter = query.delimiter ?? '';
    const urlEnc = query['encoding-type'] === 'url';
    if (query['encoding-type'] !== undefined && !urlEnc) {
      return [400, 'InvalidArgument', 'Invalid Encoding Method specified in Request'];
    }
    let maxKeys = 1000;
    if (query['max-keys'] !== undefined) {
      if (!/^\d+$/.test(query['max-keys'])) return [400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range'];
      maxKeys = Math.min(1000, Number(query['max-keys']));
    }
    let startAfter = query['start-after'] ?? '';
    const token = query['continuation-token'];
    if (token !== undefined) {
      const m = /^harness:(.*)$/s.exec(Buffer.from(token, 'base64').toString('utf8'));
      if (!m) return [400, 'InvalidArgument', 'The continuation token provided is incorrect'];
      startAfter = m[1];
    }
    const after = Buffer.from(startAfter);
    const { objects } = await s3rver.store.listObjects(bucket, { prefix });
    objects.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    const contents = [];
    const prefixes = [];
    let last = null;
    let truncated = false;
    for (const o of objects) {
      if (!o.key.startsWith(prefix) || Buffer.compare(Buffer.from(o.key), after) <= 0) continue;
      const cut = delimiter ? o.key.indexOf(delimiter, prefix.length) : -1;
      const cp = cut >= 0 ? o.key.slice(0, cut + delimiter.length) : null;
      if (cp !== null && (cp === last || Buffer.compare(Buffer.from(cp), after) <= 0)) continue;
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (cp !== null) prefixes.push(cp);
      else contents.push(o);
      last = cp ?? o.key;
    }
    const enc = (v) => xmlEscape(urlEnc ? urlEncodeListed(v) : v);
    const el = (tag, v) => `<${tag}>${v}</${tag}>`;
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<ListBucketResult xmlns="${S3_NS}">` +
      el('Name', xmlEscape(bucket)) +
      el('Prefix', enc(prefix)) +
      (token === undefined && query['start-after'] !== undefined ? el('StartAfter', enc(startAfter)) : '') +
      (token !== undefined ? el('ContinuationToken', xmlEscape(token)) : '') +
      el('KeyCount', contents.length + prefixes.length) +
      el('MaxKeys', maxKeys) +
      (delimiter ? el('Delimiter', enc(delimiter)) : '') +
      (urlEnc ? el('EncodingType', 'url') : '') +
      el('IsTruncated', truncated) +
      (truncated ? el('NextContinuationToken', Buffer.from(`harness:${last}`).toString('base64')) : '') +
      contents
        .map(
          (o) =>
            '<Contents>' +
            el('Key', enc(o.key)) +
            el('LastModified', o.lastModifiedDate.toISOString()) +
            el('ETag', xmlEscape(o.metadata.etag)) +
            el('Size', o.size) +
            el('StorageClass', 'STANDARD') +
            '</Contents>',
        )
        .join('') +
      prefixes.map((cp) => `<CommonPrefixes>${el('Prefix', enc(cp))}</CommonPrefixes>`).join('') +
      '</ListBucketResult>'
    );
  }

  function forward(req, res, entry, body) {
    const headers = { ...req.headers };
    for (const h of ['authorization', 'connection', 'keep-alive', 'expect', 'transfer-encoding', 'proxy-connection']) {
      delete headers[h];
    }
    headers['content-length'] = String(body.length);
    headers.host = `127.0.0.1:${s3rverPort}`;
    const needBody = entry.op === 'CreateMultipartUpload' || entry.op === 'CompleteMultipartUpload';
    return new Promise((resolve) => {
      const up = http.request(
        { host: '127.0.0.1', port: s3rverPort, method: req.method, path: req.url, headers, agent: upstreamAgent },
        (ures) => {
          const outHeaders = { ...ures.headers };
          for (const h of ['connection', 'keep-alive', 'transfer-encoding']) delete outHeaders[h];
          if (!needBody) {
            afterUpstream(entry, ures.statusCode, ures.headers, null);
            entry.status = ures.statusCode;
            res.writeHead(ures.statusCode, outHeaders);
            ures.pipe(res);
            // A client that goes away mid-answer must not leave the upstream answer paused.
            res.on('close', () => {
              if (!ures.complete) ures.destroy();
            });
            ures.on('end', resolve);
            ures.on('error', resolve);
            return;
          }
          const chunks = [];
          ures.on('data', (c) => chunks.push(c));
          ures.on('end', () => {
            const buf = Buffer.concat(chunks);
            afterUpstream(entry, ures.statusCode, ures.headers, buf.toString('utf8'));
            outHeaders['content-length'] = String(buf.length);
            entry.status = ures.statusCode;
            res.writeHead(ures.statusCode, outHeaders);
            res.end(buf);
            resolve();
          });
        },
      );
      up.on('error', (err) => {
        fail(res, entry, 502, 'InternalError', `harness: s3rver: ${err.message}`);
        resolve();
      });
      up.end(body);
    });
  }

  /** Tracks multipart state from s3rver's answers. */
  function afterUpstream(entry, status, headers, text) {
    if (status !== 200) return;
    if (entry.op === 'CreateMultipartUpload') {
      const id = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
      if (id) {
        uploads.set(id, { key: entry.key, uploadId: id, initiated: new Date().toISOString(), parts: new Map() });
        entry.createdUploadId = id;
      }
    } else if (entry.op === 'UploadPart') {
      const up = uploads.get(entry.uploadId);
      if (up) up.parts.set(entry.partNumber, { size: entry.bodyBytes, etag: String(headers.etag ?? '').replaceAll('"', '') });
    } else if (entry.op === 'CompleteMultipartUpload') {
      if (!/<Error>/.test(text)) uploads.delete(entry.uploadId);
    }
  }

  const server = http.createServer((req, res) => {
    const ctx = {};
    handle(req, res, ctx).catch((err) => {
      // A bug of the harness: say so loudly, answer 500 so that the client fails visibly.
      console.error(`s3 harness: ${req.method} ${req.url}: ${err.stack ?? err}`);
      if (ctx.entry) ctx.entry.error = `harness bug: ${err.message}`;
      if (!res.headersSent) {
        try {
          fail(res, ctx.entry ?? { method: req.method }, 500, 'InternalError', `harness: ${err.message}`);
        } catch {
          req.socket.destroy();
        }
      }
    });
  });
  // The largest bodies (parts) are read in full before answering; the defaults would be fine,
  // but a slow sanitizer build must not be cut off.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const proxyPort = server.address().port;

  /** Direct (unverified) request to s3rver. */
  function direct(method, path, body) {
    return new Promise((resolve, reject) => {
      const r = http.request(
        { host: '127.0.0.1', port: s3rverPort, method, path, agent: upstreamAgent, headers: body ? { 'content-length': body.length } : {} },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      r.end(body);
    });
  }

  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    port: proxyPort,
    s3rverEndpoint: `http://127.0.0.1:${s3rverPort}`,
    bucket,
    region: 'us-east-1',
    accessKeyId,
    secretAccessKey,
    /** The log: one entry per request, in arrival order. */
    requests,
    faults: faultApi,
    /** Holds requests matching `matchSpec` (see holdRequests); returns the hold. */
    hold(matchSpec, times = 1) {
      return holdRequests(matchSpec, times);
    },
    /** Lets every held request through and forgets the holds. */
    releaseHolds() {
      for (const h of holds) h.release();
      holds.length = 0;
    },
    /** Multipart uploads created and neither completed nor aborted. */
    openUploads() {
      return [...uploads.values()].map((u) => ({ key: u.key, uploadId: u.uploadId, initiated: u.initiated }));
    },
    /** Requests (so far) whose payload hash was UNSIGNED-PAYLOAD, counted by user agent. */
    unsignedPayloadsByAgent() {
      const out = {};
      for (const r of requests) if (r.contentSha256 === 'UNSIGNED-PAYLOAD') out[r.userAgent] = (out[r.userAgent] ?? 0) + 1;
      return out;
    },
    /** The object's bytes straight from s3rver, or null when it does not exist. */
    async objectBytes(key) {
      const r = await direct('GET', `/${bucket}/${encodeKeyPath(key)}`);
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`s3rver GET ${key}: ${r.status} ${r.body}`);
      return r.body;
    },
    /** Writes an object straight into s3rver (test setup, not under test). */
    async putDirect(key, data) {
      const r = await direct('PUT', `/${bucket}/${encodeKeyPath(key)}`, Buffer.from(data));
      if (r.status !== 200) throw new Error(`s3rver PUT ${key}: ${r.status} ${r.body}`);
    },
    /** Every key under `prefix` (sorted by UTF-8 bytes), straight from s3rver's store. */
    async listKeys(prefix = '') {
      const { objects } = await s3rver.store.listObjects(bucket, { prefix });
      return objects.map((o) => o.key).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    },
    /** The log entries from index `from` on (e.g. those of one client run). */
    since(from) {
      return requests.slice(from);
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
      upstreamAgent.destroy();
      s3rver.httpServer.closeAllConnections?.();
      await s3rver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The SHA-256 hex of `data`. */
export function sha256Hex(data) {
  return createHash('sha256').update(data).digest('hex');
}
