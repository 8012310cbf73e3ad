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
import { eliminateDeadStores } from "./eliminate-dead-stores.ts";
import { foldConstants } from "./fold-constants.ts";
import { removeRedundantParams } from "./remove-redundant-params.ts";
import type { PassResult } from "./rewrite.ts";
import { simplifyCfg } from "./simplify-cfg.ts";
import { forwardMemory } from "./forward-memory.ts";
import { inlineFunctions } from "./inline-functions.ts";
import { mergeIdenticalBlocks } from "./merge-identical-blocks.ts";
import { mergeEqualReturns } from "./merge-equal-returns.ts";
import { mergeStackSlots } from "./merge-stack-slots.ts";
import { shareStackSlots } from "./share-stack-slots.ts";
import { rebaseOffsets } from "./rebase-offsets.ts";
import { simplifyInsts } from "./simplify-insts.ts";
import { sinkInstructions } from "./sink-instructions.ts";
import { threadJumps } from "./thread-jumps.ts";
import { unrollLoops } from "./unroll-loops.ts";
import { foldRanges } from "./fold-ranges.ts";
import { mergeStores } from "./merge-stores.ts";
import { combineCopies } from "./combine-copies.ts";
import { forwardSlotCopies } from "./forward-slot-copies.ts";
import { forwardHelperWrites } from "./forward-helper-writes.ts";
import { lowerBitTests } from "./bit-tests.ts";

/** One pass of the pipeline. */
export interface PassSpec {
  readonly name: string;
  /** Required passes run even when optimisation is off (none of ours is needed for correctness). */
  readonly required: boolean;
  readonly run: (f: Func, m: Module) => PassResult;
}

/** A pass over the whole module (it may add, remove or rewrite functions). */
export interface ModulePassSpec {
  readonly name: string;
  readonly required: boolean;
  readonly run: (m: Module) => { module: Module; changed: boolean };
}

/** Module passes, run once before the per-function passes. */
export const MODULE_PASSES: readonly ModulePassSpec[] = [
  { name: "inline", required: false, run: (m) => inlineFunctions(m) },
];

/** The per-function passes, in order (the whole list repeats until nothing changes). */
export const PASSES: readonly PassSpec[] = [
  { name: "fold-constants", required: false, run: (f) => foldConstants(f) },
  { name: "fold-ranges", required: false, run: (f) => foldRanges(f) },
  { name: "simplify-insts", required: false, run: (f) => simplifyInsts(f) },
  { name: "merge-stores", required: false, run: (f) => mergeStores(f) },
  { name: "combine-copies", required: false, run: (f) => combineCopies(f) },
  { name: "thread-jumps", required: false, run: (f) => threadJumps(f) },
  { name: "merge-equal-returns", required: false, run: (f) => mergeEqualReturns(f) },
  { name: "merge-identical-blocks", required: false, run: (f) => mergeIdenticalBlocks(f) },
  { name: "simplify-cfg", required: false, run: (f) => simplifyCfg(f) },
  { name: "remove-redundant-params", required: false, run: (f) => removeRedundantParams(f) },
  { name: "cse", required: false, run: (f) => eliminateCommonSubexpressions(f) },
  { name: "rebase-offsets", required: false, run: (f) => rebaseOffsets(f) },
  { name: "forward-memory", required: false, run: (f) => forwardMemory(f) },
  { name: "forward-slot-copies", required: false, run: (f) => forwardSlotCopies(f) },
  { name: "forward-helper-writes", required: false, run: (f) => forwardHelperWrites(f) },
  { name: "merge-stack-slots", required: false, run: (f) => mergeStackSlots(f) },
  { name: "dead-stores", required: false, run: (f) => eliminateDeadStores(f) },
  { name: "dce", required: false, run: (f) => eliminateDeadCode(f) },
  { name: "sink", required: false, run: (f) => sinkInstructions(f) },
  { name: "unroll", required: false, run: (f) => unrollLoops(f) },
  { name: "bit-tests", required: false, run: (f) => lowerBitTests(f) },
];

/**
 * Passes run once, in order, after `PASSES` reach their fixed point: slot sharing merges the
 * private temporaries that the memory passes match one by one (share-stack-slots.ts), then CSE
 * merges the shared slots' addresses and dce removes what that leaves unused.
 */
export const LATE_PASSES: readonly PassSpec[] = [
  { name: "share-stack-slots", required: false, run: (f) => shareStackSlots(f) },
  { name: "late-cse", required: false, run: (f) => eliminateCommonSubexpressions(f) },
  { name: "late-dce", required: false, run: (f) => eliminateDeadCode(f) },
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
    before: "thread-jumps",
    after: "simplify-cfg",
    reason: "bypassed empty blocks become unreachable and simplify-cfg drops them",
  },
  {
    before: "merge-equal-returns",
    after: "merge-identical-blocks",
    reason: "a constant return rewritten to return an equal value becomes a copy of that exit",
  },
  {
    before: "merge-identical-blocks",
    after: "simplify-cfg",
    reason: "duplicate blocks lose their predecessors and simplify-cfg drops them",
  },
  {
    before: "cse",
    after: "forward-memory",
    reason: "forward-memory compares access bases by value id, which CSE has canonicalised",
  },
  {
    before: "forward-memory",
    after: "merge-stack-slots",
    reason: "stored values forwarded from loads become equal ids that slot merging can match",
  },
  {
    before: "forward-memory",
    after: "dead-stores",
    reason: "loads replaced by the stored value no longer read the slot, so the store may die",
  },
  {
    before: "dead-stores",
    after: "dce",
    reason: "dropped stores leave their stored values and addresses unused",
  },
  {
    before: "merge-stack-slots",
    after: "dce",
    reason: "merged slots leave address instructions unused",
  },
  {
    before: "cse",
    after: "rebase-offsets",
    reason:
      "rebase-offsets finds the address to start from by base value id, which CSE canonicalised",
  },
  {
    before: "rebase-offsets",
    after: "dce",
    reason: "the add a rebased offset no longer needs is left unused",
  },
  {
    before: "combine-copies",
    after: "dce",
    reason: "loads whose stores became one copy are left unused",
  },
  {
    before: "cse",
    after: "dce",
    reason: "cse leaves the duplicates' operands unused; dce removes them",
  },
  {
    before: "dce",
    after: "sink",
    reason: "dead users removed first, the remaining uses decide which block a value sinks into",
  },
  {
    before: "fold-constants",
    after: "dce",
    reason: "folded instructions leave their constant operands unused",
  },
  {
    before: "simplify-insts",
    after: "merge-stores",
    reason: "simplify-insts makes a store read the untruncated value, which merging matches",
  },
  {
    before: "forward-helper-writes",
    after: "dce",
    reason: "a forwarded helper output leaves the temporary slot's address unused",
  },
  {
    before: "forward-slot-copies",
    after: "dce",
    reason: "a forwarded copy leaves its load and slot address unused",
  },
  {
    before: "fold-ranges",
    after: "simplify-cfg",
    reason: "comparisons the ranges decide become constant branches that simplify-cfg removes",
  },
  {
    before: "dce",
    after: "unroll",
    reason: "the unroll cost model sizes loops by their live instructions",
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
  const names = [...MODULE_PASSES, ...PASSES, ...LATE_PASSES].map((p) => p.name);
  if (opts.dumpAfter !== undefined && !names.includes(opts.dumpAfter)) {
    throw new RangeError(`unknown pass '${opts.dumpAfter}'; passes: ${names.join(", ")}`);
  }
  let m1 = m;
  for (const p of MODULE_PASSES.filter((x) => x.required || opts.optimize)) {
    const r = p.run(m1);
    m1 = r.module;
    if (r.changed && opts.verify) {
      for (const f of m1.functions) checkFunc(f, m1, p.name);
    }
    if (p.name === opts.dumpAfter)
      for (const f of m1.functions) dumps.push(`; after ${p.name}\n${printFunc(f, m1.source)}\n`);
  }
  const functions = m1.functions.map((f0) => {
    let f = f0;
    // The function after the previous round, and its fingerprint once needed (a dump asks for
    // every round: no early stop then). Passes never modify the function they are given.
    let previous: Func | undefined;
    let previousPrint: string | undefined;
    // Per pass, the function it last left unchanged: run on it again, it would again (in the last
    // round, the passes after the previous round's last change are not run again).
    const unchangedOn: (Func | undefined)[] = [];
    for (let round = 0; round < (opts.maxRounds ?? 12); round++) {
      let changed = false;
      for (const [k, p] of passes.entries()) {
        const r = unchangedOn[k] === f ? { changed: false, func: f } : p.run(f, m1);
        if (r.changed) {
          changed = true;
          f = r.func;
          if (opts.verify) checkFunc(f, m1, p.name);
        } else unchangedOn[k] = f;
        if (p.name === opts.dumpAfter)
          dumps.push(`; after ${p.name} (round ${round + 1})\n${printFunc(f, m.source)}\n`);
      }
      if (!changed) break;
      // A round whose passes undo each other's change (thread-jumps copies a return into a block
      // that merge-identical-blocks turns back into a branch to it) ends where it started; passes
      // are functions of the IR alone, so every later round would too, up to maxRounds.
      if (opts.dumpAfter === undefined && previous !== undefined) {
        previousPrint ??= fingerprint(previous);
        const print = fingerprint(f);
        if (print === previousPrint) break;
        previousPrint = print;
      }
      previous = f;
    }
    for (const p of LATE_PASSES.filter((x) => x.required || opts.optimize)) {
      const r = p.run(f, m1);
      if (r.changed) {
        f = r.func;
        if (opts.verify) checkFunc(f, m1, p.name);
      }
      if (p.name === opts.dumpAfter) dumps.push(`; after ${p.name}\n${printFunc(f, m.source)}\n`);
    }
    return f;
  });
  return { module: { ...m1, functions }, dumps };
}

/**
 * The function as text, up to what no pass reads: instructions outside the layout (left behind by
 * rewrites) and instruction ids. The counts of values and blocks are in it: they number the next
 * new value or block.
 */
function fingerprint(f: Func): string {
  return `${f.values.length} ${f.blocks.length}\n${printFunc(f)}`;
}

/** Runs the IR verifier; an invalid function after a pass is an internal compiler error. */
function checkFunc(f: Func, m: Module, pass: string): void {
  const problems = verifyFunc(f, m);
  if (problems.length > 0) {
    throw new InternalCompilerError(
      `IR invalid after pass ${pass}`,
      problems.map((x) => formatProblem(x, f)),
      printFunc(f),
    );
  }
}
