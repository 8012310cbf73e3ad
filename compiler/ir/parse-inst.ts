/**
 * Instruction bodies of the IR text: one `InstData` from the tokens after `vN:type =` (or from a
 * statement line such as `store`, `br`, `ret`), following the syntax of compiler/ir/README.md.
 *
 * Consumes a `Line` positioned at the opcode; produces the `InstData` record. Only syntax is checked
 * here (operand counts, sizes, opcode names); references are resolved by parse-func.ts.
 */
import type { AtomicOp, BinaryOp, BlockCall, BlockId, Cond, InstData, ValueId } from "./types.ts";
import { Line, numbered } from "./parse-line.ts";

const BINOPS: ReadonlySet<string> = new Set([
  "add",
  "sub",
  "mul",
  "udiv",
  "sdiv",
  "urem",
  "srem",
  "and",
  "or",
  "xor",
  "shl",
  "lshr",
  "ashr",
]);
const CONDS: ReadonlySet<string> = new Set([
  "eq",
  "ne",
  "ult",
  "ule",
  "ugt",
  "uge",
  "slt",
  "sle",
  "sgt",
  "sge",
]);
const ATOMICS: ReadonlySet<string> = new Set(["add", "or", "and", "xor", "xchg"]);

function valueRef(l: Line): ValueId {
  return numbered(l.word("a value"), "v", l) as ValueId;
}

function args(l: Line): ValueId[] {
  l.expect("(");
  const out: ValueId[] = [];
  while (!l.eat(")")) {
    if (out.length > 0) l.expect(",");
    out.push(valueRef(l));
  }
  return out;
}

function blockCall(l: Line): BlockCall {
  const block = numbered(l.word("a block"), "b", l) as BlockId;
  return { block, args: l.isPunct("(") ? args(l) : [] };
}

function sizeOf(l: Line, text: string, allowed: readonly number[]): number {
  const n = Number(text);
  if (!allowed.includes(n)) l.fail(`size must be one of ${allowed.join(", ")}`);
  return n;
}

/** Parses one instruction body; `slotCount` bounds `stackaddr` slot references. */
export function parseInstData(l: Line, slotCount: number): InstData {
  const opTok = l.word("an opcode");
  const parts = opTok.split(".");
  const op = parts[0]!;
  const comma = (): void => l.expect(",");
  if (BINOPS.has(op) && parts.length === 1) {
    const lhs = valueRef(l);
    comma();
    return { op: "binary", binop: op as BinaryOp, lhs, rhs: valueRef(l) };
  }
  switch (op) {
    case "const":
      return { op: "const", type: "i64", value: l.bigint() };
    case "coreconst": {
      const value = l.bigint();
      comma();
      const kind = Number(l.bigint());
      comma();
      const ref = l.word("a kernel type (k<id>)");
      if (!/^k\d+$/.test(ref)) l.failPrev(`expected a kernel type k<id>, found '${ref}'`);
      const typeId = Number(ref.slice(1));
      comma();
      const access = l.str();
      return { op: "coreconst", type: "i64", value, relo: { typeId, access, kind } };
    }
    case "icmp": {
      const cond = l.word("a condition");
      if (!CONDS.has(cond)) l.fail(`unknown condition '${cond}'`);
      const lhs = valueRef(l);
      comma();
      return { op: "icmp", cond: cond as Cond, lhs, rhs: valueRef(l) };
    }
    case "select": {
      const cond = valueRef(l);
      comma();
      const ifTrue = valueRef(l);
      comma();
      return { op: "select", cond, ifTrue, ifFalse: valueRef(l) };
    }
    case "zext":
    case "sext":
    case "trunc":
      return { op, type: "i64", arg: valueRef(l) };
    case "ptrtoint":
    case "inttoptr":
      return { op, arg: valueRef(l) };
    case "ptradd": {
      const base = valueRef(l);
      comma();
      return { op: "ptradd", base, offset: valueRef(l) };
    }
    case "load": {
      const spec = parts[1] ?? l.fail("expected load.<size> or load.s<size>");
      const signed = spec.startsWith("s");
      const size = sizeOf(l, signed ? spec.slice(1) : spec, [1, 2, 4, 8]) as 1 | 2 | 4 | 8;
      const base = valueRef(l);
      comma();
      return { op: "load", type: "i64", size, signed, base, offset: l.int() };
    }
    case "store": {
      const size = sizeOf(l, parts[1] ?? "", [1, 2, 4, 8]) as 1 | 2 | 4 | 8;
      const base = valueRef(l);
      comma();
      const offset = l.int();
      comma();
      return { op: "store", size, base, offset, value: valueRef(l) };
    }
    case "atomic": {
      const a = parts[1] ?? "";
      if (!ATOMICS.has(a)) l.fail(`unknown atomic operation '${a}'`);
      const fetch = parts[2] === "fetch";
      const size = sizeOf(l, parts[fetch ? 3 : 2] ?? "", [4, 8]) as 4 | 8;
      const base = valueRef(l);
      comma();
      const offset = l.int();
      comma();
      return { op: "atomic", atomic: a as AtomicOp, size, base, offset, value: valueRef(l), fetch };
    }
    case "cmpxchg": {
      const size = sizeOf(l, parts[1] ?? "", [4, 8]) as 4 | 8;
      const base = valueRef(l);
      comma();
      const offset = l.int();
      comma();
      const expected = valueRef(l);
      comma();
      return { op: "cmpxchg", size, base, offset, expected, value: valueRef(l) };
    }
    case "stackslot": {
      const slot = numbered(l.word("a slot"), "s", l);
      if (slot >= slotCount) l.fail(`undefined slot s${slot}`);
      return { op: "stackslot", slot };
    }
    case "mapref":
      l.expect("@");
      return { op: "mapref", map: l.word() };
    case "funcaddr":
      l.expect("@");
      return { op: "funcaddr", callee: l.word() };
    case "globaladdr": {
      l.expect("@");
      const global = l.word();
      comma();
      return { op: "globaladdr", global, offset: l.int() };
    }
    case "callhelper": {
      const w = l.word("helper#id");
      const hash = w.lastIndexOf("#");
      if (hash <= 0 || !/^[0-9]+$/.test(w.slice(hash + 1))) l.fail("expected name#id");
      return {
        op: "callhelper",
        helper: Number(w.slice(hash + 1)),
        name: w.slice(0, hash),
        args: args(l),
      };
    }
    case "call":
      l.expect("@");
      return { op: "call", callee: l.word(), args: args(l) };
    case "memcpy": {
      const dst = valueRef(l);
      comma();
      const src = valueRef(l);
      comma();
      const size = l.int();
      comma();
      l.expect("align");
      return { op: "memcpy", dst, src, size, align: l.int() };
    }
    case "memset": {
      const dst = valueRef(l);
      comma();
      const byte = l.int();
      comma();
      const size = l.int();
      comma();
      l.expect("align");
      return { op: "memset", dst, byte, size, align: l.int() };
    }
    case "br":
      return { op: "br", target: blockCall(l) };
    case "condbr": {
      const cond = valueRef(l);
      comma();
      const then = blockCall(l);
      comma();
      return { op: "condbr", cond, then, else: blockCall(l) };
    }
    case "ret": {
      const t = l.peek();
      if (t === undefined || (t.kind === "punct" && t.text === "!"))
        return { op: "ret", value: null };
      return { op: "ret", value: valueRef(l) };
    }
    case "unreachable":
      return { op: "unreachable" };
    default:
      return l.failPrev(`unknown opcode '${opTok}'`);
  }
}
