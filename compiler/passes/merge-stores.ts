/**
 * Store merging: the two halves of one 64-bit value stored next to each other become one 8-byte
 * store, as clang does for `rec.pid = id; rec.tgid = id >> 32` on a little-endian target:
 *
 *   store.4 p, o, x            →   store.8 p, o, x
 *   t = lshr x, 32
 *   store.4 p, o + 4, t
 *
 * Only when nothing but pure instructions sits between the stores (no access can observe the gap),
 * x is 64 bits wide, and p + o is known 8-byte aligned (compiler/passes/pointer-alignment.ts: the
 * kernel refuses misaligned stack and context accesses). The shift dies once its store is gone.
 *
 * Consumes a `Func`; produces one with fewer stores.
 */
import type { Func, InstData, InstId } from "../ir/types.ts";
import { isPure } from "./op-classes.ts";
import { pointerAlignment } from "./pointer-alignment.ts";
import { constValue, defInst, rewriteFunc, type PassResult } from "./rewrite.ts";

/** Merges little-endian halves of a 64-bit value stored side by side. */
export function mergeStores(f: Func): PassResult {
  let align: ((v: number) => number) | null = null;
  const change = new Map<InstId, InstData>();
  const drop = new Set<InstId>();
  for (const { insts } of f.layout) {
    for (let i = 0; i < insts.length; i++) {
      const lo = f.insts[insts[i]!]!.data;
      if (lo.op !== "store" || lo.size !== 4 || drop.has(insts[i]!)) continue;
      if (f.values[lo.value]!.type !== "i64") continue;
      let j = i + 1;
      while (j < insts.length && isPure(f.insts[insts[j]!]!.data)) j++;
      const hi = f.insts[insts[j]!]?.data;
      if (hi?.op !== "store" || hi.size !== 4 || hi.base !== lo.base || hi.offset !== lo.offset + 4)
        continue;
      const shift = defInst(f, hi.value)?.data;
      if (shift?.op !== "binary" || shift.binop !== "lshr" || shift.lhs !== lo.value) continue;
      if (constValue(f, shift.rhs) !== 32n) continue;
      align ??= pointerAlignment(f) as (v: number) => number;
      const a = align(lo.base);
      if (a < 8 || lo.offset % 8 !== 0) continue;
      change.set(insts[i]!, { ...lo, size: 8 });
      drop.add(insts[j]!);
    }
  }
  if (change.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { changeInsts: change, dropInsts: drop }), changed: true };
}
