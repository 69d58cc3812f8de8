// `make bench` rival: the pure-JavaScript route a Node service would take, @dsnp/parquetjs,
// doing what `aesync convert` does with the built-in mapping (docs/configuration.md). It streams the AE
// JSONEachRow dump line by line (readline, JSON.parse), maps each row to the 15 named columns
// with the same rules (tests/e2e/lib/mapping.mjs: timestamps as UTC milliseconds, blob5 "" ->
// NULL, the three conditional columns NULL unless blob4 matches, numbers that arrive as JSON
// strings parsed), and writes them with ParquetWriter: TIMESTAMP_MILLIS, UTF8 strings, INT64,
// DOUBLE, optional where aesync's columns are nullable; data pages v1 and row groups of 262,144
// rows, as aesync writes.
//
// parquetjs has no zstd (its codecs: UNCOMPRESSED, GZIP, SNAPPY, BROTLI); GZIP (zlib level 6)
// is the closest to zstd's default level in ratio and speed (BROTLI runs at quality 11, far
// slower), so the output is GZIP and the summary line says so. parquetjs also writes no
// dictionary pages, so its files are larger.
//
//   node bench/rivals/parquetjs_convert.mjs IN.jsonl OUT.parquet [MAX_ROWS]
// converts the first MAX_ROWS rows (all by default: parquetjs is slow, the bench gives it a
// slice) and prints one JSON line: {"tool":"parquetjs","version":...,"rows":N,"codec":"GZIP",
// "input_bytes":B} where input_bytes counts the JSON lines read, newlines included.
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

import parquet from '@dsnp/parquetjs';

const [input, output, maxArg] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node bench/rivals/parquetjs_convert.mjs IN.jsonl OUT.parquet [MAX_ROWS]');
  process.exit(2);
}
const maxRows = maxArg === undefined ? Infinity : Number(maxArg);
const CODEC = 'GZIP';

const str = (optional = false) => ({ type: 'UTF8', compression: CODEC, optional });
const dbl = (optional = false) => ({ type: 'DOUBLE', compression: CODEC, optional });
const schema = new parquet.ParquetSchema({
  timestamp: { type: 'TIMESTAMP_MILLIS', compression: CODEC },
  machine_id: str(),
  org_id: str(),
  project_id: str(),
  machine_type: str(),
  metric_type: str(),
  process_name: str(true),
  sample_interval: { type: 'INT64', compression: CODEC },
  value1: dbl(),
  value2: dbl(),
  value3: dbl(),
  value4: dbl(),
  cpu_percent: dbl(true),
  memory_percent: dbl(true),
  time_to_ready_ms: dbl(true),
});

// A raw numeric value: a JSON number, or a number sent as a JSON string ("37.5", "nan", "inf").
function num(v) {
  if (typeof v === 'number') return v;
  if (v === 'nan') return NaN;
  if (v === 'inf' || v === '+inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return Number(v);
}

// "YYYY-MM-DD hh:mm:ss" (UTC) -> milliseconds since the epoch, without a Date per row.
const dayCache = new Map();
function aeMillis(s) {
  const day = s.slice(0, 10);
  let base = dayCache.get(day);
  if (base === undefined) {
    base = Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10));
    dayCache.set(day, base);
  }
  return base + ((+s.slice(11, 13) * 60 + +s.slice(14, 16)) * 60 + +s.slice(17, 19)) * 1000;
}

const writer = await parquet.ParquetWriter.openFile(schema, output, { rowGroupSize: 262_144, useDataPageV2: false });
const lines = createInterface({ input: createReadStream(input), crlfDelay: Infinity });
let rows = 0;
let inputBytes = 0;
for await (const line of lines) {
  if (rows >= maxRows) break;
  if (line === '') continue;
  inputBytes += Buffer.byteLength(line) + 1;
  const r = JSON.parse(line);
  const d1 = num(r.double1);
  const d2 = num(r.double2);
  const kind = r.blob4;
  await writer.appendRow({
    timestamp: aeMillis(r.timestamp),
    machine_id: r.index1,
    org_id: r.blob1,
    project_id: r.blob2,
    machine_type: r.blob3,
    metric_type: kind,
    process_name: r.blob5 === '' ? null : r.blob5,
    sample_interval: BigInt(num(r._sample_interval)),
    value1: d1,
    value2: d2,
    value3: num(r.double3),
    value4: num(r.double4),
    cpu_percent: kind === 'resource' ? d1 : null,
    memory_percent: kind === 'resource' ? d2 : null,
    time_to_ready_ms: kind === 'startup' ? d1 : null,
  });
  rows++;
}
lines.close();
await writer.close();

const require = createRequire(import.meta.url);
const version = JSON.parse(readFileSync(require.resolve('@dsnp/parquetjs/package.json'), 'utf8')).version;
console.log(JSON.stringify({ tool: 'parquetjs', version, rows, codec: CODEC, input_bytes: inputBytes }));
