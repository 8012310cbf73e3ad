/**
 * The alias and clobber model the memory passes share (forward-memory.ts, merge-stack-slots.ts,
 * eliminate-dead-stores.ts): where an access points, which instructions may write a location, and
 * whether a location can change between two program points.
 *
 * Consumes a `Func`; produces a `MemoryModel` (plain data plus query functions; recompute after any
 * edit). Locations are `slot` (a stack slot of this frame, offset and size) or `ptr` (any other base
 * value, offset and size). The rules, conservative unless the IR proves otherwise:
 * - two different stack slots never overlap; a slot whose address *escapes* (is stored, passed to a
 *   block, selected, converted to an integer) may be reached through any other pointer;
 * - a non-escaping slot is written only by stores through its own address, by local calls it is
 *   passed to, and by helpers it is passed to in a writable argument position. Kernel helpers cannot
 *   keep a stack pointer after they return (kernel Documentation/bpf/verifier.rst, "stack" rules);
 *   arguments the kernel declares `const` / ARG_PTR_TO_MAP_KEY / ARG_PTR_TO_MAP_VALUE are read-only
 *   (core/kernel `helperReadOnlyArgs`, from the helper records);
 * - any helper or local call may change memory outside the stack (map values, packet data, context
 *   fields such as xdp_md.data after bpf_xdp_adjust_head).
 */
import { helperReadOnlyArgs } from "../../core/kernel/index.ts";
import { operandsOf, successorsOf } from "../ir/builder.ts";
import { computeDominators } from "../ir/verify.ts";
import type { BlockId, Func, InstData, InstId, ValueId } from "../ir/types.ts";
import { constValue, defInst } from "./rewrite.ts";

/** A memory location: a byte range of a stack slot or at a pointer value. */
export type Location =
  | { readonly kind: "slot"; readonly slot: number; readonly off: number; readonly size: number }
  | { readonly kind: "ptr"; readonly root: ValueId; readonly off: number; readonly size: number };

/** A program point: block and index into its layout instruction list. */
export interface Point {
  readonly block: BlockId;
  readonly index: number;
}

/** Alias facts and queries for one function. */
export interface MemoryModel {
  /** Where `*(base + off)` of `size` bytes is. */
  locate(base: ValueId, off: number, size: number): Location;
  /** Stack slot a pointer value addresses (through constant ptradds), with the offset. */
  slotOf(v: ValueId): { slot: number; off: number } | undefined;
  /** Slots whose address escapes (see the file header). */
  readonly escaped: ReadonlySet<number>;
  /** True when executing instruction `id` may change any byte of `loc`. */
  clobbers(id: InstId, loc: Location): boolean;
  /** True when `a` executes before `b` on every path to `b` (a dominates b). */
  dominates(a: Point, b: Point): boolean;
  /** True when nothing between `from` (exclusive) and `to` (exclusive) may change `loc`; `from` must dominate `to`. */
  unchangedBetween(from: Point, to: Point, loc: Location): boolean;
  /** Position of every instruction in the layout. */
  readonly pointOf: ReadonlyMap<InstId, Point>;
}

/** Builds the memory model of a function. */
export function buildMemoryModel(f: Func): MemoryModel {
  const chain = (v: ValueId): { root: ValueId; off: number } => {
    let root = v;
    let off = 0;
    for (let n = 0; n < 64; n++) {
      const d = defInst(f, root)?.data;
      if (d?.op !== "ptradd") break;
      const c = constValue(f, d.offset);
      if (c === undefined || c < -(1n << 31n) || c >= 1n << 31n) break;
      off += Number(c);
      root = d.base;
    }
    return { root, off };
  };
  const slotOf = (v: ValueId) => {
    const { root, off } = chain(v);
    const d = defInst(f, root)?.data;
    return d?.op === "stackslot" ? { slot: d.slot, off } : undefined;
  };
  const locate = (base: ValueId, off: number, size: number): Location => {
    const { root, off: o } = chain(base);
    const d = defInst(f, root)?.data;
    return d?.op === "stackslot"
      ? { kind: "slot", slot: d.slot, off: o + off, size }
      : { kind: "ptr", root, off: o + off, size };
  };
  const pointOf = new Map<InstId, Point>();
  for (const { block, insts } of f.layout)
    insts.forEach((id, index) => pointOf.set(id, { block, index }));

  // Escape analysis: every use of a slot-derived pointer must be a memory base or a call argument.
  const escaped = new Set<number>();
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const d = f.insts[id]!.data;
      const allowed = new Set<ValueId>();
      if (d.op === "load" || d.op === "store" || d.op === "atomic" || d.op === "cmpxchg")
        allowed.add(d.base);
      if (d.op === "memcpy") allowed.add(d.dst).add(d.src);
      if (d.op === "memset") allowed.add(d.dst);
      if (d.op === "callhelper" || d.op === "call") for (const a of d.args) allowed.add(a);
      if (d.op === "ptradd" && slotOf(d.base) && constValue(f, d.offset) !== undefined)
        allowed.add(d.base);
      const ops = operandsOf(d);
      ops.forEach((v, k) => {
        const s = slotOf(v);
        if (!s) return;
        // A stored value (not the base) or any other operand role escapes.
        const isStoredValue = (d.op === "store" || d.op === "atomic") && v === d.value && k > 0;
        if (!allowed.has(v) || isStoredValue) escaped.add(s.slot);
      });
    }
  }

  const overlap = (a: Location, b: Location) => a.off < b.off + b.size && b.off < a.off + a.size;
  const mayAlias = (a: Location, b: Location): boolean => {
    if (a.kind === "slot" && b.kind === "slot") return a.slot === b.slot && overlap(a, b);
    if (a.kind === "ptr" && b.kind === "ptr") return a.root !== b.root || overlap(a, b);
    const slot = a.kind === "slot" ? a : (b as Location & { kind: "slot" });
    return escaped.has(slot.slot);
  };
  const argWritable = (d: InstData & { op: "callhelper" | "call" }, k: number) =>
    d.op === "call" || !helperReadOnlyArgs(d.helper).includes(k);
  const clobbers = (id: InstId, loc: Location): boolean => {
    const d = f.insts[id]!.data;
    switch (d.op) {
      case "store":
      case "atomic":
      case "cmpxchg":
        return mayAlias(locate(d.base, d.offset, d.size), loc);
      case "memcpy":
      case "memset":
        return mayAlias(locate(d.dst, 0, d.size), loc);
      case "callhelper":
      case "call":
        if (loc.kind === "ptr" || escaped.has(loc.slot)) return true;
        return d.args.some((a, k) => slotOf(a)?.slot === loc.slot && argWritable(d, k));
      default:
        return false;
    }
  };

  const idom = computeDominators(f);
  const blockDominates = (a: BlockId, b: BlockId): boolean => {
    for (let x = b; ;) {
      if (x === a) return true;
      const up = idom.get(x);
      if (up === undefined || up === x) return false;
      x = up;
    }
  };
  const dominates = (a: Point, b: Point) =>
    a.block === b.block ? a.index < b.index : blockDominates(a.block, b.block);

  const succ = new Map<BlockId, BlockId[]>();
  const pred = new Map<BlockId, BlockId[]>();
  const instsOf = new Map<BlockId, readonly InstId[]>();
  for (const { block, insts } of f.layout) {
    instsOf.set(block, insts);
    const ss = successorsOf(f.insts[insts[insts.length - 1]!]!.data).map((c) => c.block);
    succ.set(block, ss);
    for (const s of ss) pred.set(s, [...(pred.get(s) ?? []), block]);
  }
  const reach = (start: readonly BlockId[], next: Map<BlockId, BlockId[]>, avoid: BlockId) => {
    const seen = new Set<BlockId>();
    const work = start.filter((b) => b !== avoid);
    for (const b of work) seen.add(b);
    while (work.length > 0) {
      for (const n of next.get(work.pop()!) ?? []) {
        if (n === avoid || seen.has(n)) continue;
        seen.add(n);
        work.push(n);
      }
    }
    return seen;
  };
  const rangeClean = (block: BlockId, from: number, to: number, loc: Location) => {
    const insts = instsOf.get(block)!;
    for (let k = from; k < to; k++) if (clobbers(insts[k]!, loc)) return false;
    return true;
  };
  const unchangedBetween = (from: Point, to: Point, loc: Location): boolean => {
    if (from.block === to.block && from.index < to.index)
      return rangeClean(from.block, from.index + 1, to.index, loc);
    // Paths from the last execution of `from` to `to`: the rest of from's block, every block on a
    // path in between that does not re-enter from's block, and the start of to's block.
    const fromLen = instsOf.get(from.block)!.length;
    if (!rangeClean(from.block, from.index + 1, fromLen, loc)) return false;
    if (!rangeClean(to.block, 0, to.index, loc)) return false;
    const forward = reach(succ.get(from.block) ?? [], succ, from.block);
    const backward = reach(pred.get(to.block) ?? [], pred, from.block);
    for (const b of forward) {
      if (!backward.has(b)) continue;
      if (!rangeClean(b, 0, instsOf.get(b)!.length, loc)) return false;
    }
    return true;
  };

  return { locate, slotOf, escaped, clobbers, dominates, unchangedBetween, pointOf };
}

/** True when two locations are the same bytes. */
export function sameLocation(a: Location, b: Location): boolean {
  if (a.kind === "slot" && b.kind === "slot")
    return a.slot === b.slot && a.off === b.off && a.size === b.size;
  if (a.kind === "ptr" && b.kind === "ptr")
    return a.root === b.root && a.off === b.off && a.size === b.size;
  return false;
}
