/**
 * Machine IR: real BPF instructions (rows of core/isa `INSNS`) over registers that are either physical
 * (r0–r10) or virtual (≥ `VREG_BASE`), grouped into labelled blocks.
 *
 * Produced by instruction selection (isel.ts), rewritten by register allocation (regalloc.ts) into
 * physical registers, then laid out and encoded (layout.ts, encode.ts). Every stage reads operand roles
 * from `operandsOf()`, which reads them from the row's `reads`/`writes`/`clobbers` columns of the
 * instruction table, so nobody keeps a second per-opcode table.
 *
 * Invariants:
 * - a block ends with `exit`, `ja`, or a `jcond` followed by `ja` (the fall-through is always explicit
 *   until layout removes jumps to the next block);
 * - `target` is set exactly on `jcond`/`ja` (a block id of the same function);
 * - BPF is two-address: an ALU row reads and writes `dst`; isel emits `mov vD, vA; add vD, vB`;
 * - r10 (the frame pointer) is only ever read; it is not allocatable.
 */
import type { InsnSpec } from "../../../core/isa/index.ts";
import {
  CALLER_SAVED_ARGS,
  insnSpec,
  isRegisterField,
  makeInsn,
  regsRead,
  regsWritten,
} from "../../../core/isa/index.ts";
import type { CoreReloRef, Span } from "../../ir/types.ts";

/** A register operand: 0–10 physical, `VREG_BASE` and up virtual. */
export type Reg = number;

/** First virtual register number. */
export const VREG_BASE = 16;
/** The read-only frame pointer. */
export const FP = 10;
/** Registers that carry helper/function arguments, in order (the ISA table's r1–r5). */
export const ARG_REGS: readonly Reg[] = CALLER_SAVED_ARGS;
/** Registers a call clobbers (r0 gets the result). */
export const CALLER_SAVED: readonly Reg[] = [0, 1, 2, 3, 4, 5];
/** Registers preserved across calls. */
export const CALLEE_SAVED: readonly Reg[] = [6, 7, 8, 9];
/** Number of allocatable registers (r0–r9). */
export const ALLOCATABLE = 10;

/** True for a virtual register. */
export function isVirtual(r: Reg): boolean {
  return r >= VREG_BASE;
}

/** Where the load-time loader must patch an lddw, or a local call target. */
export type MReloc =
  | { readonly kind: "map"; readonly map: string }
  | { readonly kind: "global"; readonly global: string; readonly offset: number }
  | { readonly kind: "call"; readonly callee: string }
  /** A CO-RE relocation of this instruction's immediate (`.BTF.ext` core_relo, not an ELF one). */
  | { readonly kind: "core"; readonly relo: CoreReloRef };

/** A reference to a frame object whose final offset is added to `off` or `imm` at encoding. */
export interface FrameRef {
  /** `slot` = IR stack slot index, `spill` = spill slot index (assigned by regalloc). */
  readonly kind: "slot" | "spill";
  readonly index: number;
  readonly field: "off" | "imm";
}

/** Annotation of instructions the register allocator inserted, for the checker. */
export interface MEdit {
  readonly kind: "spill" | "reload";
  /** The original virtual register whose value moves between a register and its spill slot. */
  readonly vreg: Reg;
}

/** One machine instruction. */
export interface MInst {
  readonly spec: InsnSpec;
  readonly dst: Reg;
  readonly src: Reg;
  readonly off: number;
  readonly imm: number;
  readonly imm2: number;
  /** Branch target block id (jcond, ja). */
  readonly target?: number;
  /** Number of argument registers a call reads (r1..rN). */
  readonly nargs?: number;
  /**
   * On an `exit`: the kernel does not read r0 (a program whose kernel prototype returns void, IR
   * `ret` without a value), so the exit reads no register and r0 need not be set.
   */
  readonly resultUnread?: boolean;
  readonly reloc?: MReloc;
  readonly frame?: FrameRef;
  readonly edit?: MEdit;
  readonly span: Span | null;
}

/** A labelled straight-line sequence. */
export interface MBlock {
  readonly id: number;
  readonly insts: MInst[];
}

/** One function in machine form. */
export interface MFunc {
  readonly name: string;
  readonly section: string | null;
  /** Blocks in layout order; entry first. */
  readonly blocks: MBlock[];
  /** Sizes and alignments of the IR stack slots (offsets assigned by frame layout). */
  readonly slots: readonly {
    readonly size: number;
    readonly align: number;
    readonly name?: string;
  }[];
  /** Number of 8-byte spill slots (set by register allocation). */
  readonly spillSlots: number;
  /** Next unused virtual register number. */
  readonly nextVreg: number;
  readonly span: Span;
  /**
   * Edges out of a set-membership test (`(1 << x) & mask`, compiler/passes/bit-tests.ts) that leave
   * it for the code after the set's members: block ordering lets the first of them fall through, so
   * the kernel verifier meets that shared code first from the earliest test (order-blocks.ts).
   */
  readonly leaveFirst?: readonly { readonly from: number; readonly to: number }[];
}

/** Builds an instruction from a table row name and fields. */
export function minst(
  name: string,
  fields: Partial<Omit<MInst, "spec">> & { span?: Span | null } = {},
): MInst {
  return {
    ...makeInsn(insnSpec(name), fields),
    span: fields.span ?? null,
    ...(fields.target !== undefined ? { target: fields.target } : {}),
    ...(fields.nargs !== undefined ? { nargs: fields.nargs } : {}),
    ...(fields.resultUnread ? { resultUnread: true } : {}),
    ...(fields.reloc ? { reloc: fields.reloc } : {}),
    ...(fields.frame ? { frame: fields.frame } : {}),
    ...(fields.edit ? { edit: fields.edit } : {}),
  };
}

/** Register roles of one instruction. */
export interface Operands {
  readonly uses: readonly Reg[];
  readonly defs: readonly Reg[];
  /** Physical registers overwritten besides `defs` (calls). */
  readonly clobbers: readonly Reg[];
}

/**
 * Which registers an instruction reads and writes: its row's `reads` / `writes` / `clobbers`
 * (core/isa), with a call reading only the `nargs` argument registers it passes and an exit whose
 * result is unread reading none. r10 is omitted: it is never allocated and always live.
 */
export function operandsOf(i: MInst): Operands {
  return {
    uses: i.resultUnread ? [] : regsRead(i, i.nargs ?? 0).filter((r) => r !== FP),
    defs: regsWritten(i).filter((r) => r !== FP),
    clobbers: i.spec.clobbers,
  };
}

/** True for a plain 64-bit register copy (the only instruction register coalescing removes). */
export function isCopy(i: MInst): boolean {
  return (
    i.spec.kind === "mov" &&
    i.spec.source === "reg" &&
    i.spec.width === 64 &&
    !i.edit &&
    i.src !== FP
  );
}

/** Successor block ids of a block (from its jcond/ja targets). */
export function successors(b: MBlock): number[] {
  const out: number[] = [];
  for (const i of b.insts)
    if (i.target !== undefined && !out.includes(i.target)) out.push(i.target);
  return out;
}

/** Returns a copy of `i` with registers renamed by `f`. */
export function mapRegs(i: MInst, f: (r: Reg, role: "dst" | "src") => Reg): MInst {
  return {
    ...i,
    dst: isRegisterField(i.spec, "dst") ? f(i.dst, "dst") : i.dst,
    src: isRegisterField(i.spec, "src") ? f(i.src, "src") : i.src,
  };
}

/** Register name: `r3`, `w3` for 32-bit operands, `%v17` for virtual registers. */
export function regName(r: Reg, width: 32 | 64): string {
  if (isVirtual(r)) return `%${width === 32 ? "w" : "v"}${r - VREG_BASE}`;
  return `${width === 32 ? "w" : "r"}${r}`;
}

/** Formats an instruction in llvm-objdump syntax (from the row's template), with symbolic targets. */
export function formatMInst(i: MInst): string {
  const s = i.spec;
  const w =
    s.kind === "alu" ||
    s.kind === "mov" ||
    s.kind === "movsx" ||
    s.kind === "jcond" ||
    s.kind === "neg"
      ? s.width
      : 64;
  const offText = i.off < 0 ? ` - ${-i.off}` : ` + ${i.off}`;
  let text = s.syntax
    .replaceAll("{dst}", regName(i.dst, w))
    .replaceAll("{src}", regName(i.src, w))
    .replaceAll("{off}", offText)
    .replaceAll("{imm}", String(i.imm))
    .replaceAll("{target}", i.target !== undefined ? `.L${i.target}` : String(i.off));
  if (s.kind === "lddw") {
    const v = (BigInt(i.imm2 >>> 0) << 32n) | BigInt(i.imm >>> 0);
    text = text.replace("{imm64}", i.reloc ? relocText(i.reloc) : String(v));
  }
  if (s.kind === "call" && i.reloc?.kind === "call") text = `call ${i.reloc.callee}`;
  if (i.frame) text += `  ; ${i.frame.kind} ${i.frame.index}`;
  if (i.edit) text += `  ; ${i.edit.kind} ${regName(i.edit.vreg, 64)}`;
  return text;
}

function relocText(r: MReloc): string {
  if (r.kind === "map") return `map[${r.map}]`;
  if (r.kind === "core") return `core[${r.relo.kind} t${r.relo.typeId} ${r.relo.access}]`;
  if (r.kind === "global") return `global[${r.global}${r.offset ? `+${r.offset}` : ""}]`;
  return r.callee;
}

/** Prints a function: one `.Ln:` label per block, instructions indented. */
export function printMFunc(f: MFunc): string {
  const lines = [`${f.name}:`];
  for (const b of f.blocks) {
    lines.push(`.L${b.id}:`);
    for (const i of b.insts) lines.push(`  ${formatMInst(i)}`);
  }
  return lines.join("\n") + "\n";
}
