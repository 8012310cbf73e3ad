/**
 * User-space producer of a kernel BPF_MAP_TYPE_USER_RINGBUF, writing the shared memory directly as
 * libbpf's user_ring_buffer__reserve / __submit do (kernel/bpf/ringbuf.c, ringbuf_map_mmap_user and
 * __bpf_user_ringbuf_peek).
 *
 * Memory layout of the map fd's mmap space (the kernel ring buffer's, with the roles swapped):
 *
 *   offset 0            one page, read-only for user space: consumer_pos (the kernel advances it)
 *   offset PAGE         one page, RW: producer_pos; then the data area (max_entries bytes) mapped
 *                       twice in a row, RW, so a sample that wraps is contiguous in our mapping
 *
 * A sample is an 8-byte header at `data + (producer_pos & mask)` (u32 length, with
 * BPF_RINGBUF_BUSY_BIT while it is being written; u32 pad), then the bytes, taking
 * round_up(length + 8, 8) bytes. Writing one: check the free space against consumer_pos (an
 * Atomics.load: acquire), store the header with the busy bit and advance producer_pos (reserving
 * the space), copy the bytes, then store the length without the busy bit (Atomics.store: release,
 * so the kernel sees the bytes once it sees the header clear).
 *
 * Consumes a user ring buffer map fd and its max_entries; produces nothing but the samples it
 * writes. Invariant: no view into the mapping escapes; after `close()` nothing writes it.
 */
import { MappedRegion, pageSize } from "./sys/native.ts";

/** BPF_RINGBUF_BUSY_BIT / DISCARD_BIT (uapi linux/bpf.h): a length must stay below them. */
const BUSY_BIT = 1 << 31;
const MAX_SAMPLE = (1 << 30) - 1;
const HDR = 8;

/** Writes samples into a kernel user ring buffer. */
export class UserRingBufferWriter {
  readonly #consumerMap: MappedRegion;
  readonly #producerMap: MappedRegion;
  readonly #consumerPos: BigUint64Array;
  readonly #producerPos: BigUint64Array;
  readonly #data: Uint8Array;
  /** The data area as 32-bit words (headers are 8-byte aligned). */
  readonly #words: Int32Array;
  #closed = false;

  constructor(
    readonly fd: number,
    readonly size: number,
    /** Map name, for messages. */
    readonly name: string,
  ) {
    if (size <= 0 || (size & (size - 1)) !== 0)
      throw new Error(`user ring buffer "${name}": size ${size} is not a power of two`);
    const page = pageSize();
    this.#consumerMap = new MappedRegion(fd, page, 0, false, `mapping consumer page of "${name}"`);
    try {
      this.#producerMap = new MappedRegion(
        fd,
        page + 2 * size,
        page,
        true,
        `mapping data of user ring buffer "${name}"`,
      );
    } catch (e) {
      this.#consumerMap.unmap();
      throw e;
    }
    this.#consumerPos = new BigUint64Array(this.#consumerMap.buffer, 0, 1);
    this.#producerPos = new BigUint64Array(this.#producerMap.buffer, 0, 1);
    this.#data = new Uint8Array(this.#producerMap.buffer, page, 2 * size);
    this.#words = new Int32Array(this.#producerMap.buffer, page, (2 * size) / 4);
  }

  /** Free bytes (a sample takes round_up(length + 8, 8)). */
  get free(): number {
    if (this.#closed) return 0;
    const used = Atomics.load(this.#producerPos, 0) - Atomics.load(this.#consumerPos, 0);
    return this.size - Number(used);
  }

  /** Writes one sample; false when the buffer has no room for it now (nothing is written). */
  write(sample: Uint8Array): boolean {
    if (this.#closed) throw new Error(`user ring buffer "${this.name}" is closed`);
    if (sample.length > MAX_SAMPLE || sample.length + HDR > this.size)
      throw new Error(
        `user ring buffer "${this.name}": a ${sample.length}-byte sample cannot fit in ${this.size} bytes`,
      );
    const total = (sample.length + HDR + 7) & ~7;
    if (total > this.free) return false;
    const prod = Atomics.load(this.#producerPos, 0);
    const at = Number(prod & BigInt(this.size - 1));
    Atomics.store(this.#words, at / 4, sample.length | BUSY_BIT);
    this.#words[at / 4 + 1] = 0;
    Atomics.store(this.#producerPos, 0, prod + BigInt(total));
    this.#data.set(sample, at + HDR);
    Atomics.store(this.#words, at / 4, sample.length);
    return true;
  }

  /** Unmaps both regions (idempotent). The map fd belongs to the caller. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#producerMap.unmap();
    this.#consumerMap.unmap();
  }
}
