/**
 * A small seeded pseudo-random generator for test-input generation (program generator, packets,
 * map contents).
 *
 * Consumes a 32-bit seed; produces a deterministic stream: the same seed gives the same numbers on
 * every machine and Node version (pure 32-bit integer arithmetic, no Math.random), so a failing seed
 * reproduces exactly. The core is mulberry32 (a well-known public-domain 32-bit mixer), which is
 * plenty for test generation; it is not cryptographic.
 */

/** Deterministic random numbers from a seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    // Scramble so that neighbouring seeds (1, 2, 3, ...) start far apart.
    this.state = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  }

  /** The next unsigned 32-bit value. */
  next32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [lo, hi] (inclusive; hi - lo < 2^32). */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`empty range [${lo}, ${hi}]`);
    return lo + (this.next32() % (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next32() / 0x1_0000_0000 < p;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(0, items.length - 1)]!;
  }

  /** An element chosen with the given relative weights (`[item, weight]` pairs). */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((s, [, w]) => s + w, 0);
    let r = this.next32() % total;
    for (const [item, w] of choices) {
      if (r < w) return item;
      r -= w;
    }
    return choices[choices.length - 1]![0];
  }

  /** A signed 32-bit value. */
  int32(): number {
    return this.next32() | 0;
  }

  /** An unsigned 64-bit value. */
  u64(): bigint {
    return (BigInt(this.next32()) << 32n) | BigInt(this.next32());
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next32() & 0xff;
    return out;
  }
}
