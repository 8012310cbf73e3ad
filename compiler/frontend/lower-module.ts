/**
 * Top-level lowering: walks the user's file and produces the `Module` — maps from `new HashMap<..>()`
 * declarations, globals from `let` (.bss/.data), compile-time constants from `const`, programs from
 * `export const name = tracepoint(...)` and friends, subprograms from `function` declarations, and the
 * license from `export const license = "GPL"`.
 *
 * Two phases: first every top-level name is registered (so bodies can refer to names declared later),
 * then each program and function body is lowered with its own `FuncState`.
 */
import { Node, SyntaxKind } from "ts-morph";
import type {
  ArrowFunction,
  CallExpression,
  FunctionDeclaration,
  FunctionExpression,
  VariableDeclaration,
} from "ts-morph";
import { newFunc } from "../ir/builder.ts";
import type { Func, Module } from "../ir/index.ts";
import { MAX_STACK_BYTES } from "../ir/index.ts";
import { CONSTANTS, DEFAULT_STACK_DEPTH, MAP_KINDS, PROGRAM_KINDS } from "./builtins.ts";
import type { ProgramKind } from "./builtins.ts";
import { FuncState } from "./func-state.ts";
import { bindKernelArgs } from "./kernel-args.ts";
import { lowerExpr, parseIntegerLiteral } from "./lower-expr.ts";
import { lowerStatements } from "./lower-stmt.ts";
import type { FuncInfo, ModuleState, ScalarType } from "./module-state.ts";
import type { TsbType } from "./types.ts";
import { I64, U32, alignOf, irTypeOf, isScalar, sizeOf, VOID } from "./types.ts";

type Body = ArrowFunction | FunctionExpression;
interface PendingProgram {
  readonly name: string;
  readonly kind: ProgramKind;
  readonly target: string;
  readonly body: Body;
  readonly decl: VariableDeclaration;
  readonly call: CallExpression;
}

/** Lowers the whole file into `m` and returns the module. */
export function lowerModule(m: ModuleState): Module {
  const sf = m.sourceFile;
  const programs: PendingProgram[] = [];
  const functions: FunctionDeclaration[] = [];
  for (const s of sf.getStatements()) {
    if (Node.isImportDeclaration(s)) {
      if (s.getModuleSpecifierValue() !== "tsbpf")
        m.report("TSB1001", s, {
          construct: `importing '${s.getModuleSpecifierValue()}'`,
          instead: 'import only from "tsbpf"',
        });
    } else if (Node.isVariableStatement(s)) {
      const isConst = s.getDeclarationKind() === "const";
      for (const d of s.getDeclarations()) registerVariable(m, d, isConst, programs);
    } else if (Node.isFunctionDeclaration(s)) {
      const info = registerFunction(m, s);
      if (info) functions.push(s);
    } else if (Node.isInterfaceDeclaration(s) || Node.isTypeAliasDeclaration(s)) {
      // Types: resolved where used.
    } else if (Node.isClassDeclaration(s)) {
      m.report("TSB1001", s, {
        construct: "classes",
        instead: "declare data as an interface (a C struct) and behaviour as functions",
      });
    } else if (Node.isEnumDeclaration(s)) {
      m.report("TSB1001", s, {
        construct: "enums",
        instead: "use top-level `const NAME = 1;` constants",
      });
    } else if (!Node.isEmptyStatement(s) && !Node.isExportDeclaration(s)) {
      m.report("TSB1001", s, {
        construct: "top-level statements",
        instead: 'put code inside a program: export const p = tracepoint("...", (ctx) => { ... })',
      });
    }
  }
  for (const f of functions) {
    const info = m.top.get(f.getName()!);
    if (info?.k === "func") m.functions.push(lowerFunction(m, info.func, f));
  }
  for (const p of programs) m.functions.push(lowerProgram(m, p));
  reportRecursion(m);
  if (!m.license) {
    const exported = sf
      .getStatements()
      .find(
        (s) =>
          Node.isVariableStatement(s) && s.getDeclarations().some((d) => d.getName() === "license"),
      );
    if (!exported) m.report("TSB3007", sf.getStatements()[0] ?? sf);
  }
  return {
    source: m.fileName,
    functions: m.functions,
    maps: m.maps,
    globals: m.globals,
    types: m.sourceTypes.types,
    license: m.license,
  };
}

function registerVariable(
  m: ModuleState,
  d: VariableDeclaration,
  isConst: boolean,
  programs: PendingProgram[],
): void {
  const name = d.getName();
  const init = d.getInitializer();
  if (name === "license") {
    if (init && (Node.isStringLiteral(init) || Node.isNoSubstitutionTemplateLiteral(init)))
      m.license = init.getLiteralValue();
    else m.report("TSB3010", d, { what: 'the license (a string literal such as "GPL")' });
    return;
  }
  if (init && Node.isNewExpression(init)) {
    const cls = init.getExpression().getText();
    const kind = MAP_KINDS.get(cls);
    if (!kind) {
      m.report("TSB1006", init, { what: `new ${cls}` });
      return;
    }
    if (!isConst) m.report("TSB3002", d, { name, problem: "declare maps with const" });
    registerMap(m, d, name, cls, init);
    return;
  }
  if (init && Node.isCallExpression(init)) {
    const kind = PROGRAM_KINDS.get(init.getExpression().getText());
    if (kind) {
      const p = programOf(m, d, name, kind, init);
      if (p) programs.push(p);
      return;
    }
  }
  const tn = d.getTypeNode();
  const type = tn ? m.resolveType(tn) : null;
  if (tn && !type) return;
  if (type && !isScalar(type) && !isConst) {
    // An aggregate global: zero-initialised .bss.
    if (init)
      m.report("TSB3010", init, {
        what: "a struct or array global's initialiser (globals start zeroed)",
      });
    addGlobal(m, d, name, type, 0n);
    return;
  }
  const value = init ? constantOf(m, init) : 0n;
  if (value === null) {
    m.report("TSB3010", init ?? d, {
      what: isConst ? `top-level const '${name}'` : `the initial value of global '${name}'`,
    });
    return;
  }
  if (isConst) {
    m.top.set(name, { k: "const", type: (type as ScalarType | null) ?? null, value });
    return;
  }
  const t = (type as ScalarType | null) ?? I64;
  addGlobal(m, d, name, t, value);
}

function addGlobal(m: ModuleState, d: Node, name: string, type: TsbType, value: bigint): void {
  const size = sizeOf(type);
  const init = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size && v !== 0n; i++, v >>= 8n) init[i] = Number(v & 0xffn);
  const section = value === 0n ? ".bss" : ".data";
  m.globals.push({
    name,
    section,
    size,
    align: alignOf(type),
    init,
    type: m.sourceTypes.ref(type),
    span: m.span(d),
  });
  m.top.set(name, { k: "global", name, type });
}

/**
 * A compile-time integer: literals, true/false, earlier top-level constants, the stdlib's named
 * constants (XDP_PASS, BPF_ANY, ...), conversions of constants, and + - * / % << >> & | ^ ~ on constants.
 */
function constantOf(m: ModuleState, n: Node): bigint | null {
  if (Node.isParenthesizedExpression(n)) return constantOf(m, n.getExpression());
  if (Node.isNumericLiteral(n) || Node.isBigIntLiteral(n)) return parseIntegerLiteral(n.getText());
  if (n.getKind() === SyntaxKind.TrueKeyword) return 1n;
  if (n.getKind() === SyntaxKind.FalseKeyword) return 0n;
  if (Node.isIdentifier(n)) {
    const top = m.top.get(n.getText());
    if (top) return top.k === "const" ? top.value : null;
    return CONSTANTS.get(n.getText()) ?? null;
  }
  if (Node.isPrefixUnaryExpression(n)) {
    const inner = constantOf(m, n.getOperand());
    if (inner === null) return null;
    if (n.getOperatorToken() === SyntaxKind.MinusToken) return -inner;
    if (n.getOperatorToken() === SyntaxKind.TildeToken) return ~inner;
    return n.getOperatorToken() === SyntaxKind.PlusToken ? inner : null;
  }
  if (Node.isBinaryExpression(n)) {
    const a = constantOf(m, n.getLeft());
    const b = constantOf(m, n.getRight());
    if (a === null || b === null) return null;
    switch (n.getOperatorToken().getKind()) {
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
      case SyntaxKind.LessThanLessThanToken:
        return a << b;
      case SyntaxKind.GreaterThanGreaterThanToken:
        return a >> b;
      case SyntaxKind.AmpersandToken:
        return a & b;
      case SyntaxKind.BarToken:
        return a | b;
      case SyntaxKind.CaretToken:
        return a ^ b;
      default:
        return null;
    }
  }
  if (
    Node.isCallExpression(n) &&
    n.getArguments().length === 1 &&
    /^[ui](8|16|32|64)$/.test(n.getExpression().getText())
  ) {
    return constantOf(m, n.getArguments()[0]!);
  }
  return null;
}

function registerMap(
  m: ModuleState,
  d: VariableDeclaration,
  name: string,
  cls: string,
  init: Node & { getTypeArguments(): Node[]; getArguments(): Node[] },
): void {
  const kind = MAP_KINDS.get(cls)!;
  const targs = init.getTypeArguments();
  const resolve = (i: number): TsbType | null => (targs[i] ? m.resolveType(targs[i]!) : null);
  let key: TsbType | null = null;
  let value: TsbType | null = null;
  const need = kind.shape === "kv" ? 2 : kind.shape === "none" || kind.shape === "stack" ? 0 : 1;
  if (targs.length !== need) {
    m.report("TSB3002", init, {
      name,
      problem: `${cls} needs ${need} type argument${need === 1 ? "" : "s"}${need ? " (key/value types)" : ""}`,
    });
    return;
  }
  if (kind.shape === "kv") [key, value] = [resolve(0), resolve(1)];
  else if (kind.shape === "v") [key, value] = [U32, resolve(0)];
  else if (kind.shape === "record") value = resolve(0);
  if ((need > 0 && !value) || (kind.shape === "kv" && !key)) return;
  const opts = init.getArguments()[0];
  let maxEntries: bigint | null = null;
  let flags = 0n;
  let maxDepth: bigint = BigInt(DEFAULT_STACK_DEPTH);
  if (opts && Node.isObjectLiteralExpression(opts)) {
    for (const p of opts.getProperties()) {
      if (!Node.isPropertyAssignment(p)) continue;
      const v = constantOf(m, p.getInitializerOrThrow());
      if (v === null) m.report("TSB3010", p, { what: `map option '${p.getName()}'` });
      else if (p.getName() === "maxEntries") maxEntries = v;
      else if (p.getName() === "flags") flags = v;
      else if (p.getName() === "maxDepth" && kind.shape === "stack") {
        if (v <= 0n || v > BigInt(DEFAULT_STACK_DEPTH)) {
          m.report("TSB3002", p, {
            name,
            problem: `maxDepth must be 1..${DEFAULT_STACK_DEPTH} (kernel.perf_event_max_stack)`,
          });
          return;
        }
        maxDepth = v;
      }
    }
  }
  if (maxEntries === null || maxEntries <= 0n) {
    m.report("TSB3002", opts ?? init, {
      name,
      problem: "needs { maxEntries: <positive constant> }",
    });
    return;
  }
  // kernel/bpf/ringbuf.c: the data area is a power-of-2 number of pages.
  if (kind.kind === "ringbuf" && (maxEntries < 4096n || (maxEntries & (maxEntries - 1n)) !== 0n)) {
    m.report("TSB3002", opts ?? init, {
      name,
      problem: `a ring buffer's maxEntries is its size in bytes and must be a power of two of at least 4096 (a page), not ${maxEntries}`,
    });
    return;
  }
  if (kind.shape === "stack") {
    // The kernel sizes nothing from BTF here: key_size 4 (the stack id), value_size depth * 8.
    m.maps.push({
      name,
      kind: kind.kind,
      keySize: 4,
      valueSize: Number(maxDepth) * 8,
      maxEntries: Number(maxEntries),
      flags: Number(flags),
      keyType: null,
      valueType: null,
      span: m.span(d),
    });
    m.top.set(name, { k: "map", map: { name, kind, key: U32, value: null } });
    return;
  }
  const isRecord = kind.shape === "record";
  const isFdArray = kind.kind === "perf_event_array" || kind.kind === "prog_array";
  m.maps.push({
    name,
    kind: kind.kind,
    keySize: isFdArray ? 4 : isRecord || !key ? 0 : sizeOf(key),
    valueSize: isFdArray ? 4 : isRecord || !value ? 0 : sizeOf(value),
    maxEntries: Number(maxEntries),
    flags: Number(flags),
    keyType: key && !isRecord ? m.sourceTypes.ref(key) : null,
    valueType: value ? m.sourceTypes.ref(value) : null,
    span: m.span(d),
  });
  m.top.set(name, { k: "map", map: { name, kind, key, value } });
}

function programOf(
  m: ModuleState,
  d: VariableDeclaration,
  name: string,
  kind: ProgramKind,
  call: CallExpression,
): PendingProgram | null {
  const args = call.getArguments();
  let target = "";
  if (kind.hasTarget) {
    const t = args[0];
    if (
      !t ||
      !(Node.isStringLiteral(t) || Node.isNoSubstitutionTemplateLiteral(t)) ||
      t.getLiteralValue() === ""
    ) {
      m.report("TSB3003", t ?? call, {
        problem: `${kind.fn} needs a constant target name as its first argument`,
      });
      return null;
    }
    target = t.getLiteralValue();
  }
  const body = args[kind.hasTarget ? 1 : 0];
  if (!body || !(Node.isArrowFunction(body) || Node.isFunctionExpression(body))) {
    m.report("TSB3003", body ?? call, {
      problem: "the program body must be an arrow function `(ctx) => { ... }`",
    });
    return null;
  }
  return { name, kind, target, body, decl: d, call };
}

function registerFunction(m: ModuleState, f: FunctionDeclaration): FuncInfo | null {
  const name = f.getName();
  if (!name || !f.hasBody()) return null;
  const params: { name: string; type: ScalarType }[] = [];
  for (const p of f.getParameters()) {
    const tn = p.getTypeNode();
    if (!tn) {
      m.report("TSB2005", p, { what: `parameter '${p.getName()}'` });
      return null;
    }
    const t = m.resolveType(tn);
    if (!t) return null;
    if (!isScalar(t)) {
      m.report("TSB2004", tn, {
        type: tn.getText(),
        expected: "function parameters are integers or bool; pass struct fields individually",
      });
      return null;
    }
    params.push({ name: p.getName(), type: t });
  }
  if (params.length > 5) {
    m.report("TSB3003", f.getNameNode() ?? f, {
      problem: "eBPF functions take at most 5 parameters",
    });
    return null;
  }
  const rn = f.getReturnTypeNode();
  const returns = rn ? m.resolveType(rn) : VOID;
  if (!returns) return null;
  if (
    !rn &&
    f
      .getBody()
      ?.getDescendantsOfKind(SyntaxKind.ReturnStatement)
      .some((r) => r.getExpression())
  ) {
    m.report("TSB2005", f.getNameNode() ?? f, { what: `the return type of '${name}'` });
    return null;
  }
  if (returns.kind !== "void" && !isScalar(returns)) {
    m.report("TSB2004", rn!, {
      type: rn!.getText(),
      expected: "functions return integers, bool or void",
    });
    return null;
  }
  const info: FuncInfo = {
    name,
    params,
    returns: returns as ScalarType | { kind: "void" },
    node: f,
  };
  m.top.set(name, { k: "func", func: info });
  return info;
}

function lowerFunction(m: ModuleState, info: FuncInfo, f: FunctionDeclaration): Func {
  const b = newFunc({
    name: info.name,
    section: null,
    params: info.params.map((p) => irTypeOf(p.type)),
    returns: info.returns.kind === "void" ? null : irTypeOf(info.returns),
    span: m.span(f),
    paramNames: info.params.map((p) => p.name),
  });
  const fs = new FuncState(m, info.name, b, info.returns, false);
  info.params.forEach((p, i) => {
    const id = fs.declareVar(p.name, p.type, true);
    fs.writeVar(id, b.paramsOf(b.entry)[i]!);
  });
  lowerStatements(
    fs,
    f.getBody() && Node.isBlock(f.getBody()!)
      ? (f.getBody() as import("ts-morph").Block).getStatements()
      : [],
  );
  return finishFunc(fs, f);
}

function lowerProgram(m: ModuleState, p: PendingProgram): Func {
  const b = newFunc({
    name: p.name,
    section: p.kind.section(p.target),
    params: ["ptr"],
    returns: "i64",
    span: m.span(p.decl),
    paramNames: ["ctx"],
  });
  const fs = new FuncState(m, p.name, b, I64, true);
  const param = p.body.getParameters()[0];
  if (param) {
    let struct: TsbType | null = null;
    if (p.kind.ctx.kind === "struct") {
      const tn = param.getTypeNode();
      if (tn) struct = m.resolveType(tn);
      else {
        const decl = param.getType().getSymbol()?.getDeclarations()[0];
        if (decl) struct = m.resolveDeclaration(decl, param);
        else
          m.report("TSB2005", param, {
            what: `the context of tracepoint '${p.target}' (declare an interface with its format fields)`,
          });
      }
    }
    fs.bindOperand(param.getName(), {
      k: "ctx",
      ptr: b.paramsOf(b.entry)[0]!,
      prog: p.kind,
      struct,
    });
  }
  const args = p.body.getParameters().slice(1);
  bindKernelArgs(fs, p.kind, p.target, p.call, args, b.paramsOf(b.entry)[0]!);
  const body = p.body.getBody();
  if (Node.isBlock(body)) lowerStatements(fs, body.getStatements());
  else {
    const r = fs.rvalue(lowerExpr(fs, body, I64), body);
    const reg = r.k === "error" ? null : fs.toReg(r, body);
    if (reg) fs.emit({ op: "ret", value: fs.convert(reg.v, reg.type, I64, body) }, null, body);
    fs.cur = null;
  }
  return finishFunc(fs, p.body);
}

/** Closes the function (an implicit `return` at the end), completes SSA and checks the frame size. */
function finishFunc(fs: FuncState, at: Node): Func {
  if (fs.cur !== null) {
    const end = at.getLastChild() ?? at;
    if (fs.returns.kind === "void") fs.emit({ op: "ret", value: null }, null, end);
    else fs.emit({ op: "ret", value: fs.iconst(irTypeOf(fs.returns), 0n, end) }, null, end);
  }
  fs.ssa.finish();
  const f = fs.b.finish();
  let bytes = 0;
  for (const s of f.stackSlots) bytes = Math.ceil(bytes / s.align) * s.align + s.size;
  if (bytes > MAX_STACK_BYTES) fs.m.report("TSB3004", at, { name: fs.name, bytes });
  return f;
}

/** Reports each call cycle once, at a function on it. */
function reportRecursion(m: ModuleState): void {
  const state = new Map<string, "active" | "done">();
  const visit = (name: string): void => {
    state.set(name, "active");
    for (const callee of m.calls.get(name) ?? []) {
      if (state.get(callee) === "active") {
        const info = m.top.get(callee);
        const node =
          info?.k === "func"
            ? ((info.func.node as FunctionDeclaration).getNameNode() ?? info.func.node)
            : m.sourceFile;
        m.report("TSB1005", node, { name: callee });
      } else if (!state.has(callee)) visit(callee);
    }
    state.set(name, "done");
  };
  for (const name of m.calls.keys()) if (!state.has(name)) visit(name);
}
