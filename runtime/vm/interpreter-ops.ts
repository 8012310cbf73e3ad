/**
 * The interpreter's arithmetic on register halves that does not fit in a line of its switch: 64-bit
 * products, byte swaps, jump conditions, and the BigInt forms of 64-bit division and modulo.
 *
 * Consumes int32 halves (bits 0–31 / 32–63 of a 64-bit value); produces int32 halves, booleans or
 * BigInts. Pure functions; each states the identity it relies on. Semantics: RFC 9669 §4.1 (ALU) and
 * §4.3 (jumps); test/vm-engine checks them against BigInt arithmetic and against the JIT.
 */
import type { InsnOp } from "../../core/isa/index.ts";
import { Cond } from "./interpreter-decode.ts";

const TWO32 = 4294967296;
// Local copies of the conditions (imported bindings can compile to getter calls).
const { Eq, Ne, Set: SetBits, Gt, Ge, Lt, Sgt, Sge, Slt } = Cond;

/** 64-bit div/mod on unsigned operands, by op (the by-zero and signed rules of RFC 9669 §4.1). */
export const ALU64_BIGINT: Readonly<Partial<Record<InsnOp, (a: bigint, b: bigint) => bigint>>> = {
  div: (a, b) => (b === 0n ? 0n : a / b),
  mod: (a, b) => (b === 0n ? a : a % b),
  sdiv: (a, b) => (b === 0n ? 0n : BigInt.asIntN(64, a) / BigInt.asIntN(64, b)),
  // BigInt % truncates toward zero like C, so the sign follows the dividend.
  smod: (a, b) => (b === 0n ? a : BigInt.asIntN(64, a) % BigInt.asIntN(64, b)),
};

/** The unsigned 64-bit value of two int32 halves. */
export function join(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * High 32 bits (as int32) of the 64-bit product of unsigned a and b. With b = q·2^16 + r, the partial
 * products a·r and a·q are below 2^48 (exact doubles), and a·b = ⌊a·q / 2^16⌋·2^32 + (a·r + (a·q mod
 * 2^16)·2^16), where the second term is below 2^49.
 */
export function mulHigh(a: number, b: number): number {
  const ua = a >>> 0;
  const ub = b >>> 0;
  const low = ua * (ub & 0xffff);
  const high = ua * (ub >>> 16);
  return (Math.floor(high / 65536) + Math.floor((low + (high % 65536) * 65536) / TWO32)) | 0;
}

/** Byte-reverses a 32-bit value. */
export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** -1, 0 or 1 comparing (ah:al) with (bh:bl), high halves signed or not, low halves unsigned. */
export function compare64(al: number, ah: number, bl: number, bh: number, signed: boolean): number {
  if (ah !== bh) {
    if (signed) return ah < bh ? -1 : 1;
    return ah >>> 0 < bh >>> 0 ? -1 : 1;
  }
  if (al === bl) return 0;
  return al >>> 0 < bl >>> 0 ? -1 : 1;
}

/** Whether a conditional jump is taken; `c` is the signed or unsigned comparison as the cond needs. */
function holds(cond: number, c: number): boolean {
  switch (cond) {
    case Gt:
    case Sgt:
      return c > 0;
    case Ge:
    case Sge:
      return c >= 0;
    case Lt:
    case Slt:
      return c < 0;
    default: // Le, Sle
      return c <= 0;
  }
}

/** The jump condition over a 64-bit (ah:al) and (bh:bl). */
export function jump64(cond: number, al: number, ah: number, bl: number, bh: number): boolean {
  if (cond === Eq) return al === bl && ah === bh;
  if (cond === Ne) return al !== bl || ah !== bh;
  if (cond === SetBits) return ((al & bl) | (ah & bh)) !== 0;
  return holds(cond, compare64(al, ah, bl, bh, cond >= Sgt));
}

/** The jump condition over the low 32 bits. */
export function jump32(cond: number, a: number, b: number): boolean {
  if (cond === Eq) return a === b;
  if (cond === Ne) return a !== b;
  if (cond === SetBits) return (a & b) !== 0;
  const signed = cond >= Sgt;
  const x = signed ? a : a >>> 0;
  const y = signed ? b : b >>> 0;
  return holds(cond, x < y ? -1 : x > y ? 1 : 0);
}
