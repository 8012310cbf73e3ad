/**
 * Pointer alignment analysis: for each pointer value of a function, the largest power of two (1..8)
 * its address is known to be a multiple of, so aggregate copies and fills can use the widest
 * accesses the memory allows (two 8-byte moves for a 16-byte address, not sixteen byte moves).
 *
 * Consumes an IR `Func` (its stack slots' alignments, its section); produces a lookup function.
 * Sources of knowledge, each a guarantee rather than a guess:
 * - `stackslot`: the slot's alignment (the frame layout places slots on multiples of it, and r10 is
 *   8-aligned);
 * - the context argument of a program whose context is a plain buffer (core/kernel's
 *   BUFFER_CONTEXT_PROG_TYPES: the kernel hands it 8-aligned and accepts any naturally aligned
 *   access); other contexts stay unknown, their fields have fixed access widths;
 * - results of helpers returning a map value or a ring-buffer record (8-aligned in the kernel);
 * - `ptradd` of a known base and a constant: the alignment both share.
 * Anything else (packet pointers, block parameters, loaded pointers) is 1: unknown.
 */
import { programType, resolveSection } from "../../core/kernel/index.ts";
import type { Func, ValueId } from "../ir/types.ts";

/** Helpers whose non-null result points at a map value or ring-buffer record (8-aligned). */
const ALIGNED_RESULT_HELPERS: ReadonlySet<string> = new Set([
  "map_lookup_elem",
  "map_lookup_percpu_elem",
  "ringbuf_reserve",
]);

/** Largest power of two (capped at 8) dividing `n`; 8 for 0. */
function alignOfOffset(n: bigint): number {
  let a = 1;
  while (a < 8 && n % BigInt(a * 2) === 0n) a *= 2;
  return a;
}

/** Known alignment (1, 2, 4 or 8) of every pointer value of `f`. */
export function pointerAlignment(f: Func): (v: ValueId) => number {
  const memo = new Map<ValueId, number>();
  const section = f.section === null ? undefined : resolveSection(f.section);
  const bufferCtx =
    section !== undefined && (programType(section.def.progType)?.bufferContext ?? false);
  const entry = f.layout[0]?.block;
  const constOf = (v: ValueId): bigint | undefined => {
    const def = f.values[v]!.def;
    if (def.kind !== "inst") return undefined;
    const d = f.insts[def.inst]!.data;
    return d.op === "const" ? BigInt(d.value) : undefined;
  };
  const of = (v: ValueId, depth: number): number => {
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
    let a = 1;
    const def = f.values[v]!.def;
    if (def.kind === "param") {
      if (bufferCtx && def.block === entry && def.index === 0) a = 8;
    } else {
      const d = f.insts[def.inst]!.data;
      if (d.op === "stackslot") a = f.stackSlots[d.slot]!.align;
      else if (d.op === "callhelper" && ALIGNED_RESULT_HELPERS.has(d.name)) a = 8;
      else if (d.op === "ptradd" && depth < 64) {
        const c = constOf(d.offset);
        if (c !== undefined) a = Math.min(of(d.base, depth + 1), alignOfOffset(c));
      }
    }
    memo.set(v, a);
    return a;
  };
  return (v) => of(v, 0);
}
