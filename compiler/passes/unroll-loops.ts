/**
 * Full unrolling of counted loops when the verifier-cost model says it pays
 * (compiler/passes/verifier-cost.ts): the loop's blocks are copied once per iteration, each copy
 * sees the counter as a constant and its header branches straight to the body (or, after the last
 * iteration, to the exit), so fold-constants and simplify-cfg then remove the tests, the counter's
 * updates and the index clamps that derive from it, and array accesses get fixed offsets.
 *
 *   h(i, x): t = icmp slt i, N; condbr t, B, E(..)      h0(i, x): c0 = const 0; br B0        (i → c0)
 *   B: … x' …; i' = add i, 1; br h(i', x')       →      B0: …; br h1(i'0, x'0)
 *                                                         h1(i, x): c1 = const 1; br B1 …
 *                                                         hT(i, x): cT = const T; br E(..)
 *
 * Values of the loop used after it reach their uses through new parameters of the exit block that
 * dominates the use (one argument per copy's exit edge). A loop is unrolled only when that is
 * possible and the rewritten function passes the IR verifier; otherwise it is left rolled.
 *
 * Consumes a `Func`; produces one without the unrolled loops (innermost loops first: an outer loop
 * becomes a candidate in the pipeline's next round, once its unrolled inner loops are folded).
 */
import { mapOperands, successorsOf } from "../ir/builder.ts";
import { verifyFunc } from "../ir/verify.ts";
import type {
  Block,
  BlockCall,
  BlockId,
  Func,
  Inst,
  InstData,
  InstId,
  Value,
  ValueId,
} from "../ir/types.ts";
import {
  buildCfg,
  countedLoop,
  dominates,
  findLoops,
  type Cfg,
  type CountedLoop,
  type Loop,
} from "./loops.ts";
import type { PassResult } from "./rewrite.ts";
import { DEFAULT_UNROLL, loopCost, worthUnrolling, type UnrollBudget } from "./verifier-cost.ts";

/** Unrolls the innermost counted loops that the cost model accepts. */
export function unrollLoops(f: Func, budget: UnrollBudget = DEFAULT_UNROLL): PassResult {
  let cur = f;
  let changed = false;
  const tried = new Set<BlockId>();
  for (let guard = 0; guard < 16; guard++) {
    const cfg = buildCfg(cur);
    const loops = findLoops(cur, cfg);
    const next = loops.find((l) => !tried.has(l.header) && innermost(l, loops));
    if (!next) break;
    tried.add(next.header);
    const counted = countedLoop(cur, cfg, next, budget.maxTrips);
    if (!counted || !worthUnrolling(cur, loopCost(cur, counted), budget)) continue;
    const out = unrollLoop(cur, cfg, counted);
    if (!out) continue;
    cur = out;
    changed = true;
  }
  return { func: cur, changed };
}

function innermost(l: Loop, loops: readonly Loop[]): boolean {
  return !loops.some((o) => o !== l && l.blocks.has(o.header));
}

/** Which exit block each escaping value reaches its uses through. */
interface Escape {
  readonly value: ValueId;
  readonly exit: BlockId;
  /** The new parameter of `exit` standing for the value. */
  readonly param: ValueId;
}

/** Fully unrolls one counted loop, or returns null when its values cannot be routed out. */
export function unrollLoop(f: Func, cfg: Cfg, c: CountedLoop): Func | null {
  const L = c.loop.blocks;
  const header = c.loop.header;
  const trips = c.values.length;
  if (trips === 0) return null;
  const inLoopLayout = f.layout.filter((l) => L.has(l.block));
  const blockOfInst = new Map<InstId, BlockId>();
  for (const l of f.layout) for (const id of l.insts) blockOfInst.set(id, l.block);

  // Values defined in the loop.
  const defined = new Set<ValueId>();
  for (const l of inLoopLayout) {
    for (const p of f.blocks[l.block]!.params) defined.add(p);
    for (const id of l.insts) {
      const r = f.insts[id]!.result;
      if (r !== null) defined.add(r);
    }
  }
  const isExit = (b: BlockId) =>
    !L.has(b) && (cfg.preds.get(b) ?? []).some((p) => L.has(p) && cfg.idom.has(p));
  const exitDominating = (u: BlockId): BlockId | null => {
    for (let x = u; ;) {
      if (L.has(x)) return null;
      if (isExit(x)) return x;
      const up = cfg.idom.get(x);
      if (up === undefined || up === x) return null;
      x = up;
    }
  };

  const values: Value[] = [...f.values];
  const newValue = (v: Value): ValueId => {
    values.push(v);
    return (values.length - 1) as ValueId;
  };
  const blocks: Block[] = f.blocks.map((b) => ({ params: [...b.params] }));

  // Route every use outside the loop through a parameter of the exit block dominating it.
  const escapes = new Map<string, Escape>();
  const escapesOf = new Map<BlockId, Escape[]>();
  const outsideUse = (u: BlockId, v: ValueId): ValueId | null => {
    if (!defined.has(v)) return v;
    const exit = exitDominating(u);
    if (exit === null) return null;
    const key = `${v}:${exit}`;
    let e = escapes.get(key);
    if (!e) {
      const params = blocks[exit]!.params as ValueId[];
      const param = newValue({
        type: f.values[v]!.type,
        def: { kind: "param", block: exit, index: params.length },
        name: f.values[v]!.name,
      });
      params.push(param);
      e = { value: v, exit, param };
      escapes.set(key, e);
      escapesOf.set(exit, [...(escapesOf.get(exit) ?? []), e]);
    }
    return e.param;
  };
  const insts: Inst[] = [...f.insts];
  let failed = false;
  for (const l of f.layout) {
    if (L.has(l.block) || !cfg.idom.has(l.block)) continue;
    for (const id of l.insts) {
      const d = insts[id]!.data;
      const nd = mapOperands(d, (v) => {
        const r = outsideUse(l.block, v);
        if (r === null) failed = true;
        return r ?? v;
      });
      if (nd !== d) insts[id] = { ...insts[id]!, data: nd };
    }
  }
  if (failed) return null;
  // Edges into exits from outside the loop pass the parameter itself (they are dominated by the exit).
  for (const l of f.layout) {
    if (L.has(l.block)) continue;
    const tid = l.insts[l.insts.length - 1]!;
    const d = insts[tid]!.data;
    const extend = (call: BlockCall): BlockCall => {
      const es = escapesOf.get(call.block);
      if (!es) return call;
      if (!dominates(cfg, call.block, l.block)) failed = true;
      return { block: call.block, args: [...call.args, ...es.map((e) => e.param)] };
    };
    if (d.op === "br")
      insts[tid] = { ...insts[tid]!, data: { op: "br", target: extend(d.target) } };
    else if (d.op === "condbr")
      insts[tid] = { ...insts[tid]!, data: { ...d, then: extend(d.then), else: extend(d.else) } };
  }
  if (failed) return null;

  // Copies: header copies 0..trips, body copies 0..trips-1; copy 0 reuses the original ids.
  const blockCopy: Map<BlockId, BlockId>[] = [];
  const valueCopy: Map<ValueId, ValueId>[] = [];
  for (let k = 0; k <= trips; k++) {
    const bm = new Map<BlockId, BlockId>();
    const vm = new Map<ValueId, ValueId>();
    for (const l of inLoopLayout) {
      if (k === trips && l.block !== header) continue;
      const nb = k === 0 ? l.block : ((blocks.push({ params: [] }) - 1) as BlockId);
      bm.set(l.block, nb);
    }
    blockCopy.push(bm);
    valueCopy.push(vm);
  }
  const counterType = f.values[c.counter]!.type;
  const spanOf = (b: BlockId) => f.insts[f.layout.find((l) => l.block === b)!.insts[0]!]!.span;
  const newLayout = new Map<BlockId, InstId[]>();
  for (let k = 0; k <= trips; k++) {
    const bm = blockCopy[k]!;
    const vm = valueCopy[k]!;
    // Fresh ids for the copy's values (copy 0 keeps its own).
    for (const l of inLoopLayout) {
      const nb = bm.get(l.block);
      if (nb === undefined) continue;
      const params = f.blocks[l.block]!.params;
      if (k > 0) {
        blocks[nb] = {
          params: params.map((p, index) => {
            const np = newValue({ ...f.values[p]!, def: { kind: "param", block: nb, index } });
            vm.set(p, np);
            return np;
          }),
        };
      }
    }
    // The counter is a constant in this copy.
    const cValue = k < trips ? c.values[k]! : c.exitValue;
    const constInst = insts.length as InstId;
    const cv = newValue({ type: counterType, def: { kind: "inst", inst: constInst } });
    insts.push({
      data: { op: "const", type: counterType, value: cValue },
      result: cv,
      span: spanOf(header),
    });
    vm.set(c.counter, cv);
    // Results first (an instruction may use a value defined later in layout order only across a
    // back edge, which the copies cut), then the rewritten instructions.
    const ids = new Map<InstId, InstId>();
    for (const l of inLoopLayout) {
      if (!bm.has(l.block)) continue;
      for (const id of l.insts) {
        const inst = f.insts[id]!;
        if (k === 0) {
          ids.set(id, id);
          continue;
        }
        const nid = (insts.length + ids.size) as InstId;
        ids.set(id, nid);
        if (inst.result !== null)
          vm.set(
            inst.result,
            newValue({ ...f.values[inst.result]!, def: { kind: "inst", inst: nid } }),
          );
      }
    }
    const pending: [InstId, Inst][] = [];
    for (const l of inLoopLayout) {
      const nb = bm.get(l.block);
      if (nb === undefined) continue;
      const list: InstId[] = l.block === header ? [constInst] : [];
      for (const id of l.insts) {
        const inst = f.insts[id]!;
        let data = mapOperands(inst.data, (v) => vm.get(v) ?? v);
        if (id === l.insts[l.insts.length - 1]!) {
          data = retarget(data, l.block, k);
          if (data === FAIL) return null;
        }
        const nid = ids.get(id)!;
        pending.push([
          nid,
          {
            ...inst,
            data,
            result: inst.result === null ? null : (vm.get(inst.result) ?? inst.result),
          },
        ]);
        list.push(nid);
      }
      newLayout.set(nb, list);
    }
    for (const [nid, inst] of pending) insts[nid] = inst;
  }

  function retarget(d: InstData, from: BlockId, k: number): InstData {
    const vm = valueCopy[k]!;
    const map = (call: BlockCall): BlockCall | null => {
      const args = call.args.map((v) => vm.get(v) ?? v);
      if (call.block === header) {
        if (from !== c.latch || k + 1 > trips) return null;
        return { block: blockCopy[k + 1]!.get(header)!, args };
      }
      if (L.has(call.block)) {
        const nb = blockCopy[k]!.get(call.block);
        return nb === undefined ? null : { block: nb, args };
      }
      const es = escapesOf.get(call.block) ?? [];
      const extra = es.map((e) => vm.get(e.value) ?? (k === 0 ? e.value : undefined));
      if (extra.some((v) => v === undefined)) return null;
      return { block: call.block, args: [...args, ...(extra as ValueId[])] };
    };
    if (from === header && d.op === "condbr") {
      // The header's test is known in every copy: into the body, or out after the last iteration.
      const stay = k < trips;
      const inThen = L.has(d.then.block);
      const chosen = map(stay === inThen ? d.then : d.else);
      return chosen === null ? FAIL : { op: "br", target: chosen };
    }
    if (d.op === "br") {
      const t = map(d.target);
      return t === null ? FAIL : { op: "br", target: t };
    }
    if (d.op === "condbr") {
      const a = map(d.then);
      const b = map(d.else);
      return a === null || b === null ? FAIL : { ...d, then: a, else: b };
    }
    return d;
  }

  // Layout: the copies follow the loop's last block, in iteration order.
  const lastLoopPos = Math.max(...f.layout.map((l, i) => (L.has(l.block) ? i : -1)));
  const layout: Func["layout"][number][] = [];
  f.layout.forEach((l, i) => {
    if (L.has(l.block)) layout.push({ block: l.block, insts: newLayout.get(l.block)! });
    else layout.push({ block: l.block, insts: l.insts.map((id) => id) });
    if (i === lastLoopPos) {
      for (let k = 1; k <= trips; k++) {
        for (const il of inLoopLayout) {
          const nb = blockCopy[k]!.get(il.block);
          if (nb !== undefined) layout.push({ block: nb, insts: newLayout.get(nb)! });
        }
      }
    }
  });
  const out: Func = { ...f, values, insts, blocks, layout };
  return verifyFunc(out).length === 0 ? out : null;
}

const FAIL: InstData = { op: "unreachable" };
