// Value-for-value comparison of reader rows with expected rows, with messages that show where
// they differ. Doubles compare with Object.is: bit-exact except that every NaN equals every NaN
// (NaN payloads are not something a reader promises to keep); -0 differs from +0.
import assert from 'node:assert/strict';

export function sameValue(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  return a === b;
}

/** A short, unambiguous rendering of a value for failure messages. */
export function show(v) {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') {
    const bytes = Buffer.byteLength(v);
    return v.length > 60 ? `${JSON.stringify(v.slice(0, 60))}... (${bytes} bytes)` : JSON.stringify(v);
  }
  return `${typeof v} ${String(v)}`;
}

/**
 * Asserts `actual` (reader rows) equals `expected` row by row; `columns` names the positions.
 * The message lists the first few differing cells.
 */
export function assertRowsEqual(actual, expected, columns, label) {
  assert.equal(actual.length, expected.length, `${label}: row count`);
  const diffs = [];
  let count = 0;
  for (let r = 0; r < expected.length; r++) {
    const a = actual[r];
    const e = expected[r];
    assert.equal(a.length, columns.length, `${label}: row ${r} has ${a.length} values`);
    for (let c = 0; c < columns.length; c++) {
      if (!sameValue(a[c], e[c])) {
        count++;
        if (diffs.length < 8) {
          diffs.push(`row ${r} ${columns[c].name}: got ${show(a[c])}, expected ${show(e[c])}`);
        }
      }
    }
  }
  if (count) assert.fail(`${label}: ${count} cells differ:\n  ${diffs.join('\n  ')}`);
}
