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

/** The low byte moved up: `(x & 0xff) << 8` or `(x << 8) & 0xff00`. */
function lowByteUp(q: IdiomQuery, v: ValueId): { x: ValueId; interior: ValueId[] } | undefined {
  const a = binWithConst(q, v, "shl", 8n);
  if (a !== undefined) {
    const x = binWithConst(q, a, "and", 0xffn);
    if (x !== undefined) return { x, interior: [v, a] };
  }
  const b = binWithConst(q, v, "and", 0xff00n);
  if (b !== undefined) {
    const x = binWithConst(q, b, "shl", 8n);
    if (x !== undefined) return { x, interior: [v, b] };
  }
  return undefined;
}

/** The second byte moved down: `(x >> 8) & 0xff` or `(x & 0xff00) >> 8`. */
function highByteDown(q: IdiomQuery, v: ValueId): { x: ValueId; interior: ValueId[] } | undefined {
  const a = binWithConst(q, v, "and", 0xffn);
  if (a !== undefined) {
    const x = binWithConst(q, a, "lshr", 8n);
    if (x !== undefined) return { x, interior: [v, a] };
  }
  const b = binWithConst(q, v, "lshr", 8n);
  if (b !== undefined) {
    const x = binWithConst(q, b, "and", 0xff00n);
    if (x !== undefined) return { x, interior: [v, b] };
  }
  return undefined;
}

/** Recognises `or(lowByteUp(x), highByteDown(x))` (either order) as a 16-bit byte swap of x. */
export function matchByteSwap16(q: IdiomQuery, d: InstData): ByteSwap16 | undefined {
  if (d.op !== "binary" || d.binop !== "or") return undefined;
  for (const [p, r] of [
    [d.lhs, d.rhs],
    [d.rhs, d.lhs],
  ] as const) {
    const lo = lowByteUp(q, p);
    const hi = highByteDown(q, r);
    if (!lo || !hi || lo.x !== hi.x) continue;
    const interior = [...lo.interior, ...hi.interior];
    if (interior.every((v) => q.uses(v) === 1)) return { source: lo.x, interior };
  }
  return undefined;
}
