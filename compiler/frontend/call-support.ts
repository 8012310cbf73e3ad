/**
 * Shared pieces of call lowering: the `callhelper` instruction, arity and argument-type diagnostics,
 * and turning arguments into the memory pointers kernel helpers take.
 *
 * Consumes ts-morph argument nodes inside a `FuncState`; produces IR values or reports a diagnostic
 * and returns null / ERROR (never throws for user errors). Helper pointer arguments need memory: a
 * scalar key or value is spilled to a fresh stack slot; a struct place is passed by address.
 */
import { Node } from "ts-morph";
import type { CallExpression } from "ts-morph";
import type { ValueId } from "../ir/index.ts";
import { helperRecord } from "../../core/kernel/index.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState, describe } from "./func-state.ts";
import { initPlace } from "./lower-assign.ts";
import { lowerExpr } from "./lower-expr.ts";
import type { TsbType } from "./types.ts";
import { isScalar, typeName } from "./types.ts";

/**
 * Emits `callhelper` for the kernel helper `helper` (its name in the records, `map_lookup_elem`) with
 * `args`; the result is an i64 or (lookups) a pointer. The id comes from core/kernel's records.
 */
export function callHelper(
  fs: FuncState,
  helper: string,
  args: ValueId[],
  at: Node,
  result: "i64" | "ptr" = "i64",
): ValueId {
  const rec = helperRecord(helper);
  if (!rec) throw new Error(`internal: no kernel helper named ${helper}`);
  fs.m.helperCalls.push({ helper, node: at, func: fs.name });
  return fs.val({ op: "callhelper", helper: rec.id, name: helper, args }, result, at);
}

/**
 * The pointer a helper takes for map operand `o`: the declared map's `mapref`, or the inner map a
 * map of maps' lookup returned.
 */
export function mapHandle(fs: FuncState, o: Operand & { k: "map" }, at: Node): ValueId {
  return o.ptr ?? fs.val({ op: "mapref", map: o.map.name }, "ptr", at, o.map.name);
}

/** Reports a wrong argument count (TSB2004) and returns ERROR. */
export function arity(fs: FuncState, node: CallExpression, name: string, n: number): Operand {
  fs.m.report("TSB2004", node, {
    type: `${node.getArguments().length} arguments`,
    expected: `${name} takes ${n}`,
  });
  return ERROR;
}

/** Reports an argument of the wrong kind (TSB2004) and returns ERROR. */
export function badArg(fs: FuncState, at: Node, op: Operand, expected: string): Operand {
  fs.m.report("TSB2004", at, { type: describe(op), expected: `expected ${expected}` });
  return ERROR;
}

/** An argument that must denote writable memory; returns its address and type. */
export function placeArg(
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
export function pointerTo(fs: FuncState, node: Node, type: TsbType, what: string): ValueId | null {
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
