/**
 * Call lowering: conversion functions (`u32(x)`), kernel helpers (`callhelper`), map and ring buffer
 * methods, atomics, printk, context methods (`ctx.arg(i)`, `ctx.header<T>(off)`), byte-order
 * functions, and calls of top-level functions (`call`).
 *
 * Helper pointer arguments need memory: a scalar key or value is spilled to a fresh stack slot; a
 * struct place is passed by address. Map handles are `mapref`, printk formats `.rodata` globals.
 */
import { Node } from "ts-morph";
import type { CallExpression } from "ts-morph";
import type { ValueId } from "../ir/index.ts";
import { BPF_F_CURRENT_CPU, HELPERS, NULLARY_HELPERS, PROBE_READS } from "./builtins.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState, describe } from "./func-state.ts";
import { initPlace } from "./lower-assign.ts";
import { lowerExpr } from "./lower-expr.ts";
import type { ScalarType } from "./module-state.ts";
import type { TsbType } from "./types.ts";
import {
  DATA_LOC,
  I64,
  INT_TYPES,
  U16,
  U32,
  U64,
  irTypeOf,
  isScalar,
  sizeOf,
  typeName,
} from "./types.ts";

type Helper = keyof typeof HELPERS;

function callHelper(
  fs: FuncState,
  helper: Helper,
  args: ValueId[],
  at: Node,
  result: "i64" | "ptr" = "i64",
): ValueId {
  return fs.val({ op: "callhelper", helper: HELPERS[helper], name: helper, args }, result, at);
}

/** Lowers a call expression. */
export function lowerCall(fs: FuncState, node: CallExpression, expected?: TsbType): Operand {
  const callee = node.getExpression();
  const args = node.getArguments();
  if (Node.isIdentifier(callee)) {
    const name = callee.getText();
    const local = fs.lookup(name);
    const top = fs.m.top.get(name);
    if (!local && top?.k === "func") return callFunction(fs, node, top.func);
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
  const nullary = NULLARY_HELPERS.get(name);
  if (nullary) {
    if (args.length !== 0) return arity(fs, node, name, 0);
    const v = callHelper(fs, nullary.helper, [], node);
    const t = nullary.result as ScalarType;
    return {
      k: "val",
      type: t,
      v: irTypeOf(t) === "i64" ? v : fs.val({ op: "trunc", type: "i32", arg: v }, "i32", node),
    };
  }
  const probe = PROBE_READS.get(name);
  if (probe) {
    if (args.length !== 2) return arity(fs, node, name, 2);
    const dst = placeArg(fs, args[0]!, name);
    const src = fs.coerce(lowerExpr(fs, args[1]!, U64), U64, args[1]!);
    if (!dst || src === null) return ERROR;
    if (probe.stringOnly && dst.type.kind !== "array")
      return badArg(
        fs,
        args[0]!,
        { k: "place", ...dst, writable: true, what: "" },
        "a CharArray<N> buffer",
      );
    const size = fs.iconst("i32", BigInt(sizeOf(dst.type)), node);
    return { k: "val", type: I64, v: callHelper(fs, probe.helper, [dst.addr, size, src], node) };
  }
  switch (name) {
    case "getCurrentComm": {
      if (args.length !== 1) return arity(fs, node, name, 1);
      const dst = placeArg(fs, args[0]!, name);
      if (!dst) return ERROR;
      const size = fs.iconst("i32", BigInt(sizeOf(dst.type)), node);
      return { k: "val", type: I64, v: callHelper(fs, "get_current_comm", [dst.addr, size], node) };
    }
    case "dataLocAddress":
      return lowerDataLocAddress(fs, node, args);
    case "atomicAdd":
    case "fetchAdd":
      return lowerAtomicAdd(fs, node, args, name === "fetchAdd");
    case "printk":
      return lowerPrintk(fs, node, args);
    case "htons":
    case "ntohs":
    case "htonl":
    case "ntohl":
      return lowerByteSwap(fs, node, args, name.endsWith("s") ? 16 : 32);
  }
  fs.m.report("TSB1010", node.getExpression(), { name });
  return ERROR;
}

function arity(fs: FuncState, node: CallExpression, name: string, n: number): Operand {
  fs.m.report("TSB2004", node, {
    type: `${node.getArguments().length} arguments`,
    expected: `${name} takes ${n}`,
  });
  return ERROR;
}

function badArg(fs: FuncState, at: Node, op: Operand, expected: string): Operand {
  fs.m.report("TSB2004", at, { type: describe(op), expected: `expected ${expected}` });
  return ERROR;
}

/** An argument that must denote writable memory; returns its address and type. */
function placeArg(
  fs: FuncState,
  node: Node,
  what: string,
): { addr: ValueId; type: TsbType; base: ValueId; offset: number } | null {
  const p = lowerExpr(fs, node);
  if (p.k === "error") return null;
  if (p.k !== "place") {
    fs.m.report("TSB3006", node, { what: `${what}'s argument` });
    return null;
  }
  if (!p.writable) {
    fs.m.report("TSB3008", node, { what: p.what, why: "it is read-only" });
    return null;
  }
  return { addr: fs.addr(p.base, p.offset, node), type: p.type, base: p.base, offset: p.offset };
}

/** A pointer to `value` for a helper: struct places by address, scalars spilled to the stack. */
function pointerTo(fs: FuncState, node: Node, type: TsbType, what: string): ValueId | null {
  if (isScalar(type)) {
    const v = fs.coerce(lowerExpr(fs, node, type), type, node);
    if (v === null) return null;
    const slot = fs.stackSlot(type, what, node);
    fs.storeScalar({ base: slot, offset: 0 }, type, v, node);
    return slot;
  }
  if (Node.isObjectLiteralExpression(node)) {
    const slot = fs.stackSlot(type, what, node);
    initPlace(
      fs,
      { k: "place", type, base: slot, offset: 0, writable: true, what: "a temporary" },
      node,
    );
    return slot;
  }
  const p = lowerExpr(fs, node, type);
  if (p.k === "error") return null;
  if (p.k !== "place" || typeName(p.type) !== typeName(type)) {
    fs.m.report("TSB2004", node, { type: describe(p), expected: `expected ${typeName(type)}` });
    return null;
  }
  return fs.addr(p.base, p.offset, node);
}

function callMapMethod(
  fs: FuncState,
  node: CallExpression,
  obj: Operand & { k: "map" },
  method: string,
  args: Node[],
): Operand {
  const map = obj.map;
  const mapref = (): ValueId => fs.val({ op: "mapref", map: map.name }, "ptr", node, map.name);
  const flagsArg = (i: number, dflt: bigint): ValueId | null =>
    args[i] ? fs.coerce(lowerExpr(fs, args[i]!, U64), U64, args[i]!) : fs.iconst("i64", dflt, node);
  const shape = map.kind.shape;
  if ((shape === "kv" || shape === "v") && map.key && map.value) {
    if (method === "lookup" && args.length === 1) {
      const key = pointerTo(fs, args[0]!, map.key, "key");
      if (key === null) return ERROR;
      return {
        k: "ref",
        target: map.value,
        ptr: callHelper(fs, "map_lookup_elem", [mapref(), key], node, "ptr"),
      };
    }
    if (method === "update" && (args.length === 2 || args.length === 3)) {
      const key = pointerTo(fs, args[0]!, map.key, "key");
      const value = pointerTo(fs, args[1]!, map.value, "value");
      const flags = flagsArg(2, 0n);
      if (key === null || value === null || flags === null) return ERROR;
      return {
        k: "val",
        type: I64,
        v: callHelper(fs, "map_update_elem", [mapref(), key, value, flags], node),
      };
    }
    if (method === "delete" && args.length === 1) {
      const key = pointerTo(fs, args[0]!, map.key, "key");
      if (key === null) return ERROR;
      return { k: "val", type: I64, v: callHelper(fs, "map_delete_elem", [mapref(), key], node) };
    }
  }
  if (map.kind.kind === "ringbuf" && map.value) {
    const size = (): ValueId => fs.iconst("i64", BigInt(sizeOf(map.value!)), node);
    if (method === "output" && (args.length === 1 || args.length === 2)) {
      const data = pointerTo(fs, args[0]!, map.value, "record");
      const flags = flagsArg(1, 0n);
      if (data === null || flags === null) return ERROR;
      return {
        k: "val",
        type: I64,
        v: callHelper(fs, "ringbuf_output", [mapref(), data, size(), flags], node),
      };
    }
    if (method === "reserve" && args.length === 0) {
      return {
        k: "ref",
        target: map.value,
        ptr: callHelper(
          fs,
          "ringbuf_reserve",
          [mapref(), size(), fs.iconst("i64", 0n, node)],
          node,
          "ptr",
        ),
      };
    }
    if ((method === "submit" || method === "discard") && (args.length === 1 || args.length === 2)) {
      const rec = lowerExpr(fs, args[0]!);
      const flags = flagsArg(1, 0n);
      if (rec.k === "error" || flags === null) return ERROR;
      if (rec.k !== "ref") return badArg(fs, args[0]!, rec, "the record returned by reserve()");
      callHelper(
        fs,
        method === "submit" ? "ringbuf_submit" : "ringbuf_discard",
        [rec.ptr, flags],
        node,
      );
      return { k: "void" };
    }
  }
  if (
    map.kind.kind === "perf_event_array" &&
    map.value &&
    method === "output" &&
    args.length === 2
  ) {
    const ctx = lowerExpr(fs, args[0]!);
    if (ctx.k !== "ctx") return badArg(fs, args[0]!, ctx, "the program's ctx");
    const data = pointerTo(fs, args[1]!, map.value, "record");
    if (data === null) return ERROR;
    const flags = fs.iconst("i64", BPF_F_CURRENT_CPU, node);
    const size = fs.iconst("i64", BigInt(sizeOf(map.value)), node);
    return {
      k: "val",
      type: I64,
      v: callHelper(fs, "perf_event_output", [ctx.ptr, mapref(), flags, data, size], node),
    };
  }
  if (
    map.kind.kind === "stack_trace" &&
    method === "getStackId" &&
    (args.length === 1 || args.length === 2)
  ) {
    const ctx = lowerExpr(fs, args[0]!);
    if (ctx.k === "error") return ctx;
    if (ctx.k !== "ctx") return badArg(fs, args[0]!, ctx, "the program's ctx");
    const flags = flagsArg(1, 0n);
    if (flags === null) return ERROR;
    return {
      k: "val",
      type: I64,
      v: callHelper(fs, "get_stackid", [ctx.ptr, mapref(), flags], node),
    };
  }
  if (map.kind.kind === "prog_array" && method === "tailCall" && args.length === 2) {
    const ctx = lowerExpr(fs, args[0]!);
    if (ctx.k !== "ctx") return badArg(fs, args[0]!, ctx, "the program's ctx");
    const idx = fs.coerce(lowerExpr(fs, args[1]!, U32), U32, args[1]!);
    if (idx === null) return ERROR;
    return { k: "val", type: I64, v: callHelper(fs, "tail_call", [ctx.ptr, mapref(), idx], node) };
  }
  fs.m.report("TSB1010", node.getExpression(), {
    name: `${map.name}.${method} with ${args.length} arguments`,
  });
  return ERROR;
}

function callCtxMethod(
  fs: FuncState,
  node: CallExpression,
  ctx: Operand & { k: "ctx" },
  method: string,
  args: Node[],
): Operand {
  const shape = ctx.prog.ctx;
  if (shape.kind === "args" && (method === "arg" || method === "ret")) {
    let offset: number | undefined;
    if (method === "ret") offset = shape.retOffset;
    else {
      const i = args[0] ? fs.rvalue(lowerExpr(fs, args[0]), args[0]) : ERROR;
      if (i.k !== "const") {
        fs.m.report("TSB3010", args[0] ?? node, { what: "the argument index" });
        return ERROR;
      }
      offset = shape.argOffsets[Number(i.value)];
      if (offset === undefined) {
        fs.m.report("TSB3005", args[0]!, {
          index: i.value.toString(),
          type: `${ctx.prog.fn} arguments (0..${shape.argOffsets.length - 1})`,
        });
        return ERROR;
      }
    }
    if (offset === undefined)
      return badArg(fs, node, ctx, `a kretprobe/uretprobe context for ret()`);
    return {
      k: "val",
      type: U64,
      v: fs.val(
        { op: "load", type: "i64", size: 8, signed: false, base: ctx.ptr, offset },
        "i64",
        node,
      ),
    };
  }
  if (shape.kind === "fixed" && shape.packet && method === "header") {
    const typeArg = node.getTypeArguments()[0];
    if (!typeArg || args.length !== 1) {
      fs.m.report("TSB2005", node, { what: "ctx.header<T>(offset)" });
      return ERROR;
    }
    const target = fs.m.resolveType(typeArg);
    if (!target) return ERROR;
    const off = fs.rvalue(lowerExpr(fs, args[0]!, U32), args[0]!);
    if (off.k === "error") return off;
    // data and data_end are u32 fields the kernel rewrites into packet pointers (load size 4).
    const data = fs.val(
      { op: "load", type: "ptr", size: 4, signed: false, base: ctx.ptr, offset: shape.packet.data },
      "ptr",
      node,
      "data",
    );
    const dataEnd = fs.val(
      {
        op: "load",
        type: "ptr",
        size: 4,
        signed: false,
        base: ctx.ptr,
        offset: shape.packet.dataEnd,
      },
      "ptr",
      node,
      "data_end",
    );
    let ptr: ValueId;
    if (off.k === "const") ptr = fs.addr(data, Number(off.value), args[0]!);
    else {
      const r = fs.toReg(off, args[0]!);
      if (!r || r.type.kind !== "int") return badArg(fs, args[0]!, off, "an integer offset");
      ptr = fs.val(
        { op: "ptradd", base: data, offset: fs.convert(r.v, r.type, U64, args[0]!) },
        "ptr",
        node,
      );
    }
    const end = fs.addr(ptr, sizeOf(target), node);
    return { k: "ref", target, ptr, packet: { end, dataEnd } };
  }
  if (shape.kind === "fixed" && shape.noDirectAccess !== undefined && method === "header") {
    fs.m.report("TSB3012", node, {
      method: "header<T>",
      kind: ctx.prog.fn,
      why: shape.noDirectAccess,
      instead:
        "copy the bytes to the stack with ctx.loadBytes(offset, dst) (bpf_skb_load_bytes), e.g. `const ip: IpHeader = zeroed(); if (ctx.loadBytes(14, ip) < 0) return 0;`",
    });
    return ERROR;
  }
  if (shape.kind === "fixed" && shape.skb && method === "loadBytes") {
    if (args.length !== 2) return arity(fs, node, "ctx.loadBytes", 2);
    const off = fs.coerce(lowerExpr(fs, args[0]!, U32), U32, args[0]!);
    const dst = placeArg(fs, args[1]!, "ctx.loadBytes");
    if (off === null || !dst) return ERROR;
    const size = fs.iconst("i32", BigInt(sizeOf(dst.type)), node);
    return {
      k: "val",
      type: I64,
      v: callHelper(fs, "skb_load_bytes", [ctx.ptr, off, dst.addr, size], node),
    };
  }
  fs.m.report("TSB1010", node.getExpression(), { name: `ctx.${method}` });
  return ERROR;
}

/**
 * `dataLocAddress(ctx, ctx.field)`: the address of the bytes a tracepoint `__data_loc` field points
 * to, `ctx + (field & 0xffff)` (the low half is the offset from the record's start). The result is
 * for bpf_probe_read_kernel_str & co., which take any address (the verifier allows a variable
 * offset on the context pointer only because the pointer is not dereferenced directly).
 */
function lowerDataLocAddress(fs: FuncState, node: CallExpression, args: Node[]): Operand {
  if (args.length !== 2) return arity(fs, node, "dataLocAddress", 2);
  const ctx = lowerExpr(fs, args[0]!);
  if (ctx.k === "error") return ctx;
  if (ctx.k !== "ctx" || ctx.prog.fn !== "tracepoint")
    return badArg(fs, args[0]!, ctx, "the context of a tracepoint program");
  const field = fs.rvalue(lowerExpr(fs, args[1]!), args[1]!);
  if (field.k === "error") return field;
  if (field.k !== "val" || field.type.kind !== "int" || field.type.name !== DATA_LOC.name)
    return badArg(
      fs,
      args[1]!,
      field,
      "expected a __data_loc field of the tracepoint context (declared with type DataLoc)",
    );
  const low = fs.val(
    { op: "binary", binop: "and", lhs: field.v, rhs: fs.iconst("i32", 0xffffn, node) },
    "i32",
    node,
  );
  const off = fs.convert(low, U32, U64, node);
  const at = fs.val({ op: "ptradd", base: ctx.ptr, offset: off }, "ptr", node);
  return { k: "val", type: U64, v: fs.val({ op: "ptrtoint", arg: at }, "i64", node) };
}

function lowerAtomicAdd(
  fs: FuncState,
  node: CallExpression,
  args: Node[],
  fetch: boolean,
): Operand {
  const name = fetch ? "fetchAdd" : "atomicAdd";
  if (args.length !== 2) return arity(fs, node, name, 2);
  const p = lowerExpr(fs, args[0]!);
  if (p.k === "error") return p;
  if (p.k !== "place" || p.type.kind !== "int" || (p.type.bits !== 32 && p.type.bits !== 64)) {
    fs.m.report("TSB3006", args[0]!, {
      what: `${name} (a 32- or 64-bit integer field, map value or global)`,
    });
    return ERROR;
  }
  if (!p.writable) {
    fs.m.report("TSB3008", args[0]!, { what: p.what, why: "it is read-only" });
    return ERROR;
  }
  const v = fs.coerce(lowerExpr(fs, args[1]!, p.type), p.type, args[1]!);
  if (v === null) return ERROR;
  const size = p.type.bits === 64 ? 8 : 4;
  const r = fs.emit(
    { op: "atomic", atomic: "add", size, base: p.base, offset: p.offset, value: v, fetch },
    fetch ? irTypeOf(p.type) : null,
    node,
  );
  return fetch && r !== null ? { k: "val", type: p.type, v: r } : { k: "void" };
}

function lowerPrintk(fs: FuncState, node: CallExpression, args: Node[]): Operand {
  const fmt = args[0];
  if (!fmt || !(Node.isStringLiteral(fmt) || Node.isNoSubstitutionTemplateLiteral(fmt))) {
    fs.m.report("TSB3001", fmt ?? node, { problem: "the format must be a string literal" });
    return ERROR;
  }
  if (args.length > 4) {
    fs.m.report("TSB3001", args[4]!, {
      problem: "at most 3 arguments after the format (bpf_trace_printk)",
    });
    return ERROR;
  }
  const { name, size } = fs.m.addFormatString(fmt.getLiteralValue(), fmt);
  const vals: ValueId[] = [
    fs.val({ op: "globaladdr", global: name, offset: 0 }, "ptr", fmt),
    fs.iconst("i32", BigInt(size), fmt),
  ];
  for (const a of args.slice(1)) {
    const x = fs.rvalue(lowerExpr(fs, a), a);
    if (x.k === "error") return x;
    const r = fs.toReg(x, a);
    if (!r) return badArg(fs, a, x, "an integer");
    vals.push(fs.convert(r.v, r.type, r.type.kind === "int" && r.type.signed ? I64 : U64, a));
  }
  return { k: "val", type: I64, v: callHelper(fs, "trace_printk", vals, node) };
}

/** htons & co: a byte swap in shifts and masks (the target has no IR-level bswap). */
function lowerByteSwap(fs: FuncState, node: CallExpression, args: Node[], bits: 16 | 32): Operand {
  const t = bits === 16 ? U16 : U32;
  if (args.length !== 1) return arity(fs, node, "byte swap", 1);
  const x = fs.rvalue(lowerExpr(fs, args[0]!, t), args[0]!);
  if (x.k === "error") return x;
  const swap = (v: bigint): bigint => {
    let out = 0n;
    for (let i = 0; i < bits / 8; i++)
      out |= ((v >> BigInt(8 * i)) & 0xffn) << BigInt(bits - 8 - 8 * i);
    return out;
  };
  if (x.k === "const") return { k: "const", type: t, value: swap(fs.wrap(x.value, t)) };
  const v = fs.coerce(x, t, args[0]!);
  if (v === null) return ERROR;
  const c = (n: bigint): ValueId => fs.iconst("i32", BigInt.asIntN(32, n), node);
  const bin = (binop: "shl" | "lshr" | "and" | "or", a: ValueId, b: ValueId): ValueId =>
    fs.val({ op: "binary", binop, lhs: a, rhs: b }, "i32", node);
  let out: ValueId | null = null;
  for (let i = 0; i < bits / 8; i++) {
    const byte = bin("and", i === 0 ? v : bin("lshr", v, c(BigInt(8 * i))), c(0xffn));
    const shift = bits - 8 - 8 * i;
    const placed = shift === 0 ? byte : bin("shl", byte, c(BigInt(shift)));
    out = out === null ? placed : bin("or", out, placed);
  }
  return { k: "val", type: t, v: out! };
}

function callFunction(
  fs: FuncState,
  node: CallExpression,
  f: import("./module-state.ts").FuncInfo,
): Operand {
  const args = node.getArguments();
  if (args.length !== f.params.length) return arity(fs, node, f.name, f.params.length);
  const calls = fs.m.calls.get(fs.name) ?? new Set<string>();
  calls.add(f.name);
  fs.m.calls.set(fs.name, calls);
  const vals: ValueId[] = [];
  for (let i = 0; i < args.length; i++) {
    const p = f.params[i]!;
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
