/**
 * TypeScript errors that only follow from a tsbpf-level mistake, replaced by the one diagnostic that
 * names the mistake (no false follow-on errors):
 * - an `async` function: tsbpf's lib has no Promise, so TypeScript reports TS2318 ("Cannot find
 *   global type 'Promise'"), twice per type, and then an overload or assignability error on the
 *   function itself; instead, TSB1008 once at each `async` keyword;
 * - `tracepoint("<name>", (ctx) => ...)` with a name the stdlib does not describe and an unannotated
 *   `ctx`: TypeScript sees `ctx` as `unknown` (TS18046, ...) and lowering would ask for an annotation;
 *   instead, TSB3019 at the name, naming the nearest stdlib tracepoints.
 * Exact duplicates (same code, message and position) are reported once.
 *
 * Consumes the loaded program and TypeScript's diagnostics; produces the diagnostics to report.
 */
import { Node, SyntaxKind, type SourceFile } from "ts-morph";
import { makeDiagnostic, nearestNames, type Diagnostic } from "../diag/index.ts";
import type { LoadedProgram } from "./project.ts";

/** The stdlib interface whose keys are the tracepoints it gives a context type (stdlib/index.d.ts). */
const TRACEPOINT_CONTEXTS = "TracepointContexts";

/** A source range in character offsets. */
interface Range {
  readonly pos: number;
  readonly end: number;
}

/** Replaces follow-on TypeScript errors by tsbpf diagnostics (see the file comment). */
export function refineTypescriptDiagnostics(
  p: LoadedProgram,
  diags: readonly Diagnostic[],
): Diagnostic[] {
  const sf = p.sourceFile;
  const added: Diagnostic[] = [];
  /** Where TypeScript's errors follow from an `async` function / an unknown tracepoint's `ctx`. */
  const asyncFns: Range[] = [];
  const untypedCtx: Range[] = [];
  // Each walk below looks for a word of the source, so a file without it needs no walk (rebuilds).
  const text = sf.getFullText();
  const keywords = text.includes("async") ? sf.getDescendantsOfKind(SyntaxKind.AsyncKeyword) : [];
  for (const kw of keywords) {
    added.push(at(p, kw, "TSB1008", { what: "an async function" }));
    const fn = kw.getParent();
    if (fn) asyncFns.push({ pos: fn.getStart(), end: fn.getEnd() });
  }
  const calls = text.includes("tracepoint")
    ? sf.getDescendantsOfKind(SyntaxKind.CallExpression)
    : [];
  const known = calls.length > 0 ? stdlibTracepoints(p) : [];
  for (const call of calls) {
    if (call.getExpression().getText() !== "tracepoint" || call.getTypeArguments().length > 0)
      continue;
    const [name, body] = call.getArguments();
    if (!name || !(Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)))
      continue;
    const target = name.getLiteralValue();
    if (known.length === 0 || known.includes(target)) continue;
    if (!body || !(Node.isArrowFunction(body) || Node.isFunctionExpression(body))) continue;
    const ctx = body.getParameters()[0];
    if (!ctx || ctx.getTypeNode()) continue;
    const nearest = nearestNames(target, known)
      .map((n) => `'${n}'`)
      .join(", ");
    added.push(at(p, name, "TSB3019", { name: target, nearest }));
    untypedCtx.push({ pos: body.getStart(), end: body.getEnd() });
  }
  const seen = new Set<string>();
  const kept = diags.filter((d) => {
    const key = `${d.code}@${d.line}:${d.col}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    const promise = /'Promise(Like)?'/.test(d.message);
    // No global Promise: reported once per lookup, with no position in the user's file.
    if (asyncFns.length > 0 && d.code === "TS2318" && promise) return false;
    const pos = offsetOf(sf, d);
    if (pos === undefined) return true;
    const inside = (rs: Range[]) => rs.find((r) => pos >= r.pos && pos < r.end);
    // In an async function: the Promise it returns (its type, and the function's own type error).
    const fn = inside(asyncFns);
    if (fn && (promise || pos === fn.pos)) return false;
    // In a body whose ctx is `unknown`: what follows from that.
    if (inside(untypedCtx) && (d.code === "TS18046" || /'unknown'/.test(d.message))) return false;
    return true;
  });
  return [...kept, ...added];
}

/** The tracepoint names the stdlib types (empty when the stdlib does not declare them). */
function stdlibTracepoints(p: LoadedProgram): string[] {
  const iface = p.project
    .getSourceFiles()
    .map((f) => f.getInterface(TRACEPOINT_CONTEXTS))
    .find((i) => i !== undefined);
  return (iface?.getProperties() ?? []).map((m) => m.getName().replace(/^["']|["']$/g, ""));
}

function at(
  p: LoadedProgram,
  node: Node,
  code: "TSB1008" | "TSB3019",
  args: Record<string, string>,
): Diagnostic {
  const { line, column } = p.sourceFile.getLineAndColumnAtPos(node.getStart());
  const length = node.getText().split("\n")[0]!.length;
  return makeDiagnostic(code, { file: p.fileName, line, col: column, length }, args);
}

/** The character offset of a diagnostic's position in `sf`, or undefined when outside it. */
function offsetOf(sf: SourceFile, d: Diagnostic): number | undefined {
  try {
    return sf.compilerNode.getPositionOfLineAndCharacter(d.line - 1, d.col - 1);
  } catch {
    return undefined;
  }
}
