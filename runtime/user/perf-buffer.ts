/**
 * User-space consumer of a BPF_MAP_TYPE_PERF_EVENT_ARRAY: one PERF_COUNT_SW_BPF_OUTPUT event per
 * online CPU, each with an mmap'ed ring, installed into the map at index = CPU, as libbpf's
 * perf_buffer__new does (include/uapi/linux/perf_event.h; kernel Documentation/bpf/map_perf_event_array.rst).
 *
 * Per-CPU ring layout (`struct perf_event_mmap_page`, then 2^n data pages):
 *
 *   +1024 data_head (u64, written by the kernel)    +1032 data_tail (u64, written by us)
 *   +1040 data_offset (u64)                          +1048 data_size (u64)
 *
 * Records are `struct perf_event_header { u32 type; u16 misc; u16 size; }` followed by the body;
 * PERF_RECORD_SAMPLE (9) with PERF_SAMPLE_RAW carries `u32 size; u8 data[size]` (the BPF program's
 * bytes, padded to keep 8-byte alignment); PERF_RECORD_LOST (2) carries `u64 id; u64 lost`.
 * A record may wrap around the end of the data area: it is copied out in two parts.
 * data_head is read with Atomics.load (acquire, the smp_rmb the uapi comment asks for) and
 * data_tail stored with Atomics.store (release, the smp_mb before the write).
 *
 * Consumes a `KernelMap` of type perf_event_array. Produces `PerfSample`s (copies) and a lost count.
 * Invariant: `close()` removes our entries from the map, unmaps, and closes every perf fd.
 */
import type { KernelMap } from "../loader/index.ts";
import { drainPerfRing, perfViews, type PerfViews } from "./drain.ts";
import { closeFd, ioctlOrThrow, MappedRegion, pageSize, perfEventOpenRaw } from "./sys/native.ts";
import { readFileSync } from "node:fs";

const PERF_TYPE_SOFTWARE = 1;
const PERF_COUNT_SW_BPF_OUTPUT = 10;
const PERF_SAMPLE_RAW = 1 << 10;
const PERF_EVENT_IOC_ENABLE = 0x2400;
/** PERF_ATTR_SIZE_VER2: every kernel since 3.x accepts it. */
const ATTR_SIZE = 80;

/** One sample from a perf buffer. */
export interface PerfSample {
  readonly cpu: number;
  readonly data: Uint8Array;
}

interface CpuRing extends PerfViews {
  readonly cpu: number;
  readonly fd: number;
  readonly region: MappedRegion;
}

function onlineCpus(): number[] {
  const out: number[] = [];
  for (const part of readFileSync("/sys/devices/system/cpu/online", "utf8").trim().split(",")) {
    const [lo, hi] = part.split("-").map(Number);
    for (let c = lo!; c <= (hi ?? lo!); c++) out.push(c);
  }
  return out;
}

function bpfOutputAttr(): Uint8Array {
  const attr = new Uint8Array(ATTR_SIZE);
  const v = new DataView(attr.buffer);
  v.setUint32(0, PERF_TYPE_SOFTWARE, true);
  v.setUint32(4, ATTR_SIZE, true);
  v.setBigUint64(8, BigInt(PERF_COUNT_SW_BPF_OUTPUT), true);
  v.setBigUint64(16, 1n, true); // sample_period
  v.setBigUint64(24, BigInt(PERF_SAMPLE_RAW), true);
  v.setUint32(48, 1, true); // wakeup_events: wake the poller on every sample
  return attr;
}

/** Reads samples a program sends with bpf_perf_event_output. */
export class PerfBufferReader {
  readonly #rings: CpuRing[] = [];
  #lost = 0n;
  #closed = false;

  /**
   * Opens one event and ring per online CPU (`pages` data pages each, a power of two; 64, 256 KiB
   * with 4 KiB pages, as libbpf-tools' PERF_BUFFER_PAGES).
   */
  constructor(
    readonly map: KernelMap,
    pages = 64,
  ) {
    if (pages <= 0 || (pages & (pages - 1)) !== 0)
      throw new Error(`perf buffer pages must be a power of two, got ${pages}`);
    const page = pageSize();
    const attr = bpfOutputAttr();
    try {
      for (const cpu of onlineCpus()) {
        if (cpu >= map.maxEntries) continue;
        const what = `perf buffer of map "${map.name}" on CPU ${cpu}`;
        const fd = perfEventOpenRaw(attr, -1, cpu, what);
        let region: MappedRegion;
        try {
          region = new MappedRegion(fd, page * (pages + 1), 0, true, what);
        } catch (e) {
          closeFd(fd);
          throw e;
        }
        this.#rings.push({ cpu, fd, region, ...perfViews(region.buffer, page) });
        ioctlOrThrow(fd, PERF_EVENT_IOC_ENABLE, 0, what);
        const key = new Uint8Array(4);
        const value = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, cpu, true);
        new DataView(value.buffer).setUint32(0, fd, true);
        map.update(key, value);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** The perf event fds (to wait on). */
  get fds(): number[] {
    return this.#rings.map((r) => r.fd);
  }

  /** Each CPU's event fd and the length of its mapping (for the drain worker to map it too). */
  get rings(): { cpu: number; fd: number; length: number }[] {
    return this.#rings.map((r) => ({ cpu: r.cpu, fd: r.fd, length: r.region.length }));
  }

  /** Samples the kernel reported lost (ring full) so far. */
  get lost(): bigint {
    return this.#lost;
  }

  /**
   * Consumes every complete record of every CPU's ring: the span from data_tail to data_head is
   * copied out in one piece (two at the wrap), data_tail advanced, and the samples are views into
   * that private copy. A ring is read again while its head moves, so one call drains it.
   */
  consume(): PerfSample[] {
    const out: PerfSample[] = [];
    if (this.#closed) return out;
    for (const r of this.#rings) {
      const { spans, lost } = drainPerfRing(r.head, r.data);
      this.#lost += lost;
      for (const { copy, samples } of spans) {
        for (let i = 0; i < samples.length; i += 2)
          out.push({ cpu: r.cpu, data: copy.subarray(samples[i]!, samples[i]! + samples[i + 1]!) });
      }
    }
    return out;
  }

  /** Removes our entries from the map, unmaps and closes (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#rings.splice(0)) {
      try {
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, r.cpu, true);
        this.map.delete(key);
      } catch {
        // the map may already be closed; closing the event fd below releases it anyway
      }
      r.region.unmap();
      closeFd(r.fd);
    }
  }
}
