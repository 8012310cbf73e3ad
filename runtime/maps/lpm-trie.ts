/**
 * BPF_MAP_TYPE_LPM_TRIE (kernel/bpf/lpm_trie.c): longest-prefix-match keys
 * `struct bpf_lpm_trie_key_u8 { __u32 prefixlen; __u8 data[]; }`, data compared most significant bit
 * first (network order for addresses).
 *
 * Semantics, as the kernel's:
 * - creation needs BPF_F_NO_PREALLOC, a key of 4 + 1..256 data bytes and a positive value size;
 * - update stores the entry for (prefixlen, the first prefixlen bits of data): a prefixlen above the
 *   data's bits is -EINVAL, BPF_NOEXIST on an existing entry -EEXIST, BPF_EXIST on a missing one
 *   -ENOENT, other flags -EINVAL, a new entry in a full map -ENOSPC;
 * - lookup returns the entry with the longest prefix that matches the key's data in its first
 *   min(prefixlen, key prefixlen) bits, or none;
 * - delete removes the exact (prefixlen, prefix) entry, -ENOENT if there is none.
 * Bits past an entry's prefixlen are stored as given but never compared (the kernel keeps them too).
 */
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

/** BPF_F_NO_PREALLOC (uapi linux/bpf.h). */
const BPF_F_NO_PREALLOC = 1;

interface Entry {
  readonly key: Uint8Array;
  readonly prefixlen: number;
  readonly value: Uint8Array;
  region?: Region;
}

/** True when the first `bits` bits of a and b are equal. */
function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

/** An LPM trie (entries kept in a list; lookups scan for the longest match). */
export class LpmTrieMap implements VmMap {
  readonly kind = "lpm_trie";
  readonly perCpu = false;
  private readonly dataBytes: number;
  private readonly entries: Entry[] = [];

  constructor(
    readonly spec: MapSpec,
    private readonly ctx: MapContext,
  ) {
    this.dataBytes = spec.keySize - 4;
    if (!(spec.flags & BPF_F_NO_PREALLOC))
      throw new MapError(`lpm_trie map ${spec.name}: needs BPF_F_NO_PREALLOC in its flags`);
    if (this.dataBytes < 1 || this.dataBytes > 256 || spec.valueSize <= 0 || spec.maxEntries <= 0)
      throw new MapError(
        `lpm_trie map ${spec.name}: key must be 5..260 bytes (u32 prefixlen + data), value and max_entries positive`,
      );
  }

  private split(key: Uint8Array): { prefixlen: number; data: Uint8Array } {
    checkSize(this.spec, "key", key, this.spec.keySize);
    const prefixlen = new DataView(key.buffer, key.byteOffset).getUint32(0, true);
    return { prefixlen, data: key.subarray(4) };
  }

  private exact(prefixlen: number, data: Uint8Array): Entry | undefined {
    return this.entries.find(
      (e) => e.prefixlen === prefixlen && samePrefix(e.key.subarray(4), data, prefixlen),
    );
  }

  /** The longest-prefix entry matching `key`. */
  private match(key: Uint8Array): Entry | undefined {
    const { prefixlen, data } = this.split(key);
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (e.prefixlen > prefixlen || (best && best.prefixlen >= e.prefixlen)) continue;
      if (samePrefix(e.key.subarray(4), data, e.prefixlen)) best = e;
    }
    return best;
  }

  lookupAddress(key: Uint8Array): bigint {
    const e = this.match(key);
    if (!e) return 0n;
    e.region ??= this.ctx.memory.map(e.value, {
      writable: true,
      kind: valueRegionKind(this.spec),
      name: `map ${this.spec.name} value`,
    });
    return e.region.base;
  }

  lookup(key: Uint8Array): Uint8Array | null {
    return this.match(key)?.value ?? null;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    const v = this.lookup(key);
    return v ? [v] : null;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    checkSize(this.spec, "value", value, this.spec.valueSize);
    const mode = updateMode(flags);
    if (mode === null) return -Errno.EINVAL;
    const { prefixlen, data } = this.split(key);
    if (prefixlen > this.dataBytes * 8) return -Errno.EINVAL;
    const old = this.exact(prefixlen, data);
    if (old) {
      if (mode === "noexist") return -Errno.EEXIST;
      old.value.set(value);
      return 0;
    }
    if (mode === "exist") return -Errno.ENOENT;
    if (this.entries.length >= this.spec.maxEntries) return -Errno.ENOSPC;
    this.entries.push({ key: key.slice(), prefixlen, value: value.slice() });
    return 0;
  }

  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    if (values.length !== 1)
      throw new MapError(`map ${this.spec.name}: expected 1 value, got ${values.length}`);
    return this.update(key, values[0]!, flags);
  }

  delete(key: Uint8Array): number {
    const { prefixlen, data } = this.split(key);
    if (prefixlen > this.dataBytes * 8) return -Errno.EINVAL;
    const e = this.exact(prefixlen, data);
    if (!e) return -Errno.ENOENT;
    if (e.region) this.ctx.memory.unmap(e.region);
    this.entries.splice(this.entries.indexOf(e), 1);
    return 0;
  }

  keys(): Uint8Array[] {
    return this.entries.map((e) => e.key.slice());
  }

  dispose(): void {
    for (const e of this.entries) if (e.region) this.ctx.memory.unmap(e.region);
    this.entries.length = 0;
  }
}
