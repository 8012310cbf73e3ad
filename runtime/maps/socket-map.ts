/**
 * The socket maps sk_msg and sk_skb programs redirect to: BPF_MAP_TYPE_SOCKMAP (net/core/sock_map.c:
 * a u32 slot → socket) and SOCKHASH (any key → socket); and REUSEPORT_SOCKARRAY
 * (net/core/reuseport_array.c: a u32 slot → a socket of an SO_REUSEPORT group, which sk_reuseport
 * programs select), kept as a sockmap.
 *
 * Consumes a `MapSpec` (value size 4 or 8: user space stores a socket fd as a u32 or u64); produces a
 * map of entries that user space fills and `target` reads for the redirect helpers. The VM keeps no
 * sockets: an entry is the number user space stored (the socket fd), and a run's socket redirect
 * reports it. A sockmap takes slots < max_entries (-E2BIG otherwise); a sockhash any key up to
 * max_entries entries (-E2BIG when full). Programs do not see the entries (the kernel hands them a
 * socket pointer, which the VM has no object behind): lookups from BPF yield NULL.
 */
import { Errno, MapError, checkSize, updateMode, type MapSpec, type VmMap } from "./types.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A sockmap, sockhash or reuseport_sockarray. */
export class SocketMap implements VmMap {
  readonly perCpu = false;
  /** Key bytes (hex) → [key bytes, stored socket fd]. */
  private readonly entries = new Map<string, [Uint8Array, bigint]>();
  private readonly hashed: boolean;

  constructor(
    readonly spec: MapSpec,
    readonly kind: string,
  ) {
    this.hashed = kind === "sockhash";
    if (!this.hashed && spec.keySize !== 4)
      throw new MapError(`${kind} ${spec.name}: key size must be 4`);
    if (spec.valueSize !== 4 && spec.valueSize !== 8)
      throw new MapError(`${kind} map ${spec.name}: value size must be 4 or 8 (a socket fd)`);
  }

  /** The socket fd bpf_msg_redirect_* / bpf_sk_redirect_* find for `key`, or undefined. */
  target(key: Uint8Array): bigint | undefined {
    return this.entries.get(hex(key))?.[1];
  }

  private slot(key: Uint8Array): number {
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }

  lookupAddress(): bigint {
    return 0n;
  }

  lookup(key: Uint8Array): Uint8Array | null {
    checkSize(this.spec, "key", key, this.spec.keySize);
    const e = this.entries.get(hex(key));
    if (!e) return null;
    const out = new Uint8Array(this.spec.valueSize);
    const v = new DataView(out.buffer);
    if (this.spec.valueSize === 8) v.setBigUint64(0, e[1], true);
    else v.setUint32(0, Number(e[1]), true);
    return out;
  }

  lookupAllCpus(key: Uint8Array): Uint8Array[] | null {
    const v = this.lookup(key);
    return v ? [v] : null;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    checkSize(this.spec, "key", key, this.spec.keySize);
    checkSize(this.spec, "value", value, this.spec.valueSize);
    const mode = updateMode(flags);
    if (mode === null) return -Errno.EINVAL;
    const k = hex(key);
    const has = this.entries.has(k);
    if (!this.hashed && this.slot(key) >= this.spec.maxEntries) return -Errno.E2BIG;
    if (mode === "noexist" && has) return -Errno.EEXIST;
    if (mode === "exist" && !has) return -Errno.ENOENT;
    if (this.hashed && !has && this.entries.size >= this.spec.maxEntries) return -Errno.E2BIG;
    const v = new DataView(value.buffer, value.byteOffset, value.length);
    const fd = this.spec.valueSize === 8 ? v.getBigUint64(0, true) : BigInt(v.getUint32(0, true));
    this.entries.set(k, [key.slice(), fd]);
    return 0;
  }

  updateAllCpus(key: Uint8Array, values: readonly Uint8Array[], flags: number): number {
    if (values.length !== 1) throw new MapError(`map ${this.spec.name} is not per-CPU`);
    return this.update(key, values[0]!, flags);
  }

  delete(key: Uint8Array): number {
    checkSize(this.spec, "key", key, this.spec.keySize);
    if (!this.hashed && this.slot(key) >= this.spec.maxEntries) return -Errno.E2BIG;
    return this.entries.delete(hex(key)) ? 0 : -Errno.ENOENT;
  }

  keys(): Uint8Array[] {
    return [...this.entries.values()].map(([k]) => k.slice());
  }

  dispose(): void {
    this.entries.clear();
  }
}
