/**
 * Compare-and-branch selection: one IR comparison (icmp, possibly fused with its condbr) → one BPF
 * conditional jump plus the explicit jump to the false target.
 *
 * Consumes a condition and two IR values; emits through the `Selector`. Rules (RFC 9669 §4.3):
 * - a constant operand becomes the imm when it fits (JMP sign-extends imm to 64 bits, JMP32 compares
 *   the low 32 bits), a constant on the left swaps operands;
 * - i32 operands use JMP32 (w registers) with -mcpu ≥ v3; below, the 64-bit compare of zero-extended
 *   values is exact for unsigned conditions, and signed conditions sign-extend both sides first;
 * - `<`/`<=` jumps arrived in v2: on v1 the register form swaps operands, the imm form negates the
 *   condition and swaps the targets;
 * - a flag test `(x & C) != 0` (or `== 0`) whose `and` has no other use is one `jset` (JMP_JSET:
 *   taken when `dst & imm` is not zero) of `x` with C as the imm, instead of `and` into a register
 *   and a compare with 0: one instruction less, and `x` stays live without a copy.
 */
import { INSN_BY_NAME, type InsnSpec } from "../../../core/isa/index.ts";
import { evalCond, IR_BITS } from "../../ir/evaluate.ts";
import type { Cond, ValueId } from "../../ir/types.ts";
import type { Selector } from "./isel-context.ts";
import { COND_PATTERNS } from "./isel-tables.ts";
import { minst, type Reg } from "./mir.ts";

/** True when a signed value fits a 32-bit signed immediate. */
export function fitsImm32(v: bigint): boolean {
  return v >= -(1n << 31n) && v < 1n << 31n;
}

/** The table row with this name (a programming error if missing). */
export function lookupRow(name: string): InsnSpec {
  const row = INSN_BY_NAME.get(name);
  if (!row) throw new Error(`internal: no instruction row ${name}`);
  return row;
}

/**
 * The imm of a `jset` testing the bits `c` of an `i32`/`i64` value, when one does: JMP32 (-mcpu ≥ v3)
 * tests the low 32 bits of an i32; a 64-bit jset sign-extends its imm, so an i32 below v3 (whose high
 * half need not be clear, isel-high-bits.ts) takes only C < 2^31, an i64 only C that sign-extends.
 */
export function jsetImm(type: string, c: bigint, mcpu: number): number | undefined {
  if (type === "i32") {
    const v = BigInt.asUintN(32, c);
    if (mcpu >= 3) return Number(BigInt.asIntN(32, v));
    return v < 1n << 31n ? Number(v) : undefined;
  }
  if (type !== "i64") return undefined;
  const v = BigInt.asIntN(64, c);
  return fitsImm32(v) ? Number(v) : undefined;
}

/**
 * For a value `x & C` (either operand constant), the tested value and the `jset` imm of C, when a
 * jset can test it (see `jsetImm`).
 */
export function flagTestOf(s: Selector, v: ValueId): { src: ValueId; imm: number } | undefined {
  const d = s.defOf(v);
  if (d?.op !== "binary" || d.binop !== "and") return undefined;
  const rc = s.constOf(d.rhs);
  const [src, c] = rc !== undefined ? [d.lhs, rc] : [d.rhs, s.constOf(d.lhs)];
  if (c === undefined || s.constOf(src) !== undefined) return undefined;
  const imm = jsetImm(s.typeOf(v), c, s.mcpu);
  return imm === undefined ? undefined : { src, imm };
}

/** Emits `if lhs COND rhs goto tTrue; goto tFalse`, ending the current block. */
export function emitCompareJump(
  s: Selector,
  cond0: Cond,
  lhs0: ValueId,
  rhs0: ValueId,
  tTrue: number,
  tFalse: number,
): void {
  let cond = cond0;
  let lhs = lhs0;
  let rhs = rhs0;
  const span = s.span;
  const lc = s.constOf(lhs);
  const rc0 = s.constOf(rhs);
  if (lc !== undefined && rc0 !== undefined) {
    s.jump(evalCond(cond, IR_BITS[s.typeOf(lhs)], lc, rc0) ? tTrue : tFalse);
    return;
  }
  if (lc !== undefined) {
    [lhs, rhs] = [rhs, lhs];
    cond = COND_PATTERNS[cond].swapped;
  }
  // A flag test whose `and` was left to this jump (Selector.analyse): one jset.
  const flag = s.isDeferred(lhs) && s.constOf(rhs) === 0n ? flagTestOf(s, lhs) : undefined;
  if (flag && (cond === "eq" || cond === "ne")) {
    const w = s.typeOf(lhs) === "i32" && s.mcpu >= 3 ? 32 : 64;
    const [yes, no] = cond === "ne" ? [tTrue, tFalse] : [tFalse, tTrue];
    s.emit(minst(`jset${w}_imm`, { dst: s.use(flag.src), imm: flag.imm, target: yes, span }));
    s.jump(no);
    return;
  }
  const type = s.typeOf(lhs);
  const jmp32 = type === "i32" && s.mcpu >= 3;
  const narrow64 = type === "i32" && !jmp32;
  const signed = COND_PATTERNS[cond].signed;
  const width = jmp32 ? 32 : 64;
  const operand = (v: ValueId): Reg => {
    // A register already holding the 64-bit sign extension needs no second one.
    if (!(narrow64 && signed) || s.highBitsOf(v) === "sext") return s.use(v);
    const t = s.fresh();
    s.copyInto(t, v);
    s.signExtendInPlace(t, 32, "i64");
    return t;
  };
  const a = operand(lhs);
  const c = s.constOf(rhs);
  let imm: number | undefined;
  if (c !== undefined) {
    if (jmp32) imm = Number(BigInt.asIntN(32, c));
    else if (narrow64) {
      const v = signed ? BigInt.asIntN(32, c) : BigInt.asUintN(32, c);
      if (fitsImm32(v)) imm = Number(v);
    } else if (fitsImm32(BigInt.asIntN(64, c))) imm = Number(BigInt.asIntN(64, c));
  }
  if (imm !== undefined) {
    let row = lookupRow(`${COND_PATTERNS[cond].op}${width}_imm`);
    let yes = tTrue;
    let no = tFalse;
    if (row.isa > s.mcpu) {
      row = lookupRow(`${COND_PATTERNS[COND_PATTERNS[cond].negated].op}${width}_imm`);
      [yes, no] = [no, yes];
    }
    s.emit(minst(row.name, { dst: a, imm, target: yes, span }));
    s.jump(no);
    return;
  }
  let b = operand(rhs);
  let dst = a;
  let row = lookupRow(`${COND_PATTERNS[cond].op}${width}_reg`);
  if (row.isa > s.mcpu) {
    row = lookupRow(`${COND_PATTERNS[COND_PATTERNS[cond].swapped].op}${width}_reg`);
    [dst, b] = [b, dst];
  }
  s.emit(minst(row.name, { dst, src: b, target: tTrue, span }));
  s.jump(tFalse);
}
