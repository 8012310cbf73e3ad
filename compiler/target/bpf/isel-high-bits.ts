/**
 * Which i32 values instruction selection may leave without zero-extending their register.
 *
 * i32 values normally live zero-extended in a 64-bit register (isel.ts). Re-establishing that costs an
 * instruction after every operation that can disturb the high half: `wX = wX` with ALU32 (-mcpu ≥ v3),
 * or the pair `rX <<= 32; rX >>= 32` at v1/v2, where, like clang, we emit no ALU32 instruction at all
 * (clang turns alu32 on only from v3 because older verifiers track 32-bit subregisters poorly). The
 * extension is wasted when every use reads only the low 32 bits, so this analysis finds those values.
 *
 * Consumes a `Func` and the -mcpu level; produces the values whose register keeps a known non-zero
 * high half, and which form it has:
 * - `sext`: the register holds the 64-bit sign extension of the value (a sign-extending narrow load,
 *   or a sign extension done by a shift pair). A later `sext` to i64 is then no instruction at all:
 *   sign-extending an already sign-extended narrower value changes nothing;
 * - `any`: the high half is unknown (ALU64 arithmetic on i32 values at v1/v2, `trunc` from i64).
 *
 * A value keeps its form only when it has uses and each one tolerates it (`toleratesHighBits`); the
 * others are zero-extended at their definition as before. Example at v2, `n = n * 3 + 1` on a u32:
 *   r1 *= 3; r1 <<= 32; r1 >>= 32; r1 += 1; r1 <<= 32; r1 >>= 32    (eager)
 *   r1 *= 3; r1 += 1; r1 <<= 32; r1 >>= 32                            (the product feeds only an add)
 * At v3 this analysis is off, so the default output stays as it was; it runs at v1/v2 (where it saves
 * the two-instruction pairs) and at v4 (where it removes `rX = (s32)rX` after `*(s8 *)` loads).
 */
import { operandsOf } from "../../ir/builder.ts";
import type { Func, InstData, ValueId } from "../../ir/types.ts";
import { BINARY_PATTERNS, COND_PATTERNS } from "./isel-tables.ts";
import type { Mcpu } from "./layout.ts";

/** What the high 32 bits of an i32 value's register hold, when not zero. */
export type HighBits = "sext" | "any";

/**
 * True when the instruction `d` computes the same result whether or not the register of its i32
 * operand `v` has a non-zero high half. ALU32 and JMP32 (v ≥ 3) read only the low halves; the 64-bit
 * forms of add, sub, mul, shl and the bitwise operations produce correct low halves from any high
 * halves; shift amounts are masked; signed compares, `ashr` and `sext` sign-extend their operand
 * from bit 31 first; narrow stores and narrowing truncs keep only low bytes.
 */
export function toleratesHighBits(d: InstData, v: ValueId, mcpu: Mcpu): boolean {
  switch (d.op) {
    case "sext":
      return d.type === "i64";
    case "trunc":
      return d.type === "i1" || d.type === "i8" || d.type === "i16";
    case "store":
      return d.size <= 4 && d.base !== v;
    case "icmp":
      return mcpu >= 3 || COND_PATTERNS[d.cond].signed;
    case "binary":
      if (mcpu >= 3) return true;
      switch (d.binop) {
        case "add":
        case "sub":
        case "mul":
        case "shl":
        case "and":
        case "or":
        case "xor":
        case "ashr":
          return true;
        case "lshr":
          return d.lhs !== v;
        default:
          return false;
      }
    default:
      return false;
  }
}

/**
 * True when an i64 value defined by `d` has a zero high half whatever its inputs: a logical shift
 * right by 32 or more, a zero extension, an unsigned narrow load, an `and` with a mask below 2^32, or
 * such a constant. Truncating it to i32 needs no zero extension.
 */
export function hasZeroHighHalf(
  d: InstData | undefined,
  constOf: (v: ValueId) => bigint | undefined,
): boolean {
  const below32 = (c: bigint | undefined) => c !== undefined && c >= 0n && c < 1n << 32n;
  switch (d?.op) {
    case "const":
      return below32(d.value);
    case "zext":
      return true;
    case "load":
      return !d.signed && d.size <= 4;
    case "binary": {
      if (d.binop === "and") return below32(constOf(d.lhs)) || below32(constOf(d.rhs));
      const amount = constOf(d.rhs);
      return d.binop === "lshr" && amount !== undefined && amount >= 32n && amount < 64n;
    }
    default:
      return false;
  }
}

/** The i32 values left with a non-zero high half, and which (absent values are zero-extended). */
export function analyseHighBits(f: Func, mcpu: Mcpu): ReadonlyMap<ValueId, HighBits> {
  const out = new Map<ValueId, HighBits>();
  if (mcpu === 3) return out;
  const users = new Map<ValueId, InstData[]>();
  const defs = new Map<ValueId, InstData>();
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const inst = f.insts[id]!;
      if (inst.result !== null) defs.set(inst.result, inst.data);
      for (const v of operandsOf(inst.data)) {
        if (!users.has(v)) users.set(v, []);
        users.get(v)!.push(inst.data);
      }
    }
  }
  const constOf = (v: ValueId) => {
    const d = defs.get(v);
    return d?.op === "const" ? d.value : undefined;
  };
  const done = new Set<ValueId>();
  const formOf = (v: ValueId): HighBits | undefined => {
    if (!done.has(v)) {
      done.add(v);
      const raw =
        f.values[v]!.type === "i32" ? rawHighBits(defs.get(v), mcpu, formOf, constOf) : undefined;
      const us = users.get(v) ?? [];
      if (raw && us.length > 0 && us.every((d) => toleratesHighBits(d, v, mcpu))) out.set(v, raw);
    }
    return out.get(v);
  };
  for (const v of defs.keys()) formOf(v);
  return out;
}

/** What an i32 definition leaves in the high half before any re-zero-extension. */
function rawHighBits(
  d: InstData | undefined,
  mcpu: Mcpu,
  formOf: (v: ValueId) => HighBits | undefined,
  constOf: (v: ValueId) => bigint | undefined,
): HighBits | undefined {
  if (d === undefined) return undefined;
  switch (d.op) {
    case "load":
      return d.signed && d.size < 4 ? "sext" : undefined;
    case "sext":
      // v4 has movsx32, an ALU32 instruction that zero-extends; below, a shift pair sign-extends.
      return mcpu >= 4 ? undefined : "sext";
    case "trunc":
      return mcpu < 3 ? "any" : undefined;
    case "binary": {
      if (mcpu >= 3) return undefined;
      if (BINARY_PATTERNS[d.binop].dirtiesHighBits) return "any";
      const bitwise = d.binop === "and" || d.binop === "or" || d.binop === "xor";
      if (bitwise && (formOf(d.lhs) || formOf(d.rhs))) return "any";
      // `or`/`xor` with a negative constant: ALU64 sign-extends the imm into the high half.
      const negative = (v: ValueId) => {
        const c = constOf(v);
        return c !== undefined && BigInt.asIntN(32, c) < 0n;
      };
      return (d.binop === "or" || d.binop === "xor") && (negative(d.lhs) || negative(d.rhs))
        ? "any"
        : undefined;
    }
    default:
      return undefined;
  }
}
