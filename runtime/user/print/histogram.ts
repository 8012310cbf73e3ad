/**
 * Histogram rendering in bpftrace's layout (`hist()` / `lhist()` output):
 *
 *   [4, 8)                12 |@@@@@@@@@@@@                                        |
 *   ^ label, left in 16   ^ count, right in 8   ^ bar: count * 52 / max '@', padded to 52
 *
 * Log2 slot convention (what a program stores, documented in runtime/user/README.md): slot k ≥ 1
 * counts the values in [2^k, 2^(k+1)) and slot 0 the values 0 and 1, i.e. slot = floor(log2(v))
 * with 0 → 0: the `log2l()` of bcc / libbpf-tools (bits.bpf.h), which every histogram example in
 * examples/ (runqlat, biolatency, vfsread-latency) and its C twin in bench/c/ computes. Labels use
 * K/M/G/T/P/E for powers of 1024, as bpftrace does (`[1K, 2K)`). Linear buckets: bucket i counts [min + i*step, min + (i+1)*step).
 *
 * Consumes slot → count pairs; produces lines. Rows run from the lowest to the highest non-empty
 * slot, empty slots in between included, so the shape of the distribution stays visible.
 */

/** Width of the bar between the pipes (bpftrace's). */
export const BAR_WIDTH = 52;

/** One bucket: the range it counts and how many. */
export interface HistBucket {
  /** Inclusive lower bound. */
  readonly min: bigint;
  /** Exclusive upper bound. */
  readonly max: bigint;
  readonly count: bigint;
  /** Row label (`[4, 8)`). */
  readonly label: string;
}

const SUFFIXES = ["", "K", "M", "G", "T", "P", "E"];

/** `2^power` with a binary suffix: 1024 → `1K`, 3 → `8`. */
export function powerLabel(power: number): string {
  const unit = Math.min(Math.floor(power / 10), SUFFIXES.length - 1);
  return `${1n << BigInt(power - unit * 10)}${SUFFIXES[unit]}`;
}

/** Range and label of log2 slot `slot`. */
export function log2Bucket(slot: number, count: bigint): HistBucket {
  if (slot === 0) return { min: 0n, max: 2n, count, label: "[0, 2)" };
  return {
    min: 1n << BigInt(slot),
    max: 1n << BigInt(slot + 1),
    count,
    label: `[${powerLabel(slot)}, ${powerLabel(slot + 1)})`,
  };
}

/** Range and label of linear bucket `index`. */
export function linearBucket(index: number, min: bigint, step: bigint, count: bigint): HistBucket {
  const lo = min + BigInt(index) * step;
  const hi = lo + step;
  return { min: lo, max: hi, count, label: `[${lo}, ${hi})` };
}

/**
 * The buckets to show: from the lowest to the highest slot with a non-zero count. `counts` maps a
 * slot index to its count; `bucket` makes a bucket for a slot.
 */
export function histBuckets(
  counts: ReadonlyMap<number, bigint>,
  bucket: (slot: number, count: bigint) => HistBucket,
): HistBucket[] {
  const used = [...counts].filter(([, c]) => c !== 0n).map(([s]) => s);
  if (used.length === 0) return [];
  const lo = Math.min(...used);
  const hi = Math.max(...used);
  const out: HistBucket[] = [];
  for (let s = lo; s <= hi; s++) out.push(bucket(s, counts.get(s) ?? 0n));
  return out;
}

/** The rows of a histogram (no header, no trailing blank line). */
export function renderHistogram(buckets: readonly HistBucket[]): string[] {
  const top = buckets.reduce((m, b) => (b.count > m ? b.count : m), 0n);
  return buckets.map((b) => {
    const width = top === 0n ? 0 : Number((b.count * BigInt(BAR_WIDTH)) / top);
    const bar = "@".repeat(width) + " ".repeat(BAR_WIDTH - width);
    return `${b.label.padEnd(16)}${String(b.count).padStart(8)} |${bar}|`;
  });
}
