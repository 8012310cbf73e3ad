/**
 * Shared edit helpers for passes: IR records are immutable, so a pass describes its edit (values to
 * replace, instructions to drop or change, blocks to drop) and `rewriteFunc` builds the new `Func`.
 *
 * Consumes a `Func` and an edit; produces a new `Func` whose operands are resolved through the
 * replacement map (transitively), with dropped instructions and blocks removed from the layout. The
 * entity arrays keep their ids (dead entries simply fall out of the layout), so printing stays stable.
 */
import { mapOperands, operandsOf } from "../ir/builder.ts";
import type {
  BlockCall,
  BlockId,
  Func,
  Inst,
  InstData,
  InstId,
  Value,
  ValueId,
} from "../ir/types.ts";

/** An edit to apply to a function. */
export interface FuncEdit {
  readonly replace?: ReadonlyMap<ValueId, ValueId>;
  readonly dropInsts?: ReadonlySet<InstId>;
  readonly changeInsts?: ReadonlyMap<InstId, InstData>;
  readonly dropBlocks?: ReadonlySet<BlockId>;
  /** New parameter lists for blocks. */
  readonly blockParams?: ReadonlyMap<BlockId, readonly ValueId[]>;
  /** Replacement instruction lists for blocks. */
  readonly blockInsts?: ReadonlyMap<BlockId, readonly InstId[]>;
  /** Extra instructions appended to the entity table (ids must continue `insts.length`). */
  readonly newInsts?: readonly Inst[];
}

/** Applies an edit; returns the new function. */
export function rewriteFunc(f: Func, e: FuncEdit): Func {
  const replace = e.replace ?? new Map();
  const resolve = (v: ValueId): ValueId => {
    let cur = v;
    for (let n = 0; n < 1000 && replace.has(cur); n++) cur = replace.get(cur)!;
    return cur;
  };
  const layout = f.layout
    .filter((l) => !e.dropBlocks?.has(l.block))
    .map((l) => ({
      block: l.block,
      insts: (e.blockInsts?.get(l.block) ?? l.insts).filter((i) => !e.dropInsts?.has(i)),
    }));
  // Operands are replaced in the instructions of the new layout only: the others are dead entries
  // (kept for their ids), which nothing reads again.
  const live = new Uint8Array(f.insts.length + (e.newInsts?.length ?? 0));
  if (replace.size > 0) for (const l of layout) for (const id of l.insts) live[id] = 1;
  const insts: Inst[] = [...f.insts, ...(e.newInsts ?? [])].map((inst, id) => {
    const changed = e.changeInsts?.get(id as InstId) ?? inst.data;
    const data = live[id] === 1 ? mapOperands(changed, resolve) : changed;
    return data === inst.data ? inst : { ...inst, data };
  });
  const blocks = f.blocks.map((b, id) => {
    const params = e.blockParams?.get(id as BlockId);
    return params ? { params } : b;
  });
  // Parameters that changed position get their records renumbered; removed ones are re-pointed at a
  // dead `const 0` outside the layout (the same placeholder the IR parser uses for unused ids).
  let values: Value[] = f.values as Value[];
  if (e.blockParams && e.blockParams.size > 0) {
    values = [...f.values];
    for (const [block, params] of e.blockParams) {
      params.forEach((p, index) => {
        values[p] = { ...values[p]!, def: { kind: "param", block, index } };
      });
      for (const old of f.blocks[block]!.params) {
        if (params.includes(old)) continue;
        const inst = insts.length as InstId;
        insts.push({
          data: { op: "const", type: values[old]!.type, value: 0n },
          result: old,
          span: f.span,
        });
        values[old] = { ...values[old]!, def: { kind: "inst", inst } };
      }
    }
  }
  return { ...f, values, insts, blocks, layout };
}

/** Number of uses of each value by instructions in the layout. */
export function countUses(f: Func): Map<ValueId, number> {
  const uses = new Map<ValueId, number>();
  for (const { insts } of f.layout) {
    for (const id of insts) {
      for (const v of operandsOf(f.insts[id]!.data)) uses.set(v, (uses.get(v) ?? 0) + 1);
    }
  }
  return uses;
}

/** The instruction defining a value, or undefined for block parameters. */
export function defInst(f: Func, v: ValueId): Inst | undefined {
  const def = f.values[v]?.def;
  return def?.kind === "inst" ? f.insts[def.inst] : undefined;
}

/** The constant a value is, if it is defined by `const`. */
export function constValue(f: Func, v: ValueId): bigint | undefined {
  const d = defInst(f, v)?.data;
  return d?.op === "const" ? d.value : undefined;
}

/** Result of running a pass on a function. */
export interface PassResult {
  readonly func: Func;
  readonly changed: boolean;
}

/**
 * Rewrites the block calls of every terminator through `edge` (which returns the call unchanged, or
 * the call to use instead); returns the instruction changes for `rewriteFunc`.
 */
export function retargetEdges(
  f: Func,
  edge: (call: BlockCall, from: BlockId) => BlockCall,
): Map<InstId, InstData> {
  const change = new Map<InstId, InstData>();
  for (const { block, insts } of f.layout) {
    const id = insts[insts.length - 1]!;
    const d = f.insts[id]!.data;
    if (d.op === "br") {
      const t = edge(d.target, block);
      if (t !== d.target) change.set(id, { op: "br", target: t });
    } else if (d.op === "condbr") {
      const a = edge(d.then, block);
      const b = edge(d.else, block);
      if (a !== d.then || b !== d.else) change.set(id, { ...d, then: a, else: b });
    }
  }
  return change;
}
