/**
 * BPF_MAP_TYPE_STACK_TRACE (kernel/bpf/stackmap.c): stacks stored by id, filled by bpf_get_stackid
 * and read by user space.
 *
 * Consumes a `MapSpec` (key size 4; value size a multiple of 8 — or of 32 with BPF_F_STACK_BUILD_ID —
 * holding at most `PERF_MAX_STACK_DEPTH` frames) and the walked call chains the stack helpers hand
 * to `storeStack`; produces stack ids and, for user space, values of `value_size` bytes: the
 * instruction pointers (innermost first) zero-padded, or `struct bpf_stack_build_id` records.
 *
 * Kernel semantics kept here:
 * - the table has `n_buckets = roundup_pow_of_two(max_entries)` slots; a stack's id is
 *   `jhash2(ips as u32 words, 0) & (n_buckets - 1)` (so "hash modulo max_entries" when max_entries is
 *   a power of two), computed after the skipped frames are dropped;
 * - the same stack always gets the same id; a different stack hashing to an occupied slot is -EEXIST
 *   unless BPF_F_REUSE_STACKID replaces it; BPF_F_FAST_STACK_CMP trusts an equal 32-bit hash without
 *   comparing frames; a walk with no frame left after `skip` is -EFAULT;
 * - at most `max_entries` stacks are stored at once (the kernel's preallocated free list): storing
 *   one more, even as a replacement, is -ENOMEM;
 * - from user space, lookup returns ENOENT for empty or out-of-range ids, update is -EINVAL, delete
 *   frees the slot (-EINVAL beyond n_buckets, -ENOENT when empty), keys come in ascending id order.
 * Programs may only pass the map to bpf_get_stackid (the verifier rejects bpf_map_lookup_elem):
 * `lookupAddress` is a VmError. The VM has no executables, so build-id maps store every frame with
 * status BPF_STACK_BUILD_ID_IP, as the kernel does when it cannot find a frame's build id.
 */
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import { VmError } from "../vm/contract.ts";
import { jhash2 } from "./jhash.ts";
import { Errno, MapError, checkSize, type MapSpec, type VmMap } from "./types.ts";

/** The default `kernel.perf_event_max_stack` sysctl: frames one stack walk may return. */
export const PERF_MAX_STACK_DEPTH = 127;
/** `sizeof(struct bpf_stack_build_id)`: s32 status, 20 bytes of build id, u64 offset/ip. */
export const STACK_BUILD_ID_SIZE = 32;
/** `BPF_STACK_BUILD_ID_IP`: the record holds a raw instruction pointer (no build id found). */
export const BPF_STACK_BUILD_ID_IP = 2;

const C = BPF_CONSTANTS;
/** STACK_CREATE_FLAG_MASK: the map flags a stack trace map accepts. */
const CREATE_FLAGS = C.BPF_F_NUMA_NODE | C.BPF_F_RDONLY | C.BPF_F_WRONLY | C.BPF_F_STACK_BUILD_ID;
const SKIP_MASK = C.BPF_F_SKIP_FIELD_MASK;

/**
 * Writes `ips` into the start of `out` as a kernel stack buffer: u64 addresses (`frameSize` 8), or
 * `struct bpf_stack_build_id` records (`frameSize` 32) with status BPF_STACK_BUILD_ID_IP, an all-zero
 * build id and the address in the `ip` member at offset 24. The rest of `out` is left untouched.
 */
export function encodeFrames(ips: readonly bigint[], frameSize: 8 | 32, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  ips.forEach((ip, i) => {
    if (frameSize === 8) view.setBigUint64(i * 8, ip, true);
    else {
      view.setInt32(i * STACK_BUILD_ID_SIZE, BPF_STACK_BUILD_ID_IP, true);
      view.setBigUint64(i * STACK_BUILD_ID_SIZE + 24, ip, true);
    }
  });
}

/** One stored stack (`struct stack_map_bucket`). */
interface Bucket {
  readonly hash: number;
  readonly ips: readonly bigint[];
}

/** The u32 words `jhash2` reads from u64 instruction pointers (little-endian: low word first). */
function ipWords(ips: readonly bigint[]): Uint32Array {
  const words = new Uint32Array(ips.length * 2);
  ips.forEach((ip, i) => {
    words[2 * i] = Number(ip & 0xffffffffn);
    words[2 * i + 1] = Number((ip >> 32n) & 0xffffffffn);
  });
  return words;
}

function sameIps(a: readonly bigint[], b: readonly bigint[]): boolean {
  return a.length === b.length && a.every((ip, i) => ip === b[i]);
}

/** `roundup_pow_of_two(n)` for 1 ≤ n ≤ 2^31. */
function roundUpPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** A stack trace map. */
export class StackTraceMap implements VmMap {
  readonly kind = "stack_trace";
  readonly perCpu = false;
  /** Slots in the id table: ids are 0 ≤ id < nBuckets. */
  readonly nBuckets: number;
  /** Bytes per frame in a value: 8 (u64 ip), or 32 with BPF_F_STACK_BUILD_ID. */
  readonly frameSize: 8 | 32;
  /** Frames one value holds (`value_size / frameSize`). */
  readonly maxDepth: number;
  private readonly buckets = new Map<number, Bucket>();

  constructor(readonly spec: MapSpec) {
    const fail = (why: string) => new MapError(`stack_trace map ${spec.name}: ${why}`);
    if ((spec.flags & ~CREATE_FLAGS) !== 0) {
      throw fail(`map flags 0x${spec.flags.toString(16)} are not valid for a stack trace map`);
    }
    if (spec.keySize !== 4) throw fail(`key size must be 4 (a u32 stack id), got ${spec.keySize}`);
    if (spec.maxEntries <= 0) throw fail("max_entries must be positive");
    if (spec.maxEntries > 2 ** 31) throw fail(`max_entries ${spec.maxEntries} is too large`);
    this.frameSize = (spec.flags & C.BPF_F_STACK_BUILD_ID) !== 0 ? STACK_BUILD_ID_SIZE : 8;
    if (spec.valueSize < this.frameSize || spec.valueSize % this.frameSize !== 0) {
      throw fail(
        `value size must be a positive multiple of ${this.frameSize} (one ${this.frameSize === 8 ? "u64 address" : "bpf_stack_build_id"} per frame), got ${spec.valueSize}`,
      );
    }
    this.maxDepth = spec.valueSize / this.frameSize;
    if (this.maxDepth > PERF_MAX_STACK_DEPTH) {
      throw fail(`${this.maxDepth} frames per stack exceed the limit of ${PERF_MAX_STACK_DEPTH}`);
    }
    this.nBuckets = roundUpPow2(spec.maxEntries);
  }

  /**
   * `__bpf_get_stackid`: stores the stack `trace` (innermost frame first, as walked with up to
   * `maxDepth + skip` frames) minus its first `flags & 0xff` frames; returns its id or -errno.
   * `flags` must already be checked against the bits bpf_get_stackid accepts.
   */
  storeStack(trace: readonly bigint[], flags: number): number {
    const skip = flags & SKIP_MASK;
    if (trace.length <= skip) return -Errno.EFAULT;
    const ips = trace.slice(skip).map((ip) => BigInt.asUintN(64, ip));
    const hash = jhash2(ipWords(ips), 0);
    const id = hash & (this.nBuckets - 1);
    const bucket = this.buckets.get(id);
    const hashMatches = bucket !== undefined && bucket.hash === hash;
    if (hashMatches && (flags & C.BPF_F_FAST_STACK_CMP) !== 0) return id;
    // Build-id maps take a free slot before comparing (it holds the records to compare).
    const full = this.buckets.size >= this.spec.maxEntries;
    if (this.frameSize !== 8 && full) return -Errno.ENOMEM;
    if (hashMatches && sameIps(bucket.ips, ips)) return id;
    if (bucket !== undefined && (flags & C.BPF_F_REUSE_STACKID) === 0) return -Errno.EEXIST;
    if (full) return -Errno.ENOMEM;
    this.buckets.set(id, { hash, ips });
    return id;
  }

  /** The stored frames of stack `id` (innermost first), or undefined when the slot is empty. */
  stack(id: number): readonly bigint[] | undefined {
    return this.buckets.get(id)?.ips;
  }

  private id(key: Uint8Array): number {
    checkSize(this.spec, "key", key, 4);
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }

  lookupAddress(): bigint {
    throw new VmError(
      `map ${this.spec.name}: a stack_trace map cannot be passed to bpf_map_lookup_elem ` +
        "(the verifier allows only bpf_get_stackid); read it from user space",
      -1,
    );
  }

  /** `bpf_stackmap_copy`: the frames zero-padded to `value_size`, or null (ENOENT). */
  lookup(key: Uint8Array): Uint8Array | null {
    const ips = this.buckets.get(this.id(key))?.ips;
    if (ips === undefined) return null;
    const out = new Uint8Array(this.spec.valueSize);
    encodeFrames(ips, this.frameSize, out);
    return out;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    const v = this.lookup(key);
    return v === null ? null : [v];
  }

  /** `stack_map_update_elem`: stacks are only stored by bpf_get_stackid. */
  update(key: Uint8Array, value: Uint8Array): number {
    this.id(key);
    checkSize(this.spec, "value", value, this.spec.valueSize);
    return -Errno.EINVAL;
  }

  updateAllCpus(): number {
    return -Errno.EINVAL;
  }

  /** `stack_map_delete_elem`: frees the slot. */
  delete(key: Uint8Array): number {
    const id = this.id(key);
    if (id >= this.nBuckets) return -Errno.EINVAL;
    return this.buckets.delete(id) ? 0 : -Errno.ENOENT;
  }

  keys(): Uint8Array[] {
    return [...this.buckets.keys()]
      .sort((a, b) => a - b)
      .map((id) => new Uint8Array([id & 0xff, (id >>> 8) & 0xff, (id >>> 16) & 0xff, id >>> 24]));
  }

  dispose(): void {
    this.buckets.clear();
  }
}
