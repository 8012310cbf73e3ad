/**
 * Range folding: a comparison whose outcome the value ranges decide (compiler/passes/ranges.ts)
 * becomes a constant: the index clamp of `a[i]` inside a loop that already bounds `i`, the `len - 1`
 * clamp after `if (len === 0) return`, a loop test the counter cannot fail. fold-constants and
 * simplify-cfg then remove the selects and branches that tested it.
 *
 * Consumes a `Func`; produces one with such `icmp`s changed into `const`s (result ids kept).
 */
import type { Func, InstData, InstId } from "../ir/types.ts";
import { analyzeRanges } from "./ranges.ts";
import { rewriteFunc, type PassResult } from "./rewrite.ts";

/** Folds comparisons that the value ranges decide. */
export function foldRanges(f: Func): PassResult {
  let ranges: ReturnType<typeof analyzeRanges> | null = null;
  const change = new Map<InstId, InstData>();
  for (const { block, insts } of f.layout) {
    for (const id of insts) {
      const d = f.insts[id]!.data;
      if (d.op !== "icmp") continue;
      ranges ??= analyzeRanges(f);
      const known = ranges.decideCompare(d.cond, d.lhs, d.rhs, block);
      if (known !== undefined) change.set(id, { op: "const", type: "i1", value: known ? 1n : 0n });
    }
  }
  if (change.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { changeInsts: change }), changed: true };
}
