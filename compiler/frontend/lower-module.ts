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
import { MAP_KINDS, PROGRAM_KINDS } from "./builtins.ts";
import { checkHelperCalls } from "./helper-checks.ts";
import type { ProgramKind } from "./builtins.ts";
import { FuncState } from "./func-state.ts";
import { bindKernelArgs } from "./kernel-args.ts";
import { bindUsdtArgs, isUsdtKind } from "./lower-usdt.ts";
import { lowerExpr } from "./lower-expr.ts";
import { checkReturnRange, lowerStatements } from "./lower-stmt.ts";
import { classifyParam } from "./inline-call.ts";
import type { FuncInfo, ModuleState, ParamKind, ScalarType } from "./module-state.ts";
import type { TsbType } from "./types.ts";
import { I64, irTypeOf, isScalar, VOID } from "./types.ts";
import { hasErrors } from "../diag/index.ts";
import { resolveSection } from "../../core/kernel/index.ts";
import { VOID_RESULT_UNREAD } from "../../core/kernel/return-codes.ts";
import { checkReservations } from "./reservations.ts";
import { addGlobal, constantOf, registerMap, reportNotConstant } from "./lower-data-decls.ts";
import { programOptions } from "./program-options.ts";
import type { KernelPrototype } from "./kernel-btf.ts";
import { isStructOpsCall, registerStructOps } from "./struct-ops.ts";

type Body = ArrowFunction | FunctionExpression;
/** A program found in the first pass, lowered in the second. */
export interface PendingProgram {
  readonly name: string;
  readonly kind: ProgramKind;
  readonly target: string;
  /** The ELF section: the kind's, or the libbpf spelling its options chose. */
  readonly section: string;
  readonly body: Body;
  readonly decl: VariableDeclaration;
  readonly call: CallExpression;
  /** The prototype its parameters after ctx bind to, when the declaration gave it (struct_ops). */
  readonly proto?: KernelPrototype;
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
      for (const d of s.getDeclarations()) {
        const before = programs.length;
        registerVariable(m, d, isConst, programs);
        // Refused (with its diagnostic): uses of the name stay quiet.
        const name = d.getName();
        if (!m.top.has(name) && programs.length === before && name !== "license")
          m.top.set(name, { k: "invalid" });
      }
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
    // Inlined functions have no body of their own: each call site lowers it (inline-call.ts).
    if (info?.k === "func" && info.func.mode === "call")
      m.functions.push(lowerFunction(m, info.func, f));
  }
  for (const p of programs) m.functions.push(lowerProgram(m, p));
  // Checks on the lowered IR need it whole: only when lowering reported no error.
  if (!hasErrors(m.diagnostics)) for (const f of m.functions) checkReservations(m, f);
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
  checkHelperCalls(m);
  return {
    source: m.fileName,
    functions: m.functions,
    maps: m.maps,
    globals: m.globals,
    types: m.sourceTypes.types,
    license: m.license,
    ...(m.structOps.length > 0 ? { structOps: m.structOps } : {}),
    ...(m.usedKernelTypes ? { kernelTypes: m.usedKernelTypes.table } : {}),
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
    if (isStructOpsCall(init)) {
      if (!isConst) m.report("TSB3002", d, { name, problem: "declare struct_ops maps with const" });
      programs.push(...registerStructOps(m, d, name, init));
      return;
    }
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
    reportNotConstant(
      m,
      init ?? d,
      isConst ? `top-level const '${name}'` : `the initial value of global '${name}'`,
    );
    return;
  }
  if (isConst) {
    m.top.set(name, { k: "const", type: (type as ScalarType | null) ?? null, value });
    return;
  }
  const t = (type as ScalarType | null) ?? I64;
  addGlobal(m, d, name, t, value);
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
    if (kind.targets && !kind.targets.includes(target)) {
      m.report("TSB3040", t, {
        fn: kind.fn,
        target,
        targets: kind.targets.map((x) => `'${x}'`).join(", "),
      });
      return null;
    }
  }
  const body = args[kind.hasTarget ? 1 : 0];
  if (!body || !(Node.isArrowFunction(body) || Node.isFunctionExpression(body))) {
    m.report("TSB3003", body ?? call, {
      problem: "the program body must be an arrow function `(ctx) => { ... }`",
    });
    return null;
  }
  const opts = programOptions(m, kind, target, args[kind.hasTarget ? 2 : 1]);
  if (!opts) return null;
  return { name, kind, target, section: opts.section, body, decl: d, call };
}

function registerFunction(m: ModuleState, f: FunctionDeclaration): FuncInfo | null {
  const name = f.getName();
  if (!name || !f.hasBody()) return null;
  const invalid = (): null => {
    // Calls stay quiet: the signature's diagnostic is the one error (no false TSB1010 per call).
    m.top.set(name, {
      k: "func",
      func: { name, mode: "invalid", params: [], returns: { kind: "void" }, node: f },
    });
    return null;
  };
  const params: { name: string; kind: ParamKind }[] = [];
  let ok = true;
  for (const p of f.getParameters()) {
    const init = p.getInitializer();
    if (init) {
      // Not "1 arguments, h takes 2" at each call: the default itself is the unsupported part.
      m.report("TSB1001", init, {
        construct: "default parameter values",
        instead: "pass every argument at each call",
      });
      ok = false;
      continue;
    }
    const kind = classifyParam(m, p);
    if (kind) params.push({ name: p.getName(), kind });
    else ok = false;
  }
  if (!ok) return invalid();
  const mode = params.every((p) => p.kind.k === "scalar") ? "call" : "inline";
  if (mode === "call" && params.length > 5) {
    m.report("TSB3003", f.getNameNode() ?? f, {
      problem: "eBPF functions take at most 5 parameters",
    });
    return invalid();
  }
  const rn = f.getReturnTypeNode();
  const returns = rn ? m.resolveType(rn) : VOID;
  if (!returns) return invalid();
  if (
    !rn &&
    f
      .getBody()
      ?.getDescendantsOfKind(SyntaxKind.ReturnStatement)
      .some((r) => r.getExpression())
  ) {
    m.report("TSB2005", f.getNameNode() ?? f, { what: `the return type of '${name}'` });
    return invalid();
  }
  if (returns.kind !== "void" && !isScalar(returns)) {
    m.report("TSB2004", rn!, {
      type: rn!.getText(),
      expected:
        "functions return integers, bool or void (return a struct through a parameter: `out: T`)",
    });
    return invalid();
  }
  const info: FuncInfo = {
    name,
    mode,
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
    params: info.params.map((p) => irTypeOf(scalarParam(p.kind))),
    returns: info.returns.kind === "void" ? null : irTypeOf(info.returns),
    span: m.span(f),
    paramNames: info.params.map((p) => p.name),
  });
  const fs = new FuncState(m, info.name, b, info.returns, false);
  info.params.forEach((p, i) => {
    const id = fs.declareVar(p.name, scalarParam(p.kind), true);
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

/** The type of a BPF-to-BPF function's parameter (all are scalars: `mode` "call"). */
function scalarParam(kind: ParamKind): ScalarType {
  if (kind.k !== "scalar")
    throw new Error("internal: a called function with a non-scalar parameter");
  return kind.type;
}

function lowerProgram(m: ModuleState, p: PendingProgram): Func {
  // A struct_ops member whose prototype returns void: the kernel ignores r0 (VOID_RESULT_UNREAD).
  const progType = resolveSection(p.section)?.def.progType;
  const unread =
    progType !== undefined && VOID_RESULT_UNREAD.has(progType) && p.proto?.returns.kind === "void";
  const b = newFunc({
    name: p.name,
    section: p.section,
    params: ["ptr"],
    returns: unread ? null : "i64",
    span: m.span(p.decl),
    paramNames: ["ctx"],
  });
  m.programSections.set(p.name, p.section);
  const fs = new FuncState(m, p.name, b, unread ? { kind: "void" } : I64, true);
  fs.returnsInt = p.kind.returnsInt === true;
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
      section: p.kind.section(p.target),
      struct,
    });
  }
  const args = p.body.getParameters().slice(1);
  if (isUsdtKind(p.kind.fn)) bindUsdtArgs(fs, p.call, args, b.paramsOf(b.entry)[0]!);
  else bindKernelArgs(fs, p.kind, p.target, p.call, args, b.paramsOf(b.entry)[0]!, p.proto);
  lowerBody(fs, p.body.getBody());
  return finishFunc(fs, p.body);
}

/**
 * Lowers a function body: a block, or an arrow function's expression (its i64 return value, or
 * evaluated for its effects when the function returns void).
 */
export function lowerBody(fs: FuncState, body: Node): void {
  if (Node.isBlock(body)) lowerStatements(fs, body.getStatements());
  else if (fs.returns.kind === "void") {
    lowerExpr(fs, body);
    fs.emit({ op: "ret", value: null }, null, body);
    fs.cur = null;
  } else {
    if (fs.isProgram) checkReturnRange(fs, body);
    const r = fs.rvalue(lowerExpr(fs, body, I64), body);
    const reg = r.k === "error" ? null : fs.toReg(r, body);
    if (reg) fs.emit({ op: "ret", value: fs.programResult(reg.v, reg.type, body) }, null, body);
    fs.cur = null;
  }
}

/** Closes the function (an implicit `return` at the end), completes SSA and checks the frame size. */
export function finishFunc(fs: FuncState, at: Node): Func {
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
