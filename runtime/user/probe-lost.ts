/**
 * Records a probe could not send, counted by the probe itself. A full ring buffer makes
 * `reserve()` (bpf_ringbuf_reserve) return null and the kernel counts nothing, so the convention is
 * that the probe counts them in a map named after the buffer, `<buffer>Lost` or `<buffer>_lost`:
 * an ArrayMap or PerCpuArray of one u64, incremented at index 0 where the reserve failed
 * (examples/opensnoop.ts). `tsbpf run` and tsbpf/user read it and report the new failures as
 * "N events lost" (source `probe`) beside the kernel's and tsbpf's own counts.
 *
 * Consumes a loaded object and a buffer name; produces a reader of the counter (summed over CPUs),
 * or undefined when the object has no such map. A map of that name with another shape is
 * reported in `problem` and not read.
 */
import type { LoadedObject } from "../loader/index.ts";
import { MapType } from "../loader/index.ts";

/** The counter map of one event buffer. */
export interface ProbeLostCounter {
  /** Its name (`eventsLost`). */
  readonly map: string;
  /** Failures so far (every CPU's count at index 0, summed). */
  read(): bigint;
}

/** The names the convention accepts for buffer `buffer`'s counter, in order. */
export function probeLostNames(buffer: string): string[] {
  return [`${buffer}Lost`, `${buffer}_lost`];
}

/**
 * The counter of `buffer` in `loaded`: a reader, undefined when there is none, or a `problem`
 * sentence when a map of that name is not a one-u64 array.
 */
export function probeLostCounter(
  loaded: LoadedObject,
  buffer: string,
): ProbeLostCounter | { readonly problem: string } | undefined {
  for (const name of probeLostNames(buffer)) {
    if (!loaded.maps.has(name)) continue;
    const m = loaded.map(name);
    const perCpu = m.type === MapType.PERCPU_ARRAY;
    if ((m.type !== MapType.ARRAY && !perCpu) || m.keySize !== 4 || m.valueSize !== 8)
      return {
        problem:
          `map ${name} is not read as ${buffer}'s count of failed reserves: it must be an ` +
          "ArrayMap<u64> or PerCpuArray<u64> (key u32, value u64)",
      };
    const key = new Uint8Array(4);
    return {
      map: name,
      read: () => {
        const values = perCpu ? m.lookupPerCpu(key) : [m.lookup(key)];
        let sum = 0n;
        for (const v of values ?? [])
          if (v) sum += new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true);
        return sum;
      },
    };
  }
  return undefined;
}
