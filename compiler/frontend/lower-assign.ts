/**
 * Assignment lowering: `x = v`, compound assignments' store half, `x++`/`--x`, and the
 * initialisation of struct and array places from object literals, `zeroed()` or another aggregate.
 *
 * Consumes the target's `Operand` (an SSA variable or a memory place) and the value's node; produces
 * SSA variable writes, `store`s, `memset`s and `memcpy`s. Read-only targets (context fields, `const`
 * locals, `readonly` fields) are reported as TSB3008 and nothing is written.
 */
import { Node } from "ts-morph";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState, describe } from "./func-state.ts";
import { nodeRight, promote, typeError } from "./lower-arith.ts";
import { lowerExpr } from "./lower-expr.ts";
import { irTypeOf, isScalar, sizeOf, typeName } from "./types.ts";

/** `x++`, `--x`: read, add/sub one, write back; the value is the old (postfix) or new one. */
export function lowerIncDec(
  fs: FuncState,
  target: Node,
  op: "add" | "sub",
  postfix: boolean,
  node: Node,
): Operand {
  const place = lowerExpr(fs, target);
  const old = fs.rvalue(place, target);
  if (old.k === "error") return old;
  const t = fs.scalarType(old);
  if (t?.kind !== "int") return typeError(fs, target, old, "an integer");
  const r = fs.toReg(old, target)!;
  const one = fs.iconst(irTypeOf(t), 1n, node);
  const sum = fs.canonical(
    fs.val({ op: "binary", binop: op, lhs: r.v, rhs: one }, irTypeOf(t), node),
    promote(t),
    t,
    node,
  );
  storeTo(fs, place, { k: "val", type: t, v: sum }, target, node);
  return { k: "val", type: t, v: postfix ? r.v : sum };
}

/** `target = value`. */
export function lowerAssign(fs: FuncState, left: Node, right: Node, node: Node): Operand {
  const target = lowerExpr(fs, left);
  if (target.k === "error") return target;
  if (target.k === "place" && !isScalar(target.type)) {
    if (!target.writable) return notWritable(fs, left, target.what, target.readOnly);
    initPlace(fs, target, right);
    return { k: "void" };
  }
  const expected =
    target.k === "place" ? target.type : target.k === "val" ? target.type : undefined;
  return storeTo(fs, target, lowerExpr(fs, right, expected), left, node);
}

function notWritable(fs: FuncState, at: Node, what: string, why?: string): Operand {
  fs.m.report("TSB3008", at, {
    what,
    why: why ?? "it is read-only (a context field, a const, or a readonly field)",
  });
  return ERROR;
}

/** Writes a scalar to the location `target` denotes (an SSA variable or a memory place). */
export function storeTo(
  fs: FuncState,
  target: Operand,
  value: Operand,
  left: Node,
  node: Node,
): Operand {
  if (value.k === "error" || target.k === "error") return ERROR;
  if (target.k === "place") {
    if (!target.writable) return notWritable(fs, left, target.what, target.readOnly);
    if (!isScalar(target.type)) return typeError(fs, left, target, "a scalar location");
    const v = fs.coerce(value, target.type, nodeRight(node));
    if (v === null) return ERROR;
    fs.storeScalar(target, target.type, v, node);
    return { k: "val", type: target.type, v };
  }
  if (target.k === "val") {
    const b = Node.isIdentifier(left) ? fs.lookup(left.getText()) : undefined;
    if (b?.k !== "var") return notWritable(fs, left, `'${left.getText()}'`);
    if (!b.mutable) return notWritable(fs, left, `const '${left.getText()}'`);
    const v = fs.coerce(value, b.type, nodeRight(node));
    if (v === null) return ERROR;
    fs.writeVar(b.id, v);
    return { k: "val", type: b.type, v };
  }
  return notWritable(fs, left, `'${left.getText()}'`);
}

/** True for a call `uninit()` (the declared-uninitialised local of stdlib's `uninit<T>()`). */
export function isUninitCall(init: Node): boolean {
  return (
    Node.isCallExpression(init) &&
    init.getExpression().getText() === "uninit" &&
    init.getArguments().length === 0
  );
}

/** Initialises an aggregate place from an object literal or another aggregate of the same type. */
export function initPlace(fs: FuncState, place: Operand & { k: "place" }, init: Node): void {
  const t = place.type;
  if (isUninitCall(init)) {
    fs.m.report("TSB1001", init, {
      construct: "uninit() here",
      instead:
        "use it only to declare a local struct or array (`const buf: CharArray<16> = uninit();`)",
    });
    return;
  }
  if (
    Node.isCallExpression(init) &&
    init.getExpression().getText() === "zeroed" &&
    init.getArguments().length === 0
  ) {
    const addr = fs.addr(place.base, place.offset, init);
    fs.emit(
      {
        op: "memset",
        dst: addr,
        byte: 0,
        size: sizeOf(t),
        align: Math.min(8, t.kind === "struct" ? t.align : 1),
      },
      null,
      init,
    );
    return;
  }
  if (Node.isObjectLiteralExpression(init) && t.kind === "struct") {
    const addr = fs.addr(place.base, place.offset, init);
    fs.emit(
      { op: "memset", dst: addr, byte: 0, size: t.size, align: Math.min(8, t.align) },
      null,
      init,
    );
    for (const prop of init.getProperties()) {
      if (!Node.isPropertyAssignment(prop)) {
        fs.m.report("TSB1001", prop, {
          construct: "this kind of object member",
          instead: "write `field: value` for each struct field",
        });
        continue;
      }
      const f = t.fields.find((x) => x.name === prop.getName());
      if (!f) {
        fs.m.report("TSB3009", prop, { type: t.name, field: prop.getName() });
        continue;
      }
      const fieldPlace = {
        ...place,
        type: f.type,
        offset: place.offset + f.offset,
        writable: true,
      };
      const valueNode = prop.getInitializerOrThrow();
      if (isScalar(f.type)) {
        const v = fs.coerce(lowerExpr(fs, valueNode, f.type), f.type, valueNode);
        if (v !== null) fs.storeScalar(fieldPlace, f.type, v, valueNode);
      } else initPlace(fs, fieldPlace, valueNode);
    }
    return;
  }
  const src = lowerExpr(fs, init, t);
  if (src.k === "error") return;
  if (src.k !== "place" || typeName(src.type) !== typeName(t) || sizeOf(src.type) !== sizeOf(t)) {
    fs.m.report("TSB2004", init, {
      type: describe(src),
      expected: `expected ${typeName(t)} (or an object literal for a struct)`,
    });
    return;
  }
  const dst = fs.addr(place.base, place.offset, init);
  const from = fs.addr(src.base, src.offset, init);
  fs.emit(
    {
      op: "memcpy",
      dst,
      src: from,
      size: sizeOf(t),
      align: Math.min(8, t.kind === "struct" ? t.align : 1),
    },
    null,
    init,
  );
}
