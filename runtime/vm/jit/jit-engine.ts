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
import { RunContext, checkBudget, entryArgs } from "../run-context.ts";
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
  const rc = new RunContext(memory, helpers, args[0]!);
  const st = new JitState(rc, memory);
  st.budget = budget;
  st.left = budget;
  try {
    let prog = program;
    let entry: readonly bigint[] = args;
    for (;;) {
      const fn = compileProgram(prog);
      setArgs(st, entry);
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
