/**
 * JavaScript snippet templates for the JIT, one per (op, width) of the instruction table.
 *
 * Consumes operand descriptions (register halves or constants); produces JS statements over the
 * generated function's locals. A 64-bit BPF register rN lives in two int32 locals `rNl` (bits 0–31)
 * and `rNh` (bits 32–63), so the hot path never touches BigInt; only 64-bit div/mod fall back to BigInt
 * in the runtime (`div64`).
 *
 * Invariants the snippets keep: every register local holds an int32 after each statement (results go
 * through `| 0`, `<<`, `>>` or `Math.imul`); 32-bit operations write 0 to the high half (RFC 9669 §4.1
 * zero-extension); `t`, `u` are scratch locals that no snippet expects to survive it.
 * Semantics match runtime/vm/interpreter.ts (the reference); test/vm-engine checks both on every row.
 */
import type { InsnOp } from "../../../core/isa/index.ts";

/** A 64-bit operand: either a register's two halves or a sign-extended constant. */
export interface Operand {
  /** JS expression of bits 0–31 (an int32 local or literal). */
  readonly l: string;
  /** JS expression of bits 32–63. */
  readonly h: string;
  /** The constant value of `l` when the operand is an immediate. */
  readonly constant: number | null;
}

/** An operand for a register pair. */
export function regOperand(n: number): Operand {
  return { l: `r${n}l`, h: `r${n}h`, constant: null };
}

/** An operand for a 32-bit immediate, sign-extended to 64 bits (RFC 9669 §4). */
export function immOperand(imm: number): Operand {
  const v = imm | 0;
  return { l: `(${v})`, h: v < 0 ? "(-1)" : "0", constant: v };
}

/** Template of a binary ALU operation: dst ← dst OP src. */
export type AluTemplate = (d: Operand, s: Operand) => string;

const ZEXT = (d: Operand, expr: string) => `${d.l} = ${expr}; ${d.h} = 0;`;

function shiftLeft64(d: Operand, n: number): string {
  if (n === 0) return "";
  if (n < 32) return `${d.h} = (${d.h} << ${n}) | (${d.l} >>> ${32 - n}); ${d.l} = ${d.l} << ${n};`;
  return `${d.h} = ${d.l} << ${n - 32}; ${d.l} = 0;`;
}

function shiftRight64(d: Operand, n: number, arith: boolean): string {
  const hop = arith ? ">>" : ">>>";
  if (n === 0) return "";
  if (n < 32) {
    return `${d.l} = (${d.l} >>> ${n}) | (${d.h} << ${32 - n}); ${d.h} = (${d.h} ${hop} ${n}) | 0;`;
  }
  return `${d.l} = (${d.h} ${hop} ${n - 32}) | 0; ${d.h} = ${arith ? `${d.h} >> 31` : "0"};`;
}

/** 64-bit shift by a register amount: snippets for each case of the masked count `t`. */
function shiftByReg64(d: Operand, s: Operand, kind: "lsh" | "rsh" | "arsh"): string {
  const arith = kind === "arsh";
  const hop = arith ? ">>" : ">>>";
  const small =
    kind === "lsh"
      ? `${d.h} = (${d.h} << t) | (${d.l} >>> (32 - t)); ${d.l} = ${d.l} << t;`
      : `${d.l} = (${d.l} >>> t) | (${d.h} << (32 - t)); ${d.h} = (${d.h} ${hop} t) | 0;`;
  const big =
    kind === "lsh"
      ? `${d.h} = ${d.l} << (t - 32); ${d.l} = 0;`
      : `${d.l} = (${d.h} ${hop} (t - 32)) | 0; ${d.h} = ${arith ? `${d.h} >> 31` : "0"};`;
  return `t = ${s.l} & 63; if (t !== 0) { if (t < 32) { ${small} } else { ${big} } }`;
}

/** 64-bit div/mod: a number fast path when both operands fit in 32 unsigned bits, else BigInt. */
function divmod64(op: "div" | "mod" | "sdiv" | "smod"): AluTemplate {
  const code = { div: 0, mod: 1, sdiv: 2, smod: 3 }[op];
  return (d, s) => {
    const slow = `div64(st, ${code}, ${d.l}, ${d.h}, ${s.l}, ${s.h}); ${d.l} = st.rl; ${d.h} = st.rh;`;
    if (op === "div" || op === "mod") {
      const fast =
        op === "div"
          ? `${d.l} = ((${d.l} >>> 0) / (${s.l} >>> 0)) | 0;`
          : `${d.l} = ((${d.l} >>> 0) % (${s.l} >>> 0)) | 0;`;
      return `if ((${d.h} | ${s.h}) === 0 && ${s.l} !== 0) { ${fast} } else { ${slow} }`;
    }
    return slow;
  };
}

/** Binary ALU templates keyed by `${op}${width}` (every alu row of the table has one). */
export const ALU_TEMPLATES: Readonly<Record<string, AluTemplate>> = {
  // Carry/borrow from unsigned compares keeps every value an int32 (no double arithmetic).
  add64: (d, s) =>
    `t = (${d.l} + ${s.l}) | 0; ${d.h} = (${d.h} + ${s.h} + ((t >>> 0) < (${d.l} >>> 0) ? 1 : 0)) | 0; ${d.l} = t;`,
  sub64: (d, s) =>
    `t = (${d.l} - ${s.l}) | 0; ${d.h} = (${d.h} - ${s.h} - ((${d.l} >>> 0) < (${s.l} >>> 0) ? 1 : 0)) | 0; ${d.l} = t;`,
  mul64: (d, s) =>
    `t = mulhu(${d.l}, ${s.l}); ${d.h} = (t + Math.imul(${d.l}, ${s.h}) + Math.imul(${d.h}, ${s.l})) | 0; ${d.l} = Math.imul(${d.l}, ${s.l});`,
  div64: divmod64("div"),
  mod64: divmod64("mod"),
  sdiv64: divmod64("sdiv"),
  smod64: divmod64("smod"),
  or64: (d, s) => `${d.l} |= ${s.l}; ${d.h} |= ${s.h};`,
  and64: (d, s) => `${d.l} &= ${s.l}; ${d.h} &= ${s.h};`,
  xor64: (d, s) => `${d.l} ^= ${s.l}; ${d.h} ^= ${s.h};`,
  lsh64: (d, s) =>
    s.constant !== null ? shiftLeft64(d, s.constant & 63) : shiftByReg64(d, s, "lsh"),
  rsh64: (d, s) =>
    s.constant !== null ? shiftRight64(d, s.constant & 63, false) : shiftByReg64(d, s, "rsh"),
  arsh64: (d, s) =>
    s.constant !== null ? shiftRight64(d, s.constant & 63, true) : shiftByReg64(d, s, "arsh"),
  add32: (d, s) => ZEXT(d, `(${d.l} + ${s.l}) | 0`),
  sub32: (d, s) => ZEXT(d, `(${d.l} - ${s.l}) | 0`),
  mul32: (d, s) => ZEXT(d, `Math.imul(${d.l}, ${s.l})`),
  div32: (d, s) => ZEXT(d, `${s.l} === 0 ? 0 : ((${d.l} >>> 0) / (${s.l} >>> 0)) | 0`),
  mod32: (d, s) => ZEXT(d, `${s.l} === 0 ? ${d.l} : ((${d.l} >>> 0) % (${s.l} >>> 0)) | 0`),
  // INT_MIN / -1 wraps to INT_MIN and INT_MIN % -1 is 0 (RFC 9669 §4.1); JS would give 2^31 / -0.
  sdiv32: (d, s) =>
    ZEXT(d, `${s.l} === 0 ? 0 : ${s.l} === -1 ? -${d.l} | 0 : (${d.l} / ${s.l}) | 0`),
  smod32: (d, s) => ZEXT(d, `${s.l} === 0 ? ${d.l} : ${s.l} === -1 ? 0 : (${d.l} % ${s.l}) | 0`),
  or32: (d, s) => ZEXT(d, `${d.l} | ${s.l}`),
  and32: (d, s) => ZEXT(d, `${d.l} & ${s.l}`),
  xor32: (d, s) => ZEXT(d, `${d.l} ^ ${s.l}`),
  lsh32: (d, s) => ZEXT(d, `${d.l} << (${s.l} & 31)`),
  rsh32: (d, s) => ZEXT(d, `(${d.l} >>> (${s.l} & 31)) | 0`),
  arsh32: (d, s) => ZEXT(d, `${d.l} >> (${s.l} & 31)`),
  mov64: (d, s) => `${d.l} = ${s.l}; ${d.h} = ${s.h};`,
  mov32: (d, s) => ZEXT(d, s.l),
};

/** dst ← -dst. */
export const NEG_TEMPLATES: Readonly<Record<string, (d: Operand) => string>> = {
  neg64: (d) => `${d.h} = (~${d.h} + (${d.l} === 0 ? 1 : 0)) | 0; ${d.l} = -${d.l} | 0;`,
  neg32: (d) => ZEXT(d, `-${d.l} | 0`),
};

/** dst ← sign-extend(src, bits), for `${width}_${bits}`. */
export function movsxTemplate(width: 32 | 64, bits: number, d: Operand, s: Operand): string {
  const ext = bits === 32 ? s.l : `(${s.l} << ${32 - bits}) >> ${32 - bits}`;
  return width === 32 ? ZEXT(d, ext) : `${d.l} = ${ext}; ${d.h} = ${d.l} >> 31;`;
}

const BSWAP32 = (x: string) =>
  `(((${x} & 0xff) << 24) | ((${x} & 0xff00) << 8) | ((${x} >>> 8) & 0xff00) | (${x} >>> 24))`;

/** Byte-order conversions on a little-endian VM: `le` truncates, `be`/`bswap` reverse (RFC 9669 §4.2). */
export function endTemplate(op: InsnOp, bits: number, d: Operand): string {
  if (op === "le") {
    if (bits === 16) return ZEXT(d, `${d.l} & 0xffff`);
    return bits === 32 ? `${d.h} = 0;` : "";
  }
  if (bits === 16) return ZEXT(d, `((${d.l} & 0xff) << 8) | ((${d.l} >>> 8) & 0xff)`);
  if (bits === 32) return ZEXT(d, BSWAP32(d.l));
  return `t = ${BSWAP32(d.l)}; ${d.l} = ${BSWAP32(d.h)}; ${d.h} = t;`;
}

/** A condition over two operands of a conditional jump, keyed by `${op}${width}`. */
export function jumpCondition(op: InsnOp, width: 32 | 64, a: Operand, b: Operand): string {
  const u = (x: string) => `(${x} >>> 0)`;
  if (width === 32) {
    const rel = REL[op];
    if (op === "jset") return `(${a.l} & ${b.l}) !== 0`;
    if (!rel) throw new Error(`no jump template for ${op}${width}`);
    return rel.signed ? `${a.l} ${rel.cmp} ${b.l}` : `${u(a.l)} ${rel.cmp} ${u(b.l)}`;
  }
  if (op === "jeq") return `${a.l} === ${b.l} && ${a.h} === ${b.h}`;
  if (op === "jne") return `(${a.l} !== ${b.l} || ${a.h} !== ${b.h})`;
  if (op === "jset") return `((${a.l} & ${b.l}) | (${a.h} & ${b.h})) !== 0`;
  const rel = REL[op];
  if (!rel) throw new Error(`no jump template for ${op}${width}`);
  // Compare high halves (signed or unsigned), then low halves unsigned.
  const strict = rel.cmp.replace("=", "");
  const hi = rel.signed ? [a.h, b.h] : [u(a.h), u(b.h)];
  return `(${hi[0]} ${strict} ${hi[1]} || (${a.h} === ${b.h} && ${u(a.l)} ${rel.cmp} ${u(b.l)}))`;
}

const REL: Partial<Record<InsnOp, { cmp: string; signed: boolean }>> = {
  jeq: { cmp: "===", signed: false },
  jne: { cmp: "!==", signed: false },
  jgt: { cmp: ">", signed: false },
  jge: { cmp: ">=", signed: false },
  jlt: { cmp: "<", signed: false },
  jle: { cmp: "<=", signed: false },
  jsgt: { cmp: ">", signed: true },
  jsge: { cmp: ">=", signed: true },
  jslt: { cmp: "<", signed: true },
  jsle: { cmp: "<=", signed: true },
};

/** Read of `size` bytes at DataView offset `a` of slot `s` into dst (sign-extending when `signed`). */
export function loadTemplate(size: number, signed: boolean, d: Operand): string {
  if (size === 8)
    return `${d.l} = s.view.getInt32(a, true); ${d.h} = s.view.getInt32(a + 4, true);`;
  const get = {
    1: signed ? "getInt8(a)" : "getUint8(a)",
    2: signed ? "getInt16(a, true)" : "getUint16(a, true)",
    4: "getInt32(a, true)",
  }[size as 1 | 2 | 4];
  return `${d.l} = s.view.${get}; ${d.h} = ${signed ? `${d.l} >> 31` : "0"};`;
}

/** Write of `size` bytes of value v at DataView offset `a` of slot `s`. */
export function storeTemplate(size: number, v: Operand): string {
  if (size === 8) return `s.view.setInt32(a, ${v.l}, true); s.view.setInt32(a + 4, ${v.h}, true);`;
  const set = { 1: "setInt8(a, ", 2: "setInt16(a, ", 4: "setInt32(a, " }[size as 1 | 2 | 4];
  return `s.view.${set}${v.l}${size === 1 ? "" : ", true"});`;
}

/** New memory value of an atomic read-modify-write from old (`t`,`u`) and src (RFC 9669 §5.3). */
export const ATOMIC_UPDATE: Readonly<
  Partial<Record<InsnOp, "add" | "or" | "and" | "xor" | "xchg">>
> = {
  atomic_add: "add",
  atomic_fetch_add: "add",
  atomic_or: "or",
  atomic_fetch_or: "or",
  atomic_and: "and",
  atomic_fetch_and: "and",
  atomic_xor: "xor",
  atomic_fetch_xor: "xor",
  atomic_xchg: "xchg",
};
