/**
 * The redirect targets bpf_redirect_map sends XDP frames to: BPF_MAP_TYPE_DEVMAP and DEVMAP_HASH
 * (kernel/bpf/devmap.c: key → interface index), CPUMAP (kernel/bpf/cpumap.c: CPU → queue size) and
 * XSKMAP (net/xdp/xskmap.c: queue → AF_XDP socket fd).
 *
 * Consumes a `MapSpec` (key size 4, value size 4 or its kind's struct value) and a resolver of the
 * program ids user space writes; produces a map of u32 → value entries that user space fills and
 * `target` reads for the redirect helper. The VM keeps no devices, CPUs' threads or sockets: an
 * entry's target is the number user space stored, and the run result reports it. Array kinds
 * (devmap, cpumap, xskmap) take keys < max_entries (-E2BIG otherwise); devmap_hash takes any key up
 * to max_entries entries (-E2BIG when full). Programs do not see the entries (lookups from BPF
 * yield NULL here: the kernel hands them its own device or queue structures).
 *
 * A devmap or cpumap whose value is its kind's `valueStruct` (`struct bpf_devmap_val` /
 * `bpf_cpumap_val`, 8 bytes) takes the target, then a program fd (here: a VM program id) that the
 * entry runs on redirected frames; as in dev_map_update_elem / cpu_map_update_elem, a program that
 * is not loaded with the kind's attach type (BPF_XDP_DEVMAP / BPF_XDP_CPUMAP), or an unknown id, is
 * refused (-EINVAL for devmaps, -ENOMEM for the cpumap, which reports every failed entry so), and
 * user-space lookups read the program's id in the fd's place. The VM runs no program on redirected
 * frames, as BPF_PROG_TEST_RUN without live frames does not. A devmap or cpumap entry whose target
 * is 0 is no entry (the slot is cleared; with a program: -EINVAL); a devmap_hash refuses it.
 */
import { attachType, mapKind, type MapValueStruct } from "../../core/kernel/index.ts";
import { CONTEXT_LAYOUTS } from "../../core/kernel/context-layouts.ts";
import type { ProgramResolver } from "./prog-array.ts";
import { Errno, MapError, checkSize, updateMode, type MapSpec, type VmMap } from "./types.ts";

/** The kinds whose target 0 means "no entry" (the kernel's NULL device or CPU entry). */
const ZERO_CLEARS = new Set(["devmap", "cpumap"]);

/** A devmap, devmap_hash, cpumap or xskmap. */
export class RedirectMap implements VmMap {
  readonly perCpu = false;
  /** Key → the stored value (its first u32 is the target). */
  private readonly entries = new Map<number, Uint8Array>();
  private readonly hashed: boolean;
  /** The struct value this map holds, or null for u32 values. */
  private readonly struct: MapValueStruct | null;

  constructor(
    readonly spec: MapSpec,
    readonly kind: string,
    private readonly programs: ProgramResolver = () => undefined,
  ) {
    const vs = mapKind(kind)?.valueStruct ?? null;
    const sizes = [4, ...(vs ? [CONTEXT_LAYOUTS[vs.struct]!.size] : [])];
    if (spec.keySize !== 4 || !sizes.includes(spec.valueSize))
      throw new MapError(
        `${kind} map ${spec.name}: key size must be 4 and value size ${sizes.join(" or ")}` +
          (vs ? ` (struct ${vs.struct})` : ""),
      );
    this.hashed = kind === "devmap_hash";
    this.struct = vs && spec.valueSize !== 4 ? vs : null;
  }

  private u32(what: "key" | "value", bytes: Uint8Array): number {
    checkSize(this.spec, what, bytes, 4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  }

  /** The entry bpf_redirect_map finds for `key`, or undefined. */
  target(key: number): number | undefined {
    const v = this.entries.get(key >>> 0);
    return v === undefined ? undefined : new DataView(v.buffer).getUint32(0, true);
  }

  lookupAddress(): bigint {
    return 0n;
  }

  lookup(key: Uint8Array): Uint8Array | null {
    return this.entries.get(this.u32("key", key))?.slice() ?? null;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    const v = this.lookup(key);
    return v ? [v] : null;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const k = this.u32("key", key);
    checkSize(this.spec, "value", value, this.spec.valueSize);
    const mode = updateMode(flags);
    if (mode === null) return -Errno.EINVAL;
    const has = this.entries.has(k);
    if (!this.hashed && k >= this.spec.maxEntries) return -Errno.E2BIG;
    if (mode === "noexist" && (has || !this.hashed)) return -Errno.EEXIST;
    if (mode === "exist" && !has) return -Errno.ENOENT;
    const stored = value.slice();
    const view = new DataView(stored.buffer);
    const fd = this.struct ? view.getInt32(4, true) : 0;
    if (view.getUint32(0, true) === 0 && ZERO_CLEARS.has(this.kind)) {
      if (fd > 0) return -Errno.EINVAL;
      this.entries.delete(k);
      return 0;
    }
    if (view.getUint32(0, true) === 0 && this.hashed) return -Errno.EINVAL;
    if (this.hashed && !has && this.entries.size >= this.spec.maxEntries) return -Errno.E2BIG;
    if (this.struct && fd > 0) {
      const p = this.programs(fd);
      if (p === undefined || p.attachType !== attachType(this.struct.program)?.id)
        return this.kind === "cpumap" ? -Errno.ENOMEM : -Errno.EINVAL;
      view.setUint32(4, p.id, true);
    } else if (this.struct) view.setUint32(4, 0, true);
    this.entries.set(k, stored);
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
