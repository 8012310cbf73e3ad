/**
 * The seam between the VM's execution engine (runtime/vm: memory, interpreter, JIT) and the system
 * around it (runtime/maps, runtime/helpers, the object loader and the test API).
 *
 * The engine runs resolved instructions: by the time a program reaches it, every lddw that named a map
 * or global data holds a plain 64-bit address (src 0), and every map is a `VmMap` reachable from the
 * address of its handle region. The engine knows nothing of maps; helpers know nothing of the JIT.
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
  | "input";

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
}

/** A helper implementation: returns r0 (unsigned 64-bit, or negative errno as two's complement). */
export type HelperFn = (call: HelperCall) => bigint;

/** Helpers by number. A call to a number not here is a clean VmError. */
export type HelperTable = ReadonlyMap<number, { readonly name: string; readonly fn: HelperFn }>;

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
