/**
 * What every VM map shares: its spec, the interface helpers and the test API use, the per-CPU state,
 * the kernel's errno values, and the checks of BPF_ANY / BPF_NOEXIST / BPF_EXIST update flags.
 *
 * Semantics follow the kernel (kernel/bpf/arraymap.c, hashtab.c): operations return 0 or a negative
 * errno, never throw, because a BPF program sees those numbers. Misuse by the *host* (a key of the
 * wrong size passed through the test API, an unsupported map definition) throws `MapError` instead.
 *
 * Invariant: a value a program can point into is a `Region` of kind "map_value" (or "global_data")
 * over the map's own storage, stable while the entry exists and unmapped when it is deleted.
 */
import type { Memory, RegionKind } from "../vm/contract.ts";
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";

/** Kernel errno values the maps and helpers return (negated). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ENOTSUPP: 524,
} as const;

/** A host-side misuse of a map (wrong key size, unsupported type): a clean, user-facing error. */
export class MapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MapError";
  }
}

/** The definition a map is created from (the fields of `BpfMapDef` the VM needs). */
export interface MapSpec {
  readonly name: string;
  /** BPF_MAP_TYPE_* number. */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** A map of maps' inner map template (`name` unused). */
  readonly inner?: MapSpec;
}

/** The simulated CPUs: per-CPU maps keep one value per CPU and programs see `current`'s. */
export interface CpuState {
  /** Number of possible CPUs (≥ 1). */
  readonly count: number;
  /** The CPU the program runs on, 0 ≤ current < count. */
  current: number;
}

/** What a map needs from its surroundings. */
export interface MapContext {
  readonly memory: Memory;
  readonly cpus: CpuState;
}

/** The operations every map offers; kinds that do not support one return -EINVAL / -ENOTSUPP. */
export interface VmMap {
  readonly spec: MapSpec;
  /** Kind name: `hash`, `array`, `ringbuf`, ... */
  readonly kind: string;
  /** True for per-CPU kinds (values exist once per CPU). */
  readonly perCpu: boolean;
  /** The program's view: address of the value (current CPU's for per-CPU maps), or 0n if absent. */
  lookupAddress(key: Uint8Array): bigint;
  /** Live value bytes (current CPU's for per-CPU maps), or null if absent. Writes are visible. */
  lookup(key: Uint8Array): Uint8Array | null;
  /** Every CPU's value (a one-element list for ordinary maps), or null if absent. */
  lookupAllCpus(key: Uint8Array): Uint8Array[] | null;
  /** Inserts or replaces, as `bpf_map_update_elem` from a program: 0 or -errno. */
  update(key: Uint8Array, value: Uint8Array, flags: number): number;
  /** Sets every CPU's value at once, as the bpf() syscall does for per-CPU maps: 0 or -errno. */
  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number;
  /** Removes an entry: 0 or -errno. */
  delete(key: Uint8Array): number;
  /** Keys of existing entries, in the map's iteration order (copies). */
  keys(): Uint8Array[];
  /** Unmaps every region the map owns. */
  dispose(): void;
  /**
   * Optional allocation-free forms for the helpers' fast paths: the key is `spec.keySize` bytes of
   * `keyBytes` from `keyOffset` on (the value likewise), which the caller has bounds-checked. They
   * behave exactly as `lookupAddress` / `update` / `delete` on copies of those bytes.
   */
  /** Region id of the value `lookupAddress` would return (its address is `id << 32`), or 0. */
  lookupRegionAt?(keyBytes: Uint8Array, keyOffset: number): number;
  updateAt?(
    keyBytes: Uint8Array,
    keyOffset: number,
    valueBytes: Uint8Array,
    valueOffset: number,
    flags: number,
  ): number;
  deleteAt?(keyBytes: Uint8Array, keyOffset: number): number;
}

/** The 4 little-endian bytes of u32 `n` (an fd array's value as user space reads it). */
export function u32Bytes(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

/**
 * What an update of an fd-valued map (prog array, map of maps) stores: the u32 id user space wrote
 * (checked to be 4 bytes) and the update mode, null for flags that are none of BPF_ANY / NOEXIST /
 * EXIST (-EINVAL).
 */
export function fdUpdate(
  spec: MapSpec,
  value: Uint8Array,
  flags: number,
): { id: number; mode: "any" | "noexist" | "exist" } | null {
  checkSize(spec, "value", value, 4);
  const mode = updateMode(flags);
  const id = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
  return mode === null ? null : { id, mode };
}

/** `lookupAllCpus` of a map whose values exist once: the one value as a list, or null. */
export function oneCpu(v: Uint8Array | null): Uint8Array[] | null {
  return v ? [v] : null;
}

/** The one value `updateAllCpus` of a map that is not per-CPU takes; MapError for any other count. */
export function singleValue(spec: MapSpec, values: readonly Uint8Array[]): Uint8Array {
  if (values.length !== 1) throw new MapError(`map ${spec.name} is not per-CPU`);
  return values[0]!;
}

/** Rounds up to a multiple of 8, the kernel's value stride (`round_up(value_size, 8)`). */
export function round8(n: number): number {
  return (n + 7) & ~7;
}

const ANY = BPF_CONSTANTS.BPF_ANY;
const NOEXIST = BPF_CONSTANTS.BPF_NOEXIST;
const EXIST = BPF_CONSTANTS.BPF_EXIST;

/** The update mode, or null when `flags` is not one of BPF_ANY / BPF_NOEXIST / BPF_EXIST. */
export function updateMode(flags: number): "any" | "noexist" | "exist" | null {
  if (flags === ANY) return "any";
  if (flags === NOEXIST) return "noexist";
  if (flags === EXIST) return "exist";
  return null;
}

/** Throws MapError unless `bytes` has exactly `size` bytes (host-side API misuse). */
export function checkSize(spec: MapSpec, what: "key" | "value", bytes: Uint8Array, size: number) {
  if (bytes.length !== size) {
    throw new MapError(`map ${spec.name}: ${what} must be ${size} bytes, got ${bytes.length}`);
  }
}

/**
 * A compact JS Map key for the `size` key bytes at `bytes[offset..]`, without copying them: keys of
 * up to 4 bytes become the int32 they spell little-endian (a small integer, the cheapest Map key),
 * keys of 5–6 bytes the exact number they spell (< 2^48), so no two keys collide; longer keys a
 * string of one UTF-16 unit per two bytes (a trailing odd byte gets its own unit, which cannot
 * collide either, since all keys of one map have the same size).
 */
export function compactKey(bytes: Uint8Array, offset: number, size: number): number | string {
  if (size === 4) {
    return (
      bytes[offset]! |
      (bytes[offset + 1]! << 8) |
      (bytes[offset + 2]! << 16) |
      (bytes[offset + 3]! << 24)
    );
  }
  if (size <= 6) {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + bytes[offset + i]!;
    return v;
  }
  let s = "";
  let i = 0;
  for (; i + 8 <= size; i += 8) {
    const o = offset + i;
    s += String.fromCharCode(
      bytes[o]! | (bytes[o + 1]! << 8),
      bytes[o + 2]! | (bytes[o + 3]! << 8),
      bytes[o + 4]! | (bytes[o + 5]! << 8),
      bytes[o + 6]! | (bytes[o + 7]! << 8),
    );
  }
  for (; i + 2 <= size; i += 2) {
    s += String.fromCharCode(bytes[offset + i]! | (bytes[offset + i + 1]! << 8));
  }
  if (i < size) s += String.fromCharCode(bytes[offset + i]!);
  return s;
}

/**
 * Copies `n` bytes with memmove semantics (like copying out first, as the helpers' slow paths do): a
 * short loop for small, distinct buffers beats `set(subarray(...))`, which allocates.
 */
export function copyBytes(
  to: Uint8Array,
  toOffset: number,
  from: Uint8Array,
  fromOffset: number,
  n: number,
): void {
  if (n > 64 || to.buffer === from.buffer) {
    to.set(from.subarray(fromOffset, fromOffset + n), toOffset);
    return;
  }
  for (let i = 0; i < n; i++) to[toOffset + i] = from[fromOffset + i]!;
}

/** Region kind and name prefix for a map's values. */
export function valueRegionKind(spec: MapSpec): RegionKind {
  return spec.name.startsWith(".") ? "global_data" : "map_value";
}
