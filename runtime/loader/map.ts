/**
 * BPF maps on the live kernel: creation (BPF_MAP_CREATE) and element access (lookup, update,
 * delete, key iteration, batched lookup, freeze).
 *
 * Consumes: a `MapSpec` (plain numbers, as in core/object's `BpfMapDef`) and keys/values as bytes.
 * Produces: a `KernelMap` handle owning the map fd. Keys and values are exact byte images of the C
 * types; for per-CPU maps a value is `valueSlot * possibleCpus()` bytes, one 8-byte-aligned slot
 * per CPU (kernel Documentation/bpf/map_array.rst, "BPF_MAP_TYPE_PERCPU_ARRAY").
 *
 * Invariant: every method checks key/value lengths before the syscall, so a wrong size is a clear
 * `LoaderError`, never a kernel read past a buffer.
 */
import { KernelError, LoaderError } from "./errors.ts";
import { OwnedFd } from "./fd.ts";
import { bpf, commandName, tryBpf } from "./sys/bpf.ts";
import { mapKindById } from "../../core/kernel/index.ts";
import { BpfCmd, UpdateFlag } from "./sys/constants.ts";
import { ERRNO } from "./sys/errno.ts";
import { mapKindRefusal } from "./kind-refusal.ts";
import { possibleCpus } from "./sys/cpus.ts";
import { MAP_BATCH, MAP_CREATE, MAP_ELEM } from "./sys/layouts.ts";

/** What to create. */
export interface MapSpec {
  /** Name shown by bpftool (truncated to 15 bytes). */
  readonly name?: string;
  /** BPF_MAP_TYPE_* number. */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  /** BTF object fd plus key/value type ids, for maps described by BTF (0 = none). */
  readonly btfFd?: number;
  readonly btfKeyTypeId?: number;
  readonly btfValueTypeId?: number;
  readonly innerMapFd?: number;
  readonly mapExtra?: bigint;
  /** A struct_ops map's value type: `bpf_struct_ops_<ops>` in vmlinux BTF (struct-ops.ts). */
  readonly btfVmlinuxValueTypeId?: number;
}

/** True for map types whose values hold one slot per possible CPU (the kind's record). */
export function isPerCpuMap(type: number): boolean {
  return mapKindById(type)?.perCpu ?? false;
}

/** Creates a map. Throws `KernelError` (e.g. EINVAL for a bad size/type combination). */
export function createMap(spec: MapSpec): KernelMap {
  for (const k of ["keySize", "valueSize", "maxEntries"] as const) {
    const v = spec[k];
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new LoaderError(`map "${spec.name ?? "?"}": ${k} must be a u32, got ${v}`);
    }
  }
  const r = tryBpf(BpfCmd.MAP_CREATE, MAP_CREATE, {
    map_type: spec.type,
    key_size: spec.keySize,
    value_size: spec.valueSize,
    max_entries: spec.maxEntries,
    map_flags: spec.flags ?? 0,
    inner_map_fd: spec.innerMapFd ?? 0,
    map_name: sanitizeName(spec.name ?? ""),
    btf_fd: spec.btfFd ?? 0,
    btf_key_type_id: spec.btfKeyTypeId ?? 0,
    btf_value_type_id: spec.btfValueTypeId ?? 0,
    map_extra: spec.mapExtra ?? 0n,
    btf_vmlinux_value_type_id: spec.btfVmlinuxValueTypeId ?? 0,
  });
  if (r.errno !== 0) {
    throw new KernelError(
      "BPF_MAP_CREATE",
      r.errno,
      `creating map "${spec.name ?? ""}" (type ${spec.type}, key ${spec.keySize}, value ${spec.valueSize}, max ${spec.maxEntries})`,
      mapKindRefusal(spec.type, r.errno),
    );
  }
  const ret = r.ret;
  return new KernelMap(new OwnedFd(ret), { ...spec, name: spec.name ?? "" });
}

/**
 * Kernel object names allow only [A-Za-z0-9_.] (kernel bpf_obj_name_cpy); libbpf drops other
 * characters the same way, so `.rodata` stays and `my-map` becomes `mymap`.
 */
export function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, "").slice(0, 15);
}

/** An open map. */
export class KernelMap {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;

  constructor(
    /** The owned fd; closing the map closes it. */
    readonly handle: OwnedFd,
    spec: MapSpec & { readonly name: string },
  ) {
    this.name = spec.name;
    this.type = spec.type;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.flags = spec.flags ?? 0;
  }

  /** The map fd. */
  get fd(): number {
    return this.handle.fd;
  }

  /** Bytes of one value as seen from userspace (per-CPU maps: one 8-aligned slot per CPU). */
  get userValueSize(): number {
    return isPerCpuMap(this.type)
      ? Math.ceil(this.valueSize / 8) * 8 * possibleCpus()
      : this.valueSize;
  }

  /** The value for `key`, or undefined if absent. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    this.#checkKey(key);
    const value = new Uint8Array(this.userValueSize);
    const r = tryBpf(BpfCmd.MAP_LOOKUP_ELEM, MAP_ELEM, {
      map_fd: this.fd,
      key: keyArg(key),
      value,
    });
    if (r.errno === ERRNO.ENOENT) return undefined;
    if (r.errno !== 0) this.#fail(BpfCmd.MAP_LOOKUP_ELEM, r.errno, "lookup");
    return value;
  }

  /** Bloom filter: true when `value` may be in the set, false when it certainly is not. */
  bloomMayContain(value: Uint8Array): boolean {
    if (value.length !== this.valueSize) {
      throw new LoaderError(
        `map "${this.name}": value must be ${this.valueSize} bytes, got ${value.length}`,
      );
    }
    const r = tryBpf(BpfCmd.MAP_LOOKUP_ELEM, MAP_ELEM, { map_fd: this.fd, key: 0n, value });
    if (r.errno === ERRNO.ENOENT) return false;
    if (r.errno !== 0) this.#fail(BpfCmd.MAP_LOOKUP_ELEM, r.errno, "bloom filter peek");
    return true;
  }

  /**
   * Looks up and removes in one step (BPF_MAP_LOOKUP_AND_DELETE_ELEM): pops a queue or stack (key
   * size 0), or takes a hash entry; undefined when there is none.
   */
  lookupAndDelete(key: Uint8Array = new Uint8Array(0)): Uint8Array | undefined {
    this.#checkKey(key);
    const value = new Uint8Array(this.userValueSize);
    const r = tryBpf(BpfCmd.MAP_LOOKUP_AND_DELETE_ELEM, MAP_ELEM, {
      map_fd: this.fd,
      key: keyArg(key),
      value,
    });
    if (r.errno === ERRNO.ENOENT) return undefined;
    if (r.errno !== 0) this.#fail(BpfCmd.MAP_LOOKUP_AND_DELETE_ELEM, r.errno, "lookup and delete");
    return value;
  }

  /** Per-CPU maps: the value for `key` split into one `valueSize` slice per possible CPU. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | undefined {
    if (!isPerCpuMap(this.type)) throw new LoaderError(`map "${this.name}" is not a per-CPU map`);
    const all = this.lookup(key);
    if (!all) return undefined;
    const slot = Math.ceil(this.valueSize / 8) * 8;
    return Array.from({ length: possibleCpus() }, (_, i) =>
      all.slice(i * slot, i * slot + this.valueSize),
    );
  }

  /** Sets `key` to `value` (flags: `UpdateFlag.ANY` / `NOEXIST` / `EXIST`). */
  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
    this.#checkKey(key);
    if (value.length !== this.userValueSize) {
      throw new LoaderError(
        `map "${this.name}": value must be ${this.userValueSize} bytes, got ${value.length}`,
      );
    }
    const r = tryBpf(BpfCmd.MAP_UPDATE_ELEM, MAP_ELEM, {
      map_fd: this.fd,
      key: keyArg(key),
      value,
      flags,
    });
    if (r.errno !== 0) this.#fail(BpfCmd.MAP_UPDATE_ELEM, r.errno, "update");
  }

  /** Deletes `key`; returns false if it was absent. */
  delete(key: Uint8Array): boolean {
    this.#checkKey(key);
    const r = tryBpf(BpfCmd.MAP_DELETE_ELEM, MAP_ELEM, { map_fd: this.fd, key });
    if (r.errno === ERRNO.ENOENT) return false;
    if (r.errno !== 0) this.#fail(BpfCmd.MAP_DELETE_ELEM, r.errno, "delete");
    return true;
  }

  /** The key after `key` (the first key when `key` is undefined), or undefined at the end. */
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    if (key) this.#checkKey(key);
    const next = new Uint8Array(this.keySize);
    const r = tryBpf(BpfCmd.MAP_GET_NEXT_KEY, MAP_ELEM, {
      map_fd: this.fd,
      key: key ?? 0n,
      value: next,
    });
    if (r.errno === ERRNO.ENOENT) return undefined;
    if (r.errno !== 0) this.#fail(BpfCmd.MAP_GET_NEXT_KEY, r.errno, "next key");
    return next;
  }

  /** Every key, in kernel iteration order. */
  *keys(): Generator<Uint8Array> {
    for (let k = this.nextKey(); k; k = this.nextKey(k)) yield k;
  }

  /** Every entry via key iteration plus lookups (works on all kernels and map types). */
  *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v) yield [k, v];
    }
  }

  /**
   * Every entry via BPF_MAP_LOOKUP_BATCH (one syscall per `chunk` entries). The kernel signals the
   * last chunk with ENOENT, still filling in `count`.
   */
  lookupBatch(chunk = 256): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    const vsize = this.userValueSize;
    const keys = new Uint8Array(chunk * this.keySize);
    const values = new Uint8Array(chunk * vsize);
    const token = Math.max(this.keySize, 8);
    let inBatch: Uint8Array | undefined;
    for (;;) {
      const outBatch = new Uint8Array(token);
      const r = tryBpf(BpfCmd.MAP_LOOKUP_BATCH, MAP_BATCH, {
        in_batch: inBatch ?? 0n,
        out_batch: outBatch,
        keys,
        values,
        count: chunk,
        map_fd: this.fd,
      });
      if (r.errno !== 0 && r.errno !== ERRNO.ENOENT) {
        this.#fail(BpfCmd.MAP_LOOKUP_BATCH, r.errno, "batch lookup");
      }
      const count = new DataView(r.attr.buffer).getUint32(
        MAP_BATCH.fields.get("count")!.offset,
        true,
      );
      for (let i = 0; i < count; i++) {
        out.push([
          keys.slice(i * this.keySize, (i + 1) * this.keySize),
          values.slice(i * vsize, (i + 1) * vsize),
        ]);
      }
      if (r.errno === ERRNO.ENOENT) return out;
      inBatch = outBatch;
    }
  }

  /** Makes the map read-only for userspace (BPF_MAP_FREEZE), as libbpf does for `.rodata`. */
  freeze(): void {
    bpf(BpfCmd.MAP_FREEZE, MAP_ELEM, { map_fd: this.fd }, `freezing map "${this.name}"`);
  }

  /** Closes the map fd (the map lives on while programs or pins reference it). */
  close(): void {
    this.handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #checkKey(key: Uint8Array): void {
    if (key.length !== this.keySize) {
      throw new LoaderError(
        `map "${this.name}": key must be ${this.keySize} bytes, got ${key.length}`,
      );
    }
  }

  #fail(cmd: number, errno: number, what: string): never {
    throw new KernelError(commandName(cmd), errno, `${what} on map "${this.name}"`);
  }
}

/** The key pointer: NULL for keyless maps (queue, stack, bloom filter), as bpf(2) requires. */
function keyArg(key: Uint8Array): Uint8Array | bigint {
  return key.length === 0 ? 0n : key;
}
