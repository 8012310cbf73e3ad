/**
 * Intrinsic stdlib functions that lower to IR sequences rather than a single helper call: atomics
 * (`atomicAdd`, `fetchAdd`), `printk` (bpf_trace_printk with a .rodata format), byte-order swaps
 * (`htons` & co) and floor log2 (`log2`).
 *
 * Consumes the call's argument nodes; produces IR values (constant-folded when every input is a
 * constant) or a diagnostic. Every loop emitted here has a constant trip bound, so the kernel
 * verifier sees it terminate.
 */
import { Node } from "ts-morph";
import type { CallExpression } from "ts-morph";
import type { ValueId } from "../ir/index.ts";
import { arity, badArg, callHelper } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { lowerExpr } from "./lower-expr.ts";
import { I64, U16, U32, U64, irTypeOf } from "./types.ts";

/** `atomicAdd(place, delta)` / `fetchAdd(place, delta)`: a BPF atomic add on a 32/64-bit place. */
export function lowerAtomicAdd(
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

/** `printk(format, ...args)`: bpf_trace_printk with the format as a .rodata string. */
export function lowerPrintk(fs: FuncState, node: CallExpression, args: Node[]): Operand {
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
export function lowerByteSwap(
  fs: FuncState,
  node: CallExpression,
  args: Node[],
  bits: 16 | 32,
): Operand {
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

/** The largest floor log2 of a u64, and so the largest `log2` cap that clamps anything. */
const MAX_LOG2 = 63;

/** floor(log2(v)) of a constant (0 for 0, like the lowered code), clamped to `cap`. */
function foldLog2(v: bigint, cap: number): bigint {
  const bits = BigInt(Math.max(0, v.toString(2).length - 1));
  return v === 0n ? 0n : bits < BigInt(cap) ? bits : BigInt(cap);
}

/**
 * `log2(v)` / `log2(v, cap)`: floor(log2(v)) of a u64 as a u32 (0 for 0 and 1), optionally clamped
 * to `cap`, a constant 0..63 (a histogram's last slot).
 *
 * Two lowerings, chosen by what the kernel verifier and the instruction count favour:
 * - with a cap, the bounded loop of libbpf-tools' histogram code, counting up to `cap` shifts:
 *   `r = 0; while (r < cap) { v >>= 1; if (v == 0) break; r++; }`: about 7 instructions, and the
 *   verifier walks at most `cap` iterations (the examples' caps are 25..31);
 * - without one, a branchy binary search like bits.bpf.h's log2l: test the high 32, then 16, 8, 4,
 *   2 bits, then add the last bit. About 20 instructions and a constant verifier cost, where a loop
 *   to 63 would make the verifier walk 63 iterations.
 * Worked example, v = 1000 (0b1111101000): high 32 bits zero; 1000 > 0xffff no; > 0xff yes → v = 3,
 * r = 8; > 0xf no; > 3 no; r += 3 >> 1 → 9 = floor(log2(1000)).
 */
export function lowerLog2(fs: FuncState, node: CallExpression, args: Node[]): Operand {
  if (args.length !== 1 && args.length !== 2) return arity(fs, node, "log2", 1);
  let cap: number | null = null;
  if (args[1]) {
    const c = fs.rvalue(lowerExpr(fs, args[1], U32), args[1]);
    if (c.k === "error") return c;
    if (c.k !== "const") {
      fs.m.report("TSB3010", args[1], { what: "the cap of log2 (its second argument)" });
      return ERROR;
    }
    if (c.value < 0n || c.value > BigInt(MAX_LOG2)) {
      fs.m.report("TSB2003", args[1], { value: c.value.toString(), type: "a log2 cap (0..63)" });
      return ERROR;
    }
    cap = Number(c.value);
  }
  const x = fs.rvalue(lowerExpr(fs, args[0]!, U64), args[0]!);
  if (x.k === "error") return x;
  if (x.k === "const")
    return { k: "const", type: U32, value: foldLog2(fs.wrap(x.value, U64), cap ?? MAX_LOG2) };
  const v = fs.coerce(x, U64, args[0]!);
  if (v === null || fs.cur === null) return ERROR;
  const r = fs.tempVar(U32, "log2");
  const rest = fs.tempVar(U64, "log2.v");
  fs.writeVar(r, fs.iconst("i32", 0n, node));
  fs.writeVar(rest, v);
  if (cap !== null) log2Loop(fs, node, r, rest, cap);
  else log2Search(fs, node, r, rest);
  if (fs.cur === null) return ERROR;
  return { k: "val", type: U32, v: fs.readVar(r) };
}

type Var = ReturnType<FuncState["tempVar"]>;

/** `while (r < cap) { v >>= 1; if (v == 0) break; r++; }` over the variables `r` and `rest`. */
function log2Loop(fs: FuncState, at: Node, r: Var, rest: Var, cap: number): void {
  const header = fs.newBlock();
  const body = fs.newBlock();
  const latch = fs.newBlock();
  const exit = fs.newBlock();
  fs.br(header, at);
  fs.enter(header);
  const more = fs.val(
    { op: "icmp", cond: "ult", lhs: fs.readVar(r), rhs: fs.iconst("i32", BigInt(cap), at) },
    "i1",
    at,
  );
  fs.condbr(more, body, exit, at);
  fs.ssa.seal(body);
  fs.enter(body);
  const shifted = binary(fs, at, "lshr", fs.readVar(rest), fs.iconst("i64", 1n, at), "i64");
  fs.writeVar(rest, shifted);
  const zero = fs.val(
    { op: "icmp", cond: "eq", lhs: shifted, rhs: fs.iconst("i64", 0n, at) },
    "i1",
    at,
  );
  fs.condbr(zero, exit, latch, at);
  fs.ssa.seal(latch);
  fs.enter(latch);
  fs.writeVar(r, binary(fs, at, "add", fs.readVar(r), fs.iconst("i32", 1n, at), "i32"));
  fs.br(header, at);
  fs.ssa.seal(header);
  fs.ssa.seal(exit);
  fs.enter(exit);
}

/** The binary search: five conditional narrowing steps, then the last bit. */
function log2Search(fs: FuncState, at: Node, r: Var, rest: Var): void {
  // Step 32 tests `v >> 32 != 0` rather than `v > 0xffffffff`: a BPF compare takes a sign-extended
  // 32-bit immediate, so the shift avoids materialising a 64-bit constant.
  const high = binary(fs, at, "lshr", fs.readVar(rest), fs.iconst("i64", 32n, at), "i64");
  const noHigh = fs.val(
    { op: "icmp", cond: "eq", lhs: high, rhs: fs.iconst("i64", 0n, at) },
    "i1",
    at,
  );
  fs.guard(
    noHigh,
    at,
    () => {
      fs.writeVar(rest, high);
      fs.writeVar(r, fs.iconst("i32", 32n, at));
    },
    false,
  );
  for (const bits of [16n, 8n, 4n, 2n]) {
    const fits = fs.val(
      {
        op: "icmp",
        cond: "ule",
        lhs: fs.readVar(rest),
        rhs: fs.iconst("i64", (1n << bits) - 1n, at),
      },
      "i1",
      at,
    );
    fs.guard(
      fits,
      at,
      () => {
        fs.writeVar(
          rest,
          binary(fs, at, "lshr", fs.readVar(rest), fs.iconst("i64", bits, at), "i64"),
        );
        fs.writeVar(r, binary(fs, at, "add", fs.readVar(r), fs.iconst("i32", bits, at), "i32"));
      },
      false,
    );
  }
  // rest is now 0..3: its bit 1 is the last bit of the result.
  const last = binary(fs, at, "lshr", fs.readVar(rest), fs.iconst("i64", 1n, at), "i64");
  const lastBit = fs.val({ op: "trunc", type: "i32", arg: last }, "i32", at);
  fs.writeVar(r, binary(fs, at, "add", fs.readVar(r), lastBit, "i32"));
}

function binary(
  fs: FuncState,
  at: Node,
  binop: "lshr" | "add",
  lhs: ValueId,
  rhs: ValueId,
  type: "i32" | "i64",
): ValueId {
  return fs.val({ op: "binary", binop, lhs, rhs }, type, at);
}
