/**
 * What instruction selection decides before it selects (isel-context.ts's header lists the cases):
 * which values are *deferred* (computed at each use instead of at their definition: constants,
 * addresses, foldable `ptradd` chains, fused compares, low-half truncations, shift-amount
 * extensions), the byte swaps to select as one instruction, the constant-offset pointer chains and
 * the CO-RE accesses folded into their loads and stores. One walk over the function's uses.
 */
import type { Func, ValueId } from "../../ir/types.ts";
import { operandsOf as irOperands } from "../../ir/builder.ts";
import { flagTestOf } from "./isel-compare.ts";
import type { Selector } from "./isel-context.ts";
import { analyseCoreAccesses, type CoreAccess } from "./isel-core-access.ts";
import { matchByteSwap, type ByteSwap } from "./isel-idioms.ts";

/** The up-front decisions of one function's selection. */
export interface Deferral {
  readonly deferred: Set<ValueId>;
  readonly byteSwaps: ReadonlyMap<ValueId, ByteSwap>;
  /** ptradd chains with constant offsets: value → root value and accumulated offset. */
  readonly chains: ReadonlyMap<ValueId, { root: ValueId; off: bigint }>;
  /** ptradds of a CO-RE field offset folded into their accesses (isel-core-access.ts). */
  readonly coreAccesses: ReadonlyMap<ValueId, CoreAccess>;
  /** Stack slot addresses that are arguments of `HELD_SLOT_CALLS` or more calls. */
  readonly slotsToHold: number;
}

/**
 * A stack slot address passed to this many calls (a map key given to a lookup and three pushes) can
 * be computed once and held in a register, each call's argument one `r2 = r6` instead of the two
 * instructions `r2 = r10; r2 += -16` (clang does this): n calls cost 2 + n instead of 2n. Whether
 * that pays depends on the registers free across the calls, so the back end selects the function
 * both ways and keeps the shorter (backend.ts).
 */
export const HELD_SLOT_CALLS = 3;

/**
 * `holdSlots`: stack slot addresses passed to `HELD_SLOT_CALLS` or more calls are values of their own
 * rather than deferred.
 */
export function analyseDeferral(s: Selector, holdSlots = false): Deferral {
  const f = s.f;
  const deferred = new Set<ValueId>();
  const byteSwaps = new Map<ValueId, ByteSwap>();
  const chains = new Map<ValueId, { root: ValueId; off: bigint }>();
  const uses = new Map<
    ValueId,
    { op: string; role: "base" | "other"; block: number; offset: number }[]
  >();
  const note = (
    v: ValueId,
    u: { op: string; role: "base" | "other"; block: number; offset: number },
  ) => {
    if (!uses.has(v)) uses.set(v, []);
    uses.get(v)!.push(u);
  };
  for (const { block, insts } of f.layout) {
    for (const id of insts) {
      const d = f.insts[id]!.data;
      const baseOf = "base" in d ? d.base : undefined;
      const ops = irOperands(d);
      ops.forEach((v, k) => {
        const isBase =
          (d.op === "load" || d.op === "store" || d.op === "atomic" || d.op === "cmpxchg") &&
          v === baseOf &&
          k === 0;
        // memcpy/memset operands are addressed like bases, up to `size` bytes past them.
        const isBlock = (d.op === "memcpy" || d.op === "memset") && k < (d.op === "memcpy" ? 2 : 1);
        const offset = isBlock
          ? d.size
          : "offset" in d && typeof d.offset === "number"
            ? d.offset
            : 0;
        note(v, { op: d.op, role: isBase || isBlock ? "base" : "other", block, offset });
      });
    }
  }
  let slotsToHold = 0;
  for (const { block, insts } of f.layout) {
    for (const id of insts) {
      const inst = f.insts[id]!;
      const d = inst.data;
      const r = inst.result;
      if (r === null) continue;
      if (d.op === "stackslot") {
        const calls = (uses.get(r) ?? []).filter((u) => u.op === "callhelper" || u.op === "call");
        const hold = calls.length >= HELD_SLOT_CALLS;
        if (hold) slotsToHold++;
        if (!(hold && holdSlots)) deferred.add(r);
      } else if (
        d.op === "const" ||
        d.op === "mapref" ||
        d.op === "funcaddr" ||
        d.op === "globaladdr"
      ) {
        deferred.add(r);
      } else if (d.op === "ptradd") {
        const c = s.constOf(d.offset);
        if (c === undefined) continue;
        const prev = chains.get(d.base);
        const chain = prev ? { root: prev.root, off: prev.off + c } : { root: d.base, off: c };
        chains.set(r, chain);
        const us = uses.get(r) ?? [];
        // Also a single call argument: computed straight into the argument register there
        // (`r1 = r6; r1 += 4`) rather than held in a register of its own and copied.
        const foldable =
          us.every((u) => u.role === "base" && fitsOff(chain.off + BigInt(u.offset))) ||
          (us.length === 1 && (us[0]!.op === "callhelper" || us[0]!.op === "call"));
        if (foldable && us.length > 0) deferred.add(r);
      } else if (d.op === "binary" && d.binop === "or") {
        const swap = matchByteSwap(
          {
            def: (v) => s.defOf(v),
            konst: (v) => s.constOf(v),
            uses: (v) => uses.get(v)?.length ?? 0,
          },
          d,
        );
        if (swap) {
          byteSwaps.set(r, swap);
          for (const v of swap.interior) deferred.add(v);
        }
      } else if (d.op === "trunc" && d.type === "i32" && s.mcpu >= 3) {
        // Every use reads only the low 32 bits (ALU32, JMP32, narrow stores, a zext selected as
        // one `wD = wS`): use the source.
        const us = uses.get(r) ?? [];
        if (
          us.length > 0 &&
          us.every(
            (u) => u.op === "binary" || u.op === "icmp" || u.op === "store" || u.op === "zext",
          )
        )
          deferred.add(r);
      } else if (d.op === "zext" && d.type === "i64" && s.typeOf(d.arg) === "i32") {
        // Only shift amounts: the shift reads the source's register directly (an i32 value's
        // register holds its zero extension, and the amount is masked to 6 bits anyway).
        const n = uses.get(r)?.length ?? 0;
        if (n > 0 && n === shiftAmountUses(f, r)) deferred.add(r);
      } else if (d.op === "icmp") {
        const us = uses.get(r) ?? [];
        if (
          us.length === 1 &&
          us[0]!.block === block &&
          (us[0]!.op === "condbr" || us[0]!.op === "select")
        ) {
          deferred.add(r);
          // `(x & C) ==/!= 0` with no other use of the `and`: one jset (isel-compare.ts).
          const flag =
            (d.cond === "eq" || d.cond === "ne") && s.constOf(d.rhs) === 0n
              ? flagTestOf(s, d.lhs)
              : undefined;
          if (flag && uses.get(d.lhs)?.length === 1) deferred.add(d.lhs);
        }
      }
    }
  }
  const core = analyseCoreAccesses(f, uses);
  for (const v of [...core.accesses.keys(), ...core.absorbed]) deferred.add(v);
  return { deferred, byteSwaps, chains, coreAccesses: core.accesses, slotsToHold };
}

/** A constant that fits an instruction's 16-bit signed offset field. */
export function fitsOff(v: bigint): boolean {
  return v >= -32768n && v <= 32767n;
}

/** How many times `v` is the amount (right operand) of a shift, and nothing else of it. */
function shiftAmountUses(f: Func, v: ValueId): number {
  let n = 0;
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const d = f.insts[id]!.data;
      if (d.op !== "binary" || d.rhs !== v || d.lhs === v) continue;
      if (d.binop === "shl" || d.binop === "lshr" || d.binop === "ashr") n++;
    }
  }
  return n;
}
