/**
 * The JIT's runtime support: the per-run state object the generated code reads and writes, and the
 * out-of-line operations it calls (faults, helper calls, BigInt div/mod, packet loads, frames).
 *
 * Consumes a `RunContext` (runtime/vm/run-context.ts) and a `VmMemory`; produces values through the
 * scratch fields `rl`/`rh` of `JitState` so no call allocates a result object. Every error text comes
 * from `VmMessages`/`describeAccessFault`, which the interpreter uses too.
 *
 * Helper calls try the helper's optional fast form first (contract `FastHelperFn`: register halves
 * in and out, no BigInt, no allocation) and fall back to the reference `HelperCall` path when it has
 * none or declines.
 *
 * Invariants: `JitState` has a fixed shape (all fields initialised in the constructor) so property
 * accesses in generated code stay monomorphic; registers cross this boundary as int32 halves.
 */
import { VmError } from "../contract.ts";
import type { EngineProgram } from "../contract.ts";
import { describeAccessFault } from "../memory.ts";
import type { RegionSlot, VmMemory } from "../memory.ts";
import { MAX_CALL_FRAMES, TAIL_CALL_REFUSED, VmMessages } from "../run-context.ts";
import type { RunContext } from "../run-context.ts";

/** Int32 words saved per call frame: return slot, r6–r9 halves, r10 halves. */
export const FRAME_WORDS = 12;

/** State of one JIT run, shared between the driver and the generated function. */
export class JitState {
  /** The region table (VmMemory.slots; grows, never replaced). */
  readonly slots: RegionSlot[];
  /** Instructions still allowed. */
  left = 0;
  /** The run's total budget (for messages and the executed count). */
  budget = 0;
  /** Scratch result of runtime calls (low / high half). */
  rl = 0;
  rh = 0;
  /** r0 at the final exit. */
  r0l = 0;
  r0h = 0;
  /** r1–r5 at entry, as int32 halves (index 2k = low of r(k+1)). */
  readonly args = new Int32Array(10);
  /** Region id of the entry frame's stack (frame 0, or a callback's frame). */
  stack0 = 0;
  /** Slot and call depth the compiled function starts at (0, 0; a callback's for `invoke`). */
  pc0 = 0;
  depth0 = 0;
  /** Call depth at the last callback helper call (set by generated code before it). */
  depth = 0;
  /** Saved caller state of each BPF-to-BPF call. */
  readonly frames = new Int32Array(MAX_CALL_FRAMES * FRAME_WORDS);
  /** The program a helper tail-called, with its ctx argument. */
  tail: EngineProgram | null = null;
  tailCtx = 0n;

  constructor(
    readonly rc: RunContext,
    readonly memory: VmMemory,
  ) {
    this.slots = memory.slots;
  }
}

/** 64-bit value of two int32 halves. */
export function joinHalves(l: number, h: number): bigint {
  return (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
}

function setResult(st: JitState, v: bigint): void {
  st.rl = Number(BigInt.asIntN(32, v));
  st.rh = Number(BigInt.asIntN(32, v >> 32n));
}

/** Unsigned high 32 bits of the 64-bit product of two unsigned 32-bit values (as int32). */
export function mulhu(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const m1 = a1 * b0;
  const m2 = a0 * b1;
  const mid = ((a0 * b0) >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16)) | 0;
}

/** 64-bit div (0), mod (1), sdiv (2), smod (3) with kernel semantics; result in st.rl/rh. */
export function div64(st: JitState, op: number, dl: number, dh: number, sl: number, sh: number) {
  const a = joinHalves(dl, dh);
  const b = joinHalves(sl, sh);
  let r: bigint;
  if (op === 0) r = b === 0n ? 0n : a / b;
  else if (op === 1) r = b === 0n ? a : a % b;
  else if (op === 2) r = b === 0n ? 0n : BigInt.asIntN(64, a) / BigInt.asIntN(64, b);
  else r = b === 0n ? a : BigInt.asIntN(64, a) % BigInt.asIntN(64, b);
  setResult(st, BigInt.asUintN(64, r));
}

/** Builds the VmError of a failed memory access at base (l, h) + off. */
export function fault(
  st: JitState,
  l: number,
  h: number,
  off: number,
  size: number,
  write: boolean,
  pc: number,
): VmError {
  const addr = BigInt.asUintN(64, joinHalves(l, h) + BigInt(off));
  return new VmError(describeAccessFault(st.memory, addr, size, write), pc);
}

/** Builds a VmError with a fixed message (budget, bad jump, r10 write, ...). */
export function fail(message: string, pc: number): VmError {
  return new VmError(message, pc);
}

/** Builds the budget error; `slots` are the block's instruction slots, `left` what remained. */
export function budgetFail(st: JitState, slots: readonly number[], left: number): VmError {
  return new VmError(VmMessages.budget(st.budget), slots[Math.max(0, left)] ?? slots[0]!);
}

/**
 * Calls the helper numbered (nl, nh) with r1–r5 halves. Returns 1 if it requested an accepted tail
 * call (then st.tail/tailCtx are set), else 0 with r0 in st.rl/rh.
 */
export function callHelper(
  st: JitState,
  nl: number,
  nh: number,
  pc: number,
  a1l: number,
  a1h: number,
  a2l: number,
  a2h: number,
  a3l: number,
  a3h: number,
  a4l: number,
  a4h: number,
  a5l: number,
  a5h: number,
): number {
  const rc = st.rc;
  if (nh === 0) {
    // Fast path (contract `FastHelperFn`): int32 halves in and out, no BigInt, no allocation.
    const fast = rc.fastHelper(nl);
    if (fast !== null) {
      const io = rc.fastCall;
      const A = io.args;
      A[0] = a1l;
      A[1] = a1h;
      A[2] = a2l;
      A[3] = a2h;
      A[4] = a3l;
      A[5] = a3h;
      A[6] = a4l;
      A[7] = a4h;
      A[8] = a5l;
      A[9] = a5h;
      if (rc.callFast(fast, pc)) {
        st.rl = io.rl | 0;
        st.rh = io.rh | 0;
        return 0;
      }
    }
  }
  const r1 = joinHalves(a1l, a1h);
  const r0 = rc.callHelper(joinHalves(nl, nh), pc, [
    r1,
    joinHalves(a2l, a2h),
    joinHalves(a3l, a3h),
    joinHalves(a4l, a4h),
    joinHalves(a5l, a5h),
  ]);
  const tail = rc.takeTailCall();
  if (tail) {
    st.tail = tail;
    st.tailCtx = r1;
    return 1;
  }
  setResult(st, rc.tailRefused ? TAIL_CALL_REFUSED : r0);
  return 0;
}

/** Maps/zeroes the stack of call depth `depth`; returns its region id (r10's high half). */
export function enterFrame(st: JitState, depth: number): number {
  return st.rc.enterFrame(depth).id;
}

/** ldabs/ldind: returns 1 with the value in st.rl/rh, or 0 when out of range (program exits with 0). */
export function loadPacket(st: JitState, offset: number, size: number): number {
  const v = st.rc.loadPacket(offset | 0, size);
  if (v === null) return 0;
  setResult(st, v);
  return 1;
}

/** The functions generated code receives, by name. */
export const JIT_RUNTIME = {
  mulhu,
  div64,
  fault,
  fail,
  budgetFail,
  callHelper,
  enterFrame,
  loadPacket,
  VmMessages,
} as const;
