// A minimal S3 client signed with AWS's own signer (@smithy/signature-v4), used only to check
// that the harness's proxy accepts well-signed requests and refuses the rest (so that its
// verdicts on the clients under test mean something).
import { createHash } from 'node:crypto';
import http from 'node:http';

import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';

import { encodeKeyPath } from './s3_harness.mjs';

/**
 * Sends one signed request to the harness. `key` null addresses the bucket. `payloadHash`
 * overrides x-amz-content-sha256 (e.g. 'UNSIGNED-PAYLOAD' or a wrong hash); `tamper` may change
 * the signed request before it is sent (the signature then no longer matches); `rawPath` is sent
 * and signed verbatim instead of the encoded bucket/key path.
 */
export async function s3Request(
  h,
  { method = 'GET', key = null, query = {}, body = Buffer.alloc(0), headers = {}, secretAccessKey = h.secretAccessKey,
    accessKeyId = h.accessKeyId, region = h.region, payloadHash, tamper, rawPath, userAgent = 'aesync-e2e-js-client' } = {},
) {
  const url = new URL(h.endpoint);
  const path = rawPath ?? `/${h.bucket}` + (key === null ? '' : `/${encodeKeyPath(key)}`);
  const hash = payloadHash ?? createHash('sha256').update(body).digest('hex');
  const request = new HttpRequest({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query,
    headers: { host: url.host, 'x-amz-content-sha256': hash, ...headers },
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey },
    region,
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
  });
  const signed = await signer.sign(request);
  if (tamper) tamper(signed);
  const qs = Object.entries(signed.query)
    .flatMap(([k, v]) => [].concat(v).map((x) => (x === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(x)}`)))
    .join('&');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        agent: false, // a connection per request: no reuse of one the server may be closing
        path: signed.path + (qs ? `?${qs}` : ''),
        headers: { ...signed.headers, 'user-agent': userAgent, 'content-length': body.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The <Code> of an S3 XML error body. */
export function errorCode(body) {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? null;
}
