/**
 * Expression lowering: TypeScript expressions → `Operand`s plus IR instructions, typing each
 * expression with tsbpf's integer rules as it goes.
 *
 * Typing rules (C-like, but implicit conversions only where lossless): operands narrower than 32
 * bits promote to u32/i32; mixed signedness is allowed only when the signed side is wider (u32 + i64
 * → i64), otherwise TSB2002; untyped constants take the other operand's type and must fit it.
 * Arithmetic wraps; `/` and `%` are integer division (udiv/sdiv, urem/srem by signedness), `>>` is
 * arithmetic on signed and logical on unsigned types, `>>>` always logical.
 *
 * Conditions (`if`, loops, `&&`, `||`, `!`) are lowered to branches by `lowerCond`, so `a && b`
 * short-circuits and a null test on a packet view becomes exactly `data + off + size > data_end`.
 */
import { Node, SyntaxKind } from "ts-morph";
import type { BinaryOp, BlockId, Cond, ValueId } from "../ir/index.ts";
import { CONSTANTS } from "./builtins.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState, describe } from "./func-state.ts";
import { lowerCall } from "./lower-call.ts";
import type { ScalarType } from "./module-state.ts";
import type { IntType, TsbType } from "./types.ts";
import { BOOL, U32, intOf, irTypeOf, isScalar, sizeOf, typeName } from "./types.ts";

/** Parses a numeric literal's text exactly (hex/octal/binary, `_` separators); null for non-integers. */
export function parseIntegerLiteral(text: string): bigint | null {
  const t = text.replace(/_/g, "").replace(/n$/, "");
  if (/^0[xX][0-9a-fA-F]+$|^0[oO][0-7]+$|^0[bB][01]+$|^[0-9]+$/.test(t)) return BigInt(t);
  return null;
}

/** Lowers an expression; `expected` is the type the context wants (for untyped constants). */
export function lowerExpr(fs: FuncState, node: Node, expected?: TsbType): Operand {
  if (Node.isParenthesizedExpression(node)) return lowerExpr(fs, node.getExpression(), expected);
  if (Node.isNumericLiteral(node) || Node.isBigIntLiteral(node)) {
    const value = parseIntegerLiteral(node.getText());
    if (value === null) {
      fs.m.report("TSB1002", node, { text: node.getText() });
      return ERROR;
    }
    return { k: "const", type: null, value };
  }
  if (node.getKind() === SyntaxKind.TrueKeyword)
    return { k: "const", type: BOOL as ScalarType, value: 1n };
  if (node.getKind() === SyntaxKind.FalseKeyword)
    return { k: "const", type: BOOL as ScalarType, value: 0n };
  if (node.getKind() === SyntaxKind.NullKeyword) return { k: "null" };
  if (Node.isIdentifier(node)) return lowerIdentifier(fs, node);
  if (Node.isPropertyAccessExpression(node)) return lowerProperty(fs, node);
  if (Node.isElementAccessExpression(node)) return lowerElement(fs, node);
  if (Node.isCallExpression(node)) return lowerCall(fs, node, expected);
  if (Node.isPrefixUnaryExpression(node)) return lowerPrefix(fs, node, expected);
  if (Node.isPostfixUnaryExpression(node))
    return lowerIncDec(
      fs,
      node.getOperand(),
      node.getOperatorToken() === SyntaxKind.PlusPlusToken ? "add" : "sub",
      true,
      node,
    );
  if (Node.isBinaryExpression(node)) return lowerBinaryExpr(fs, node, expected);
  if (Node.isConditionalExpression(node)) return lowerTernary(fs, node, expected);
  if (
    Node.isStringLiteral(node) ||
    Node.isNoSubstitutionTemplateLiteral(node) ||
    Node.isTemplateExpression(node)
  ) {
    fs.m.report("TSB1009", node, { what: 'use printk("...", ...) to print' });
    return ERROR;
  }
  if (Node.isObjectLiteralExpression(node)) {
    fs.m.report("TSB1011", node);
    return ERROR;
  }
  if (Node.isAsExpression(node) || Node.isTypeAssertion(node)) {
    fs.m.report("TSB1001", node, {
      construct: "a type assertion",
      instead: "convert explicitly with u32(x), i64(x), ...",
    });
    return ERROR;
  }
  if (Node.isNonNullExpression(node)) {
    fs.m.report("TSB1001", node, {
      construct: "the non-null assertion '!'",
      instead: "test the value against null with an if",
    });
    return ERROR;
  }
  fs.m.report("TSB1001", node, {
    construct: `this expression (${node.getKindName()})`,
    instead: "use integer arithmetic, struct fields, map and helper calls",
  });
  return ERROR;
}

function lowerIdentifier(fs: FuncState, node: Node): Operand {
  const name = node.getText();
  const b = fs.lookup(name);
  if (b?.k === "var") return { k: "val", type: b.type, v: fs.readVar(b.id) };
  if (b?.k === "operand") return b.op;
  const top = fs.m.top.get(name);
  if (top?.k === "const") return { k: "const", type: top.type, value: top.value };
  if (top?.k === "map") return { k: "map", map: top.map };
  if (top?.k === "global") {
    const base = fs.val({ op: "globaladdr", global: top.name, offset: 0 }, "ptr", node, top.name);
    return {
      k: "place",
      type: top.type,
      base,
      offset: 0,
      writable: true,
      what: `global '${name}'`,
    };
  }
  const c = CONSTANTS.get(name);
  if (c !== undefined) return { k: "const", type: null, value: c };
  if (name === "undefined") {
    fs.m.report("TSB1001", node, {
      construct: "undefined",
      instead: "use null for an absent reference or 0 for integers",
    });
    return ERROR;
  }
  fs.m.report("TSB3011", node, {
    name,
    instead: "declare it with let/const in this function, or at top level",
  });
  return ERROR;
}

/** `a.b`: struct fields, `Ref.value`, context fields, `array.length`. */
function lowerProperty(
  fs: FuncState,
  node: Node & { getExpression(): Node; getName(): string },
): Operand {
  const obj = lowerExpr(fs, node.getExpression());
  const field = node.getName();
  if (obj.k === "error") return obj;
  if (obj.k === "ref") {
    if (field !== "value") return fieldError(fs, node, describe(obj), field);
    return {
      k: "place",
      type: obj.target,
      base: obj.ptr,
      offset: 0,
      writable: true,
      what: `'${node.getText()}'`,
    };
  }
  if (obj.k === "ctx") return ctxField(fs, obj, field, node);
  if (obj.k === "place") {
    if (obj.type.kind === "array" && field === "length")
      return { k: "const", type: U32, value: BigInt(obj.type.length) };
    if (obj.type.kind !== "struct") return fieldError(fs, node, typeName(obj.type), field);
    const f = obj.type.fields.find((x) => x.name === field);
    if (!f) return fieldError(fs, node, typeName(obj.type), field);
    return {
      k: "place",
      type: f.type,
      base: obj.base,
      offset: obj.offset + f.offset,
      writable: obj.writable && !f.readonly,
      what: `field '${field}'`,
    };
  }
  return fieldError(fs, node, describe(obj), field);
}

function fieldError(fs: FuncState, node: Node, type: string, field: string): Operand {
  fs.m.report("TSB3009", node, { type, field });
  return ERROR;
}

function ctxField(fs: FuncState, ctx: Operand & { k: "ctx" }, field: string, node: Node): Operand {
  const shape = ctx.prog.ctx;
  if (shape.kind === "fixed") {
    const f = shape.fields.get(field);
    if (!f) return fieldError(fs, node, `the ${ctx.prog.fn} context`, field);
    return {
      k: "place",
      type: f.type,
      base: ctx.ptr,
      offset: f.offset,
      writable: false,
      what: "a context field",
    };
  }
  if (shape.kind === "struct" && ctx.struct?.kind === "struct") {
    const f = ctx.struct.fields.find((x) => x.name === field);
    if (!f) return fieldError(fs, node, ctx.struct.name, field);
    return {
      k: "place",
      type: f.type,
      base: ctx.ptr,
      offset: f.offset,
      writable: false,
      what: "a context field",
    };
  }
  return fieldError(fs, node, `the ${ctx.prog.fn} context (use ctx.arg(i))`, field);
}

/** `a[i]`: a constant index is checked at compile time; a variable one is clamped to the last element. */
function lowerElement(
  fs: FuncState,
  node: Node & { getExpression(): Node; getArgumentExpressionOrThrow(): Node },
): Operand {
  const arr = lowerExpr(fs, node.getExpression());
  if (arr.k === "error") return arr;
  if (arr.k !== "place" || arr.type.kind !== "array") {
    fs.m.report("TSB2004", node.getExpression(), {
      type: describe(arr),
      expected: "only FixedArray values can be indexed",
    });
    return ERROR;
  }
  const t = arr.type;
  const esize = sizeOf(t.element);
  const idxNode = node.getArgumentExpressionOrThrow();
  const idx = fs.rvalue(lowerExpr(fs, idxNode, U32), idxNode);
  if (idx.k === "error") return idx;
  if (idx.k === "const") {
    if (idx.value < 0n || idx.value >= BigInt(t.length)) {
      fs.m.report("TSB3005", idxNode, { index: idx.value.toString(), type: typeName(t) });
      return ERROR;
    }
    return {
      ...arr,
      type: t.element,
      offset: arr.offset + Number(idx.value) * esize,
      what: "an array element",
    };
  }
  const reg = fs.toReg(idx, idxNode);
  if (!reg || reg.type.kind !== "int") {
    fs.m.report("TSB2004", idxNode, {
      type: describe(idx),
      expected: "an array index must be an integer",
    });
    return ERROR;
  }
  // Clamp: i <u N ? i : N-1 keeps the access in bounds for the kernel verifier.
  const wide =
    irTypeOf(reg.type) === "i64" ? reg.v : fs.convert(reg.v, reg.type, intOf(64, false), idxNode);
  const n = fs.iconst("i64", BigInt(t.length), idxNode);
  const inRange = fs.val({ op: "icmp", cond: "ult", lhs: wide, rhs: n }, "i1", idxNode);
  const last = fs.iconst("i64", BigInt(t.length - 1), idxNode);
  const clamped = fs.val(
    { op: "select", cond: inRange, ifTrue: wide, ifFalse: last },
    "i64",
    idxNode,
  );
  const scaled =
    esize === 1
      ? clamped
      : fs.val(
          {
            op: "binary",
            binop: "mul",
            lhs: clamped,
            rhs: fs.iconst("i64", BigInt(esize), idxNode),
          },
          "i64",
          idxNode,
        );
  const base = fs.val({ op: "ptradd", base: arr.base, offset: scaled }, "ptr", node);
  return { ...arr, type: t.element, base, offset: arr.offset, what: "an array element" };
}

function lowerPrefix(
  fs: FuncState,
  node: Node & { getOperand(): Node; getOperatorToken(): SyntaxKind },
  expected?: TsbType,
): Operand {
  const opTok = node.getOperatorToken();
  const operand = node.getOperand();
  if (opTok === SyntaxKind.PlusPlusToken || opTok === SyntaxKind.MinusMinusToken) {
    return lowerIncDec(
      fs,
      operand,
      opTok === SyntaxKind.PlusPlusToken ? "add" : "sub",
      false,
      node,
    );
  }
  if (opTok === SyntaxKind.ExclamationToken) return condValue(fs, node);
  const x = fs.rvalue(lowerExpr(fs, operand, expected), operand);
  if (x.k === "error") return x;
  if (opTok === SyntaxKind.PlusToken) return x;
  if (x.k === "const") {
    const v = opTok === SyntaxKind.MinusToken ? -x.value : ~x.value;
    return { k: "const", type: x.type, value: x.type ? fs.wrap(v, x.type) : v };
  }
  const r = fs.toReg(x, operand);
  if (!r || r.type.kind !== "int") return typeError(fs, operand, x, "an integer");
  const t = promote(r.type);
  const v = fs.convert(r.v, r.type, t, node);
  const ir = irTypeOf(t);
  const res =
    opTok === SyntaxKind.MinusToken
      ? fs.val({ op: "binary", binop: "sub", lhs: fs.iconst(ir, 0n, node), rhs: v }, ir, node)
      : fs.val({ op: "binary", binop: "xor", lhs: v, rhs: fs.iconst(ir, -1n, node) }, ir, node);
  return { k: "val", type: t, v: res };
}

function typeError(fs: FuncState, node: Node, op: Operand, expected: string): Operand {
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

const ARITH: Partial<Record<SyntaxKind, (signed: boolean) => BinaryOp>> = {
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
const COMPARE: Partial<Record<SyntaxKind, (signed: boolean) => Cond>> = {
  [SyntaxKind.EqualsEqualsEqualsToken]: () => "eq",
  [SyntaxKind.EqualsEqualsToken]: () => "eq",
  [SyntaxKind.ExclamationEqualsEqualsToken]: () => "ne",
  [SyntaxKind.ExclamationEqualsToken]: () => "ne",
  [SyntaxKind.LessThanToken]: (s) => (s ? "slt" : "ult"),
  [SyntaxKind.LessThanEqualsToken]: (s) => (s ? "sle" : "ule"),
  [SyntaxKind.GreaterThanToken]: (s) => (s ? "sgt" : "ugt"),
  [SyntaxKind.GreaterThanEqualsToken]: (s) => (s ? "sge" : "uge"),
};
const COMPOUND: Partial<Record<SyntaxKind, SyntaxKind>> = {
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

function lowerBinaryExpr(
  fs: FuncState,
  node: Node & { getLeft(): Node; getRight(): Node; getOperatorToken(): Node },
  expected?: TsbType,
): Operand {
  const kind = node.getOperatorToken().getKind();
  if (kind === SyntaxKind.EqualsToken)
    return lowerAssign(fs, node.getLeft(), node.getRight(), node);
  const compound = COMPOUND[kind];
  if (compound !== undefined) {
    const target = lowerExpr(fs, node.getLeft());
    const current = fs.rvalue(target, node.getLeft());
    const result = arith(
      fs,
      compound,
      current,
      lowerExpr(fs, node.getRight(), fs.scalarType(current) ?? undefined),
      node,
    );
    return storeTo(fs, target, result, node.getLeft(), node);
  }
  if (
    kind === SyntaxKind.AmpersandAmpersandToken ||
    kind === SyntaxKind.BarBarToken ||
    COMPARE[kind] !== undefined
  ) {
    return condValue(fs, node);
  }
  if (ARITH[kind] !== undefined) {
    const l = lowerExpr(fs, node.getLeft(), expected);
    const lt = l.k === "const" && l.type === null ? undefined : (fs.scalarType(l) ?? undefined);
    const r = lowerExpr(fs, node.getRight(), lt ?? expected);
    return arith(fs, kind, l, r, node);
  }
  const construct =
    kind === SyntaxKind.QuestionQuestionToken
      ? "'??'"
      : kind === SyntaxKind.AsteriskAsteriskToken
        ? "'**'"
        : kind === SyntaxKind.CommaToken
          ? "the comma operator"
          : `operator '${node.getOperatorToken().getText()}'`;
  fs.m.report("TSB1001", node.getOperatorToken(), {
    construct,
    instead: "use if/else, integer arithmetic, comparisons, && and ||",
  });
  return ERROR;
}

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

function nodeLeft(n: Node): Node {
  return Node.isBinaryExpression(n) ? n.getLeft() : n;
}
function nodeRight(n: Node): Node {
  return Node.isBinaryExpression(n) ? n.getRight() : n;
}

/** An operand converted to the operation's type (operands are already known compatible). */
function coerceArith(fs: FuncState, o: Operand, t: IntType, at: Node): ValueId | null {
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

/** `x++`, `--x`: read, add/sub one, write back; the value is the old (postfix) or new one. */
function lowerIncDec(
  fs: FuncState,
  target: Node,
  op: "add" | "sub",
  postfix: boolean,
  node: Node,
): Operand {
  const place = lowerExpr(fs, target);
  const old = fs.rvalue(place, target);
  if (old.k === "error") return old;
  const t = fs.scalarType(old);
  if (t?.kind !== "int") return typeError(fs, target, old, "an integer");
  const r = fs.toReg(old, target)!;
  const one = fs.iconst(irTypeOf(t), 1n, node);
  const sum = fs.canonical(
    fs.val({ op: "binary", binop: op, lhs: r.v, rhs: one }, irTypeOf(t), node),
    promote(t),
    t,
    node,
  );
  storeTo(fs, place, { k: "val", type: t, v: sum }, target, node);
  return { k: "val", type: t, v: postfix ? r.v : sum };
}

/** `target = value`. */
function lowerAssign(fs: FuncState, left: Node, right: Node, node: Node): Operand {
  const target = lowerExpr(fs, left);
  if (target.k === "error") return target;
  if (target.k === "place" && !isScalar(target.type)) {
    if (!target.writable) return notWritable(fs, left, target.what);
    initPlace(fs, target, right);
    return { k: "void" };
  }
  const expected =
    target.k === "place" ? target.type : target.k === "val" ? target.type : undefined;
  return storeTo(fs, target, lowerExpr(fs, right, expected), left, node);
}

function notWritable(fs: FuncState, at: Node, what: string): Operand {
  fs.m.report("TSB3008", at, {
    what,
    why: "it is read-only (a context field, a const, or a readonly field)",
  });
  return ERROR;
}

/** Writes a scalar to the location `target` denotes (an SSA variable or a memory place). */
export function storeTo(
  fs: FuncState,
  target: Operand,
  value: Operand,
  left: Node,
  node: Node,
): Operand {
  if (value.k === "error" || target.k === "error") return ERROR;
  if (target.k === "place") {
    if (!target.writable) return notWritable(fs, left, target.what);
    if (!isScalar(target.type)) return typeError(fs, left, target, "a scalar location");
    const v = fs.coerce(value, target.type, nodeRight(node));
    if (v === null) return ERROR;
    fs.storeScalar(target, target.type, v, node);
    return { k: "val", type: target.type, v };
  }
  if (target.k === "val") {
    const b = Node.isIdentifier(left) ? fs.lookup(left.getText()) : undefined;
    if (b?.k !== "var") return notWritable(fs, left, `'${left.getText()}'`);
    if (!b.mutable) return notWritable(fs, left, `const '${left.getText()}'`);
    const v = fs.coerce(value, b.type, nodeRight(node));
    if (v === null) return ERROR;
    fs.writeVar(b.id, v);
    return { k: "val", type: b.type, v };
  }
  return notWritable(fs, left, `'${left.getText()}'`);
}

/** Initialises an aggregate place from an object literal or another aggregate of the same type. */
export function initPlace(fs: FuncState, place: Operand & { k: "place" }, init: Node): void {
  const t = place.type;
  if (
    Node.isCallExpression(init) &&
    init.getExpression().getText() === "zeroed" &&
    init.getArguments().length === 0
  ) {
    const addr = fs.addr(place.base, place.offset, init);
    fs.emit(
      {
        op: "memset",
        dst: addr,
        byte: 0,
        size: sizeOf(t),
        align: Math.min(8, t.kind === "struct" ? t.align : 1),
      },
      null,
      init,
    );
    return;
  }
  if (Node.isObjectLiteralExpression(init) && t.kind === "struct") {
    const addr = fs.addr(place.base, place.offset, init);
    fs.emit(
      { op: "memset", dst: addr, byte: 0, size: t.size, align: Math.min(8, t.align) },
      null,
      init,
    );
    for (const prop of init.getProperties()) {
      if (!Node.isPropertyAssignment(prop)) {
        fs.m.report("TSB1001", prop, {
          construct: "this kind of object member",
          instead: "write `field: value` for each struct field",
        });
        continue;
      }
      const f = t.fields.find((x) => x.name === prop.getName());
      if (!f) {
        fs.m.report("TSB3009", prop, { type: t.name, field: prop.getName() });
        continue;
      }
      const fieldPlace = {
        ...place,
        type: f.type,
        offset: place.offset + f.offset,
        writable: true,
      };
      const valueNode = prop.getInitializerOrThrow();
      if (isScalar(f.type)) {
        const v = fs.coerce(lowerExpr(fs, valueNode, f.type), f.type, valueNode);
        if (v !== null) fs.storeScalar(fieldPlace, f.type, v, valueNode);
      } else initPlace(fs, fieldPlace, valueNode);
    }
    return;
  }
  const src = lowerExpr(fs, init, t);
  if (src.k === "error") return;
  if (src.k !== "place" || typeName(src.type) !== typeName(t) || sizeOf(src.type) !== sizeOf(t)) {
    fs.m.report("TSB2004", init, {
      type: describe(src),
      expected: `expected ${typeName(t)} (or an object literal for a struct)`,
    });
    return;
  }
  const dst = fs.addr(place.base, place.offset, init);
  const from = fs.addr(src.base, src.offset, init);
  fs.emit(
    {
      op: "memcpy",
      dst,
      src: from,
      size: sizeOf(t),
      align: Math.min(8, t.kind === "struct" ? t.align : 1),
    },
    null,
    init,
  );
}

function lowerTernary(
  fs: FuncState,
  node: Node & { getCondition(): Node; getWhenTrue(): Node; getWhenFalse(): Node },
  expected?: TsbType,
): Operand {
  const t = fs.newBlock();
  const f = fs.newBlock();
  const join = fs.newBlock();
  lowerCond(fs, node.getCondition(), t, f);
  fs.ssa.seal(t);
  fs.ssa.seal(f);
  fs.enter(t);
  const a = fs.rvalue(lowerExpr(fs, node.getWhenTrue(), expected), node.getWhenTrue());
  const type: ScalarType | null =
    expected && isScalar(expected)
      ? expected
      : a.k === "const" && a.type === null
        ? null
        : fs.scalarType(a);
  if (a.k === "error") return ERROR;
  const resolved: ScalarType = type ?? fs.defaultType(a.k === "const" ? a.value : 0n);
  const tmp = fs.tempVar(resolved, "sel");
  const av = fs.coerce(a, resolved, node.getWhenTrue());
  if (av !== null) fs.writeVar(tmp, av);
  fs.br(join, node);
  fs.enter(f);
  const bv = fs.coerce(lowerExpr(fs, node.getWhenFalse(), resolved), resolved, node.getWhenFalse());
  if (bv !== null) fs.writeVar(tmp, bv);
  fs.br(join, node);
  fs.ssa.seal(join);
  fs.enter(join);
  if (av === null || bv === null || fs.cur === null) return ERROR;
  return { k: "val", type: resolved, v: fs.readVar(tmp) };
}

/** A boolean-valued expression (comparison, `!`, `&&`, `||`) in value context: 0 or 1 as a bool. */
function condValue(fs: FuncState, node: Node): Operand {
  const t = fs.newBlock();
  const f = fs.newBlock();
  const join = fs.newBlock();
  const tmp = fs.tempVar(BOOL as ScalarType, "cond");
  lowerCond(fs, node, t, f);
  fs.ssa.seal(t);
  fs.ssa.seal(f);
  fs.enter(t);
  fs.writeVar(tmp, fs.iconst("i32", 1n, node));
  fs.br(join, node);
  fs.enter(f);
  fs.writeVar(tmp, fs.iconst("i32", 0n, node));
  fs.br(join, node);
  fs.ssa.seal(join);
  fs.enter(join);
  if (fs.cur === null) return ERROR;
  return { k: "val", type: BOOL as ScalarType, v: fs.readVar(tmp) };
}

/**
 * Lowers a condition as control flow: branches to `t` when true, `f` when false. Leaves no current
 * block; the caller seals and enters the targets.
 */
export function lowerCond(fs: FuncState, node: Node, t: BlockId, f: BlockId): void {
  if (Node.isParenthesizedExpression(node)) return lowerCond(fs, node.getExpression(), t, f);
  if (
    Node.isPrefixUnaryExpression(node) &&
    node.getOperatorToken() === SyntaxKind.ExclamationToken
  ) {
    return lowerCond(fs, node.getOperand(), f, t);
  }
  if (Node.isBinaryExpression(node)) {
    const kind = node.getOperatorToken().getKind();
    if (kind === SyntaxKind.AmpersandAmpersandToken || kind === SyntaxKind.BarBarToken) {
      const mid = fs.newBlock();
      if (kind === SyntaxKind.AmpersandAmpersandToken) lowerCond(fs, node.getLeft(), mid, f);
      else lowerCond(fs, node.getLeft(), t, mid);
      fs.ssa.seal(mid);
      fs.enter(mid);
      return lowerCond(fs, node.getRight(), t, f);
    }
    const cmp = COMPARE[kind];
    if (cmp !== undefined) {
      const c = compare(fs, node.getLeft(), node.getRight(), kind, node);
      if (c === null) return fs.br(f, node);
      return fs.condbr(c, t, f, node);
    }
  }
  const x = fs.rvalue(lowerExpr(fs, node), node);
  if (x.k === "ref") return fs.condbr(nullTest(fs, x, node, false), t, f, node);
  const r = x.k === "error" ? null : fs.toReg(x, node);
  if (r === null) {
    if (x.k !== "error") typeError(fs, node, x, "a bool, an integer or a Ref to test");
    return fs.br(f, node);
  }
  const zero = fs.iconst(irTypeOf(r.type), 0n, node);
  fs.condbr(fs.val({ op: "icmp", cond: "ne", lhs: r.v, rhs: zero }, "i1", node), t, f, node);
}

/** `ref === null` (isNull) or `ref !== null`: for packet views, the bounds check itself. */
function nullTest(fs: FuncState, ref: Operand & { k: "ref" }, at: Node, isNull: boolean): ValueId {
  if (ref.packet) {
    // RFC 9669 has no bounds checks: the kernel verifier learns packet bounds only from this compare.
    const cond = isNull ? "ugt" : "ule";
    return fs.val({ op: "icmp", cond, lhs: ref.packet.end, rhs: ref.packet.dataEnd }, "i1", at);
  }
  const nul = fs.val({ op: "const", type: "ptr", value: 0n }, "ptr", at);
  return fs.val({ op: "icmp", cond: isNull ? "eq" : "ne", lhs: ref.ptr, rhs: nul }, "i1", at);
}

/** Lowers a comparison to an i1 value (null if it could not be typed). */
function compare(
  fs: FuncState,
  left: Node,
  right: Node,
  kind: SyntaxKind,
  node: Node,
): ValueId | null {
  const lo = fs.rvalue(lowerExpr(fs, left), left);
  const lt = lo.k === "const" && lo.type === null ? undefined : (fs.scalarType(lo) ?? undefined);
  const ro = fs.rvalue(lowerExpr(fs, right, lt), right);
  if (lo.k === "error" || ro.k === "error") return null;
  const eqOp = kind === SyntaxKind.EqualsEqualsEqualsToken || kind === SyntaxKind.EqualsEqualsToken;
  const neOp =
    kind === SyntaxKind.ExclamationEqualsEqualsToken || kind === SyntaxKind.ExclamationEqualsToken;
  if (lo.k === "ref" || ro.k === "ref") {
    const ref = (lo.k === "ref" ? lo : ro) as Operand & { k: "ref" };
    const other = lo.k === "ref" ? ro : lo;
    if (other.k !== "null" || !(eqOp || neOp)) {
      typeError(fs, node, other, "null (references can only be tested against null)");
      return null;
    }
    return nullTest(fs, ref, node, eqOp);
  }
  const ls = lo.k === "const" && lo.type === null ? "untyped" : fs.scalarType(lo);
  const rs = ro.k === "const" && ro.type === null ? "untyped" : fs.scalarType(ro);
  if (ls === null) return (typeError(fs, left, lo, "an integer or bool"), null);
  if (rs === null) return (typeError(fs, right, ro, "an integer or bool"), null);
  let t: ScalarType;
  if (ls !== "untyped" && ls.kind === "bool") t = ls;
  else if (rs !== "untyped" && rs.kind === "bool") t = rs;
  else if (ls === "untyped" && rs === "untyped") t = fs.defaultType(0n);
  else if (ls === "untyped") t = promote(rs as IntType);
  else if (rs === "untyped") t = promote(ls as IntType);
  else {
    const c = commonType(ls as IntType, rs as IntType);
    if (!c) {
      const [s, u] = (ls as IntType).signed ? [ls, rs] : [rs, ls];
      fs.m.report("TSB2002", node, {
        signed: typeName(s as IntType),
        unsigned: typeName(u as IntType),
        fix: `${typeName(promote(s as IntType))}(...) or ${typeName(promote(u as IntType))}(...)`,
      });
      return null;
    }
    t = c;
  }
  const lv = t.kind === "bool" ? fs.coerce(lo, t, left) : coerceArith(fs, lo, t, left);
  const rv = t.kind === "bool" ? fs.coerce(ro, t, right) : coerceArith(fs, ro, t, right);
  if (lv === null || rv === null) return null;
  const cond = COMPARE[kind]!(t.kind === "int" && t.signed);
  return fs.val({ op: "icmp", cond, lhs: lv, rhs: rv }, "i1", node);
}
