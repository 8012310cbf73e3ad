/**
 * Statement lowering: declarations, assignments, if/else, loops, switch, break/continue and return,
 * into blocks of the current function.
 *
 * Control flow follows Braun et al.'s discipline: a block is sealed once all its predecessors exist
 * (loop headers after the body and the `continue` edges are emitted), so variables assigned in a loop
 * get block parameters on the header. Code after `return`/`break` is unreachable and not lowered.
 */
import { Node, SyntaxKind } from "ts-morph";
import type { Statement } from "ts-morph";
import type { BlockId } from "../ir/index.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { initPlace, isUninitCall } from "./lower-assign.ts";
import { lowerCond } from "./lower-cond.ts";
import { lowerExpr } from "./lower-expr.ts";
import type { ScalarType } from "./module-state.ts";
import type { TsbType } from "./types.ts";
import { I64, isScalar, irTypeOf, sizeOf, alignOf } from "./types.ts";
import { checkLoopBound } from "./loop-bounds.ts";
import { resolveSection } from "../../core/kernel/index.ts";
import { RETURN_RANGES } from "../../core/kernel/return-codes.ts";

/** Lowers a list of statements in the current scope. */
export function lowerStatements(fs: FuncState, stmts: readonly Node[]): void {
  for (const s of stmts) {
    if (fs.cur === null) return; // unreachable
    lowerStatement(fs, s);
  }
}

function lowerStatement(fs: FuncState, s: Node): void {
  if (Node.isBlock(s)) {
    fs.pushScope();
    lowerStatements(fs, s.getStatements());
    fs.popScope();
  } else if (Node.isVariableStatement(s)) {
    const isConst = s.getDeclarationKind() === "const";
    for (const d of s.getDeclarations()) lowerDeclaration(fs, d, isConst);
  } else if (Node.isExpressionStatement(s)) {
    lowerExpr(fs, s.getExpression());
  } else if (Node.isIfStatement(s)) {
    lowerIf(fs, s);
  } else if (Node.isWhileStatement(s)) {
    lowerLoop(fs, s, null, s.getExpression(), null, s.getStatement(), false);
  } else if (Node.isDoStatement(s)) {
    lowerLoop(fs, s, null, s.getExpression(), null, s.getStatement(), true);
  } else if (Node.isForStatement(s)) {
    fs.pushScope();
    lowerLoop(
      fs,
      s,
      s.getInitializer() ?? null,
      s.getCondition() ?? null,
      s.getIncrementor() ?? null,
      s.getStatement(),
      false,
    );
    fs.popScope();
  } else if (Node.isBreakStatement(s) || Node.isContinueStatement(s)) {
    const loop = fs.loops[fs.loops.length - 1];
    if (s.getLabel())
      fs.m.report("TSB1001", s, {
        construct: "labelled break/continue",
        instead: "use a flag variable or an early return",
      });
    else if (!loop)
      fs.m.report("TSB1001", s, {
        construct: "break/continue outside a loop or switch",
        instead: "remove it",
      });
    else fs.br(Node.isBreakStatement(s) ? loop.breakTo : loop.continueTo, s);
  } else if (Node.isReturnStatement(s)) {
    lowerReturn(fs, s, s.getExpression());
  } else if (Node.isSwitchStatement(s)) {
    lowerSwitch(fs, s);
  } else if (Node.isEmptyStatement(s)) {
    // nothing
  } else if (Node.isThrowStatement(s) || Node.isTryStatement(s)) {
    fs.m.report("TSB1007", s, { what: Node.isThrowStatement(s) ? "throw" : "try/catch" });
  } else if (Node.isFunctionDeclaration(s)) {
    // Nested functions are reported by the subset checker and lifted by lower-module.ts.
  } else {
    const construct =
      Node.isForOfStatement(s) || Node.isForInStatement(s)
        ? "for-of/for-in loops"
        : `this statement (${s.getKindName()})`;
    fs.m.report("TSB1001", s, {
      construct,
      instead: "use a counted for loop over a FixedArray or a constant bound",
    });
  }
}

/** `let`/`const` declarations: scalars in SSA variables, structs and arrays in stack slots. */
function lowerDeclaration(
  fs: FuncState,
  d: Node & {
    getName(): string;
    getNameNode(): Node;
    getTypeNode(): Node | undefined;
    getInitializer(): Node | undefined;
  },
  isConst: boolean,
): void {
  if (!Node.isIdentifier(d.getNameNode())) {
    fs.m.report("TSB1001", d.getNameNode(), {
      construct: "destructuring",
      instead: "declare one variable per field",
    });
    return;
  }
  const name = d.getName();
  const tn = d.getTypeNode();
  const init = d.getInitializer();
  let declared: TsbType | null = null;
  if (tn) {
    declared = fs.m.resolveType(tn);
    if (!declared) return;
  }
  if (declared && !isScalar(declared)) {
    const slot = fs.stackSlot(declared, name, d);
    const place = {
      k: "place",
      type: declared,
      base: slot,
      offset: 0,
      writable: true,
      what: `'${name}'`,
    } as const;
    // `uninit()` leaves the slot as it is: for a buffer a helper fills (the kernel accepts
    // uninitialised stack memory for those arguments), not a zero fill the helper overwrites.
    if (init && isUninitCall(init)) {
      fs.bindOperand(name, place);
      return;
    }
    if (init) initPlace(fs, place, init);
    else
      fs.emit(
        {
          op: "memset",
          dst: slot,
          byte: 0,
          size: sizeOf(declared),
          align: Math.min(8, alignOf(declared)),
        },
        null,
        d,
      );
    fs.bindOperand(name, place);
    return;
  }
  if (!init) {
    if (!declared) return void fs.m.report("TSB2005", d, { what: `'${name}'` });
    const id = fs.declareVar(name, declared as ScalarType, !isConst);
    fs.writeVar(id, fs.iconst(irTypeOf(declared), 0n, d));
    return;
  }
  if (declared) {
    const v = fs.coerce(lowerExpr(fs, init, declared), declared as ScalarType, init);
    if (v === null) return fs.bindOperand(name, ERROR); // reported; later uses stay quiet

    fs.b.nameValue(v, name);
    const id = fs.declareVar(name, declared as ScalarType, !isConst);
    fs.writeVar(id, v);
    return;
  }
  const op = lowerExpr(fs, init);
  bindInferred(fs, d, name, op, isConst, init);
}

function bindInferred(
  fs: FuncState,
  d: Node,
  name: string,
  op: Operand,
  isConst: boolean,
  init: Node,
): void {
  if (op.k === "error") return fs.bindOperand(name, ERROR); // reported; later uses stay quiet
  if (op.k === "place" && !isScalar(op.type)) {
    // Copy semantics: a new local struct/array initialised from the source.
    const slot = fs.stackSlot(op.type, name, d);
    const place = {
      k: "place",
      type: op.type,
      base: slot,
      offset: 0,
      writable: true,
      what: `'${name}'`,
    } as const;
    initPlace(fs, place, init);
    fs.bindOperand(name, place);
    return;
  }
  if (op.k === "ref" || op.k === "ctx" || op.k === "map") {
    if (!isConst) {
      fs.m.report("TSB1001", d, {
        construct: "a `let` holding a reference",
        instead: "declare it with const",
      });
      return;
    }
    fs.bindOperand(name, op);
    return;
  }
  const r = fs.rvalue(op, init);
  if (r.k === "kptr") {
    if (!isConst) {
      fs.m.report("TSB1001", d, {
        construct: "a `let` holding a kernel pointer",
        instead: "declare it with const",
      });
      return;
    }
    fs.bindOperand(name, r);
    return;
  }
  if (isConst && r.k === "const") {
    fs.bindOperand(name, r);
    return;
  }
  const reg = fs.toReg(r, init);
  if (!reg) {
    fs.m.report("TSB2004", init, {
      type: r.k,
      expected: "a variable needs an integer, bool, struct or reference value",
    });
    return;
  }
  fs.b.nameValue(reg.v, name);
  const id = fs.declareVar(name, reg.type, !isConst);
  fs.writeVar(id, reg.v);
}

function lowerIf(
  fs: FuncState,
  s: Node & {
    getExpression(): Node;
    getThenStatement(): Statement;
    getElseStatement(): Statement | undefined;
  },
): void {
  const t = fs.newBlock();
  const els = s.getElseStatement();
  const f = fs.newBlock();
  const join = els ? fs.newBlock() : f;
  lowerCond(fs, s.getExpression(), t, f);
  fs.ssa.seal(t);
  fs.ssa.seal(f);
  fs.enter(t);
  lowerScoped(fs, s.getThenStatement());
  fs.br(join, s);
  if (els) {
    fs.enter(f);
    lowerScoped(fs, els);
    fs.br(join, s);
    fs.ssa.seal(join);
  }
  fs.enter(join);
}

function lowerScoped(fs: FuncState, s: Node): void {
  fs.pushScope();
  lowerStatement(fs, s);
  fs.popScope();
}

/**
 * Loops: `init; br header; header: cond ? body : exit; body; br latch; latch: incr; br header`.
 * `do/while` enters the body first. The header is sealed after the latch branch exists.
 */
function lowerLoop(
  fs: FuncState,
  s: Node,
  init: Node | null,
  cond: Node | null,
  incr: Node | null,
  body: Statement,
  bodyFirst: boolean,
): void {
  checkLoopBound(fs.m, s, cond, incr, body);
  if (init) {
    if (Node.isVariableDeclarationList(init)) {
      const isConst = init.getDeclarationKind() === "const";
      for (const d of init.getDeclarations()) lowerDeclaration(fs, d, isConst);
    } else lowerExpr(fs, init);
  }
  const header = fs.newBlock();
  const bodyBlock = fs.newBlock();
  const latch = fs.newBlock();
  const exit = fs.newBlock();
  const lowerBody = (): void => {
    fs.enter(bodyBlock);
    fs.loops.push({ breakTo: exit, continueTo: latch });
    lowerScoped(fs, body);
    fs.loops.pop();
    fs.br(latch, s);
    fs.ssa.seal(latch);
    fs.enter(latch);
    if (incr) lowerExpr(fs, incr);
    fs.br(header, s);
  };
  const lowerHeader = (): void => {
    fs.enter(header);
    if (cond) lowerCond(fs, cond, bodyBlock, exit);
    else fs.br(bodyBlock, s);
  };
  fs.br(bodyFirst ? bodyBlock : header, s);
  if (bodyFirst) {
    lowerBody();
    fs.ssa.seal(header);
    lowerHeader();
    fs.ssa.seal(bodyBlock);
  } else {
    lowerHeader();
    fs.ssa.seal(bodyBlock);
    lowerBody();
    fs.ssa.seal(header);
  }
  fs.ssa.seal(exit);
  fs.enter(exit);
}

function lowerReturn(fs: FuncState, s: Node, expr: Node | undefined): void {
  if (fs.inline) return lowerInlineReturn(fs, s, expr);
  if (fs.returns.kind === "void") {
    if (expr) lowerExpr(fs, expr);
    fs.emit({ op: "ret", value: null }, null, s);
    fs.cur = null;
    return;
  }
  if (!expr) {
    fs.m.report("TSB2004", s, { type: "void", expected: "this function returns a value" });
    return;
  }
  let v;
  if (fs.isProgram) {
    checkReturnRange(fs, expr);
    // Programs return a 64-bit value (r0); any integer is converted explicitly.
    const r = fs.rvalue(lowerExpr(fs, expr, I64), expr);
    const reg = r.k === "error" ? null : fs.toReg(r, expr);
    if (!reg) {
      if (r.k !== "error")
        fs.m.report("TSB2004", expr, { type: r.k, expected: "a program returns an integer" });
      return;
    }
    v = fs.programResult(reg.v, reg.type, expr);
  } else v = fs.coerce(lowerExpr(fs, expr, fs.returns), fs.returns as ScalarType, expr);
  if (v === null) return;
  fs.emit({ op: "ret", value: v }, null, s);
  fs.cur = null;
}

/**
 * A constant return value outside what the verifier accepts for the program's attach type
 * (RETURN_RANGES: iterators return 0 or 1) is TSB3120 at the value, not a load-time refusal.
 */
export function checkReturnRange(fs: FuncState, expr: Node): void {
  const section = fs.m.programSections.get(fs.name);
  const attach = section === undefined ? undefined : resolveSection(section)?.def.attachType;
  const range = attach ? RETURN_RANGES[attach] : undefined;
  if (!range) return;
  const neg =
    Node.isPrefixUnaryExpression(expr) && expr.getOperatorToken() === SyntaxKind.MinusToken;
  const lit = neg ? (expr as import("ts-morph").PrefixUnaryExpression).getOperand() : expr;
  if (!Node.isNumericLiteral(lit)) return;
  const value = BigInt(lit.getLiteralValue()) * (neg ? -1n : 1n);
  if (value >= range[0] && value <= range[1]) return;
  fs.m.report("TSB3120", expr, {
    value: String(value),
    lo: String(range[0]),
    hi: String(range[1]),
  });
}

/** `return` inside an inlined function: set its result variable and continue after the call. */
function lowerInlineReturn(fs: FuncState, s: Node, expr: Node | undefined): void {
  const frame = fs.inline!;
  if (frame.retVar === null) {
    if (expr) lowerExpr(fs, expr);
  } else {
    if (!expr) {
      fs.m.report("TSB2004", s, { type: "void", expected: "this function returns a value" });
      return;
    }
    const ret = frame.returns as ScalarType;
    const v = fs.coerce(lowerExpr(fs, expr, ret), ret, expr);
    if (v === null) return;
    fs.writeVar(frame.retVar, v);
  }
  fs.br(frame.exit, s);
}

/** `switch`: a chain of equality tests; case bodies fall through in order; `break` leaves. */
function lowerSwitch(
  fs: FuncState,
  s: Node & { getExpression(): Node; getClauses(): Node[] },
): void {
  const disc = fs.rvalue(lowerExpr(fs, s.getExpression()), s.getExpression());
  if (disc.k === "error") return;
  const reg = fs.toReg(disc, s.getExpression());
  if (!reg || reg.type.kind !== "int") {
    fs.m.report("TSB2004", s.getExpression(), {
      type: disc.k,
      expected: "switch needs an integer",
    });
    return;
  }
  const clauses = s.getClauses();
  const bodies: BlockId[] = clauses.map(() => fs.newBlock());
  const exit = fs.newBlock();
  let defaultIndex = -1;
  clauses.forEach((c, i) => {
    if (Node.isDefaultClause(c)) {
      defaultIndex = i;
      return;
    }
    if (!Node.isCaseClause(c)) return;
    const value = fs.rvalue(lowerExpr(fs, c.getExpression(), reg.type), c.getExpression());
    if (value.k !== "const") {
      fs.m.report("TSB3010", c.getExpression(), { what: "a case label" });
      return;
    }
    const cv = fs.coerce(value, reg.type, c.getExpression());
    if (cv === null) return;
    const eq = fs.val({ op: "icmp", cond: "eq", lhs: reg.v, rhs: cv }, "i1", c);
    const next = fs.newBlock();
    fs.condbr(eq, bodies[i]!, next, c);
    fs.ssa.seal(next);
    fs.enter(next);
  });
  fs.br(defaultIndex >= 0 ? bodies[defaultIndex]! : exit, s);
  fs.loops.push({ breakTo: exit, continueTo: fs.loops[fs.loops.length - 1]?.continueTo ?? exit });
  clauses.forEach((c, i) => {
    // Fallthrough edge from the previous body, if it did not end in break/return.
    fs.ssa.seal(bodies[i]!);
    fs.enter(bodies[i]!);
    fs.pushScope();
    lowerStatements(fs, (c as Node & { getStatements(): Node[] }).getStatements());
    fs.popScope();
    if (i + 1 < clauses.length) fs.br(bodies[i + 1]!, c);
    else fs.br(exit, c);
  });
  fs.loops.pop();
  fs.ssa.seal(exit);
  fs.enter(exit);
}

export { SyntaxKind };
