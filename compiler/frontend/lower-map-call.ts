/**
 * Map method calls: `lookup`/`update`/`delete` on hash and array maps (bpf_map_*_elem), ring buffer
 * `output`/`reserve`/`submit`/`discard`, perf event array `output`, stack trace map `getStackId`,
 * prog array `tailCall`, queue/stack `push`/`pop`/`peek`, bloom filter `push`/`peek`, and a map of
 * maps' `lookup`, which yields its inner map (a `map` operand with a pointer, null-tested like a Ref).
 *
 * Consumes the map operand (its `MapInfo`: kind, key and value types) and the argument nodes; produces
 * helper calls on `mapref` handles. A lookup or reserve yields a `ref` operand that must be
 * null-tested before use; anything else a map does not support is TSB1010 naming the method.
 */
import type { CallExpression, Node } from "ts-morph";
import type { ValueId } from "../ir/index.ts";
import { BPF_F_CURRENT_CPU } from "./builtins.ts";
import { badArg, callHelper, mapHandle, pointerTo } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { lowerExpr } from "./lower-expr.ts";
import type { TsbType } from "./types.ts";
import { I64, U32, U64, sizeOf } from "./types.ts";

/** Lowers `map.method(args)`. */
export function callMapMethod(
  fs: FuncState,
  node: CallExpression,
  obj: Operand & { k: "map" },
  method: string,
  args: Node[],
): Operand {
  const map = obj.map;
  const mapref = (): ValueId => mapHandle(fs, obj, node);
  const flagsArg = (i: number, dflt: bigint): ValueId | null =>
    args[i] ? fs.coerce(lowerExpr(fs, args[i]!, U64), U64, args[i]!) : fs.iconst("i64", dflt, node);
  const shape = map.kind.shape;
  const owner = map.kind.record.storage;
  if (owner && map.value)
    return storageMethod(fs, node, { owner, value: map.value, method, args, mapref, flagsArg });
  if (map.kind.kind === "cgroup_storage" || map.kind.kind === "percpu_cgroup_storage") {
    // bpf_get_local_storage: the attached cgroup's value (this CPU's), never null; flags must be 0.
    if (method === "get" && args.length === 0 && map.value) {
      const flags = fs.iconst("i64", 0n, node);
      const ptr = callHelper(fs, "get_local_storage", [mapref(), flags], node, "ptr");
      return { k: "ref", target: map.value, ptr };
    }
    fs.m.report("TSB1010", node.getExpression(), {
      name: `${map.name}.${method} with ${args.length} arguments (a cgroup storage has get())`,
    });
    return ERROR;
  }
  if (map.inner && map.key && method === "lookup" && args.length === 1) {
    // A map of maps' lookup yields the inner map itself (null when the slot is empty).
    const key = pointerTo(fs, args[0]!, map.key, "key");
    if (key === null) return ERROR;
    const ptr = callHelper(fs, "map_lookup_elem", [mapref(), key], node, "ptr");
    return { k: "map", map: map.inner, ptr };
  }
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
  if (shape === "value" && map.value) {
    const call = { kind: map.kind.kind, value: map.value, method, args, mapref, flagsArg };
    const elements = elementMethod(fs, node, call);
    if (elements !== undefined) return elements;
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

/**
 * `push(value, flags?)`, `pop()` and `peek()` of a queue or stack, `push(value, flags?)` and
 * `peek(value)` of a bloom filter (bpf_map_push_elem / pop_elem / peek_elem). A queue's pop and
 * peek copy the element into a stack slot; the Ref they yield points there when the helper
 * returned 0 and is null otherwise. Undefined when the call is none of these.
 */
function elementMethod(
  fs: FuncState,
  node: CallExpression,
  call: {
    kind: string;
    value: TsbType;
    method: string;
    args: Node[];
    mapref: () => ValueId;
    flagsArg: (i: number, dflt: bigint) => ValueId | null;
  },
): Operand | undefined {
  const { kind, value, method, args, mapref } = call;
  if (method === "push" && (args.length === 1 || args.length === 2)) {
    const v = pointerTo(fs, args[0]!, value, "value");
    const flags = call.flagsArg(1, 0n);
    if (v === null || flags === null) return ERROR;
    return { k: "val", type: I64, v: callHelper(fs, "map_push_elem", [mapref(), v, flags], node) };
  }
  if (kind === "bloom_filter") {
    if (method !== "peek" || args.length !== 1) return undefined;
    const v = pointerTo(fs, args[0]!, value, "value");
    if (v === null) return ERROR;
    return { k: "val", type: I64, v: callHelper(fs, "map_peek_elem", [mapref(), v], node) };
  }
  if ((method !== "pop" && method !== "peek") || args.length !== 0) return undefined;
  const slot = fs.stackSlot(value, method === "pop" ? "popped" : "peeked", node);
  const r = callHelper(
    fs,
    method === "pop" ? "map_pop_elem" : "map_peek_elem",
    [mapref(), slot],
    node,
  );
  const ok = fs.val(
    { op: "icmp", cond: "eq", lhs: r, rhs: fs.iconst("i64", 0n, node) },
    "i1",
    node,
  );
  const nul = fs.val({ op: "const", type: "ptr", value: 0n }, "ptr", node);
  return {
    k: "ref",
    target: value,
    ptr: fs.val({ op: "select", cond: ok, ifTrue: slot, ifFalse: nul }, "ptr", node),
  };
}

/**
 * `get(owner, flags?)` and `delete(owner)` of a local storage map (bpf_<owner>_storage_get /
 * _delete): the owner is the program's ctx (a cgroup sock program's socket) or a kernel pointer
 * (`getCurrentTaskBtf()`); `get` yields a Ref to the owner's value, null when it has none and
 * flags lack BPF_LOCAL_STORAGE_GET_F_CREATE. Anything else is TSB1010.
 */
function storageMethod(
  fs: FuncState,
  node: CallExpression,
  call: {
    owner: string;
    value: TsbType;
    method: string;
    args: Node[];
    mapref: () => ValueId;
    flagsArg: (i: number, dflt: bigint) => ValueId | null;
  },
): Operand {
  const { owner, value, method, args, mapref } = call;
  const ownerArg = (): ValueId | null => {
    const o = lowerExpr(fs, args[0]!, U64);
    if (o.k === "error") return null;
    if (o.k === "ctx") return o.ptr;
    return fs.coerce(o, U64, args[0]!);
  };
  if (method === "get" && (args.length === 1 || args.length === 2)) {
    const o = ownerArg();
    const flags = call.flagsArg(1, 0n);
    if (o === null || flags === null) return ERROR;
    const nul = fs.val({ op: "const", type: "ptr", value: 0n }, "ptr", node);
    return {
      k: "ref",
      target: value,
      ptr: callHelper(fs, `${owner}_storage_get`, [mapref(), o, nul, flags], node, "ptr"),
    };
  }
  if (method === "delete" && args.length === 1) {
    const o = ownerArg();
    if (o === null) return ERROR;
    return {
      k: "val",
      type: I64,
      v: callHelper(fs, `${owner}_storage_delete`, [mapref(), o], node),
    };
  }
  fs.m.report("TSB1010", node.getExpression(), {
    name: `storage map ${method} with ${args.length} arguments`,
  });
  return ERROR;
}
