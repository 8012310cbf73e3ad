/**
 * Kernel fixture: the core map kinds, each used as programs use it. `dispatch` tail-calls through a
 * ProgArray filled at load time (libbpf's `.values`: slot 0 drops, slot 1 bounces the frame back,
 * slot 2 is empty) by the frame's first byte; `report` sends a sample with the frame's length and
 * first byte through a PerfEventArray; `perCpu` counts its runs in a PerCpuHash (one value per
 * CPU); `remember` inserts its second argument into a four-entry LruHash, which evicts the least
 * recently used key when full. test/kernel/core-maps.test.ts runs them on the kernel
 * (BPF_PROG_TEST_RUN) and in the VM.
 */
import {
  LruHash,
  PerCpuHash,
  PerfEventArray,
  ProgArray,
  XDP_ABORTED,
  XDP_DROP,
  XDP_PASS,
  XDP_TX,
  rawTracepoint,
  xdp,
  xdpGetBuffLen,
  u32,
  u64,
  type u8,
} from "tsbpf";

interface Sample {
  len: u32;
  first: u32;
}

export const drop = xdp(() => XDP_DROP);
export const bounce = xdp(() => XDP_TX);
export const jumps = new ProgArray({ maxEntries: 3, values: [drop, bounce, null] });
export const events = new PerfEventArray<Sample>({ maxEntries: 64 });
export const runs = new PerCpuHash<u32, u64>({ maxEntries: 4 });
export const recent = new LruHash<u64, u64>({ maxEntries: 4 });

/** Tail-calls slot `frame[0]`; XDP_PASS when the slot is empty or out of range. */
export const dispatch = xdp((ctx) => {
  const b = ctx.header<u8>(0);
  jumps.tailCall(ctx, b === null ? 9 : b.value);
  return XDP_PASS;
});

/** One sample per run; XDP_ABORTED when bpf_perf_event_output fails (no reader on this CPU). */
export const report = xdp((ctx) => {
  const b = ctx.header<u8>(0);
  const s: Sample = { len: u32(xdpGetBuffLen(ctx)), first: b === null ? 0 : b.value };
  return events.output(ctx, s) === 0 ? XDP_PASS : XDP_ABORTED;
});

/** This CPU's run count after this run. */
export const perCpu = rawTracepoint("sys_enter", () => {
  const v = runs.lookup(0);
  if (v === null) {
    runs.update(0, 1);
    return 1;
  }
  v.value += 1;
  return v.value;
});

/** Inserts `key` (the second argument) with value key + 100. */
export const remember = rawTracepoint("sys_enter", (ctx, regs, key) => {
  const k = u64(key);
  recent.update(k, k + 100);
  return 0;
});

export const license = "GPL";
