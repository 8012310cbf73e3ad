/**
 * The subset checker: rejects TypeScript constructs tsbpf cannot compile, each at its exact position
 * with the supported alternative, before lowering starts. Constructs that need types to judge
 * (integer widths, fields, helper arguments) are checked during lowering instead.
 *
 * Consumes the user's source file (after TypeScript reported no errors); produces diagnostics.
 */
import { Node, SyntaxKind } from "ts-morph";
import type { ModuleState } from "./module-state.ts";
import { helperRecordByFn } from "../../core/kernel/index.ts";
import { MAP_KINDS, PROGRAM_KINDS } from "./builtins.ts";
import { takesCallback } from "./lower-callback.ts";
import { isStructOpsCall } from "./struct-ops.ts";

/** Walks the file and reports every unsupported construct. */
export function checkSubset(m: ModuleState): void {
  m.sourceFile.forEachDescendant((node, traversal) => {
    const kind = node.getKind();
    if (kind === SyntaxKind.AnyKeyword) m.report("TSB1003", node);
    else if (kind === SyntaxKind.AsyncKeyword)
      m.report("TSB1008", node, { what: "an async function" });
    else if (Node.isAwaitExpression(node)) m.report("TSB1008", node, { what: "await" });
    else if (Node.isYieldExpression(node))
      m.report("TSB1008", node, { what: "generators (yield)" });
    else if (
      kind === SyntaxKind.AsteriskToken &&
      (Node.isFunctionDeclaration(node.getParent()!) ||
        Node.isFunctionExpression(node.getParent()!))
    ) {
      m.report("TSB1008", node, { what: "generator functions" });
    } else if (Node.isArrayLiteralExpression(node))
      m.report("TSB1006", node, { what: "an array literal" });
    else if (Node.isNewExpression(node)) {
      const cls = node.getExpression().getText();
      const atTop =
        Node.isVariableDeclaration(node.getParent()!) &&
        node.getParent()!.getParent()?.getParent()?.getParent() === m.sourceFile;
      if (!MAP_KINDS.has(cls)) m.report("TSB1006", node, { what: `new ${cls}` });
      else if (!atTop)
        m.report("TSB3002", node, { name: cls, problem: "maps are declared once, at top level" });
      traversal.skip();
    } else if (Node.isClassDeclaration(node) || Node.isClassExpression(node)) {
      m.report("TSB1001", node.getFirstChildByKind(SyntaxKind.ClassKeyword) ?? node, {
        construct: "classes",
        instead: "declare data as an interface (a C struct) and behaviour as functions",
      });
      traversal.skip();
    } else if (
      Node.isArrowFunction(node) ||
      Node.isFunctionExpression(node) ||
      Node.isFunctionDeclaration(node)
    ) {
      checkFunctionPlacement(m, node);
    } else if (
      Node.isTypeOfExpression(node) ||
      Node.isDeleteExpression(node) ||
      kind === SyntaxKind.InstanceOfKeyword ||
      kind === SyntaxKind.InKeyword
    ) {
      m.report("TSB1001", node, {
        construct: `'${node.getText().split(/[\s(]/)[0]}'`,
        instead: "eBPF values have no runtime type information",
      });
    } else if (Node.isModuleDeclaration(node)) {
      m.report("TSB1001", node, {
        construct: "namespaces",
        instead: "declare everything at top level",
      });
      traversal.skip();
    } else if (Node.isSpreadElement(node) || Node.isSpreadAssignment(node)) {
      m.report("TSB1001", node, { construct: "spread", instead: "copy fields one by one" });
    } else if (Node.isRegularExpressionLiteral(node)) {
      m.report("TSB1006", node, { what: "a regular expression" });
    }
  });
}

/** How TSB1004 names a captured local and what to do instead: a `const`, a parameter or a `let`. */
function captured(decl: Node): { what: string; instead: string } {
  if (Node.isParameterDeclaration(decl))
    return { what: "parameter", instead: "pass it as a parameter" };
  const list = decl.getParent();
  if (Node.isVariableDeclarationList(list) && list.getDeclarationKind() === "const")
    return {
      what: "constant",
      instead:
        "pass it as a parameter, or declare it at top level (a top-level const is a compile-time constant)",
    };
  return {
    what: "mutable variable",
    instead: "pass it as a parameter or make it a top-level global",
  };
}

/** Functions are allowed as top-level declarations and as program bodies; nested ones must not capture. */
function checkFunctionPlacement(m: ModuleState, fn: Node): void {
  const parent = fn.getParent()!;
  if (Node.isFunctionDeclaration(fn) && parent === m.sourceFile) return;
  if (Node.isCallExpression(parent) && PROGRAM_KINDS.has(parent.getExpression().getText())) {
    const decl = parent.getParent();
    if (
      Node.isVariableDeclaration(decl) &&
      decl.getParent()?.getParent()?.getParent() === m.sourceFile
    )
      return;
    m.report("TSB3003", parent, {
      problem: "declare programs at top level: export const name = kind(..., (ctx) => { ... })",
    });
    return;
  }
  // A member of a struct_ops map: `structOps("...", { member: (ctx, ...) => ... })` at top level.
  const call = parent.getParent()?.getParent();
  if (
    Node.isPropertyAssignment(parent) &&
    Node.isCallExpression(call) &&
    isStructOpsCall(call) &&
    Node.isVariableDeclaration(call.getParent()) &&
    call.getParent()?.getParent()?.getParent()?.getParent() === m.sourceFile
  )
    return;
  // A nested function: name the first local of an enclosing function it captures, if any.
  const locals = new Set<Node>();
  for (let up = parent; up && up !== m.sourceFile; up = up.getParent()!) {
    if (
      Node.isArrowFunction(up) ||
      Node.isFunctionExpression(up) ||
      Node.isFunctionDeclaration(up)
    ) {
      for (const d of up.getDescendantsOfKind(SyntaxKind.VariableDeclaration))
        if (!fn.containsRange(d.getPos(), d.getEnd())) locals.add(d);
      for (const p of up.getParameters()) locals.add(p);
    }
  }
  const name = Node.isFunctionDeclaration(fn)
    ? (fn.getName() ?? "<anonymous>")
    : "<arrow function>";
  for (const id of fn.getDescendantsOfKind(SyntaxKind.Identifier)) {
    const decl = id.getSymbol()?.getDeclarations()[0];
    if (decl && locals.has(decl)) {
      m.report("TSB1004", id, { name, variable: id.getText(), ...captured(decl) });
      return;
    }
  }
  // The callback of bpf_loop & co. (lower-callback.ts): its own BPF function, capturing nothing.
  if (Node.isCallExpression(parent) && parent.getArguments().includes(fn)) {
    const rec = helperRecordByFn(parent.getExpression().getText());
    if (rec && takesCallback(rec)) return;
  }
  m.report("TSB1001", fn, {
    construct: "nested functions",
    instead: "declare the function at top level and pass values as parameters",
  });
}
