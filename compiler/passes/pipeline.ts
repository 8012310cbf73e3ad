/**
 * The optimisation pipeline as data (after Go's `compile.go` pass list): named passes with a
 * `required` flag, plus "A before B" constraints, each with its reason, checked by
 * test/passes/pipeline.test.ts. `runPipeline` runs the list (the cleanup group to a fixed point),
 * optionally verifying the IR and dumping it after a named pass.
 *
 * Consumes a `Module`; produces an optimised `Module` plus the dumps asked for. Passes keep no state
 * between calls; analyses are recomputed by each pass from the IR it is given.
 */
import type { Func, Module } from "../ir/types.ts";
import { printFunc } from "../ir/print.ts";
import { verifyFunc, formatProblem, InternalCompilerError } from "../ir/verify.ts";
import { eliminateCommonSubexpressions } from "./eliminate-common-subexpressions.ts";
import { eliminateDeadCode } from "./eliminate-dead-code.ts";
import { foldConstants } from "./fold-constants.ts";
import { removeRedundantParams } from "./remove-redundant-params.ts";
import type { PassResult } from "./rewrite.ts";
import { simplifyCfg } from "./simplify-cfg.ts";

/** One pass of the pipeline. */
export interface PassSpec {
  readonly name: string;
  /** Required passes run even when optimisation is off (none of ours is needed for correctness). */
  readonly required: boolean;
  readonly run: (f: Func, m: Module) => PassResult;
}

/** The passes, in order. */
export const PASSES: readonly PassSpec[] = [
  { name: "fold-constants", required: false, run: (f) => foldConstants(f) },
  { name: "simplify-cfg", required: false, run: (f) => simplifyCfg(f) },
  { name: "remove-redundant-params", required: false, run: (f) => removeRedundantParams(f) },
  { name: "cse", required: false, run: (f) => eliminateCommonSubexpressions(f) },
  { name: "dce", required: false, run: (f) => eliminateDeadCode(f) },
];

/** Ordering constraints: `before` must run before `after` in `PASSES`. */
export const PASS_ORDER: readonly { before: string; after: string; reason: string }[] = [
  {
    before: "fold-constants",
    after: "simplify-cfg",
    reason: "folding turns branch conditions into constants that simplify-cfg then removes",
  },
  {
    before: "simplify-cfg",
    after: "remove-redundant-params",
    reason: "removing dead edges leaves parameters with a single incoming value",
  },
  {
    before: "cse",
    after: "dce",
    reason: "cse leaves the duplicates' operands unused; dce removes them",
  },
  {
    before: "fold-constants",
    after: "dce",
    reason: "folded instructions leave their constant operands unused",
  },
];

/** Options of `runPipeline`. */
export interface PipelineOptions {
  readonly optimize: boolean;
  /** Run the IR verifier after every pass (tests, debug builds). */
  readonly verify?: boolean;
  /** Print the IR after this pass (every round). */
  readonly dumpAfter?: string;
  /** Rounds of the whole list at most (it stops earlier when nothing changes). */
  readonly maxRounds?: number;
}

/** Runs the pipeline on every function; returns the new module and the requested dumps. */
export function runPipeline(m: Module, opts: PipelineOptions): { module: Module; dumps: string[] } {
  const dumps: string[] = [];
  const passes = PASSES.filter((p) => p.required || opts.optimize);
  if (opts.dumpAfter !== undefined && !PASSES.some((p) => p.name === opts.dumpAfter)) {
    throw new RangeError(
      `unknown pass '${opts.dumpAfter}'; passes: ${PASSES.map((p) => p.name).join(", ")}`,
    );
  }
  const functions = m.functions.map((f0) => {
    let f = f0;
    for (let round = 0; round < (opts.maxRounds ?? 8); round++) {
      let changed = false;
      for (const p of passes) {
        const r = p.run(f, m);
        if (r.changed) {
          changed = true;
          f = r.func;
          if (opts.verify) {
            const problems = verifyFunc(f, m);
            if (problems.length > 0) {
              throw new InternalCompilerError(
                `IR invalid after pass ${p.name}`,
                problems.map((x) => formatProblem(x, f)),
                printFunc(f),
              );
            }
          }
        }
        if (p.name === opts.dumpAfter)
          dumps.push(`; after ${p.name} (round ${round + 1})\n${printFunc(f, m.source)}\n`);
      }
      if (!changed) break;
    }
    return f;
  });
  return { module: { ...m, functions }, dumps };
}
