/**
 * The two drain loops of the event consumers, as self-contained functions over views of the
 * shared memory: `drainRing` (BPF_MAP_TYPE_RINGBUF, layout in ring-buffer.ts) and `drainPerfRing`
 * (one CPU's ring of a perf event array, layout in perf-buffer.ts). The readers of this folder call
 * them on the Node thread; the drain worker (sys/drain-worker.ts) runs the very same functions on
 * its own thread, from their source text: so they reference nothing outside their own bodies (no
 * imports, no module constants).
 *
 * Consumes typed-array views of a mapping; produces private copies of the committed bytes with the
 * [start, length] of every sample in them, and advances the consumer position right after each
 * copy (release), so the kernel may reuse the space only once it is copied.
 */

/** A mapped ring buffer (ring-buffer.ts). */
export interface RingViews {
  readonly consumerPos: BigUint64Array;
  readonly producerPos: BigUint64Array;
  /** The data area, mapped twice in a row (2 * size bytes). */
  readonly data: Uint8Array;
  /** The same bytes as u32 words (record headers). */
  readonly header: Uint32Array;
  readonly size: number;
}

/**
 * Views of a ring buffer's two mappings: `consumer` (its first page, RW) and `producer` (the
 * producer page then the data area twice, from offset `page`).
 */
export function ringViews(
  consumer: ArrayBuffer,
  producer: ArrayBuffer,
  page: number,
  size: number,
): RingViews {
  return {
    consumerPos: new BigUint64Array(consumer, 0, 1),
    producerPos: new BigUint64Array(producer, 0, 1),
    data: new Uint8Array(producer, page, 2 * size),
    header: new Uint32Array(producer, page, (2 * size) / 4),
    size,
  };
}

/** A mapped perf ring: data_head and data_tail (u64 words at +1024), and the data area. */
export interface PerfViews {
  readonly head: BigUint64Array;
  readonly data: Uint8Array;
}

/**
 * Views of one perf event's mapping (`struct perf_event_mmap_page`, then the data pages): the data
 * area is where data_offset/data_size (+1040, +1048) say, or right after the meta page.
 */
export function perfViews(mapping: ArrayBuffer, page: number): PerfViews {
  const meta = new DataView(mapping, 0, page);
  const offset = Number(meta.getBigUint64(1040, true)) || page;
  const size = Number(meta.getBigUint64(1048, true)) || mapping.byteLength - page;
  return {
    head: new BigUint64Array(mapping, 1024, 2),
    data: new Uint8Array(mapping, offset, size),
  };
}

/** Records taken out of a buffer in one piece: a private copy, and `[start, length]` pairs. */
export interface DrainedSpan {
  readonly copy: Uint8Array;
  readonly samples: number[];
}

/**
 * Consumes every committed ring buffer record, up to the first one still being written, and goes on
 * while the producer adds more, until `limit` samples are taken. Discarded records are skipped.
 * Positions stay far below 2^53 (that many bytes would take centuries), so Numbers are exact.
 */
export function drainRing(r: RingViews, limit: number): DrainedSpan[] {
  const BUSY_BIT = 0x80000000;
  const DISCARD_BIT = 0x40000000;
  const HEADER = 8;
  const out: DrainedSpan[] = [];
  let taken = 0;
  let cons = Number(Atomics.load(r.consumerPos, 0));
  for (;;) {
    const prod = Number(Atomics.load(r.producerPos, 0));
    const start = cons;
    const samples: number[] = [];
    // At most `size` bytes are ever uncommitted-or-unconsumed, so the span fits the mapping.
    while (cons < prod && taken < limit) {
      const word = Atomics.load(r.header, (cons % r.size) / 4);
      if (word & BUSY_BIT) break;
      const len = word & ~(BUSY_BIT | DISCARD_BIT);
      if (!(word & DISCARD_BIT)) {
        samples.push(cons - start + HEADER, len);
        taken++;
      }
      cons += (len + HEADER + 7) & ~7;
    }
    if (cons === start) return out;
    const at = start % r.size;
    const copy = r.data.slice(at, at + (cons - start));
    Atomics.store(r.consumerPos, 0, BigInt(cons));
    if (samples.length > 0) out.push({ copy, samples });
    if (taken >= limit) return out;
  }
}

/** What `drainPerfRing` took out of one CPU's perf ring. */
export interface PerfDrain {
  readonly spans: DrainedSpan[];
  /** Samples PERF_RECORD_LOST records reported lost. */
  readonly lost: bigint;
}

/**
 * Consumes every complete record of one CPU's perf ring (`head`: data_head, data_tail as u64 words
 * at +1024 of the meta page; `data`: the data area): the span from tail to head is copied out in
 * one piece (two at the wrap) and data_tail advanced; read again while the head moves.
 */
export function drainPerfRing(head: BigUint64Array, data: Uint8Array): PerfDrain {
  const PERF_RECORD_LOST = 2;
  const PERF_RECORD_SAMPLE = 9;
  const spans: DrainedSpan[] = [];
  let lost = 0n;
  const size = data.length;
  for (;;) {
    const h = Atomics.load(head, 0);
    const t = Atomics.load(head, 1);
    if (h <= t) break;
    const len = Number(h - t);
    const at = Number(t % BigInt(size));
    const copy = new Uint8Array(len);
    const first = Math.min(len, size - at);
    copy.set(data.subarray(at, at + first), 0);
    if (first < len) copy.set(data.subarray(0, len - first), first);
    const view = new DataView(copy.buffer);
    const samples: number[] = [];
    let p = 0;
    while (p + 8 <= len) {
      const type = view.getUint32(p, true);
      const recSize = view.getUint16(p + 6, true);
      if (recSize < 8 || p + recSize > len) break; // malformed: never loop on it
      if (type === PERF_RECORD_SAMPLE && recSize >= 12) {
        samples.push(p + 12, Math.min(view.getUint32(p + 8, true), recSize - 12));
      } else if (type === PERF_RECORD_LOST && recSize >= 24) {
        lost += view.getBigUint64(p + 16, true);
      }
      p += recSize;
    }
    Atomics.store(head, 1, h);
    if (samples.length > 0) spans.push({ copy, samples });
  }
  return { spans, lost };
}
