/**
 * A model of what the kernel verifier's processed-instruction count does with a loop, for the passes
 * to consult (kernel/bpf/verifier.c: do_check walks every path; a bounded loop is walked iteration by
 * iteration because the counter makes each iteration's state differ, so no state is pruned; pruning
 * points sit at jump targets and after calls).
 *
 * For a counted loop of T iterations:
 * - rolled, the verifier processes about (T + 1) × header + T × body: the exit test, the counter's
 *   update and every instruction computed from the counter (index clamps, address arithmetic) are
 *   walked once per iteration;
 * - fully unrolled, each copy sees the counter as a constant, so the test, the update and the
 *   counter-derived instructions fold away: T × (body − folded) remain.
 * Unrolling never raises the processed count, but it multiplies the code's size, so the decision
 * weighs the saving against the growth (`UnrollBudget`).
 *
 * Consumes a `Func` and a counted loop; produces numbers. Pure.
 */
import type { Func, InstData } from "../ir/types.ts";
import { operandsOf } from "../ir/builder.ts";
import type { CountedLoop } from "./loops.ts";
import { sizeOf } from "./loops.ts";

/** Limits on full unrolling. */
export interface UnrollBudget {
  /** Most iterations a loop may have to be unrolled. */
  readonly maxTrips: number;
  /** Most IR instructions the unrolled copies may add (before the copies are folded). */
  readonly maxGrowth: number;
  /** Most IR instructions the whole function may have after unrolling. */
  readonly maxFuncSize: number;
}

/** Defaults: close to clang -O2 on the benchmark loops (it unrolls 16 byte-test iterations, not 26-32). */
export const DEFAULT_UNROLL: UnrollBudget = { maxTrips: 16, maxGrowth: 256, maxFuncSize: 1500 };

/** Estimated verifier cost of a counted loop rolled and unrolled, and the code growth. */
export interface LoopCost {
  readonly trips: number;
  readonly loopSize: number;
  /** Instructions per iteration that fold once the counter is a constant. */
  readonly folded: number;
  readonly rolled: number;
  readonly unrolled: number;
  /** Extra IR instructions the copies add (before folding). */
  readonly growth: number;
}

const PURE: ReadonlySet<InstData["op"]> = new Set([
  "binary",
  "icmp",
  "select",
  "zext",
  "sext",
  "trunc",
  "const",
]);

export function loopCost(f: Func, c: CountedLoop): LoopCost {
  const trips = c.values.length;
  const loopSize = sizeOf(f, c.loop.blocks);
  const headerSize = sizeOf(f, new Set([c.loop.header]));
  // Values computed from the counter and constants alone become constants in each copy; a
  // `ptradd` by such a value becomes a fixed offset; the header's test branch disappears.
  const known = new Set([c.counter]);
  let folded = 1; // the exit test's branch
  for (const l of f.layout) {
    if (!c.loop.blocks.has(l.block)) continue;
    for (const id of l.insts) {
      const inst = f.insts[id]!;
      if (inst.result === null) continue;
      const ops = operandsOf(inst.data);
      if (inst.data.op === "ptradd" && known.has(inst.data.offset)) folded++;
      if (!PURE.has(inst.data.op) || ops.some((v) => !known.has(v) && !isConst(f, v))) continue;
      known.add(inst.result);
      if (inst.data.op !== "const") folded++;
    }
  }
  const body = loopSize - headerSize;
  return {
    trips,
    loopSize,
    folded,
    rolled: (trips + 1) * headerSize + trips * body,
    unrolled: Math.max(0, trips * (loopSize - folded)),
    growth: trips * loopSize,
  };
}

function isConst(f: Func, v: number): boolean {
  const def = f.values[v]?.def;
  return def?.kind === "inst" && f.insts[def.inst]!.data.op === "const";
}

/** Whether full unrolling lowers the verifier's cost within the size budget. */
export function worthUnrolling(
  f: Func,
  cost: LoopCost,
  budget: UnrollBudget = DEFAULT_UNROLL,
): boolean {
  const funcSize = f.layout.reduce((n, l) => n + l.insts.length, 0);
  return (
    cost.trips <= budget.maxTrips &&
    cost.unrolled < cost.rolled &&
    cost.growth <= budget.maxGrowth &&
    funcSize + cost.growth <= budget.maxFuncSize
  );
}
