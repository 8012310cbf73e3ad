/**
 * Expression lowering: TypeScript expressions → `Operand`s plus IR instructions, typing each
 * expression with tsbpf's integer rules as it goes. This file dispatches on the expression kind and
 * handles names, member and element access, prefix operators and the ternary; the typing rules of
 * arithmetic live in lower-arith.ts, assignments in lower-assign.ts, conditions in lower-cond.ts and
 * calls in lower-call.ts.
 *
 * Consumes ts-morph expression nodes and a `FuncState` (the current block); produces an `Operand`
 * (a constant, an SSA value, a memory place, a reference, ...) and appends instructions to the
 * current block. Invariant: on a user error the result is `ERROR` and a diagnostic was reported.
 */
import { Node, SyntaxKind } from "ts-morph";
import { contextAccess, resolveSection, type ContextAccess } from "../../core/kernel/index.ts";
import { CONSTANTS } from "./builtins.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState, describe } from "./func-state.ts";
import { ARITH, COMPARE, COMPOUND, arith, promote, typeError } from "./lower-arith.ts";
import { lowerAssign, lowerIncDec, storeTo } from "./lower-assign.ts";
import { lowerCall } from "./lower-call.ts";
import { condValue, lowerCond } from "./lower-cond.ts";
import { btfContextField } from "./lower-btf-context.ts";
import { kernelElement, kernelProperty } from "./lower-kernel.ts";
import type { ScalarType } from "./module-state.ts";
import type { TsbType } from "./types.ts";
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
  if (top?.k === "invalid") return ERROR; // its declaration's diagnostic is the one error
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
  if (obj.k === "kptr" || obj.k === "kfield") return kernelProperty(fs, obj, field, node);
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

/** `'a', 'b' and 'c'`. */
const fieldList = (names: readonly string[]): string => {
  const list = names.map((f) => `'${f}'`);
  return list.length <= 1 ? list.join("") : `${list.slice(0, -1).join(", ")} and ${list.at(-1)}`;
};

/**
 * What a program of `section` may read and write in its context (core/kernel context-access.ts,
 * probed from the kernel), with the reason to give for a write of any other field; undefined when
 * the type was not probed.
 */
function contextRules(
  section: string,
): { access: ContextAccess; which: string; readOnly: string } | undefined {
  const def = resolveSection(section)?.def;
  const access = def ? contextAccess(def.progType, def.attachType) : undefined;
  if (!def || !access) return undefined;
  const which = `a program in section '${section}' (BPF_PROG_TYPE_${def.progType})`;
  return {
    access,
    which,
    readOnly:
      access.writable.length === 0
        ? `${which} may write no field of struct ${access.struct}`
        : `${which} may write only ${fieldList(access.writable)} of struct ${access.struct}`,
  };
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
    const rules = contextRules(ctx.section);
    if (rules && !rules.access.readable.includes(field) && !rules.access.writable.includes(field)) {
      // Only the fields a program can name (pointer fields such as `sk` are not among them).
      const named = (list: readonly string[]) => fieldList(list.filter((x) => shape.fields.has(x)));
      fs.m.report("TSB3041", node, {
        field,
        which: rules.which,
        readable: named(rules.access.readable),
        writable: rules.access.writable.length ? `only ${named(rules.access.writable)}` : "none",
        struct: rules.access.struct,
      });
      return ERROR;
    }
    return {
      k: "place",
      type: f.type,
      base: ctx.ptr,
      offset: f.offset,
      writable: rules?.access.writable.includes(field) ?? false,
      what: `'${node.getText()}'`,
      ...(rules ? { readOnly: rules.readOnly } : {}),
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
      writable: shape.writable ?? false,
      what: "a context field",
    };
  }
  if (shape.kind === "btf")
    return btfContextField(
      fs,
      ctx.ptr,
      shape.struct(resolveSection(ctx.section)?.target ?? ""),
      field,
      node,
    );
  return fieldError(fs, node, `the ${ctx.prog.fn} context (use ctx.arg(i))`, field);
}

/** `a[i]`: a constant index is checked at compile time; a variable one is clamped to the last element. */
function lowerElement(
  fs: FuncState,
  node: Node & { getExpression(): Node; getArgumentExpressionOrThrow(): Node },
): Operand {
  const arr = lowerExpr(fs, node.getExpression());
  if (arr.k === "error") return arr;
  if (arr.k === "kfield") return kernelElement(fs, arr, node.getArgumentExpressionOrThrow(), node);
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
