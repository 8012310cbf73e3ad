/**
 * Conservative coalescing (Briggs) of virtual-to-virtual copies, before colouring.
 *
 * Consumes an `MFunc` over virtual registers and its `Interference` (liveness.ts); produces a smaller
 * graph in which the two sides of a copy `vD = vS` that do not interfere (vS dies at the copy, or the
 * two hold the same value wherever both are live) are merged into one node, plus the map from every
 * merged register to its representative. Once merged, the pair is guaranteed one register and the
 * copy disappears, whatever order colouring visits the nodes in. Biased selection alone (regalloc.ts)
 * can miss it when vD is coloured first while vS is still blank, leaving `r2 = r4; r2 += r1` where
 * `r4 += r1` would do (for a packet pointer that also keeps the verifier tracking one register
 * instead of two), `r1 = r2; w1 >>= 8` where `w2 >>= 8` would do, or a loop's phi copy
 * `r2 = r6` in front of the loop.
 *
 * Two-address copies (`vD = vS; vD op= x`, which exist only because BPF ALU instructions overwrite
 * their destination) are tried first, then the others in program order. Briggs's test keeps it
 * conservative: two nodes merge only when the merged node has fewer than `ALLOCATABLE` neighbours of
 * significant degree (≥ `ALLOCATABLE`), so a graph that simplify could colour before merging still
 * simplifies after. Only virtual–virtual pairs merge, and only registers with no copy to or from a
 * pinned physical register (call arguments, r0): those are left to biased selection. Spill
 * temporaries (registers in `origin`) never merge, so they stay the short ranges the spill loop
 * relies on. (An earlier version merged only two-address copies with a register source, because
 * coalescing more once moved biolatency's loop counter and lengthened the kernel verifier's walk of
 * it; with today's loop rotation and checkpoints, bench:codegen shows no verifier count rising.)
 *
 * Invariants of the result: nodes are the representatives (and the physical registers); adjacency
 * and moves are the unions of the members', never self-referencing; `occurrences` are summed.
 */
import type { Interference } from "./liveness.ts";
import { ALLOCATABLE, isCopy, isVirtual, type MFunc, type Reg } from "./mir.ts";

/** A coalesced interference graph and the member → representative map. */
export interface Coalesced {
  readonly graph: Interference;
  /** Every register merged into another one → its representative (representatives are absent). */
  readonly rep: ReadonlyMap<Reg, Reg>;
}

/**
 * The `[vS, vD]` pairs of `f`'s virtual-to-virtual copies, in the order they are tried: first the
 * two-address copies (`vD = vS; vD op= x`, `x` an immediate or a register other than both), which
 * exist only because BPF ALU instructions overwrite their destination, then every other copy (a phi's
 * incoming value, a pointer cast, a renamed variable), each in program order.
 */
export function copyPairs(f: MFunc): [Reg, Reg][] {
  const twoAddress: [Reg, Reg][] = [];
  const others: [Reg, Reg][] = [];
  for (const b of f.blocks) {
    for (let k = 0; k < b.insts.length; k++) {
      const c = b.insts[k]!;
      if (!isCopy(c) || !isVirtual(c.dst) || !isVirtual(c.src)) continue;
      const op = b.insts[k + 1];
      const overwrites =
        op?.spec.kind === "alu" &&
        op.dst === c.dst &&
        (op.spec.source !== "reg" || (op.src !== c.dst && op.src !== c.src));
      (overwrites ? twoAddress : others).push([c.src, c.dst]);
    }
  }
  return twoAddress.concat(others);
}

/** Merges the given copy-related virtual pairs while they do not interfere and Briggs's test allows. */
export function coalesceCopies(
  g: Interference,
  pairs: readonly (readonly [Reg, Reg])[],
  origin: ReadonlyMap<Reg, Reg>,
): Coalesced {
  const adj = new Map<Reg, Set<Reg>>([...g.adj].map(([r, s]) => [r, new Set(s)]));
  const moves = new Map<Reg, Set<Reg>>([...g.moves].map(([r, s]) => [r, new Set(s)]));
  const occurrences = new Map(g.occurrences);
  const rep = new Map<Reg, Reg>();
  const find = (r: Reg): Reg => {
    let x = r;
    while (rep.has(x)) x = rep.get(x)!;
    return x;
  };
  for (const [a0, b0] of pairs) {
    const a = find(a0);
    const b = find(b0);
    if (!adj.has(a) || !adj.has(b)) continue;
    if (a === b || !mergeable(a, moves, origin) || !mergeable(b, moves, origin)) continue;
    if (adj.get(a)!.has(b)) continue;
    if (!briggs(adj, a, b)) continue;
    // Merge b into a.
    for (const n of adj.get(b)!) {
      adj.get(n)!.delete(b);
      adj.get(n)!.add(a);
      adj.get(a)!.add(n);
    }
    for (const n of moves.get(b)!) {
      moves.get(n)!.delete(b);
      if (n !== a) {
        moves.get(n)!.add(a);
        moves.get(a)!.add(n);
      }
    }
    moves.get(a)!.delete(b);
    adj.delete(b);
    moves.delete(b);
    occurrences.set(a, occurrences.get(a)! + occurrences.get(b)!);
    occurrences.delete(b);
    rep.set(b, a);
  }
  const flat = new Map<Reg, Reg>();
  for (const r of rep.keys()) flat.set(r, find(r));
  return { graph: { adj, moves, occurrences }, rep: flat };
}

/** A virtual, non-temporary register with no copy to or from a physical register. */
function mergeable(
  r: Reg,
  moves: ReadonlyMap<Reg, ReadonlySet<Reg>>,
  origin: ReadonlyMap<Reg, Reg>,
): boolean {
  if (!isVirtual(r) || origin.has(r)) return false;
  for (const m of moves.get(r)!) if (!isVirtual(m)) return false;
  return true;
}

/** Briggs: the merged node has fewer than `ALLOCATABLE` neighbours of significant degree. */
function briggs(adj: ReadonlyMap<Reg, ReadonlySet<Reg>>, a: Reg, b: Reg): boolean {
  const union = new Set([...adj.get(a)!, ...adj.get(b)!]);
  let significant = 0;
  for (const n of union) {
    // A neighbour of both loses one edge when they merge.
    const both = adj.get(a)!.has(n) && adj.get(b)!.has(n);
    const degree = adj.get(n)!.size - (both ? 1 : 0);
    if (!isVirtual(n) || degree >= ALLOCATABLE) significant++;
  }
  return significant < ALLOCATABLE;
}
