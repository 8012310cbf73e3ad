/**
 * Call lowering, the dispatcher: a call is a conversion (`u32(x)`), a stdlib builtin (nullary helpers,
 * probe reads, `getCurrentComm`, and the intrinsics of lower-intrinsic.ts), a map method
 * (lower-map-call.ts), a context method (lower-ctx-call.ts), or a call of a top-level function
 * (`call`). Shared argument handling lives in call-support.ts.
 *
 * Consumes a call expression node; produces an `Operand` (or ERROR after reporting a diagnostic).
 */
import { Node } from "ts-morph";
import type { CallExpression } from "ts-morph";
import type { ValueId } from "../ir/index.ts";
import { helperRecordByFn } from "../../core/kernel/index.ts";
import type { HelperRecord } from "../../core/kernel/index.ts";
import { arity, badArg, callHelper, placeArg } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { callCtxMethod, lowerDataLocAddress } from "./lower-ctx-call.ts";
import { lowerExpr } from "./lower-expr.ts";
import { type BuiltinLowering, lowerHelperCall } from "./lower-helper-call.ts";
import { lowerAtomicAdd, lowerByteSwap, lowerLog2, lowerPrintk } from "./lower-intrinsic.ts";
import { lowerSeqPrintf, lowerSeqWrite } from "./lower-seq.ts";
import { lowerUsdtArg } from "./lower-usdt.ts";
import { callMapMethod } from "./lower-map-call.ts";
import { lowerKernelBuiltin } from "./lower-kernel.ts";
import { inlineCall, recordCall } from "./inline-call.ts";
import type { FuncInfo, ScalarType } from "./module-state.ts";
import type { TsbType } from "./types.ts";
import { I64, INT_TYPES, U64, irTypeOf, sizeOf } from "./types.ts";

/** Lowers a call expression. */
export function lowerCall(fs: FuncState, node: CallExpression, expected?: TsbType): Operand {
  const callee = node.getExpression();
  const args = node.getArguments();
  if (Node.isIdentifier(callee)) {
    const name = callee.getText();
    const local = fs.lookup(name);
    const top = fs.m.top.get(name);
    if (!local && top?.k === "func") return callFunction(fs, node, top.func);
    if (!local && top?.k === "invalid") return ERROR; // reported at its declaration
    if (!local && !top) return callBuiltin(fs, node, name, args, expected);
  }
  if (Node.isPropertyAccessExpression(callee)) {
    const obj = lowerExpr(fs, callee.getExpression());
    if (obj.k === "error") return obj;
    const method = callee.getName();
    if (obj.k === "map") return callMapMethod(fs, node, obj, method, args);
    if (obj.k === "ctx") return callCtxMethod(fs, node, obj, method, args);
  }
  fs.m.report("TSB1010", callee, { name: callee.getText() });
  return ERROR;
}

function callBuiltin(
  fs: FuncState,
  node: CallExpression,
  name: string,
  args: Node[],
  expected?: TsbType,
): Operand {
  const conv = INT_TYPES.get(name);
  if (conv) {
    if (args.length !== 1) return arity(fs, node, name, 1);
    const x = fs.rvalue(lowerExpr(fs, args[0]!, expected), args[0]!);
    if (x.k === "error") return x;
    if (x.k === "const") return { k: "const", type: conv, value: fs.wrap(x.value, conv) };
    const r = fs.toReg(x, args[0]!);
    if (!r) return badArg(fs, args[0]!, x, "an integer or bool");
    return { k: "val", type: conv, v: fs.convert(r.v, r.type, conv, node) };
  }
  const kernel = lowerKernelBuiltin(fs, node, name, args);
  if (kernel) return kernel;
  switch (name) {
    case "dataLocAddress":
      return lowerDataLocAddress(fs, node, args);
    case "log2":
      return lowerLog2(fs, node, args);
    case "atomicAdd":
    case "fetchAdd":
      return lowerAtomicAdd(fs, node, args, name === "fetchAdd");
    case "printk":
      return lowerPrintk(fs, node, args);
    case "usdtArg":
    case "usdtArgCount":
      return lowerUsdtArg(fs, node, args, name === "usdtArgCount");
    case "htons":
    case "ntohs":
    case "htonl":
    case "ntohl":
      return lowerByteSwap(fs, node, args, name.endsWith("s") ? 16 : 32);
  }
  const rec = helperRecordByFn(name);
  if (rec) return lowerHelperCall(fs, node, rec, args, BUILTIN_LOWERINGS);
  fs.m.report("TSB1010", node.getExpression(), { name });
  return ERROR;
}

/**
 * `probeRead*(dst, src)`: the size is `dst`'s; the `_str` variants need a CharArray<N> buffer
 * (a string needs a byte array to land in).
 */
function lowerProbeRead(
  fs: FuncState,
  node: CallExpression,
  args: Node[],
  rec: HelperRecord,
  stringOnly: boolean,
): Operand {
  if (args.length !== 2) return arity(fs, node, rec.fn, 2);
  const dst = placeArg(fs, args[0]!, rec.fn);
  const src = fs.coerce(lowerExpr(fs, args[1]!, U64), U64, args[1]!);
  if (!dst || src === null) return ERROR;
  if (stringOnly && dst.type.kind !== "array")
    return badArg(
      fs,
      args[0]!,
      { k: "place", ...dst, writable: true, what: "" },
      "a CharArray<N> buffer",
    );
  const size = fs.iconst("i32", BigInt(sizeOf(dst.type)), node);
  return { k: "val", type: I64, v: callHelper(fs, rec.name, [dst.addr, size, src], node) };
}

/** The dedicated lowerings helper-overrides.ts names (`lowering: { kind: "builtin" }`). */
const BUILTIN_LOWERINGS: ReadonlyMap<string, BuiltinLowering> = new Map<string, BuiltinLowering>([
  ["printk", (fs, node, args) => lowerPrintk(fs, node, args)],
  ["probeRead", (fs, node, args, rec) => lowerProbeRead(fs, node, args, rec, false)],
  ["probeReadStr", (fs, node, args, rec) => lowerProbeRead(fs, node, args, rec, true)],
  ["seqPrintf", (fs, node, args) => lowerSeqPrintf(fs, node, args)],
  ["seqWrite", (fs, node, args) => lowerSeqWrite(fs, node, args)],
]);

function callFunction(fs: FuncState, node: CallExpression, f: FuncInfo): Operand {
  if (f.mode === "invalid") return ERROR; // its signature was reported
  if (f.mode === "inline") return inlineCall(fs, node, f);
  const args = node.getArguments();
  if (args.length !== f.params.length) return arity(fs, node, f.name, f.params.length);
  recordCall(fs, f.name);
  const vals: ValueId[] = [];
  for (let i = 0; i < args.length; i++) {
    const p = f.params[i]!.kind as { k: "scalar"; type: ScalarType };
    const v = fs.coerce(lowerExpr(fs, args[i]!, p.type), p.type, args[i]!);
    if (v === null) return ERROR;
    vals.push(v);
  }
  const ret = f.returns.kind === "void" ? null : irTypeOf(f.returns);
  const r = fs.emit({ op: "call", callee: f.name, args: vals }, ret, node);
  return f.returns.kind === "void" || r === null
    ? { k: "void" }
    : { k: "val", type: f.returns, v: r };
}
