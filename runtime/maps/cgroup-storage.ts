/**
 * BPF_MAP_TYPE_CGROUP_STORAGE and PERCPU_CGROUP_STORAGE (kernel/bpf/local_storage.c): the legacy
 * cgroup storage, one value per cgroup a program is attached to, which the program reaches with
 * bpf_get_local_storage (never NULL).
 *
 * Consumes a `MapSpec` (an 8-byte key, the cgroup id; max_entries 0) and a `MapContext`; produces a
 * map with the one value of the cgroup the VM's programs run in (the root, id 1), zero-filled and
 * kept across runs as an attached program's storage is (BPF_PROG_TEST_RUN keeps it across the
 * repeats of one run). Per-CPU storage has one value per CPU. User space reads and writes that value
 * by its key; any other key is -ENOENT (no such storage), and delete is -EINVAL, as in the kernel.
 */
import { ArrayMap } from "./array.ts";
import { Errno, MapError, checkSize, type MapContext, type MapSpec, type VmMap } from "./types.ts";

/** The cgroup the VM's programs are attached to (the root cgroup's id). */
const VM_CGROUP = 1n;
const INDEX = new Uint8Array(4);

/** A cgroup storage map (per-CPU or not). */
export class CgroupStorageMap implements VmMap {
  readonly kind: string;
  private readonly value: ArrayMap;

  constructor(
    readonly spec: MapSpec,
    ctx: MapContext,
    readonly perCpu: boolean,
  ) {
    this.kind = perCpu ? "percpu_cgroup_storage" : "cgroup_storage";
    if (spec.keySize !== 8 || spec.maxEntries !== 0)
      throw new MapError(`${this.kind} map ${spec.name}: key size must be 8 and max_entries 0`);
    this.value = new ArrayMap({ ...spec, keySize: 4, maxEntries: 1 }, ctx, perCpu);
  }

  /** The running program's value (the current CPU's for per-CPU storage): bpf_get_local_storage. */
  storageAddress(): bigint {
    return this.value.lookupAddress(INDEX);
  }

  private isOwn(key: Uint8Array): boolean {
    checkSize(this.spec, "key", key, 8);
    return new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0, true) === VM_CGROUP;
  }

  lookupAddress(key: Uint8Array): bigint {
    return this.isOwn(key) ? this.storageAddress() : 0n;
  }
  lookup(key: Uint8Array): Uint8Array | null {
    return this.isOwn(key) ? this.value.lookup(INDEX) : null;
  }
  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    return this.isOwn(key) ? this.value.lookupAllCpus(INDEX) : null;
  }
  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.isOwn(key) ? this.value.update(INDEX, value, flags) : -Errno.ENOENT;
  }
  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    return this.isOwn(key) ? this.value.updateAllCpus(INDEX, values, flags) : -Errno.ENOENT;
  }
  delete(): number {
    return -Errno.EINVAL;
  }
  keys(): Uint8Array[] {
    const k = new Uint8Array(8);
    new DataView(k.buffer).setBigUint64(0, VM_CGROUP, true);
    return [k];
  }
  dispose(): void {
    this.value.dispose();
  }
}
