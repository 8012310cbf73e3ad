/**
 * Multi-instruction IR idioms that one BPF instruction computes, recognised by instruction selection
 * (LLVM's InstCombine recognises the same bswap shapes). Today: the byte swaps that `htons` / `ntohs`
 * and `htonl` / `ntohl` lower to — `((x & 0xff) << 8) | ((x >> 8) & 0xff)` and the or of four bytes
 * each moved to its mirror position — which are `be16` / `be32` on little-endian BPF (RFC 9669
 * §4.2: `dst = htobe16(dst)`, the upper bits cleared).
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

/** A recognised byte swap: `source`'s low `bits` bits swapped, zero-extended. */
export interface ByteSwap {
  readonly source: ValueId;
  readonly bits: 16 | 32;
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

/** Recognises a 16-bit (below) or 32-bit (`matchByteSwap32`) byte swap rooted at `or` d. */
export function matchByteSwap(q: IdiomQuery, d: InstData): ByteSwap | undefined {
  return matchByteSwap16(q, d) ?? matchByteSwap32(q, d);
}

/** Recognises `or(LOW_BYTE_UP(x), HIGH_BYTE_DOWN(x))` (either order) as a 16-bit byte swap of x. */
function matchByteSwap16(q: IdiomQuery, d: InstData): ByteSwap | undefined {
  if (d.op !== "binary" || d.binop !== "or") return undefined;
  for (const [p, r] of [
    [d.lhs, d.rhs],
    [d.rhs, d.lhs],
  ] as const) {
    const lo = matchChain(q, p, LOW_BYTE_UP);
    const hi = matchChain(q, r, HIGH_BYTE_DOWN);
    if (!lo || !hi || lo.x !== hi.x) continue;
    const interior = [...lo.interior, ...hi.interior];
    if (interior.every((v) => q.uses(v) === 1)) return { source: lo.x, bits: 16, interior };
  }
  return undefined;
}

/** One byte of x moved: byte `from` of x (counting from the low end) placed at byte `to`. */
interface MovedByte {
  readonly x: ValueId;
  readonly from: number;
  readonly to: number;
  readonly interior: readonly ValueId[];
}

/** A multiple of 8 below 32 as a byte count, else undefined. */
function byteShift(c: bigint | undefined): number | undefined {
  return c !== undefined && c >= 0n && c < 32n && c % 8n === 0n ? Number(c / 8n) : undefined;
}

/** `(x >> 8·from) & 0xff` (or `x & 0xff`): byte `from` of x at byte 0. */
function lowByte(q: IdiomQuery, v: ValueId): MovedByte | undefined {
  const y = binWithConst(q, v, "and", 0xffn);
  if (y === undefined) return undefined;
  const d = q.def(y);
  if (d?.op === "binary" && d.binop === "lshr") {
    const from = byteShift(q.konst(d.rhs));
    if (from !== undefined) return { x: d.lhs, from, to: 0, interior: [v, y] };
  }
  return { x: y, from: 0, to: 0, interior: [v] };
}

/** A byte moved up from the low end: `lowByte << 8·to`, or `lowByte` itself (to = 0). */
function movedByte(q: IdiomQuery, v: ValueId): MovedByte | undefined {
  const d = q.def(v);
  if (d?.op === "binary" && d.binop === "shl") {
    const to = byteShift(q.konst(d.rhs));
    const b = to === undefined ? undefined : lowByte(q, d.lhs);
    return b && { ...b, to: to!, interior: [v, ...b.interior] };
  }
  return lowByte(q, v);
}

/**
 * Recognises an or-tree of four moved bytes of one value x — byte i placed at byte 3 - i, the form
 * `htonl` lowers to, in any association and order — as a 32-bit byte swap of x.
 */
function matchByteSwap32(q: IdiomQuery, d: InstData): ByteSwap | undefined {
  if (d.op !== "binary" || d.binop !== "or") return undefined;
  const ors: ValueId[] = [];
  const leaves: ValueId[] = [];
  const walk = (v: ValueId): void => {
    const e = q.def(v);
    if (e?.op === "binary" && e.binop === "or" && leaves.length + ors.length < 8) {
      ors.push(v);
      walk(e.lhs);
      walk(e.rhs);
    } else leaves.push(v);
  };
  walk(d.lhs);
  walk(d.rhs);
  if (leaves.length !== 4) return undefined;
  const bytes = leaves.map((v) => movedByte(q, v));
  const x = bytes[0]?.x;
  const seen = new Set<number>();
  for (const b of bytes) {
    if (!b || b.x !== x || b.from + b.to !== 3 || seen.has(b.from)) return undefined;
    seen.add(b.from);
  }
  const interior = [...ors, ...bytes.flatMap((b) => b!.interior)];
  if (!interior.every((v) => q.uses(v) === 1)) return undefined;
  return { source: x!, bits: 32, interior };
}
