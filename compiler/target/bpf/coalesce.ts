/**
 * Conservative coalescing (Briggs) of two-address copies, before colouring.
 *
 * Consumes an `MFunc` over virtual registers and its `Interference` (liveness.ts); produces a smaller
 * graph in which the two sides of each *two-address copy* — `vD = vS` immediately followed by an ALU
 * instruction `vD op= vX` with a register source, with vD and vS not interfering (so vS dies at the
 * copy) — are merged into one node, plus the map from every merged register to its representative.
 * Such a copy exists only because BPF ALU instructions overwrite their destination; once merged it is
 * guaranteed one register and disappears, whatever order colouring visits the nodes in. Biased
 * selection alone (regalloc.ts) can miss it when vD is coloured first while vS is still blank, leaving
 * `r2 = r4; r2 += r1` where `r4 += r1` would do; for a packet pointer that also keeps the verifier
 * tracking one register instead of two.
 *
 * Only that narrow shape merges: coalescing every non-interfering copy shortened code but moved a
 * bounded loop's counter in biolatency and made the kernel verifier's walk of it measurably longer,
 * since its state-pruning checkpoints depend on where values live. Briggs's test keeps it
 * conservative: two nodes merge only when the merged node has fewer than `ALLOCATABLE` neighbours of
 * significant degree (≥ `ALLOCATABLE`), so a graph that simplify could colour before merging still
 * simplifies after. Only virtual–virtual pairs merge, and only registers with no copy to or from a
 * pinned physical register (call arguments, r0): those are left to biased selection. Spill temporaries
 * (registers in `origin`) never merge, so they stay the short ranges the spill loop relies on.
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

/** The `[vS, vD]` pairs of `f`'s two-address copies (`vD = vS; vD op= vX`), in program order. */
export function twoAddressCopies(f: MFunc): [Reg, Reg][] {
  const pairs: [Reg, Reg][] = [];
  for (const b of f.blocks) {
    for (let k = 0; k + 1 < b.insts.length; k++) {
      const c = b.insts[k]!;
      const op = b.insts[k + 1]!;
      if (!isCopy(c) || !isVirtual(c.dst) || !isVirtual(c.src)) continue;
      if (op.spec.kind !== "alu" || op.spec.source !== "reg" || op.dst !== c.dst) continue;
      if (op.src === c.dst || op.src === c.src) continue;
      pairs.push([c.src, c.dst]);
    }
  }
  return pairs;
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
