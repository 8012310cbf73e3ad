/**
 * Common-subexpression elimination over the dominator tree (a scoped hash table, as in Briggs,
 * Cooper & Simpson's "dominator-based value numbering"): a pure instruction whose operation and
 * operands equal those of an instruction in a dominating position is replaced by that one's result.
 *
 * Consumes a `Func`; produces one with duplicates removed. Pure (`isPure`, op-classes.ts) = no memory
 * access, no effects: constants, arithmetic, comparisons, extensions, select, ptradd, and the
 * address-forming ops (stackslot, mapref, globaladdr). Loads are not merged: a store or helper call in between may
 * change memory.
 */
import { printInstBody } from "../ir/print.ts";
import { computeDominators } from "../ir/verify.ts";
import type { BlockId, Func, InstId, ValueId } from "../ir/types.ts";
import { isPure } from "./op-classes.ts";
import { rewriteFunc, type PassResult } from "./rewrite.ts";

/** Merges equal pure computations. */
export function eliminateCommonSubexpressions(f: Func): PassResult {
  const idom = computeDominators(f);
  const children = new Map<BlockId, BlockId[]>();
  const entry = f.layout[0]!.block;
  for (const [b, d] of idom) {
    if (b === d) continue;
    if (!children.has(d)) children.set(d, []);
    children.get(d)!.push(b);
  }
  const insts = new Map(f.layout.map((l) => [l.block, l.insts]));
  const replace = new Map<ValueId, ValueId>();
  const drop = new Set<InstId>();
  const resolve = (v: ValueId) => replace.get(v) ?? v;
  const table = new Map<string, ValueId>();
  const visit = (b: BlockId) => {
    const added: string[] = [];
    for (const id of insts.get(b) ?? []) {
      const inst = f.insts[id]!;
      if (inst.result === null || !isPure(inst.data)) continue;
      // The instruction's IR text (complete with its result type), operands resolved.
      const key = `${f.values[inst.result]!.type} ${printInstBody(inst.data, (v) => `v${resolve(v)}`)}`;
      const hit = table.get(key);
      if (hit !== undefined) {
        replace.set(inst.result, hit);
        drop.add(id);
      } else {
        table.set(key, inst.result);
        added.push(key);
      }
    }
    for (const c of children.get(b) ?? []) visit(c);
    for (const k of added) table.delete(k);
  };
  visit(entry);
  if (replace.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { replace, dropInsts: drop }), changed: true };
}
