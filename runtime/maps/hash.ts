/**
 * Hash maps (kernel/bpf/hashtab.c): BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH.
 *
 * Consumes a `MapSpec` and a `MapContext`; produces a `VmMap` keyed by raw key bytes. Semantics:
 * - update: BPF_NOEXIST on an existing key is -EEXIST, BPF_EXIST on a missing key is -ENOENT, other
 *   flags -EINVAL; inserting into a full map is -E2BIG, except for LRU maps, which evict the least
 *   recently used entry first (the kernel's LRU is approximate; the VM's is exact, which is one of the
 *   orders the kernel may produce);
 * - delete of a missing key is -ENOENT; lookup of a missing key is NULL;
 * - per-CPU kinds keep one value per CPU; a program's update of a new key sets the current CPU's value
 *   and zeroes the others (the kernel's `pcpu_init_value`).
 *
 * Invariants: an entry's value region (mapped on first program lookup) stays at the same address for
 * the entry's whole life: updates of an existing key copy into it in place (the kernel swaps in a new
 * element for non-per-CPU hashes, but a program cannot tell while it holds no stale pointer); deleting
 * or evicting an entry unmaps its regions, so stale pointers fault instead of reading freed memory.
 */
import type { Region } from "../vm/contract.ts";
import {
  Errno,
  MapError,
  checkSize,
  keyString,
  updateMode,
  valueRegionKind,
  type MapContext,
  type MapSpec,
  type VmMap,
} from "./types.ts";

interface Entry {
  readonly key: Uint8Array;
  /** One value per CPU (length 1 for ordinary hashes). */
  readonly values: Uint8Array[];
  readonly regions: (Region | undefined)[];
}

const KINDS = ["hash", "percpu_hash", "lru_hash", "lru_percpu_hash"] as const;

/** A hash map of any of the four kinds. */
export class HashMap implements VmMap {
  readonly perCpu: boolean;
  private readonly lru: boolean;
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly spec: MapSpec,
    private readonly ctx: MapContext,
    readonly kind: (typeof KINDS)[number] = "hash",
  ) {
    this.perCpu = kind === "percpu_hash" || kind === "lru_percpu_hash";
    this.lru = kind.startsWith("lru");
    if (spec.keySize <= 0 || spec.valueSize <= 0) {
      throw new MapError(`${kind} map ${spec.name}: key and value sizes must be positive`);
    }
    if (spec.maxEntries <= 0) {
      throw new MapError(`${kind} map ${spec.name}: max_entries must be positive`);
    }
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  private find(key: Uint8Array): Entry | undefined {
    checkSize(this.spec, "key", key, this.spec.keySize);
    const k = keyString(key);
    const e = this.entries.get(k);
    if (e && this.lru) {
      // Mark as most recently used: Map iteration order is insertion order.
      this.entries.delete(k);
      this.entries.set(k, e);
    }
    return e;
  }

  private cpu(): number {
    return this.perCpu ? this.ctx.cpus.current : 0;
  }

  lookupAddress(key: Uint8Array): bigint {
    const e = this.find(key);
    if (!e) return 0n;
    const cpu = this.cpu();
    let r = e.regions[cpu];
    if (r === undefined) {
      r = this.ctx.memory.map(e.values[cpu]!, {
        writable: true,
        kind: valueRegionKind(this.spec),
        name: `map ${this.spec.name} value${this.perCpu ? ` cpu ${cpu}` : ""}`,
      });
      e.regions[cpu] = r;
    }
    return r.base;
  }

  lookup(key: Uint8Array): Uint8Array | null {
    return this.find(key)?.values[this.cpu()] ?? null;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    return this.find(key)?.values.slice() ?? null;
  }

  /** Finds or creates the entry for an update; returns it, or a negative errno. */
  private prepare(key: Uint8Array, flags: number): Entry | number {
    const mode = updateMode(flags);
    if (mode === null) return -Errno.EINVAL;
    const existing = this.find(key);
    if (existing) return mode === "noexist" ? -Errno.EEXIST : existing;
    if (mode === "exist") return -Errno.ENOENT;
    if (this.entries.size >= this.spec.maxEntries) {
      if (!this.lru) return -Errno.E2BIG;
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
    const copies = this.perCpu ? this.ctx.cpus.count : 1;
    const e: Entry = {
      key: key.slice(),
      values: Array.from({ length: copies }, () => new Uint8Array(this.spec.valueSize)),
      regions: [],
    };
    this.entries.set(keyString(key), e);
    return e;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    checkSize(this.spec, "value", value, this.spec.valueSize);
    const e = this.prepare(key, flags);
    if (typeof e === "number") return e;
    e.values[this.cpu()]!.set(value);
    return 0;
  }

  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    const copies = this.perCpu ? this.ctx.cpus.count : 1;
    if (values.length !== copies) {
      throw new MapError(`map ${this.spec.name}: expected ${copies} values, got ${values.length}`);
    }
    for (const v of values) checkSize(this.spec, "value", v, this.spec.valueSize);
    const e = this.prepare(key, flags);
    if (typeof e === "number") return e;
    values.forEach((v, cpu) => e.values[cpu]!.set(v));
    return 0;
  }

  private remove(k: string): void {
    const e = this.entries.get(k);
    if (!e) return;
    for (const r of e.regions) if (r) this.ctx.memory.unmap(r);
    this.entries.delete(k);
  }

  delete(key: Uint8Array): number {
    checkSize(this.spec, "key", key, this.spec.keySize);
    const k = keyString(key);
    if (!this.entries.has(k)) return -Errno.ENOENT;
    this.remove(k);
    return 0;
  }

  keys(): Uint8Array[] {
    return [...this.entries.values()].map((e) => e.key.slice());
  }

  dispose(): void {
    for (const k of [...this.entries.keys()]) this.remove(k);
  }
}
