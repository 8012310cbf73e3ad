/**
 * Helper output forwarding: a helper that fills a temporary stack slot whose bytes are then copied,
 * unchanged, into a field of another stack slot writes the field directly, as clang's code does.
 * `e.ppid = u32(task.real_parent.tgid)` reads the tgid into a 4-byte temporary with
 * bpf_probe_read_kernel and stores it into the record; forwarded, the helper reads into `&e.ppid`.
 *
 *   t = stackslot T                               d = stackslot D; q = ptradd d, o
 *   r = callhelper h(t, n, …)          →          r = callhelper h(q, n, …)
 *   x = load.n t, 0
 *   store.n (D + o), 0, x
 *
 * Conditions: h always writes its buffer in full for the constant size given (core/kernel
 * `helperFullWrite`, as dead-store elimination uses it), n is T's size; T's address has no other use
 * than h's buffer and the one full load, whose only use is the store, all in h's block in that
 * order; the store's address is slot D (D ≠ T) plus a constant; and from h to the store no other
 * instruction uses a pointer into D (h's other arguments included), so nothing can observe that D's
 * bytes change at the call instead of at the store. A helper that fails zero-fills its buffer, so
 * the field gets what the copy would have given it either way.
 *
 * Consumes a `Func`; produces one without such copies (dce removes the temporary's address).
 */
import { helperFullWrite } from "../../core/kernel/index.ts";
import { operandsOf } from "../ir/builder.ts";
import type { Func, Inst, InstData, InstId, Value, ValueId } from "../ir/types.ts";
import { rewriteFunc, type PassResult } from "./rewrite.ts";

/** The slot and constant offset a pointer is (through constant ptradds), if it is one. */
function slotAddress(f: Func, v: ValueId): { slot: number; off: bigint } | undefined {
  let off = 0n;
  for (let depth = 0; depth < 64; depth++) {
    const def = f.values[v]!.def;
    if (def.kind !== "inst") return undefined;
    const d = f.insts[def.inst]!.data;
    if (d.op === "stackslot") return { slot: d.slot, off };
    if (d.op !== "ptradd") return undefined;
    const c = f.values[d.offset]!.def;
    const cd = c.kind === "inst" ? f.insts[c.inst]!.data : undefined;
    if (cd?.op !== "const") return undefined;
    off += cd.value;
    v = d.base;
  }
  return undefined;
}

/** Forwards helper outputs copied from a temporary slot into another slot. */
export function forwardHelperWrites(f: Func): PassResult {
  // Every use of a value: the instructions reading it.
  const users = new Map<ValueId, InstId[]>();
  for (const { insts } of f.layout)
    for (const id of insts)
      for (const v of operandsOf(f.insts[id]!.data)) users.set(v, [...(users.get(v) ?? []), id]);
  const values: Value[] = [...f.values];
  const newInsts: Inst[] = [];
  const change = new Map<InstId, InstData>();
  const drop = new Set<InstId>();
  const blockInsts = new Map<Func["layout"][number]["block"], InstId[]>();
  const add = (data: InstData, type: Value["type"], span: Inst["span"]): ValueId => {
    const v = values.length as ValueId;
    const id = (f.insts.length + newInsts.length) as InstId;
    values.push({ type, def: { kind: "inst", inst: id } });
    newInsts.push({ data, result: v, span });
    return v;
  };
  for (const { block, insts } of f.layout) {
    const order = [...insts];
    let edited = false;
    for (let k = 0; k < order.length; k++) {
      const id = order[k]!;
      const d = f.insts[id]!.data;
      if (d.op !== "callhelper" || change.has(id)) continue;
      const full = helperFullWrite(d.helper);
      if (!full) continue;
      const buf = d.args[full.buffer]!;
      const tmp = slotAddress(f, buf);
      const sizeDef = f.values[d.args[full.size]!]!.def;
      const sizeData = sizeDef.kind === "inst" ? f.insts[sizeDef.inst]!.data : undefined;
      if (!tmp || tmp.off !== 0n || sizeData?.op !== "const") continue;
      const n = Number(sizeData.value);
      if (f.stackSlots[tmp.slot]!.size !== n || ![1, 2, 4, 8].includes(n)) continue;
      // The temporary's address: only this buffer argument and one full load after it.
      const bufUsers = users.get(buf) ?? [];
      const loads = bufUsers.filter((u) => u !== id);
      if (bufUsers.filter((u) => u === id).length !== 1 || loads.length !== 1) continue;
      const lk = order.indexOf(loads[0]!);
      const load = f.insts[loads[0]!]!;
      if (lk <= k || load.data.op !== "load" || load.data.offset !== 0 || load.data.size !== n)
        continue;
      if (otherSlotUses(f, users, buf, tmp.slot)) continue;
      const copied = users.get(load.result!) ?? [];
      if (copied.length !== 1) continue;
      const sk = order.indexOf(copied[0]!);
      const store = f.insts[copied[0]!]!;
      if (sk <= lk || store.data.op !== "store" || store.data.size !== n) continue;
      if (store.data.value !== load.result || store.data.base === load.result) continue;
      const dst = slotAddress(f, store.data.base);
      if (!dst || dst.slot === tmp.slot) continue;
      // Nothing from the call to the store may reach into the destination slot.
      const touches = (at: number) =>
        operandsOf(f.insts[order[at]!]!.data).some(
          (v) => f.values[v]!.type === "ptr" && slotAddress(f, v)?.slot === dst.slot,
        );
      let clear = d.args.every((v, j) => j === full.buffer || slotAddress(f, v)?.slot !== dst.slot);
      for (let at = k + 1; clear && at < sk; at++) if (touches(at)) clear = false;
      if (!clear) continue;
      const span = f.insts[id]!.span;
      const base = add({ op: "stackslot", slot: dst.slot }, "ptr", span);
      const total = dst.off + BigInt(store.data.offset);
      let addr = base;
      const created = [base];
      if (total !== 0n) {
        const c = add({ op: "const", type: "i64", value: total }, "i64", span);
        addr = add({ op: "ptradd", base, offset: c }, "ptr", span);
        created.push(c, addr);
      }
      const args = d.args.map((v, j) => (j === full.buffer ? addr : v));
      change.set(id, { ...d, args });
      drop.add(loads[0]!).add(copied[0]!);
      const ids = created.map((v) => (values[v]!.def as { inst: InstId }).inst);
      order.splice(k, 0, ...ids);
      k += ids.length;
      edited = true;
    }
    if (edited) blockInsts.set(block, order);
  }
  if (change.size === 0) return { func: f, changed: false };
  return {
    func: rewriteFunc(
      { ...f, values },
      { changeInsts: change, dropInsts: drop, newInsts, blockInsts },
    ),
    changed: true,
  };
}

/** Whether slot `slot` is addressed by any value other than `addr` that has uses. */
function otherSlotUses(
  f: Func,
  users: ReadonlyMap<ValueId, InstId[]>,
  addr: ValueId,
  slot: number,
): boolean {
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const inst = f.insts[id]!;
      if (inst.result === null || inst.result === addr) continue;
      const d = inst.data;
      if (d.op === "stackslot" && d.slot === slot && (users.get(inst.result) ?? []).length > 0)
        return true;
      if (d.op === "ptradd" && slotAddress(f, inst.result)?.slot === slot) return true;
    }
  }
  return false;
}
