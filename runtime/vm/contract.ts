/**
 * The seam between the VM's execution engine (runtime/vm: memory, interpreter, JIT) and the system
 * around it (runtime/maps, runtime/helpers, the object loader and the test API).
 *
 * The engine runs resolved instructions: by the time a program reaches it, every lddw that named a map,
 * global data or a function holds a plain 64-bit address (src 0), and every map is a `VmMap` reachable
 * from the address of its handle region. A function's address is the slot of its first instruction
 * in a zero-byte "code" region (so a load or store through it faults); callback helpers run it
 * through `HelperCall.callFunction`. The engine knows nothing of maps; helpers know nothing of the JIT.
 *
 * Addresses: the VM's address space is a table of regions. An address is `(regionId << 32) | offset`
 * (regionId ≥ 1, so 0 stays NULL), which keeps pointer arithmetic plain 64-bit integer arithmetic, and
 * makes every access one table lookup plus one bounds check. An access must fall entirely inside one
 * region, with write permission for stores; anything else is a `VmError` naming instruction and address.
 */
import type { Insn } from "../../core/isa/index.ts";

/** What a region holds; used in error messages and by helpers that accept only some kinds. */
export type RegionKind =
  | "stack"
  | "context"
  | "packet"
  | "map_value"
  | "map_handle"
  | "global_data"
  | "ringbuf_record"
  | "helper_buffer"
  | "input"
  | "code"
  /** A kernel struct an iterator run walks (runtime/vm/iter.ts): a task, a map, a socket, ... */
  | "kernel_object";

/** A contiguous block of VM memory. */
export interface Region {
  readonly id: number;
  /** Address of byte 0: `BigInt(id) << 32n`. */
  readonly base: bigint;
  readonly bytes: Uint8Array;
  readonly writable: boolean;
  readonly kind: RegionKind;
  /** For messages: "stack frame 0", "map counts value", "packet", ... */
  readonly name: string;
}

/** The VM address space. Implemented in runtime/vm/memory.ts. */
export interface Memory {
  /** Adds a region over `bytes` (not copied: the VM reads and writes the caller's buffer). */
  map(bytes: Uint8Array, opts: { writable: boolean; kind: RegionKind; name: string }): Region;
  /** Removes a region; later accesses to its addresses fail. */
  unmap(region: Region): void;
  /** The region containing [addr, addr+size), checked for write permission; throws VmError otherwise. */
  resolve(addr: bigint, size: number, write: boolean): { region: Region; offset: number };
  /** Region by id (undefined when unmapped). */
  region(id: number): Region | undefined;
  /** Copies `len` bytes out (checked). */
  read(addr: bigint, len: number): Uint8Array;
  /** Copies bytes in (checked, needs write permission). */
  write(addr: bigint, data: Uint8Array): void;
}

/** A runtime error in a program: out-of-bounds access, budget exhausted, bad helper, ... */
export class VmError extends Error {
  constructor(
    message: string,
    /** Slot index (pc) of the failing instruction, or -1 when not tied to one. */
    readonly pc: number,
  ) {
    super(pc >= 0 ? `${message} (at instruction ${pc})` : message);
    this.name = "VmError";
  }
}

/** What a helper sees of the running program. */
export interface HelperCall {
  readonly memory: Memory;
  /** Arguments r1–r5 as unsigned 64-bit values. */
  readonly args: readonly [bigint, bigint, bigint, bigint, bigint];
  /** Slot index of the call instruction (for errors). */
  readonly pc: number;
  /** The context pointer the program was started with (r1 at entry). */
  readonly ctx: bigint;
  /**
   * Asks the engine to replace the running program by `program` once the helper returns
   * (bpf_tail_call). The helper returns 0 to signal the request was accepted; the engine then jumps.
   */
  tailCall(program: EngineProgram): void;
  /**
   * Runs the running program's subprogram at `address` (the value of an lddw of a function address,
   * BPF_PSEUDO_FUNC: an offset into a "code" region) with r1–r5 = `args`, in a fresh stack frame one
   * level deeper, and returns its r0 (bpf_loop and the other callback helpers). Throws VmError when
   * `address` is no function of the program or the call depth limit is reached.
   */
  callFunction(address: bigint, args: readonly bigint[]): bigint;
}

/** A helper implementation: returns r0 (unsigned 64-bit, or negative errno as two's complement). */
export type HelperFn = (call: HelperCall) => bigint;

/**
 * What a helper's optional fast path sees (additive extension of this contract; see `FastHelperFn`).
 * Registers arrive as int32 halves and r0 leaves as int32 halves, so a hot helper call needs no
 * BigInt and no allocation. The engine reuses one object per run: a helper must not keep it.
 */
export interface FastHelperCall {
  readonly memory: Memory;
  /** r1–r5 as int32 halves: `args[2k]` is bits 0–31 of r(k+1), `args[2k + 1]` bits 32–63. */
  readonly args: Int32Array;
  /** Slot index of the call instruction (for errors). */
  readonly pc: number;
  /** r0 to return (bits 0–31 / 32–63, as int32), set by a fast helper that returns true. */
  rl: number;
  rh: number;
  /**
   * The bytes of the region holding [addr, addr + size), addr given as halves (lo, hi), checked for
   * write permission when `write`; `offset` is set to addr's offset in them. Null when the access
   * would fault: the helper then returns false and the engine's `fn` call reports the exact error.
   */
  bytesAt(lo: number, hi: number, size: number, write: boolean): Uint8Array | null;
  /** Offset in the bytes of the last successful `bytesAt`. */
  readonly offset: number;
}

/**
 * Optional fast form of a helper (additive extension of this contract). It must give exactly the
 * result of `fn` for the calls it handles: it returns true with r0 in `call.rl`/`call.rh`, or false,
 * *before changing any state*, to let the engine call `fn` instead (uncommon cases, every error).
 * It never requests tail calls. The JIT uses it when present; the reference interpreter always calls
 * `fn`, so the differential tests compare the two paths.
 */
export type FastHelperFn = (call: FastHelperCall) => boolean;

/** Helpers by number. A call to a number not here is a clean VmError. */
export type HelperTable = ReadonlyMap<
  number,
  { readonly name: string; readonly fn: HelperFn; readonly fast?: FastHelperFn }
>;

/** A program ready to run: instructions with every lddw resolved to a plain constant. */
export interface EngineProgram {
  readonly name: string;
  readonly insns: readonly Insn[];
}

/** How to run. */
export interface RunOptions {
  /** r1–r5 at entry (missing ones are 0). r10 is set by the engine. */
  readonly args?: readonly bigint[];
  /** Maximum instructions executed before a VmError ("instruction budget exhausted"). */
  readonly budget?: number;
  /**
   * Coverage counters per program (the reference interpreter only; the JIT ignores it): for each
   * program run (the entry program, then any tail-called one) the counters it returns, if any, get
   * one hit per executed slot and one `taken` per conditional jump that jumped.
   */
  readonly coverage?: (program: EngineProgram) => CoverageCounters | undefined;
  /**
   * How ldabs / ldind read the packet: `size` bytes at `offset` (a signed 32-bit int), big-endian,
   * or null when out of range (the program then exits with r0 = 0). A `__sk_buff` program gets the
   * kernel's reading of its skb (PacketState.legacyLoad); absent, the packet is the region holding
   * the context pointer, from the pointer on (RFC 9669 §5.5).
   */
  readonly legacyPacket?: (offset: number, size: number) => bigint | null;
}

/** Per-slot execution counts of one program (indexed by slot, like `VmError.pc`). */
export interface CoverageCounters {
  /** Times each slot was executed. */
  readonly hits: Uint32Array;
  /** Times each conditional jump slot jumped (not taken = hits - taken). */
  readonly taken: Uint32Array;
}

/** The outcome of one run. */
export interface RunResult {
  /** r0 at exit, unsigned 64-bit. */
  readonly r0: bigint;
  /** Instructions executed (including those of tail-called programs). */
  readonly executed: number;
}

/** An execution engine: the reference interpreter and the JIT implement the same contract. */
export interface Engine {
  readonly kind: "interpreter" | "jit";
  run(
    program: EngineProgram,
    memory: Memory,
    helpers: HelperTable,
    options?: RunOptions,
  ): RunResult;
}
