/**
 * Block ordering before branch layout, by chain merging (Pettis & Hansen's bottom-up positioning with
 * static priorities instead of profile counts): every block starts as its own chain, and candidate
 * fall-through edges join the chain ending in the edge's source to the chain starting with its target,
 * in priority order:
 * 1. edges into a block with a single predecessor (nobody else can fall into it);
 * 2. unconditional `ja` edges (falling through deletes the `ja`);
 * 3. conditional edges (layout inverts the test and the `ja` disappears).
 * Within one priority, edges go in the original block order, except that of several forward `ja`
 * edges into one join the one from the latest block wins: `if (c) { A } else { B } join` lays out as
 * `A; ja join; B; join`, as clang does, instead of `A; join; ...; B; ja join` jumping back. The kernel
 * verifier then reaches the join only after walking B, with enough instructions since its last
 * checkpoint to record one there, and prunes every later path into the join (the early-out checks'
 * jumps) against it: tc-portcount verifies in 57 insns instead of 60. Of two edges leaving one block the
 * one to the earlier block wins (the source order: an `if` falls into its `then` arm, as with clang,
 * which the kernel verifier also walks first). Chains are then placed entry chain
 * first, chains ending in a shared exit (an `exit` block reached from two or more places, such as one
 * `return XDP_PASS` for every failed check) last, where early-out checks jump forward to it, as clang
 * lays out its code; the others keep their original order.
 *
 * Worked example (tc-portcount, `if (p !== 6 && p !== 17) return`): b6 `if p != 6 goto b9; ja b8`,
 * b9 `if p != 17 goto exit; ja b8`. b9's only predecessor is b6, so b6→b9 joins first, then b9→b8:
 * b6 falls into b9 with the test inverted, b9 falls into b8, and no `ja` is left.
 *
 * Consumes an allocated `MFunc` (blocks end with `exit`, `ja`, or `jcond; ja`: mir.ts); produces the
 * same blocks in a new order (entry first). The order only changes which jumps layout.ts can delete,
 * never what the code does; backend.ts keeps whichever of the original and this order encodes
 * shorter, so the reordering never makes code worse.
 */
import { successors, type MBlock, type MFunc } from "./mir.ts";

/** Returns `f` with its blocks chained by fall-through and shared exits last. */
export function orderBlocks(f: MFunc): MFunc {
  const entry = f.blocks[0];
  if (!entry) return f;
  const position = new Map(f.blocks.map((b, k) => [b.id, k]));
  const preds = new Map<number, number>();
  for (const b of f.blocks) for (const s of successors(b)) preds.set(s, (preds.get(s) ?? 0) + 1);

  // Candidate fall-through edges with their priority.
  const latches = latchBlocks(f);
  const edges: { from: number; to: number; rank: number; at: number }[] = [];
  // A set-membership test's way out falls through before anything else, the earliest test first:
  // the kernel verifier then walks the code after the set first from the earliest test, with the
  // fewest facts proven (the shortest packet range), records its state there, and prunes the later
  // tests' ways out against it. With the members falling through instead, its first walk there comes
  // from the deepest test, whose longer packet range the earlier tests' states do not meet.
  for (const e of f.leaveFirst ?? []) {
    if (position.has(e.from) && position.has(e.to) && e.to !== entry.id)
      edges.push({ from: e.from, to: e.to, rank: -2, at: position.get(e.from)! });
  }
  for (const b of f.blocks) {
    const last = b.insts[b.insts.length - 1];
    const prev = b.insts[b.insts.length - 2];
    const add = (to: number | undefined, kindRank: number) => {
      if (to === undefined || to === b.id || to === entry.id || !position.has(to)) return;
      const rank = (preds.get(to) ?? 0) === 1 ? 0 : kindRank;
      edges.push({ from: b.id, to, rank, at: position.get(b.id)! });
    };
    if (prev?.spec.kind === "jcond" && last?.spec.kind === "ja") {
      // A test inside a loop between the latch (which jumps back anyway) and a way out: the way
      // out falls through, at no cost in jumps. The kernel verifier walks the fall-through first,
      // so it checks the loop's exit path in the first iteration, records its states there, and
      // prunes the exit paths of later iterations against them (bounded loops are unrolled by it).
      const [a, c] = [prev.target!, last.target!];
      const out =
        latches.has(a) && !latches.has(c) ? c : latches.has(c) && !latches.has(a) ? a : undefined;
      if (out !== undefined) {
        edges.push({ from: b.id, to: out, rank: -1, at: position.get(b.id)! });
        continue;
      }
    }
    if (last?.spec.kind === "ja") add(last.target, 1);
    if (prev?.spec.kind === "jcond") add(prev.target, 2);
  }
  const backward = (e: { to: number; at: number }) => (position.get(e.to)! <= e.at ? 1 : 0);
  edges.sort(
    (a, b) =>
      a.rank - b.rank ||
      (a.rank === 1 ? backward(a) - backward(b) || b.at - a.at : a.at - b.at) ||
      position.get(a.to)! - position.get(b.to)!,
  );

  // Chains as linked lists: next/prev block, and each block's chain head.
  const next = new Map<number, number>();
  const prevOf = new Map<number, number>();
  const head = new Map(f.blocks.map((b) => [b.id, b.id]));
  const headOf = (id: number): number => {
    let h = id;
    while (head.get(h) !== h) h = head.get(h)!;
    head.set(id, h);
    return h;
  };
  for (const e of edges) {
    if (next.has(e.from) || prevOf.has(e.to)) continue; // not a chain tail / head
    if (headOf(e.from) === headOf(e.to)) continue; // would close a cycle
    next.set(e.from, e.to);
    prevOf.set(e.to, e.from);
    head.set(e.to, headOf(e.from));
  }

  const byId = new Map(f.blocks.map((b) => [b.id, b]));
  const chainFrom = (h: number): MBlock[] => {
    const out: MBlock[] = [];
    for (let id: number | undefined = h; id !== undefined; id = next.get(id))
      out.push(byId.get(id)!);
    return out;
  };
  const heads = f.blocks.filter((b) => !prevOf.has(b.id)).map((b) => b.id);
  const chains = heads.map(chainFrom);
  const endsInSharedExit = (c: MBlock[]) => {
    const tail = c[c.length - 1]!;
    return (
      tail.insts[tail.insts.length - 1]?.spec.kind === "exit" && (preds.get(tail.id) ?? 0) >= 2
    );
  };
  const first = chains.filter((c) => c[0] === entry);
  const middle = chains.filter((c) => c[0] !== entry && !endsInSharedExit(c));
  const last = chains.filter((c) => c[0] !== entry && endsInSharedExit(c));
  return { ...f, blocks: [...first, ...middle, ...last].flat() };
}

/** Blocks that are one `ja` back to a block on the current depth-first path (loop latches). */
export function latchBlocks(f: MFunc): Set<number> {
  const byId = new Map(f.blocks.map((b) => [b.id, b]));
  const onPath = new Set<number>();
  const done = new Set<number>();
  const out = new Set<number>();
  const visit = (id: number): void => {
    onPath.add(id);
    const b = byId.get(id)!;
    for (const s of successors(b)) {
      if (!byId.has(s)) continue;
      if (onPath.has(s)) {
        const last = b.insts[b.insts.length - 1];
        if (last?.spec.kind === "ja" && last.target === s && successors(b).length === 1)
          out.add(id);
      } else if (!done.has(s)) visit(s);
    }
    onPath.delete(id);
    done.add(id);
  };
  if (f.blocks[0]) visit(f.blocks[0].id);
  return out;
}
