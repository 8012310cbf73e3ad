/**
 * BPF_MAP_TYPE_BLOOM_FILTER (kernel/bpf/bloom_filter.c): a keyless set of values that answers
 * "possibly present" (bpf_map_peek_elem 0) or "certainly absent" (-ENOENT) after
 * bpf_map_push_elem added values.
 *
 * The bit array and hashes are the kernel's: `nr_hash_funcs` from the low 4 bits of map_extra
 * (default 5), max_entries · nr_hash_funcs · 7/5 bits rounded up to a power of two (at least 64),
 * bit i of value v = jhash2 (value size a multiple of 4) or jhash of v with seed `hash_seed + i`.
 * The kernel draws hash_seed at random unless BPF_F_ZERO_SEED is set; the VM always uses 0, so it
 * sets exactly the bits a BPF_F_ZERO_SEED kernel map sets, false positives included.
 *
 * Push flags other than BPF_ANY are -EINVAL; there is no lookup, update of keys, delete or iteration
 * (user space pushes with update and peeks with lookup, key size 0).
 */
import { jhash, jhash2 } from "./jhash.ts";
import { Errno, MapError, checkSize, type MapSpec, type VmMap } from "./types.ts";

/** A bloom filter. */
export class BloomFilterMap implements VmMap {
  readonly kind = "bloom_filter";
  readonly perCpu = false;
  private readonly bits: Uint8Array;
  private readonly mask: number;
  private readonly hashes: number;

  constructor(
    readonly spec: MapSpec,
    mapExtra = 0,
  ) {
    if (spec.keySize !== 0 || spec.valueSize <= 0 || spec.maxEntries <= 0)
      throw new MapError(
        `bloom_filter map ${spec.name}: key size must be 0, value size and max_entries positive`,
      );
    this.hashes = mapExtra & 0xf || 5;
    let nrBits = Math.floor((spec.maxEntries * this.hashes) / 5) * 7;
    nrBits = nrBits > 2 ** 31 ? 2 ** 31 : nrBits <= 64 ? 64 : 2 ** Math.ceil(Math.log2(nrBits));
    this.mask = nrBits - 1;
    this.bits = new Uint8Array(nrBits / 8);
  }

  private bit(value: Uint8Array, i: number): number {
    const words = value.length % 4 === 0 ? new Uint32Array(value.slice().buffer) : undefined;
    const h = words ? jhash2(words, i) : jhash(value, i);
    return h & this.mask;
  }

  /** bpf_map_push_elem. */
  push(value: Uint8Array, flags: number): number {
    checkSize(this.spec, "value", value, this.spec.valueSize);
    if (flags !== 0) return -Errno.EINVAL;
    for (let i = 0; i < this.hashes; i++) {
      const b = this.bit(value, i);
      this.bits[b >>> 3]! |= 1 << (b & 7);
    }
    return 0;
  }

  /** bpf_map_peek_elem: 0 when `value` may be present, -ENOENT when it is not. */
  peek(value: Uint8Array): number {
    checkSize(this.spec, "value", value, this.spec.valueSize);
    for (let i = 0; i < this.hashes; i++) {
      const b = this.bit(value, i);
      if (!(this.bits[b >>> 3]! & (1 << (b & 7)))) return -Errno.ENOENT;
    }
    return 0;
  }

  lookupAddress(): bigint {
    return 0n;
  }
  lookup(): Uint8Array | null {
    return null;
  }
  lookupAllCpus(): Uint8Array[] | null {
    return null;
  }
  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    checkSize(this.spec, "key", key, 0);
    return this.push(value, flags);
  }
  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    if (values.length !== 1)
      throw new MapError(`map ${this.spec.name}: expected 1 value, got ${values.length}`);
    return this.update(key, values[0]!, flags);
  }
  delete(): number {
    return -Errno.EOPNOTSUPP;
  }
  keys(): Uint8Array[] {
    return [];
  }
  dispose(): void {
    this.bits.fill(0);
  }
}
