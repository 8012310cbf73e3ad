/**
 * Instruction sinking: a pure instruction whose every use is in one other block moves into that
 * block, right before its first use (LLVM's "sink into the unique user block"). Values then live only
 * where they are needed: an early-return path no longer computes them (fewer instructions for the
 * kernel verifier to walk), and a value needed after helper calls no longer occupies a callee-saved
 * register across them while its inputs also do, so the register allocator can compute it in place.
 *
 * Consumes a `Func`; produces one with instructions moved between blocks (ids unchanged). Pure means
 * no memory access and no effect: arithmetic, comparisons, selects, conversions and `ptradd`
 * (constants and addresses are materialised at their uses by the back end already). The target block
 * is never inside a cycle, so nothing runs more often than before. The definition's block dominates
 * every use, hence the target block; operands dominate the definition, hence the new position.
 *
 * Worked example (execsnoop): `v3 = and v1, 0xffff; v4 = zext v3; v5 = ptradd v0, v4` in the entry
 * block, used only by `probe_read_kernel_str` after the `ringbuf_reserve` null check: they move down
 * to just before that call.
 */
import { operandsOf, successorsOf } from "../ir/builder.ts";
import type { BlockId, Func, InstId } from "../ir/types.ts";
import { COMPUTE_OPS } from "./op-classes.ts";
import { rewriteFunc, type PassResult } from "./rewrite.ts";

/** Sinks pure instructions into the single block that uses them. */
export function sinkInstructions(f: Func): PassResult {
  const blockOf = new Map<InstId, BlockId>();
  const order = new Map<BlockId, InstId[]>();
  for (const { block, insts } of f.layout) {
    order.set(block, [...insts]);
    for (const id of insts) blockOf.set(id, block);
  }
  const inCycle = blocksInCycles(f);
  const usersOf = usesIn(f);
  let moved = 0;
  // Last instructions first, so a chain of single-use values sinks together in one run.
  for (let b = f.layout.length - 1; b >= 0; b--) {
    const { block } = f.layout[b]!;
    const insts = order.get(block)!;
    for (let k = insts.length - 1; k >= 0; k--) {
      const id = insts[k]!;
      const inst = f.insts[id]!;
      if (!COMPUTE_OPS.has(inst.data.op) || inst.result === null) continue;
      const users = usersOf.get(inst.result) ?? [];
      if (users.length === 0) continue;
      const target = blockOf.get(users[0]!)!;
      if (target === block || inCycle.has(target)) continue;
      if (users.some((u) => blockOf.get(u) !== target)) continue;
      const dest = order.get(target)!;
      const first = Math.min(...users.map((u) => dest.indexOf(u)));
      insts.splice(k, 1);
      dest.splice(first, 0, id);
      blockOf.set(id, target);
      moved++;
    }
  }
  if (moved === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { blockInsts: order }), changed: true };
}

/**
 * The instructions of the layout that use each value, each user once. Computed once per run: sinking
 * moves instructions between blocks but changes no operand and no layout membership.
 */
function usesIn(f: Func): Map<number, InstId[]> {
  const out = new Map<number, InstId[]>();
  for (const { insts } of f.layout) {
    for (const id of insts) {
      for (const v of new Set(operandsOf(f.insts[id]!.data))) {
        const users = out.get(v);
        if (users === undefined) out.set(v, [id]);
        else users.push(id);
      }
    }
  }
  return out;
}

/** Blocks that can reach themselves (members of some cycle of the CFG). */
function blocksInCycles(f: Func): Set<BlockId> {
  const succ = new Map<BlockId, BlockId[]>();
  for (const { block, insts } of f.layout)
    succ.set(
      block,
      successorsOf(f.insts[insts[insts.length - 1]!]!.data).map((c) => c.block),
    );
  const out = new Set<BlockId>();
  for (const start of succ.keys()) {
    const seen = new Set<BlockId>();
    const work = [...(succ.get(start) ?? [])];
    while (work.length > 0) {
      const b = work.pop()!;
      if (b === start) {
        out.add(start);
        break;
      }
      if (seen.has(b)) continue;
      seen.add(b);
      work.push(...(succ.get(b) ?? []));
    }
  }
  return out;
}
