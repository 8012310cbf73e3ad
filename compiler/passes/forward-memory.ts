/**
 * Redundant-load elimination across blocks (the memory half of GVN) and store-to-load forwarding:
 * a load is replaced by a value already known to be in memory there —
 * - the result of an earlier load of the same location, or
 * - the value an earlier store wrote to exactly those bytes (same size, and the loaded type is the
 *   stored value's type, so no conversion is needed),
 * provided that earlier access dominates the load and nothing in between may change the location
 * (memory-model.ts decides; helper calls change every non-stack location). Stores to the program's
 * context are never forwarded: the verifier rewrites them into stores of the kernel's own fields,
 * which may keep fewer bits than were written.
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
        const loc = mm.locate(d.base, d.offset, d.size);
        // The kernel rewrites context stores (a u32 `tc_index` is stored as a u16, a
        // `queue_mapping` of 0xffff is ignored): a later load must read what it really stored.
        if (loc.kind === "ptr" && isContext(f, loc.root)) return;
        known.push({
          at,
          loc,
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

/** True for a program's context pointer (its first parameter). */
function isContext(f: Func, v: ValueId): boolean {
  const def = f.values[v]!.def;
  return (
    f.section !== null &&
    def.kind === "param" &&
    def.block === f.layout[0]!.block &&
    def.index === 0
  );
}

function bitsOf(t: string): number {
  return t === "i32" ? 32 : t === "i16" ? 16 : t === "i8" ? 8 : 64;
}
