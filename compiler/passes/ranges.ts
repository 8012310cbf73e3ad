/**
 * Value-range analysis the passes share: the interval of signed values an integer value can take at
 * a given block, from constants, arithmetic on known ranges, block parameters (the union of what
 * every incoming edge passes), counted-loop counters (compiler/passes/loops.ts) and the branch
 * conditions that dominate the block (`if (len != 0)`, the loop's own exit test).
 *
 * Consumes a `Func`; produces a query object (`rangeAt`, `decideCompare`). Answers are sound
 * over-approximations: "unknown" is the full range of the type. Cycles other than counted loops
 * resolve to unknown, so the analysis needs no fixed point.
 */
import { evalCond, IR_BITS, NEGATED_COND, SWAPPED_COND } from "../ir/evaluate.ts";
import { successorsOf } from "../ir/builder.ts";
import type { BlockId, Cond, Func, InstId, IrType, ValueId } from "../ir/types.ts";
import { buildCfg, countedLoop, dominates, findLoops, type Cfg } from "./loops.ts";

/** A closed interval of signed values. */
export interface Range {
  readonly lo: bigint;
  readonly hi: bigint;
}

function full(type: IrType): Range {
  if (type === "i1") return { lo: 0n, hi: 1n };
  const bits = BigInt(IR_BITS[type]);
  return { lo: -(1n << (bits - 1n)), hi: (1n << (bits - 1n)) - 1n };
}

function fits(type: IrType, r: Range): boolean {
  const f = full(type);
  return r.lo >= f.lo && r.hi <= f.hi && r.lo <= r.hi;
}

/** A condition known to hold in a block: `value cond bound` (bound a constant). */
interface Fact {
  readonly value: ValueId;
  readonly cond: Cond;
  readonly bound: bigint;
}

export interface Ranges {
  /** The range of `v` in block `b`. */
  rangeAt(v: ValueId, b: BlockId): Range;
  /** The constant result of `icmp cond lhs, rhs` in block `b`, when the ranges decide it. */
  decideCompare(cond: Cond, lhs: ValueId, rhs: ValueId, b: BlockId): boolean | undefined;
}

export function analyzeRanges(f: Func, cfg: Cfg = buildCfg(f)): Ranges {
  const blockOf = new Map<InstId, BlockId>();
  for (const l of f.layout) for (const id of l.insts) blockOf.set(id, l.block);
  // Counted loops give their counter's range (every value it takes, the exit value included).
  const counters = new Map<ValueId, Range>();
  for (const loop of findLoops(f, cfg)) {
    const c = countedLoop(f, cfg, loop, 1 << 16);
    if (!c) continue;
    const all = [...c.values, c.exitValue];
    counters.set(c.counter, {
      lo: all.reduce((a, b) => (b < a ? b : a)),
      hi: all.reduce((a, b) => (b > a ? b : a)),
    });
  }
  // Facts of a block: those of its immediate dominator, plus the branch that is its only way in.
  const factMemo = new Map<BlockId, readonly Fact[]>();
  const factsOf = (b: BlockId): readonly Fact[] => {
    const memo = factMemo.get(b);
    if (memo) return memo;
    const up = cfg.idom.get(b);
    const inherited = up === undefined || up === b ? [] : factsOf(up);
    const preds = cfg.preds.get(b) ?? [];
    let own: Fact | null = null;
    if (preds.length === 1 && preds[0] !== b) {
      const d = f.insts[cfg.term.get(preds[0]!)!]!.data;
      if (d.op === "condbr" && d.then.block !== d.else.block) {
        const test = defData(d.cond);
        if (test?.op === "icmp") {
          const taken = d.then.block === b;
          const cond = taken ? test.cond : NEGATED_COND[test.cond];
          const rc = constOf(test.rhs);
          const lc = constOf(test.lhs);
          if (rc !== undefined) own = { value: test.lhs, cond, bound: rc };
          else if (lc !== undefined) own = { value: test.rhs, cond: SWAPPED_COND[cond], bound: lc };
        }
      }
    }
    const out = own ? [...inherited, own] : inherited;
    factMemo.set(b, out);
    return out;
  };
  function defData(v: ValueId) {
    const def = f.values[v]?.def;
    return def?.kind === "inst" ? f.insts[def.inst]!.data : undefined;
  }
  function constOf(v: ValueId): bigint | undefined {
    const d = defData(v);
    return d?.op === "const" ? d.value : undefined;
  }

  const memo = new Map<string, Range>();
  const active = new Set<string>();
  function rangeAt(v: ValueId, b: BlockId): Range {
    const type = f.values[v]!.type;
    if (type === "ptr") return full("i64");
    const key = `${v}@${b}`;
    const m = memo.get(key);
    if (m) return m;
    if (active.has(key)) return full(type);
    active.add(key);
    let r = intrinsic(v, b, type);
    for (const fact of factsOf(b)) if (fact.value === v) r = refine(r, fact, type);
    active.delete(key);
    memo.set(key, r);
    return r;
  }

  function intrinsic(v: ValueId, b: BlockId, type: IrType): Range {
    const val = f.values[v]!;
    if (val.def.kind === "param") {
      const counted = counters.get(v);
      if (counted) return counted;
      const block = val.def.block;
      const index = val.def.index;
      const preds = cfg.preds.get(block) ?? [];
      if (preds.length === 0) return full(type);
      let lo: bigint | null = null;
      let hi: bigint | null = null;
      for (const p of preds) {
        if (!cfg.idom.has(p)) continue;
        for (const call of successorsOf(f.insts[cfg.term.get(p)!]!.data)) {
          if (call.block !== block) continue;
          const r = rangeAt(call.args[index]!, p);
          lo = lo === null || r.lo < lo ? r.lo : lo;
          hi = hi === null || r.hi > hi ? r.hi : hi;
        }
      }
      return lo === null || hi === null ? full(type) : { lo, hi };
    }
    const d = f.insts[val.def.inst]!.data;
    const at = blockOf.get(val.def.inst) ?? b;
    // Operands are evaluated in the block asking (its facts hold for them too: it is dominated by
    // their definitions).
    const of = (x: ValueId) => rangeAt(x, b === at || dominates(cfg, at, b) ? b : at);
    switch (d.op) {
      case "const":
        return { lo: d.value, hi: d.value };
      case "zext": {
        const r = of(d.arg);
        const from = f.values[d.arg]!.type;
        return r.lo >= 0n ? r : from === "i1" ? { lo: 0n, hi: 1n } : unsignedFull(from, type);
      }
      case "sext":
        return of(d.arg);
      case "trunc": {
        const r = of(d.arg);
        return fits(type, r) ? r : full(type);
      }
      case "icmp":
        return { lo: 0n, hi: 1n };
      case "select": {
        const a = of(d.ifTrue);
        const c = of(d.ifFalse);
        return { lo: a.lo < c.lo ? a.lo : c.lo, hi: a.hi > c.hi ? a.hi : c.hi };
      }
      case "binary": {
        const a = of(d.lhs);
        const c = of(d.rhs);
        let r: Range | null = null;
        if (d.binop === "add") r = { lo: a.lo + c.lo, hi: a.hi + c.hi };
        else if (d.binop === "sub") r = { lo: a.lo - c.hi, hi: a.hi - c.lo };
        else if (d.binop === "and" && c.lo === c.hi && c.lo >= 0n) r = { lo: 0n, hi: c.lo };
        else if (d.binop === "and" && a.lo === a.hi && a.lo >= 0n) r = { lo: 0n, hi: a.lo };
        else if (d.binop === "urem" && c.lo === c.hi && c.lo > 0n) r = { lo: 0n, hi: c.lo - 1n };
        else if (d.binop === "mul" && a.lo >= 0n && c.lo >= 0n)
          r = { lo: a.lo * c.lo, hi: a.hi * c.hi };
        else if (d.binop === "shl" && c.lo === c.hi && a.lo >= 0n && c.lo >= 0n && c.lo < 64n)
          r = { lo: a.lo << c.lo, hi: a.hi << c.lo };
        else if (d.binop === "lshr" && c.lo === c.hi && a.lo >= 0n && c.lo > 0n)
          r = { lo: 0n, hi: a.hi >> c.lo };
        return r && fits(type, r) ? r : full(type);
      }
      default:
        return full(type);
    }
  }

  return {
    rangeAt,
    decideCompare(cond, lhs, rhs, b) {
      const type = f.values[lhs]!.type;
      if (type === "ptr") return undefined;
      return decide(cond, rangeAt(lhs, b), rangeAt(rhs, b), IR_BITS[type]);
    },
  };
}

function unsignedFull(from: IrType, to: IrType): Range {
  const bits = BigInt(IR_BITS[from]);
  const r = { lo: 0n, hi: (1n << bits) - 1n };
  return fits(to, r) ? r : full(to);
}

/** Narrows `r` by a fact `v cond bound` about the same value. */
function refine(r: Range, fact: Fact, type: IrType): Range {
  const b = fact.bound;
  const signedCond = ["slt", "sle", "sgt", "sge"].includes(fact.cond);
  // Unsigned facts narrow only ranges known to be non-negative (then both orders agree).
  if (!signedCond && fact.cond !== "eq" && fact.cond !== "ne" && (r.lo < 0n || b < 0n)) return r;
  let { lo, hi } = r;
  switch (fact.cond) {
    case "eq":
      lo = b > lo ? b : lo;
      hi = b < hi ? b : hi;
      break;
    case "ne":
      if (lo === b) lo = lo + 1n;
      if (hi === b) hi = hi - 1n;
      break;
    case "slt":
    case "ult":
      if (b - 1n < hi) hi = b - 1n;
      break;
    case "sle":
    case "ule":
      if (b < hi) hi = b;
      break;
    case "sgt":
    case "ugt":
      if (b + 1n > lo) lo = b + 1n;
      break;
    case "sge":
    case "uge":
      if (b > lo) lo = b;
      break;
  }
  return lo <= hi && fits(type, { lo, hi }) ? { lo, hi } : r;
}

/** Whether `a cond c` holds for every pair of the ranges (true), none (false), or neither. */
function decide(cond: Cond, a: Range, c: Range, bits: number): boolean | undefined {
  const unsigned = ["ult", "ule", "ugt", "uge"].includes(cond);
  if (unsigned && (a.lo < 0n || c.lo < 0n)) return undefined;
  if (a.lo === a.hi && c.lo === c.hi) return evalCond(cond, bits, a.lo, c.lo);
  switch (cond) {
    case "eq":
      return a.hi < c.lo || a.lo > c.hi ? false : undefined;
    case "ne":
      return a.hi < c.lo || a.lo > c.hi ? true : undefined;
    case "slt":
    case "ult":
      return a.hi < c.lo ? true : a.lo >= c.hi ? false : undefined;
    case "sle":
    case "ule":
      return a.hi <= c.lo ? true : a.lo > c.hi ? false : undefined;
    case "sgt":
    case "ugt":
      return a.lo > c.hi ? true : a.hi <= c.lo ? false : undefined;
    case "sge":
    case "uge":
      return a.lo >= c.hi ? true : a.hi < c.lo ? false : undefined;
  }
}
