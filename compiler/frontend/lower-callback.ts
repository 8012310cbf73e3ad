/**
 * Calls of helpers that take a callback (bpf_loop, bpf_for_each_map_elem, bpf_find_vma,
 * bpf_user_ringbuf_drain, bpf_timer_set_callback): the TS function argument — an arrow function,
 * a function expression, or the name of a top-level function — becomes a BPF callback subprogram
 * (a static function in .text, as clang emits `static long cb(...)`), and the helper receives its
 * address (IR `funcaddr`: lddw with BPF_PSEUDO_FUNC).
 *
 * Consumes the call node, the helper's record and its callback facts (helper-overrides.ts
 * `callback`: what the kernel passes each callback parameter); produces the `callhelper` result.
 * Callback parameters without a type annotation take the type the helper gives them: the walked
 * map's key and value as `Ref`s, `callback_ctx`'s type as a `Ref`, u64 for indices and kernel
 * pointers. A callback cannot see its caller's locals (it is another BPF function): they travel in
 * `callback_ctx`, a struct variable the callback reads and writes through its `ctx` Ref.
 *
 * Subprogram names are `<caller>__cb<n>` for inline functions and `<function>__cb` (per walked map)
 * for named ones, numbered in source order, so a compilation is deterministic.
 */
import { Node, SyntaxKind } from "ts-morph";
import type {
  ArrowFunction,
  CallExpression,
  FunctionDeclaration,
  FunctionExpression,
  ParameterDeclaration,
} from "ts-morph";
import { HELPER_OVERRIDES } from "../../core/kernel/index.ts";
import type { CallbackArg, HelperRecord } from "../../core/kernel/index.ts";
import { newFunc } from "../ir/builder.ts";
import type { IrType, ValueId } from "../ir/index.ts";
import { arity, badArg, callHelper, mapHandle } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState, describe } from "./func-state.ts";
import { classifyParam, recordCall } from "./inline-call.ts";
import { lowerExpr } from "./lower-expr.ts";
import { intTypeOf } from "./lower-helper-call.ts";
import { finishFunc, lowerBody } from "./lower-module.ts";
import type { MapInfo, ScalarType } from "./module-state.ts";
import type { TsbType } from "./types.ts";
import { I64, U64, irTypeOf, typeName } from "./types.ts";

type CallbackNode = ArrowFunction | FunctionExpression | FunctionDeclaration;

/** What the callback's parameters are bound to, known from the helper's other arguments. */
interface CallbackEnv {
  readonly map: MapInfo | undefined;
  /**
   * The map is a value (the inner map a map of maps' lookup returned), not a declared map: the
   * callback reaches it through the map pointer the kernel passes it.
   */
  readonly mapIsValue?: boolean;
  /** `callback_ctx`'s type, or null when the call passes null. */
  readonly ctx: TsbType | null;
}

/** True when helper `rec` takes a TS function (it has callback facts). */
export function takesCallback(rec: HelperRecord): boolean {
  return HELPER_OVERRIDES[rec.name]?.callback !== undefined;
}

/** Lowers a call of a callback-taking helper (see the file header). */
export function lowerCallbackHelperCall(
  fs: FuncState,
  node: CallExpression,
  rec: HelperRecord,
  args: Node[],
): Operand {
  const facts = HELPER_OVERRIDES[rec.name]!.callback!;
  const params = rec.params;
  const last = params[params.length - 1]!;
  // A trailing `flags` the kernel requires to be 0 may be left out.
  const optionalFlags = last.kind === "int" && last.name === "flags";
  if (args.length !== params.length && !(optionalFlags && args.length === params.length - 1))
    return arity(fs, node, rec.fn, params.length);
  const fnAt = params.findIndex((p) => p.kind === "callback" && p.name === "callback_fn");
  const vals: (ValueId | null)[] = [];
  let map: MapInfo | undefined;
  let mapIsValue = false;
  let ctx: TsbType | null = null;
  // Every argument but the callback first: the callback's parameter types depend on them.
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const arg = args[i];
    if (i === fnAt) {
      vals.push(null);
      continue;
    }
    if (arg === undefined) {
      vals.push(fs.iconst("i64", 0n, node));
      continue;
    }
    switch (p.kind) {
      case "int": {
        const t = intTypeOf(p.ctype);
        const v = fs.coerce(lowerExpr(fs, arg, t), t, arg);
        if (v === null) return ERROR;
        vals.push(v);
        break;
      }
      case "map": {
        const o = lowerExpr(fs, arg);
        if (o.k === "error") return ERROR;
        if (o.k !== "map") return badArg(fs, arg, o, `a map for '${p.name}'`);
        map = o.map;
        mapIsValue = o.ptr !== undefined;
        vals.push(mapHandle(fs, o, arg));
        break;
      }
      case "callback": {
        const c = callbackContext(fs, arg);
        if (c === null) return ERROR;
        ctx = c.type;
        vals.push(c.ptr);
        break;
      }
      default: {
        const v = pointerArg(fs, arg, p.name);
        if (v === null) return ERROR;
        vals.push(v);
      }
    }
  }
  const fnArg = args[fnAt]!;
  const callee = callbackSubprogram(fs, fnArg, rec, facts, { map, mapIsValue, ctx });
  if (callee === null) return ERROR;
  vals[fnAt] = fs.val({ op: "funcaddr", callee }, "ptr", fnArg);
  const r = callHelper(fs, rec.name, vals as ValueId[], node);
  return { k: "val", type: I64, v: r };
}

/** `callback_ctx`: null, a struct/array variable (passed by address) or a Ref. */
function callbackContext(fs: FuncState, arg: Node): { ptr: ValueId; type: TsbType | null } | null {
  const o = lowerExpr(fs, arg);
  if (o.k === "error") return null;
  if (o.k === "null") return { ptr: fs.iconst("i64", 0n, arg), type: null };
  if (o.k === "ref") return { ptr: o.ptr, type: o.target };
  if (o.k === "place" && o.type.kind !== "int" && o.type.kind !== "bool") {
    if (!o.writable) {
      fs.m.report("TSB3008", arg, { what: o.what, why: "the callback may write it" });
      return null;
    }
    return { ptr: fs.addr(o.base, o.offset, arg), type: o.type };
  }
  fs.m.report("TSB2004", arg, {
    type: describe(o),
    expected:
      "expected the callback's context: a struct variable (the callback gets a Ref to it), a Ref, or null",
  });
  return null;
}

/** A pointer argument of a callback helper (a struct place, a Ref, or an address). */
function pointerArg(fs: FuncState, arg: Node, name: string): ValueId | null {
  const o = lowerExpr(fs, arg, U64);
  if (o.k === "error") return null;
  if (o.k === "place" && o.type.kind !== "int" && o.type.kind !== "bool")
    return fs.addr(o.base, o.offset, arg);
  if (o.k === "ref") return o.ptr;
  const v = fs.coerce(o, U64, arg);
  if (v === null) {
    badArg(fs, arg, o, `a pointer for '${name}'`);
    return null;
  }
  return v;
}

/** The callback's function node: inline, or a top-level function named by `arg`. */
function callbackNode(fs: FuncState, arg: Node): CallbackNode | null {
  if (Node.isArrowFunction(arg) || Node.isFunctionExpression(arg)) return arg;
  if (Node.isIdentifier(arg) && !fs.lookup(arg.getText())) {
    const top = fs.m.top.get(arg.getText());
    if (top?.k === "func" && Node.isFunctionDeclaration(top.func.node)) return top.func.node;
  }
  fs.m.report("TSB2004", arg, {
    type: arg.getText(),
    expected: "expected a function: `(i, ctx) => { ... }` or the name of a top-level function",
  });
  return null;
}

/** Names inside `cb` that are locals of the function lowering it (a callback cannot see them). */
function capturedLocal(fs: FuncState, cb: CallbackNode): Node | undefined {
  if (Node.isFunctionDeclaration(cb)) return undefined;
  for (const id of cb.getDescendantsOfKind(SyntaxKind.Identifier)) {
    if (!fs.lookup(id.getText())) continue;
    const decl = id.getSymbol()?.getDeclarations()[0];
    // Declared outside the callback (a local of the caller), not one of its own names.
    if (decl && !(decl.getPos() >= cb.getPos() && decl.getEnd() <= cb.getEnd())) return id;
  }
  return undefined;
}

/** Lowers the callback to a subprogram (once per function and map); returns its name. */
function callbackSubprogram(
  fs: FuncState,
  arg: Node,
  rec: HelperRecord,
  facts: readonly CallbackArg[],
  env: CallbackEnv,
): string | null {
  const cb = callbackNode(fs, arg);
  if (cb === null) return null;
  const m = fs.m;
  // A captured local was reported by check-subset.ts (TSB1004): nothing more to say here.
  if (capturedLocal(fs, cb)) return null;
  const params = cb.getParameters();
  if (params.length > facts.length) {
    m.report("TSB2004", params[facts.length]!, {
      type: `${params.length} parameters`,
      expected: `bpf_${rec.name} passes its callback ${facts.length}`,
    });
    return null;
  }
  const key = Node.isFunctionDeclaration(cb)
    ? `${cb.getName()}|${env.map?.name ?? ""}|${env.ctx ? typeName(env.ctx) : ""}`
    : undefined;
  const known = key === undefined ? undefined : m.callbackNames.get(key);
  if (known !== undefined) {
    recordCall(fs, known);
    return known;
  }
  const name = Node.isFunctionDeclaration(cb)
    ? uniqueName(fs, `${cb.getName()}__cb`)
    : uniqueName(fs, `${fs.inline?.name ?? fs.name}__cb`);
  if (key !== undefined) m.callbackNames.set(key, name);
  const bindings: Binding[] = [];
  for (let i = 0; i < params.length; i++) {
    const b = bindParam(fs, params[i]!, facts[i]!, env, rec);
    if (b === null) return null;
    bindings.push(b);
  }
  const b = newFunc({
    name,
    section: null,
    params: facts.map((f, i) => bindings[i]?.ir ?? (f === "index" ? "i64" : "ptr")),
    returns: "i64",
    span: m.span(cb),
    paramNames: facts.map((f, i) => params[i]?.getName() ?? `arg${i}`),
  });
  const inner = new FuncState(m, name, b, I64, false);
  bindings.forEach((bd, i) => {
    const v = b.paramsOf(b.entry)[i]!;
    const pname = params[i]!.getName();
    if (bd.k === "scalar") {
      const id = inner.declareVar(pname, bd.type, true);
      inner.writeVar(id, v);
    } else if (bd.k === "map")
      inner.bindOperand(pname, { k: "map", map: bd.map, ...(env.mapIsValue ? { ptr: v } : {}) });
    else inner.bindOperand(pname, { k: "ref", target: bd.target, ptr: v });
  });
  lowerBody(inner, cb.getBody()!);
  m.functions.push(finishFunc(inner, cb));
  recordCall(fs, name);
  return name;
}

/** A callback parameter's binding: a scalar variable, the walked map, or a Ref. */
type Binding = (
  | { readonly k: "scalar"; readonly type: ScalarType }
  | { readonly k: "map"; readonly map: MapInfo }
  | { readonly k: "ref"; readonly target: TsbType }
) & { readonly ir: IrType };

function bindParam(
  fs: FuncState,
  p: ParameterDeclaration,
  fact: CallbackArg,
  env: CallbackEnv,
  rec: HelperRecord,
): Binding | null {
  const m = fs.m;
  const expected: TsbType | null | undefined =
    fact === "key"
      ? env.map?.key
      : fact === "value"
        ? env.map?.value
        : fact === "ctx"
          ? env.ctx
          : undefined;
  if (p.getTypeNode()) {
    const kind = classifyParam(m, p);
    if (kind === null) return null;
    if (kind.k === "scalar") return { k: "scalar", type: kind.type, ir: irTypeOf(kind.type) };
    if (kind.k === "ref") {
      if (expected && typeName(expected) !== typeName(kind.target)) {
        m.report("TSB2004", p.getTypeNode()!, {
          type: `Ref<${typeName(kind.target)}>`,
          expected: `expected Ref<${typeName(expected)}>: bpf_${rec.name} passes its callback that`,
        });
        return null;
      }
      return { k: "ref", target: kind.target, ir: "ptr" };
    }
    if (kind.k === "map" && fact === "map" && env.map) return { k: "map", map: env.map, ir: "ptr" };
    m.report("TSB2004", p.getTypeNode()!, {
      type: p.getTypeNode()!.getText(),
      expected: `expected ${describeFact(fact)} for this parameter of bpf_${rec.name}'s callback`,
    });
    return null;
  }
  if (fact === "index" || typeof fact === "object") return { k: "scalar", type: U64, ir: "i64" };
  if (fact === "map")
    return env.map ? { k: "map", map: env.map, ir: "ptr" } : { k: "scalar", type: U64, ir: "i64" };
  if (expected) return { k: "ref", target: expected, ir: "ptr" };
  m.report("TSB2005", p, {
    what: `callback parameter '${p.getName()}' (annotate it: ${p.getName()}: ${describeFact(fact)})`,
  });
  return null;
}

function describeFact(fact: CallbackArg): string {
  if (typeof fact === "object") return `KernelPtr<"${fact.kptr}">`;
  return { index: "u64", map: "the map", key: "Ref<K>", value: "Ref<V>", ctx: "Ref<C>" }[fact];
}

/** `base`, or `base1`, `base2`, ... when a function of the module already has the name. */
function uniqueName(fs: FuncState, base: string): string {
  const taken = (n: string) => fs.m.top.has(n) || fs.m.functions.some((f) => f.name === n);
  if (!taken(base)) return base;
  for (let i = 1; ; i++) if (!taken(`${base}${i}`)) return `${base}${i}`;
}
