/**
 * User-space access to a VM map, as a program's loader would have through the bpf() syscall:
 * get / set / delete / entries with raw bytes, numbers (encoded by the map's key/value size), or
 * typed codecs (`view.as(u32, struct({...}))`).
 *
 * Consumes a `VmMap`; produces copies (reads never alias the map's storage, so holding a result
 * does not observe later program writes). Failures the kernel reports with an errno (-EEXIST on
 * BPF_NOEXIST, -E2BIG when full, ...) become a `MapError` naming the map, the operation and the errno.
 */
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import { Errno, MapError, type CpuState, type VmMap } from "../maps/index.ts";
import { encodeUint, type Codec } from "./codecs.ts";

/** A key or value: raw bytes, or an integer encoded little-endian to the map's size. */
export type BytesLike = Uint8Array | number | bigint;

const ERRNO_NAMES = new Map<number, string>(Object.entries(Errno).map(([k, v]) => [v, k]));

/** "EEXIST" for -17. */
export function errnoName(err: number): string {
  return ERRNO_NAMES.get(-err) ?? `errno ${-err}`;
}

/** Update flags by name. */
export type UpdateFlag = "any" | "noexist" | "exist";
const FLAG_VALUES: Record<UpdateFlag, number> = {
  any: BPF_CONSTANTS.BPF_ANY,
  noexist: BPF_CONSTANTS.BPF_NOEXIST,
  exist: BPF_CONSTANTS.BPF_EXIST,
};

/** Raw access to one map. */
export class MapView {
  constructor(
    readonly map: VmMap,
    private readonly cpus: CpuState,
  ) {}

  get name(): string {
    return this.map.spec.name;
  }

  private bytes(v: BytesLike, size: number, what: string): Uint8Array {
    if (v instanceof Uint8Array) {
      if (v.length !== size) {
        throw new MapError(`map ${this.name}: ${what} must be ${size} bytes, got ${v.length}`);
      }
      return v;
    }
    try {
      return encodeUint(v, size);
    } catch (e) {
      throw new MapError(`map ${this.name}: ${what}: ${(e as Error).message}`);
    }
  }

  /** The value for `key` (current CPU's for per-CPU maps), or undefined. */
  get(key: BytesLike): Uint8Array | undefined {
    return this.map.lookup(this.bytes(key, this.map.spec.keySize, "key"))?.slice();
  }

  /** Every CPU's value for `key`, or undefined. */
  getAllCpus(key: BytesLike): Uint8Array[] | undefined {
    return this.map
      .lookupAllCpus(this.bytes(key, this.map.spec.keySize, "key"))
      ?.map((v) => v.slice());
  }

  /** Inserts or replaces (per-CPU maps: the value is set on every CPU). Throws MapError on errno. */
  set(key: BytesLike, value: BytesLike, flag: UpdateFlag = "any"): void {
    const k = this.bytes(key, this.map.spec.keySize, "key");
    const v = this.bytes(value, this.map.spec.valueSize, "value");
    const flags = FLAG_VALUES[flag];
    const err = this.map.perCpu
      ? this.map.updateAllCpus(
          k,
          Array.from({ length: this.cpus.count }, () => v),
          flags,
        )
      : this.map.update(k, v, flags);
    if (err < 0) throw new MapError(`map ${this.name}: update failed: ${errnoName(err)}`);
  }

  /** Sets each CPU's value of a per-CPU map. Throws MapError on errno. */
  setAllCpus(key: BytesLike, values: readonly BytesLike[], flag: UpdateFlag = "any"): void {
    const k = this.bytes(key, this.map.spec.keySize, "key");
    const vs = values.map((v) => this.bytes(v, this.map.spec.valueSize, "value"));
    const err = this.map.updateAllCpus(k, vs, FLAG_VALUES[flag]);
    if (err < 0) throw new MapError(`map ${this.name}: update failed: ${errnoName(err)}`);
  }

  /** Deletes `key`; returns false when it was absent (arrays: elements cannot be deleted). */
  delete(key: BytesLike): boolean {
    const err = this.map.delete(this.bytes(key, this.map.spec.keySize, "key"));
    if (err === -Errno.ENOENT) return false;
    if (err < 0) throw new MapError(`map ${this.name}: delete failed: ${errnoName(err)}`);
    return true;
  }

  /** Key/value pairs (values: current CPU's). */
  entries(): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    for (const k of this.map.keys()) {
      const v = this.map.lookup(k);
      if (v) out.push([k, v.slice()]);
    }
    return out;
  }

  /** Keys of present entries. */
  keys(): Uint8Array[] {
    return this.map.keys();
  }

  /** A typed view through codecs. */
  as<K, V>(key: Codec<K>, value: Codec<V>): TypedMapView<K, V> {
    if (key.size !== this.map.spec.keySize || value.size !== this.map.spec.valueSize) {
      throw new MapError(
        `map ${this.name}: codecs are ${key.size}/${value.size} bytes, map has key ${this.map.spec.keySize} / value ${this.map.spec.valueSize}`,
      );
    }
    return new TypedMapView(this, key, value);
  }
}

/** A map seen through key and value codecs. */
export class TypedMapView<K, V> {
  constructor(
    readonly raw: MapView,
    private readonly key: Codec<K>,
    private readonly value: Codec<V>,
  ) {}

  get(key: K): V | undefined {
    const v = this.raw.get(this.key.encode(key));
    return v && this.value.decode(v);
  }

  set(key: K, value: V, flag: UpdateFlag = "any"): void {
    this.raw.set(this.key.encode(key), this.value.encode(value), flag);
  }

  delete(key: K): boolean {
    return this.raw.delete(this.key.encode(key));
  }

  entries(): [K, V][] {
    return this.raw.entries().map(([k, v]) => [this.key.decode(k), this.value.decode(v)]);
  }

  /** Every CPU's value (per-CPU maps). */
  getAllCpus(key: K): V[] | undefined {
    return this.raw.getAllCpus(this.key.encode(key))?.map((v) => this.value.decode(v));
  }
}
