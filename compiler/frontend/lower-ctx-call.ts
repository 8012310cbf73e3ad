/**
 * Context method calls and context-derived addresses: `ctx.arg(i)` / `ctx.ret()` (argument words of
 * fentry/kprobe/raw tracepoint contexts), `ctx.header<T>(offset)` (a bounds-checked packet view),
 * `ctx.loadBytes(offset, dst)` (bpf_skb_load_bytes), `ctx.flowKeys()` (a flow dissector's
 * `struct bpf_flow_keys`) and `dataLocAddress(ctx, field)`.
 *
 * Consumes the `ctx` operand, whose program kind gives the context's shape (builtins.ts `CtxShape`);
 * produces loads at fixed context offsets, packet `ref`s carrying the end pointer for the null test,
 * or helper calls. Methods a context does not have are TSB1010; direct packet access where the
 * kernel refuses it is TSB3012.
 */
import type { CallExpression, Node } from "ts-morph";
import type { ValueId } from "../ir/index.ts";
import { arity, badArg, callHelper, placeArg } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { lowerExpr } from "./lower-expr.ts";
import { DATA_LOC, I64, U32, U64, sizeOf } from "./types.ts";

/** Lowers `ctx.method(args)`. */
export function callCtxMethod(
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
    // data and data_end are fields the kernel rewrites into packet pointers: u32 in xdp_md and
    // __sk_buff (load size 4), 64-bit `__bpf_md_ptr`s in sk_msg_md, bpf_sockopt, bpf_sock_ops.
    const size = shape.packet.size;
    const data = fs.val(
      { op: "load", type: "ptr", size, signed: false, base: ctx.ptr, offset: shape.packet.data },
      "ptr",
      node,
      "data",
    );
    const dataEnd = fs.val(
      {
        op: "load",
        type: "ptr",
        size,
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
  if (shape.kind === "fixed" && shape.flowKeys && method === "flowKeys") {
    if (args.length !== 0) return arity(fs, node, "ctx.flowKeys", 0);
    // __bpf_md_ptr(struct bpf_flow_keys *, flow_keys): a 64-bit pointer the verifier types
    // PTR_TO_FLOW_KEYS (never null; accesses anywhere inside the struct).
    const ptr = fs.val(
      {
        op: "load",
        type: "ptr",
        size: 8,
        signed: false,
        base: ctx.ptr,
        offset: shape.flowKeys.offset,
      },
      "ptr",
      node,
      "flow_keys",
    );
    return { k: "ref", target: shape.flowKeys.type, ptr };
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
export function lowerDataLocAddress(fs: FuncState, node: CallExpression, args: Node[]): Operand {
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
