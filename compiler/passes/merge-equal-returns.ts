/**
 * Returns of a value known to equal the constant returned: in `if (err != 0) return err; ...
 * return 0;` the `return 0` blocks lie where the dominating branches prove `err == 0`, so they may
 * return `err` as the first exit does, and merge-identical-blocks then makes the two exits one
 * (clang folds its phi of `err` and 0 into `err` the same way). One exit, its `r0 = 0` and its
 * `exit` disappear, for keeping `err` in a register until the end.
 *
 * Consumes a `Func`; produces one where each parameterless block that only returns a constant `c`
 * (`ret c`, or `v = const c; ret v`) is rewritten to `w = ext x; ret w` when another parameterless
 * block is exactly `w' = ext x; ret w'` (`ext` a zext or sext), x's definition dominates the block and
 * the range analysis (ranges.ts, from the dominating conditions) pins x there to the one value whose
 * extension is `c`. Nothing else changes, so the rewritten block computes the same r0.
 */
import { IR_BITS } from "../ir/evaluate.ts";
import type { BlockId, Func, Inst, InstId, IrType, Value, ValueId } from "../ir/types.ts";
import { buildCfg, dominates } from "./loops.ts";
import { analyzeRanges } from "./ranges.ts";
import { rewriteFunc, type PassResult } from "./rewrite.ts";

/** An exit `w = ext x; ret w`. */
interface ExtReturn {
  readonly block: BlockId;
  readonly op: "zext" | "sext";
  readonly type: IrType;
  readonly arg: ValueId;
}

/** Rewrites constant returns into returns of an equal extended value another exit returns. */
export function mergeEqualReturns(f: Func): PassResult {
  const exts: ExtReturn[] = [];
  const consts: { block: BlockId; value: bigint; ret: InstId }[] = [];
  for (const { block, insts } of f.layout) {
    if (f.blocks[block]!.params.length > 0 || insts.length > 2) continue;
    const ret = f.insts[insts[insts.length - 1]!]!;
    if (ret.data.op !== "ret" || ret.data.value === null) continue;
    const v = f.values[ret.data.value]!;
    if (v.def.kind !== "inst") continue;
    const d = f.insts[v.def.inst]!.data;
    const local = insts.length === 2 && insts[0] === v.def.inst;
    if (d.op === "const" && (local || insts.length === 1))
      consts.push({ block, value: d.value, ret: insts[insts.length - 1]! });
    else if ((d.op === "zext" || d.op === "sext") && local)
      exts.push({ block, op: d.op, type: d.type, arg: d.arg });
  }
  if (exts.length === 0 || consts.length === 0) return { func: f, changed: false };
  const cfg = buildCfg(f);
  const ranges = analyzeRanges(f, cfg);
  const values: Value[] = [...f.values];
  const newInsts: Inst[] = [];
  const blockInsts = new Map<BlockId, InstId[]>();
  for (const c of consts) {
    if (!cfg.idom.has(c.block)) continue;
    const hit = exts.find((e) => {
      if (e.block === c.block || !definedAbove(f, cfg, e.arg, c.block)) return false;
      const r = ranges.rangeAt(e.arg, c.block);
      if (r.lo !== r.hi) return false;
      const bits = BigInt(IR_BITS[f.values[e.arg]!.type]);
      const x = e.op === "zext" && r.lo < 0n ? r.lo + (1n << bits) : r.lo;
      return wrap(x, e.type) === wrap(c.value, e.type);
    });
    if (!hit) continue;
    const span = f.insts[c.ret]!.span;
    const w = values.length as ValueId;
    const ext = (f.insts.length + newInsts.length) as InstId;
    values.push({ type: hit.type, def: { kind: "inst", inst: ext } });
    newInsts.push({ data: { op: hit.op, type: hit.type, arg: hit.arg }, result: w, span });
    newInsts.push({ data: { op: "ret", value: w }, result: null, span });
    blockInsts.set(c.block, [ext, (ext + 1) as InstId]);
  }
  if (blockInsts.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc({ ...f, values }, { blockInsts, newInsts }), changed: true };
}

/** Whether `v` is defined in a block that dominates `b` (so `b` may use it). */
function definedAbove(f: Func, cfg: ReturnType<typeof buildCfg>, v: ValueId, b: BlockId): boolean {
  const def = f.values[v]!.def;
  if (def.kind === "param") return dominates(cfg, def.block, b);
  const at = f.layout.find((l) => l.insts.includes(def.inst));
  return at !== undefined && at.block !== b && dominates(cfg, at.block, b);
}

/** `x` as an unsigned value of `type`'s width. */
function wrap(x: bigint, type: IrType): bigint {
  return BigInt.asUintN(IR_BITS[type], x);
}
