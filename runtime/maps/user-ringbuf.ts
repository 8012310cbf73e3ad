/**
 * BPF_MAP_TYPE_USER_RINGBUF (kernel/bpf/ringbuf.c): a ring buffer that user space produces into and
 * programs drain with bpf_user_ringbuf_drain.
 *
 * Consumes a `MapSpec` (key and value size 0, max_entries a power-of-2 byte size); produces a FIFO
 * of samples. The host writes samples (`write`, as tsbpf/user's writer does into the kernel's
 * mapping) and each takes round_up(len + 8, 8) bytes of the buffer (the kernel's header and
 * alignment), so a full buffer refuses a sample as the kernel's would. It has no elements (a
 * RecordStreamMap: updates and deletes are -ENOTSUPP, as the kernel's map ops answer); `take` is
 * the drain helper's view.
 */
import { RecordStreamMap } from "./record-stream-map.ts";
import { Errno, MapError, round8, type MapSpec } from "./types.ts";

/** A user ring buffer of the VM. */
export class UserRingBufMap extends RecordStreamMap {
  readonly kind = "user_ringbuf";
  protected readonly elementErrno = Errno.ENOTSUPP;
  private readonly samples: Uint8Array[] = [];
  private used = 0;

  constructor(readonly spec: MapSpec) {
    super();
    const n = spec.maxEntries;
    if (spec.keySize !== 0 || spec.valueSize !== 0 || n < 4096 || (n & (n - 1)) !== 0)
      throw new MapError(
        `user_ringbuf map ${spec.name}: key and value sizes must be 0 and max_entries a power of two ≥ 4096`,
      );
  }

  /** Bytes the pending samples take (headers and padding included). */
  get pending(): number {
    return this.used;
  }

  /** Appends a sample (copied); false when it does not fit in the free space. */
  write(sample: Uint8Array): boolean {
    const total = round8(sample.length + 8);
    if (this.used + total > this.spec.maxEntries) return false;
    this.samples.push(sample.slice());
    this.used += total;
    return true;
  }

  /** Removes and returns the oldest sample, or undefined when none is pending. */
  take(): Uint8Array | undefined {
    const s = this.samples.shift();
    if (s) this.used -= round8(s.length + 8);
    return s;
  }

  dispose(): void {
    this.samples.length = 0;
    this.used = 0;
  }
}
