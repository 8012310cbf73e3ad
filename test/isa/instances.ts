/**
 * Representative instances of every instruction-table row, for the table-driven tests.
 *
 * Produces, per row, one instance with typical field values plus one instance per edge value of each
 * field the row uses (r0/r10, offsets 0/±1/±32767/-32768, imm 0/±1/INT32_MAX/INT32_MIN, lddw constants
 * and every pseudo source). Fields the row does not use stay zero, so every instance is a valid
 * encoding of its row.
 */
import {
  INSNS,
  PseudoSrc,
  makeInsn,
  splitImm64,
  type Insn,
  type InsnSpec,
} from "../../core/isa/index.ts";

const REGS = [0, 1, 9, 10];
const OFFS = [0, 1, -1, 4, -8, 32767, -32768];
const IMMS = [0, 1, -1, 42, -4096, 0x7fffffff, -0x80000000];
const IMM64S = [0n, 1n, -1n, 0x123456789abcdef0n, -(2n ** 63n), 2n ** 63n - 1n, 0xffffffffn];

/** Every instance for one row (at least one). */
export function instancesOf(spec: InsnSpec): Insn[] {
  const uses = (f: string) => spec.fields.includes(f as never);
  const base = {
    dst: uses("dst") ? 3 : 0,
    src: uses("src") && spec.kind !== "lddw" && spec.kind !== "call" ? 2 : undefined,
    off: uses("off") && spec.offMatch === null ? -16 : undefined,
    imm: uses("imm") && spec.immMatch === null && spec.kind !== "lddw" ? 7 : undefined,
  };
  const out: Insn[] = [makeInsn(spec, base)];
  if (uses("dst")) for (const dst of REGS) out.push(makeInsn(spec, { ...base, dst }));
  if (base.src !== undefined) for (const src of REGS) out.push(makeInsn(spec, { ...base, src }));
  if (base.off !== undefined) for (const off of OFFS) out.push(makeInsn(spec, { ...base, off }));
  if (base.imm !== undefined) for (const imm of IMMS) out.push(makeInsn(spec, { ...base, imm }));
  if (spec.kind === "lddw") {
    for (const v of IMM64S) out.push(makeInsn(spec, { ...base, src: 0, ...splitImm64(v) }));
    for (const src of [...Object.values(PseudoSrc).filter((s) => s !== 0), 9, 15]) {
      for (const [imm, imm2] of [
        [3, 0],
        [-1, 16],
        [0x7fffffff, -4],
      ] as const) {
        out.push(makeInsn(spec, { ...base, src, imm, imm2 }));
      }
    }
  }
  return out;
}

/** Instances of every row, in table order. */
export function allInstances(): Insn[] {
  return INSNS.flatMap(instancesOf);
}

/** The comparable content of an instruction (row id instead of the row object). */
export function fieldsOf(i: Insn) {
  return { id: i.spec.id, dst: i.dst, src: i.src, off: i.off, imm: i.imm, imm2: i.imm2 };
}
