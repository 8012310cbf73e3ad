/**
 * Loop analysis shared by the passes: natural loops (a back edge `latch → header` where the header
 * dominates the latch, with every block that reaches the latch without passing the header), and
 * counted loops (a header parameter that starts at a constant, steps by a constant on the back edge
 * and is compared with a constant by the header's exit test), with their trip count and the range
 * the counter has inside the body.
 *
 * Consumes a `Func`; produces plain data (block sets, counts). Nothing is cached: a pass asks again
 * after it changes the function.
 */
import { evalBinary, evalCond, IR_BITS, normalizeConst, SWAPPED_COND } from "../ir/evaluate.ts";
import { successorsOf } from "../ir/builder.ts";
import { computeDominators } from "../ir/verify.ts";
import type { BlockId, Cond, Func, InstId, ValueId } from "../ir/types.ts";
import { constValue, defInst } from "./rewrite.ts";

/** The control-flow graph of the blocks in the layout. */
export interface Cfg {
  readonly succs: ReadonlyMap<BlockId, readonly BlockId[]>;
  readonly preds: ReadonlyMap<BlockId, readonly BlockId[]>;
  readonly idom: ReadonlyMap<BlockId, BlockId>;
  /** The terminator instruction of each block. */
  readonly term: ReadonlyMap<BlockId, InstId>;
}

export function buildCfg(f: Func): Cfg {
  const succs = new Map<BlockId, BlockId[]>();
  const preds = new Map<BlockId, BlockId[]>();
  const term = new Map<BlockId, InstId>();
  for (const { block } of f.layout) preds.set(block, []);
  for (const { block, insts } of f.layout) {
    const id = insts[insts.length - 1]!;
    term.set(block, id);
    const ss = successorsOf(f.insts[id]!.data).map((c) => c.block);
    succs.set(block, ss);
    for (const s of ss) preds.get(s)?.push(block);
  }
  return { succs, preds, idom: computeDominators(f), term };
}

/** Whether block `a` dominates block `b` (both reachable). */
export function dominates(cfg: Cfg, a: BlockId, b: BlockId): boolean {
  for (let x = b; ;) {
    if (x === a) return true;
    const up = cfg.idom.get(x);
    if (up === undefined || up === x) return false;
    x = up;
  }
}

/** A natural loop: its header, its back edges' sources and its blocks (header included). */
export interface Loop {
  readonly header: BlockId;
  readonly latches: readonly BlockId[];
  readonly blocks: ReadonlySet<BlockId>;
}

/** The natural loops of `f`, one per header (back edges to one header share it), innermost first. */
export function findLoops(f: Func, cfg: Cfg = buildCfg(f)): Loop[] {
  const byHeader = new Map<BlockId, BlockId[]>();
  for (const [b, ss] of cfg.succs) {
    if (!cfg.idom.has(b)) continue;
    for (const s of ss) {
      if (dominates(cfg, s, b)) byHeader.set(s, [...(byHeader.get(s) ?? []), b]);
    }
  }
  const loops: Loop[] = [];
  for (const [header, latches] of byHeader) {
    const blocks = new Set<BlockId>([header]);
    const work = [...latches];
    while (work.length > 0) {
      const b = work.pop()!;
      if (blocks.has(b)) continue;
      blocks.add(b);
      for (const p of cfg.preds.get(b) ?? []) if (cfg.idom.has(p)) work.push(p);
    }
    loops.push({ header, latches, blocks });
  }
  return loops.sort((a, b) => a.blocks.size - b.blocks.size);
}

/** A loop whose trip count is known at compile time. */
export interface CountedLoop {
  readonly loop: Loop;
  readonly latch: BlockId;
  /** The block entering the loop (its only predecessor outside it). */
  readonly preheader: BlockId;
  /** Index of the counter among the header's parameters. */
  readonly param: number;
  readonly counter: ValueId;
  /** Counter value in each iteration that runs the body (length = trip count). */
  readonly values: readonly bigint[];
  /** The counter's value when the exit test fails (after the last iteration). */
  readonly exitValue: bigint;
  /** The header's successor that stays in the loop. */
  readonly bodyEntry: BlockId;
}

/**
 * Recognises `for (i = c0; i <cond> N; i += s)` in SSA form: the header ends in
 * `condbr (icmp cond counter, N)` (or `N, counter`) with one successor in the loop, the counter is a
 * header parameter receiving a constant from the one preheader edge and `counter + s` (or `- s`)
 * from the one latch. Loops that run more than `maxTrips` times are not counted.
 */
export function countedLoop(f: Func, cfg: Cfg, loop: Loop, maxTrips: number): CountedLoop | null {
  if (loop.latches.length !== 1) return null;
  const latch = loop.latches[0]!;
  const header = loop.header;
  const outside = (cfg.preds.get(header) ?? []).filter((p) => !loop.blocks.has(p));
  if (outside.length !== 1) return null;
  const preheader = outside[0]!;
  const t = f.insts[cfg.term.get(header)!]!.data;
  if (t.op !== "condbr") return null;
  const thenIn = loop.blocks.has(t.then.block);
  const elseIn = loop.blocks.has(t.else.block);
  if (thenIn === elseIn) return null;
  const test = defInst(f, t.cond)?.data;
  if (test?.op !== "icmp") return null;
  const params = f.blocks[header]!.params;
  let param = params.indexOf(test.lhs);
  let cond: Cond = test.cond;
  let bound = constValue(f, test.rhs);
  if (param < 0 || bound === undefined) {
    param = params.indexOf(test.rhs);
    bound = constValue(f, test.lhs);
    cond = SWAPPED_COND[test.cond];
  }
  if (param < 0 || bound === undefined) return null;
  const counter = params[param]!;
  const type = f.values[counter]!.type;
  if (type === "ptr" || type === "i1") return null;
  const incoming = (from: BlockId): ValueId | undefined => {
    const d = f.insts[cfg.term.get(from)!]!.data;
    const call = successorsOf(d).filter((c) => c.block === header);
    if (call.length !== 1) return undefined;
    return call[0]!.args[param];
  };
  const initV = incoming(preheader);
  const nextV = incoming(latch);
  if (initV === undefined || nextV === undefined) return null;
  const init = constValue(f, initV);
  const next = defInst(f, nextV)?.data;
  if (init === undefined || next?.op !== "binary" || next.lhs !== counter) return null;
  if (next.binop !== "add" && next.binop !== "sub") return null;
  const step = constValue(f, next.rhs);
  if (step === undefined || step === 0n) return null;
  const bits = IR_BITS[type];
  const values: bigint[] = [];
  let x = normalizeConst(type, init);
  const stays = (v: bigint) => evalCond(cond, bits, v, bound!) === thenIn;
  while (stays(x)) {
    if (values.length >= maxTrips) return null;
    values.push(x);
    x = normalizeConst(type, evalBinary(next.binop, bits, x, step));
  }
  return {
    loop,
    latch,
    preheader,
    param,
    counter,
    values,
    exitValue: x,
    bodyEntry: thenIn ? t.then.block : t.else.block,
  };
}

/** Number of instructions in a set of blocks. */
export function sizeOf(f: Func, blocks: ReadonlySet<BlockId>): number {
  let n = 0;
  for (const l of f.layout) if (blocks.has(l.block)) n += l.insts.length;
  return n;
}
