/**
 * Condition lowering: `if`/loop conditions, `&&`, `||`, `!` and comparisons become branches, so
 * `a && b` short-circuits and a null test on a packet view becomes exactly
 * `data + off + size > data_end` (the only form the kernel verifier learns packet bounds from).
 * In value context (`const ok = a < b && c`) the branches join into a 0/1 `bool`.
 *
 * Consumes condition nodes and two target blocks; produces `condbr`/`br` terminators. Invariant:
 * `lowerCond` leaves no current block; its caller seals and enters the targets.
 */
import { Node, SyntaxKind } from "ts-morph";
import type { BlockId, ValueId } from "../ir/index.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { COMPARE, coerceArith, commonType, promote, typeError } from "./lower-arith.ts";
import { lowerExpr } from "./lower-expr.ts";
import type { ScalarType } from "./module-state.ts";
import type { IntType } from "./types.ts";
import { BOOL, irTypeOf, typeName } from "./types.ts";

/** A boolean-valued expression (comparison, `!`, `&&`, `||`) in value context: 0 or 1 as a bool. */
export function condValue(fs: FuncState, node: Node): Operand {
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
 * After a condition's diagnostic: branch to both targets (on a dummy test), so the code after it is
 * still reachable and lowered (its variables read through SSA as usual); the module has an error, so
 * this IR is never emitted.
 */
function errorBranch(fs: FuncState, node: Node, t: BlockId, f: BlockId): void {
  const zero = fs.iconst("i32", 0n, node);
  fs.condbr(fs.val({ op: "icmp", cond: "ne", lhs: zero, rhs: zero }, "i1", node), t, f, node);
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
      if (c === null) return errorBranch(fs, node, t, f);
      return fs.condbr(c, t, f, node);
    }
  }
  const x = fs.rvalue(lowerExpr(fs, node), node);
  if (nullable(x)) return fs.condbr(nullTest(fs, x, node, false), t, f, node);
  const r = x.k === "error" ? null : fs.toReg(x, node);
  if (r === null) {
    if (x.k !== "error") typeError(fs, node, x, "a bool, an integer or a Ref to test");
    return errorBranch(fs, node, t, f);
  }
  const zero = fs.iconst(irTypeOf(r.type), 0n, node);
  fs.condbr(fs.val({ op: "icmp", cond: "ne", lhs: r.v, rhs: zero }, "i1", node), t, f, node);
}

/** An operand that may be null: a Ref, or the inner map a map of maps' lookup returned. */
type Nullable = (Operand & { k: "ref" }) | (Operand & { k: "map"; ptr: ValueId });
function nullable(o: Operand): o is Nullable {
  return o.k === "ref" || (o.k === "map" && o.ptr !== undefined);
}

/** `ref === null` (isNull) or `ref !== null`: for packet views, the bounds check itself. */
function nullTest(fs: FuncState, ref: Nullable, at: Node, isNull: boolean): ValueId {
  if (ref.k === "ref" && ref.packet) {
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
  if (nullable(lo) || nullable(ro)) {
    const ref = nullable(lo) ? lo : (ro as Nullable);
    const other = nullable(lo) ? ro : lo;
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
