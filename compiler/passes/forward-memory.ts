/**
 * Redundant-load elimination across blocks (the memory half of GVN) and store-to-load forwarding:
 * a load is replaced by a value already known to be in memory there —
 * - the result of an earlier load of the same location, or
 * - the value an earlier store wrote to exactly those bytes (same size, and the loaded type is the
 *   stored value's type, so no conversion is needed),
 * provided that earlier access dominates the load and nothing in between may change the location
 * (memory-model.ts decides; helper calls change every non-stack location).
 *
 * Consumes a `Func`; produces one where such loads are dropped and their uses renamed. Example
 * (xdp-counter): `ctx.header<T>(14)` reloads `xdp_md.data`/`data_end` after the first header check;
 * with no call or store in between, the reloads become the first loads' values, and CSE then merges
 * the address computations that used them.
 */
import type { Func, InstId, ValueId } from "../ir/types.ts";
import { buildMemoryModel, sameLocation, type Location, type Point } from "./memory-model.ts";
import { rewriteFunc, type PassResult } from "./rewrite.ts";

interface Known {
  readonly at: Point;
  readonly loc: Location;
  /** The value in memory after the access. */
  readonly value: ValueId;
  /** For loads: the load's shape, which a later load must match exactly. */
  readonly shape: string;
}

/** Replaces loads whose value is already known. */
export function forwardMemory(f: Func): PassResult {
  const mm = buildMemoryModel(f);
  const known: Known[] = [];
  const replace = new Map<ValueId, ValueId>();
  const drop = new Set<InstId>();
  const resolve = (v: ValueId) => replace.get(v) ?? v;
  // Blocks in layout order; a candidate must dominate, so any order works for correctness, and the
  // front end's order puts dominators first, which lets chains of loads collapse in one run.
  for (const { block, insts } of f.layout) {
    insts.forEach((id, index) => {
      const inst = f.insts[id]!;
      const d = inst.data;
      const at = { block, index };
      if (d.op === "store") {
        const v = resolve(d.value);
        const type = f.values[v]!.type;
        known.push({
          at,
          loc: mm.locate(d.base, d.offset, d.size),
          value: v,
          shape: `store:${type}`,
        });
        return;
      }
      if (d.op !== "load" || inst.result === null) return;
      const loc = mm.locate(resolve(d.base), d.offset, d.size);
      const shape = `${d.type}:${d.signed}`;
      const hit = known.find(
        (k) =>
          sameLocation(k.loc, loc) &&
          (k.shape === shape ||
            (k.shape === `store:${d.type}` &&
              (!d.signed || d.size * 8 === bitsOf(d.type)) &&
              d.size * 8 >= bitsOf(d.type))) &&
          mm.dominates(k.at, at) &&
          mm.unchangedBetween(k.at, at, loc),
      );
      if (hit) {
        replace.set(inst.result, hit.value);
        drop.add(id);
      } else {
        known.push({ at, loc, value: inst.result, shape });
      }
    });
  }
  if (replace.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { replace, dropInsts: drop }), changed: true };
}

function bitsOf(t: string): number {
  return t === "i32" ? 32 : t === "i16" ? 16 : t === "i8" ? 8 : 64;
}
