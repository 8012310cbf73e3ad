/**
 * Jump threading after register allocation: a block that is only `ja T` (an edge block whose moves
 * the allocator coalesced away, or one the IR never needed) is bypassed, every jump into it going to
 * `T` directly, and it is deleted.
 *
 * Why: block ordering (order-blocks.ts) chains blocks by fall-through; an empty block between a test
 * and its target holds the place the target should take, and layout then emits the test inverted
 * over a `ja` (`if w6 <= 60 goto +1; goto L`) where one jump (`if w6 > 60 goto L`) does. The kernel
 * verifier walks that `ja` too, on every path through it.
 *
 * Consumes an allocated `MFunc` (blocks end with `exit`, `ja`, or `jcond; ja`: mir.ts); produces the
 * same function without such blocks. The entry block stays (it has no jumps to retarget), and a cycle
 * of empty blocks (an infinite loop) is left as it is.
 */
import type { MBlock, MFunc } from "./mir.ts";

/** Returns `f` with `ja`-only blocks bypassed and removed (or `f` itself when there are none). */
export function threadEmptyBlocks(f: MFunc): MFunc {
  const entry = f.blocks[0];
  const forward = new Map<number, number>();
  for (const b of f.blocks) {
    const only = b.insts.length === 1 ? b.insts[0]! : undefined;
    if (b !== entry && only?.spec.kind === "ja" && only.target !== b.id)
      forward.set(b.id, only.target!);
  }
  if (forward.size === 0) return f;
  const final = (t: number): number => {
    let cur = t;
    const seen = new Set<number>();
    while (forward.has(cur) && !seen.has(cur)) {
      seen.add(cur);
      cur = forward.get(cur)!;
    }
    return cur;
  };
  // Blocks on a cycle of empty blocks keep their jumps (threading would leave no block to jump to).
  const removable = new Set([...forward.keys()].filter((id) => !forward.has(final(id))));
  if (removable.size === 0) return f;
  const blocks: MBlock[] = [];
  for (const b of f.blocks) {
    if (removable.has(b.id)) continue;
    const insts = b.insts.map((i) =>
      i.target !== undefined && removable.has(i.target) ? { ...i, target: final(i.target) } : i,
    );
    blocks.push({ ...b, insts });
  }
  // Hints naming a bypassed block name where its jump went.
  const leaveFirst = f.leaveFirst?.map((e) =>
    removable.has(e.to) ? { from: e.from, to: final(e.to) } : e,
  );
  return { ...f, blocks, ...(leaveFirst ? { leaveFirst } : {}) };
}
