/**
 * What both execution engines share for one run: program layout (slot ↔ instruction index), stack
 * frames, helper calls, tail-call bookkeeping, legacy packet loads, and the text of every runtime error.
 *
 * Consumes an `EngineProgram`, a `Memory` and a `HelperTable` (runtime/vm/contract.ts); produces
 * results for both engines (BigInt values at the helper boundary, 32-bit register halves inside), so
 * the two engines cannot drift apart in semantics or wording. Helper calls have two paths: `callHelper`
 * (the reference: BigInt arguments, a `HelperCall` per call) and `callFast` (a helper's optional
 * `fast` form over the reusable `FastCallState`: int32 halves, no allocation), which the JIT tries
 * first and the interpreter never uses.
 *
 * Invariants: a run maps one 512-byte stack region per call depth (lazily, zeroed on every entry) and
 * unmaps them all in `release()`; kernel limits apply: at most MAX_CALL_FRAMES nested frames
 * (kernel `MAX_CALL_FRAMES`) and MAX_TAIL_CALLS tail calls per run (kernel `MAX_TAIL_CALL_CNT`).
 */
import { STACK_SIZE, slotOffsets } from "../../core/isa/index.ts";
import type { Insn } from "../../core/isa/index.ts";
import { VmError } from "./contract.ts";
import type {
  EngineProgram,
  FastHelperCall,
  FastHelperFn,
  HelperCall,
  HelperTable,
  Memory,
  Region,
} from "./contract.ts";

/**
 * Instructions a run may execute when `RunOptions.budget` is not given. The kernel itself puts no
 * cap on executed instructions (a verified bpf_loop may run 8M iterations), so real programs get
 * room: a billion is about a second in the JIT. Runners that must never wait long (the conformance
 * plugin) pass their own, smaller budget.
 */
export const DEFAULT_BUDGET = 1_000_000_000;
/** Maximum nesting of BPF-to-BPF calls, main program included (kernel MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
/** Maximum tail calls in one run (kernel MAX_TAIL_CALL_CNT). */
export const MAX_TAIL_CALLS = 33;
/** r0 after a tail call refused because the limit was reached: -ENOENT, as for a missing program. */
export const TAIL_CALL_REFUSED = BigInt.asUintN(64, -2n);

/** Runtime error texts, shared by both engines (tests compare the engines' messages verbatim). */
export const VmMessages = {
  budget: (budget: number) => `instruction budget exhausted (${budget} instructions)`,
  ranOffEnd: () => "execution ran off the end of the program",
  badJump: (target: number) => `jump to slot ${target}, outside the program or inside an lddw`,
  writesR10: () => "r10 (frame pointer) is read-only",
  badRegister: (reg: number) => `invalid register r${reg}`,
  callDepth: () => `call depth limit exceeded (max ${MAX_CALL_FRAMES} frames)`,
  unknownHelper: (n: bigint | number) => `unknown helper ${n}`,
  kfunc: (imm: number) => `kfunc call ${imm} is not supported by the VM`,
  badLddw: (src: number) => `lddw with unresolved pseudo source ${src} (load the object first)`,
  notAFunction: (address: bigint) =>
    `callback address 0x${address.toString(16)} is not a function of the program`,
  tailCallInCallback: () => "a callback cannot tail-call",
} as const;

/** Where each instruction sits: the engines address instructions by slot, as jumps do. */
export interface ProgramLayout {
  readonly insns: readonly Insn[];
  /** Slot of instruction i (index insns.length holds the total slot count). */
  readonly slotOf: readonly number[];
  /** Instruction index at each slot, -1 for the second slot of an lddw. */
  readonly indexAt: Int32Array;
  /** Total number of slots. */
  readonly slots: number;
}

/** Computes the slot layout of a program. */
export function layoutProgram(insns: readonly Insn[]): ProgramLayout {
  const slotOf = slotOffsets(insns);
  const slots = slotOf[insns.length]!;
  const indexAt = new Int32Array(slots).fill(-1);
  for (let i = 0; i < insns.length; i++) indexAt[slotOf[i]!] = i;
  return { insns, slotOf, indexAt, slots };
}

/**
 * The reusable `FastHelperCall` of a run: argument halves in, r0 halves out, and an allocation-free
 * region lookup over `Memory.region` (no BigInt address arithmetic).
 */
export class FastCallState implements FastHelperCall {
  readonly args = new Int32Array(10);
  pc = 0;
  rl = 0;
  rh = 0;
  offset = 0;

  constructor(readonly memory: Memory) {}

  bytesAt(lo: number, hi: number, size: number, write: boolean): Uint8Array | null {
    const id = hi >>> 0;
    const region = id === 0 ? undefined : this.memory.region(id);
    if (region === undefined) return null;
    const offset = lo >>> 0;
    if (offset + size > region.bytes.length || (write && !region.writable)) return null;
    this.offset = offset;
    return region.bytes;
  }
}

/** Per-run state shared by the engines. Create one per `Engine.run`, call `release()` at the end. */
export class RunContext {
  private readonly stacks: (Region | undefined)[] = [];
  /** Program requested by a `tailCall` during the last helper call, if any. */
  pendingTail: EngineProgram | null = null;
  /** Tail calls taken so far. */
  tailCalls = 0;

  /** The fast-path call object, reused by every fast helper call of this run. */
  readonly fastCall: FastCallState;
  /** Fast helper by number, filled on first call of each number (null: the helper has none). */
  private readonly fastById: (FastHelperFn | null)[] = [];
  private readonly requestTail = (program: EngineProgram): void => {
    this.pendingTail = program;
  };
  /**
   * How the engine runs a subprogram of the running program at `slot` for a callback helper; set by
   * the engine before the run (null: no engine attached).
   */
  invoker: ((slot: number, args: readonly bigint[], pc: number) => bigint) | null = null;
  /** Slot count of the running program (function addresses must fall inside it). */
  programSlots = 0;

  constructor(
    readonly memory: Memory,
    readonly helpers: HelperTable,
    /** r1 at entry: the context pointer helpers see. */
    readonly ctx: bigint,
    /** How ldabs / ldind read the packet (`RunOptions.legacyPacket`). */
    private readonly legacyPacket?: (offset: number, size: number) => bigint | null,
  ) {
    this.fastCall = new FastCallState(memory);
  }

  /** The fast form of helper `n` (a uint32 as int32), or null when it has none or does not exist. */
  fastHelper(n: number): FastHelperFn | null {
    let f = this.fastById[n];
    if (f === undefined) {
      f = (n >= 0 && this.helpers.get(n)?.fast) || null;
      if (n >= 0 && n < 1 << 16) this.fastById[n] = f;
    }
    return f;
  }

  /**
   * Runs a fast helper over the arguments already stored in `fastCall.args`. Returns true with r0 in
   * `fastCall.rl/rh`, or false when the helper declined (the caller then takes the `callHelper` path).
   */
  callFast(fast: FastHelperFn, pc: number): boolean {
    const call = this.fastCall;
    call.pc = pc;
    try {
      return fast(call);
    } catch (err) {
      if (err instanceof VmError && err.pc < 0) throw new VmError(err.message, pc);
      throw err;
    }
  }

  /** The stack region for call depth `depth`, mapped on first use and zeroed on every entry. */
  enterFrame(depth: number): Region {
    let r = this.stacks[depth];
    if (r === undefined) {
      r = this.memory.map(new Uint8Array(STACK_SIZE), {
        writable: true,
        kind: "stack",
        name: `stack frame ${depth}`,
      });
      this.stacks[depth] = r;
    } else {
      r.bytes.fill(0);
    }
    return r;
  }

  /** Calls helper `n` with r1–r5 (unsigned 64-bit); returns r0. Throws VmError for unknown numbers. */
  callHelper(
    n: bigint,
    pc: number,
    args: readonly [bigint, bigint, bigint, bigint, bigint],
  ): bigint {
    const h = n <= 0x7fffffffn ? this.helpers.get(Number(n)) : undefined;
    if (!h) throw new VmError(VmMessages.unknownHelper(n), pc);
    this.pendingTail = null;
    const call: HelperCall = {
      memory: this.memory,
      args,
      pc,
      ctx: this.ctx,
      tailCall: this.requestTail,
      callFunction: (address, fnArgs) => this.callFunction(address, fnArgs, pc),
    };
    let r: bigint;
    try {
      r = h.fn(call);
    } catch (err) {
      if (err instanceof VmError && err.pc < 0) throw new VmError(err.message, pc);
      throw err;
    }
    if (typeof r !== "bigint") {
      throw new VmError(`helper ${h.name} returned ${typeof r}, expected a bigint`, pc);
    }
    return BigInt.asUintN(64, r);
  }

  /** `HelperCall.callFunction`: checks the address is a slot of the program's code, then runs it. */
  private callFunction(address: bigint, args: readonly bigint[], pc: number): bigint {
    const a = BigInt.asUintN(64, address);
    const region = this.memory.region(Number(a >> 32n));
    const slot = Number(a & 0xffffffffn);
    if (region?.kind !== "code" || slot >= this.programSlots || this.invoker === null)
      throw new VmError(VmMessages.notAFunction(a), pc);
    const saved = this.pendingTail;
    const r0 = this.invoker(slot, args, pc);
    this.pendingTail = saved;
    return BigInt.asUintN(64, r0);
  }

  /**
   * Takes the tail call requested by the last helper, if any: returns the program to switch to, or
   * null (no request, or the MAX_TAIL_CALLS limit refused it; then r0 must become TAIL_CALL_REFUSED,
   * which `tailRefused` reports).
   */
  takeTailCall(): EngineProgram | null {
    const p = this.pendingTail;
    this.pendingTail = null;
    this.tailRefused = false;
    if (p === null) return null;
    if (this.tailCalls >= MAX_TAIL_CALLS) {
      this.tailRefused = true;
      return null;
    }
    this.tailCalls++;
    return p;
  }
  /** Whether the last `takeTailCall` refused a request because of the limit. */
  tailRefused = false;

  /**
   * Legacy packet load (ldabs/ldind, RFC 9669 §5.5): through `legacyPacket` when the run has one,
   * else the packet is the region holding the context pointer, from the context's offset on; the
   * value is read big-endian (network order). Returns null when out of range, in which case the
   * program exits with r0 = 0, as in the kernel.
   */
  loadPacket(offset: number, size: number): bigint | null {
    if (this.legacyPacket) return this.legacyPacket(offset, size);
    const id = Number(BigInt.asUintN(64, this.ctx) >> 32n);
    const region = id === 0 ? undefined : this.memory.region(id);
    if (!region) return null;
    const start = Number(this.ctx & 0xffffffffn) + offset;
    if (offset < 0 || start + size > region.bytes.length) return null;
    let v = 0n;
    for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(region.bytes[start + i]!);
    return v;
  }

  /** Unmaps this run's stack regions. */
  release(): void {
    for (const r of this.stacks) if (r) this.memory.unmap(r);
    this.stacks.length = 0;
  }
}

/** Returns r1–r5 from `RunOptions.args` (missing ones 0), as unsigned 64-bit values. */
export function entryArgs(args: readonly bigint[] | undefined): bigint[] {
  const out = [0n, 0n, 0n, 0n, 0n];
  if (args) {
    if (args.length > 5) throw new VmError(`at most 5 arguments (r1–r5), got ${args.length}`, -1);
    args.forEach((v, i) => (out[i] = BigInt.asUintN(64, v)));
  }
  return out;
}

/** Validates `RunOptions.budget`. */
export function checkBudget(budget: number | undefined): number {
  const b = budget ?? DEFAULT_BUDGET;
  if (!Number.isSafeInteger(b) || b < 0) {
    throw new VmError(`instruction budget must be a non-negative integer, got ${b}`, -1);
  }
  return b;
}
