/**
 * The reference interpreter: executes an `EngineProgram` one instruction at a time, following
 * RFC 9669 §4–§5 and the kernel's semantics where the RFC leaves room.
 *
 * Consumes a program, a `Memory` (any implementation; `VmMemory`'s region table is read directly),
 * helpers and run options; produces r0 and the executed-instruction count. It is the semantic
 * reference the JIT is tested against, so it stays a plain loop: the program is decoded once into
 * flat arrays (interpreter-decode.ts: one dense operation per table row, derived from `spec.kind` /
 * `spec.op` / `spec.width`, never from opcode bytes) and each step is one `switch` arm that reads
 * like the RFC's pseudo-code. Helpers are always called through their reference `fn` (never the
 * optional fast path), so the interpreter-vs-JIT tests also compare the two helper paths.
 *
 * Representation: register rN is two int32 halves, `R[2N]` (bits 0–31) and `R[2N + 1]` (bits 32–63).
 * 32-bit operations work on the low half and zero the high half; 64-bit add/sub/shift/compare work on
 * the pair with an explicit carry; 64-bit div/mod use BigInt (interpreter-ops.ts), the clearest form of
 * their signed and by-zero rules.
 *
 * Kernel semantics kept exactly (RFC 9669 §4.1 and kernel/bpf/core.c):
 * - 32-bit ALU results are zero-extended into 64 bits; shift counts are masked to the width;
 * - unsigned div by 0 gives 0, mod by 0 leaves dst unchanged (32-bit: upper half zeroed); the signed
 *   forms behave the same; INT_MIN / -1 = INT_MIN and INT_MIN % -1 = 0 (two's complement wrap);
 * - a 64-bit operation sign-extends its 32-bit immediate;
 * - each BPF-to-BPF call gets a fresh 512-byte frame and r6–r9 are callee-saved.
 *
 * Invariant: the decoded form is cached per program object, so (as for the JIT) a program must not
 * be mutated after its first run; `EngineProgram` is readonly by contract.
 */
import { STACK_SIZE, jumpTarget } from "../../core/isa/index.ts";
import { VmError } from "./contract.ts";
import type {
  CoverageCounters,
  Engine,
  EngineProgram,
  HelperTable,
  Memory,
  RunOptions,
  RunResult,
} from "./contract.ts";
import {
  Atomic,
  DIVMOD64_OPS,
  IMM_OPERAND as IMM_OPERAND_EXPORT,
  Sem,
  decodeProgram,
} from "./interpreter-decode.ts";
import type { DecodedProgram } from "./interpreter-decode.ts";
import * as ops from "./interpreter-ops.ts";
import { RegionSlot, VmMemory, describeAccessFault } from "./memory.ts";
import {
  MAX_CALL_FRAMES,
  RunContext,
  TAIL_CALL_REFUSED,
  VmMessages,
  checkBudget,
  entryArgs,
} from "./run-context.ts";

// Local copies of the decoder's constants: the dispatch compares against module-local constants
// (imported bindings can compile to getter calls, which would cost more than the operation).
const {
  OffEnd,
  Mov64,
  Mov32,
  Add64,
  Add32,
  Sub64,
  Sub32,
  And64,
  And32,
  Or64,
  Or32,
  Xor64,
  Xor32,
  Lsh64,
  Lsh32,
  Rsh64,
  Arsh64,
  Rsh32,
  Arsh32,
  Mul64,
  Mul32,
  Div32,
  Mod32,
  Sdiv32,
  Smod32,
  DivMod64,
  Neg64,
  Neg32,
  Movsx64,
  Movsx32,
  Le,
  Bswap,
  Lddw,
  Ldx,
  Ldxs,
  Store,
  Atomic32,
  Atomic64,
  Packet,
  Ja,
  Jcond64,
  Jcond32,
  CallLocal,
  CallHelper,
  Callx,
  Exit,
  FailAfterAccess,
  Fail,
} = Sem;
const { Add: A_Add, And: A_And, Cmpxchg: A_Cmpxchg, Fetch: A_Fetch, Or: A_Or, Xor: A_Xor } = Atomic;
const IMM_OPERAND = IMM_OPERAND_EXPORT;
const TWO32 = 4294967296;
// Module-local aliases, for the same reason as the constants above.
const join = ops.join;
const mulHigh = ops.mulHigh;
const bswap32 = ops.bswap32;
const jump64 = ops.jump64;
const jump32 = ops.jump32;
const ALU64_BIGINT = ops.ALU64_BIGINT;

const decoded = new WeakMap<EngineProgram, DecodedProgram>();

/** The decoded form of a program, cached per program object (programs are readonly by contract). */
function decodedOf(program: EngineProgram): DecodedProgram {
  let d = decoded.get(program);
  if (d === undefined) {
    d = decodeProgram(program.insns);
    decoded.set(program, d);
  }
  return d;
}

/** Int32 words per saved call frame: return slot, then r6–r10 as halves. */
const FRAME_WORDS = 11;

/** One run of the interpreter over one program chain (tail calls switch programs). */
class Interpretation {
  /** Registers r0–r10 as int32 halves (see the file header). */
  readonly R = new Int32Array(22);
  /** Saved callers of BPF-to-BPF calls, FRAME_WORDS per depth. */
  private readonly frames = new Int32Array(MAX_CALL_FRAMES * FRAME_WORDS);
  private depth = 0;
  executed = 0;
  private prog: DecodedProgram;
  /** Coverage counters of the current program, or null (see `RunOptions.coverage`). */
  private counters: CoverageCounters | null;
  /** `VmMemory`'s region table, or null for other `Memory` implementations. */
  private readonly table: RegionSlot[] | null;
  /** Offset within the region of the last successful `access`. */
  private at = 0;

  constructor(
    program: EngineProgram,
    private readonly rc: RunContext,
    private readonly budget: number,
    private readonly coverage: RunOptions["coverage"],
  ) {
    this.prog = decodedOf(program);
    this.counters = coverage?.(program) ?? null;
    this.table = rc.memory instanceof VmMemory ? rc.memory.slots : null;
    rc.programSlots = this.prog.slots;
    rc.invoker = (slot, args, pc) => this.invoke(slot, args, pc);
  }

  /**
   * Runs the subprogram at `slot` for a callback helper (bpf_loop, ...): one frame deeper, r1–r5 =
   * `args`, until its exit; the caller's registers and frames are restored. Returns its r0.
   */
  private invoke(slot: number, args: readonly bigint[], pc: number): bigint {
    if (this.depth + 1 >= MAX_CALL_FRAMES) throw new VmError(VmMessages.callDepth(), pc);
    const R = this.R;
    const saved = R.slice();
    const depth = this.depth;
    this.depth = depth + 1;
    for (let i = 0; i < 5; i++) this.set(2 * i + 2, args[i] ?? 0n);
    R[20] = STACK_SIZE;
    R[21] = this.rc.enterFrame(this.depth).id;
    try {
      if (!this.runProgram(slot, this.depth))
        throw new VmError(VmMessages.tailCallInCallback(), pc);
      return join(R[0]!, R[1]!);
    } finally {
      R.set(saved);
      this.depth = depth;
    }
  }

  /** Region slot by id, for any `Memory` (the generic path builds one per access). */
  private slot(id: number): RegionSlot | undefined {
    if (this.table !== null) return this.table[id];
    const r = id === 0 ? undefined : this.rc.memory.region(id);
    if (r === undefined) return undefined;
    const view = new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
    return new RegionSlot(r, view, r.bytes.length, r.writable);
  }

  /**
   * The view of the region holding [rB + off, +size), checked for write permission when `write`;
   * sets `this.at` to the offset. Address arithmetic is the full 64-bit sum (RFC 9669 §5).
   */
  private access(base: number, off: number, size: number, write: boolean, pc: number): DataView {
    const lo = this.R[2 * base]!;
    const hi = this.R[2 * base + 1]!;
    let a = (lo >>> 0) + off;
    let h = hi;
    if (a >= TWO32) {
      a -= TWO32;
      h = (h + 1) | 0;
    } else if (a < 0) {
      a += TWO32;
      h = (h - 1) | 0;
    }
    const s = this.slot(h >>> 0);
    if (s === undefined || a + size > s.len || (write && !s.writable)) {
      const addr = join(lo, hi) + BigInt(off);
      throw new VmError(describeAccessFault(this.rc.memory, addr, size, write), pc);
    }
    this.at = a;
    return s.view;
  }

  /** Starts (or restarts, after a tail call) at slot 0 with a fresh frame 0. */
  start(args: readonly bigint[]): void {
    const R = this.R;
    R.fill(0);
    args.forEach((v, i) => {
      R[2 * i + 2] = Number(BigInt.asIntN(32, v));
      R[2 * i + 3] = Number(BigInt.asIntN(32, v >> 32n));
    });
    R[20] = STACK_SIZE;
    R[21] = this.rc.enterFrame(0).id;
    this.depth = 0;
  }

  /** Runs to the final exit; returns r0. */
  run(): bigint {
    while (!this.runProgram());
    return join(this.R[0]!, this.R[1]!);
  }

  /**
   * Runs the current program from `start` until the exit of call depth `base` (true) or a tail call
   * to another program (false).
   */
  private runProgram(start = 0, base = 0): boolean {
    const { sem, aux, dst, src, off, imm, imm2, tgt } = this.prog;
    const R = this.R;
    const budget = this.budget;
    const hits = this.counters?.hits ?? null;
    const taken = this.counters?.taken ?? null;
    let executed = this.executed;
    let pc = start;
    for (;;) {
      const op = sem[pc]!;
      if (hits !== null) hits[pc]++;
      if (++executed > budget && op !== OffEnd) {
        throw new VmError(VmMessages.budget(budget), pc);
      }
      const d = 2 * dst[pc]!;
      const s = src[pc]!;
      // The second operand: src register, or the immediate sign-extended to 64 bits (RFC 9669 §4).
      let bl: number;
      let bh: number;
      if (s === IMM_OPERAND) {
        bl = imm[pc]!;
        bh = bl >> 31;
      } else {
        bl = R[2 * s]!;
        bh = R[2 * s + 1]!;
      }
      const al = R[d]!;
      const ah = R[d + 1]!;
      let next = pc + 1;
      switch (op) {
        case Mov64:
          R[d] = bl;
          R[d + 1] = bh;
          break;
        case Mov32:
          R[d] = bl;
          R[d + 1] = 0;
          break;
        case Add64: {
          const sum = (al >>> 0) + (bl >>> 0);
          R[d] = sum | 0;
          R[d + 1] = (ah + bh + (sum >= TWO32 ? 1 : 0)) | 0;
          break;
        }
        case Add32:
          R[d] = (al + bl) | 0;
          R[d + 1] = 0;
          break;
        case Sub64: {
          const diff = (al >>> 0) - (bl >>> 0);
          R[d] = diff | 0;
          R[d + 1] = (ah - bh - (diff < 0 ? 1 : 0)) | 0;
          break;
        }
        case Sub32:
          R[d] = (al - bl) | 0;
          R[d + 1] = 0;
          break;
        case And64:
          R[d] = al & bl;
          R[d + 1] = ah & bh;
          break;
        case And32:
          R[d] = al & bl;
          R[d + 1] = 0;
          break;
        case Or64:
          R[d] = al | bl;
          R[d + 1] = ah | bh;
          break;
        case Or32:
          R[d] = al | bl;
          R[d + 1] = 0;
          break;
        case Xor64:
          R[d] = al ^ bl;
          R[d + 1] = ah ^ bh;
          break;
        case Xor32:
          R[d] = al ^ bl;
          R[d + 1] = 0;
          break;
        case Lsh64: {
          const n = bl & 63;
          if (n >= 32) {
            R[d + 1] = al << (n - 32);
            R[d] = 0;
          } else if (n > 0) {
            R[d + 1] = (ah << n) | (al >>> (32 - n));
            R[d] = al << n;
          }
          break;
        }
        case Lsh32:
          R[d] = al << (bl & 31);
          R[d + 1] = 0;
          break;
        case Rsh64:
        case Arsh64: {
          const n = bl & 63;
          const arith = op === Arsh64;
          if (n >= 32) {
            R[d] = arith ? ah >> (n - 32) : ah >>> (n - 32);
            R[d + 1] = arith ? ah >> 31 : 0;
          } else if (n > 0) {
            R[d] = (al >>> n) | (ah << (32 - n));
            R[d + 1] = arith ? ah >> n : ah >>> n;
          }
          break;
        }
        case Rsh32:
          R[d] = al >>> (bl & 31);
          R[d + 1] = 0;
          break;
        case Arsh32:
          R[d] = al >> (bl & 31);
          R[d + 1] = 0;
          break;
        case Mul64:
          // (ah·2^32 + al)(bh·2^32 + bl) mod 2^64: the cross terms only reach the high half.
          R[d + 1] = (mulHigh(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
          R[d] = Math.imul(al, bl);
          break;
        case Mul32:
          R[d] = Math.imul(al, bl);
          R[d + 1] = 0;
          break;
        case Div32:
          R[d] = bl === 0 ? 0 : ((al >>> 0) / (bl >>> 0)) | 0;
          R[d + 1] = 0;
          break;
        case Mod32:
          R[d] = bl === 0 ? al : ((al >>> 0) % (bl >>> 0)) | 0;
          R[d + 1] = 0;
          break;
        case Sdiv32:
          // INT_MIN / -1 wraps to INT_MIN (JS would give 2^31).
          R[d] = bl === 0 ? 0 : bl === -1 ? -al | 0 : (al / bl) | 0;
          R[d + 1] = 0;
          break;
        case Smod32:
          R[d] = bl === 0 ? al : bl === -1 ? 0 : (al % bl) | 0;
          R[d + 1] = 0;
          break;
        case DivMod64: {
          const f = ALU64_BIGINT[DIVMOD64_OPS[aux[pc]!]!]!;
          this.set(d, f(join(al, ah), join(bl, bh)));
          break;
        }
        case Neg64:
          R[d] = -al | 0;
          R[d + 1] = (~ah + (al === 0 ? 1 : 0)) | 0;
          break;
        case Neg32:
          R[d] = -al | 0;
          R[d + 1] = 0;
          break;
        case Movsx64:
        case Movsx32: {
          const shift = 32 - aux[pc]!;
          const v = shift === 0 ? bl : (bl << shift) >> shift;
          R[d] = v;
          R[d + 1] = op === Movsx64 ? v >> 31 : 0;
          break;
        }
        case Le: {
          // Little-endian host: `le` only truncates (RFC 9669 §4.2).
          const bits = aux[pc]!;
          if (bits === 16) R[d] = al & 0xffff;
          if (bits !== 64) R[d + 1] = 0;
          break;
        }
        case Bswap: {
          const bits = aux[pc]!;
          if (bits === 64) {
            R[d] = bswap32(ah);
            R[d + 1] = bswap32(al);
          } else {
            R[d] = bits === 16 ? ((al & 0xff) << 8) | ((al >>> 8) & 0xff) : bswap32(al);
            R[d + 1] = 0;
          }
          break;
        }
        case Lddw:
          R[d] = imm[pc]!;
          R[d + 1] = imm2[pc]!;
          next = pc + 2;
          break;
        case Ldx:
        case Ldxs: {
          const size = aux[pc]!;
          const v = this.access(s, off[pc]!, size, false, pc);
          const a = this.at;
          const signed = op === Ldxs;
          if (size === 8) {
            R[d] = v.getInt32(a, true);
            R[d + 1] = v.getInt32(a + 4, true);
          } else {
            let x: number;
            if (size === 1) x = signed ? v.getInt8(a) : v.getUint8(a);
            else if (size === 2) x = signed ? v.getInt16(a, true) : v.getUint16(a, true);
            else x = v.getInt32(a, true);
            R[d] = x;
            R[d + 1] = signed ? x >> 31 : 0;
          }
          break;
        }
        case Store: {
          const size = aux[pc]!;
          const v = this.access(dst[pc]!, off[pc]!, size, true, pc);
          const a = this.at;
          if (size === 1) v.setInt8(a, bl);
          else if (size === 2) v.setInt16(a, bl, true);
          else {
            v.setInt32(a, bl, true);
            if (size === 8) v.setInt32(a + 4, bh, true);
          }
          break;
        }
        case Atomic32:
        case Atomic64:
          this.atomic(op === Atomic64, aux[pc]!, dst[pc]!, s, off[pc]!, pc);
          break;
        case Packet: {
          // ldabs / ldind (RFC 9669 §5.5): offset imm, plus the low 32 bits of src for ldind.
          const base = s === IMM_OPERAND ? 0 : bl;
          const v = this.rc.loadPacket((base + imm[pc]!) | 0, aux[pc]!);
          if (v === null) {
            // Out of range: the program exits with r0 = 0, as in the kernel.
            R[0] = 0;
            R[1] = 0;
            this.depth = 0;
            this.executed = executed;
            return true;
          }
          this.set(0, v);
          break;
        }
        case Ja:
          next = this.target(tgt[pc]!, pc);
          break;
        case Jcond64:
          if (jump64(aux[pc]!, al, ah, bl, bh)) {
            next = this.target(tgt[pc]!, pc);
            if (taken !== null) taken[pc]++;
          }
          break;
        case Jcond32:
          if (jump32(aux[pc]!, al, bl)) {
            next = this.target(tgt[pc]!, pc);
            if (taken !== null) taken[pc]++;
          }
          break;
        case CallLocal:
          next = this.callLocal(tgt[pc]!, pc);
          break;
        case CallHelper:
        case Callx: {
          const n = op === Callx ? join(al, ah) : BigInt(imm[pc]! >>> 0);
          // A callback helper runs subprograms of this program: they count against the budget too.
          this.executed = executed;
          if (this.callHelper(n, pc)) return false;
          executed = this.executed;
          break;
        }
        case Exit: {
          if (this.depth === base) {
            this.executed = executed;
            return true;
          }
          // Return from a subprogram: restore r6–r10 and continue after the call.
          this.depth--;
          const b = this.depth * FRAME_WORDS;
          next = this.frames[b]!;
          for (let i = 0; i < 10; i++) R[12 + i] = this.frames[b + 1 + i]!;
          break;
        }
        case FailAfterAccess:
          // aux: access size, bit 7 set for a write access (atomics); src: the base register.
          this.access(s, off[pc]!, aux[pc]! & 0x7f, (aux[pc]! & 0x80) !== 0, pc);
          throw new VmError(this.prog.msg[pc]!, pc);
        case Fail:
          throw new VmError(this.prog.msg[pc]!, pc);
        case OffEnd:
          throw new VmError(VmMessages.ranOffEnd(), pc);
      }
      pc = next;
    }
  }

  /** Sets register pair at index `d` to the unsigned 64-bit value of `v`. */
  private set(d: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.R[d] = Number(u & 0xffffffffn) | 0;
    this.R[d + 1] = Number(u >> 32n) | 0;
  }

  /** A decoded jump target, or the bad-jump error when it is outside the program. */
  private target(t: number, pc: number): number {
    if (t < 0) throw new VmError(VmMessages.badJump(jumpTarget(this.prog.insnAt[pc]!, pc)!), pc);
    return t;
  }

  /** Atomic read-modify-write at rDst + off with rSrc (RFC 9669 §5.3). */
  private atomic(
    wide: boolean,
    code: number,
    dstReg: number,
    srcReg: number,
    off: number,
    pc: number,
  ) {
    const R = this.R;
    // Atomics need write access even when they only compare.
    const v = this.access(dstReg, off, wide ? 8 : 4, true, pc);
    const a = this.at;
    const sl = R[2 * srcReg]!;
    const sh = wide ? R[2 * srcReg + 1]! : 0;
    const ol = v.getInt32(a, true);
    const oh = wide ? v.getInt32(a + 4, true) : 0;
    const update = code & ~A_Fetch;
    if (update === A_Cmpxchg) {
      // Compare with r0; r0 receives the old value (zero-extended for 32-bit).
      if (R[0] === ol && (!wide || R[1] === oh)) {
        v.setInt32(a, sl, true);
        if (wide) v.setInt32(a + 4, sh, true);
      }
      R[0] = ol;
      R[1] = oh;
      return;
    }
    let nl: number;
    let nh: number;
    if (update === A_Add) {
      const sum = (ol >>> 0) + (sl >>> 0);
      nl = sum | 0;
      nh = (oh + sh + (sum >= TWO32 ? 1 : 0)) | 0;
    } else if (update === A_Or) {
      nl = ol | sl;
      nh = oh | sh;
    } else if (update === A_And) {
      nl = ol & sl;
      nh = oh & sh;
    } else if (update === A_Xor) {
      nl = ol ^ sl;
      nh = oh ^ sh;
    } else {
      nl = sl; // xchg
      nh = sh;
    }
    v.setInt32(a, nl, true);
    if (wide) v.setInt32(a + 4, nh, true);
    if (code & A_Fetch) {
      R[2 * srcReg] = ol;
      R[2 * srcReg + 1] = oh;
    }
  }

  /** `call` of a subprogram: saves r6–r10, gives the callee a fresh frame; returns the target. */
  private callLocal(t: number, pc: number): number {
    if (this.depth + 1 >= MAX_CALL_FRAMES) throw new VmError(VmMessages.callDepth(), pc);
    const b = this.depth * FRAME_WORDS;
    this.frames[b] = pc + 1;
    for (let i = 0; i < 10; i++) this.frames[b + 1 + i] = this.R[12 + i]!;
    this.depth++;
    this.R[20] = STACK_SIZE;
    this.R[21] = this.rc.enterFrame(this.depth).id;
    return this.target(t, pc);
  }

  /** Calls helper `n` with r1–r5; returns true when it started a tail call (program switched). */
  private callHelper(n: bigint, pc: number): boolean {
    const R = this.R;
    const r1 = join(R[2]!, R[3]!);
    const r0 = this.rc.callHelper(n, pc, [
      r1,
      join(R[4]!, R[5]!),
      join(R[6]!, R[7]!),
      join(R[8]!, R[9]!),
      join(R[10]!, R[11]!),
    ]);
    const tail = this.rc.takeTailCall();
    if (tail) {
      this.prog = decodedOf(tail);
      this.rc.programSlots = this.prog.slots;
      this.counters = this.coverage?.(tail) ?? null;
      this.start([r1]);
      return true;
    }
    this.set(0, this.rc.tailRefused ? TAIL_CALL_REFUSED : r0);
    return false;
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
  const rc = new RunContext(memory, helpers, args[0]!, options.legacyPacket);
  try {
    const it = new Interpretation(program, rc, budget, options.coverage);
    it.start(args);
    const r0 = it.run();
    return { r0, executed: it.executed };
  } finally {
    rc.release();
  }
}

/** The reference interpreter as an `Engine`. */
export const interpreterEngine: Engine = { kind: "interpreter", run: interpret };
