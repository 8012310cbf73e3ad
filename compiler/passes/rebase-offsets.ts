/**
 * Offsets rebased on an address already formed: `r = ptradd p, zext(add x, c)` becomes
 * `r = ptradd q, zext x` when `q = ptradd p, c` is computed where it dominates `r`. A header after a
 * variable-length one, `ctx.header<Ports>(ETH_HLEN + ihl * 4)`, then starts from the IPv4 header's
 * address the bounds check already formed (`data + 14`), and the `+ 14` disappears (clang forms it
 * the same way).
 *
 * Consumes a `Func`; produces one where such `ptradd`s take the new base and offset. The rewrite
 * applies only when the `add` and its extension have no other use (both die, one new `zext x`
 * comes in, which costs nothing after a 32-bit operation) and, for an `i32` add, when the value
 * ranges (ranges.ts) show `x + c` cannot wrap, so `zext(x + c) = zext x + c` exactly. An `i64` add
 * needs no range: addresses wrap at 64 bits as it does.
 */
import type { BlockId, Func, Inst, InstData, InstId, Value, ValueId } from "../ir/types.ts";
import { buildCfg, dominates } from "./loops.ts";
import { analyzeRanges } from "./ranges.ts";
import { constValue, countUses, defInst, rewriteFunc, type PassResult } from "./rewrite.ts";

/** An `add x, c` (or `add c, x`) with a constant `c`. */
function addOfConst(f: Func, v: ValueId): { x: ValueId; c: bigint } | undefined {
  const d = defInst(f, v)?.data;
  if (d?.op !== "binary" || d.binop !== "add") return undefined;
  const r = constValue(f, d.rhs);
  if (r !== undefined) return { x: d.lhs, c: r };
  const l = constValue(f, d.lhs);
  return l === undefined ? undefined : { x: d.rhs, c: l };
}

/** Rebases `ptradd p, ext(add x, c)` on a dominating `ptradd p, c`. */
export function rebaseOffsets(f: Func): PassResult {
  // Every `q = ptradd p, c` with a constant c, by base and offset.
  const formed = new Map<string, { q: ValueId; block: BlockId; at: number }[]>();
  const blockOf = new Map<InstId, { block: BlockId; at: number }>();
  for (const { block, insts } of f.layout) {
    insts.forEach((id, at) => {
      blockOf.set(id, { block, at });
      const inst = f.insts[id]!;
      if (inst.data.op !== "ptradd" || inst.result === null) return;
      const c = constValue(f, inst.data.offset);
      if (c === undefined) return;
      const key = `${inst.data.base}:${BigInt.asIntN(64, c)}`;
      formed.set(key, [...(formed.get(key) ?? []), { q: inst.result, block, at }]);
    });
  }
  if (formed.size === 0) return { func: f, changed: false };
  const uses = countUses(f);
  let cfg: ReturnType<typeof buildCfg> | null = null;
  let ranges: ReturnType<typeof analyzeRanges> | null = null;
  const values: Value[] = [...f.values];
  const newInsts: Inst[] = [];
  const change = new Map<InstId, InstData>();
  const blockInsts = new Map<BlockId, InstId[]>();
  for (const { block, insts } of f.layout) {
    const order: InstId[] = [];
    insts.forEach((id, at) => {
      const d = f.insts[id]!.data;
      order.push(id);
      if (d.op !== "ptradd" || uses.get(d.offset) !== 1) return;
      const ext = defInst(f, d.offset)?.data;
      const wide = ext?.op === "zext" && uses.get(ext.arg) === 1 ? ext.arg : d.offset;
      const sum = addOfConst(f, wide);
      if (sum === undefined || (wide === d.offset && f.values[wide]!.type !== "i64")) return;
      const candidates = formed.get(`${d.base}:${BigInt.asIntN(64, sum.c)}`) ?? [];
      cfg ??= buildCfg(f);
      const c = cfg;
      const base = candidates.find(
        (q) =>
          (q.block === block && q.at < at) || (q.block !== block && dominates(c, q.block, block)),
      );
      if (base === undefined) return;
      let offset = sum.x;
      if (wide !== d.offset) {
        // zext(x + c) = zext x + c only when x + c stays below 2^32.
        if (f.values[wide]!.type !== "i32" || sum.c < 0n) return;
        ranges ??= analyzeRanges(f, cfg);
        const r = ranges.rangeAt(sum.x, block);
        if (r.lo < 0n || r.hi + sum.c > 0xffffffffn) return;
        offset = values.length as ValueId;
        const zext = (f.insts.length + newInsts.length) as InstId;
        values.push({ type: "i64", def: { kind: "inst", inst: zext } });
        newInsts.push({
          data: { op: "zext", type: "i64", arg: sum.x },
          result: offset,
          span: f.insts[id]!.span,
        });
        order.splice(order.length - 1, 0, zext);
        blockInsts.set(block, order);
      }
      change.set(id, { ...d, base: base.q, offset });
    });
  }
  if (change.size === 0) return { func: f, changed: false };
  return {
    func: rewriteFunc({ ...f, values }, { changeInsts: change, newInsts, blockInsts }),
    changed: true,
  };
}
