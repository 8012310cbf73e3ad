/**
 * Multi-instruction IR idioms that one BPF instruction computes, recognised by instruction selection
 * (LLVM's InstCombine recognises the same bswap shapes). Today: the 16-bit byte swap that `htons` /
 * `ntohs` lower to, `((x & 0xff) << 8) | ((x >> 8) & 0xff)`, which is `be16` on little-endian BPF
 * (RFC 9669 §4.2: `dst = htobe16(dst)`, the upper bits cleared).
 *
 * Consumes the IR definitions through a lookup function; produces the idiom's source value and the
 * interior values it absorbs (each must have no other use, so not computing them is safe). Pure.
 */
import type { BinaryOp, InstData, ValueId } from "../../ir/types.ts";

/** What the matcher may ask about the IR. */
export interface IdiomQuery {
  def(v: ValueId): InstData | undefined;
  konst(v: ValueId): bigint | undefined;
  /** Number of uses of a value. */
  uses(v: ValueId): number;
}

/** A recognised 16-bit byte swap: `source`'s low 16 bits swapped, zero-extended. */
export interface ByteSwap16 {
  readonly source: ValueId;
  /** Values computed only for the idiom (their instructions are not selected). */
  readonly interior: readonly ValueId[];
}

/** `v = op(x, c)` (either operand order for commutative ops) → x, when c is the constant. */
function binWithConst(q: IdiomQuery, v: ValueId, op: BinaryOp, c: bigint): ValueId | undefined {
  const d = q.def(v);
  if (d?.op !== "binary" || d.binop !== op) return undefined;
  if (q.konst(d.rhs) === c) return d.lhs;
  if ((op === "and" || op === "or") && q.konst(d.lhs) === c) return d.rhs;
  return undefined;
}

/** One step of a chain: a binary operation with a constant operand. */
type ConstStep = readonly [BinaryOp, bigint];

/**
 * Matches `v = outer(inner(x, c1), c2)` for the first form `[outer, inner]` that fits; returns x and
 * the values the idiom replaces (v and the intermediate).
 */
function matchChain(
  q: IdiomQuery,
  v: ValueId,
  forms: readonly (readonly [ConstStep, ConstStep])[],
): { x: ValueId; interior: ValueId[] } | undefined {
  for (const [[outerOp, outerC], [innerOp, innerC]] of forms) {
    const a = binWithConst(q, v, outerOp, outerC);
    if (a === undefined) continue;
    const x = binWithConst(q, a, innerOp, innerC);
    if (x !== undefined) return { x, interior: [v, a] };
  }
  return undefined;
}

/** The low byte moved up: `(x & 0xff) << 8` or `(x << 8) & 0xff00`. */
const LOW_BYTE_UP: readonly (readonly [ConstStep, ConstStep])[] = [
  [
    ["shl", 8n],
    ["and", 0xffn],
  ],
  [
    ["and", 0xff00n],
    ["shl", 8n],
  ],
];

/** The second byte moved down: `(x >> 8) & 0xff` or `(x & 0xff00) >> 8`. */
const HIGH_BYTE_DOWN: readonly (readonly [ConstStep, ConstStep])[] = [
  [
    ["and", 0xffn],
    ["lshr", 8n],
  ],
  [
    ["lshr", 8n],
    ["and", 0xff00n],
  ],
];

/** Recognises `or(LOW_BYTE_UP(x), HIGH_BYTE_DOWN(x))` (either order) as a 16-bit byte swap of x. */
export function matchByteSwap16(q: IdiomQuery, d: InstData): ByteSwap16 | undefined {
  if (d.op !== "binary" || d.binop !== "or") return undefined;
  for (const [p, r] of [
    [d.lhs, d.rhs],
    [d.rhs, d.lhs],
  ] as const) {
    const lo = matchChain(q, p, LOW_BYTE_UP);
    const hi = matchChain(q, r, HIGH_BYTE_DOWN);
    if (!lo || !hi || lo.x !== hi.x) continue;
    const interior = [...lo.interior, ...hi.interior];
    if (interior.every((v) => q.uses(v) === 1)) return { source: lo.x, interior };
  }
  return undefined;
}
