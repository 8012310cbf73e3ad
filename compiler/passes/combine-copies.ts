/**
 * Field-by-field copies out of a read-only context become one copy: `key.sport = ctx.sport;
 * key.dport = ctx.dport; ...` stores, side by side, values loaded side by side from the context, so
 * the run is `memcpy` of its bytes, which the back end moves in the widest accesses both addresses
 * allow (addrcopy: four 2-byte loads and stores become one 8-byte pair).
 *
 *   v1 = load.2 ctx, 24; store.2 d, 32, v1        →   memcpy (d + 32), (ctx + 24), 8
 *   v2 = load.2 ctx, 26; store.2 d, 34, v2
 *   ... (offsets rising by the access size on both sides)
 *
 * Only for the context of a program whose context is a plain buffer (pointer-alignment.ts
 * `bufferContextArg`: the program cannot write it) and that passes the context to no call (a
 * helper such as bpf_override_return could change it), so each load reads at the copy what it read
 * where it was; between the run's stores sit only pure instructions and loads of the context
 * (nothing reads the destination half-written); and only when the copy takes fewer accesses than the run's stores.
 * Loads with no other use die.
 *
 * Consumes a `Func`; produces one with each such run's last store replaced by the copy and the
 * others dropped.
 */
import { operandsOf } from "../ir/builder.ts";
import type { Func, Inst, InstData, InstId, Value, ValueId } from "../ir/types.ts";
import { fillCost } from "./eliminate-dead-stores.ts";
import { isPure } from "./op-classes.ts";
import { bufferContextArg, pointerAlignment } from "./pointer-alignment.ts";
import { defInst, rewriteFunc, type PassResult } from "./rewrite.ts";

/** A store of a value loaded from the context at `from`. */
interface CopyStore {
  readonly id: InstId;
  readonly size: number;
  readonly base: ValueId;
  readonly offset: number;
  readonly from: number;
}

/** Alignment of `base + offset` given the base's. */
function alignAt(baseAlign: number, offset: number): number {
  let a = baseAlign;
  while (a > 1 && offset % a !== 0) a /= 2;
  return a;
}

/** Replaces runs of stores of context fields copied in order with one `memcpy`. */
export function combineCopies(f: Func): PassResult {
  const ctx = bufferContextArg(f);
  if (ctx === null || passesContext(f, ctx)) return { func: f, changed: false };
  const copyOf = (id: InstId): CopyStore | null => {
    const d = f.insts[id]!.data;
    if (d.op !== "store" || d.size === 8) return null;
    const l = defInst(f, d.value)?.data;
    if (l?.op !== "load" || l.base !== ctx || l.size !== d.size) return null;
    return { id, size: d.size, base: d.base, offset: d.offset, from: l.offset };
  };
  let align: ((v: ValueId) => number) | null = null;
  const values: Value[] = [...f.values];
  const newInsts: Inst[] = [];
  const change = new Map<InstId, InstData>();
  const drop = new Set<InstId>();
  const blockInsts = new Map<Func["layout"][number]["block"], InstId[]>();
  const constant = (type: "i64", value: bigint, span: Inst["span"]): ValueId => {
    const v = values.length as ValueId;
    values.push({
      type,
      def: { kind: "inst", inst: (f.insts.length + newInsts.length) as InstId },
    });
    newInsts.push({ data: { op: "const", type, value }, result: v, span });
    return v;
  };
  const address = (base: ValueId, offset: number, span: Inst["span"]): ValueId => {
    const k = constant("i64", BigInt(offset), span);
    const v = values.length as ValueId;
    values.push({
      type: "ptr",
      def: { kind: "inst", inst: (f.insts.length + newInsts.length) as InstId },
    });
    newInsts.push({ data: { op: "ptradd", base, offset: k }, result: v, span });
    return v;
  };
  for (const { block, insts } of f.layout) {
    let run: CopyStore[] = [];
    const extra = new Map<InstId, InstId[]>();
    const finish = () => {
      if (run.length >= 2) {
        align ??= pointerAlignment(f);
        const first = run[0]!;
        const last = run[run.length - 1]!;
        const size = last.offset + last.size - first.offset;
        const a = Math.min(
          alignAt(align(first.base), first.offset),
          alignAt(align(ctx), first.from),
        );
        // As many loads as stores: the copy pays when it needs fewer stores than the run.
        if (fillCost(size, Math.max(a, first.size)) < run.length) {
          const span = f.insts[last.id]!.span;
          const before = newInsts.length;
          const dst = address(first.base, first.offset, span);
          const src = address(ctx, first.from, span);
          const ids = newInsts.slice(before).map((_, k) => (f.insts.length + before + k) as InstId);
          extra.set(last.id, ids);
          change.set(last.id, { op: "memcpy", dst, src, size, align: first.size });
          for (const s of run.slice(0, -1)) drop.add(s.id);
        }
      }
      run = [];
    };
    for (const id of insts) {
      const c = copyOf(id);
      const prev = run[run.length - 1];
      if (c !== null) {
        const next =
          prev !== undefined &&
          c.size === prev.size &&
          c.base === prev.base &&
          c.offset === prev.offset + prev.size &&
          c.from === prev.from + prev.size;
        if (!next) finish();
        run.push(c);
        continue;
      }
      const d = f.insts[id]!.data;
      // Loads of the (read-only) context may sit between; anything else may read the destination.
      if (!isPure(d) && !(d.op === "load" && d.base === ctx)) finish();
    }
    finish();
    if (extra.size > 0)
      blockInsts.set(
        block,
        insts.flatMap((id) => [...(extra.get(id) ?? []), id]),
      );
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

/** Whether a call in `f` is given the context or an address computed from it. */
function passesContext(f: Func, ctx: ValueId): boolean {
  const derived = new Set<ValueId>([ctx]);
  for (const { insts } of f.layout)
    for (const id of insts) {
      const inst = f.insts[id]!;
      if (inst.data.op === "ptradd" && derived.has(inst.data.base) && inst.result !== null)
        derived.add(inst.result);
    }
  for (const { insts } of f.layout)
    for (const id of insts) {
      const d = f.insts[id]!.data;
      if ((d.op === "callhelper" || d.op === "call") && operandsOf(d).some((v) => derived.has(v)))
        return true;
    }
  return false;
}
