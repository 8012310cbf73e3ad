/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY as seen through bpf_perf_event_output (kernel/trace/bpf_trace.c):
 * one perf buffer per CPU slot, each collecting the samples programs send to it.
 *
 * Consumes a `MapSpec` (key and value size 4; max_entries 0 means "one per possible CPU", as libbpf
 * fills in); produces a map whose `output()` follows the helper's rules: the slot is
 * `flags & BPF_F_INDEX_MASK`, or the current CPU for BPF_F_CURRENT_CPU; a slot ≥ max_entries is -E2BIG;
 * flag bits other than the index and BPF_F_CTXLEN_MASK are -EINVAL. Every slot behaves as if user
 * space had opened a perf buffer on it. The VM keeps samples whole (no perf ring wrap-around); the
 * context bytes that BPF_F_CTXLEN_MASK asks for are not appended (no skb payload in the VM).
 */
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import { Errno, MapError, type MapContext, type MapSpec } from "./types.ts";
import { RecordStreamMap } from "./record-stream-map.ts";

/** One sample as user space's perf buffer callback would receive it. */
export interface PerfRecord {
  /** The perf buffer (CPU slot) it went to. */
  readonly cpu: number;
  readonly data: Uint8Array;
}

const INDEX_MASK = BigInt(BPF_CONSTANTS.BPF_F_INDEX_MASK);
const CTXLEN_MASK = BigInt(BPF_CONSTANTS.BPF_F_CTXLEN_MASK);

/** A perf event array. */
export class PerfEventArrayMap extends RecordStreamMap {
  readonly kind = "perf_event_array";
  protected readonly elementErrno = Errno.EINVAL;
  readonly spec: MapSpec;
  private records: PerfRecord[] = [];

  constructor(
    spec: MapSpec,
    private readonly ctx: MapContext,
  ) {
    super();
    if (spec.keySize !== 4 || spec.valueSize !== 4) {
      throw new MapError(`perf_event_array map ${spec.name}: key and value sizes must be 4`);
    }
    this.spec = spec.maxEntries > 0 ? spec : { ...spec, maxEntries: ctx.cpus.count };
  }

  /** bpf_perf_event_output's map side: 0 or -errno. */
  output(flags: bigint, data: Uint8Array): number {
    const f = BigInt.asUintN(64, flags);
    if ((f & ~(INDEX_MASK | CTXLEN_MASK)) !== 0n) return -Errno.EINVAL;
    let index = Number(f & INDEX_MASK);
    if (index === BPF_CONSTANTS.BPF_F_CURRENT_CPU) index = this.ctx.cpus.current;
    if (index >= this.spec.maxEntries) return -Errno.E2BIG;
    this.records.push({ cpu: index, data: data.slice() });
    return 0;
  }

  /** Samples not yet drained, in the order they were written. */
  pending(): readonly PerfRecord[] {
    return this.records;
  }

  /** Removes and returns every sample. */
  drain(): PerfRecord[] {
    const out = this.records;
    this.records = [];
    return out;
  }

  dispose(): void {
    this.records = [];
  }
}
