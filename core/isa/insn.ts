/**
 * Decoded instructions and their binary encoding (RFC 9669 §3).
 *
 * Consumes raw little-endian bytes or `Insn` records; produces the other. Decoding picks the table row
 * from the opcode byte and, where the ISA hides variants in other fields, from src/off/imm. Encoding and
 * decoding are exact inverses on every valid instruction (checked per table row by test/isa).
 *
 * A program is a list of `Insn`; each occupies one 8-byte slot except `lddw`, which occupies two.
 * Jump and call offsets count slots, so `slotOffsets()` maps list indices to slot numbers.
 */
import { INSN_SIZE } from "./opcode.ts";
import { INSNS_BY_OPCODE, type InsnSpec } from "./table.ts";

/** One decoded instruction. Plain data: the row plus the raw field values. */
export interface Insn {
  readonly spec: InsnSpec;
  /** Destination register field, 0–15 (valid programs use 0–10). */
  readonly dst: number;
  /** Source register field, 0–15; for lddw and call, the pseudo-source / call kind. */
  readonly src: number;
  /** Signed 16-bit offset field. */
  readonly off: number;
  /** Signed 32-bit immediate. */
  readonly imm: number;
  /** lddw only: the signed 32-bit immediate of the second slot (upper half of the constant). */
  readonly imm2: number;
}

/** An error in bytecode: names the slot and what is wrong with it. */
export class BytecodeError extends Error {
  constructor(
    message: string,
    readonly slot: number,
  ) {
    super(`instruction ${slot}: ${message}`);
    this.name = "BytecodeError";
  }
}

/** Builds an instruction from a row and its fields (unused fields default to zero). */
export function makeInsn(
  spec: InsnSpec,
  fields: { dst?: number; src?: number; off?: number; imm?: number; imm2?: number } = {},
): Insn {
  return {
    spec,
    dst: fields.dst ?? 0,
    src: fields.src ?? spec.srcMatch ?? 0,
    off: fields.off ?? spec.offMatch ?? 0,
    imm: fields.imm ?? spec.immMatch ?? 0,
    imm2: fields.imm2 ?? 0,
  };
}

/** Number of slots an instruction occupies. */
export function slotCount(insn: Insn): 1 | 2 {
  return insn.spec.kind === "lddw" ? 2 : 1;
}

/** The 64-bit constant of an lddw, as an unsigned bigint. */
export function lddwValue(insn: Insn): bigint {
  return (BigInt(insn.imm2 >>> 0) << 32n) | BigInt(insn.imm >>> 0);
}

/** Splits a 64-bit constant into lddw's two signed 32-bit immediates. */
export function splitImm64(value: bigint): { imm: number; imm2: number } {
  const v = BigInt.asUintN(64, value);
  return { imm: Number(BigInt.asIntN(32, v)), imm2: Number(BigInt.asIntN(32, v >> 32n)) };
}

/** Finds the table row for the raw fields of one slot, or undefined if no row matches. */
export function lookupSpec(
  opcode: number,
  src: number,
  off: number,
  imm: number,
): InsnSpec | undefined {
  for (const s of INSNS_BY_OPCODE[opcode] ?? []) {
    if (s.srcMatch !== null && s.srcMatch !== src) continue;
    if (s.offMatch !== null && s.offMatch !== off) continue;
    if (s.immMatch !== null && s.immMatch !== imm) continue;
    return s;
  }
  return undefined;
}

function writeSlot(
  view: DataView,
  at: number,
  opcode: number,
  dst: number,
  src: number,
  off: number,
  imm: number,
) {
  view.setUint8(at, opcode);
  view.setUint8(at + 1, ((src & 0xf) << 4) | (dst & 0xf));
  view.setInt16(at + 2, off, true);
  view.setInt32(at + 4, imm | 0, true);
}

/**
 * Size of a program in 8-byte instruction slots (an lddw takes two): the count the kernel's
 * `insn_cnt`, its verifier log and llvm-objdump's addresses use.
 */
export function slotTotal(insns: readonly Insn[]): number {
  let slots = 0;
  for (const i of insns) slots += slotCount(i);
  return slots;
}

/** Encodes a program to little-endian bytes. */
export function encodeProgram(insns: readonly Insn[]): Uint8Array {
  const slots = slotTotal(insns);
  const bytes = new Uint8Array(slots * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const i of insns) {
    writeSlot(view, at, i.spec.opcode, i.dst, i.src, i.off, i.imm);
    at += INSN_SIZE;
    if (i.spec.kind === "lddw") {
      writeSlot(view, at, 0, 0, 0, 0, i.imm2);
      at += INSN_SIZE;
    }
  }
  return bytes;
}

/** Encodes one instruction (8 or 16 bytes). */
export function encodeInsn(insn: Insn): Uint8Array {
  return encodeProgram([insn]);
}

/**
 * Decodes a program. Throws `BytecodeError` naming the slot for: a length that is not a multiple of 8,
 * an unknown opcode, an lddw cut off at the end or whose second slot is not zero but for its imm.
 */
export function decodeProgram(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new BytecodeError(
      `program length ${bytes.length} is not a multiple of ${INSN_SIZE} bytes`,
      Math.floor(bytes.length / INSN_SIZE),
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  const n = bytes.length / INSN_SIZE;
  for (let slot = 0; slot < n; slot++) {
    const at = slot * INSN_SIZE;
    const opcode = view.getUint8(at);
    const regs = view.getUint8(at + 1);
    const dst = regs & 0xf;
    const src = regs >> 4;
    const off = view.getInt16(at + 2, true);
    const imm = view.getInt32(at + 4, true);
    const spec = lookupSpec(opcode, src, off, imm);
    if (!spec) {
      throw new BytecodeError(
        `unknown opcode 0x${opcode.toString(16).padStart(2, "0")} (src=${src} off=${off} imm=${imm})`,
        slot,
      );
    }
    let imm2 = 0;
    if (spec.kind === "lddw") {
      if (slot + 1 >= n) throw new BytecodeError("lddw is missing its second slot", slot);
      const at2 = at + INSN_SIZE;
      if (
        view.getUint8(at2) !== 0 ||
        view.getUint8(at2 + 1) !== 0 ||
        view.getInt16(at2 + 2, true) !== 0
      ) {
        throw new BytecodeError("second slot of lddw must be zero except for its imm", slot + 1);
      }
      imm2 = view.getInt32(at2 + 4, true);
      slot++;
    }
    out.push({ spec, dst, src, off, imm, imm2 });
  }
  return out;
}

/** Slot number of each instruction of a program (index i → slot), plus the total at index n. */
export function slotOffsets(insns: readonly Insn[]): number[] {
  const out = new Array<number>(insns.length + 1);
  let s = 0;
  for (let i = 0; i < insns.length; i++) {
    out[i] = s;
    s += slotCount(insns[i]!);
  }
  out[insns.length] = s;
  return out;
}
