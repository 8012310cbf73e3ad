/**
 * Typed user-space access to a map, the same for a kernel map (runtime/loader `KernelMap`, bpf()
 * syscalls) and a VM map (runtime/vm `MapView`).
 *
 * Consumes a `RawMapSource` (bytes in, bytes out; per-CPU values as one slice per CPU) and key/value
 * `Codec`s (map-codec.ts). Produces `TypedMap`: get / set / delete / entries with `UserValue`s, and
 * for per-CPU maps each CPU's value plus a summed view (`sumValues`).
 *
 * Kernel iteration uses BPF_MAP_LOOKUP_BATCH (one syscall per chunk) and falls back to
 * MAP_GET_NEXT_KEY + lookup on kernels or map types without batch support (EINVAL / ENOTSUPP /
 * EOPNOTSUPP), remembering the answer per source.
 *
 * Invariant: a source never hands out bytes that alias live storage, so results stay valid.
 */
import { mapKindById } from "../../core/kernel/index.ts";
import type { MapFacts } from "../../core/object/index.ts";
import { isPerCpuMap, KernelError, type KernelMap } from "../loader/index.ts";
import type { MapView } from "../vm/map-view.ts";
import { decodeValue, encodeValue, type Codec, type UserValue } from "./map-codec.ts";

/** A map as bytes: what both the kernel and the VM offer. */
export interface RawMapSource {
  readonly name: string;
  /** BPF_MAP_TYPE_* number. */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** True when values exist once per CPU. */
  readonly perCpu: boolean;
  /** Every entry, each value as one slice per CPU (one slice for ordinary maps). */
  entries(): [Uint8Array, Uint8Array[]][];
  /** The value(s) of `key`, or undefined. */
  lookup(key: Uint8Array): Uint8Array[] | undefined;
  /** Sets `key`; per-CPU maps take one value per CPU, ordinary maps one value. */
  update(key: Uint8Array, values: readonly Uint8Array[]): void;
  /** Deletes `key`; false when absent. */
  delete(key: Uint8Array): boolean;
}

const BATCH_UNSUPPORTED = new Set(["EINVAL", "ENOTSUPP", "EOPNOTSUPP", "ENOSYS", "EPERM"]);

/** A kernel map as a `RawMapSource`, named `name` (default: its kernel name). */
export function kernelMapSource(map: KernelMap, name = map.name): RawMapSource {
  const perCpu = isPerCpuMap(map.type);
  const split = (all: Uint8Array): Uint8Array[] => {
    if (!perCpu) return [all];
    const slot = Math.ceil(map.valueSize / 8) * 8;
    const out: Uint8Array[] = [];
    for (let at = 0; at + map.valueSize <= all.length; at += slot)
      out.push(all.slice(at, at + map.valueSize));
    return out;
  };
  let batchWorks = true;
  return {
    name,
    type: map.type,
    keySize: map.keySize,
    valueSize: map.valueSize,
    maxEntries: map.maxEntries,
    perCpu,
    entries() {
      if (batchWorks) {
        try {
          return map.lookupBatch().map(([k, v]) => [k, split(v)]);
        } catch (e) {
          if (!(e instanceof KernelError) || !BATCH_UNSUPPORTED.has(e.code)) throw e;
          batchWorks = false;
        }
      }
      const out: [Uint8Array, Uint8Array[]][] = [];
      for (const [k, v] of map.entries()) out.push([k, split(v)]);
      return out;
    },
    lookup(key) {
      const v = map.lookup(key);
      return v && split(v);
    },
    update(key, values) {
      if (!perCpu) {
        map.update(key, values[0]!);
        return;
      }
      const slot = Math.ceil(map.valueSize / 8) * 8;
      const all = new Uint8Array(map.userValueSize);
      const cpus = all.length / slot;
      for (let c = 0; c < cpus; c++)
        all.set(values[values.length === 1 ? 0 : c] ?? new Uint8Array(0), c * slot);
      map.update(key, all);
    },
    delete: (key) => map.delete(key),
  };
}

/** A VM map as a `RawMapSource`. */
export function vmMapSource(view: MapView): RawMapSource {
  const spec = view.map.spec;
  return {
    name: spec.name,
    type: spec.type,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    perCpu: view.map.perCpu,
    entries() {
      const out: [Uint8Array, Uint8Array[]][] = [];
      for (const k of view.keys()) {
        const vs = view.getAllCpus(k);
        if (vs) out.push([k, vs]);
      }
      return out;
    },
    lookup: (key) => view.getAllCpus(key),
    update(key, values) {
      if (view.map.perCpu && values.length > 1) view.setAllCpus(key, values);
      else view.set(key, values[0]!);
    },
    delete: (key) => view.delete(key),
  };
}

/** One decoded entry. */
export interface TypedEntry {
  readonly key: UserValue;
  /** The value (per-CPU maps: summed over CPUs, see `sumValues`). */
  readonly value: UserValue;
  /** Per-CPU maps only: each CPU's value. */
  readonly perCpu?: readonly UserValue[];
}

/** A map seen through its key and value codecs. */
export class TypedMap {
  constructor(
    readonly source: RawMapSource,
    readonly keyCodec: Codec,
    readonly valueCodec: Codec,
    /** What the object states about the map (histogram shape, record type; core/object map-facts). */
    readonly facts: MapFacts = {},
  ) {}

  get name(): string {
    return this.source.name;
  }

  /** Kind name (`hash`, `percpu_array`, ...). */
  get kind(): string {
    return mapKindById(this.source.type)?.kind ?? `type ${this.source.type}`;
  }

  /** The value of `key` (per-CPU: summed), or undefined. */
  get(key: UserValue): UserValue | undefined {
    const vs = this.source.lookup(encodeValue(this.keyCodec, key, "key"));
    return vs && this.#combine(vs).value;
  }

  /** Each CPU's value of `key` (a one-element list for ordinary maps), or undefined. */
  getPerCpu(key: UserValue): UserValue[] | undefined {
    const vs = this.source.lookup(encodeValue(this.keyCodec, key, "key"));
    return vs?.map((v) => decodeValue(this.valueCodec, v));
  }

  /** Sets `key` (per-CPU maps: `value` on every CPU, or one value per CPU when given a list). */
  set(key: UserValue, value: UserValue, perCpu?: readonly UserValue[]): void {
    const k = encodeValue(this.keyCodec, key, "key");
    const values = perCpu
      ? perCpu.map((v, i) => encodeValue(this.valueCodec, v, `value[cpu ${i}]`))
      : [encodeValue(this.valueCodec, value)];
    this.source.update(k, values);
  }

  /** Deletes `key`; false when it was absent. */
  delete(key: UserValue): boolean {
    return this.source.delete(encodeValue(this.keyCodec, key, "key"));
  }

  /** Every entry, decoded. */
  entries(): TypedEntry[] {
    return this.source
      .entries()
      .map(([k, vs]) => ({ key: decodeValue(this.keyCodec, k), ...this.#combine(vs) }));
  }

  #combine(vs: readonly Uint8Array[]): { value: UserValue; perCpu?: UserValue[] } {
    const decoded = vs.map((v) => decodeValue(this.valueCodec, v));
    if (!this.source.perCpu) return { value: decoded[0]! };
    return { value: sumValues(decoded), perCpu: decoded };
  }
}

/**
 * Adds per-CPU values: numbers and bigints are summed, structs field by field, arrays element by
 * element; anything else (strings, enums, bytes) is taken from the first CPU.
 */
export function sumValues(values: readonly UserValue[]): UserValue {
  const first = values[0];
  if (first === undefined) return 0;
  if (typeof first === "bigint")
    return values.reduce<bigint>((a, v) => a + (typeof v === "bigint" ? v : 0n), 0n);
  if (typeof first === "number")
    return values.reduce<number>((a, v) => a + (typeof v === "number" ? v : 0), 0);
  if (Array.isArray(first)) {
    return (first as readonly UserValue[]).map((_, i) =>
      sumValues(values.map((v) => (v as readonly UserValue[])[i]!)),
    );
  }
  if (typeof first === "object" && !(first instanceof Uint8Array)) {
    const out: Record<string, UserValue> = {};
    for (const k of Object.keys(first))
      out[k] = sumValues(values.map((v) => (v as Record<string, UserValue>)[k]!));
    return out;
  }
  return first;
}
