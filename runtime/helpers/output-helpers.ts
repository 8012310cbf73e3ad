/**
 * Helpers that move data out of a program or hand control to another: bpf_ringbuf_output / reserve /
 * submit / discard / query, bpf_perf_event_output, bpf_tail_call (kernel/bpf/ringbuf.c,
 * kernel/trace/bpf_trace.c, kernel/bpf/core.c).
 *
 * bpf_ringbuf_submit/discard take the record pointer only; the VM finds the ring that reserved it (a
 * pointer that is no outstanding reservation is a VmError: the verifier tracks these references).
 * bpf_tail_call returns -ENOENT (and the program continues) when the slot is empty or out of range;
 * otherwise it asks the engine to jump, and the engine enforces the 33-call limit.
 */
import { Errno, PerfEventArrayMap, ProgArrayMap, RingBufMap } from "../maps/index.ts";
import type { HelperImpl } from "./types.ts";
import { errno, helperError, mapArg, numArg } from "./types.ts";

function ringbufArg(
  call: Parameters<HelperImpl["fn"]>[0],
  env: Parameters<HelperImpl["fn"]>[1],
  helper: string,
): RingBufMap {
  const m = mapArg(call, env, 1, helper);
  if (!(m instanceof RingBufMap))
    throw helperError(helper, `map ${m.spec.name} is not a ring buffer`);
  return m;
}

function commit(discard: boolean): HelperImpl["fn"] {
  const helper = discard ? "ringbuf_discard" : "ringbuf_submit";
  return (call, env) => {
    for (const m of env.maps.all()) {
      if (m instanceof RingBufMap && m.commit(call.args[0], discard)) return 0n;
    }
    throw helperError(
      helper,
      `r1 (0x${call.args[0].toString(16)}) is not a reserved ring buffer record`,
    );
  };
}

/** The output and tail-call helpers. */
export const OUTPUT_HELPERS: readonly HelperImpl[] = [
  {
    name: "ringbuf_output",
    fn(call, env) {
      const rb = ringbufArg(call, env, "ringbuf_output");
      const data = call.memory.read(call.args[1], numArg(call, 3));
      return BigInt(rb.output(data, Number(BigInt.asUintN(32, call.args[3]))));
    },
  },
  {
    name: "ringbuf_reserve",
    fn(call, env) {
      const rb = ringbufArg(call, env, "ringbuf_reserve");
      if (call.args[1] > 0xffffffffn || call.args[2] !== 0n) return 0n;
      return rb.reserve(numArg(call, 2), 0);
    },
  },
  { name: "ringbuf_submit", fn: commit(false) },
  { name: "ringbuf_discard", fn: commit(true) },
  {
    name: "ringbuf_query",
    fn(call, env) {
      const rb = ringbufArg(call, env, "ringbuf_query");
      return call.args[1] > 3n ? 0n : rb.query(numArg(call, 2));
    },
  },
  {
    name: "perf_event_output",
    fn(call, env) {
      // long bpf_perf_event_output(void *ctx, struct bpf_map *map, u64 flags, void *data, u64 size)
      const m = mapArg(call, env, 2, "perf_event_output");
      if (!(m instanceof PerfEventArrayMap)) {
        throw helperError("perf_event_output", `map ${m.spec.name} is not a perf event array`);
      }
      if (call.args[4] > 0xffffffffn) return errno(Errno.E2BIG);
      const data = call.memory.read(call.args[3], numArg(call, 5));
      return BigInt(m.output(call.args[2], data));
    },
  },
  {
    name: "tail_call",
    fn(call, env) {
      // long bpf_tail_call(void *ctx, struct bpf_map *prog_array_map, u32 index)
      const m = mapArg(call, env, 2, "tail_call");
      if (!(m instanceof ProgArrayMap)) {
        throw helperError("tail_call", `map ${m.spec.name} is not a prog array`);
      }
      const index = numArg(call, 3);
      const target = index < m.spec.maxEntries ? m.program(index) : undefined;
      if (!target) return errno(Errno.ENOENT);
      call.tailCall(target);
      return 0n;
    },
  },
];
