/**
 * Constant folding: an instruction whose operands are all constants becomes a `const`; a few
 * algebraic identities (`x + 0`, `x * 1`, `x & -1`, `x | 0`, `x ^ 0`, shifts by 0, `select c, x, x`,
 * `select const, a, b`) forward an operand instead. Run to a fixed point by the pipeline.
 *
 * Consumes a `Func`; produces a `Func` with the folded instructions changed in place (the result value
 * keeps its id, so no use needs rewriting). Arithmetic follows the eBPF semantics the code would have
 * had at run time (RFC 9669 §4.1), as compiler/ir/evaluate.ts defines them.
 */
import {
  evalBinary,
  evalCond,
  IR_BITS as BITS,
  normalizeConst as normalize,
} from "../ir/evaluate.ts";
import type { Func, InstData, InstId, ValueId } from "../ir/types.ts";
import { constValue, rewriteFunc, type PassResult } from "./rewrite.ts";

/** Folds constants and simple identities. */
export function foldConstants(f: Func): PassResult {
  const change = new Map<InstId, InstData>();
  const replace = new Map<ValueId, ValueId>();
  const drop = new Set<InstId>();
  const konst = (v: ValueId): bigint | undefined => {
    const d = change.get(
      f.values[v]?.def.kind === "inst"
        ? (f.values[v]!.def as { inst: InstId }).inst
        : (-1 as InstId),
    );
    if (d?.op === "const") return d.value;
    return constValue(f, v);
  };
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const inst = f.insts[id]!;
      const d = inst.data;
      const r = inst.result;
      if (r === null) continue;
      const type = f.values[r]!.type;
      const set = (value: bigint) =>
        change.set(id, { op: "const", type, value: normalize(type, value) });
      const forward = (v: ValueId) => {
        replace.set(r, v);
        drop.add(id);
      };
      switch (d.op) {
        case "binary": {
          const a = konst(d.lhs);
          const b = konst(d.rhs);
          const bits = BITS[type];
          if (a !== undefined && b !== undefined) set(evalBinary(d.binop, bits, a, b));
          else if (b === 0n && ["add", "sub", "or", "xor", "shl", "lshr", "ashr"].includes(d.binop))
            forward(d.lhs);
          else if (b === 1n && ["mul", "udiv", "sdiv"].includes(d.binop)) forward(d.lhs);
          else if (a === 0n && ["add", "or", "xor"].includes(d.binop)) forward(d.rhs);
          else if (a === 1n && d.binop === "mul") forward(d.rhs);
          else if (
            b !== undefined &&
            BigInt.asUintN(bits, b) === (1n << BigInt(bits)) - 1n &&
            d.binop === "and"
          )
            forward(d.lhs);
          else if ((a === 0n || b === 0n) && (d.binop === "mul" || d.binop === "and")) set(0n);
          break;
        }
        case "icmp": {
          const a = konst(d.lhs);
          const b = konst(d.rhs);
          if (a !== undefined && b !== undefined) {
            set(evalCond(d.cond, BITS[f.values[d.lhs]!.type], a, b) ? 1n : 0n);
          } else if (d.lhs === d.rhs) {
            set(["eq", "ule", "uge", "sle", "sge"].includes(d.cond) ? 1n : 0n);
          }
          break;
        }
        case "select": {
          const c = konst(d.cond);
          if (c !== undefined) forward(c !== 0n ? d.ifTrue : d.ifFalse);
          else if (d.ifTrue === d.ifFalse) forward(d.ifTrue);
          break;
        }
        case "zext":
        case "sext":
        case "trunc": {
          const a = konst(d.arg);
          if (a === undefined) break;
          const from = BITS[f.values[d.arg]!.type];
          if (d.op === "zext") set(BigInt.asUintN(from, a));
          else if (d.op === "sext") set(BigInt.asIntN(from, a));
          else set(BigInt.asUintN(BITS[type], a));
          break;
        }
      }
    }
  }
  if (change.size === 0 && replace.size === 0) return { func: f, changed: false };
  return {
    func: rewriteFunc(f, { changeInsts: change, replace, dropInsts: drop }),
    changed: true,
  };
}
