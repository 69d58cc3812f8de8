// The leak detector of the redaction and security tests: every place in a command's output
// where a secret (or any 10-character slice of one, so a cut or partly masked secret still
// counts) or a credential-bearing header value shows.
import assert from 'node:assert/strict';

const CREDENTIAL_PATTERNS = [
  /Bearer\s+(?!\*\*\*)[A-Za-z0-9._~+\/=-]{4,}/gi,
  /Authorization["']?\s*[:=]\s*["']?(?!\*\*\*|Bearer \*\*\*)[A-Za-z0-9]/gi,
  /AWS4-HMAC-SHA256\s+Credential=/g,
  /Signature=[0-9a-f]{64}/g,
  /X-ClickHouse-Key["']?\s*[:=]\s*["']?(?!\*\*\*)[A-Za-z0-9]/gi,
];

/**
 * Where `text` shows a secret: `sliced` maps names to secrets searched by 10-character slices,
 * `exact` to short secrets searched whole; plus every credential pattern. [] when none.
 */
export function findLeaks(text, sliced, exact = {}) {
  const found = [];
  const around = (at, after) => JSON.stringify(text.slice(Math.max(0, at - 80), at + after));
  for (const [name, secret] of Object.entries(sliced)) {
    for (let i = 0; i + 10 <= secret.length; i++) {
      const at = text.indexOf(secret.slice(i, i + 10));
      if (at >= 0) {
        found.push(`${name} (${JSON.stringify(secret.slice(i, i + 10))}) in ...${around(at, 40)}`);
        break;
      }
    }
  }
  for (const [name, secret] of Object.entries(exact)) {
    const at = text.indexOf(secret);
    if (at >= 0) found.push(`${name} in ...${around(at, 40)}`);
  }
  for (const re of CREDENTIAL_PATTERNS) {
    for (const m of text.matchAll(re)) found.push(`${re} at ...${around(m.index, 60)}`);
  }
  return found;
}

/** Asserts that neither stdout nor stderr of `res` shows anything `leaks(text)` finds. */
export function assertNoLeakWith(leaks, res, what) {
  const found = [...leaks(res.stdout).map((l) => `stdout: ${l}`), ...leaks(res.stderr).map((l) => `stderr: ${l}`)];
  assert.deepEqual(found, [], `${what} leaked`);
}
