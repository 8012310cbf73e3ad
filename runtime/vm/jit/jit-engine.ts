/**
 * The JIT engine: compiles each `EngineProgram` once to a JavaScript function and runs it.
 *
 * Consumes a program, a `VmMemory` (the generated code reads its region table directly), helpers and
 * run options; produces the same `RunResult` and the same `VmError` texts as the reference interpreter.
 *
 * Invariants: compiled code is cached per program object (WeakMap), so programs must not be mutated
 * after their first run (they are readonly by contract); a run's stack regions are unmapped when it
 * ends, whether it exits or throws; tail calls switch compiled functions in the driver loop.
 */
import { VmError } from "../contract.ts";
import type {
  Engine,
  EngineProgram,
  HelperTable,
  Memory,
  RunOptions,
  RunResult,
} from "../contract.ts";
import { VmMemory } from "../memory.ts";
import { slotOffsets } from "../../../core/isa/index.ts";
import { MAX_CALL_FRAMES, RunContext, VmMessages, checkBudget, entryArgs } from "../run-context.ts";
import { generateSource } from "./codegen.ts";
import { JIT_RUNTIME, JitState, joinHalves } from "./runtime.ts";

/** A compiled program: returns 0 on exit, 1 when a helper requested a tail call. */
export type JitFunction = (st: JitState) => number;

const cache = new WeakMap<EngineProgram, JitFunction>();

/** Compiles (or fetches from the cache) the JS function of a program. */
export function compileProgram(program: EngineProgram): JitFunction {
  let fn = cache.get(program);
  if (fn === undefined) {
    const source = generateSource(program.insns, program.name);
    // The source is generated from table templates with numeric fields only; no user text is spliced
    // in except the sanitised program name.
    fn = new Function("rt", source)(JIT_RUNTIME) as JitFunction;
    cache.set(program, fn);
  }
  return fn;
}

function setArgs(st: JitState, args: readonly bigint[]): void {
  for (let i = 0; i < 5; i++) {
    const v = args[i] ?? 0n;
    st.args[2 * i] = Number(BigInt.asIntN(32, v));
    st.args[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
  }
}

const slotCounts = new WeakMap<EngineProgram, number>();

function slotCount(program: EngineProgram): number {
  let n = slotCounts.get(program);
  if (n === undefined) {
    n = slotOffsets(program.insns)[program.insns.length]!;
    slotCounts.set(program, n);
  }
  return n;
}

/**
 * Runs the subprogram at `slot` of `program` for a callback helper: the compiled function entered
 * at that slot, one frame deeper than the helper's caller (`st.depth`), with r1–r5 = `args`; the
 * budget continues in `st.left`. Returns its r0; the caller's entry state is restored.
 */
function invoke(
  st: JitState,
  program: EngineProgram,
  slot: number,
  args: readonly bigint[],
  pc: number,
): bigint {
  const depth = st.depth + 1;
  if (depth >= MAX_CALL_FRAMES) throw new VmError(VmMessages.callDepth(), pc);
  const saved = { args: st.args.slice(), pc0: st.pc0, depth0: st.depth0, stack0: st.stack0 };
  const savedDepth = st.depth;
  setArgs(st, args);
  st.pc0 = slot;
  st.depth0 = depth;
  st.stack0 = st.rc.enterFrame(depth).id;
  try {
    if (compileProgram(program)(st) !== 0) throw new VmError(VmMessages.tailCallInCallback(), pc);
    return joinHalves(st.r0l, st.r0h);
  } finally {
    st.args.set(saved.args);
    st.pc0 = saved.pc0;
    st.depth0 = saved.depth0;
    st.stack0 = saved.stack0;
    st.depth = savedDepth;
  }
}

/** Runs a program through the JIT (see the file header). */
export function runJit(
  program: EngineProgram,
  memory: Memory,
  helpers: HelperTable,
  options: RunOptions = {},
): RunResult {
  if (!(memory instanceof VmMemory)) {
    throw new VmError("the JIT engine needs a VmMemory (use createMemory())", -1);
  }
  const budget = checkBudget(options.budget);
  const args = entryArgs(options.args);
  const rc = new RunContext(memory, helpers, args[0]!, options.legacyPacket);
  const st = new JitState(rc, memory);
  st.budget = budget;
  st.left = budget;
  let prog = program;
  rc.invoker = (slot, cbArgs, pc) => invoke(st, prog, slot, cbArgs, pc);
  try {
    let entry: readonly bigint[] = args;
    for (;;) {
      const fn = compileProgram(prog);
      rc.programSlots = slotCount(prog);
      setArgs(st, entry);
      st.pc0 = 0;
      st.depth0 = 0;
      st.stack0 = rc.enterFrame(0).id;
      if (fn(st) === 0) return { r0: joinHalves(st.r0l, st.r0h), executed: budget - st.left };
      prog = st.tail!;
      entry = [st.tailCtx];
      st.tail = null;
    }
  } finally {
    rc.release();
  }
}

/** The JIT as an `Engine`. */
export const jitEngine: Engine = { kind: "jit", run: runJit };
