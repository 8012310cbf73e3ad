/**
 * BPF_MAP_TYPE_RINGBUF (kernel/bpf/ringbuf.c; Documentation/bpf/ringbuf.rst): a multi-producer,
 * single-consumer byte ring shared with user space.
 *
 * Consumes a `MapSpec` whose max_entries is the data size (a power of 2 and a multiple of the 4096-byte
 * page; key and value sizes 0); produces a map with the kernel's reserve / commit protocol and a
 * user-space `drain()` that consumes records as libbpf's `ring_buffer__consume` does.
 *
 * Layout of the data area, as in the kernel: each record is an 8-byte header followed by the sample,
 * padded so the next header is 8-byte aligned.
 *
 * ```
 *   0               4               8
 *  +---------------+---------------+---------------- ... --+-----+
 *  | len | B | D   |    pg_off     |  sample (len bytes)     | pad |
 *  +---------------+---------------+---------------- ... --+-----+
 *    B = BPF_RINGBUF_BUSY_BIT (bit 31), D = BPF_RINGBUF_DISCARD_BIT (bit 30)
 * ```
 *
 * Positions (producer, consumer) grow without bound and index the ring modulo its size; the producer
 * may run at most size-1 bytes ahead of the consumer (the kernel's check). A reserved sample lives in
 * its own region ("ringbuf_record") until submit/discard copies it into the ring, which spares the VM
 * the kernel's double mapping of the data pages for records that wrap. `pg_off` is the header's page
 * offset within the data area (the kernel's counts from the map's start; user space ignores it).
 */
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import type { Region } from "../vm/contract.ts";
import { Errno, MapError, type MapContext, type MapSpec } from "./types.ts";
import { RecordStreamMap } from "./record-stream-map.ts";

/** Page size the kernel requires the ring size to be a multiple of. */
export const RINGBUF_PAGE_SIZE = 4096;
const HDR = BPF_CONSTANTS.BPF_RINGBUF_HDR_SZ;
const BUSY = BPF_CONSTANTS.BPF_RINGBUF_BUSY_BIT;
const DISCARD = BPF_CONSTANTS.BPF_RINGBUF_DISCARD_BIT;

interface Reservation {
  readonly pos: number;
  readonly size: number;
  readonly region: Region;
}

/** A ring buffer map. */
export class RingBufMap extends RecordStreamMap {
  readonly kind = "ringbuf";
  protected readonly elementErrno = Errno.ENOTSUPP;
  /** The data area (size = max_entries). */
  readonly data: Uint8Array;
  private readonly view: DataView;
  private readonly mask: number;
  /** Bytes ever reserved (producer position). */
  producerPos = 0;
  /** Bytes ever consumed (consumer position). */
  consumerPos = 0;
  /** Outstanding reservations by region id. */
  private readonly reserved = new Map<number, Reservation>();

  constructor(
    readonly spec: MapSpec,
    private readonly ctx: MapContext,
  ) {
    super();
    const n = spec.maxEntries;
    if (n < RINGBUF_PAGE_SIZE || n % RINGBUF_PAGE_SIZE !== 0 || (n & (n - 1)) !== 0) {
      throw new MapError(
        `ringbuf map ${spec.name}: max_entries ${n} must be a power of 2 and a multiple of ${RINGBUF_PAGE_SIZE}`,
      );
    }
    if (spec.keySize !== 0 || spec.valueSize !== 0) {
      throw new MapError(`ringbuf map ${spec.name}: key and value sizes must be 0`);
    }
    this.data = new Uint8Array(n);
    this.view = new DataView(this.data.buffer);
    this.mask = n - 1;
  }

  /**
   * Reserves a sample of `size` bytes (bpf_ringbuf_reserve): the address of its data, or 0n when the
   * ring lacks space or `flags` is not 0.
   */
  reserve(size: number, flags: number): bigint {
    if (flags !== 0 || size < 0) return 0n;
    const len = (size + HDR + 7) & ~7;
    if (len > this.data.length) return 0n;
    if (this.producerPos + len - this.consumerPos > this.mask) return 0n;
    const pos = this.producerPos;
    this.producerPos += len;
    this.writeHeader(pos, (size | BUSY) >>> 0);
    const region = this.ctx.memory.map(new Uint8Array(size), {
      writable: true,
      kind: "ringbuf_record",
      name: `ringbuf ${this.spec.name} record`,
    });
    this.reserved.set(region.id, { pos, size, region });
    return region.base;
  }

  /**
   * Submits or discards the reservation whose data starts at `addr` (bpf_ringbuf_submit/discard).
   * Returns false when `addr` is not the start of an outstanding reservation of this ring.
   */
  commit(addr: bigint, discard: boolean): boolean {
    const r = this.findReservation(addr);
    if (!r) return false;
    const dataPos = r.pos + HDR;
    for (let i = 0; i < r.size; i++) this.data[(dataPos + i) & this.mask] = r.region.bytes[i]!;
    this.writeHeader(r.pos, (r.size | (discard ? DISCARD : 0)) >>> 0);
    this.ctx.memory.unmap(r.region);
    this.reserved.delete(r.region.id);
    return true;
  }

  /** True when `addr` is the data address of an outstanding reservation of this ring. */
  owns(addr: bigint): boolean {
    return this.findReservation(addr) !== undefined;
  }

  private findReservation(addr: bigint): Reservation | undefined {
    const a = BigInt.asUintN(64, addr);
    if ((a & 0xffffffffn) !== 0n) return undefined;
    return this.reserved.get(Number(a >> 32n));
  }

  /** Copies `sample` in as one record (bpf_ringbuf_output): 0, -EAGAIN when full, -EINVAL flags. */
  output(sample: Uint8Array, flags: number): number {
    const wakeFlags = BPF_CONSTANTS.BPF_RB_NO_WAKEUP | BPF_CONSTANTS.BPF_RB_FORCE_WAKEUP;
    if ((flags & ~wakeFlags) !== 0) return -Errno.EINVAL;
    const addr = this.reserve(sample.length, 0);
    if (addr === 0n) return -Errno.EAGAIN;
    this.reserved.get(Number(addr >> 32n))!.region.bytes.set(sample);
    this.commit(addr, false);
    return 0;
  }

  /** bpf_ringbuf_query: BPF_RB_AVAIL_DATA, RING_SIZE, CONS_POS, PROD_POS; 0 for other flags. */
  query(flags: number): bigint {
    switch (flags) {
      case BPF_CONSTANTS.BPF_RB_AVAIL_DATA:
        return BigInt(this.producerPos - this.consumerPos);
      case BPF_CONSTANTS.BPF_RB_RING_SIZE:
        return BigInt(this.data.length);
      case BPF_CONSTANTS.BPF_RB_CONS_POS:
        return BigInt(this.consumerPos);
      case BPF_CONSTANTS.BPF_RB_PROD_POS:
        return BigInt(this.producerPos);
      default:
        return 0n;
    }
  }

  /**
   * Consumes every committed record from the consumer position on, stopping at the first one still
   * reserved (busy); discarded records are skipped. Returns copies of the samples in order.
   */
  drain(): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.consumerPos < this.producerPos) {
      const hdr = this.view.getUint32(this.consumerPos & this.mask, true);
      if (hdr & BUSY) break;
      const size = hdr & ~(BUSY | DISCARD);
      if (!(hdr & DISCARD)) {
        const sample = new Uint8Array(size);
        const dataPos = this.consumerPos + HDR;
        for (let i = 0; i < size; i++) sample[i] = this.data[(dataPos + i) & this.mask]!;
        out.push(sample);
      }
      this.consumerPos += (size + HDR + 7) & ~7;
    }
    return out;
  }

  private writeHeader(pos: number, len: number): void {
    // Headers are 8-byte aligned and the size is a multiple of 8, so a header never wraps.
    const at = pos & this.mask;
    this.view.setUint32(at, len, true);
    this.view.setUint32(at + 4, at >>> 12, true);
  }

  dispose(): void {
    for (const r of this.reserved.values()) this.ctx.memory.unmap(r.region);
    this.reserved.clear();
  }
}
