/**
 * The interpreter's pre-decoded program form: one dense semantic operation per table row, and the
 * operands of every instruction in flat typed arrays indexed by slot.
 *
 * Consumes `Insn[]` (lddw resolved); produces a `DecodedProgram`. The operation of a row is derived
 * once, at module load, from `spec.kind` / `spec.op` / `spec.width` / `spec.memSize` / `spec.extBits`
 * (`SEM_OF_ROW`, indexed by `spec.id`), never from opcode bytes, so the table stays the single source
 * of truth and the interpreter's dispatch is one switch over small integers.
 *
 * Invariants established: arrays have `slots + 1` entries; the extra last slot holds `Sem.OffEnd`
 * ("ran off the end"), and the second slot of an lddw `Sem.Fail` (jumps to it are rejected first);
 * every instruction that would raise a register error (register-checks.ts) or an unresolved-lddw
 * or kfunc error is decoded as `Sem.Fail` (or `Sem.FailAfterAccess` for loads and atomics, whose
 * access is checked first), so the run loop never checks register numbers; `tgt` holds the target slot
 * of every jump and local call, or -1 when the target is outside the program or inside an lddw.
 */
import { INSNS, jumpTarget } from "../../core/isa/index.ts";
import type { Insn, InsnOp, InsnSpec } from "../../core/isa/index.ts";
import { checksMemoryFirst, registerError } from "./register-checks.ts";
import { VmMessages, layoutProgram } from "./run-context.ts";

/** The interpreter's operations (dense, ordered roughly by how often programs execute them). */
export const Sem = {
  Mov64: 0,
  Mov32: 1,
  Add64: 2,
  Add32: 3,
  Sub64: 4,
  Sub32: 5,
  And64: 6,
  And32: 7,
  Or64: 8,
  Or32: 9,
  Xor64: 10,
  Xor32: 11,
  Lsh64: 12,
  Lsh32: 13,
  Rsh64: 14,
  Rsh32: 15,
  Arsh64: 16,
  Arsh32: 17,
  Mul64: 18,
  Mul32: 19,
  Div32: 20,
  Mod32: 21,
  Sdiv32: 22,
  Smod32: 23,
  /** 64-bit div/mod/sdiv/smod, computed with BigInt; `aux` indexes `DIVMOD64_OPS`. */
  DivMod64: 24,
  Neg64: 25,
  Neg32: 26,
  /** Sign-extend the low `aux` bits of src. */
  Movsx64: 27,
  Movsx32: 28,
  /** `le`: keep the low `aux` bits. */
  Le: 29,
  /** `be` / `bswap`: reverse the bytes of the low `aux` bits. */
  Bswap: 30,
  Lddw: 31,
  /** Load of `aux` bytes, zero-extended / sign-extended. */
  Ldx: 32,
  Ldxs: 33,
  /** Store of `aux` bytes from the operand (imm for `st`, src for `stx`). */
  Store: 34,
  /** Atomic read-modify-write, `aux` = ATOMIC_* code (| ATOMIC_FETCH). */
  Atomic32: 35,
  Atomic64: 36,
  /** Legacy packet load of `aux` bytes at imm (+ src for ldind, `src` = 255 for ldabs). */
  Packet: 37,
  Ja: 38,
  /** Conditional jump, `aux` = COND_* code. */
  Jcond64: 39,
  Jcond32: 40,
  CallLocal: 41,
  CallHelper: 42,
  Callx: 43,
  Exit: 44,
  /** Throws `msg[pc]`. */
  Fail: 45,
  /** Checks the memory access (fault first), then throws `msg[pc]`. */
  FailAfterAccess: 46,
  /** Slot `slots`: execution ran off the end. */
  OffEnd: 47,
} as const;

/** `aux` of `Sem.DivMod64`: the op (index into this list). */
export const DIVMOD64_OPS: readonly InsnOp[] = ["div", "mod", "sdiv", "smod"];

/** `aux` of the jumps: the condition. */
export const Cond = {
  Eq: 0,
  Ne: 1,
  Set: 2,
  Gt: 3,
  Ge: 4,
  Lt: 5,
  Le: 6,
  Sgt: 7,
  Sge: 8,
  Slt: 9,
  Sle: 10,
} as const;

/** `aux` of the atomics: the update (low bits) and whether the old value is fetched into src. */
export const Atomic = {
  Add: 0,
  Or: 1,
  And: 2,
  Xor: 3,
  Xchg: 4,
  Cmpxchg: 5,
  /** Flag: the old value is written back to src. */
  Fetch: 8,
} as const;

/** The `src` value meaning "the operand is the immediate". */
export const IMM_OPERAND = 255;

const ALU_SEM: Partial<Record<string, number>> = {
  add64: Sem.Add64,
  add32: Sem.Add32,
  sub64: Sem.Sub64,
  sub32: Sem.Sub32,
  and64: Sem.And64,
  and32: Sem.And32,
  or64: Sem.Or64,
  or32: Sem.Or32,
  xor64: Sem.Xor64,
  xor32: Sem.Xor32,
  lsh64: Sem.Lsh64,
  lsh32: Sem.Lsh32,
  rsh64: Sem.Rsh64,
  rsh32: Sem.Rsh32,
  arsh64: Sem.Arsh64,
  arsh32: Sem.Arsh32,
  mul64: Sem.Mul64,
  mul32: Sem.Mul32,
  div32: Sem.Div32,
  mod32: Sem.Mod32,
  sdiv32: Sem.Sdiv32,
  smod32: Sem.Smod32,
  div64: Sem.DivMod64,
  mod64: Sem.DivMod64,
  sdiv64: Sem.DivMod64,
  smod64: Sem.DivMod64,
};

const COND_OF: Partial<Record<InsnOp, number>> = {
  jeq: Cond.Eq,
  jne: Cond.Ne,
  jset: Cond.Set,
  jgt: Cond.Gt,
  jge: Cond.Ge,
  jlt: Cond.Lt,
  jle: Cond.Le,
  jsgt: Cond.Sgt,
  jsge: Cond.Sge,
  jslt: Cond.Slt,
  jsle: Cond.Sle,
};

const ATOMIC_OF: Partial<Record<InsnOp, number>> = {
  atomic_add: Atomic.Add,
  atomic_or: Atomic.Or,
  atomic_and: Atomic.And,
  atomic_xor: Atomic.Xor,
  atomic_fetch_add: Atomic.Add | Atomic.Fetch,
  atomic_fetch_or: Atomic.Or | Atomic.Fetch,
  atomic_fetch_and: Atomic.And | Atomic.Fetch,
  atomic_fetch_xor: Atomic.Xor | Atomic.Fetch,
  atomic_xchg: Atomic.Xchg | Atomic.Fetch,
  atomic_cmpxchg: Atomic.Cmpxchg,
};

/** Operation and aux value of one table row. */
function semOfRow(spec: InsnSpec): { sem: number; aux: number } {
  const w = spec.width;
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error(`interpreter: no semantics for row ${spec.name}`);
    return v;
  };
  switch (spec.kind) {
    case "alu":
      return {
        sem: need(ALU_SEM[`${spec.op}${w}`]),
        aux: Math.max(0, DIVMOD64_OPS.indexOf(spec.op)),
      };
    case "mov":
      return { sem: w === 64 ? Sem.Mov64 : Sem.Mov32, aux: 0 };
    case "neg":
      return { sem: w === 64 ? Sem.Neg64 : Sem.Neg32, aux: 0 };
    case "movsx":
      return { sem: w === 64 ? Sem.Movsx64 : Sem.Movsx32, aux: spec.extBits };
    case "end":
      return { sem: spec.op === "le" ? Sem.Le : Sem.Bswap, aux: spec.extBits };
    case "lddw":
      return { sem: Sem.Lddw, aux: 0 };
    case "ldx":
      return { sem: spec.extBits ? Sem.Ldxs : Sem.Ldx, aux: spec.memSize };
    case "st":
    case "stx":
      return { sem: Sem.Store, aux: spec.memSize };
    case "atomic":
      return { sem: w === 64 ? Sem.Atomic64 : Sem.Atomic32, aux: need(ATOMIC_OF[spec.op]) };
    case "ldabs":
    case "ldind":
      return { sem: Sem.Packet, aux: spec.memSize };
    case "ja":
      return { sem: Sem.Ja, aux: 0 };
    case "jcond":
      return { sem: w === 64 ? Sem.Jcond64 : Sem.Jcond32, aux: need(COND_OF[spec.op]) };
    case "call":
      // call_kfunc rows decode to Fail (see decodeProgram); the sem here is never used for them.
      return { sem: spec.op === "call_local" ? Sem.CallLocal : Sem.CallHelper, aux: 0 };
    case "callx":
      return { sem: Sem.Callx, aux: 0 };
    case "exit":
      return { sem: Sem.Exit, aux: 0 };
  }
}

/** Operation of each table row, by `spec.id`. */
const SEM_OF_ROW = Uint8Array.from(INSNS, (spec) => semOfRow(spec).sem);
/** Aux value of each table row, by `spec.id`. */
const AUX_OF_ROW = Uint8Array.from(INSNS, (spec) => semOfRow(spec).aux);

/** A program in the interpreter's form; every array is indexed by slot (length `slots + 1`). */
export interface DecodedProgram {
  readonly slots: number;
  readonly sem: Uint8Array;
  readonly aux: Uint8Array;
  readonly dst: Uint8Array;
  /** Source register, or IMM_OPERAND when the second operand is `imm`. */
  readonly src: Uint8Array;
  readonly off: Int32Array;
  readonly imm: Int32Array;
  /** High 32 bits of an lddw constant. */
  readonly imm2: Int32Array;
  /** Target slot of jumps and local calls, -1 when invalid. */
  readonly tgt: Int32Array;
  /** The instruction at each slot (for error messages), undefined past the end and in lddw tails. */
  readonly insnAt: readonly (Insn | undefined)[];
  /** Error of `Fail` / `FailAfterAccess` slots. */
  readonly msg: readonly (string | undefined)[];
}

/** Decodes a program for the interpreter (see the file header). */
export function decodeProgram(insns: readonly Insn[]): DecodedProgram {
  const layout = layoutProgram(insns);
  const n = layout.slots + 1;
  const sem = new Uint8Array(n).fill(Sem.Fail);
  const aux = new Uint8Array(n);
  const dst = new Uint8Array(n);
  const src = new Uint8Array(n);
  const off = new Int32Array(n);
  const imm = new Int32Array(n);
  const imm2 = new Int32Array(n);
  const tgt = new Int32Array(n).fill(-1);
  const insnAt: (Insn | undefined)[] = new Array<Insn | undefined>(n).fill(undefined);
  const msg: (string | undefined)[] = new Array<string | undefined>(n).fill(undefined);
  sem[layout.slots] = Sem.OffEnd;
  const isTarget = (t: number) =>
    t >= 0 && t <= layout.slots && (t === layout.slots || layout.indexAt[t] !== -1);
  insns.forEach((insn, i) => {
    const pc = layout.slotOf[i]!;
    const { spec } = insn;
    insnAt[pc] = insn;
    sem[pc] = SEM_OF_ROW[spec.id]!;
    aux[pc] = AUX_OF_ROW[spec.id]!;
    dst[pc] = insn.dst;
    // callx is a "reg" row whose register is dst (ubpf); every other reg row reads src.
    const usesSrc = spec.source === "reg" && spec.kind !== "callx";
    src[pc] = usesSrc ? insn.src : IMM_OPERAND;
    off[pc] = insn.off;
    imm[pc] = insn.imm | 0;
    imm2[pc] = insn.imm2 | 0;
    const t = jumpTarget(insn, pc);
    if (t !== null && isTarget(t)) tgt[pc] = t;
    // Errors decided before running (they still fire only when the instruction executes).
    let error: string | null = null;
    if (spec.kind === "lddw" && insn.src !== 0) error = VmMessages.badLddw(insn.src);
    else if (spec.op === "call_kfunc") error = VmMessages.kfunc(insn.imm);
    else error = registerError(insn);
    if (error !== null) {
      msg[pc] = error;
      sem[pc] = spec.kind !== "lddw" && checksMemoryFirst(insn) ? Sem.FailAfterAccess : Sem.Fail;
      // Operands are not read any more (a bad register must not index the register file), except
      // the base register of FailAfterAccess (src for loads, dst for atomics), which is valid.
      dst[pc] = 0;
      src[pc] = IMM_OPERAND;
      if (sem[pc] === Sem.FailAfterAccess) {
        aux[pc] = spec.memSize | (spec.kind === "atomic" ? 0x80 : 0);
        src[pc] = spec.kind === "atomic" ? insn.dst : insn.src;
      }
    }
  });
  return { slots: layout.slots, sem, aux, dst, src, off, imm, imm2, tgt, insnAt, msg };
}
