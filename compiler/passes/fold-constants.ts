/**
 * Constant folding: an instruction whose operands are all constants becomes a `const`; a few
 * algebraic identities (`x + 0`, `x * 1`, `x & -1`, `x | 0`, `x ^ 0`, shifts by 0, `select c, x, x`,
 * `select const, a, b`) forward an operand instead. Run to a fixed point by the pipeline.
 *
 * Consumes a `Func`; produces a `Func` with the folded instructions changed in place (the result value
 * keeps its id, so no use needs rewriting). Arithmetic follows the eBPF semantics the code would have
 * had at run time (RFC 9669 §4.1): division by zero gives 0, modulo by zero gives the dividend,
 * shift amounts are masked to the width, `INT_MIN / -1` is `INT_MIN`.
 */
import type { BinaryOp, Cond, Func, InstData, InstId, IrType, ValueId } from "../ir/types.ts";
import { constValue, rewriteFunc, type PassResult } from "./rewrite.ts";

const BITS: Readonly<Record<IrType, number>> = { i1: 1, i8: 8, i16: 16, i32: 32, i64: 64, ptr: 64 };

/** Normalises a constant to its type: i1 as 0/1, wider types as signed two's complement. */
export function normalize(type: IrType, v: bigint): bigint {
  return type === "i1" ? BigInt.asUintN(1, v) : BigInt.asIntN(BITS[type], v);
}

/** Evaluates a binary operation on constants of `bits` width (eBPF semantics). */
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

/** Evaluates a comparison of constants of `bits` width. */
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

/** Folds constants and simple identities. */
export function foldConstants(f: Func): PassResult {
  const change = new Map<InstId, InstData>();
  const replace = new Map<ValueId, ValueId>();
  const drop = new Set<InstId>();
  const konst = (v: ValueId): bigint | undefined => {
    const d = change.get(
      f.values[v]?.def.kind === "inst"
        ? (f.values[v]!.def as { inst: InstId }).inst
        : (-1 as InstId),
    );
    if (d?.op === "const") return d.value;
    return constValue(f, v);
  };
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const inst = f.insts[id]!;
      const d = inst.data;
      const r = inst.result;
      if (r === null) continue;
      const type = f.values[r]!.type;
      const set = (value: bigint) =>
        change.set(id, { op: "const", type, value: normalize(type, value) });
      const forward = (v: ValueId) => {
        replace.set(r, v);
        drop.add(id);
      };
      switch (d.op) {
        case "binary": {
          const a = konst(d.lhs);
          const b = konst(d.rhs);
          const bits = BITS[type];
          if (a !== undefined && b !== undefined) set(evalBinary(d.binop, bits, a, b));
          else if (b === 0n && ["add", "sub", "or", "xor", "shl", "lshr", "ashr"].includes(d.binop))
            forward(d.lhs);
          else if (b === 1n && ["mul", "udiv", "sdiv"].includes(d.binop)) forward(d.lhs);
          else if (a === 0n && ["add", "or", "xor"].includes(d.binop)) forward(d.rhs);
          else if (a === 1n && d.binop === "mul") forward(d.rhs);
          else if (
            b !== undefined &&
            BigInt.asUintN(bits, b) === (1n << BigInt(bits)) - 1n &&
            d.binop === "and"
          )
            forward(d.lhs);
          else if ((a === 0n || b === 0n) && (d.binop === "mul" || d.binop === "and")) set(0n);
          break;
        }
        case "icmp": {
          const a = konst(d.lhs);
          const b = konst(d.rhs);
          if (a !== undefined && b !== undefined) {
            set(evalCond(d.cond, BITS[f.values[d.lhs]!.type], a, b) ? 1n : 0n);
          } else if (d.lhs === d.rhs) {
            set(["eq", "ule", "uge", "sle", "sge"].includes(d.cond) ? 1n : 0n);
          }
          break;
        }
        case "select": {
          const c = konst(d.cond);
          if (c !== undefined) forward(c !== 0n ? d.ifTrue : d.ifFalse);
          else if (d.ifTrue === d.ifFalse) forward(d.ifTrue);
          break;
        }
        case "zext":
        case "sext":
        case "trunc": {
          const a = konst(d.arg);
          if (a === undefined) break;
          const from = BITS[f.values[d.arg]!.type];
          if (d.op === "zext") set(BigInt.asUintN(from, a));
          else if (d.op === "sext") set(BigInt.asIntN(from, a));
          else set(BigInt.asUintN(BITS[type], a));
          break;
        }
      }
    }
  }
  if (change.size === 0 && replace.size === 0) return { func: f, changed: false };
  return {
    func: rewriteFunc(f, { changeInsts: change, replace, dropInsts: drop }),
    changed: true,
  };
}
