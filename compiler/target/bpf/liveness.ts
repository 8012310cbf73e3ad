/**
 * Register liveness and the interference graph of a machine function.
 *
 * Consumes an `MFunc` (virtual and physical registers mixed); produces per-block live-in/live-out sets
 * (backward dataflow to a fixed point) and an interference graph whose nodes are registers: two
 * registers interfere when one is written while the other is live afterwards (Chaitin). A plain copy
 * `mov vD, vS` does not make vD interfere with vS, so the two may share a register (the copy then
 * disappears); the pair is recorded as a move for biased colouring.
 *
 * Physical registers are nodes too (pre-coloured); a call writes r0 and clobbers r1–r5, so everything
 * live across it interferes with r0–r5 and lands in r6–r9 or a spill slot.
 */
import { isCopy, operandsOf, successors, type MFunc, type Reg } from "./mir.ts";

/** Live-in and live-out register sets per block id. */
export interface Liveness {
  readonly liveIn: ReadonlyMap<number, ReadonlySet<Reg>>;
  readonly liveOut: ReadonlyMap<number, ReadonlySet<Reg>>;
}

/** Computes block liveness by iterating the backward dataflow equations to a fixed point. */
export function computeLiveness(f: MFunc): Liveness {
  const gen = new Map<number, Set<Reg>>();
  const kill = new Map<number, Set<Reg>>();
  for (const b of f.blocks) {
    const g = new Set<Reg>();
    const k = new Set<Reg>();
    for (const i of b.insts) {
      const ops = operandsOf(i);
      for (const u of ops.uses) if (!k.has(u)) g.add(u);
      for (const d of [...ops.defs, ...ops.clobbers]) k.add(d);
    }
    gen.set(b.id, g);
    kill.set(b.id, k);
  }
  const liveIn = new Map<number, Set<Reg>>(f.blocks.map((b) => [b.id, new Set<Reg>()]));
  const liveOut = new Map<number, Set<Reg>>(f.blocks.map((b) => [b.id, new Set<Reg>()]));
  let changed = true;
  while (changed) {
    changed = false;
    for (let bi = f.blocks.length - 1; bi >= 0; bi--) {
      const b = f.blocks[bi]!;
      const out = liveOut.get(b.id)!;
      for (const s of successors(b)) for (const r of liveIn.get(s) ?? []) out.add(r);
      const inn = liveIn.get(b.id)!;
      const size = inn.size;
      for (const r of gen.get(b.id)!) inn.add(r);
      const k = kill.get(b.id)!;
      for (const r of out) if (!k.has(r)) inn.add(r);
      if (inn.size !== size) changed = true;
    }
  }
  return { liveIn, liveOut };
}

/** Interference graph plus the copies that relate registers. */
export interface Interference {
  /** Adjacency sets; every register that appears in the function has an entry. */
  readonly adj: Map<Reg, Set<Reg>>;
  /** Copy-related pairs (both directions), for biased colouring. */
  readonly moves: Map<Reg, Set<Reg>>;
  /** Number of uses and defs of each register (spill cost). */
  readonly occurrences: Map<Reg, number>;
}

function link(m: Map<Reg, Set<Reg>>, a: Reg, b: Reg): void {
  if (a === b) return;
  m.get(a)!.add(b);
  m.get(b)!.add(a);
}

/** Builds the interference graph with a backward walk of each block from its live-out set. */
export function buildInterference(f: MFunc, live: Liveness): Interference {
  const adj = new Map<Reg, Set<Reg>>();
  const moves = new Map<Reg, Set<Reg>>();
  const occurrences = new Map<Reg, number>();
  const touch = (r: Reg) => {
    if (!adj.has(r)) {
      adj.set(r, new Set());
      moves.set(r, new Set());
      occurrences.set(r, 0);
    }
  };
  for (const b of f.blocks) {
    for (const i of b.insts) {
      const ops = operandsOf(i);
      for (const r of [...ops.uses, ...ops.defs, ...ops.clobbers]) {
        touch(r);
        occurrences.set(r, occurrences.get(r)! + 1);
      }
    }
    for (const r of live.liveIn.get(b.id)!) touch(r);
  }
  for (const b of f.blocks) {
    const liveNow = new Set(live.liveOut.get(b.id)!);
    for (let k = b.insts.length - 1; k >= 0; k--) {
      const i = b.insts[k]!;
      const ops = operandsOf(i);
      if (isCopy(i)) {
        liveNow.delete(i.src);
        link(moves, i.dst, i.src);
      }
      const written = [...ops.defs, ...ops.clobbers];
      for (const d of written) {
        for (const l of liveNow) link(adj, d, l);
        for (const d2 of written) link(adj, d, d2);
      }
      for (const d of written) liveNow.delete(d);
      for (const u of ops.uses) liveNow.add(u);
    }
    // Values live into the entry block (r1 = context, arguments) are defined "before" it: they
    // interfere with each other.
    if (b === f.blocks[0]) for (const a of liveNow) for (const c of liveNow) link(adj, a, c);
  }
  return { adj, moves, occurrences };
}
