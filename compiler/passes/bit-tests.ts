/**
 * Set-membership tests as one bit test: a chain of blocks that each compare the same value `x` with a
 * constant and all go to one block `M` on equality (`x === 0 || x === 43 || x === 60`, or its
 * negation leaving a loop), the last one going to `F` otherwise, becomes
 *
 *   if x >u max goto F;  if (mask << x) <s 0 goto M else F
 *
 * with `mask` holding bit `w - 1 - k` for every constant k (all in 0..63; the width w is 32 when all
 * are below 32, else 64), so that shifted left by x its sign bit is x's membership. clang lowers a
 * switch or an `||` chain with three or more cases to one destination as `(1 << x) & mask != 0`:
 * the sign test needs no `and` (one instruction less, and the 32-bit mask is one `mov32`) and,
 * unlike a bit test (`jset` has no negated form), it can jump either way.
 *
 * Why (verifier cost, kernel/bpf/verifier.c): the verifier walks both ways of every conditional
 * jump, and the taken side of `if x == k` knows x = k, so a chain of n compares sends n different
 * states into `M`. They differ only in x, but a later arrival is pruned only where a state was
 * recorded at `M`, and the kernel records one only after 2 jumps and 8 instructions since the last
 * (is_state_visited), which the chain's arrivals, each a few instructions after the previous path's
 * last recorded state, rarely meet: `M` and the code up to its next recorded state are walked once per
 * constant. The bit test sends one state into `M` (x in 0..max). v6ext's four unrolled header tests
 * walked each header's body two or three times.
 *
 * The chain: a head block ending in `condbr (icmp eq|ne x, k)`, then blocks with one predecessor (the
 * previous link), no parameters and nothing but the constant, the compare and the branch. Every link
 * passes the same arguments to `M`; they and `F`'s arguments are defined outside the dropped links
 * (so they dominate the head). At least three distinct constants, else two compares are shorter.
 *
 * Consumes a `Func`; produces one with the chain's later links dropped, the head's branch replaced by
 * the range test and a new block holding the bit test.
 */
import type {
  BlockCall,
  BlockId,
  Func,
  Inst,
  InstData,
  InstId,
  IrType,
  Value,
  ValueId,
} from "../ir/types.ts";
import { constValue, countUses, defInst, type PassResult } from "./rewrite.ts";

/** Fewest distinct constants worth a bit test (two compares are shorter than the test). */
const MIN_CASES = 3;
/** Bits of the mask (the 64-bit shift). */
const MASK_BITS = 64n;

/** One link of a chain: its block, the compared constant, and the branch's two ways. */
interface Link {
  readonly block: BlockId;
  readonly constant: bigint;
  /** Where the branch goes when x equals the constant, and otherwise. */
  readonly member: BlockCall;
  readonly other: BlockCall;
}

/** What a block's terminator tests, when it is `condbr (icmp eq|ne x, const)`. */
function linkOf(
  f: Func,
  block: BlockId,
  insts: readonly InstId[],
): (Link & { x: ValueId }) | undefined {
  const term = f.insts[insts[insts.length - 1]!]!.data;
  if (term.op !== "condbr") return undefined;
  const cmp = defInst(f, term.cond)?.data;
  if (cmp?.op !== "icmp" || (cmp.cond !== "eq" && cmp.cond !== "ne")) return undefined;
  const type = f.values[cmp.lhs]!.type;
  if (type !== "i32" && type !== "i64") return undefined;
  const k = constValue(f, cmp.rhs);
  if (k === undefined || k < 0n || k >= MASK_BITS) return undefined;
  const [member, other] = cmp.cond === "eq" ? [term.then, term.else] : [term.else, term.then];
  return { block, constant: k, member, other, x: cmp.lhs };
}

const sameCall = (a: BlockCall, b: BlockCall) =>
  a.block === b.block && a.args.length === b.args.length && a.args.every((v, i) => v === b.args[i]);

/** Rewrites every chain of three or more compares of one value into a bit test. */
export function lowerBitTests(f: Func): PassResult {
  const insts = new Map(f.layout.map((l) => [l.block, l.insts]));
  const preds = new Map<BlockId, number>();
  for (const { insts: ids } of f.layout) {
    const term = f.insts[ids[ids.length - 1]!]!.data;
    const succ =
      term.op === "br" ? [term.target] : term.op === "condbr" ? [term.then, term.else] : [];
    for (const c of succ) preds.set(c.block, (preds.get(c.block) ?? 0) + 1);
  }
  const uses = countUses(f);
  const blockOf = new Map<InstId, BlockId>();
  for (const l of f.layout) for (const id of l.insts) blockOf.set(id, l.block);
  const entry = f.layout[0]!.block;
  const taken = new Set<BlockId>();
  const chains: { x: ValueId; links: Link[] }[] = [];
  for (const { block, insts: ids } of f.layout) {
    if (taken.has(block)) continue;
    const head = linkOf(f, block, ids);
    if (!head) continue;
    const links: Link[] = [head];
    for (;;) {
      const last = links[links.length - 1]!;
      const next = last.other.block;
      const nextInsts = insts.get(next);
      if (
        !nextInsts ||
        next === entry ||
        last.other.args.length > 0 ||
        f.blocks[next]!.params.length > 0 ||
        preds.get(next) !== 1 ||
        links.some((l) => l.block === next) ||
        !onlyTest(f, nextInsts, uses)
      )
        break;
      const link = linkOf(f, next, nextInsts);
      if (!link || link.x !== head.x || !sameCall(link.member, head.member)) break;
      links.push(link);
    }
    // Trim the tail until the arguments of `F` are defined outside the dropped links.
    while (links.length >= MIN_CASES) {
      const dropped = new Set(links.slice(1).map((l) => l.block));
      const outside = (v: ValueId) => {
        const def = f.values[v]!.def;
        const b = def.kind === "param" ? def.block : blockOf.get(def.inst);
        return b === undefined || !dropped.has(b);
      };
      const last = links[links.length - 1]!;
      if (last.other.args.every(outside) && head.member.args.every(outside)) break;
      links.pop();
    }
    if (new Set(links.map((l) => l.constant)).size < MIN_CASES) continue;
    for (const l of links) taken.add(l.block);
    chains.push({ x: head.x, links });
  }
  if (chains.length === 0) return { func: f, changed: false };
  return { func: rewrite(f, chains), changed: true };
}

/** A link block holds only the compare (its constant operand may live there too) and the branch. */
function onlyTest(f: Func, ids: readonly InstId[], uses: ReadonlyMap<ValueId, number>): boolean {
  if (ids.length < 2 || ids.length > 3) return false;
  const term = f.insts[ids[ids.length - 1]!]!.data;
  if (term.op !== "condbr") return false;
  const cmpInst = f.insts[ids[ids.length - 2]!]!;
  if (cmpInst.result !== term.cond || uses.get(term.cond) !== 1) return false;
  if (ids.length === 2) return true;
  const c = f.insts[ids[0]!]!;
  const cmp = cmpInst.data;
  return (
    c.data.op === "const" && cmp.op === "icmp" && c.result === cmp.rhs && uses.get(c.result) === 1
  );
}

function rewrite(f: Func, chains: readonly { x: ValueId; links: Link[] }[]): Func {
  const values: Value[] = [...f.values];
  const insts: Inst[] = [...f.insts];
  const blocks = [...f.blocks];
  const blockInsts = new Map<BlockId, readonly InstId[]>();
  const dropBlocks = new Set<BlockId>();
  const newBlocks = new Map<BlockId, BlockId>();
  for (const { x, links } of chains) {
    const head = links[0]!;
    const headInsts = f.layout.find((l) => l.block === head.block)!.insts;
    const span = f.insts[headInsts[headInsts.length - 1]!]!.span;
    const emit = (data: InstData, type: IrType | null, into: InstId[]): ValueId => {
      const id = insts.length as InstId;
      let result: ValueId | null = null;
      if (type) {
        result = values.length as ValueId;
        values.push({ type, def: { kind: "inst", inst: id } });
      }
      insts.push({ data, result, span });
      into.push(id);
      return result!;
    };
    const xType = f.values[x]!.type;
    const max = links.reduce((m, l) => (l.constant > m ? l.constant : m), 0n);
    const fail = links[links.length - 1]!.other;
    const test = blocks.length as BlockId;
    blocks.push({ params: [] });
    const h = headInsts.slice(0, -1);
    const maxC = emit({ op: "const", type: xType, value: max }, xType, h);
    const above = emit({ op: "icmp", cond: "ugt", lhs: x, rhs: maxC }, "i1", h);
    emit({ op: "condbr", cond: above, then: fail, else: { block: test, args: [] } }, null, h);
    const t: InstId[] = [];
    // The test runs in 32 bits when every constant is below 32, else in 64.
    const type: IrType = max < 32n ? "i32" : "i64";
    const bits = max < 32n ? 32n : 64n;
    const amount =
      xType === type
        ? x
        : emit(
            type === "i64" ? { op: "zext", type, arg: x } : { op: "trunc", type, arg: x },
            type,
            t,
          );
    // Bit `bits - 1 - k` for each constant k: shifted left by x, the sign bit is x's bit.
    const flipped = links.reduce((m, l) => m | (1n << (bits - 1n - l.constant)), 0n);
    const maskC = emit({ op: "const", type, value: BigInt.asIntN(Number(bits), flipped) }, type, t);
    const shifted = emit({ op: "binary", binop: "shl", lhs: maskC, rhs: amount }, type, t);
    const zero = emit({ op: "const", type, value: 0n }, type, t);
    const isMember = emit({ op: "icmp", cond: "slt", lhs: shifted, rhs: zero }, "i1", t);
    emit({ op: "condbr", cond: isMember, then: head.member, else: fail }, null, t);
    blockInsts.set(head.block, h);
    blockInsts.set(test, t);
    newBlocks.set(head.block, test);
    for (const l of links.slice(1)) dropBlocks.add(l.block);
  }
  const layout: Func["layout"][number][] = [];
  for (const l of f.layout) {
    if (dropBlocks.has(l.block)) continue;
    layout.push({ block: l.block, insts: blockInsts.get(l.block) ?? l.insts });
    const test = newBlocks.get(l.block);
    if (test !== undefined) layout.push({ block: test, insts: blockInsts.get(test)! });
  }
  return { ...f, values, insts, blocks, layout };
}
