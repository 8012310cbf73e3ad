/**
 * The subset checker: rejects TypeScript constructs tsbpf cannot compile, each at its exact position
 * with the supported alternative, before lowering starts. Constructs that need types to judge
 * (integer widths, fields, helper arguments) are checked during lowering instead.
 *
 * Consumes the user's source file (after TypeScript reported no errors); produces diagnostics.
 */
import { Node, SyntaxKind, ts } from "ts-morph";
import type { SourceFile } from "ts-morph";
import type { DiagnosticCode } from "../diag/index.ts";
import type { ModuleState } from "./module-state.ts";
import { helperRecordByFn } from "../../core/kernel/index.ts";
import { MAP_KINDS, PROGRAM_KINDS } from "./builtins.ts";
import { takesCallback } from "./lower-callback.ts";
import { isStructOpsCall } from "./struct-ops.ts";

/**
 * Walks the file and reports every unsupported construct. The walk reads TypeScript's own nodes:
 * ts-morph wraps every node it hands out (an object per node, forgotten again before the next
 * build), which for this visit of the whole file cost more than the checks themselves (xdp-nat: ~8
 * of a watch rebuild's ~65 ms). Only the nodes a check reports or inspects further are wrapped.
 */
export function checkSubset(m: ModuleState): void {
  const file = m.sourceFile.compilerNode;
  const S = ts.SyntaxKind;
  const report = (node: ts.Node, code: DiagnosticCode, args?: Record<string, string | number>) =>
    m.report(code, wrap(m.sourceFile, node), args);
  const visit = (node: ts.Node): void => {
    const kind = node.kind;
    if (kind === S.AnyKeyword) report(node, "TSB1003");
    else if (kind === S.AsyncKeyword) report(node, "TSB1008", { what: "an async function" });
    else if (kind === S.AwaitExpression) report(node, "TSB1008", { what: "await" });
    else if (kind === S.YieldExpression) report(node, "TSB1008", { what: "generators (yield)" });
    else if (
      kind === S.AsteriskToken &&
      (ts.isFunctionDeclaration(node.parent) || ts.isFunctionExpression(node.parent))
    ) {
      report(node, "TSB1008", { what: "generator functions" });
    } else if (kind === S.ArrayLiteralExpression)
      report(node, "TSB1006", { what: "an array literal" });
    else if (ts.isNewExpression(node)) {
      const cls = node.expression.getText(file);
      const atTop =
        ts.isVariableDeclaration(node.parent) && node.parent.parent?.parent?.parent === file;
      if (!MAP_KINDS.has(cls)) report(node, "TSB1006", { what: `new ${cls}` });
      else if (!atTop)
        report(node, "TSB3002", { name: cls, problem: "maps are declared once, at top level" });
      return;
    } else if (kind === S.ClassDeclaration || kind === S.ClassExpression) {
      const cls = wrap(m.sourceFile, node);
      m.report("TSB1001", cls.getFirstChildByKind(SyntaxKind.ClassKeyword) ?? cls, {
        construct: "classes",
        instead: "declare data as an interface (a C struct) and behaviour as functions",
      });
      return;
    } else if (
      kind === S.ArrowFunction ||
      kind === S.FunctionExpression ||
      kind === S.FunctionDeclaration
    ) {
      if (!(kind === S.FunctionDeclaration && node.parent === file)) {
        checkFunctionPlacement(m, wrap(m.sourceFile, node));
      }
    } else if (
      kind === S.TypeOfExpression ||
      kind === S.DeleteExpression ||
      kind === S.InstanceOfKeyword ||
      kind === S.InKeyword
    ) {
      report(node, "TSB1001", {
        construct: `'${node.getText(file).split(/[\s(]/)[0]}'`,
        instead: "eBPF values have no runtime type information",
      });
    } else if (kind === S.ModuleDeclaration) {
      report(node, "TSB1001", {
        construct: "namespaces",
        instead: "declare everything at top level",
      });
      return;
    } else if (kind === S.SpreadElement || kind === S.SpreadAssignment) {
      report(node, "TSB1001", { construct: "spread", instead: "copy fields one by one" });
    } else if (kind === S.RegularExpressionLiteral) {
      report(node, "TSB1006", { what: "a regular expression" });
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(file, visit);
}

/**
 * ts-morph's wrapper of `target`, a node of `sf`: found from the file down the target's ancestors,
 * so only the nodes on that path and their siblings are wrapped.
 */
function wrap(sf: SourceFile, target: ts.Node): Node {
  const path: ts.Node[] = [];
  for (let n = target; n !== sf.compilerNode; n = n.parent) path.push(n);
  let at: Node = sf;
  for (const n of path.reverse()) {
    // ts-morph's forEachChild wraps exactly the children ts.forEachChild visits (the walk's own).
    at = at.forEachChild((c) => (c.compilerNode === n ? c : undefined))!;
  }
  return at;
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

/**
 * Functions are allowed as top-level declarations (which `checkSubset` does not pass here) and as
 * program bodies; nested ones must not capture.
 */
function checkFunctionPlacement(m: ModuleState, fn: Node): void {
  const parent = fn.getParent()!;
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
