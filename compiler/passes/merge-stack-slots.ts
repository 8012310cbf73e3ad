/**
 * Stack-slot reuse by content: a temporary slot that is filled with one store and then only read
 * (loads, read-only helper arguments) is replaced by another slot that already holds that same value,
 * and its store disappears. This is store-to-load forwarding for memory that helpers read: the
 * front end gives every `map.lookup(key)`/`map.update(key, v)` its own key slot, so a key used twice
 * is stored twice; clang's -O2 keeps one slot (`*(u32 *)(r10 - 4)`) for both calls.
 *
 * Consumes a `Func`; produces one where the merged slot's address instructions point at the kept slot
 * (CSE then merges them) and its initialising store is dropped. The merged slot stays in
 * `stackSlots` unused (slot ids are stable, like value ids); frame layout skips unreferenced slots.
 *
 * Conditions for merging slot T into slot S (memory-model.ts supplies the alias facts):
 * - T does not escape; its addresses are used only as the base of one full-width store at offset 0
 *   (the init), as load bases, and as read-only helper arguments, all in one block after the init;
 * - S has the same size and at least T's alignment, and at the init S holds the stored value: a
 *   dominating full-width store of that value to S, with nothing in between that may change S;
 * - nothing from the init to T's last use may change S.
 */
import { operandsOf } from "../ir/builder.ts";
import type { BlockId, Func, InstData, InstId, ValueId } from "../ir/types.ts";
import { helperReadOnlyArgs } from "../../core/kernel/index.ts";
import { buildMemoryModel, type Location } from "./memory-model.ts";
import { rewriteFunc, type PassResult } from "./rewrite.ts";

interface SlotUse {
  readonly id: InstId;
  readonly block: BlockId;
  readonly index: number;
  readonly kind: "init" | "read" | "other";
}

/** Merges read-only stack slots into slots that already hold their contents. */
export function mergeStackSlots(f: Func): PassResult {
  const mm = buildMemoryModel(f);
  const uses = new Map<number, SlotUse[]>();
  const addrInsts = new Map<number, InstId[]>();
  const note = (slot: number, u: SlotUse) => uses.set(slot, [...(uses.get(slot) ?? []), u]);
  const directSlot = (v: ValueId): number | undefined => {
    const def = f.values[v]!.def;
    const d = def.kind === "inst" ? f.insts[def.inst]!.data : undefined;
    return d?.op === "stackslot" ? d.slot : undefined;
  };
  for (const { block, insts } of f.layout) {
    insts.forEach((id, index) => {
      const d = f.insts[id]!.data;
      if (d.op === "stackslot") {
        addrInsts.set(d.slot, [...(addrInsts.get(d.slot) ?? []), id]);
        return;
      }
      const at = { id, block, index };
      for (const [v, kind] of roles(d)) {
        const s = directSlot(v);
        if (s !== undefined) note(s, { ...at, kind });
        else if (mm.slotOf(v)) note(mm.slotOf(v)!.slot, { ...at, kind: "other" });
      }
    });
  }
  const retarget = new Map<InstId, InstData>();
  const drop = new Set<InstId>();
  const merged = new Set<number>();
  const sources = new Set<number>();
  f.stackSlots.forEach((t, tIndex) => {
    const us = uses.get(tIndex) ?? [];
    if (mm.escaped.has(tIndex) || us.length < 2 || sources.has(tIndex)) return;
    const init = us[0]!;
    const block = init.block;
    if (
      init.kind !== "init" ||
      us.some((u, k) => k > 0 && (u.kind !== "read" || u.block !== block))
    )
      return;
    if (us.some((u) => u.block === block && u.index < init.index)) return;
    const store = f.insts[init.id]!.data as InstData & { op: "store" };
    if (store.offset !== 0 || store.size !== t.size) return;
    const initPoint = { block, index: init.index };
    const lastIndex = Math.max(...us.map((u) => u.index));
    for (const { block: b, insts } of f.layout) {
      const found = insts.findIndex((id, index) => {
        const d = f.insts[id]!.data;
        if (d.op !== "store" || d.value !== store.value || d.size !== t.size || d.offset !== 0)
          return false;
        const s = directSlot(d.base);
        if (s === undefined || s === tIndex || merged.has(s)) return false;
        const src = f.stackSlots[s]!;
        if (src.size !== t.size || src.align < t.align) return false;
        const loc: Location = { kind: "slot", slot: s, off: 0, size: t.size };
        const at = { block: b, index };
        if (!mm.dominates(at, initPoint) || !mm.unchangedBetween(at, initPoint, loc)) return false;
        for (let k = init.index + 1; k <= lastIndex; k++) {
          const id2 = f.layout.find((l) => l.block === block)!.insts[k]!;
          if (mm.clobbers(id2, loc)) return false;
        }
        for (const a of addrInsts.get(tIndex) ?? []) retarget.set(a, { op: "stackslot", slot: s });
        sources.add(s);
        return true;
      });
      if (found >= 0) {
        drop.add(init.id);
        merged.add(tIndex);
        break;
      }
    }
  });
  if (merged.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { changeInsts: retarget, dropInsts: drop }), changed: true };
}

/** Operand roles of an instruction as far as slot merging cares. */
function roles(d: InstData): [ValueId, SlotUse["kind"]][] {
  switch (d.op) {
    case "store":
      return [
        [d.base, "init"],
        [d.value, "other"],
      ];
    case "load":
      return [[d.base, "read"]];
    case "callhelper": {
      const ro = helperReadOnlyArgs(d.helper);
      return d.args.map((a, k) => [a, ro.includes(k) ? "read" : "other"]);
    }
    default:
      return operandsOf(d).map((v) => [v, "other"]);
  }
}
