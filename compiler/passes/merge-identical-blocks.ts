/**
 * Tail merging: blocks without parameters that compute the same thing and end the same way (the
 * typical case: several `return XDP_PASS` exits, each `v:i64 = const 2; ret v`) are merged into one;
 * every edge into a duplicate goes to the first copy in layout order. clang's -O2 output has one exit
 * block per distinct return value for the same reason.
 *
 * Consumes a `Func`; produces one with the duplicates unreachable (simplify-cfg removes them). Two
 * blocks are identical when their instructions match one for one, with values defined inside each
 * block renumbered by position and values defined outside compared by id. An outside value used by
 * both dominates both blocks, hence every predecessor of either, so the merged block stays valid SSA.
 * Spans are ignored: the kept copy's line info wins, as in clang.
 *
 * Cross-jumping, for exit blocks only: a block whose tail equals a whole parameterless block ending
 * in `ret`/`unreachable` keeps its head and branches to that block instead (values the tail defines
 * are used only inside it, since an exiting block has no successors). This saves the tail's BPF code
 * (at least `r0 = …; exit`) for at most one `ja`, which block ordering usually removes.
 */
import { successorsOf } from "../ir/builder.ts";
import { printInstBody } from "../ir/print.ts";
import type { BlockId, Func, Inst, InstId, ValueId } from "../ir/types.ts";
import { retargetEdges, rewriteFunc, type PassResult } from "./rewrite.ts";

/** Merges blocks with identical contents. */
export function mergeIdenticalBlocks(f: Func): PassResult {
  const entry = f.layout[0]!.block;
  const first = new Map<string, BlockId>();
  const alias = new Map<BlockId, BlockId>();
  const exitKeys = new Map<string, BlockId>();
  /** Instruction counts of the exit blocks: only a tail of one of these lengths can equal one. */
  const exitLengths = new Set<number>();
  for (const { block, insts } of f.layout) {
    if (block === entry || f.blocks[block]!.params.length > 0) continue;
    // A block that branches to itself differs from its copy (the copy's loop would go elsewhere).
    const last = f.insts[insts[insts.length - 1]!]!.data;
    if (successorsOf(last).some((c) => c.block === block)) continue;
    const key = keyOf(f, insts);
    const seen = first.get(key);
    if (seen === undefined) first.set(key, block);
    else alias.set(block, seen);
    if (isExit(f, insts) && seen === undefined) {
      exitKeys.set(key, block);
      exitLengths.add(insts.length);
    }
  }
  const change = retargetEdges(f, (c) =>
    alias.has(c.block) ? { block: alias.get(c.block)!, args: c.args } : c,
  );
  // Cross-jumping: replace a tail equal to a whole exit block by a branch to it.
  const blockInsts = new Map<BlockId, InstId[]>();
  const newInsts: Inst[] = [];
  for (const { block, insts } of f.layout) {
    if (alias.has(block) || !isExit(f, insts) || insts.length > 64) continue;
    for (let k = 1; k < insts.length; k++) {
      if (!exitLengths.has(insts.length - k)) continue;
      const target = exitKeys.get(keyOf(f, insts.slice(k)));
      if (target === undefined || target === block) continue;
      const id = (f.insts.length + newInsts.length) as InstId;
      newInsts.push({
        data: { op: "br", target: { block: target, args: [] } },
        result: null,
        span: f.insts[insts[k]!]!.span,
      });
      blockInsts.set(block, [...insts.slice(0, k), id]);
      break;
    }
  }
  if (change.size === 0 && blockInsts.size === 0) return { func: f, changed: false };
  return { func: rewriteFunc(f, { changeInsts: change, blockInsts, newInsts }), changed: true };
}

/** True when a block's instructions end the function. */
function isExit(f: Func, insts: readonly InstId[]): boolean {
  const op = f.insts[insts[insts.length - 1]!]!.data.op;
  return op === "ret" || op === "unreachable";
}

/** Structural key of an instruction list: local values by position, outside values by id. */
function keyOf(f: Func, insts: readonly InstId[]): string {
  const local = new Map<ValueId, number>();
  const name = (v: ValueId): string => {
    const k = local.get(v);
    return k === undefined ? `v${v}` : `l${k}`;
  };
  let key = "";
  for (const id of insts) {
    const inst = f.insts[id]!;
    // The instruction's IR text (complete with its result type), local values by position.
    const body = printInstBody(inst.data, name);
    const type = inst.result === null ? "-" : f.values[inst.result]!.type;
    if (inst.result !== null) local.set(inst.result, local.size);
    key += `${type} ${body};`;
  }
  return key;
}
