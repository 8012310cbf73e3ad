/**
 * The integer typing rules of binary arithmetic, and constant folding.
 *
 * Typing rules (C-like, but implicit conversions only where lossless): operands narrower than 32
 * bits promote to u32/i32; mixed signedness is allowed only when the signed side is wider (u32 + i64
 * → i64), otherwise TSB2002; untyped constants take the other operand's type and must fit it
 * (TSB2003). Arithmetic wraps; `/` and `%` are integer division (udiv/sdiv, urem/srem by signedness;
 * eBPF defines x/0 = 0 and x%0 = x, RFC 9669 section 4.1), `>>` is arithmetic on signed and logical
 * on unsigned types, `>>>` always logical.
 *
 * Consumes operator tokens and already-lowered operands; produces typed `Operand`s. The operator
 * tables (`ARITH`, `COMPARE`, `COMPOUND`) are the single list of supported binary operators.
 */
import { Node, SyntaxKind } from "ts-morph";
import type { BinaryOp, Cond, ValueId } from "../ir/index.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState, describe } from "./func-state.ts";
import type { IntType } from "./types.ts";
import { U32, intOf, irTypeOf, typeName } from "./types.ts";

/** Reports TSB2004 ("cannot use a value of type ... here") and returns `ERROR`. */
export function typeError(fs: FuncState, node: Node, op: Operand, expected: string): Operand {
  fs.m.report("TSB2004", node, { type: describe(op), expected: `expected ${expected}` });
  return ERROR;
}

/** Integer promotion: types narrower than 32 bits compute as u32/i32. */
export function promote(t: IntType): IntType {
  return t.bits < 32 ? intOf(32, t.signed) : t;
}

/** The common type of two integer operand types, or null when signedness mixes unsafely. */
export function commonType(a: IntType, b: IntType): IntType | null {
  const pa = promote(a);
  const pb = promote(b);
  if (pa.signed === pb.signed) return pa.bits >= pb.bits ? pa : pb;
  const [s, u] = pa.signed ? [pa, pb] : [pb, pa];
  return s.bits > u.bits ? s : null;
}

/** The IR operation of each arithmetic operator token. */
export const ARITH: Partial<Record<SyntaxKind, (signed: boolean) => BinaryOp>> = {
  [SyntaxKind.PlusToken]: () => "add",
  [SyntaxKind.MinusToken]: () => "sub",
  [SyntaxKind.AsteriskToken]: () => "mul",
  [SyntaxKind.SlashToken]: (s) => (s ? "sdiv" : "udiv"),
  [SyntaxKind.PercentToken]: (s) => (s ? "srem" : "urem"),
  [SyntaxKind.AmpersandToken]: () => "and",
  [SyntaxKind.BarToken]: () => "or",
  [SyntaxKind.CaretToken]: () => "xor",
  [SyntaxKind.LessThanLessThanToken]: () => "shl",
  [SyntaxKind.GreaterThanGreaterThanToken]: (s) => (s ? "ashr" : "lshr"),
  [SyntaxKind.GreaterThanGreaterThanGreaterThanToken]: () => "lshr",
};
/** The IR operation of each comparison operator token. */
export const COMPARE: Partial<Record<SyntaxKind, (signed: boolean) => Cond>> = {
  [SyntaxKind.EqualsEqualsEqualsToken]: () => "eq",
  [SyntaxKind.EqualsEqualsToken]: () => "eq",
  [SyntaxKind.ExclamationEqualsEqualsToken]: () => "ne",
  [SyntaxKind.ExclamationEqualsToken]: () => "ne",
  [SyntaxKind.LessThanToken]: (s) => (s ? "slt" : "ult"),
  [SyntaxKind.LessThanEqualsToken]: (s) => (s ? "sle" : "ule"),
  [SyntaxKind.GreaterThanToken]: (s) => (s ? "sgt" : "ugt"),
  [SyntaxKind.GreaterThanEqualsToken]: (s) => (s ? "sge" : "uge"),
};
/** The IR operation of each compound-assignment (its binary operator) operator token. */
export const COMPOUND: Partial<Record<SyntaxKind, SyntaxKind>> = {
  [SyntaxKind.PlusEqualsToken]: SyntaxKind.PlusToken,
  [SyntaxKind.MinusEqualsToken]: SyntaxKind.MinusToken,
  [SyntaxKind.AsteriskEqualsToken]: SyntaxKind.AsteriskToken,
  [SyntaxKind.SlashEqualsToken]: SyntaxKind.SlashToken,
  [SyntaxKind.PercentEqualsToken]: SyntaxKind.PercentToken,
  [SyntaxKind.AmpersandEqualsToken]: SyntaxKind.AmpersandToken,
  [SyntaxKind.BarEqualsToken]: SyntaxKind.BarToken,
  [SyntaxKind.CaretEqualsToken]: SyntaxKind.CaretToken,
  [SyntaxKind.LessThanLessThanEqualsToken]: SyntaxKind.LessThanLessThanToken,
  [SyntaxKind.GreaterThanGreaterThanEqualsToken]: SyntaxKind.GreaterThanGreaterThanToken,
  [SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]:
    SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
};

/** Applies an arithmetic operator (by its token) with the typing rules above. */
export function arith(
  fs: FuncState,
  kind: SyntaxKind,
  lo: Operand,
  ro: Operand,
  node: Node,
): Operand {
  const l = fs.rvalue(lo, node);
  const r = fs.rvalue(ro, node);
  if (l.k === "error" || r.k === "error") return ERROR;
  const isShift =
    kind === SyntaxKind.LessThanLessThanToken ||
    kind === SyntaxKind.GreaterThanGreaterThanToken ||
    kind === SyntaxKind.GreaterThanGreaterThanGreaterThanToken;
  const intOfOp = (o: Operand): IntType | null | "untyped" => {
    if (o.k === "const" && o.type === null) return "untyped";
    const t = fs.scalarType(o);
    return t?.kind === "int" ? t : null;
  };
  const lt = intOfOp(l);
  const rt = intOfOp(r);
  if (lt === null) return typeError(fs, nodeLeft(node), l, "an integer");
  if (rt === null) return typeError(fs, nodeRight(node), r, "an integer");
  let t: IntType;
  if (isShift) t = lt === "untyped" ? fs.defaultType((l as { value: bigint }).value) : promote(lt);
  else if (lt === "untyped" && rt === "untyped") {
    if (l.k === "const" && r.k === "const")
      return { k: "const", type: null, value: fold(kind, l.value, r.value, true) ?? 0n };
    t = fs.defaultType(0n);
  } else if (lt === "untyped") t = promote(rt as IntType);
  else if (rt === "untyped") t = promote(lt);
  else {
    const c = commonType(lt, rt);
    if (!c) {
      const [s, u] = lt.signed ? [lt, rt] : [rt, lt];
      fs.m.report("TSB2002", node, {
        signed: typeName(s),
        unsigned: typeName(u),
        fix: `${typeName(promote(s))}(...) or ${typeName(promote(u))}(...)`,
      });
      return ERROR;
    }
    t = c;
  }
  if (l.k === "const" && r.k === "const") {
    const v = fold(kind, l.value, r.value, t.signed);
    if (v !== null) return { k: "const", type: t, value: fs.wrap(v, t) };
  }
  const lv = coerceArith(fs, l, t, node);
  const rt2 = isShift ? (irTypeOf(t) === "i64" ? intOf(64, false) : U32) : t;
  const rv = isShift ? shiftAmount(fs, r, rt2, node) : coerceArith(fs, r, t, node);
  if (lv === null || rv === null) return ERROR;
  const binop = ARITH[kind]!(t.signed);
  const v = fs.val({ op: "binary", binop, lhs: lv, rhs: rv }, irTypeOf(t), node);
  return { k: "val", type: t, v };
}

/** The left operand of a binary expression (the node itself otherwise), for diagnostics. */
export function nodeLeft(n: Node): Node {
  return Node.isBinaryExpression(n) ? n.getLeft() : n;
}
/** The right operand of a binary expression (the node itself otherwise), for diagnostics. */
export function nodeRight(n: Node): Node {
  return Node.isBinaryExpression(n) ? n.getRight() : n;
}

/** An operand converted to the operation's type (operands are already known compatible). */
export function coerceArith(fs: FuncState, o: Operand, t: IntType, at: Node): ValueId | null {
  if (o.k === "const") {
    if (o.type === null && !fs.fits(o.value, t)) {
      fs.m.report("TSB2003", at, { value: o.value.toString(), type: typeName(t) });
      return null;
    }
    return fs.iconst(irTypeOf(t), fs.toIrConst(fs.wrap(o.value, t), t), at);
  }
  const r = fs.toReg(o, at)!;
  return fs.convert(r.v, r.type, t, at);
}

function shiftAmount(fs: FuncState, o: Operand, t: IntType, at: Node): ValueId | null {
  if (o.k === "const") return fs.iconst(irTypeOf(t), BigInt.asUintN(6, o.value), at);
  const r = fs.toReg(o, at);
  if (!r || r.type.kind !== "int") return null;
  return fs.convert(r.v, r.type, intOf(irTypeOf(t) === "i64" ? 64 : 32, false), at);
}

/** Folds two constants; null when the result is not a compile-time integer (division by zero folds to eBPF's 0). */
function fold(kind: SyntaxKind, a: bigint, b: bigint, signed: boolean): bigint | null {
  switch (kind) {
    case SyntaxKind.PlusToken:
      return a + b;
    case SyntaxKind.MinusToken:
      return a - b;
    case SyntaxKind.AsteriskToken:
      return a * b;
    case SyntaxKind.SlashToken:
      return b === 0n ? 0n : a / b;
    case SyntaxKind.PercentToken:
      return b === 0n ? a : a % b;
    case SyntaxKind.AmpersandToken:
      return a & b;
    case SyntaxKind.BarToken:
      return a | b;
    case SyntaxKind.CaretToken:
      return a ^ b;
    case SyntaxKind.LessThanLessThanToken:
      return a << b;
    case SyntaxKind.GreaterThanGreaterThanToken:
      return signed ? a >> b : a >> b;
    default:
      return null;
  }
}
