/**
 * Copy forwarding of small stack slots: a slot whose only job is to hold a copy of bytes that sit in
 * another stack slot, for a helper that only reads it, is replaced by a pointer to the original
 * bytes. `exits.update(rec.pid, rec)` then passes `&rec.pid` as the key, as clang does, instead of
 * loading `rec.pid` and storing it into a fresh key slot.
 *
 *   x = load.4 q, o              (q: another stack slot)      v = callhelper h(…, q + o, …)
 *   p = stackslot s         →
 *   store.4 p, 0, x
 *   v = callhelper h(…, p, …)    (p only in read-only helper arguments: helperReadOnlyArgs)
 *
 * Conditions: the slot's size is the access size; its one store writes it whole; every other use is
 * a read-only helper argument (core/kernel helper records); everything happens in one block and,
 * from the load to the last use, nothing can write the original bytes: only pure instructions,
 * loads, the copy's store, stores and helper calls whose pointers provably point elsewhere (another
 * slot, the context, a map value) or, for helpers, into the original slot only read-only.
 *
 * Consumes a `Func`; produces one where such copies are gone (dce removes the load and the slot's
 * address).
 */
import { helperReadOnlyArgs } from "../../core/kernel/index.ts";
import { operandsOf } from "../ir/builder.ts";
import type { BlockId, Func, Inst, InstId, ValueId } from "../ir/types.ts";
import { isPure } from "./op-classes.ts";
import { defInst, rewriteFunc, type PassResult } from "./rewrite.ts";

/** The stack slot a pointer points into (through constant or variable ptradds), or a non-stack tag. */
function rootOf(f: Func, v: ValueId): number | "other" | "unknown" {
  for (let depth = 0; depth < 64; depth++) {
    const val = f.values[v]!;
    if (val.def.kind === "param") return val.def.block === f.layout[0]!.block ? "other" : "unknown";
    const d = f.insts[val.def.inst]!.data;
    if (d.op === "stackslot") return d.slot;
    if (d.op === "ptradd") {
      v = d.base;
      continue;
    }
    if (d.op === "callhelper" || d.op === "mapref" || d.op === "globaladdr" || d.op === "load")
      return "other";
    return "unknown";
  }
  return "unknown";
}

export function forwardSlotCopies(f: Func): PassResult {
  const replace = new Map<ValueId, ValueId>();
  const drop = new Set<InstId>();
  const blockInsts = new Map<BlockId, InstId[]>();
  const newInsts: Inst[] = [];
  const values = [...f.values];
  for (const { block, insts } of f.layout) {
    for (const sid of insts) {
      const slotInst = f.insts[sid]!;
      if (slotInst.data.op !== "stackslot" || slotInst.result === null) continue;
      const p = slotInst.result;
      const size = f.stackSlots[slotInst.data.slot]!.size;
      if (![1, 2, 4, 8].includes(size)) continue;
      // Every use of p, anywhere.
      let store: { id: InstId; pos: number; value: ValueId } | null = null;
      const reads: number[] = [];
      let ok = true;
      for (const l of f.layout) {
        l.insts.forEach((id, pos) => {
          const d = f.insts[id]!.data;
          const uses = operandsOf(d).filter((v) => v === p).length;
          if (uses === 0) return;
          if (l.block !== block) ok = false;
          else if (d.op === "store" && d.base === p && d.value !== p && d.offset === 0) {
            if (store !== null || d.size !== size) ok = false;
            else store = { id, pos, value: d.value };
          } else if (d.op === "callhelper") {
            const ro = helperReadOnlyArgs(d.helper);
            if (d.args.some((a, i) => a === p && !ro.includes(i))) ok = false;
            else reads.push(pos);
          } else ok = false;
        });
      }
      if (!ok || store === null || reads.length === 0) continue;
      const s = store as { id: InstId; pos: number; value: ValueId };
      const load = defInst(f, s.value)?.data;
      const loadId = f.values[s.value]!.def;
      if (load?.op !== "load" || load.size !== size || loadId.kind !== "inst") continue;
      const loadPos = insts.indexOf(loadId.inst);
      const origin = rootOf(f, load.base);
      if (loadPos < 0 || typeof origin !== "number" || origin === slotInst.data.slot) continue;
      if (reads.some((r) => r < s.pos)) continue;
      const last = Math.max(...reads);
      let safe = true;
      for (let k = loadPos + 1; k <= last && safe; k++) {
        const d = f.insts[insts[k]!]!.data;
        if (insts[k] === s.id || isPure(d) || d.op === "load") continue;
        if (d.op === "store" || d.op === "atomic" || d.op === "cmpxchg") {
          const r = rootOf(f, d.base);
          safe = r !== "unknown" && r !== origin;
        } else if (d.op === "callhelper") {
          const ro = helperReadOnlyArgs(d.helper);
          safe = d.args.every((a, i) => {
            if (f.values[a]!.type !== "ptr") return true;
            const r = rootOf(f, a);
            return r !== "unknown" && (r !== origin || ro.includes(i));
          });
        } else safe = false;
      }
      if (!safe) continue;
      // The original bytes' address: q itself, or q + o placed right after the load.
      let addr = load.base;
      if (load.offset !== 0) {
        const base = f.insts.length + newInsts.length;
        const c = values.length as ValueId;
        values.push({ type: "i64", def: { kind: "inst", inst: base as InstId } });
        const a = values.length as ValueId;
        values.push({ type: "ptr", def: { kind: "inst", inst: (base + 1) as InstId } });
        newInsts.push(
          {
            data: { op: "const", type: "i64", value: BigInt(load.offset) },
            result: c,
            span: slotInst.span,
          },
          { data: { op: "ptradd", base: load.base, offset: c }, result: a, span: slotInst.span },
        );
        const list = [...(blockInsts.get(block) ?? insts)];
        list.splice(list.indexOf(loadId.inst) + 1, 0, base as InstId, (base + 1) as InstId);
        blockInsts.set(block, list);
        addr = a;
      }
      replace.set(p, addr);
      drop.add(s.id);
      drop.add(sid);
    }
  }
  if (replace.size === 0) return { func: f, changed: false };
  const g = rewriteFunc({ ...f, values }, { replace, dropInsts: drop, newInsts, blockInsts });
  return { func: g, changed: true };
}
