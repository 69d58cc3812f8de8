// Generators of AE-shaped raw rows (see ae.mjs), all driven by a seeded Rng.
import { Quoted } from './ae.mjs';

const DAY_MS = 86_400_000;

/** Milliseconds since the epoch of a UTC day "YYYY-MM-DD". */
export function dayStartMs(day) {
  return Date.parse(`${day}T00:00:00Z`);
}

/** "YYYY-MM-DD" of a UTC day `n` days after `day`. */
export function addDays(day, n) {
  return new Date(dayStartMs(day) + n * DAY_MS).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Realistic machine_metrics rows (the built-in mapping's dataset).

const MACHINE_TYPES = ['shared-cpu-1x', 'shared-cpu-2x', 'performance-1x', 'performance-2x', 'performance-8x'];
const PROCESS_NAMES = ['node', 'bun', 'python3', 'postgres', 'nginx', 'redis-server', 'worker-日本', 'café', 'deno 🦕'];

/** Occasionally sends a number as a numeric string, as AE does. */
function maybeQuoted(rng, v, p = 0.05) {
  return rng.chance(p) ? new Quoted(v) : v;
}

/**
 * `rows` rows over `days` UTC days from `startDay`, in timestamp order (ties keep generation
 * order), from `machines` machines in `orgs` orgs. Every day gets rows (for rows >> days).
 */
export function genMachineMetrics(rng, { rows, days, startDay = '2026-02-01', machines = 200, orgs = 20 }) {
  const fleet = [];
  for (let m = 0; m < machines; m++) {
    const org = rng.int(orgs);
    fleet.push({
      id: `m_${rng.hex(6)}${m.toString(36)}`,
      org: `org_${org}`,
      project: `proj_${org}_${rng.int(4)}`,
      type: rng.pick(MACHINE_TYPES),
    });
  }
  const start = dayStartMs(startDay) / 1000;
  const seconds = [];
  for (let i = 0; i < rows; i++) {
    // The first `days` rows pin one row into each day so that no day is empty.
    const s = i < days ? start + i * 86_400 + rng.int(86_400) : start + rng.int(days * 86_400);
    seconds.push(s);
  }
  seconds.sort((a, b) => a - b);
  const out = [];
  for (const s of seconds) {
    const m = rng.pick(fleet);
    const kind = rng.weighted([['resource', 70], ['process', 25], ['startup', 5]]);
    let d1 = 0, d2 = 0, d3 = 0, d4 = 0, proc = '';
    if (kind === 'resource') {
      d1 = Math.round(rng.next() * 10000) / 100; // cpu %
      d2 = Math.round(rng.next() * 10000) / 100; // memory %
      d3 = rng.int(2 ** 31); // disk bytes
      d4 = rng.chance(0.5) ? 0 : rng.double();
    } else if (kind === 'process') {
      d1 = Math.round(rng.next() * 40000) / 100; // a process may use several cores
      d2 = rng.range(1, 8192) + rng.int(100) / 100; // rss MiB
      d3 = rng.range(1, 65535); // pid
      proc = rng.chance(0.2) ? '' : rng.pick(PROCESS_NAMES);
    } else {
      d1 = rng.range(150, 30_000); // time to ready, ms
    }
    out.push({
      _sample_interval: maybeQuoted(rng, rng.weighted([[1, 80], [2, 10], [4, 5], [10, 5]])),
      blob1: m.org,
      blob2: m.project,
      blob3: m.type,
      blob4: kind,
      blob5: proc,
      dataset: 'machine_metrics',
      double1: maybeQuoted(rng, d1),
      double2: maybeQuoted(rng, d2),
      double3: maybeQuoted(rng, d3),
      double4: maybeQuoted(rng, d4),
      index1: m.id,
      timestamp: new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' '),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Round-trip rows: every edge a column can carry. double20 holds the row's ordinal (seq).

/** The [[columns]] of the round-trip config. */
export const ROUNDTRIP_COLUMNS = [
  { name: 'seq', from: 'double20', type: 'int64' },
  { name: 'seq_proc', from: 'double20', type: 'int64', when: { blob4: 'process' } }, // rising, with NULLs
  { name: 'ts', from: 'timestamp', type: 'timestamp' },
  { name: 'machine', from: 'index1', type: 'string' },
  { name: 'ds', from: 'dataset', type: 'string' },
  { name: 'org', from: 'blob1', type: 'string' }, // "" stays ""
  { name: 'project', from: 'blob2', type: 'string', empty_as_null: true }, // "" -> NULL
  { name: 'always_null', from: 'blob3', type: 'string', empty_as_null: true }, // blob3 is always ""
  { name: 'kind', from: 'blob4', type: 'string', empty_as_null: false },
  { name: 'text', from: 'blob5', type: 'string' }, // UTF-8, long strings, dictionary overflow
  { name: 'proc_text', from: 'blob5', type: 'string', when: { blob4: 'process' } },
  { name: 'v1', from: 'double1', type: 'double' }, // NaN, ±inf, -0, extremes
  { name: 'cpu', from: 'double1', type: 'double', when: { blob4: 'resource' } },
  { name: 'never', from: 'double2', type: 'double', when: { blob4: 'no-such-kind' } }, // NULL on every row
  { name: 'v2', from: 'double2', type: 'double' },
  { name: 'count', from: 'double3', type: 'int64' }, // integral doubles
  { name: 'weight', from: '_sample_interval', type: 'int64' },
  { name: 'weight_d', from: '_sample_interval', type: 'double' },
  { name: 'v4', from: 'double4', type: 'double' },
];

const SPECIAL_DOUBLES = [
  NaN, Infinity, -Infinity, -0, 0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
  -1.7976931348623157e308, 0.1, 1 / 3, 1e21, 123456789.123, 2 ** 53, -(2 ** 53) - 2,
];
const INTEGRAL_DOUBLES = [0, 1, -1, 42, 100, 2 ** 31, -(2 ** 31), 2 ** 53, -(2 ** 53), 1e15, 2 ** 60, -(2 ** 62)];
const TEXT_PIECES = [
  'a', 'Z', '0', ' ', 'é', 'ß', 'ü', '€', '日本', '語', '🎉', '👩‍💻', '😀', '"', '\\', '/', '\n', '\t',
  '\u0001', '\u007f', '\u2028', 'ﬀ', '{', '}', ',', ':',
];

/** A string of exactly `bytes` UTF-8 bytes that starts with multi-byte characters and a tag. */
export function longString(bytes, tag) {
  const head = `é日本🎉${tag}:`;
  const unit = 'aé日🎉x'; // 1 + 2 + 3 + 4 + 1 = 11 bytes
  const rest = bytes - Buffer.byteLength(head);
  if (rest < 0) throw new Error('longString: tag too long');
  const units = Math.floor(rest / 11);
  return head + unit.repeat(units) + 'x'.repeat(rest - units * 11);
}

function randomText(rng) {
  if (rng.chance(0.1)) return '';
  let s = '';
  const n = rng.range(1, 24);
  for (let i = 0; i < n; i++) s += rng.pick(TEXT_PIECES);
  return s;
}

/**
 * `n` round-trip rows with strictly increasing timestamps from 2026-02-03 (crossing days).
 * opts.longStrings: byte sizes of extra-long texts placed on evenly spread rows.
 * opts.distinctText: every row's text is a distinct 100-byte ASCII string (dictionary overflow).
 * opts.fewDoubles: double1 and double4 only take the 16 special doubles (numeric dictionaries).
 * opts.splitDoubles: double1 is an integer below 1e9, or one of the special doubles on 4% of the
 *   rows (BYTE_STREAM_SPLIT compresses best; at 25% specials the repeats favour PLAIN).
 */
export function genRoundtripRows(rng, n, { longStrings = [], distinctText = false, fewDoubles = false, splitDoubles = false } = {}) {
  const rows = [];
  let sec = dayStartMs('2026-02-03') / 1000 + rng.int(3600);
  const longAt = new Map(longStrings.map((bytes, k) => [Math.floor(((k + 1) * n) / (longStrings.length + 1)), bytes]));
  for (let i = 0; i < n; i++) {
    sec += rng.range(1, 60);
    const kind = rng.weighted([['resource', 50], ['process', 35], ['startup', 15]]);
    let text;
    if (longAt.has(i)) text = longString(longAt.get(i), `row${i}`);
    else if (distinctText) text = `${i.toString(36).padStart(6, '0')}-${rng.hex(93)}`;
    else text = randomText(rng);
    const d1 = splitDoubles
      ? rng.chance(0.04) ? rng.pick(SPECIAL_DOUBLES) : rng.int(1e9)
      : fewDoubles || rng.chance(0.25) ? rng.pick(SPECIAL_DOUBLES) : rng.double();
    const d3 = rng.chance(0.5) ? rng.pick(INTEGRAL_DOUBLES) : rng.range(-1e6, 1e6);
    rows.push({
      _sample_interval: maybeQuoted(rng, rng.pick([1, 1, 1, 2, 10, 100, 1000]), 0.3),
      blob1: rng.chance(0.15) ? '' : `org_${rng.int(20)}`,
      blob2: rng.chance(0.3) ? '' : `proj_${rng.int(50)}`,
      blob3: '',
      blob4: kind,
      blob5: text,
      dataset: 'machine_metrics',
      double1: maybeQuoted(rng, d1, 0.25),
      double2: maybeQuoted(rng, rng.double(), 0.1),
      double3: maybeQuoted(rng, d3, 0.3),
      double4: new Quoted(fewDoubles || rng.chance(0.1) ? rng.pick(SPECIAL_DOUBLES) : rng.double()),
      double20: i,
      index1: `m_${rng.int(50).toString(16).padStart(6, '0')}`,
      timestamp: new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' '),
    });
  }
  return rows;
}
