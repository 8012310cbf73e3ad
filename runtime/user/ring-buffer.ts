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
import { drainRing, ringViews, type RingViews } from "./drain.ts";
import { MappedRegion, pageSize } from "./sys/native.ts";

/** Reads committed samples out of a kernel ring buffer. */
export class RingBufferReader {
  readonly #consumerMap: MappedRegion;
  readonly #producerMap: MappedRegion;
  /** The mapping as views, for `drainRing` (valid until `close()`). */
  readonly #views: RingViews;
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
    this.#views = ringViews(this.#consumerMap.buffer, this.#producerMap.buffer, page, size);
  }

  /** Bytes committed but not yet consumed (including headers and discarded records). */
  get pending(): number {
    if (this.#closed) return 0;
    const v = this.#views;
    return Number(Atomics.load(v.producerPos, 0) - Atomics.load(v.consumerPos, 0));
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
    for (const { copy, samples } of drainRing(this.#views, limit)) {
      for (let i = 0; i < samples.length; i += 2)
        out.push(copy.subarray(samples[i]!, samples[i]! + samples[i + 1]!));
    }
    return out;
  }

  /** Unmaps both regions (idempotent). The map fd belongs to the caller. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#producerMap.unmap();
    this.#consumerMap.unmap();
  }
}
