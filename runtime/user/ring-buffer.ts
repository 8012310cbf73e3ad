/**
 * User-space consumer of a kernel BPF_MAP_TYPE_RINGBUF, reading the shared memory directly as
 * libbpf's ring_buffer__consume does (kernel Documentation/bpf/ringbuf.rst, "Design and
 * Implementation"; kernel/bpf/ringbuf.c).
 *
 * Memory layout of the map fd's mmap space:
 *
 *   offset 0            one page, RW for user space: consumer_pos (unsigned long at byte 0)
 *   offset PAGE         one page, RO: producer_pos (unsigned long at byte 0)
 *   offset 2*PAGE       the data area (max_entries bytes), which the kernel maps TWICE in a row,
 *                       so a record that wraps past the end is still contiguous in our mapping;
 *                       user space must therefore map PAGE + 2*max_entries bytes at offset PAGE.
 *
 * Each record starts with an 8-byte header at `data + (pos & mask)`:
 *
 *   bits  0..29 of the u32 at +0: length of the sample (header excluded)
 *   bit   30 (BPF_RINGBUF_DISCARD_BIT): committed but discarded: skip it
 *   bit   31 (BPF_RINGBUF_BUSY_BIT): reserved, not yet committed: stop here and wait
 *   u32 at +4: page offset (kernel-internal)
 *
 * and occupies round_up(length + 8, 8) bytes. Ordering: producer_pos and each header length are
 * read with Atomics.load (sequentially consistent, hence at least acquire: the sample bytes written
 * before the kernel's release-store of the header are visible), and consumer_pos is advanced with
 * Atomics.store after each span of records is copied out (release: the kernel may reuse the space
 * only after we copied it). After advancing, producer_pos is read again, so a record committed
 * meanwhile (whose commit saw the old consumer_pos and so sent no wakeup) is not left behind.
 *
 * Consumes a ring buffer map fd and its max_entries. Produces copies of sample bytes.
 * Invariant: no view into the mapping escapes; after `close()` nothing reads it.
 */
import { MappedRegion, pageSize } from "./sys/native.ts";

const BUSY_BIT = 0x80000000;
const DISCARD_BIT = 0x40000000;
const HEADER = 8;

/** Reads committed samples out of a kernel ring buffer. */
export class RingBufferReader {
  readonly #consumerMap: MappedRegion;
  readonly #producerMap: MappedRegion;
  readonly #consumerPos: BigUint64Array;
  readonly #producerPos: BigUint64Array;
  readonly #data: Uint8Array;
  readonly #header: Uint32Array;
  #closed = false;

  constructor(
    readonly fd: number,
    readonly size: number,
    /** Map name, for messages. */
    readonly name: string,
  ) {
    if (size <= 0 || (size & (size - 1)) !== 0) {
      throw new Error(`ring buffer "${name}": size ${size} is not a power of two`);
    }
    const page = pageSize();
    this.#consumerMap = new MappedRegion(
      fd,
      page,
      0,
      true,
      `mapping consumer page of ring buffer "${name}"`,
    );
    try {
      this.#producerMap = new MappedRegion(
        fd,
        page + 2 * size,
        page,
        false,
        `mapping data of ring buffer "${name}"`,
      );
    } catch (e) {
      this.#consumerMap.unmap();
      throw e;
    }
    this.#consumerPos = new BigUint64Array(this.#consumerMap.buffer, 0, 1);
    this.#producerPos = new BigUint64Array(this.#producerMap.buffer, 0, 1);
    this.#data = new Uint8Array(this.#producerMap.buffer, page, 2 * size);
    this.#header = new Uint32Array(this.#producerMap.buffer, page, (2 * size) / 4);
  }

  /** Bytes committed but not yet consumed (including headers and discarded records). */
  get pending(): number {
    if (this.#closed) return 0;
    return Number(Atomics.load(this.#producerPos, 0) - Atomics.load(this.#consumerPos, 0));
  }

  /**
   * Consumes every committed record, in order, up to the first one still being written, and keeps
   * going while the producer adds more (as libbpf's ring_buffer__consume does), so one call drains
   * everything available. Returns the samples; discarded records are skipped. `limit` bounds how
   * many are taken.
   *
   * Cost per record is one header load: the committed span is copied out in one piece (the data
   * area is mapped twice, so it is contiguous) and the samples are views into that private copy;
   * consumer_pos is advanced once per span, right after the copy.
   */
  consume(limit = Infinity): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.#closed) return out;
    // Positions stay far below 2^53 (that many bytes would take centuries), so Numbers are exact.
    let cons = Number(Atomics.load(this.#consumerPos, 0));
    for (;;) {
      const prod = Number(Atomics.load(this.#producerPos, 0));
      const start = cons;
      const spans: number[] = [];
      // At most `size` bytes are ever uncommitted-or-unconsumed, so the span fits the mapping.
      while (cons < prod && out.length + spans.length / 2 < limit) {
        const at = cons % this.size;
        const word = Atomics.load(this.#header, at / 4);
        if (word & BUSY_BIT) break;
        const len = word & ~(BUSY_BIT | DISCARD_BIT);
        if (!(word & DISCARD_BIT)) spans.push(cons - start + HEADER, len);
        cons += (len + HEADER + 7) & ~7;
      }
      if (cons === start) return out;
      const at = start % this.size;
      const copy = this.#data.slice(at, at + (cons - start));
      Atomics.store(this.#consumerPos, 0, BigInt(cons));
      for (let i = 0; i < spans.length; i += 2)
        out.push(copy.subarray(spans[i]!, spans[i]! + spans[i + 1]!));
      if (out.length >= limit) return out;
    }
  }

  /** Unmaps both regions (idempotent). The map fd belongs to the caller. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#producerMap.unmap();
    this.#consumerMap.unmap();
  }
}
