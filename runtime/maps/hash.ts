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
 * Entries are keyed by `compactKey` (a number for keys up to 6 bytes), and every operation has an
 * allocation-free `...At(bytes, offset)` form for the helpers' fast paths; the `Uint8Array` forms are
 * the same code at offset 0, so the two cannot disagree.
 *
 * Invariants: an entry's value region (mapped on first program lookup) stays at the same address for
 * the entry's whole life: updates of an existing key copy into it in place (the kernel swaps in a new
 * element for non-per-CPU hashes, but a program cannot tell while it holds no stale pointer); deleting
 * or evicting an entry unmaps its regions, so stale pointers fault instead of reading freed memory.
 */
import { knownMapKind, type MapKindRecord } from "../../core/kernel/index.ts";
import type { Region } from "../vm/contract.ts";
import {
  Errno,
  MapError,
  checkSize,
  compactKey,
  copyBytes,
  updateMode,
  valueRegionKind,
  type MapContext,
  type MapSpec,
  type VmMap,
} from "./types.ts";

// Module-local aliases of what the per-call paths use: imported bindings may compile to getter
// calls under the TypeScript loaders (tsx, vitest), which costs more than these functions do.
const keyOf = compactKey;
const copy = copyBytes;
const modeOf = updateMode;
const EINVAL = Errno.EINVAL;
const EEXIST = Errno.EEXIST;
const ENOENT = Errno.ENOENT;
const E2BIG = Errno.E2BIG;

interface Entry {
  readonly key: Uint8Array;
  /** One value per CPU (length 1 for ordinary hashes). */
  readonly values: Uint8Array[];
  readonly regions: (Region | undefined)[];
}

/** A hash map of any of the four kinds (its record says which: per-CPU, LRU). */
export class HashMap implements VmMap {
  readonly kind: string;
  readonly perCpu: boolean;
  private readonly lru: boolean;
  private readonly entries = new Map<number | string, Entry>();

  constructor(
    readonly spec: MapSpec,
    private readonly ctx: MapContext,
    record: MapKindRecord = knownMapKind("hash"),
  ) {
    this.kind = record.kind;
    this.perCpu = record.perCpu;
    this.lru = record.kind.startsWith("lru");
    if (spec.keySize <= 0 || spec.valueSize <= 0) {
      throw new MapError(`${this.kind} map ${spec.name}: key and value sizes must be positive`);
    }
    if (spec.maxEntries <= 0) {
      throw new MapError(`${this.kind} map ${spec.name}: max_entries must be positive`);
    }
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  private find(key: Uint8Array): Entry | undefined {
    checkSize(this.spec, "key", key, this.spec.keySize);
    return this.findAt(key, 0);
  }

  /** The entry of the key at `bytes[offset..]` (caller checked the bounds), marking LRU use. */
  private findAt(bytes: Uint8Array, offset: number): Entry | undefined {
    const k = keyOf(bytes, offset, this.spec.keySize);
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
    checkSize(this.spec, "key", key, this.spec.keySize);
    const id = this.lookupRegionAt(key, 0);
    return id === 0 ? 0n : BigInt(id) << 32n;
  }

  lookupRegionAt(keyBytes: Uint8Array, keyOffset: number): number {
    const e = this.findAt(keyBytes, keyOffset);
    if (!e) return 0;
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
    return r.id;
  }

  lookup(key: Uint8Array): Uint8Array | null {
    return this.find(key)?.values[this.cpu()] ?? null;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    return this.find(key)?.values.slice() ?? null;
  }

  /** Finds or creates the entry for the key at `kb[ko..]`; returns it, or a negative errno. */
  private prepare(kb: Uint8Array, ko: number, flags: number): Entry | number {
    const mode = modeOf(flags);
    if (mode === null) return -EINVAL;
    const existing = this.findAt(kb, ko);
    if (existing) return mode === "noexist" ? -EEXIST : existing;
    if (mode === "exist") return -ENOENT;
    if (this.entries.size >= this.spec.maxEntries) {
      if (!this.lru) return -E2BIG;
      const oldest = this.entries.keys().next().value!;
      this.remove(oldest);
    }
    const copies = this.perCpu ? this.ctx.cpus.count : 1;
    const size = this.spec.keySize;
    const e: Entry = {
      key: kb.slice(ko, ko + size),
      values: Array.from({ length: copies }, () => new Uint8Array(this.spec.valueSize)),
      regions: [],
    };
    this.entries.set(keyOf(kb, ko, size), e);
    return e;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    checkSize(this.spec, "value", value, this.spec.valueSize);
    if (modeOf(flags) === null) return -EINVAL; // flags are checked before the key
    checkSize(this.spec, "key", key, this.spec.keySize);
    return this.updateAt(key, 0, value, 0, flags);
  }

  updateAt(kb: Uint8Array, ko: number, vb: Uint8Array, vo: number, flags: number): number {
    const e = this.prepare(kb, ko, flags);
    if (typeof e === "number") return e;
    copy(e.values[this.cpu()]!, 0, vb, vo, this.spec.valueSize);
    return 0;
  }

  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    const copies = this.perCpu ? this.ctx.cpus.count : 1;
    if (values.length !== copies) {
      throw new MapError(`map ${this.spec.name}: expected ${copies} values, got ${values.length}`);
    }
    for (const v of values) checkSize(this.spec, "value", v, this.spec.valueSize);
    if (modeOf(flags) === null) return -EINVAL;
    checkSize(this.spec, "key", key, this.spec.keySize);
    const e = this.prepare(key, 0, flags);
    if (typeof e === "number") return e;
    values.forEach((v, cpu) => e.values[cpu]!.set(v));
    return 0;
  }

  private remove(k: number | string): void {
    const e = this.entries.get(k);
    if (!e) return;
    for (const r of e.regions) if (r) this.ctx.memory.unmap(r);
    this.entries.delete(k);
  }

  delete(key: Uint8Array): number {
    checkSize(this.spec, "key", key, this.spec.keySize);
    return this.deleteAt(key, 0);
  }

  deleteAt(kb: Uint8Array, ko: number): number {
    const k = keyOf(kb, ko, this.spec.keySize);
    if (!this.entries.has(k)) return -ENOENT;
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
