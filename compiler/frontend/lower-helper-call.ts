/**
 * Calls of the kernel helpers declared in stdlib/helpers.d.ts, lowered from their records
 * (core/kernel helper-records.ts): each TS argument is passed as its parameter kind says — a map as
 * its `mapref`, a key or value by address (spilled to the stack when a scalar), a buffer by address
 * with the compiler supplying its byte size, a context as the program's `ctx` pointer, a struct the
 * program owns by address, any other pointer as a place's address, a `Ref`'s pointer or an integer.
 *
 * Consumes the call node and the record; produces the `callhelper` result typed by the C return type
 * (a pointer result is a u64 the program may pass on). Overrides (helper-overrides.ts) route a
 * helper to a map method or to a dedicated lowering. Helpers taking callbacks (bpf_loop, ...) are
 * lowered by lower-callback.ts; one without callback facts would be refused (TSB3016). Records each call for the module's GPL and program-type
 * checks (helper-checks.ts).
 */
import { Node } from "ts-morph";
import type { CallExpression } from "ts-morph";
import { HELPER_OVERRIDES } from "../../core/kernel/index.ts";
import type { HelperParam, HelperRecord } from "../../core/kernel/index.ts";
import type { ValueId } from "../ir/index.ts";
import { arity, badArg, callHelper, mapHandle, pointerTo } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState, describe } from "./func-state.ts";
import { lowerCallbackHelperCall, takesCallback } from "./lower-callback.ts";
import { lowerExpr } from "./lower-expr.ts";
import { callMapMethod } from "./lower-map-call.ts";
import type { MapInfo, ScalarType } from "./module-state.ts";
import type { IntType, TsbType } from "./types.ts";
import { INT_TYPES, I64, U16, U32, U64, U8, irTypeOf, sizeOf } from "./types.ts";

const I32 = INT_TYPES.get("i32")!;

/** A dedicated lowering named by an override's `builtin`. */
export type BuiltinLowering = (
  fs: FuncState,
  node: CallExpression,
  args: Node[],
  rec: HelperRecord,
) => Operand;

/** The integer type of a C integer type (`__u32` → u32). */
export function intTypeOf(ctype: string): IntType {
  const t = ctype.replace(/^const /, "");
  if (/^(?:__u8)$/.test(t)) return U8;
  if (/^(?:__u16|__be16)$/.test(t)) return U16;
  if (/^(?:__u32|__be32|__wsum|unsigned int|enum \w+)$/.test(t)) return U32;
  if (/^(?:__s32|int)$/.test(t)) return I32;
  if (/^(?:__s64|long|long long)$/.test(t)) return I64;
  return U64;
}

/** The TS-visible parameters (a buffer's size is supplied, not written). */
function visibleParams(rec: HelperRecord): HelperParam[] {
  return rec.params.filter((p) => p.kind !== "size");
}

/** Lowers a call of helper `rec`. */
export function lowerHelperCall(
  fs: FuncState,
  node: CallExpression,
  rec: HelperRecord,
  args: Node[],
  builtins: ReadonlyMap<string, BuiltinLowering>,
): Operand {
  const override = HELPER_OVERRIDES[rec.name]?.lowering;
  if (override?.kind === "builtin") return builtins.get(override.builtin)!(fs, node, args, rec);
  if (override?.kind === "method") {
    if (args.length === 0) return arity(fs, node, rec.fn, 1);
    const obj = lowerExpr(fs, args[0]!);
    if (obj.k === "error") return obj;
    if (obj.k !== "map") return badArg(fs, args[0]!, obj, "a map");
    return callMapMethod(fs, node, obj, override.method, args.slice(1));
  }
  if (takesCallback(rec)) return lowerCallbackHelperCall(fs, node, rec, args);
  const callback = rec.params.find((p) => p.kind === "callback");
  if (callback) {
    fs.m.report("TSB3016", node.getExpression(), {
      helper: `bpf_${rec.name}`,
      param: callback.name,
    });
    return ERROR;
  }
  const visible = visibleParams(rec);
  const varargs = visible.some((p) => p.kind === "varargs");
  const fixed = visible.filter((p) => p.kind !== "varargs").length;
  if (varargs ? args.length < fixed : args.length !== fixed) return arity(fs, node, rec.fn, fixed);
  const vals: ValueId[] = [];
  let map: MapInfo | undefined;
  let lastBuffer: TsbType | null = null;
  let a = 0;
  for (const p of rec.params) {
    if (p.kind === "size") {
      const t = intTypeOf(p.ctype);
      vals.push(fs.iconst(irTypeOf(t), BigInt(lastBuffer ? sizeOf(lastBuffer) : 0), node));
      continue;
    }
    if (p.kind === "varargs") {
      for (; a < args.length; a++) {
        const v = fs.coerce(lowerExpr(fs, args[a]!, U64), U64, args[a]!);
        if (v === null) return ERROR;
        vals.push(v);
      }
      continue;
    }
    const arg = args[a++]!;
    const v = lowerArg(fs, rec, p, arg, map, (t) => (lastBuffer = t));
    if (v === null) return ERROR;
    if (typeof v !== "number") {
      map = v.map;
      vals.push(v.v);
    } else vals.push(v);
  }
  const r = callHelper(fs, rec.name, vals, node);
  if (rec.ret === "void") return { k: "void" };
  const t: ScalarType = rec.ret.endsWith("*") ? U64 : intTypeOf(rec.ret);
  return {
    k: "val",
    type: t,
    v: irTypeOf(t) === "i64" ? r : fs.val({ op: "trunc", type: "i32", arg: r }, "i32", node),
  };
}

/** One argument's value; a map argument also returns the map (its key and value types). */
function lowerArg(
  fs: FuncState,
  rec: HelperRecord,
  p: HelperParam,
  arg: Node,
  map: MapInfo | undefined,
  setBuffer: (t: TsbType) => void,
): ValueId | { v: ValueId; map: MapInfo } | null {
  switch (p.kind) {
    case "int": {
      const t = intTypeOf(p.ctype);
      return fs.coerce(lowerExpr(fs, arg, t), t, arg);
    }
    case "map": {
      const o = lowerExpr(fs, arg);
      if (o.k === "error") return null;
      if (o.k !== "map") return fail(fs, arg, o, `a map for '${p.name}'`);
      return { v: mapHandle(fs, o, arg), map: o.map };
    }
    case "key":
    case "value": {
      const t = p.kind === "key" ? map?.key : map?.value;
      if (t) return pointerTo(fs, arg, t, p.name);
      return addressOf(fs, arg, p);
    }
    case "ctx": {
      const o = lowerExpr(fs, arg);
      if (o.k === "error") return null;
      if (o.k !== "ctx") return fail(fs, arg, o, `the program's ctx for '${p.name}'`);
      return o.ptr;
    }
    case "buf": {
      if ((Node.isStringLiteral(arg) || Node.isNoSubstitutionTemplateLiteral(arg)) && p.readOnly) {
        const { name, size } = fs.m.addFormatString(arg.getLiteralValue(), arg);
        setBuffer({ kind: "array", element: U8, length: size });
        return fs.val({ op: "globaladdr", global: name, offset: 0 }, "ptr", arg);
      }
      const o = lowerExpr(fs, arg);
      if (o.k === "error") return null;
      if (o.k === "place") {
        if (!p.readOnly && !o.writable) {
          fs.m.report("TSB3008", arg, { what: o.what, why: "it is read-only" });
          return null;
        }
        setBuffer(o.type);
        return fs.addr(o.base, o.offset, arg);
      }
      if (o.k === "ref") {
        setBuffer(o.target);
        return o.ptr;
      }
      return fail(fs, arg, o, `memory (a variable, struct, array or Ref) for '${p.name}'`);
    }
    default:
      return addressOf(fs, arg, p);
  }
}

/** A pointer argument: a place's address, a Ref's pointer, or an integer address. */
function addressOf(fs: FuncState, arg: Node, p: HelperParam): ValueId | null {
  if ((Node.isStringLiteral(arg) || Node.isNoSubstitutionTemplateLiteral(arg)) && p.readOnly) {
    const { name } = fs.m.addFormatString(arg.getLiteralValue(), arg);
    return fs.val({ op: "globaladdr", global: name, offset: 0 }, "ptr", arg);
  }
  const o = lowerExpr(fs, arg, U64);
  if (o.k === "error") return null;
  if (o.k === "place" && o.type.kind !== "int" && o.type.kind !== "bool")
    return fs.addr(o.base, o.offset, arg);
  if (o.k === "ref") return o.ptr;
  if (o.k === "null") return fs.iconst("i64", 0n, arg);
  // A kernel pointer to the struct itself (a callback's `KernelPtr<"bpf_dynptr">`) is its address.
  if (p.kind === "struct" && o.k === "kptr" && o.name === p.struct) return o.v;
  if (p.kind === "struct" && kernelPtrStruct(arg) !== p.struct)
    return fail(fs, arg, o, `a struct place for '${p.name}'`);
  return fs.coerce(o, U64, arg);
}

/** The struct a `KernelPtr<"name">` argument points to, by its TypeScript type, or undefined. */
function kernelPtrStruct(arg: Node): string | undefined {
  const t = arg.getType().getProperty("__kernelStruct")?.getTypeAtLocation(arg);
  const lit = t?.getNonNullableType();
  return lit?.isStringLiteral() ? String(lit.getLiteralValue()) : undefined;
}

function fail(fs: FuncState, at: Node, o: Operand, expected: string): null {
  fs.m.report("TSB2004", at, { type: describe(o), expected: `expected ${expected}` });
  return null;
}
