/**
 * CFG simplification: folds branches on constant conditions (and `condbr` whose two edges are
 * identical) into `br`, removes blocks unreachable from the entry, and merges a block into its only
 * predecessor when that predecessor ends with an unconditional `br` to it (the block's parameters are
 * replaced by the branch arguments).
 *
 * Consumes a `Func`; produces a simplified `Func`. The entry block is never merged away. Block
 * parameters of surviving blocks are untouched (see remove-redundant-params.ts for those).
 */
import { successorsOf } from "../ir/builder.ts";
import type { BlockId, Func, InstData, InstId, ValueId } from "../ir/types.ts";
import { constValue, rewriteFunc, type PassResult } from "./rewrite.ts";

/** Simplifies the control-flow graph. */
export function simplifyCfg(f0: Func): PassResult {
  let f = f0;
  let changed = false;
  // 1. Constant branches.
  const change = new Map<InstId, InstData>();
  for (const { insts } of f.layout) {
    const id = insts[insts.length - 1]!;
    const d = f.insts[id]!.data;
    if (d.op !== "condbr") continue;
    const c = constValue(f, d.cond);
    const same =
      d.then.block === d.else.block &&
      d.then.args.length === d.else.args.length &&
      d.then.args.every((a, i) => a === d.else.args[i]);
    if (c !== undefined) change.set(id, { op: "br", target: c !== 0n ? d.then : d.else });
    else if (same) change.set(id, { op: "br", target: d.then });
  }
  if (change.size > 0) {
    f = rewriteFunc(f, { changeInsts: change });
    changed = true;
  }
  // 2. Unreachable blocks.
  const reach = reachable(f);
  if (reach.size < f.layout.length) {
    f = rewriteFunc(f, {
      dropBlocks: new Set(f.layout.map((l) => l.block).filter((b) => !reach.has(b))),
    });
    changed = true;
  }
  // 3. Merge a block into its single predecessor ending in `br` to it.
  for (;;) {
    const preds = predecessors(f);
    const entry = f.layout[0]!.block;
    const cand = f.layout.find((l) => {
      if (l.block === entry) return false;
      const ps = preds.get(l.block) ?? [];
      if (ps.length !== 1 || ps[0] === l.block) return false;
      const pl = f.layout.find((x) => x.block === ps[0])!;
      return f.insts[pl.insts[pl.insts.length - 1]!]!.data.op === "br";
    });
    if (!cand) break;
    const predBlock = preds.get(cand.block)![0]!;
    const pl = f.layout.find((x) => x.block === predBlock)!;
    const brId = pl.insts[pl.insts.length - 1]!;
    const br = f.insts[brId]!.data as Extract<InstData, { op: "br" }>;
    const replace = new Map<ValueId, ValueId>();
    f.blocks[cand.block]!.params.forEach((p, i) => replace.set(p, br.target.args[i]!));
    f = rewriteFunc(f, {
      replace,
      blockInsts: new Map([[predBlock, [...pl.insts.slice(0, -1), ...cand.insts]]]),
      dropBlocks: new Set([cand.block]),
    });
    changed = true;
  }
  return { func: f, changed };
}

/** Blocks reachable from the entry. */
export function reachable(f: Func): Set<BlockId> {
  const succ = successorMap(f);
  const seen = new Set<BlockId>([f.layout[0]!.block]);
  const work = [f.layout[0]!.block];
  while (work.length > 0) {
    for (const s of succ.get(work.pop()!) ?? []) {
      if (!seen.has(s)) {
        seen.add(s);
        work.push(s);
      }
    }
  }
  return seen;
}

function successorMap(f: Func): Map<BlockId, BlockId[]> {
  const m = new Map<BlockId, BlockId[]>();
  for (const { block, insts } of f.layout) {
    m.set(
      block,
      successorsOf(f.insts[insts[insts.length - 1]!]!.data).map((c) => c.block),
    );
  }
  return m;
}

/** Predecessor list of each block (one entry per edge). */
export function predecessors(f: Func): Map<BlockId, BlockId[]> {
  const preds = new Map<BlockId, BlockId[]>();
  for (const [b, ss] of successorMap(f)) {
    for (const s of ss) {
      if (!preds.has(s)) preds.set(s, []);
      preds.get(s)!.push(b);
    }
  }
  return preds;
}
