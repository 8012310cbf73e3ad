/**
 * Inlining of small local functions (a module pass): a `call @g(args)` is replaced by a copy of g's
 * body, so the BPF-to-BPF call, the argument moves into r1–r5 and the callee's own frame disappear,
 * and the passes after it see through the call (constants, known arguments). Subprograms whose calls
 * were all inlined are removed; programs (functions with a section) are never removed.
 *
 * Consumes a `Module`; produces one with calls replaced. The heuristic (`InlineOptions`): the callee
 * is a leaf (makes no local call itself, so recursion cannot unroll; callers that become leaves are
 * candidates in the next round), and either has at most `maxInsts` instructions, or has one call site
 * in the whole module (then inlining cannot grow the object), or two call sites and at most
 * `twoSiteMaxInsts` instructions (one extra copy). The kernel verifier walks a callee's body once per
 * path through each call anyway, so inlining costs it nothing and saves every walk the call, the
 * exit and the moves of arguments and callee-saved registers: tc-marker's `count()`, called on both
 * outcomes of a lookup, verifies 87 → 69 instructions inlined. The caller's stack must stay within the
 * 512-byte BPF frame once the callee's slots join it (kernel Documentation/bpf/verifier.rst).
 *
 * How one call is inlined, for a call at index k of block B with result r:
 *   B: pre…; r = call @g(a, b); post…; term   →   B: pre…; br G0(a, b)
 *                                                 G0(p, q): …g's entry block…      (copied blocks,
 *                                                 …ret v → br C(v)                  values, slots)
 *                                                 C(r): post…; term
 * r keeps its id and becomes C's parameter; simplify-cfg then merges the straight-line joins.
 */
import { mapOperands } from "../ir/builder.ts";
import { MAX_STACK_BYTES } from "../ir/verify.ts";
import type {
  Block,
  BlockCall,
  BlockId,
  Func,
  Inst,
  InstData,
  InstId,
  Module,
  Value,
  ValueId,
} from "../ir/types.ts";

/** Tuning of the inliner. */
export interface InlineOptions {
  /** Callees with at most this many instructions are inlined at every call site. */
  readonly maxInsts: number;
  /** Callees with two call sites and at most this many instructions are inlined at both. */
  readonly twoSiteMaxInsts: number;
  /** Rounds (each round inlines leaves; callers may become leaves). */
  readonly maxRounds: number;
}

/** Default heuristic: small enough that a copy costs less than a call's argument shuffling. */
export const DEFAULT_INLINE: InlineOptions = { maxInsts: 12, twoSiteMaxInsts: 32, maxRounds: 4 };

/** Inlines calls to small leaf functions; returns the new module and whether anything changed. */
export function inlineFunctions(
  m: Module,
  opts: InlineOptions = DEFAULT_INLINE,
): { module: Module; changed: boolean } {
  let funcs = [...m.functions];
  let changed = false;
  for (let round = 0; round < opts.maxRounds; round++) {
    const byName = new Map(funcs.map((f) => [f.name, f]));
    const callSites = new Map<string, number>();
    for (const f of funcs)
      for (const c of callsOf(f)) callSites.set(c.callee, (callSites.get(c.callee) ?? 0) + 1);
    const inlinable = (name: string, caller: Func): Func | undefined => {
      const g = byName.get(name);
      if (!g || g === caller || callsOf(g).length > 0) return undefined;
      const size = g.layout.reduce((n, l) => n + l.insts.length, 0);
      const sites = callSites.get(name);
      return size <= opts.maxInsts || sites === 1 || (sites === 2 && size <= opts.twoSiteMaxInsts)
        ? g
        : undefined;
    };
    let roundChanged = false;
    funcs = funcs.map((f) => {
      let cur = f;
      for (let guard = 0; guard < 64; guard++) {
        const site = callsOf(cur).find((c) => inlinable(c.callee, cur) !== undefined);
        if (!site) break;
        const g = inlinable(site.callee, cur)!;
        if (frameBytes([...cur.stackSlots, ...g.stackSlots]) > MAX_STACK_BYTES) break;
        cur = inlineCall(cur, site.inst, g);
        roundChanged = true;
      }
      return cur;
    });
    if (!roundChanged) break;
    changed = true;
  }
  // Drop subprograms whose every call was inlined (ones that never had a caller are left alone).
  const calledBefore = new Set(m.functions.flatMap((f) => callsOf(f).map((c) => c.callee)));
  const called = new Set(funcs.flatMap((f) => callsOf(f).map((c) => c.callee)));
  const kept = funcs.filter(
    (f) => f.section !== null || called.has(f.name) || !calledBefore.has(f.name),
  );
  if (kept.length !== funcs.length) changed = true;
  return { module: changed ? { ...m, functions: kept } : m, changed };
}

function callsOf(f: Func): { inst: InstId; callee: string }[] {
  const out: { inst: InstId; callee: string }[] = [];
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const d = f.insts[id]!.data;
      if (d.op === "call") out.push({ inst: id, callee: d.callee });
    }
  }
  return out;
}

function frameBytes(slots: Func["stackSlots"]): number {
  let n = 0;
  for (const s of [...slots].sort((a, b) => b.align - a.align))
    n = Math.ceil((n + s.size) / s.align) * s.align;
  return n;
}

/** Replaces the call instruction `callId` of `f` by a copy of `g`'s body. */
export function inlineCall(f: Func, callId: InstId, g: Func): Func {
  const call = f.insts[callId]!;
  if (call.data.op !== "call") throw new Error("internal: inlineCall needs a call instruction");
  const args = call.data.args;
  const r = call.result;
  const vBase = f.values.length;
  const iBase = f.insts.length;
  const bBase = f.blocks.length;
  const sBase = f.stackSlots.length;
  const cont = (bBase + g.blocks.length) as BlockId;
  const nv = (v: ValueId) => (vBase + v) as ValueId;
  const nb = (b: BlockId) => (bBase + b) as BlockId;
  const retarget = (c: BlockCall): BlockCall => ({ block: nb(c.block), args: c.args });

  const values: Value[] = [...f.values];
  for (const v of g.values) {
    const def =
      v.def.kind === "inst"
        ? { kind: "inst" as const, inst: (iBase + v.def.inst) as InstId }
        : { kind: "param" as const, block: nb(v.def.block), index: v.def.index };
    values.push({ ...v, def });
  }
  if (r !== null) values[r] = { ...values[r]!, def: { kind: "param", block: cont, index: 0 } };

  const insts: Inst[] = [...f.insts];
  for (const inst of g.insts) {
    // Operands first (block-call arguments included), then block ids, slots and returns.
    let data: InstData = mapOperands(inst.data, nv);
    if (data.op === "br") data = { op: "br", target: retarget(data.target) };
    else if (data.op === "condbr")
      data = { ...data, then: retarget(data.then), else: retarget(data.else) };
    else if (data.op === "stackslot") data = { op: "stackslot", slot: data.slot + sBase };
    else if (data.op === "ret") {
      const passed = r !== null && data.value !== null ? [data.value] : [];
      data = { op: "br", target: { block: cont, args: passed } };
    }
    insts.push({ ...inst, data, result: inst.result === null ? null : nv(inst.result) });
  }
  const gEntry = g.layout[0]!.block;
  const jump = insts.length as InstId;
  insts.push({
    data: { op: "br", target: { block: nb(gEntry), args } },
    result: null,
    span: call.span,
  });

  const blocks: Block[] = [...f.blocks];
  for (const b of g.blocks) blocks.push({ params: b.params.map(nv) });
  blocks.push({ params: r !== null ? [r] : [] });

  const layout: Func["layout"][number][] = [];
  for (const l of f.layout) {
    const k = l.insts.indexOf(callId);
    if (k < 0) {
      layout.push(l);
      continue;
    }
    layout.push({ block: l.block, insts: [...l.insts.slice(0, k), jump] });
    for (const gl of g.layout)
      layout.push({ block: nb(gl.block), insts: gl.insts.map((i) => (iBase + i) as InstId) });
    layout.push({ block: cont, insts: l.insts.slice(k + 1) });
  }
  return { ...f, values, insts, blocks, stackSlots: [...f.stackSlots, ...g.stackSlots], layout };
}
