/**
 * Constant evaluation of IR operations: what a `binary` or an `icmp` yields when both operands are
 * known, with the eBPF run-time semantics the compiled code would have (RFC 9669 §4.1): division by
 * zero gives 0, modulo by zero gives the dividend, shift amounts are masked to the width,
 * `INT_MIN / -1` is `INT_MIN`.
 *
 * Consumes IR types, operations and `bigint` constants; produces `bigint`s and booleans. Pure
 * functions, no state. The one place both the optimiser (compiler/passes/fold-constants.ts) and
 * instruction selection (compiler/target/bpf/isel-compare.ts, a compare of two constants) evaluate
 * IR semantics, so the two can never disagree.
 */
import type { BinaryOp, Cond, IrType } from "./types.ts";

/** Width in bits of each IR type (`ptr` is a 64-bit address, `i1` one bit). */
export const IR_BITS: Readonly<Record<IrType, number>> = {
  i1: 1,
  i8: 8,
  i16: 16,
  i32: 32,
  i64: 64,
  ptr: 64,
};

/** Normalises a constant to its type: i1 as 0/1, wider types as signed two's complement. */
export function normalizeConst(type: IrType, v: bigint): bigint {
  return type === "i1" ? BigInt.asUintN(1, v) : BigInt.asIntN(IR_BITS[type], v);
}

/** Evaluates a binary operation on constants of `bits` width (eBPF semantics; result unnormalised). */
export function evalBinary(op: BinaryOp, bits: number, a0: bigint, b0: bigint): bigint {
  const u = (x: bigint) => BigInt.asUintN(bits, x);
  const s = (x: bigint) => BigInt.asIntN(bits, x);
  const a = u(a0);
  const b = u(b0);
  switch (op) {
    case "add":
      return a + b;
    case "sub":
      return a - b;
    case "mul":
      return a * b;
    case "udiv":
      return b === 0n ? 0n : a / b;
    case "urem":
      return b === 0n ? a : a % b;
    case "sdiv":
      return b === 0n ? 0n : s(a) / s(b);
    case "srem":
      return b === 0n ? a : s(a) % s(b);
    case "and":
      return a & b;
    case "or":
      return a | b;
    case "xor":
      return a ^ b;
    case "shl":
      return a << (b & BigInt(bits - 1));
    case "lshr":
      return a >> (b & BigInt(bits - 1));
    case "ashr":
      return s(a) >> (b & BigInt(bits - 1));
  }
}

/** Evaluates a comparison of constants of `bits` width: `s*` conditions signed, the rest unsigned. */
export function evalCond(cond: Cond, bits: number, a0: bigint, b0: bigint): boolean {
  const signed = cond.startsWith("s");
  const a = signed ? BigInt.asIntN(bits, a0) : BigInt.asUintN(bits, a0);
  const b = signed ? BigInt.asIntN(bits, b0) : BigInt.asUintN(bits, b0);
  switch (cond) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "ugt":
    case "sgt":
      return a > b;
    case "uge":
    case "sge":
      return a >= b;
    case "ult":
    case "slt":
      return a < b;
    case "ule":
    case "sle":
      return a <= b;
  }
}

/** The condition with its operands swapped: `a cond b` ⇔ `b SWAPPED_COND[cond] a`. */
export const SWAPPED_COND: Readonly<Record<Cond, Cond>> = {
  eq: "eq",
  ne: "ne",
  ult: "ugt",
  ule: "uge",
  ugt: "ult",
  uge: "ule",
  slt: "sgt",
  sle: "sge",
  sgt: "slt",
  sge: "sle",
};

/** The negated condition: `!(a cond b)` ⇔ `a NEGATED_COND[cond] b`. */
export const NEGATED_COND: Readonly<Record<Cond, Cond>> = {
  eq: "ne",
  ne: "eq",
  ult: "uge",
  ule: "ugt",
  ugt: "ule",
  uge: "ult",
  slt: "sge",
  sle: "sgt",
  sgt: "sle",
  sge: "slt",
};
