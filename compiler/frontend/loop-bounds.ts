/**
 * Loops whose bound the kernel's verifier cannot see. The verifier walks a loop iteration by
 * iteration; when the counter is compared only with a run-time value (a context field, a map value,
 * a helper's result, a global user space can change) it keeps going until it gives up ("The
 * sequence of 8193 jumps is too complex", "BPF program is too large"), which shows only at load.
 * This check reports such a loop at compile time: at the counter's test, with that test and a
 * constant bound as the fix (or at the loop when it has no condition at all).
 *
 * It reports only what it can tell from the source, and stays quiet otherwise:
 * - `for (;;)` / `while (true)` with no `break` or `return` in the body: the loop never ends;
 * - a counted loop (`i++`, `i += 2`, `i--`, ...) whose condition's every `&&` part that tests the
 *   counter compares it with a wide run-time value, and whose body has no `break` or `return` (an
 *   early exit may be the bound). Values of 8- or 16-bit types, `x & K` and `x % K` are bounded;
 *   parameters of functions are left alone (the verifier sees the caller's constants).
 *
 * Consumes a loop statement's parts (AST); produces TSB3021 diagnostics through the module state.
 */
import { Node, SyntaxKind } from "ts-morph";
import type { ModuleState } from "./module-state.ts";
import { constantOf } from "./lower-data-decls.ts";

/** The bound the fix suggests: small enough for most bodies under the verifier's 1M-step limit. */
const SUGGESTED_BOUND = 1024;
const NARROW_TYPES: ReadonlySet<string> = new Set(["u8", "i8", "u16", "i16", "bool", "boolean"]);
const COMPARISONS: ReadonlySet<SyntaxKind> = new Set([
  SyntaxKind.LessThanToken,
  SyntaxKind.LessThanEqualsToken,
  SyntaxKind.GreaterThanToken,
  SyntaxKind.GreaterThanEqualsToken,
  SyntaxKind.ExclamationEqualsEqualsToken,
  SyntaxKind.ExclamationEqualsToken,
]);

/** Comparisons that bound a value checked before a loop (`n > 64`; an equality test does not). */
const COMPARISONS_ANY: ReadonlySet<SyntaxKind> = new Set([
  SyntaxKind.LessThanToken,
  SyntaxKind.LessThanEqualsToken,
  SyntaxKind.GreaterThanToken,
  SyntaxKind.GreaterThanEqualsToken,
]);

/** What a bound expression is known to be. */
type Origin = "constant" | "bounded" | "runtime" | "unknown";

/** Reports `loop` when it has no bound the verifier can see (see the file comment). */
export function checkLoopBound(
  m: ModuleState,
  loop: Node,
  cond: Node | null,
  incr: Node | null,
  body: Node,
): void {
  if (hasEarlyExit(body)) return;
  if (cond === null || cond.getKind() === SyntaxKind.TrueKeyword) {
    m.report("TSB3021", loop, {
      problem: `it has no condition and no break or return, so it never ends (count it: \`for (let i: u32 = 0; i < ${SUGGESTED_BOUND}; i++)\`)`,
    });
    return;
  }
  const counters = new Set<string>();
  for (const part of [incr, body])
    if (part) for (const name of steppedNames(part)) counters.add(name);
  if (counters.size === 0) return;
  let unseen: { test: Node; counter: string; bound: Node } | undefined;
  for (const test of conjuncts(cond)) {
    const cmp = counterComparison(test, counters);
    if (!cmp) continue;
    const origin = originOf(m, cmp.bound);
    if (origin !== "runtime") return; // a visible bound, or one this check cannot judge
    if (checkedBefore(m, loop, cmp.bound)) return; // `if (n > 64) return 0;` bounds it too
    unseen ??= { test, ...cmp };
  }
  if (!unseen) return;
  // At the test, with the bounded test as the fix.
  m.report(
    "TSB3021",
    unseen.test,
    {
      problem: `'${unseen.counter}' is compared only with '${unseen.bound.getText()}', a value known only at run time`,
    },
    `${unseen.test.getText()} && ${unseen.counter} < ${SUGGESTED_BOUND}`,
  );
}

/**
 * True when the bound (or what it was computed from: a const's initializer, a conversion's argument)
 * is compared with a constant earlier in the function, as in `if (n > 64) return 0;`: the verifier
 * may then know its range, so the check stays quiet.
 */
function checkedBefore(m: ModuleState, loop: Node, bound: Node): boolean {
  const texts = new Set<string>();
  const collect = (n: Node, depth: number): void => {
    if (depth > 8) return;
    if (Node.isParenthesizedExpression(n)) return collect(n.getExpression(), depth + 1);
    texts.add(n.getText());
    if (Node.isCallExpression(n) && /^[ui](8|16|32|64)$/.test(n.getExpression().getText())) {
      const arg = n.getArguments()[0];
      if (arg) collect(arg, depth + 1);
    }
    if (Node.isIdentifier(n)) {
      const decl = n.getSymbol()?.getDeclarations()[0];
      const init = decl && Node.isVariableDeclaration(decl) ? decl.getInitializer() : undefined;
      if (init) collect(init, depth + 1);
    }
  };
  collect(bound, 0);
  const fn = loop.getFirstAncestor(
    (a) => Node.isArrowFunction(a) || Node.isFunctionExpression(a) || Node.isFunctionDeclaration(a),
  );
  if (!fn) return false;
  const strip = (n: Node): string => {
    if (Node.isParenthesizedExpression(n)) return strip(n.getExpression());
    if (Node.isCallExpression(n) && /^[ui](8|16|32|64)$/.test(n.getExpression().getText()))
      return n.getArguments()[0] ? strip(n.getArguments()[0]!) : n.getText();
    return n.getText();
  };
  return fn.getDescendantsOfKind(SyntaxKind.BinaryExpression).some((b) => {
    if (b.getEnd() > loop.getStart() || !COMPARISONS_ANY.has(b.getOperatorToken().getKind()))
      return false;
    const [l, r] = [b.getLeft(), b.getRight()];
    return (
      (texts.has(strip(l)) && constantOf(m, r) !== null) ||
      (texts.has(strip(r)) && constantOf(m, l) !== null)
    );
  });
}

/** True when `body` can leave the loop other than through its condition (break, return). */
function hasEarlyExit(body: Node): boolean {
  let found = false;
  const visit = (n: Node, nested: boolean): void => {
    if (found) return;
    if (Node.isReturnStatement(n)) found = true;
    else if (Node.isBreakStatement(n) && (!nested || n.getLabel())) found = true;
    else if (Node.isFunctionLikeDeclaration(n)) return;
    else {
      const inner =
        nested || Node.isIterationStatement(n) || Node.isSwitchStatement(n) || Node.isCaseClause(n);
      n.forEachChild((c) => visit(c, inner));
    }
  };
  visit(body, false);
  return found;
}

/** Names changed by a constant step in `n`: `i++`, `--i`, `i += 2`, `i -= 1`. */
function steppedNames(n: Node): string[] {
  const out: string[] = [];
  const all = [n, ...n.getDescendants()];
  for (const x of all) {
    if (Node.isPostfixUnaryExpression(x) || Node.isPrefixUnaryExpression(x)) {
      const op = x.getOperatorToken();
      const operand = x.getOperand();
      if (
        (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) &&
        Node.isIdentifier(operand)
      )
        out.push(operand.getText());
    } else if (Node.isBinaryExpression(x)) {
      const op = x.getOperatorToken().getKind();
      if (
        (op === SyntaxKind.PlusEqualsToken || op === SyntaxKind.MinusEqualsToken) &&
        Node.isIdentifier(x.getLeft()) &&
        Node.isNumericLiteral(x.getRight())
      )
        out.push(x.getLeft().getText());
    }
  }
  return out;
}

/** The `&&` parts of a condition. */
function conjuncts(cond: Node): Node[] {
  if (Node.isParenthesizedExpression(cond)) return conjuncts(cond.getExpression());
  if (
    Node.isBinaryExpression(cond) &&
    cond.getOperatorToken().getKind() === SyntaxKind.AmpersandAmpersandToken
  )
    return [...conjuncts(cond.getLeft()), ...conjuncts(cond.getRight())];
  return [cond];
}

/** `i < n` (either order) with `i` a counter: the counter's name and the other side. */
function counterComparison(
  test: Node,
  counters: ReadonlySet<string>,
): { counter: string; bound: Node } | undefined {
  if (!Node.isBinaryExpression(test) || !COMPARISONS.has(test.getOperatorToken().getKind()))
    return undefined;
  const [l, r] = [test.getLeft(), test.getRight()];
  if (Node.isIdentifier(l) && counters.has(l.getText())) return { counter: l.getText(), bound: r };
  if (Node.isIdentifier(r) && counters.has(r.getText())) return { counter: r.getText(), bound: l };
  return undefined;
}

/** The declared type's text of a variable, parameter or property, or undefined. */
function declaredType(decl: Node | undefined): string | undefined {
  if (
    decl &&
    (Node.isVariableDeclaration(decl) ||
      Node.isParameterDeclaration(decl) ||
      Node.isPropertySignature(decl))
  )
    return decl.getTypeNode()?.getText();
  return undefined;
}

/** Whether `n`'s value is a compile-time constant, bounded small, from run-time data, or unknown. */
function originOf(m: ModuleState, n: Node, depth = 0): Origin {
  if (depth > 16) return "unknown";
  if (Node.isParenthesizedExpression(n)) return originOf(m, n.getExpression(), depth + 1);
  if (constantOf(m, n) !== null) return "constant";
  if (Node.isIdentifier(n)) {
    const decl = n.getSymbol()?.getDeclarations()[0];
    const type = declaredType(decl);
    if (type && NARROW_TYPES.has(type)) return "bounded";
    if (!decl || !Node.isVariableDeclaration(decl)) return "unknown";
    const list = decl.getParent();
    const atTop = list?.getParent()?.getParent() === m.sourceFile;
    const isConst = Node.isVariableDeclarationList(list) && list.getDeclarationKind() === "const";
    if (atTop) return isConst ? "unknown" : "runtime"; // a global: user space may change it
    const init = decl.getInitializer();
    // A `let` never written after its declaration is as good as a const.
    return (isConst || !isWritten(decl)) && init ? originOf(m, init, depth + 1) : "unknown";
  }
  if (Node.isPropertyAccessExpression(n) || Node.isElementAccessExpression(n)) {
    if (Node.isPropertyAccessExpression(n) && n.getName() === "length") return "constant";
    const decl = Node.isPropertyAccessExpression(n)
      ? n.getNameNode().getSymbol()?.getDeclarations()[0]
      : undefined;
    const type = declaredType(decl);
    if (type && NARROW_TYPES.has(type)) return "bounded";
    // Fields of the context or of a map value / reserved record: data from the kernel or user space.
    return rootIsData(n) ? "runtime" : "unknown";
  }
  if (Node.isCallExpression(n)) {
    const callee = n.getExpression().getText();
    if (NARROW_TYPES.has(callee)) return "bounded";
    if (/^[ui](32|64)$/.test(callee) && n.getArguments()[0])
      return originOf(m, n.getArguments()[0]!, depth + 1);
    return "runtime"; // a helper's or a map method's result
  }
  if (Node.isBinaryExpression(n)) {
    const op = n.getOperatorToken().getKind();
    const r = originOf(m, n.getRight(), depth + 1);
    if ((op === SyntaxKind.AmpersandToken || op === SyntaxKind.PercentToken) && r === "constant")
      return "bounded";
    const l = originOf(m, n.getLeft(), depth + 1);
    if (l === "unknown" || r === "unknown") return "unknown";
    return l === "runtime" || r === "runtime" ? "runtime" : "bounded";
  }
  return "unknown";
}

/** True when the variable declared by `decl` is assigned, incremented or decremented anywhere. */
function isWritten(decl: Node): boolean {
  const scope = decl.getFirstAncestor((a) => Node.isBlock(a) || Node.isSourceFile(a));
  if (!scope) return true;
  const refersHere = (n: Node) =>
    Node.isIdentifier(n) && n.getSymbol()?.getDeclarations()[0] === decl;
  return scope.getDescendants().some((x) => {
    if (Node.isBinaryExpression(x)) {
      const op = x.getOperatorToken().getKind();
      return (
        op >= SyntaxKind.FirstAssignment &&
        op <= SyntaxKind.LastAssignment &&
        refersHere(x.getLeft())
      );
    }
    if (Node.isPostfixUnaryExpression(x) || Node.isPrefixUnaryExpression(x)) {
      const op = x.getOperatorToken();
      return (
        (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) &&
        refersHere(x.getOperand())
      );
    }
    return false;
  });
}

/** True when an access chain starts at a program's context or at a `.value` of a map/record. */
function rootIsData(n: Node): boolean {
  let x: Node = n;
  while (Node.isPropertyAccessExpression(x) || Node.isElementAccessExpression(x)) {
    if (Node.isPropertyAccessExpression(x) && x.getName() === "value") return true;
    x = x.getExpression();
  }
  if (!Node.isIdentifier(x)) return false;
  const decl = x.getSymbol()?.getDeclarations()[0];
  if (!decl || !Node.isParameterDeclaration(decl)) return false;
  // The first parameter of a program body (`(ctx) => ...` passed to tracepoint/xdp/...).
  const fn = decl.getParent();
  return (
    (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) &&
    Node.isCallExpression(fn.getParent()) &&
    fn.getParameters()[0] === decl
  );
}
