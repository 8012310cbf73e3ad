/**
 * BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY (kernel/bpf/arraymap.c), and the single-entry
 * arrays behind global data sections (.bss, .data, .rodata).
 *
 * Consumes a `MapSpec` (key size must be 4) and a `MapContext`; produces a `VmMap` whose keys are u32
 * indices. Every element exists from creation, zero-filled: lookup of an index < max_entries always
 * succeeds, lookup beyond is NULL, update beyond is -E2BIG, BPF_NOEXIST is -EEXIST, delete is -EINVAL.
 *
 * Storage: one buffer per CPU of `max_entries × round_up(value_size, 8)` bytes (the kernel's stride).
 * An element's region covers exactly `value_size` bytes of it and is mapped on first lookup, so
 * out-of-bounds program accesses fault and a million-entry array costs no regions until used.
 * Regions are read-only for programs when the map has BPF_F_RDONLY_PROG (libbpf sets it on .rodata).
 */
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import type { Region } from "../vm/contract.ts";
import {
  Errno,
  MapError,
  checkSize,
  copyBytes,
  round8,
  updateMode,
  valueRegionKind,
  type MapContext,
  type MapSpec,
  type VmMap,
} from "./types.ts";

/** The u32 index spelled little-endian by the 4 key bytes at `bytes[offset..]`. */
function indexAt(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! |
      (bytes[offset + 1]! << 8) |
      (bytes[offset + 2]! << 16) |
      (bytes[offset + 3]! << 24)) >>>
    0
  );
}

/** An array map (per-CPU or not). */
export class ArrayMap implements VmMap {
  readonly kind: string;
  private readonly stride: number;
  /** Storage per CPU (one entry for ordinary arrays). */
  private readonly storage: Uint8Array[];
  /** Lazily mapped element regions, per CPU, by index. */
  private readonly regions: (Region | undefined)[][];
  private readonly writable: boolean;

  constructor(
    readonly spec: MapSpec,
    private readonly ctx: MapContext,
    readonly perCpu = false,
  ) {
    this.kind = perCpu ? "percpu_array" : "array";
    if (spec.keySize !== 4) {
      throw new MapError(`${this.kind} map ${spec.name}: key size must be 4, got ${spec.keySize}`);
    }
    if (spec.valueSize <= 0) {
      throw new MapError(`${this.kind} map ${spec.name}: value size must be positive`);
    }
    if (spec.maxEntries <= 0) {
      throw new MapError(`${this.kind} map ${spec.name}: max_entries must be positive`);
    }
    this.stride = round8(spec.valueSize);
    const total = this.stride * spec.maxEntries;
    if (total > 2 ** 31) {
      throw new MapError(`${this.kind} map ${spec.name}: ${total} bytes of values is too large`);
    }
    const copies = perCpu ? ctx.cpus.count : 1;
    this.storage = Array.from({ length: copies }, () => new Uint8Array(total));
    this.regions = Array.from({ length: copies }, () => []);
    this.writable = (spec.flags & BPF_CONSTANTS.BPF_F_RDONLY_PROG) === 0;
  }

  private index(key: Uint8Array): number {
    checkSize(this.spec, "key", key, 4);
    return indexAt(key, 0);
  }

  private cpu(): number {
    return this.perCpu ? this.ctx.cpus.current : 0;
  }

  private view(cpu: number, i: number): Uint8Array {
    const at = i * this.stride;
    return this.storage[cpu]!.subarray(at, at + this.spec.valueSize);
  }

  /** The region of element `i` on `cpu`, mapped on first use. */
  private region(cpu: number, i: number): Region {
    let r = this.regions[cpu]![i];
    if (r === undefined) {
      const where = this.perCpu ? `[${i}] cpu ${cpu}` : `[${i}]`;
      r = this.ctx.memory.map(this.view(cpu, i), {
        writable: this.writable,
        kind: valueRegionKind(this.spec),
        name: `map ${this.spec.name}${where} value`,
      });
      this.regions[cpu]![i] = r;
    }
    return r;
  }

  lookupAddress(key: Uint8Array): bigint {
    const i = this.index(key);
    if (i >= this.spec.maxEntries) return 0n;
    return this.region(this.cpu(), i).base;
  }

  lookupRegionAt(keyBytes: Uint8Array, keyOffset: number): number {
    const i = indexAt(keyBytes, keyOffset);
    return i < this.spec.maxEntries ? this.region(this.cpu(), i).id : 0;
  }

  lookup(key: Uint8Array): Uint8Array | null {
    const i = this.index(key);
    return i < this.spec.maxEntries ? this.view(this.cpu(), i) : null;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    const i = this.index(key);
    if (i >= this.spec.maxEntries) return null;
    return this.storage.map((_, cpu) => this.view(cpu, i));
  }

  private checkUpdate(key: Uint8Array, flags: number): number {
    const mode = updateMode(flags);
    if (mode === null) return -Errno.EINVAL;
    return this.checkIndex(this.index(key), mode);
  }

  private checkIndex(i: number, mode: "any" | "noexist" | "exist"): number {
    if (i >= this.spec.maxEntries) return -Errno.E2BIG;
    if (mode === "noexist") return -Errno.EEXIST;
    return i;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    checkSize(this.spec, "value", value, this.spec.valueSize);
    const i = this.checkUpdate(key, flags);
    if (i < 0) return i;
    this.view(this.cpu(), i).set(value);
    return 0;
  }

  updateAt(kb: Uint8Array, ko: number, vb: Uint8Array, vo: number, flags: number): number {
    const mode = updateMode(flags);
    if (mode === null) return -Errno.EINVAL;
    const i = this.checkIndex(indexAt(kb, ko), mode);
    if (i < 0) return i;
    copyBytes(this.storage[this.cpu()]!, i * this.stride, vb, vo, this.spec.valueSize);
    return 0;
  }

  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    if (values.length !== this.storage.length) {
      throw new MapError(
        `map ${this.spec.name}: expected ${this.storage.length} per-CPU values, got ${values.length}`,
      );
    }
    for (const v of values) checkSize(this.spec, "value", v, this.spec.valueSize);
    const i = this.checkUpdate(key, flags);
    if (i < 0) return i;
    values.forEach((v, cpu) => this.view(cpu, i).set(v));
    return 0;
  }

  delete(key: Uint8Array): number {
    this.index(key);
    return -Errno.EINVAL;
  }

  deleteAt(): number {
    return -Errno.EINVAL;
  }

  keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.spec.maxEntries; i++) {
      out.push(new Uint8Array([i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24]));
    }
    return out;
  }

  dispose(): void {
    for (const perCpu of this.regions) {
      for (const r of perCpu) if (r) this.ctx.memory.unmap(r);
      perCpu.length = 0;
    }
  }
}
