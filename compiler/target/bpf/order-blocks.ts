/**
 * Block ordering before branch layout: chains blocks so that each block's likely successor follows it
 * (its fall-through needs no `ja`), and moves shared exit blocks (an `exit` block reached from two or
 * more places, such as one `return XDP_PASS` for every failed check after tail merging) to the end,
 * where early-out checks jump forward to them, as clang lays out its code.
 *
 * Consumes an allocated `MFunc` (blocks end with `exit`, `ja`, or `jcond; ja`: mir.ts); produces the
 * same blocks in a new order (entry first). The order only changes which jumps layout.ts can delete,
 * never what the code does; backend.ts keeps whichever of the original and this order encodes
 * shorter, so the reordering never makes code worse.
 */
import { successors, type MBlock, type MFunc, type MInst } from "./mir.ts";

/** Returns `f` with its blocks chained by fall-through and shared exits last. */
export function orderBlocks(f: MFunc): MFunc {
  const byId = new Map(f.blocks.map((b) => [b.id, b]));
  const preds = new Map<number, number>();
  for (const b of f.blocks) for (const s of successors(b)) preds.set(s, (preds.get(s) ?? 0) + 1);
  const isSharedExit = (b: MBlock) =>
    b !== f.blocks[0] &&
    b.insts[b.insts.length - 1]?.spec.kind === "exit" &&
    (preds.get(b.id) ?? 0) >= 2;
  const placed = new Set<number>();
  const order: MBlock[] = [];
  const eligible = (id: number | undefined) => {
    if (id === undefined || placed.has(id)) return undefined;
    const b = byId.get(id);
    return b && !isSharedExit(b) ? b : undefined;
  };
  let cur: MBlock | undefined = f.blocks[0];
  while (cur) {
    placed.add(cur.id);
    order.push(cur);
    const last: MInst | undefined = cur.insts[cur.insts.length - 1];
    const prev: MInst | undefined = cur.insts[cur.insts.length - 2];
    // Prefer the `ja` target (no jump needed), then the `jcond` target (layout inverts the test).
    cur =
      (last?.spec.kind === "ja" ? eligible(last.target) : undefined) ??
      (prev?.spec.kind === "jcond" ? eligible(prev.target) : undefined) ??
      f.blocks.find((b) => !placed.has(b.id) && !isSharedExit(b)) ??
      f.blocks.find((b) => !placed.has(b.id));
  }
  return { ...f, blocks: order };
}
