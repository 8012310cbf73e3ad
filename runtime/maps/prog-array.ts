/**
 * BPF_MAP_TYPE_PROG_ARRAY (kernel/bpf/arraymap.c, fd array): the table bpf_tail_call jumps through.
 *
 * Consumes a `MapSpec` (key and value size 4) and a resolver from program ids to programs; produces a
 * map whose slots hold programs. User space stores a program by writing its id as the u32 value (the
 * VM's stand-in for a program fd; an unknown id is -EBADF, as a bad fd is in the kernel), or with
 * `setProgram`. Programs cannot look up or update a prog array (the verifier forbids it); deleting an
 * empty slot is -ENOENT; an index ≥ max_entries is -E2BIG.
 */
import type { EngineProgram } from "../vm/contract.ts";
import {
  Errno,
  MapError,
  checkSize,
  oneCpu,
  singleValue,
  u32Bytes,
  type MapSpec,
  type VmMap,
  fdUpdate,
} from "./types.ts";

/**
 * Finds a program by the id user space writes into a prog array or a devmap / cpumap entry, with
 * the BPF_* attach type its section gives it (null: none).
 */
export type ProgramResolver = (
  id: number,
) => { id: number; program: EngineProgram; attachType?: number | null } | undefined;

/** A program array. */
export class ProgArrayMap implements VmMap {
  readonly kind = "prog_array";
  readonly perCpu = false;
  private readonly slots: ({ id: number; program: EngineProgram } | undefined)[] = [];

  constructor(
    readonly spec: MapSpec,
    private readonly resolve: ProgramResolver,
  ) {
    if (spec.keySize !== 4 || spec.valueSize !== 4) {
      throw new MapError(`prog_array map ${spec.name}: key and value sizes must be 4`);
    }
  }

  private index(key: Uint8Array): number {
    checkSize(this.spec, "key", key, 4);
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }

  /** The program in slot `index`, or undefined (what bpf_tail_call jumps to). */
  program(index: number): EngineProgram | undefined {
    return this.slots[index]?.program;
  }

  /** Stores (or, with undefined, clears) a slot from the host. Returns 0 or -E2BIG. */
  setProgram(index: number, entry: { id: number; program: EngineProgram } | undefined): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.spec.maxEntries) return -Errno.E2BIG;
    this.slots[index] = entry;
    return 0;
  }

  lookupAddress(): bigint {
    return 0n;
  }

  /** User-space view: the stored program's id as a u32, or null for an empty slot. */
  lookup(key: Uint8Array): Uint8Array | null {
    const e = this.slots[this.index(key)];
    return e ? u32Bytes(e.id) : null;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    return oneCpu(this.lookup(key));
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const u = fdUpdate(this.spec, value, flags);
    if (u === null) return -Errno.EINVAL;
    const i = this.index(key);
    if (i >= this.spec.maxEntries) return -Errno.E2BIG;
    if (u.mode === "noexist") return -Errno.EEXIST;
    const entry = this.resolve(u.id);
    if (!entry) return -Errno.EBADF;
    this.slots[i] = entry;
    return 0;
  }

  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    return this.update(key, singleValue(this.spec, values), flags);
  }

  delete(key: Uint8Array): number {
    const i = this.index(key);
    if (i >= this.spec.maxEntries) return -Errno.E2BIG;
    if (!this.slots[i]) return -Errno.ENOENT;
    this.slots[i] = undefined;
    return 0;
  }

  keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.slots.forEach((e, i) => {
      if (e) out.push(new Uint8Array([i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24]));
    });
    return out;
  }

  dispose(): void {
    this.slots.length = 0;
  }
}
