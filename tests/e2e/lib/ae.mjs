// AE-shaped JSONEachRow: what the Analytics Engine SQL API returns (one JSON object per line,
// keys in alphabetical order, timestamps as "YYYY-MM-DD hh:mm:ss" in UTC, numbers that may arrive
// as numeric strings). A raw row is a plain object: string columns hold strings, numeric columns
// hold numbers or Quoted(number) for a number sent as a JSON string.
import { writeFileSync } from 'node:fs';

/** A number that the dump carries as a JSON string ("100", "nan", "-inf"). */
export class Quoted {
  constructor(value) {
    this.value = value;
  }
}

/** The numeric value of a raw numeric field, whether quoted or not. */
export function numberOf(v) {
  return v instanceof Quoted ? v.value : v;
}

/** "YYYY-MM-DD hh:mm:ss" (UTC) for whole-second `ms`. */
export function aeTimestamp(ms) {
  if (ms % 1000 !== 0) throw new Error(`AE timestamps have whole seconds, got ${ms} ms`);
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Milliseconds since the epoch of an AE timestamp (read as UTC). */
export function parseAeTimestamp(s) {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(s);
  if (!m) throw new Error(`not an AE timestamp: ${s}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

/** "YYYY-MM-DD" of an AE timestamp string. */
export function aeDay(s) {
  return s.slice(0, 10);
}

// The JSON text of a double. NaN and ±inf have no JSON number form: ClickHouse-based APIs send
// them as strings, so they always go out quoted ("nan", "inf", "-inf"). JSON.stringify would turn
// -0 into 0, so -0 is written by hand.
function numberToken(v) {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0.0';
  return String(v); // shortest round-trip form, e.g. 0.1, 1e+300, 5e-324
}

function valueJson(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Quoted) return `"${numberToken(v.value)}"`;
  if (typeof v === 'number') {
    const tok = numberToken(v);
    return /^-?\d/.test(tok) ? tok : `"${tok}"`;
  }
  throw new Error(`unexpected raw value ${String(v)}`);
}

/** One JSONEachRow line (no newline), keys sorted as AE sorts them. */
export function aeLine(row) {
  const keys = Object.keys(row).sort();
  return '{' + keys.map((k) => `${JSON.stringify(k)}:${valueJson(row[k])}`).join(',') + '}';
}

/** Writes rows as a JSONEachRow dump; returns the text written. */
export function writeDump(path, rows) {
  const text = rows.map(aeLine).join('\n') + (rows.length ? '\n' : '');
  writeFileSync(path, text);
  return text;
}
