/**
 * USDT argument reads: `usdtArg(ctx, n)` and `usdtArgCount(ctx)` in `usdt(...)` programs, as
 * libbpf's usdt.bpf.h `bpf_usdt_arg` / `bpf_usdt_arg_cnt` give C programs.
 *
 * Where an argument lives differs from one probe site to the next (a register at one, a stack slot
 * at another, a constant at a third: the note's `-4@%edi 8@-16(%rbp) -4@$5`), so the code is the
 * same for every site and reads a spec: the loader parses each site's note (core/usdt), writes one
 * spec record per distinct argument string into the program's spec map `tsbpf_usdt_specs` (an
 * array declared here on first use) and attaches the site with the spec's index as its bpf cookie.
 * The program fetches its cookie (bpf_get_attach_cookie), looks the spec up and evaluates slot n:
 * ```
 *   v = valOff                                   type 0: constant
 *   v = regs[regOff]                             type 1: register (bpf_probe_read_kernel, as the
 *                                                        offset into the context is not constant)
 *   v = user64(regs[regOff] + valOff)            type 2: dereference (bpf_probe_read_user)
 *   v = user64(regs[regOff] + (regs[idxRegOff] << scaleShift) + valOff)      type 3: SIB
 *   v = signed ? (v << bitShift) s>> bitShift : (v << bitShift) u>> bitShift
 * ```
 * An attachment without a spec (no cookie) reads 0, and usdtArgCount returns -ESRCH (-3) as
 * libbpf's does.
 *
 * Kernels without bpf_get_attach_cookie (libbpf's !LINUX_HAS_BPF_COOKIE path): the loader then
 * writes each site's address into `tsbpf_usdt_ip_specs` (address → spec id) and the program looks
 * its spec id up by `regs->ip`. Which path runs is the u32 of `tsbpf_usdt_mode`, a one-entry array
 * read-only for programs that the loader freezes before loading them, so the verifier reads it as
 * a constant and drops the other path (the cookie helper included).
 */
import { Node as TsNode } from "ts-morph";
import type { CallExpression, Node, ParameterDeclaration } from "ts-morph";
import {
  USDT_ARG_COUNT_OFFSET,
  USDT_ARG_FIELDS,
  USDT_ARG_SIZE,
  USDT_MAX_ARGS,
  USDT_MAX_SPECS,
  USDT_IP_MAP,
  USDT_MAX_IPS,
  USDT_MODE_MAP,
  USDT_SPEC_MAP,
  USDT_SPEC_SIZE,
  UsdtArgType,
  UsdtSpecLookup,
} from "../../core/usdt/index.ts";
import { BPF_CONSTANTS, contextOffset } from "../../core/kernel/index.ts";
import type { ValueId } from "../ir/index.ts";
import { arity, badArg, callHelper } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { lowerExpr } from "./lower-expr.ts";
import type { ModuleState, ScalarType } from "./module-state.ts";
import { I64, INT_TYPES, typeName, U32 } from "./types.ts";

const I32 = INT_TYPES.get("i32")!;
/** The program kinds whose attachments carry a spec cookie. */
const USDT_KINDS = new Set(["usdt", "usdtSleepable"]);
const ESRCH = 3n;

/** Whether programs of kind `fn` are USDT programs (their attachments carry a spec cookie). */
export function isUsdtKind(fn: string): boolean {
  return USDT_KINDS.has(fn);
}

/** `usdtArg(ctx, n)` (count false) or `usdtArgCount(ctx)` (count true). */
export function lowerUsdtArg(
  fs: FuncState,
  node: CallExpression,
  args: Node[],
  count: boolean,
): Operand {
  const name = count ? "usdtArgCount" : "usdtArg";
  if (args.length !== (count ? 1 : 2)) return arity(fs, node, name, count ? 1 : 2);
  const ctx = lowerExpr(fs, args[0]!);
  if (ctx.k === "error") return ctx;
  if (ctx.k !== "ctx") return badArg(fs, args[0]!, ctx, "the usdt program's ctx");
  if (!isUsdtKind(ctx.prog.fn)) {
    fs.m.report("TSB4010", node, { fn: name, kind: ctx.prog.fn });
    return ERROR;
  }
  let slot = 0;
  if (!count) {
    const i = fs.rvalue(lowerExpr(fs, args[1]!), args[1]!);
    if (i.k === "error") return i;
    if (i.k !== "const" || i.value < 0n || i.value >= BigInt(USDT_MAX_ARGS)) {
      fs.m.report("TSB4011", args[1]!, {
        max: USDT_MAX_ARGS - 1,
        count: USDT_MAX_ARGS,
        got: i.k === "const" ? i.value.toString() : "a value known only at run time",
      });
      return ERROR;
    }
    slot = Number(i.value);
  }
  if (fs.cur === null) return ERROR;
  const v = readArg(fs, node, ctx.ptr, count ? "count" : slot);
  if (v === null) return ERROR;
  return { k: "val", type: count ? I32 : I64, v };
}

/**
 * Binds a usdt program's parameters after `ctx` to the probe's arguments, as libbpf's BPF_USDT
 * macro does: `usdt("bin:p:n", (ctx, id: i32, name: u64) => ...)` reads argument 0 as an i32 and
 * argument 1 as a u64 (each narrowed from its i64 value to the declared integer type; i64 when not
 * annotated).
 */
export function bindUsdtArgs(
  fs: FuncState,
  call: CallExpression,
  params: readonly ParameterDeclaration[],
  ctxPtr: ValueId,
): void {
  const tuple = call.getTypeArguments()[0];
  const elements =
    tuple && TsNode.isTupleTypeNode(tuple)
      ? tuple
          .getElements()
          .map((e) => (TsNode.isNamedTupleMember(e) ? e.getTypeNode() : (e as Node)))
      : [];
  params.forEach((p, i) => {
    if (!TsNode.isIdentifier(p.getNameNode())) {
      fs.m.report("TSB1001", p, {
        construct: "destructuring a USDT argument",
        instead: "name the parameter",
      });
      return fs.bindOperand(p.getName(), ERROR);
    }
    if (i >= USDT_MAX_ARGS) {
      fs.m.report("TSB4012", p, { param: p.getName(), max: USDT_MAX_ARGS });
      return fs.bindOperand(p.getName(), ERROR);
    }
    const tn = p.getTypeNode() ?? elements[i];
    let type: ScalarType = I64;
    if (tn) {
      const declared = fs.m.resolveType(tn);
      if (!declared) return fs.bindOperand(p.getName(), ERROR);
      // TypeScript lets only numbers through (`A extends number[]`); what resolves must be an int.
      if (declared.kind !== "int") {
        fs.m.report("TSB2004", tn, {
          type: typeName(declared),
          expected: "a USDT argument is an integer (i8 .. u64)",
        });
        return fs.bindOperand(p.getName(), ERROR);
      }
      type = declared;
    }
    if (fs.cur === null) return fs.bindOperand(p.getName(), ERROR);
    const v = readArg(fs, p, ctxPtr, i);
    if (v === null) return fs.bindOperand(p.getName(), ERROR);
    const id = fs.declareVar(p.getName(), type, true);
    fs.writeVar(id, type.bits === 64 ? v : fs.convert(v, I64, type, p));
  });
}

/**
 * The value of argument `slot` (i64) or the argument count (i32) of the firing site: the spec
 * lookup by attach cookie, then the slot's evaluation. Null when the code is unreachable.
 */
function readArg(fs: FuncState, node: Node, regs: ValueId, slot: number | "count"): ValueId | null {
  declareSpecMap(fs.m, node);
  const count = slot === "count";
  const result = fs.tempVar(count ? I32 : I64, count ? "usdt.count" : "usdt.arg");
  fs.writeVar(result, fs.iconst(count ? "i32" : "i64", count ? -ESRCH : 0n, node));
  const key = specKey(fs, node, regs);
  const map = fs.val({ op: "mapref", map: USDT_SPEC_MAP }, "ptr", node, USDT_SPEC_MAP);
  const spec = callHelper(fs, "map_lookup_elem", [map, key], node, "ptr");
  const nul = fs.val({ op: "const", type: "ptr", value: 0n }, "ptr", node);
  const found = fs.val({ op: "icmp", cond: "ne", lhs: spec, rhs: nul }, "i1", node);
  fs.guard(found, node, () => {
    if (count) fs.writeVar(result, load(fs, node, spec, USDT_ARG_COUNT_OFFSET, 4));
    else fs.writeVar(result, readSlot(fs, node, regs, spec, slot * USDT_ARG_SIZE));
  });
  if (fs.cur === null) return null;
  return fs.readVar(result);
}

/**
 * A stack slot holding the firing site's spec id: its bpf cookie, or in IP mode (the frozen mode
 * map says so) the IP map's entry for `regs->ip`; `USDT_MAX_SPECS` (no spec) when it has none.
 */
function specKey(fs: FuncState, node: Node, regs: ValueId): ValueId {
  const key = fs.stackSlot(U32, "usdt.spec_id", node);
  const setKey = (v: ValueId) => fs.storeScalar({ base: key, offset: 0 }, U32, v, node);
  const nul = () => fs.val({ op: "const", type: "ptr", value: 0n }, "ptr", node);
  const lookup = (name: string, k: ValueId) => {
    const map = fs.val({ op: "mapref", map: name }, "ptr", node, name);
    const v = callHelper(fs, "map_lookup_elem", [map, k], node, "ptr");
    return { v, found: fs.val({ op: "icmp", cond: "ne", lhs: v, rhs: nul() }, "i1", node) };
  };
  setKey(fs.iconst("i32", BigInt(USDT_MAX_SPECS), node));
  const modeKey = fs.stackSlot(U32, "usdt.mode_key", node);
  fs.storeScalar({ base: modeKey, offset: 0 }, U32, fs.iconst("i32", 0n, node), node);
  const mode = lookup(USDT_MODE_MAP, modeKey);
  fs.guard(mode.found, node, () => {
    const value = load(fs, node, mode.v, 0, 4);
    const is = (cond: "eq" | "ne") =>
      fs.val(
        { op: "icmp", cond, lhs: value, rhs: fs.iconst("i32", BigInt(UsdtSpecLookup.ip), node) },
        "i1",
        node,
      );
    fs.guard(is("eq"), node, () => {
      const ip = fs.stackSlot(I64, "usdt.ip", node);
      const at = load(fs, node, regs, contextOffset("pt_regs", "rip"), 8);
      fs.storeScalar({ base: ip, offset: 0 }, I64, at, node);
      const id = lookup(USDT_IP_MAP, ip);
      fs.guard(id.found, node, () => setKey(load(fs, node, id.v, 0, 4)));
    });
    fs.guard(is("ne"), node, () => {
      const cookie = callHelper(fs, "get_attach_cookie", [regs], node);
      setKey(fs.val({ op: "trunc", type: "i32", arg: cookie }, "i32", node));
    });
  });
  return key;
}

/** An array or hash map the loader fills, declared once per object. */
function declareLoaderMap(
  m: ModuleState,
  at: Node,
  name: string,
  shape: { kind: "array" | "hash"; keySize: number; valueSize: number; maxEntries: number },
  flags = 0,
): void {
  if (m.maps.some((x) => x.name === name)) return;
  m.maps.push({
    name,
    ...shape,
    flags,
    keyType: null,
    valueType: null,
    histogram: null,
    span: m.span(at),
  });
}

/**
 * Declares the maps a spec lookup reads once per object: the spec records by id, the IP map and
 * the mode map (read-only for programs).
 */
function declareSpecMap(m: ModuleState, at: Node): void {
  const specs = { keySize: 4, valueSize: USDT_SPEC_SIZE, maxEntries: USDT_MAX_SPECS };
  declareLoaderMap(m, at, USDT_SPEC_MAP, { kind: "array", ...specs });
  const ips = { keySize: 8, valueSize: 4, maxEntries: USDT_MAX_IPS };
  declareLoaderMap(m, at, USDT_IP_MAP, { kind: "hash", ...ips });
  const mode = { keySize: 4, valueSize: 4, maxEntries: 1 };
  declareLoaderMap(
    m,
    at,
    USDT_MODE_MAP,
    { kind: "array", ...mode },
    BPF_CONSTANTS.BPF_F_RDONLY_PROG,
  );
}

/** Evaluates the argument slot at `at` of the spec (the comment at the top of the file). */
function readSlot(fs: FuncState, node: Node, regs: ValueId, spec: ValueId, at: number): ValueId {
  const F = USDT_ARG_FIELDS;
  const type = load(fs, node, spec, at + F.type, 4);
  const valOff = load(fs, node, spec, at + F.valOff, 8);
  const v = fs.tempVar(I64, "usdt.v");
  fs.writeVar(v, valOff);
  const buf = fs.val(
    { op: "stackslot", slot: fs.b.addStackSlot({ size: 8, align: 8, name: "usdt.buf" }) },
    "ptr",
    node,
  );
  const eight = () => fs.iconst("i32", 8n, node);
  /** The 64-bit register whose pt_regs offset is the u16 at `field`. */
  const register = (field: number): ValueId => {
    const off = fs.val(
      { op: "zext", type: "i64", arg: load(fs, node, spec, at + field, 2) },
      "i64",
      node,
    );
    const addr = fs.val({ op: "ptradd", base: regs, offset: off }, "ptr", node);
    callHelper(fs, "probe_read_kernel", [buf, eight(), addr], node);
    return load(fs, node, buf, 0, 8);
  };
  const isNot = (code: number) =>
    fs.val(
      { op: "icmp", cond: "ne", lhs: type, rhs: fs.iconst("i32", BigInt(code), node) },
      "i1",
      node,
    );
  fs.guard(isNot(UsdtArgType.const), node, () => {
    const reg = register(F.regOff);
    fs.writeVar(v, reg);
    fs.guard(isNot(UsdtArgType.reg), node, () => {
      const addr = fs.tempVar(I64, "usdt.addr");
      fs.writeVar(addr, binary(fs, node, "add", reg, valOff));
      const isSib = fs.val(
        { op: "icmp", cond: "eq", lhs: type, rhs: fs.iconst("i32", BigInt(UsdtArgType.sib), node) },
        "i1",
        node,
      );
      fs.guard(isSib, node, () => {
        const idx = register(F.idxRegOff);
        const scale = fs.val(
          { op: "zext", type: "i64", arg: load(fs, node, spec, at + F.scaleShift, 1) },
          "i64",
          node,
        );
        fs.writeVar(
          addr,
          binary(fs, node, "add", fs.readVar(addr), binary(fs, node, "shl", idx, scale)),
        );
      });
      callHelper(fs, "probe_read_user", [buf, eight(), fs.readVar(addr)], node);
      fs.writeVar(v, load(fs, node, buf, 0, 8));
    });
  });
  const shift = fs.val(
    { op: "zext", type: "i64", arg: load(fs, node, spec, at + F.bitShift, 1) },
    "i64",
    node,
  );
  const high = binary(fs, node, "shl", fs.readVar(v), shift);
  const signed = fs.val(
    {
      op: "icmp",
      cond: "ne",
      lhs: load(fs, node, spec, at + F.signed, 1),
      rhs: fs.iconst("i32", 0n, node),
    },
    "i1",
    node,
  );
  return fs.val(
    {
      op: "select",
      cond: signed,
      ifTrue: binary(fs, node, "ashr", high, shift),
      ifFalse: binary(fs, node, "lshr", high, shift),
    },
    "i64",
    node,
  );
}

/** An unsigned load of `size` bytes at base+offset (i64 for 8 bytes, else i32). */
function load(fs: FuncState, at: Node, base: ValueId, offset: number, size: 1 | 2 | 4 | 8) {
  const type = size === 8 ? "i64" : "i32";
  return fs.val({ op: "load", type, size, signed: false, base, offset }, type, at);
}

function binary(
  fs: FuncState,
  at: Node,
  binop: "add" | "shl" | "lshr" | "ashr",
  lhs: ValueId,
  rhs: ValueId,
): ValueId {
  return fs.val({ op: "binary", binop, lhs, rhs }, "i64", at);
}
