/**
 * BPF_MAP_TYPE_ARRAY_OF_MAPS and HASH_OF_MAPS (kernel/bpf/arraymap.c, hashtab.c, map_in_map.c): maps
 * whose values are other maps of the VM.
 *
 * Consumes a `MapSpec` with its inner map template (`inner`) and a resolver from map ids to maps;
 * produces a map whose slots hold maps. User space stores a map by writing its id as the u32 value
 * (the VM's stand-in for a map fd: an unknown id is -EBADF, a map that differs from the template in
 * what bpf_map_meta_equal compares is -EINVAL) and reads back the stored map's id, as the kernel
 * returns map ids to user space. A program's lookup yields the stored map's handle (what
 * `lddw rX, map` would hold), so it can pass it to the map helpers; NULL for an empty slot.
 * An array of maps takes keys < max_entries (-E2BIG otherwise) and only BPF_ANY; a hash of maps
 * takes any key, up to max_entries entries (-E2BIG when full), with BPF_NOEXIST / BPF_EXIST.
 */
import { BPF_CONSTANTS, innerMapMismatch } from "../../core/kernel/index.ts";
import {
  Errno,
  MapError,
  checkSize,
  oneCpu,
  singleValue,
  u32Bytes,
  compactKey,
  type MapSpec,
  type VmMap,
  fdUpdate,
} from "./types.ts";

/** A map of the VM by the id user space writes into a map of maps, with its handle address. */
export type MapResolver = (id: number) => { id: number; map: VmMap; handle: bigint } | undefined;

/** An array or hash of maps. */
export class MapOfMaps implements VmMap {
  readonly perCpu = false;
  private readonly slots = new Map<
    number | string,
    { key: Uint8Array; id: number; handle: bigint }
  >();
  private readonly hashed: boolean;

  constructor(
    readonly spec: MapSpec,
    readonly kind: "array_of_maps" | "hash_of_maps",
    private readonly template: MapSpec,
    private readonly resolve: MapResolver,
  ) {
    if (spec.valueSize !== 4) throw new MapError(`${kind} map ${spec.name}: value size must be 4`);
    this.hashed = kind === "hash_of_maps";
    if (!this.hashed && spec.keySize !== 4)
      throw new MapError(`${kind} map ${spec.name}: key size must be 4`);
  }

  /** The slot's key, or -E2BIG for an array index past max_entries. */
  private slotKey(key: Uint8Array): number | string | -7 {
    checkSize(this.spec, "key", key, this.spec.keySize);
    if (this.hashed) return compactKey(key, 0, key.length);
    const i = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
    return i >= this.spec.maxEntries ? -Errno.E2BIG : i;
  }

  /** Stores map `id` under `key` from the host: 0 or -errno, as `update` with BPF_ANY. */
  setMap(key: Uint8Array, id: number): number {
    return this.update(key, u32Bytes(id), BPF_CONSTANTS.BPF_ANY);
  }

  /** The handle of the stored map (the program's view), or 0n for an empty slot. */
  lookupAddress(key: Uint8Array): bigint {
    const k = this.slotKey(key);
    return k === -Errno.E2BIG ? 0n : (this.slots.get(k)?.handle ?? 0n);
  }

  /** User-space view: the stored map's id as a u32, or null. */
  lookup(key: Uint8Array): Uint8Array | null {
    const k = this.slotKey(key);
    const e = k === -Errno.E2BIG ? undefined : this.slots.get(k);
    return e ? u32Bytes(e.id) : null;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    return oneCpu(this.lookup(key));
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const u = fdUpdate(this.spec, value, flags);
    if (u === null || (!this.hashed && u.mode !== "any")) return -Errno.EINVAL;
    const mode = u.mode;
    const k = this.slotKey(key);
    if (k === -Errno.E2BIG) return -Errno.E2BIG;
    const entry = this.resolve(u.id);
    if (!entry) return -Errno.EBADF;
    if (innerMapMismatch(entry.map.spec, this.template) !== null) return -Errno.EINVAL;
    const has = this.slots.has(k);
    if (mode === "noexist" && has) return -Errno.EEXIST;
    if (mode === "exist" && !has) return -Errno.ENOENT;
    if (this.hashed && !has && this.slots.size >= this.spec.maxEntries) return -Errno.E2BIG;
    this.slots.set(k, { key: key.slice(), id: entry.id, handle: entry.handle });
    return 0;
  }

  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    return this.update(key, singleValue(this.spec, values), flags);
  }

  delete(key: Uint8Array): number {
    const k = this.slotKey(key);
    if (k === -Errno.E2BIG) return -Errno.E2BIG;
    return this.slots.delete(k) ? 0 : -Errno.ENOENT;
  }

  keys(): Uint8Array[] {
    return [...this.slots.values()].map((e) => e.key.slice());
  }

  dispose(): void {
    this.slots.clear();
  }
}
