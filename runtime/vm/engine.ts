/**
 * Engine selection: the reference interpreter and the JIT behind one lookup.
 *
 * Consumes an engine kind; produces the `Engine` (runtime/vm/contract.ts) implementing it. Both engines
 * share semantics and error texts (run-context.ts), so callers may switch freely; the JIT is the
 * default for speed, the interpreter for debugging and differential testing.
 */
import { checkSubprograms, type Insn } from "../../core/isa/index.ts";
import { VmError } from "./contract.ts";
import type { Engine, EngineProgram, HelperTable, RunResult } from "./contract.ts";
import { createMemory } from "./memory.ts";
import { interpreterEngine } from "./interpreter.ts";
import { jitEngine } from "./jit/jit-engine.ts";

/** Every engine by kind. */
export const ENGINES: Readonly<Record<Engine["kind"], Engine>> = {
  interpreter: interpreterEngine,
  jit: jitEngine,
};

/** The engine of a kind (default: the JIT). */
export function getEngine(kind: Engine["kind"] = "jit"): Engine {
  return ENGINES[kind];
}

/** Options of `runWithInput`. */
export interface InputRunOptions {
  readonly engine?: Engine["kind"];
  readonly budget?: number;
}

/**
 * Runs a bare program the way bpf_conformance and ubpf do: r1 = address of a private writable copy of
 * `input` and r2 = its length, or r1 = r2 = 0 without input. Used by the conformance tests and the
 * `conformance-plugin` command.
 */
export function runWithInput(
  insns: readonly Insn[],
  input: Uint8Array | null,
  helpers: HelperTable,
  options: InputRunOptions = {},
): RunResult {
  // Load-time check, as ubpf's load: a jump from one function into another is refused before it runs.
  const bad = checkSubprograms(insns)[0];
  if (bad) throw new VmError(`invalid program: ${bad.message}`, bad.slot);
  const memory = createMemory();
  const program: EngineProgram = { name: "main", insns };
  let args: bigint[] = [0n, 0n];
  if (input !== null) {
    const region = memory.map(input.slice(), { writable: true, kind: "input", name: "input" });
    args = [region.base, BigInt(input.length)];
  }
  return getEngine(options.engine).run(program, memory, helpers, { args, budget: options.budget });
}
