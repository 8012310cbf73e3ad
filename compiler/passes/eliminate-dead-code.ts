/**
 * Dead-code elimination: removes instructions without side effects whose results nobody uses,
 * transitively (mark live from side-effecting roots, sweep the rest; Cytron et al.'s aggressive DCE
 * restricted to values, without control dependence).
 *
 * Consumes a `Func`; produces one with the dead instructions out of the layout. Roots: terminators,
 * stores, atomics, calls (helpers may have effects even when their result is unused), memcpy/memset.
 * Loads are removable: the verifier-checked program never relies on a load faulting.
 */
import { operandsOf } from "../ir/builder.ts";
import type { Func, InstId, ValueId } from "../ir/types.ts";
import { hasSideEffects } from "./op-classes.ts";
import { rewriteFunc, type PassResult } from "./rewrite.ts";

/** Removes dead instructions. */
export function eliminateDeadCode(f: Func): PassResult {
  const live = new Set<InstId>();
  const work: InstId[] = [];
  const defOf = (v: ValueId): InstId | undefined => {
    const d = f.values[v]?.def;
    return d?.kind === "inst" ? d.inst : undefined;
  };
  for (const { insts } of f.layout) {
    for (const id of insts) {
      if (hasSideEffects(f.insts[id]!.data)) {
        live.add(id);
        work.push(id);
      }
    }
  }
  while (work.length > 0) {
    const id = work.pop()!;
    for (const v of operandsOf(f.insts[id]!.data)) {
      const d = defOf(v);
      if (d !== undefined && !live.has(d)) {
        live.add(d);
        work.push(d);
      }
    }
  }
  const drop = new Set<InstId>();
  for (const { insts } of f.layout) for (const id of insts) if (!live.has(id)) drop.add(id);
  if (drop.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { dropInsts: drop }), changed: true };
}
