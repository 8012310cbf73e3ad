/**
 * The pattern tables instruction selection reads: how each IR binary operation and comparison maps to
 * a BPF operation of core/isa (`InsnSpec.op`), and the properties the one matcher in isel.ts needs
 * (commutativity, whether the 64-bit form of a 32-bit operation must re-zero-extend, whether an input
 * must be sign-extended first, the ISA level).
 *
 * Consumes nothing; produces readonly records. Row names are composed as `${op}${width}_${source}`,
 * the naming scheme of core/isa/table.ts, so every selected instruction is a real table row.
 */
import type { BinaryOp, Cond } from "../../ir/types.ts";

/** How one IR binary operation is selected. */
export interface BinaryPattern {
  /** BPF ALU operation (`InsnSpec.op`). */
  readonly op: string;
  readonly commutative: boolean;
  /** On the 64-bit path for i32 values: the result may have high bits set and must be re-zero-extended. */
  readonly dirtiesHighBits: boolean;
  /** On the 64-bit path for i32 values: the left input must be sign-extended first. */
  readonly signedInput: boolean;
  /** Lowest -mcpu level with the operation (signed division and modulo arrived in v4). */
  readonly isa: 1 | 4;
}

/** IR binary operations → BPF ALU operations (RFC 9669 §4.1). */
export const BINARY_PATTERNS: Readonly<Record<BinaryOp, BinaryPattern>> = {
  add: { op: "add", commutative: true, dirtiesHighBits: true, signedInput: false, isa: 1 },
  sub: { op: "sub", commutative: false, dirtiesHighBits: true, signedInput: false, isa: 1 },
  mul: { op: "mul", commutative: true, dirtiesHighBits: true, signedInput: false, isa: 1 },
  udiv: { op: "div", commutative: false, dirtiesHighBits: false, signedInput: false, isa: 1 },
  sdiv: { op: "sdiv", commutative: false, dirtiesHighBits: true, signedInput: true, isa: 4 },
  urem: { op: "mod", commutative: false, dirtiesHighBits: false, signedInput: false, isa: 1 },
  srem: { op: "smod", commutative: false, dirtiesHighBits: true, signedInput: true, isa: 4 },
  and: { op: "and", commutative: true, dirtiesHighBits: false, signedInput: false, isa: 1 },
  or: { op: "or", commutative: true, dirtiesHighBits: false, signedInput: false, isa: 1 },
  xor: { op: "xor", commutative: true, dirtiesHighBits: false, signedInput: false, isa: 1 },
  shl: { op: "lsh", commutative: false, dirtiesHighBits: true, signedInput: false, isa: 1 },
  lshr: { op: "rsh", commutative: false, dirtiesHighBits: false, signedInput: false, isa: 1 },
  ashr: { op: "arsh", commutative: false, dirtiesHighBits: true, signedInput: true, isa: 1 },
};

/** How one IR comparison is selected as a conditional jump. */
export interface CondPattern {
  /** BPF jump operation taken when the condition holds. */
  readonly op: string;
  /** The condition with operands swapped (`a < b` ⇔ `b > a`). */
  readonly swapped: Cond;
  /** The negated condition. */
  readonly negated: Cond;
  readonly signed: boolean;
}

/** IR conditions → BPF conditional jumps (RFC 9669 §4.3). */
export const COND_PATTERNS: Readonly<Record<Cond, CondPattern>> = {
  eq: { op: "jeq", swapped: "eq", negated: "ne", signed: false },
  ne: { op: "jne", swapped: "ne", negated: "eq", signed: false },
  ugt: { op: "jgt", swapped: "ult", negated: "ule", signed: false },
  uge: { op: "jge", swapped: "ule", negated: "ult", signed: false },
  ult: { op: "jlt", swapped: "ugt", negated: "uge", signed: false },
  ule: { op: "jle", swapped: "uge", negated: "ugt", signed: false },
  sgt: { op: "jsgt", swapped: "slt", negated: "sle", signed: true },
  sge: { op: "jsge", swapped: "sle", negated: "slt", signed: true },
  slt: { op: "jslt", swapped: "sgt", negated: "sge", signed: true },
  sle: { op: "jsle", swapped: "sge", negated: "sgt", signed: true },
};

/** Atomic IR operations → BPF atomic row operation names (without the width suffix). */
export const ATOMIC_PATTERNS: Readonly<
  Record<"add" | "or" | "and" | "xor" | "xchg", { plain: string | null; fetch: string }>
> = {
  add: { plain: "atomic_add", fetch: "atomic_fetch_add" },
  or: { plain: "atomic_or", fetch: "atomic_fetch_or" },
  and: { plain: "atomic_and", fetch: "atomic_fetch_and" },
  xor: { plain: "atomic_xor", fetch: "atomic_fetch_xor" },
  xchg: { plain: null, fetch: "atomic_xchg" },
};

/** Load/store row suffix by access size. */
export const SIZE_SUFFIX: Readonly<Record<1 | 2 | 4 | 8, string>> = {
  1: "b",
  2: "h",
  4: "w",
  8: "dw",
};
