/**
 * bpf_get_stackid and bpf_get_stack (kernel/bpf/stackmap.c): walk the current kernel or user call
 * stack and store it in a stack trace map by id, or copy it into a program buffer.
 *
 * Consumes the fake process's `kernelStack` / `userStack` (runtime/helpers/env.ts: u64 instruction
 * pointers, innermost first) in place of `get_perf_callchain`; produces a stack id or -errno
 * (bpf_get_stackid) and a byte count or -errno with the buffer written (bpf_get_stack).
 *
 * Kernel rules kept: flags outside the helper's set are -EINVAL; the low 8 bits are a count of
 * innermost frames to skip; the walk returns at most `depth + skip` frames, capped at
 * `PERF_MAX_STACK_DEPTH` (the sysctl kernel.perf_event_max_stack); bpf_get_stack returns the bytes
 * copied, zero-fills the rest of the buffer, and on error zero-fills all of it. A map argument that is
 * not a stack trace map, or a buffer that is not writable program memory, is what the verifier
 * rejects: a VmError.
 */
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import {
  Errno,
  PERF_MAX_STACK_DEPTH,
  STACK_BUILD_ID_SIZE,
  StackTraceMap,
  encodeFrames,
} from "../maps/index.ts";
import type { HelperCall } from "../vm/contract.ts";
import type { HelperEnv } from "./env.ts";
import type { HelperImpl } from "./types.ts";
import { errno, helperError, mapArg, numArg } from "./types.ts";

const C = BPF_CONSTANTS;
const SKIP_MASK = C.BPF_F_SKIP_FIELD_MASK;
/** Flags bpf_get_stackid accepts. */
const STACKID_FLAGS = BigInt(
  SKIP_MASK | C.BPF_F_USER_STACK | C.BPF_F_FAST_STACK_CMP | C.BPF_F_REUSE_STACKID,
);
/** Flags bpf_get_stack accepts. */
const GET_STACK_FLAGS = BigInt(SKIP_MASK | C.BPF_F_USER_STACK | C.BPF_F_USER_BUILD_ID);

/**
 * `get_perf_callchain` for the fake process: the first `maxDepth` frames of its user or kernel stack
 * (maxDepth already capped at PERF_MAX_STACK_DEPTH by the caller).
 */
export function walkStack(env: HelperEnv, user: boolean, maxDepth: number): readonly bigint[] {
  const stack = user ? env.process.userStack : env.process.kernelStack;
  return stack.slice(0, maxDepth);
}

function getStackId(call: HelperCall, env: HelperEnv): bigint {
  // long bpf_get_stackid(void *ctx, struct bpf_map *map, u64 flags)
  const m = mapArg(call, env, 2, "get_stackid");
  if (!(m instanceof StackTraceMap)) {
    throw helperError(
      "get_stackid",
      `map ${m.spec.name} is a ${m.kind} map, not a stack_trace map`,
    );
  }
  const flags = call.args[2];
  if ((flags & ~STACKID_FLAGS) !== 0n) return errno(Errno.EINVAL);
  const f = Number(flags);
  const maxDepth = Math.min(m.maxDepth + (f & SKIP_MASK), PERF_MAX_STACK_DEPTH);
  const trace = walkStack(env, (f & C.BPF_F_USER_STACK) !== 0, maxDepth);
  return BigInt(m.storeStack(trace, f));
}

function getStack(call: HelperCall, env: HelperEnv): bigint {
  // long bpf_get_stack(void *ctx, void *buf, u32 size, u64 flags)
  const buf = call.args[1];
  const size = numArg(call, 3);
  if (size > 0) call.memory.resolve(buf, size, true);
  const out = new Uint8Array(size);
  const fail = (err: number): bigint => {
    if (size > 0) call.memory.write(buf, out);
    return errno(err);
  };
  const flags = call.args[3];
  if ((flags & ~GET_STACK_FLAGS) !== 0n) return fail(Errno.EINVAL);
  const f = Number(flags);
  const user = (f & C.BPF_F_USER_STACK) !== 0;
  const buildId = (f & C.BPF_F_USER_BUILD_ID) !== 0;
  if (buildId && !user) return fail(Errno.EINVAL);
  const frameSize = buildId ? STACK_BUILD_ID_SIZE : 8;
  if (size % frameSize !== 0) return fail(Errno.EINVAL);
  const slots = size / frameSize;
  const skip = f & SKIP_MASK;
  const trace = walkStack(env, user, Math.min(slots + skip, PERF_MAX_STACK_DEPTH));
  if (trace.length < skip) return fail(Errno.EFAULT);
  const ips = trace.slice(skip, skip + slots);
  encodeFrames(ips, frameSize, out);
  if (size > 0) call.memory.write(buf, out);
  return BigInt(ips.length * frameSize);
}

/** The stack-walking helpers. */
export const STACK_HELPERS: readonly HelperImpl[] = [
  { name: "get_stackid", fn: getStackId },
  { name: "get_stack", fn: getStack },
];
