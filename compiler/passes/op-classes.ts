/**
 * Classes of IR operations that several passes decide on: which ones compute a value from their
 * operands alone, which only name a constant or an address, and which have effects.
 *
 * Consumes `InstData` records; produces set membership. One definition, so that CSE, sinking and
 * dead-code elimination cannot disagree on what "pure" means. Loads are in none of the pure
 * classes: a store or helper call in between may change memory.
 */
import type { InstData } from "../ir/types.ts";

/** An IR operation name. */
export type InstOp = InstData["op"];

/**
 * Operations that compute their result from their operands alone (no memory access, no effect):
 * arithmetic, comparisons, selects, conversions and `ptradd`.
 */
export const COMPUTE_OPS: ReadonlySet<InstOp> = new Set<InstOp>([
  "binary",
  "icmp",
  "select",
  "zext",
  "sext",
  "trunc",
  "ptrtoint",
  "inttoptr",
  "ptradd",
  "coreconst",
]);

/**
 * Operations that only name a constant or an address (no operands that are computed): the back end
 * materialises them at their uses.
 */
export const NAMING_OPS: ReadonlySet<InstOp> = new Set<InstOp>([
  "const",
  "stackslot",
  "mapref",
  "funcaddr",
  "globaladdr",
]);

/** Operations that must stay even when their result is unused (stores, atomics, calls, control flow). */
export const EFFECT_OPS: ReadonlySet<InstOp> = new Set<InstOp>([
  "store",
  "atomic",
  "cmpxchg",
  "callhelper",
  "call",
  "memcpy",
  "memset",
  "br",
  "condbr",
  "ret",
  "unreachable",
]);

/** True when the instruction computes or names a value without reading memory or having an effect. */
export function isPure(d: InstData): boolean {
  return COMPUTE_OPS.has(d.op) || NAMING_OPS.has(d.op);
}

/** True when an instruction must stay even if its result is unused. */
export function hasSideEffects(d: InstData): boolean {
  return EFFECT_OPS.has(d.op);
}
