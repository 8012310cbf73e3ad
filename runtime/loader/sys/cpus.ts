/**
 * Number of possible CPUs, which sizes per-CPU map values: the kernel copies one value slot
 * (rounded up to 8 bytes) per possible CPU on lookup and update of PERCPU_* maps.
 * Source: /sys/devices/system/cpu/possible and .../online (range lists like "0-3" or "0,2-5").
 */
import { readFileSync } from "node:fs";

let cached: number | undefined;

/** Parses a kernel CPU range list ("0-3,5") into the CPU ids it names, ascending. */
export function parseCpuRanges(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [lo, hi] = part.split("-").map((s) => Number(s));
    const top = hi ?? lo;
    if (lo === undefined || top === undefined || !Number.isInteger(lo) || !Number.isInteger(top)) {
      throw new Error(`bad CPU list "${text.trim()}"`);
    }
    for (let c = lo; c <= top; c++) out.push(c);
  }
  return out.sort((a, b) => a - b);
}

/** Parses a CPU range list into the number of CPU slots it spans (highest id + 1). */
export function parseCpuList(text: string): number {
  const cpus = parseCpuRanges(text);
  return cpus.length ? cpus[cpus.length - 1]! + 1 : 0;
}

/** The CPUs currently online (perf events are opened on each). */
export function onlineCpus(): number[] {
  return parseCpuRanges(readFileSync("/sys/devices/system/cpu/online", "utf8"));
}

/** How many possible CPUs this machine has (cached). */
export function possibleCpus(): number {
  cached ??= parseCpuList(readFileSync("/sys/devices/system/cpu/possible", "utf8"));
  return cached;
}
