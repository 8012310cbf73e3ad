/**
 * Functions over real values: parameters that are maps, the program context, `Ref<T>`, structs or
 * fixed arrays. Such a function is inlined at each call site (C's `static __always_inline`, how
 * libbpf tools factor out packet parsers): the verifier then sees the caller's own registers, so
 * a packet view keeps its bounds check, a map stays a constant map pointer and the context keeps its
 * program type — none of which survives a BPF-to-BPF call of a global function.
 *
 * `classifyParam` reads a parameter's type at registration; `inlineCall` lowers a call: arguments in
 * the caller's scope, then the body in a fresh scope whose parameters are bound to the argument
 * operands, `return` writing a result variable and branching to the continuation block.
 */
import { Node } from "ts-morph";
import type { CallExpression, FunctionDeclaration, ParameterDeclaration } from "ts-morph";
import { MAP_KINDS, mapTypesOf } from "./builtins.ts";
import { arity, badArg } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { lowerExpr } from "./lower-expr.ts";
import { lowerStatements } from "./lower-stmt.ts";
import type { FuncInfo, ModuleState, ParamKind, ScalarType } from "./module-state.ts";
import type { TsbType } from "./types.ts";
import { U32, irTypeOf, isScalar, typeName } from "./types.ts";

const STDLIB_PREFIX = "/node_modules/tsbpf/";

/** The declaration a type reference names, if it is declared in the stdlib. */
function stdlibDeclaration(tn: Node): Node | null {
  if (!Node.isTypeReference(tn)) return null;
  const sym = tn.getTypeName().getSymbol();
  const decl = (sym?.getAliasedSymbol() ?? sym)?.getDeclarations()[0];
  if (!decl || !decl.getSourceFile().getFilePath().startsWith(STDLIB_PREFIX)) return null;
  return decl;
}

/**
 * True if `decl` is a program context interface of the stdlib: it (or an interface extending it) is
 * the `ctx` type of a program function's body, e.g. `xdp(body: (ctx: XdpContext) => number)`.
 */
function isContextInterface(decl: Node): boolean {
  if (!Node.isInterfaceDeclaration(decl)) return false;
  const sf = decl.getSourceFile();
  const names = new Set<string>();
  for (const f of sf.getFunctions()) {
    const body = f.getParameter("body")?.getTypeNode();
    if (!body || !Node.isFunctionTypeNode(body)) continue;
    const ctx = body.getParameters()[0]?.getTypeNode();
    if (!ctx || !Node.isTypeReference(ctx)) continue;
    const d = ctx.getTypeName().getSymbol()?.getDeclarations()[0];
    if (!d || !Node.isInterfaceDeclaration(d)) continue;
    const stack = [d];
    while (stack.length) {
      const i = stack.pop()!;
      names.add(i.getName());
      for (const b of i.getBaseDeclarations()) if (Node.isInterfaceDeclaration(b)) stack.push(b);
    }
  }
  return names.has(decl.getName());
}

/** A parameter's kind, or null after reporting why it is refused. */
export function classifyParam(m: ModuleState, p: ParameterDeclaration): ParamKind | null {
  const tn = p.getTypeNode();
  if (!tn) {
    m.report("TSB2005", p, { what: `parameter '${p.getName()}'` });
    return null;
  }
  const decl = stdlibDeclaration(tn);
  if (decl && Node.isTypeReference(tn)) {
    const name =
      (Node.isClassDeclaration(decl) || Node.isInterfaceDeclaration(decl)
        ? decl.getName()
        : undefined) ?? "";
    const targs = tn.getTypeArguments();
    const kind = name ? MAP_KINDS.get(name) : undefined;
    if (kind && Node.isClassDeclaration(decl)) {
      const r = (i: number): TsbType | null | undefined =>
        targs[i] ? m.resolveType(targs[i]!) : undefined;
      const { key, value } = mapTypesOf(kind.shape, r);
      if (key === undefined || value === undefined) {
        m.report("TSB2004", tn, {
          type: tn.getText(),
          expected: `expected ${name} with its type arguments, as the map is declared`,
        });
        return null;
      }
      if (key === null && kind.shape === "kv") return null;
      if (
        value === null &&
        kind.shape !== "none" &&
        kind.shape !== "slot" &&
        kind.shape !== "stack"
      )
        return null;
      return { k: "map", cls: name, key, value };
    }
    if (name === "Ref" && targs.length === 1) {
      const target = m.resolveType(targs[0]!);
      return target ? { k: "ref", target } : null;
    }
    if (isContextInterface(decl)) return { k: "ctx", typeName: name };
  }
  const t = m.resolveType(tn);
  if (!t) return null;
  if (t.kind === "void") {
    m.report("TSB2004", tn, { type: "void", expected: "a parameter needs a value type" });
    return null;
  }
  return isScalar(t) ? { k: "scalar", type: t } : { k: "place", type: t };
}

/** The name calls made now are attributed to (the inlined function, else the function itself). */
function currentCaller(fs: FuncState): string {
  return fs.inline?.name ?? fs.name;
}

/** Records a call edge for recursion detection (TSB1005). */
export function recordCall(fs: FuncState, callee: string): void {
  const caller = currentCaller(fs);
  const calls = fs.m.calls.get(caller) ?? new Set<string>();
  calls.add(callee);
  fs.m.calls.set(caller, calls);
}

/** Binds one argument to its parameter's kind; null after reporting a mismatch. */
function bindArg(fs: FuncState, kind: ParamKind, arg: Node): Operand | null {
  if (kind.k === "scalar") {
    const v = fs.coerce(lowerExpr(fs, arg, kind.type), kind.type, arg);
    return v === null ? null : { k: "val", type: kind.type, v };
  }
  const op = lowerExpr(fs, arg);
  if (op.k === "error") return null;
  const fail = (expected: string): null => {
    badArg(fs, arg, op, expected);
    return null;
  };
  switch (kind.k) {
    case "map": {
      if (op.k !== "map") return fail(`a map (${kind.cls})`);
      const same = (a: TsbType | null, b: TsbType | null): boolean =>
        a === null || b === null || typeName(a) === typeName(b);
      if (!same(kind.key, op.map.key) || !same(kind.value, op.map.value))
        return fail(
          `a map of ${[kind.key, kind.value]
            .filter((t) => t !== null)
            .map((t) => typeName(t!))
            .join(" → ")}`,
        );
      return op;
    }
    case "ctx":
      return op.k === "ctx" ? op : fail(`the program context (${kind.typeName})`);
    case "ref":
      return op.k === "ref" && typeName(op.target) === typeName(kind.target)
        ? op
        : fail(`Ref<${typeName(kind.target)}>`);
    case "place": {
      const want = typeName(kind.type);
      if (op.k === "ctx" && op.struct && typeName(op.struct) === want) return op;
      if (op.k === "place" && typeName(op.type) === want) return op;
      return fail(`${want} (a struct or array variable, field or Ref's value)`);
    }
  }
}

/** Lowers a call of an inlined function at `node`. */
export function inlineCall(fs: FuncState, node: CallExpression, f: FuncInfo): Operand {
  const args = node.getArguments();
  if (args.length !== f.params.length) return arity(fs, node, f.name, f.params.length);
  recordCall(fs, f.name);
  for (let frame = fs.inline; frame; frame = frame.parent) if (frame.name === f.name) return ERROR; // a cycle: TSB1005 is reported once, at the function
  const bound: Operand[] = [];
  for (let i = 0; i < args.length; i++) {
    const op = bindArg(fs, f.params[i]!.kind, args[i]!);
    if (op === null) return ERROR;
    bound.push(op);
  }
  const decl = f.node as FunctionDeclaration;
  const returns = f.returns;
  const exit = fs.newBlock();
  const retVar = returns.kind === "void" ? null : fs.tempVar(returns, `${f.name}.ret`);
  const savedScopes = fs.scopes.splice(0, fs.scopes.length, new Map());
  const savedLoops = fs.loops.splice(0);
  fs.inline = { name: f.name, returns, retVar, exit, parent: fs.inline };
  f.params.forEach((p, i) => {
    const op = bound[i]!;
    if (p.kind.k === "scalar" && op.k === "val") {
      const id = fs.declareVar(p.name, p.kind.type, true);
      fs.writeVar(id, op.v);
    } else fs.bindOperand(p.name, op);
  });
  const body = decl.getBody();
  lowerStatements(fs, Node.isBlock(body) ? body.getStatements() : []);
  if (fs.cur !== null) {
    const end = decl.getLastChild() ?? decl;
    if (retVar !== null) fs.writeVar(retVar, fs.iconst(irTypeOf(returns), 0n, end));
    fs.br(exit, end);
  }
  fs.inline = fs.inline.parent;
  fs.scopes.splice(0, fs.scopes.length, ...savedScopes);
  fs.loops.splice(0, fs.loops.length, ...savedLoops);
  fs.ssa.seal(exit);
  fs.enter(exit);
  if (retVar === null) return { k: "void" };
  if (fs.cur === null) return { k: "const", type: returns as ScalarType, value: 0n };
  return { k: "val", type: returns as ScalarType, v: fs.readVar(retVar) };
}
