/**
 * Instruction combining: local algebraic rewrites expressed as a table of rules read by one matcher
 * (after Go's `generic.rules` and Cranelift's ISLE, in plain TypeScript). Each rule looks at one
 * instruction and the definitions of its operands and either leaves it alone or returns a cheaper
 * equivalent; a rule never makes code worse (it never adds an instruction to the layout).
 *
 * Consumes a `Func`; produces one with rewritten instructions. A rewrite may need a new constant
 * (`ptradd (ptradd x, 4), 10` → `ptradd x, 14`): it is appended to the entity tables and placed right
 * before the instruction that uses it, so dominance holds trivially (CSE merges equal constants). Old operands that lose their last use are left for dead-code elimination.
 *
 * Worked example (syscount): `v2:i32 = trunc v1; store.4 v3, 0, v2` stores the low 4 bytes of v2,
 * which are the low 4 bytes of v1, so the store reads v1 directly and the `trunc` (a `w = w` move in
 * BPF) dies.
 */
import { IR_BITS as BITS, NEGATED_COND, evalCond } from "../ir/evaluate.ts";
import type { Func, Inst, InstData, InstId, IrType, Value, ValueId } from "../ir/types.ts";
import { constValue, rewriteFunc, type PassResult } from "./rewrite.ts";

/** What a rule may use besides the instruction: operand definitions and a constant factory. */
export interface RuleContext {
  readonly f: Func;
  /** The defining instruction of a value (undefined for block parameters). */
  def(v: ValueId): InstData | undefined;
  /** A constant operand's value. */
  konst(v: ValueId): bigint | undefined;
  /** A value holding `value` of `type`, materialised just before the instruction being rewritten. */
  constant(type: IrType, value: bigint): ValueId;
}

/** One rewrite rule: the replacement data, or undefined when it does not apply. */
export interface InstRule {
  readonly name: string;
  readonly apply: (d: InstData, cx: RuleContext) => InstData | undefined;
}

const fitsInt16 = (n: bigint) => n >= -32768n && n <= 32767n;

/** Stored value with an extension/truncation the store makes irrelevant, or undefined. */
function storedSource(cx: RuleContext, v: ValueId, size: number): ValueId | undefined {
  const d = cx.def(v);
  if (d?.op !== "trunc" && d?.op !== "zext" && d?.op !== "sext") return undefined;
  const inner = cx.f.values[d.arg]!.type;
  if (inner !== "i32" && inner !== "i64") return undefined;
  // The low `size` bytes must be the same before and after the conversion.
  const outer = BITS[cx.f.values[v]!.type];
  return size * 8 <= Math.min(outer, BITS[inner]) ? d.arg : undefined;
}

/** The non-constant operand and the constant of a binary operation with one constant operand. */
function constOperand(
  cx: RuleContext,
  a: ValueId,
  b: ValueId,
): [ValueId | undefined, bigint | undefined] {
  const kb = cx.konst(b);
  if (kb !== undefined) return cx.konst(a) === undefined ? [a, kb] : [undefined, undefined];
  const ka = cx.konst(a);
  return ka !== undefined ? [b, ka] : [undefined, undefined];
}

/** Address-producing operations whose result is never null. */
const NON_NULL = new Set(["stackslot", "mapref", "globaladdr", "funcaddr"]);

/**
 * The outcome of `v eq k` for a select arm `v` and a constant `k`: decided when `v` is a constant,
 * or an address that is never null compared with null. Undefined when unknown.
 */
function armEquals(cx: RuleContext, v: ValueId, k: bigint): boolean | undefined {
  const c = cx.konst(v);
  if (c !== undefined) return evalCond("eq", BITS[cx.f.values[v]!.type], c, k);
  const d = cx.def(v);
  return d !== undefined && NON_NULL.has(d.op) && k === 0n ? false : undefined;
}

/** The rules, tried in order on every instruction until one applies. */
export const INST_RULES: readonly InstRule[] = [
  {
    // store.N p, o, (trunc|zext|sext x) → store.N p, o, x when the low N bytes agree.
    name: "store-drops-conversion",
    apply: (d, cx) => {
      if (d.op !== "store") return undefined;
      const src = storedSource(cx, d.value, d.size);
      return src === undefined ? undefined : { ...d, value: src };
    },
  },
  {
    // icmp eq|ne (select c, a, b), k → c or !c when a and b each compare with k in a known way: the
    // null test of `map.pop()`'s `c ? buffer : null` is then the test of the helper's result.
    name: "compare-of-select",
    apply: (d, cx) => {
      if (d.op !== "icmp" || (d.cond !== "eq" && d.cond !== "ne")) return undefined;
      const sel = cx.def(d.lhs);
      const k = cx.konst(d.rhs);
      if (sel?.op !== "select" || k === undefined) return undefined;
      const c = cx.def(sel.cond);
      if (c?.op !== "icmp") return undefined;
      const t = armEquals(cx, sel.ifTrue, k);
      const e = armEquals(cx, sel.ifFalse, k);
      if (t === undefined || e === undefined || t === e) return undefined;
      // With eq the result is `t` when c holds; with ne, its negation.
      const sameAsC = d.cond === "eq" ? t : !t;
      return { op: "icmp", cond: sameAsC ? c.cond : NEGATED_COND[c.cond], lhs: c.lhs, rhs: c.rhs };
    },
  },
  {
    // and (and x, c1), c2 → and x, c1 when c2 keeps every bit c1 can leave (c1 & c2 == c1), in
    // either operand order: `u16(~x & 0xffff)` masks twice. The result is the inner `and` again,
    // which CSE then merges. Masks that narrow each other are left alone: `(x & 0xffff) & 0xff` is
    // half of the byte swap idiom that isel selects as one `be16` (isel-idioms.ts).
    name: "redundant-and",
    apply: (d, cx) => {
      if (d.op !== "binary" || d.binop !== "and") return undefined;
      const [inner, c2] = constOperand(cx, d.lhs, d.rhs);
      const id = inner === undefined ? undefined : cx.def(inner);
      if (c2 === undefined || id?.op !== "binary" || id.binop !== "and") return undefined;
      const [x, c1] = constOperand(cx, id.lhs, id.rhs);
      if (x === undefined || c1 === undefined) return undefined;
      const bits = BITS[cx.f.values[inner!]!.type];
      const u = (c: bigint) => BigInt.asUintN(bits, c);
      return (u(c1) & u(c2)) === u(c1) ? id : undefined;
    },
  },
  {
    // ptradd (ptradd x, c1), c2 → ptradd x, c1 + c2.
    name: "ptradd-reassociate",
    apply: (d, cx) => {
      if (d.op !== "ptradd") return undefined;
      const c2 = cx.konst(d.offset);
      const inner = cx.def(d.base);
      if (c2 === undefined || inner?.op !== "ptradd") return undefined;
      const c1 = cx.konst(inner.offset);
      if (c1 === undefined) return undefined;
      return { ...d, base: inner.base, offset: cx.constant("i64", BigInt.asIntN(64, c1 + c2)) };
    },
  },
  {
    // load/store/atomic (ptradd x, c), o → (x, o + c) when the sum fits the 16-bit offset field.
    name: "fold-address-offset",
    apply: (d, cx) => {
      if (d.op !== "load" && d.op !== "store" && d.op !== "atomic" && d.op !== "cmpxchg")
        return undefined;
      const inner = cx.def(d.base);
      if (inner?.op !== "ptradd") return undefined;
      const c = cx.konst(inner.offset);
      if (c === undefined || !fitsInt16(c + BigInt(d.offset))) return undefined;
      return { ...d, base: inner.base, offset: Number(c + BigInt(d.offset)) };
    },
  },
];

/** Applies `INST_RULES` to every instruction (each rule's output is fed to the rules again). */
export function simplifyInsts(f: Func, rules: readonly InstRule[] = INST_RULES): PassResult {
  const values: Value[] = [...f.values];
  const newInsts: Inst[] = [];
  const change = new Map<InstId, InstData>();
  const blockInsts = new Map<Func["layout"][number]["block"], InstId[]>();
  const dataOf = (id: InstId): InstData => change.get(id) ?? f.insts[id]!.data;
  const def = (v: ValueId): InstData | undefined => {
    const vd = values[v]?.def;
    if (vd?.kind !== "inst") return undefined;
    return vd.inst < f.insts.length ? dataOf(vd.inst) : newInsts[vd.inst - f.insts.length]!.data;
  };
  const konst = (v: ValueId): bigint | undefined => {
    const d = def(v);
    return d?.op === "const" ? d.value : constValue(f, v);
  };
  for (const { block, insts } of f.layout) {
    const order: InstId[] = [];
    for (const id of insts) {
      const pending: InstId[] = [];
      const cx: RuleContext = {
        f: { ...f, values },
        def,
        konst,
        constant: (type, value) => {
          const v = values.length as ValueId;
          const inst = (f.insts.length + newInsts.length) as InstId;
          values.push({ type, def: { kind: "inst", inst } });
          newInsts.push({ data: { op: "const", type, value }, result: v, span: f.insts[id]!.span });
          pending.push(inst);
          return v;
        },
      };
      for (let n = 0; n < 8; n++) {
        const cur = dataOf(id);
        let next: InstData | undefined;
        for (const r of rules) if ((next = r.apply(cur, cx)) !== undefined) break;
        if (next === undefined) break;
        change.set(id, next);
      }
      order.push(...pending, id);
    }
    if (order.length !== insts.length) blockInsts.set(block, order);
  }
  if (change.size === 0) return { func: f, changed: false };
  const withValues: Func = { ...f, values };
  return {
    func: rewriteFunc(withValues, { changeInsts: change, newInsts, blockInsts }),
    changed: true,
  };
}
