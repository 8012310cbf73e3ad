/**
 * Small statistics for the codegen benchmark: median of timing samples, sum and geometric mean.
 *
 * Consumes plain number arrays; produces numbers, or undefined where the statistic does not exist
 * (empty input, or a non-positive value in a geometric mean). Pure functions, no state.
 */

/** The median of `samples` (mean of the two middle values for an even count), or undefined if empty. */
export function median(samples: readonly number[]): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sum of `values` (0 for none). */
export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * Geometric mean of positive `values`: exp(mean(ln v)). Undefined for an empty list or when any value
 * is zero, negative or not finite (the geometric mean of ratios is meaningless then).
 */
export function geomean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  if (values.some((v) => !(v > 0) || !Number.isFinite(v))) return undefined;
  return Math.exp(sum(values.map(Math.log)) / values.length);
}

/**
 * Runs `fn` once to warm up (caches, JIT tiering, lazy imports), then `runs` more times, and returns
 * the median wall time in ms. `fn` may be async; its result is awaited inside the timed span.
 */
export async function medianMs(fn: () => unknown, runs: number): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < Math.max(1, runs); i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples) ?? Number.NaN;
}
