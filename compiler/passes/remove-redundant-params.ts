/**
 * Copy propagation across blocks: a block parameter that receives the same value on every incoming
 * edge (ignoring edges that pass the parameter back to itself, as loops do) is that value; its uses
 * are replaced and the parameter and its arguments are removed. This is the block-parameter form of
 * removing trivial phis (Braun et al. 2013, §3.1).
 *
 * Consumes a `Func`; produces one with fewer block parameters. The entry block's parameters (the
 * function's arguments) are never touched.
 */
import type { BlockCall, BlockId, Func, InstData, InstId, ValueId } from "../ir/types.ts";
import { rewriteFunc, type PassResult } from "./rewrite.ts";

/** Removes block parameters that always receive one value. */
export function removeRedundantParams(f: Func): PassResult {
  const entry = f.layout[0]!.block;
  const incoming = new Map<BlockId, BlockCall[]>();
  const terms: { id: InstId; data: InstData }[] = [];
  for (const { insts } of f.layout) {
    const id = insts[insts.length - 1]!;
    const d = f.insts[id]!.data;
    terms.push({ id, data: d });
    const calls = d.op === "br" ? [d.target] : d.op === "condbr" ? [d.then, d.else] : [];
    for (const c of calls) {
      if (!incoming.has(c.block)) incoming.set(c.block, []);
      incoming.get(c.block)!.push(c);
    }
  }
  const replace = new Map<ValueId, ValueId>();
  const removed = new Map<BlockId, Set<number>>();
  for (const { block } of f.layout) {
    if (block === entry) continue;
    const params = f.blocks[block]!.params;
    params.forEach((p, i) => {
      let only: ValueId | undefined;
      let unique = true;
      for (const c of incoming.get(block) ?? []) {
        const a = c.args[i]!;
        if (a === p) continue;
        if (only === undefined) only = a;
        else if (only !== a) unique = false;
      }
      if (unique && only !== undefined) {
        replace.set(p, only);
        if (!removed.has(block)) removed.set(block, new Set());
        removed.get(block)!.add(i);
      }
    });
  }
  if (replace.size === 0) return { func: f, changed: false };
  const prune = (c: BlockCall): BlockCall => {
    const gone = removed.get(c.block);
    return gone ? { block: c.block, args: c.args.filter((_, i) => !gone.has(i)) } : c;
  };
  const change = new Map<InstId, InstData>();
  for (const t of terms) {
    if (t.data.op === "br") change.set(t.id, { op: "br", target: prune(t.data.target) });
    else if (t.data.op === "condbr")
      change.set(t.id, { ...t.data, then: prune(t.data.then), else: prune(t.data.else) });
  }
  const blockParams = new Map<BlockId, ValueId[]>();
  for (const [b, gone] of removed)
    blockParams.set(
      b,
      f.blocks[b]!.params.filter((_, i) => !gone.has(i)),
    );
  return { func: rewriteFunc(f, { replace, changeInsts: change, blockParams }), changed: true };
}
