/**
 * BPF_MAP_TYPE_SK_STORAGE, TASK_STORAGE, INODE_STORAGE and CGRP_STORAGE (kernel/bpf/bpf_local_storage.c
 * and its sk / task / inode / cgrp users): one value per owning kernel object, which programs reach
 * with bpf_<owner>_storage_get / _delete (runtime/helpers/local-storage-helpers.ts).
 *
 * Consumes a `MapSpec` (int key, max_entries 0, BPF_F_NO_PREALLOC, as the kernel requires) and a
 * `MapContext`; produces a map of values keyed by the owner's address — the pointer the program
 * passes: the VM process's `task` for a task (bpf_get_current_task_btf), the context of a cgroup sock
 * program for its socket, a pointer argument for an inode or cgroup. A value is zeroed (or copied
 * from the helper's init value) when `get` creates it and lives until `delete` or until its owner
 * dies: an owner inside a region of one run (the run's context, the socket BPF_PROG_TEST_RUN makes
 * for a packet) dies with the run, as the kernel frees that socket and its storage.
 *
 * User space names an owner by an fd (the 4-byte key). The VM has no fds: an owner's key is the id
 * it stands for, the task's pid (a pidfd names the task), recorded when the helper creates the value
 * for the VM's process; other owners have no user-space key, and a key naming no owner is -EBADF.
 */
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import type { Region } from "../vm/contract.ts";
import {
  Errno,
  MapError,
  checkSize,
  updateMode,
  valueRegionKind,
  type MapContext,
  type MapSpec,
  type VmMap,
} from "./types.ts";

interface Entry {
  readonly region: Region;
  /** The owner's user-space key (a task's pid), when it has one. */
  readonly fd: number | undefined;
}

/** A local storage map of one owner kind. */
export class LocalStorageMap implements VmMap {
  readonly perCpu = false;
  private readonly byOwner = new Map<bigint, Entry>();

  constructor(
    readonly spec: MapSpec,
    private readonly ctx: MapContext,
    readonly kind: string,
  ) {
    const noPrealloc = BPF_CONSTANTS.BPF_F_NO_PREALLOC!;
    if (spec.keySize !== 4 || spec.maxEntries !== 0 || (spec.flags & noPrealloc) === 0)
      throw new MapError(
        `${kind} map ${spec.name}: key size must be 4, max_entries 0 and flags include BPF_F_NO_PREALLOC`,
      );
  }

  /**
   * bpf_<owner>_storage_get: the address of `owner`'s value, created (from `init`, zeroed when null)
   * when it has none and `create` is set; 0n when it has none otherwise. `fd` is the owner's
   * user-space key, if it has one.
   */
  storageGet(owner: bigint, init: Uint8Array | null, create: boolean, fd?: number): bigint {
    const e = this.byOwner.get(owner);
    if (e) return e.region.base;
    if (!create) return 0n;
    const bytes = new Uint8Array(this.spec.valueSize);
    if (init) bytes.set(init);
    const region = this.ctx.memory.map(bytes, {
      writable: true,
      kind: valueRegionKind(this.spec),
      name: `map ${this.spec.name} value of 0x${owner.toString(16)}`,
    });
    this.byOwner.set(owner, { region, fd });
    return region.base;
  }

  /** bpf_<owner>_storage_delete: 0, or -ENOENT when `owner` has no value. */
  storageDelete(owner: bigint): number {
    const e = this.byOwner.get(owner);
    if (!e) return -Errno.ENOENT;
    this.ctx.memory.unmap(e.region);
    this.byOwner.delete(owner);
    return 0;
  }

  /** Frees the values of owners that lived in `regions` (a run's context, now gone). */
  releaseOwners(regions: readonly Region[]): void {
    for (const owner of [...this.byOwner.keys()])
      if (regions.some((r) => owner >= r.base && owner < r.base + BigInt(r.bytes.length)))
        this.storageDelete(owner);
  }

  private byKey(key: Uint8Array): [bigint, Entry] | undefined {
    checkSize(this.spec, "key", key, 4);
    const fd = new DataView(key.buffer, key.byteOffset, 4).getInt32(0, true);
    for (const pair of this.byOwner) if (pair[1].fd === fd) return pair;
    return undefined;
  }

  lookupAddress(): bigint {
    // Programs reach values through bpf_<owner>_storage_get; bpf_map_lookup_elem is refused.
    return 0n;
  }
  lookup(key: Uint8Array): Uint8Array | null {
    return this.byKey(key)?.[1].region.bytes ?? null;
  }
  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    const v = this.lookup(key);
    return v ? [v] : null;
  }
  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    checkSize(this.spec, "value", value, this.spec.valueSize);
    const mode = updateMode(flags);
    if (mode === null) return -Errno.EINVAL;
    const e = this.byKey(key);
    // The VM creates values for owners only from programs: a key naming none is a bad fd.
    if (!e) return -Errno.EBADF;
    if (mode === "noexist") return -Errno.EEXIST;
    e[1].region.bytes.set(value);
    return 0;
  }
  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    if (values.length !== 1) throw new MapError(`map ${this.spec.name} is not per-CPU`);
    return this.update(key, values[0]!, flags);
  }
  delete(key: Uint8Array): number {
    const e = this.byKey(key);
    return e ? this.storageDelete(e[0]) : -Errno.EBADF;
  }
  keys(): Uint8Array[] {
    // Like the kernel's, a local storage map has no keys to iterate (get_next_key: -ENOTSUPP).
    return [];
  }
  dispose(): void {
    for (const e of this.byOwner.values()) this.ctx.memory.unmap(e.region);
    this.byOwner.clear();
  }
}
