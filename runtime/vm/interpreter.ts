/**
 * The reference interpreter: executes an `EngineProgram` one instruction at a time with BigInt
 * registers, following RFC 9669 §4–§5 and the kernel's semantics where the RFC leaves room.
 *
 * Consumes a program, a `Memory` (any implementation), helpers and run options; produces r0 and the
 * executed-instruction count. It is the semantic reference the JIT is tested against, so it favours
 * clarity over speed: every behaviour is keyed on the table row (`spec.kind`, `spec.op`, `spec.width`,
 * `spec.memSize`, `spec.extBits`), never on raw opcode bytes.
 *
 * Kernel semantics kept exactly (RFC 9669 §4.1 and kernel/bpf/core.c):
 * - 32-bit ALU results are zero-extended into 64 bits; shift counts are masked to the width;
 * - unsigned div by 0 gives 0, mod by 0 leaves dst unchanged (32-bit: upper half zeroed); the signed
 *   forms behave the same; INT_MIN / -1 = INT_MIN and INT_MIN % -1 = 0 (two's complement wrap);
 * - a 64-bit operation sign-extends its 32-bit immediate;
 * - each BPF-to-BPF call gets a fresh 512-byte frame and r6–r9 are callee-saved.
 */
import { FRAME_POINTER, lddwValue } from "../../core/isa/index.ts";
import type { Insn, InsnOp } from "../../core/isa/index.ts";
import { VmError } from "./contract.ts";
import type {
  Engine,
  EngineProgram,
  HelperTable,
  Memory,
  RunOptions,
  RunResult,
} from "./contract.ts";
import {
  MAX_CALL_FRAMES,
  RunContext,
  TAIL_CALL_REFUSED,
  VmMessages,
  checkBudget,
  entryArgs,
  layoutProgram,
} from "./run-context.ts";
import type { ProgramLayout } from "./run-context.ts";

const M64 = 0xffffffffffffffffn;

/** Two's-complement view of an unsigned value of `w` bits. */
function s(v: bigint, w: number): bigint {
  return BigInt.asIntN(w, v);
}

/** Semantics of the binary ALU operations on unsigned `w`-bit operands (result truncated later). */
export const ALU_SEMANTICS: Partial<Record<InsnOp, (a: bigint, b: bigint, w: 32 | 64) => bigint>> =
  {
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    div: (a, b) => (b === 0n ? 0n : a / b),
    sdiv: (a, b, w) => (b === 0n ? 0n : s(a, w) / s(b, w)),
    mod: (a, b) => (b === 0n ? a : a % b),
    // BigInt % truncates toward zero like C, so the sign follows the dividend (RFC 9669 §4.1).
    smod: (a, b, w) => (b === 0n ? a : s(a, w) % s(b, w)),
    or: (a, b) => a | b,
    and: (a, b) => a & b,
    xor: (a, b) => a ^ b,
    lsh: (a, b, w) => a << (b & BigInt(w - 1)),
    rsh: (a, b, w) => a >> (b & BigInt(w - 1)),
    arsh: (a, b, w) => s(a, w) >> (b & BigInt(w - 1)),
    mov: (_a, b) => b,
  };

/** Conditions of the conditional jumps on unsigned `w`-bit operands. */
export const JUMP_CONDITIONS: Partial<
  Record<InsnOp, (a: bigint, b: bigint, w: 32 | 64) => boolean>
> = {
  jeq: (a, b) => a === b,
  jne: (a, b) => a !== b,
  jgt: (a, b) => a > b,
  jge: (a, b) => a >= b,
  jlt: (a, b) => a < b,
  jle: (a, b) => a <= b,
  jset: (a, b) => (a & b) !== 0n,
  jsgt: (a, b, w) => s(a, w) > s(b, w),
  jsge: (a, b, w) => s(a, w) >= s(b, w),
  jslt: (a, b, w) => s(a, w) < s(b, w),
  jsle: (a, b, w) => s(a, w) <= s(b, w),
};

/** Read-modify-write of the atomic operations: new memory value from old and src. */
const ATOMIC_UPDATE: Partial<Record<InsnOp, (old: bigint, src: bigint) => bigint>> = {
  atomic_add: (o, v) => o + v,
  atomic_fetch_add: (o, v) => o + v,
  atomic_or: (o, v) => o | v,
  atomic_fetch_or: (o, v) => o | v,
  atomic_and: (o, v) => o & v,
  atomic_fetch_and: (o, v) => o & v,
  atomic_xor: (o, v) => o ^ v,
  atomic_fetch_xor: (o, v) => o ^ v,
  atomic_xchg: (_o, v) => v,
};

/** Reverses the low `bits` bits' bytes of v (the rest is dropped). */
function swapBytes(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits; i += 8) out = (out << 8n) | ((v >> BigInt(i)) & 0xffn);
  return out;
}

interface Frame {
  readonly returnSlot: number;
  readonly saved: readonly bigint[];
}

/** One run of the interpreter over one program chain (tail calls switch programs). */
class Interpretation {
  readonly regs: bigint[] = new Array<bigint>(11).fill(0n);
  private readonly frames: Frame[] = [];
  executed = 0;
  private layout: ProgramLayout;

  constructor(
    program: EngineProgram,
    private readonly rc: RunContext,
    private readonly budget: number,
  ) {
    this.layout = layoutProgram(program.insns);
  }

  private read(n: number, pc: number): bigint {
    if (n > FRAME_POINTER) throw new VmError(VmMessages.badRegister(n), pc);
    return this.regs[n]!;
  }

  private write(n: number, v: bigint, pc: number): void {
    if (n === FRAME_POINTER) throw new VmError(VmMessages.writesR10(), pc);
    if (n > FRAME_POINTER) throw new VmError(VmMessages.badRegister(n), pc);
    this.regs[n] = BigInt.asUintN(64, v);
  }

  private access(addr: bigint, size: number, write: boolean, pc: number): DataView {
    try {
      const { region, offset } = this.rc.memory.resolve(addr, size, write);
      return new DataView(region.bytes.buffer, region.bytes.byteOffset + offset, size);
    } catch (err) {
      if (err instanceof VmError && err.pc < 0) throw new VmError(err.message, pc);
      throw err;
    }
  }

  private load(addr: bigint, size: number, pc: number): bigint {
    const v = this.access(addr, size, false, pc);
    if (size === 1) return BigInt(v.getUint8(0));
    if (size === 2) return BigInt(v.getUint16(0, true));
    if (size === 4) return BigInt(v.getUint32(0, true));
    return v.getBigUint64(0, true);
  }

  private store(addr: bigint, size: number, value: bigint, pc: number): void {
    const v = this.access(addr, size, true, pc);
    if (size === 1) v.setUint8(0, Number(value & 0xffn));
    else if (size === 2) v.setUint16(0, Number(value & 0xffffn), true);
    else if (size === 4) v.setUint32(0, Number(value & 0xffffffffn), true);
    else v.setBigUint64(0, BigInt.asUintN(64, value), true);
  }

  /** Starts (or restarts, after a tail call) at slot 0 with a fresh frame 0. */
  start(args: readonly bigint[]): void {
    this.regs.fill(0n);
    args.forEach((v, i) => (this.regs[i + 1] = v));
    this.regs[FRAME_POINTER] = this.rc.enterFrame(0).base + 512n;
    this.frames.length = 0;
  }

  /** Runs to the final exit; returns r0. */
  run(): bigint {
    let pc = 0;
    for (;;) {
      const { insns, indexAt, slots } = this.layout;
      if (pc === slots) throw new VmError(VmMessages.ranOffEnd(), pc);
      const insn = insns[indexAt[pc]!]!;
      if (++this.executed > this.budget) throw new VmError(VmMessages.budget(this.budget), pc);
      const next = this.step(insn, pc);
      if (next === null) return this.regs[0]!;
      if (next < 0 || next >= slots || indexAt[next] === -1) {
        if (next === slots)
          pc = next; // reported as running off the end at the next step
        else throw new VmError(VmMessages.badJump(next), pc);
      } else pc = next;
    }
  }

  /** Executes one instruction; returns the next slot, or null when the program exits. */
  private step(insn: Insn, pc: number): number | null {
    const { spec } = insn;
    const w = spec.width;
    const mask = w === 32 ? 0xffffffffn : M64;
    const operand = (): bigint =>
      spec.source === "reg" ? this.read(insn.src, pc) & mask : BigInt.asUintN(w, BigInt(insn.imm));
    switch (spec.kind) {
      case "alu": {
        const f = ALU_SEMANTICS[spec.op]!;
        const b = operand();
        this.write(insn.dst, BigInt.asUintN(w, f(this.read(insn.dst, pc) & mask, b, w)), pc);
        return pc + 1;
      }
      case "mov":
        this.write(insn.dst, operand(), pc);
        return pc + 1;
      case "neg":
        this.write(insn.dst, BigInt.asUintN(w, -(this.read(insn.dst, pc) & mask)), pc);
        return pc + 1;
      case "movsx": {
        const v = BigInt.asIntN(spec.extBits, this.read(insn.src, pc));
        this.write(insn.dst, BigInt.asUintN(w, v), pc);
        return pc + 1;
      }
      case "end": {
        const v = this.read(insn.dst, pc);
        // Little-endian host: `le` only truncates; `be` and `bswap` reverse the bytes (RFC 9669 §4.2).
        const bits = spec.extBits;
        const r = spec.op === "le" ? BigInt.asUintN(bits, v) : swapBytes(v, bits);
        this.write(insn.dst, r, pc);
        return pc + 1;
      }
      case "lddw":
        if (insn.src !== 0) throw new VmError(VmMessages.badLddw(insn.src), pc);
        this.write(insn.dst, lddwValue(insn), pc);
        return pc + 2;
      case "ldx": {
        const addr = this.read(insn.src, pc) + BigInt(insn.off);
        const v = this.load(addr, spec.memSize, pc);
        const bits = spec.memSize * 8;
        this.write(insn.dst, spec.extBits ? BigInt.asIntN(bits, v) : v, pc);
        return pc + 1;
      }
      case "st":
      case "stx": {
        const value = spec.kind === "st" ? BigInt(insn.imm) : this.read(insn.src, pc);
        this.store(this.read(insn.dst, pc) + BigInt(insn.off), spec.memSize, value, pc);
        return pc + 1;
      }
      case "atomic":
        this.atomic(insn, pc);
        return pc + 1;
      case "ldabs":
      case "ldind": {
        const base = spec.kind === "ldind" ? Number(BigInt.asIntN(32, this.read(insn.src, pc))) : 0;
        const v = this.rc.loadPacket((base + insn.imm) | 0, spec.memSize);
        if (v === null) return this.exitWith(0n);
        this.write(0, v, pc);
        return pc + 1;
      }
      case "ja":
        return pc + 1 + (spec.source === "imm" ? insn.imm : insn.off);
      case "jcond": {
        const a = this.read(insn.dst, pc) & mask;
        return JUMP_CONDITIONS[spec.op]!(a, operand(), w) ? pc + 1 + insn.off : pc + 1;
      }
      case "call":
        if (spec.op === "call_local") return this.callLocal(pc, pc + 1 + insn.imm);
        if (spec.op === "call_kfunc") throw new VmError(VmMessages.kfunc(insn.imm), pc);
        return this.callHelper(BigInt(insn.imm >>> 0), pc);
      case "callx":
        return this.callHelper(this.read(insn.dst, pc), pc);
      case "exit":
        return this.ret();
    }
  }

  private atomic(insn: Insn, pc: number): void {
    const { spec } = insn;
    const size = spec.memSize;
    const addr = this.read(insn.dst, pc) + BigInt(insn.off);
    const mask = size === 4 ? 0xffffffffn : M64;
    const src = this.read(insn.src, pc) & mask;
    this.access(addr, size, true, pc); // atomics need write access even when they only compare
    const old = this.load(addr, size, pc);
    if (spec.op === "atomic_cmpxchg") {
      // RFC 9669 §5.3: compare with r0; r0 receives the old value (zero-extended for 32-bit).
      if ((this.regs[0]! & mask) === old) this.store(addr, size, src, pc);
      this.write(0, old, pc);
      return;
    }
    this.store(addr, size, ATOMIC_UPDATE[spec.op]!(old, src) & mask, pc);
    if (spec.op.startsWith("atomic_fetch_") || spec.op === "atomic_xchg") {
      this.write(insn.src, old, pc);
    }
  }

  private callLocal(pc: number, target: number): number {
    if (this.frames.length + 1 >= MAX_CALL_FRAMES) throw new VmError(VmMessages.callDepth(), pc);
    this.frames.push({ returnSlot: pc + 1, saved: this.regs.slice(6, 11) });
    this.regs[FRAME_POINTER] = this.rc.enterFrame(this.frames.length).base + 512n;
    return target;
  }

  private callHelper(n: bigint, pc: number): number | null {
    const r = this.regs;
    const r0 = this.rc.callHelper(n, pc, [r[1]!, r[2]!, r[3]!, r[4]!, r[5]!]);
    const tail = this.rc.takeTailCall();
    if (tail) {
      const ctxArg = r[1]!;
      this.layout = layoutProgram(tail.insns);
      this.start([ctxArg]);
      return 0;
    }
    r[0] = this.rc.tailRefused ? TAIL_CALL_REFUSED : r0;
    return pc + 1;
  }

  /** `exit`: returns from a subprogram (restoring r6–r9 and r10) or ends the run. */
  private ret(): number | null {
    const f = this.frames.pop();
    if (!f) return null;
    for (let i = 0; i < 5; i++) this.regs[6 + i] = f.saved[i]!;
    return f.returnSlot;
  }

  private exitWith(r0: bigint): null {
    this.regs[0] = r0;
    this.frames.length = 0;
    return null;
  }
}

/** Runs a program in the reference interpreter (see the file header for the semantics). */
export function interpret(
  program: EngineProgram,
  memory: Memory,
  helpers: HelperTable,
  options: RunOptions = {},
): RunResult {
  const budget = checkBudget(options.budget);
  const args = entryArgs(options.args);
  const rc = new RunContext(memory, helpers, args[0]!);
  try {
    const it = new Interpretation(program, rc, budget);
    it.start(args);
    const r0 = it.run();
    return { r0, executed: it.executed };
  } finally {
    rc.release();
  }
}

/** The reference interpreter as an `Engine`. */
export const interpreterEngine: Engine = { kind: "interpreter", run: interpret };
