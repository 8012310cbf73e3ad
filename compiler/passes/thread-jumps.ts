/**
 * Jump threading through empty blocks: a block without parameters whose only instruction is
 * `br T(args)` is bypassed: every edge into it goes to `T(args)` directly. The block then becomes
 * unreachable and simplify-cfg drops it. Loops exits written `if (x) break;` leave such blocks.
 *
 * Consumes a `Func`; produces one with the edges retargeted. The entry block is never bypassed (it
 * has no incoming edges to retarget), nor a block that jumps to itself. `args` are defined outside the
 * bypassed block (it defines nothing), and a definition that dominates the block dominates every one
 * of its predecessors, so the edges stay valid SSA.
 */
import type { BlockCall, BlockId, Func } from "../ir/types.ts";
import { retargetEdges, rewriteFunc, type PassResult } from "./rewrite.ts";

/** Bypasses blocks that only jump elsewhere. */
export function threadJumps(f: Func): PassResult {
  const entry = f.layout[0]!.block;
  const forward = new Map<BlockId, BlockCall>();
  for (const { block, insts } of f.layout) {
    if (block === entry || insts.length !== 1 || f.blocks[block]!.params.length > 0) continue;
    const d = f.insts[insts[0]!]!.data;
    if (d.op === "br" && d.target.block !== block) forward.set(block, d.target);
  }
  if (forward.size === 0) return { func: f, changed: false };
  // Follow chains of empty blocks, stopping at cycles of them.
  const final = (c: BlockCall): BlockCall => {
    let cur = c;
    const seen = new Set<BlockId>();
    while (forward.has(cur.block) && !seen.has(cur.block)) {
      seen.add(cur.block);
      cur = forward.get(cur.block)!;
    }
    return cur;
  };
  const change = retargetEdges(f, (c) => (forward.has(c.block) ? final(c) : c));
  if (change.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { changeInsts: change }), changed: true };
}
