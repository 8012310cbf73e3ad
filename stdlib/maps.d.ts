/**
 * The map classes of the stdlib that hold plain keys and values: hashes, arrays, LPM tries, ring and
 * perf buffers, program arrays and stack traces, and `BpfMap`, the union a helper's map argument
 * takes. Declare maps at top level: `const counts = new HashMap<u32, u64>({ maxEntries: 1024 });`
 * Element maps (queue, stack, bloom filter), maps of maps and maps of kernel objects have their own
 * files (element-maps, map-of-maps, map-targets).
 */
import type { FixedArray, Program, Ref, i64, u32, u64, u8 } from "./index.js";
import type { BloomFilter, ElementMap } from "./element-maps.js";
import type { ArrayOfMaps, HashOfMaps } from "./map-of-maps.js";
import type {
  CgroupArray,
  CgroupStorage,
  CpuMap,
  DevMap,
  DevMapHash,
  LocalStorage,
  ReuseportSockArray,
  SockHash,
  SockMap,
  XskMap,
} from "./map-targets.js";

/** Options of every map: `maxEntries` must be a constant. */
export interface MapOptions {
  readonly maxEntries: number;
  readonly flags?: number;
  /**
   * `"byName"` (libbpf's LIBBPF_PIN_BY_NAME): the loader pins the map at `<pin root>/<name>`
   * (default /sys/fs/bpf) and a later load reuses the pinned map when its type, sizes and flags
   * match (a LoaderError naming the difference when they do not), so programs share its contents.
   */
  readonly pinning?: "byName" | "none";
}

/**
 * The histogram a map counts, for `tsbpf run` and the user API (`MapReader`, Prometheus) to show it
 * as one: the key is the slot, the value the count.
 * - `"log2"`: slot n counts values in [2^n, 2^(n+1)) (slot 0: 0 and 1), the slot `log2(v, cap)` gives;
 * - `{ kind: "linear", min, step }`: slot n counts values in [min + n·step, min + (n+1)·step),
 *   e.g. `(v - min) / step` clamped to the last slot.
 * The shape travels in the object as a BTF decl tag on the map (`tsbpf.hist=...`), so no name
 * convention is involved; `min` and `step` are constants, `step` positive.
 */
export type HistogramShape =
  "log2" | { readonly kind: "linear"; readonly min: number; readonly step: number };

/** Options of hash and array maps: those of every map, plus the histogram they count, if any. */
export interface KeyedMapOptions extends MapOptions {
  /** Declares that the map counts a histogram (integer key = slot, integer value = count). */
  readonly histogram?: HistogramShape;
}

/** `update` flags (include/uapi/linux/bpf.h). */
export declare const BPF_ANY: 0;
export declare const BPF_NOEXIST: 1;
export declare const BPF_EXIST: 2;

/** A map with keyed lookups: HashMap, ArrayMap and their variants. */
export interface KeyedMap<K, V> {
  /** The value for `key`, or null; test it before use (the kernel verifier insists). */
  lookup(key: K): Ref<V> | null;
  /** Inserts or replaces; flags: BPF_ANY (default), BPF_NOEXIST, BPF_EXIST. Returns 0 or -errno. */
  update(key: K, value: V, flags?: number): i64;
  /** Removes `key`; returns 0 or -errno. */
  delete(key: K): i64;
}

/** BPF_MAP_TYPE_HASH. */
export declare class HashMap<K, V> implements KeyedMap<K, V> {
  constructor(options: KeyedMapOptions);
  lookup(key: K): Ref<V> | null;
  update(key: K, value: V, flags?: number): i64;
  delete(key: K): i64;
}
/** BPF_MAP_TYPE_LRU_HASH. */
export declare class LruHash<K, V> extends HashMap<K, V> {}
/** BPF_MAP_TYPE_PERCPU_HASH: each CPU sees its own value. */
export declare class PerCpuHash<K, V> extends HashMap<K, V> {}
/** BPF_MAP_TYPE_LRU_PERCPU_HASH: an LRU hash whose values exist once per CPU. */
export declare class LruPerCpuHash<K, V> extends HashMap<K, V> {}
/** BPF_MAP_TYPE_ARRAY: keys are u32 indexes 0..maxEntries-1, values start zeroed. */
export declare class ArrayMap<V> implements KeyedMap<u32, V> {
  constructor(options: KeyedMapOptions);
  lookup(index: u32): Ref<V> | null;
  update(index: u32, value: V, flags?: number): i64;
  delete(index: u32): i64;
}
/**
 * BPF_MAP_TYPE_LPM_TRIE: longest-prefix match. K is a struct starting with `prefixlen: u32` followed
 * by the address bytes, most significant first (`{ prefixlen: u32; addr: FixedArray<u8, 4> }` for
 * IPv4, 16 bytes for IPv6); `lookup` finds the entry with the longest prefix covering the key's
 * first `prefixlen` bits. The kernel requires `flags: BPF_F_NO_PREALLOC`.
 */
export declare class LpmTrie<K, V> implements KeyedMap<K, V> {
  constructor(options: KeyedMapOptions);
  lookup(key: K): Ref<V> | null;
  update(key: K, value: V, flags?: number): i64;
  delete(key: K): i64;
}
/** Map flag: allocate elements on demand (required by LpmTrie, optional for hashes). */
export declare const BPF_F_NO_PREALLOC: 1;
/** BPF_MAP_TYPE_PERCPU_ARRAY. */
export declare class PerCpuArray<V> extends ArrayMap<V> {}

/**
 * BPF_MAP_TYPE_RINGBUF: `maxEntries` is the buffer size in bytes (a power of two, ≥ 4096).
 *
 * When the buffer is full, `reserve()` returns null (and `output` fails) and the kernel counts
 * nothing. To have the loss reported, count it in a map named after the buffer, `<name>Lost`: a
 * `PerCpuArray<u64>` (or `ArrayMap<u64>`) of one entry, incremented at index 0 where the reserve
 * failed; `tsbpf run` and tsbpf/user read it and print "N events lost" beside their own counts:
 *
 * ```ts
 * export const events = new RingBuf<Event>({ maxEntries: 256 * 1024 });
 * export const eventsLost = new PerCpuArray<u64>({ maxEntries: 1 });
 * const e = events.reserve();
 * if (e === null) {
 *   const n = eventsLost.lookup(0);
 *   if (n !== null) n.value += 1;
 *   return 0;
 * }
 * ```
 */
export declare class RingBuf<T> {
  constructor(options: MapOptions);
  /** Copies `data` into the buffer (bpf_ringbuf_output). */
  output(data: T, flags?: number): i64;
  /** Reserves a record to fill in place, or null when full (bpf_ringbuf_reserve). */
  reserve(): Ref<T> | null;
  /** Publishes a reserved record. */
  submit(record: Ref<T>, flags?: number): void;
  /** Drops a reserved record. */
  discard(record: Ref<T>, flags?: number): void;
}

/**
 * BPF_MAP_TYPE_USER_RINGBUF (Linux 6.1): the other direction — user space writes samples of type T
 * (tsbpf/user `UserRingBufWriter`), a program drains them with
 * `userRingbufDrain(map, (sample, ctx) => { dynptrRead(buf, sample, 0, 0); return 0; }, null, 0)`:
 * the callback gets each sample as a dynptr, 0 continues and 1 stops. `maxEntries` is the buffer
 * size in bytes (a power of two, ≥ 4096).
 */
export declare class UserRingBuf<T> {
  constructor(options: MapOptions);
  /** Only marks the sample type for tsbpf/user's typings: no value has it. */
  readonly __tsbpfSample?: T;
}

/** BPF_MAP_TYPE_PERF_EVENT_ARRAY. */
export declare class PerfEventArray<T> {
  constructor(options: MapOptions);
  /** Sends `data` to user space on the current CPU's buffer (bpf_perf_event_output). */
  output(ctx: object, data: T): i64;
}

/** Options of a prog array: the programs its slots hold at load time (null: an empty slot). */
export interface ProgArrayOptions extends MapOptions {
  readonly values?: readonly (Program | null)[];
}

/**
 * BPF_MAP_TYPE_PROG_ARRAY, for tail calls. `values` fills slots when the object loads (libbpf's
 * `.values`), e.g. `new ProgArray({ maxEntries: 2, values: [parseIpv4, parseIpv6] })`.
 */
export declare class ProgArray {
  constructor(options: ProgArrayOptions);
  /** Jumps to the program at `index`; returns only if there is none (bpf_tail_call). */
  tailCall(ctx: object, index: u32): i64;
}

/** Options of a stack trace map: `maxDepth` frames per stack (a constant, 1..127, default 127). */
export interface StackTraceOptions extends MapOptions {
  readonly maxDepth?: number;
}

/**
 * BPF_MAP_TYPE_STACK_TRACE: stacks stored by id (u32 key → `maxDepth` u64 instruction addresses).
 * User space reads the addresses by id and symbolises them.
 */
export declare class StackTraceMap {
  constructor(options: StackTraceOptions);
  /**
   * Walks the current stack, stores it and returns its id, or -errno (-EFAULT: no stack, -EEXIST:
   * the id's slot holds another stack, -ENOMEM: full) (bpf_get_stackid). Flags: 0 for the kernel
   * stack, BPF_F_USER_STACK for the user stack, | BPF_F_FAST_STACK_CMP | BPF_F_REUSE_STACKID, and
   * the low 8 bits frames to skip.
   */
  getStackId(ctx: object, flags?: number): i64;
}
/** bpf_get_stackid flags (include/uapi/linux/bpf.h). */
export declare const BPF_F_SKIP_FIELD_MASK: 0xff;
export declare const BPF_F_USER_STACK: 256;
export declare const BPF_F_FAST_STACK_CMP: 512;
export declare const BPF_F_REUSE_STACKID: 1024;

/** Any map of the stdlib (a helper's `map` argument). */
export type BpfMap<K = any, V = any> =
  | KeyedMap<K, V>
  | ElementMap<V>
  | BloomFilter<V>
  | RingBuf<V>
  | UserRingBuf<V>
  | PerfEventArray<V>
  | ProgArray
  | StackTraceMap
  | DevMap
  | DevMapHash
  | CpuMap
  | XskMap
  | CgroupArray
  | CgroupStorage<V>
  | SockMap
  | SockHash<K>
  | ReuseportSockArray
  | LocalStorage<any, V>
  | ArrayOfMaps<any>
  | HashOfMaps<K, any>;
