// Prints SigV4 test vectors computed by AWS's own signer (@smithy/signature-v4, hashing with
// @aws-crypto/sha256-js), as C++ initialisers for tests/unit/storage/test_sigv4.cpp.
//
//   node tests/tools/sigv4_vectors.mjs      (from the repository, after `make deps-npm`)
//
// Each vector is built from its parts (endpoint, bucket, key, query parameters, headers, body)
// the way the S3 store builds its requests: path-style URL, each key segment percent-encoded
// per RFC 3986 ('/' kept), query names and values encoded the same way ('/' encoded). The
// signer gets the encoded path with uriEscapePath: false (S3 does not double-encode paths),
// the decoded query parameters, and exactly the headers aesync signs (host, x-amz-content-sha256,
// and the request's x-amz-* / content-type / content-md5); it adds x-amz-date itself.
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";

const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

// RFC 3986: encodeURIComponent leaves !'()* unencoded; S3 wants them as %XX too.
const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
const encodeKey = (key) => key.split("/").map(rfc3986).join("/");

const R2 = { scheme: "https", host: "0123456789abcdef.r2.cloudflarestorage.com", port: null, region: "auto" };
const MINIO = { scheme: "http", host: "127.0.0.1", port: 9000, region: "us-east-1" };
const S3RVER = { scheme: "http", host: "localhost", port: 4568, region: "us-east-1" };
const AWS = { scheme: "https", host: "s3.us-east-1.amazonaws.com", port: null, region: "us-east-1" };

const T1 = 1700000000; // 2023-11-14T22:13:20Z
const T2 = 1735689599; // 2024-12-31T23:59:59Z

const vectors = [
  { name: "get_object", method: "GET", ep: R2, bucket: "analytics", key: "exports/machine_metrics/2024-01-01/data.parquet", time: T1 },
  { name: "head_object", method: "HEAD", ep: AWS, bucket: "analytics", key: "exports/_manifest.json", time: T2 },
  {
    name: "put_object", method: "PUT", ep: R2, bucket: "analytics", key: "exports/machine_metrics/2024-01-01/data.parquet", time: T1,
    body: "PAR1 not really a parquet file\n",
    headers: { "content-type": "application/octet-stream", "x-amz-meta-note": "  two   spaces\tand a tab  " },
  },
  { name: "put_object_empty", method: "PUT", ep: MINIO, bucket: "b", key: "empty.txt", time: T1, body: "" },
  { name: "create_multipart", method: "POST", ep: MINIO, bucket: "analytics", key: "big/data.parquet", query: [["uploads", ""]], time: T1 },
  {
    name: "upload_part", method: "PUT", ep: R2, bucket: "analytics", key: "big/data.parquet",
    query: [["partNumber", "2"], ["uploadId", "abc/def"]], time: T1, body: "part two\n",
  },
  {
    name: "complete_multipart", method: "POST", ep: AWS, bucket: "analytics", key: "big/data.parquet",
    query: [["uploadId", "VXBsb2FkIElE~x+y=z"]], time: T2,
    body: "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part></CompleteMultipartUpload>",
  },
  { name: "abort_multipart", method: "DELETE", ep: S3RVER, bucket: "analytics", key: "big/data.parquet", query: [["uploadId", "abc/def"]], time: T1 },
  { name: "delete_object", method: "DELETE", ep: R2, bucket: "analytics", key: "old/data.parquet", time: T1 },
  {
    name: "delete_objects", method: "POST", ep: AWS, bucket: "analytics", key: null, query: [["delete", ""]], time: T2,
    body: "<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object></Delete>",
    headers: { "content-type": "application/xml", "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" },
  },
  {
    name: "list_objects", method: "GET", ep: R2, bucket: "analytics", key: null,
    query: [["list-type", "2"], ["prefix", "a/b"], ["continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="]], time: T1,
  },
  {
    name: "list_uploads", method: "GET", ep: S3RVER, bucket: "analytics", key: null,
    query: [["uploads", ""], ["prefix", "exports/"], ["max-uploads", "1000"]], time: T1,
  },
  { name: "key_spaces", method: "GET", ep: R2, bucket: "analytics", key: "my dir/file name (1).parquet", time: T1 },
  { name: "key_unicode", method: "PUT", ep: AWS, bucket: "analytics", key: "données/日本/é.parquet", time: T2, body: "é" },
  { name: "key_specials", method: "GET", ep: MINIO, bucket: "analytics", key: "a+b=c~d%e&f.txt", time: T1 },
  { name: "key_dollar", method: "GET", ep: S3RVER, bucket: "examplebucket", key: "test$file.text", time: 1369353600 },
];

const cxx = (s) => JSON.stringify(s); // JSON string escapes are valid C++ for these (ASCII or UTF-8)

for (const v of vectors) {
  const ep = v.ep;
  const host = ep.port ? `${ep.host}:${ep.port}` : ep.host;
  let path = `/${v.bucket}`;
  if (v.key !== null) path += `/${encodeKey(v.key)}`;
  const query = {};
  const queryParts = [];
  for (const [name, value] of v.query ?? []) {
    query[name] = value;
    queryParts.push(value === "" && ["uploads", "delete"].includes(name) ? rfc3986(name) : `${rfc3986(name)}=${rfc3986(value)}`);
  }
  const url = `${ep.scheme}://${host}${path}${queryParts.length ? "?" + queryParts.join("&") : ""}`;

  const body = v.body ?? "";
  const hash = new Sha256();
  hash.update(new TextEncoder().encode(body));
  const payloadHash = Buffer.from(await hash.digest()).toString("hex");

  const extraHeaders = v.headers ?? {};
  const request = {
    method: v.method,
    protocol: `${ep.scheme}:`,
    hostname: ep.host,
    port: ep.port ?? undefined,
    path,
    query,
    headers: { host, "x-amz-content-sha256": payloadHash, ...extraHeaders },
    body,
  };
  const signer = new SignatureV4({ credentials, region: ep.region, service: "s3", sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign(request, { signingDate: new Date(v.time * 1000) });
  const auth = signed.headers["authorization"];
  const signature = auth.match(/Signature=([0-9a-f]{64})/)[1];

  const headerList = Object.entries(extraHeaders).map(([k, val]) => `{${cxx(k)}, ${cxx(val)}}`).join(", ");
  console.log(`      {${cxx(v.name)}, ${cxx(v.method)}, ${cxx(url)}, ${cxx(ep.region)}, ${v.time}, ${cxx(body)},`);
  console.log(`       {${headerList}},`);
  console.log(`       ${cxx(v.key ?? "")}, ${cxx(payloadHash)},`);
  console.log(`       ${cxx(signature)},`);
  console.log(`       ${cxx(auth)}},`);
}
