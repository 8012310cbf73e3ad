/**
 * Test support: run assembly (suite syntax) on both engines and require identical outcomes.
 */
import { expect } from "vitest";
import { assembleText } from "../../core/conformance/index.ts";
import type { Insn } from "../../core/isa/index.ts";
import { createMemory, getEngine, VmError } from "../../runtime/vm/index.ts";
import type { HelperTable, RunOptions, RunResult } from "../../runtime/vm/index.ts";

/** What one engine did: a result or an error message. */
export type Outcome = { r0: bigint; executed: number } | { error: string };

/** Runs on one engine, turning VmError into an outcome (other errors propagate). */
export function runOn(
  kind: "interpreter" | "jit",
  insns: readonly Insn[],
  helpers: HelperTable = new Map(),
  options: RunOptions = {},
): Outcome {
  try {
    const r: RunResult = getEngine(kind).run(
      { name: "t", insns },
      createMemory(),
      helpers,
      options,
    );
    return { r0: r.r0, executed: r.executed };
  } catch (e) {
    if (e instanceof VmError) return { error: e.message };
    throw e;
  }
}

/** Runs on both engines, asserts they agree exactly, returns the outcome. */
export function runBoth(
  program: string | readonly Insn[],
  helpers?: HelperTable,
  options?: RunOptions,
): Outcome {
  const insns = typeof program === "string" ? assembleText(program) : program;
  const a = runOn("interpreter", insns, helpers, options);
  const b = runOn("jit", insns, helpers, options);
  expect(b).toEqual(a);
  return a;
}

/** Runs on both engines and returns r0 (fails the test on an error). */
export function r0Of(program: string, helpers?: HelperTable, options?: RunOptions): bigint {
  const o = runBoth(program, helpers, options);
  if ("error" in o) throw new Error(`unexpected VM error: ${o.error}`);
  return o.r0;
}

/** Runs on both engines and returns the error message (fails the test if it exits). */
export function errorOf(program: string, helpers?: HelperTable, options?: RunOptions): string {
  const o = runBoth(program, helpers, options);
  if (!("error" in o)) throw new Error(`expected a VM error, got r0 = ${o.r0}`);
  return o.error;
}
