/**
 * Jump threading through empty blocks: a block without parameters whose only instruction is
 * `br T(args)` is bypassed: every edge into it goes to `T(args)` directly. The block then becomes
 * unreachable and simplify-cfg drops it. Loops exits written `if (x) break;` leave such blocks.
 *
 * Consumes a `Func`; produces one with the edges retargeted. The entry block is never bypassed (it
 * has no incoming edges to retarget), nor a block that jumps to itself. `args` are defined outside the
 * bypassed block (it defines nothing), and a definition that dominates the block dominates every one
 * of its predecessors, so the edges stay valid SSA.
 *
 * Likewise a `br R(args)` into a block whose only instruction is `ret x` becomes `ret x'` (x' = the
 * argument when x is one of R's parameters, else x itself, which dominates R and so the branch): the
 * return is duplicated into the predecessor. A helper called on several paths that all return its
 * result (`return verdict(XDP_PASS)` in lpm-firewall) then leaves identical blocks that
 * merge-identical-blocks folds into one call site; the kernel verifier, which walks a callee once per
 * path, prunes the later paths at that one call instead of walking the callee again.
 */
import type { BlockCall, BlockId, Func, InstData, InstId } from "../ir/types.ts";
import { retargetEdges, rewriteFunc, type PassResult } from "./rewrite.ts";

/** Bypasses blocks that only jump elsewhere, and duplicates returns into the jumps that reach them. */
export function threadJumps(f: Func): PassResult {
  const bypassed = bypassEmptyBlocks(f);
  const returned = forwardReturns(bypassed.func);
  return { func: returned.func, changed: bypassed.changed || returned.changed };
}

/** `br R(args)` → `ret` when R only returns (a parameter of it or an outside value). */
function forwardReturns(f: Func): PassResult {
  const entry = f.layout[0]!.block;
  const returnOf = new Map<BlockId, InstData & { op: "ret" }>();
  for (const { block, insts } of f.layout) {
    if (block === entry || insts.length !== 1) continue;
    const d = f.insts[insts[0]!]!.data;
    if (d.op === "ret") returnOf.set(block, d);
  }
  if (returnOf.size === 0) return { func: f, changed: false };
  const change = new Map<InstId, InstData>();
  for (const { block, insts } of f.layout) {
    const id = insts[insts.length - 1]!;
    const d = f.insts[id]!.data;
    if (d.op !== "br" || d.target.block === block) continue;
    const r = returnOf.get(d.target.block);
    if (!r) continue;
    const k = r.value === null ? -1 : f.blocks[d.target.block]!.params.indexOf(r.value);
    change.set(id, { op: "ret", value: k >= 0 ? d.target.args[k]! : r.value });
  }
  if (change.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { changeInsts: change }), changed: true };
}

function bypassEmptyBlocks(f: Func): PassResult {
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
