// A small seeded PRNG (mulberry32) so every generated data set is reproducible from the seed that
// the test name prints. Not for anything but test data.

/** Returns a function yielding uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for a test: E2E_SEED from the environment when set (to replay a failure), else `fallback`. */
export function seedFromEnv(fallback) {
  const s = process.env.E2E_SEED;
  if (s === undefined || s === '') return fallback >>> 0;
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`E2E_SEED must be an integer, got ${JSON.stringify(s)}`);
  return n >>> 0;
}

export class Rng {
  constructor(seed) {
    this.seed = seed >>> 0;
    this.next = mulberry32(this.seed);
  }
  /** Integer in [0, n). */
  int(n) {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.next() < p;
  }
  pick(items) {
    return items[this.int(items.length)];
  }
  /** Picks by weight: `choices` is [[item, weight], ...]. */
  weighted(choices) {
    const total = choices.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of choices) {
      if ((r -= w) < 0) return item;
    }
    return choices[choices.length - 1][0];
  }
  /** A double with a random sign, exponent and mantissa (finite, not -0). */
  double() {
    const mantissa = this.next() + this.next() / 4294967296;
    const exp = this.range(-30, 30);
    const v = mantissa * 10 ** exp;
    return this.chance(0.5) ? -v : v;
  }
  /** `n` hex characters. */
  hex(n) {
    let s = '';
    while (s.length < n) s += this.int(0x10000).toString(16).padStart(4, '0');
    return s.slice(0, n);
  }
}
