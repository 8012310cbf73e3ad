/**
 * The redirect targets bpf_redirect_map sends XDP frames to: BPF_MAP_TYPE_DEVMAP and DEVMAP_HASH
 * (kernel/bpf/devmap.c: key → interface index), CPUMAP (kernel/bpf/cpumap.c: CPU → queue size) and
 * XSKMAP (net/xdp/xskmap.c: queue → AF_XDP socket fd).
 *
 * Consumes a `MapSpec` (key and value size 4); produces a map of u32 → u32 entries that user space
 * fills and `target` reads for the redirect helper. The VM keeps no devices, CPUs' threads or
 * sockets: an entry is the number user space stored, and the run result reports it. Array kinds
 * (devmap, cpumap, xskmap) take keys < max_entries (-E2BIG otherwise); devmap_hash takes any key up
 * to max_entries entries (-E2BIG when full). Programs do not see the entries (lookups from BPF
 * yield NULL here: the kernel hands them its own device or queue structures).
 */
import { Errno, MapError, checkSize, updateMode, type MapSpec, type VmMap } from "./types.ts";

/** A devmap, devmap_hash, cpumap or xskmap. */
export class RedirectMap implements VmMap {
  readonly perCpu = false;
  private readonly entries = new Map<number, number>();
  private readonly hashed: boolean;

  constructor(
    readonly spec: MapSpec,
    readonly kind: string,
  ) {
    if (spec.keySize !== 4 || spec.valueSize !== 4)
      throw new MapError(`${kind} map ${spec.name}: key and value sizes must be 4`);
    this.hashed = kind === "devmap_hash";
  }

  private u32(what: "key" | "value", bytes: Uint8Array): number {
    checkSize(this.spec, what, bytes, 4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  }

  /** The entry bpf_redirect_map finds for `key`, or undefined. */
  target(key: number): number | undefined {
    return this.entries.get(key >>> 0);
  }

  lookupAddress(): bigint {
    return 0n;
  }

  lookup(key: Uint8Array): Uint8Array | null {
    const v = this.entries.get(this.u32("key", key));
    if (v === undefined) return null;
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, v, true);
    return out;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    const v = this.lookup(key);
    return v ? [v] : null;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const k = this.u32("key", key);
    const v = this.u32("value", value);
    const mode = updateMode(flags);
    if (mode === null) return -Errno.EINVAL;
    const has = this.entries.has(k);
    if (!this.hashed && k >= this.spec.maxEntries) return -Errno.E2BIG;
    if (mode === "noexist" && (has || !this.hashed)) return -Errno.EEXIST;
    if (mode === "exist" && !has) return -Errno.ENOENT;
    if (this.hashed && !has && this.entries.size >= this.spec.maxEntries) return -Errno.E2BIG;
    this.entries.set(k, v);
    return 0;
  }

  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    if (values.length !== 1) throw new MapError(`map ${this.spec.name} is not per-CPU`);
    return this.update(key, values[0]!, flags);
  }

  delete(key: Uint8Array): number {
    const k = this.u32("key", key);
    if (!this.hashed && k >= this.spec.maxEntries) return -Errno.E2BIG;
    return this.entries.delete(k) ? 0 : -Errno.ENOENT;
  }

  keys(): Uint8Array[] {
    return [...this.entries.keys()]
      .sort((a, b) => a - b)
      .map((k) => new Uint8Array([k & 0xff, (k >>> 8) & 0xff, (k >>> 16) & 0xff, k >>> 24]));
  }

  dispose(): void {
    this.entries.clear();
  }
}
