/**
 * A seeded random generator of small XDP programs that the kernel verifier accepts, for differential
 * testing of the VM against the kernel (test/differential).
 *
 * Consumes a seed (and size options); produces a `GeneratedProgram`: instructions built only from
 * core/isa table rows (picked by kind/op/width, never by opcode number), an input packet and the
 * initial value of the one array map. The same seed always gives the same program and inputs.
 *
 * Shape of every program (register roles are fixed, so the verifier never sees pointer arithmetic
 * it forbids and scalars never mix with pointers):
 *
 * ```
 *   r6 = ctx->data; r2 = ctx->data_end          ; r6: packet pointer (never written again)
 *   if r6 + 64 > r2 goto err                     ; packet bytes [0, 64) are now accessible
 *   *(u32 *)(r10 - 72) = 0; r0 = lookup(map, r10 - 72)
 *   if r0 == 0 goto err; r7 = r0                 ; r7: map value pointer (never written again)
 *   init r0-r5, r8, r9 (scalars) from the map, the packet and constants
 *   init the stack area [r10 - 64, r10) with 8-byte stores
 *   body: random ALU32/ALU64 (every op, imm and reg, incl. v4 sdiv/smod/movsx/bswap), neg, mov,
 *         lddw, byte swaps, loads/stores on stack, map value and packet, atomics on stack and map
 *         value, and forward if / if-else blocks of both jump widths
 *   dump r0-r5, r8, r9 to value[128..192) and the stack area to value[192..256)
 *   exit                                         ; r0 is a body scalar: all 64 bits are in the map
 * err: r0 = 0; exit
 * ```
 *
 * Verifier rules the generator respects (kernel/bpf/verifier.c): registers are written before read;
 * stack accesses are naturally aligned (stack alignment is always strict) and read only initialised
 * slots; atomics are aligned and only on stack or map value (never packet), and those that write a
 * register only on map values (see `GenOptions.avoidKernelBugs`); constant shift amounts
 * are in [0, width); constant divisors are non-zero; every instruction is reachable (no jumps over
 * code without a second path to it, hence only if / if-else blocks); jumps are forward, so programs
 * terminate, and the number of branches is bounded to keep verification cheap.
 */
import {
  FRAME_POINTER,
  INSNS,
  PseudoSrc,
  insnSpec,
  makeInsn,
  splitImm64,
  type Insn,
  type InsnSpec,
} from "../../../core/isa/index.ts";
import { Emitter, type Label } from "./emitter.ts";
import { Rng } from "./rng.ts";

/** Byte layout shared by the generated programs and the harness that checks them. */
export const DIFF_LAYOUT = {
  /** Value size of the array map (one entry, key 0). */
  valueSize: 256,
  /** Program stores and atomics target value bytes [0, storeBytes); loads may read the whole value. */
  storeBytes: 128,
  /** Where r0-r5, r8, r9 are dumped (8 bytes each, in `SCALAR_REGS` order). */
  regDumpOffset: 128,
  /** Where the stack area is copied. */
  stackDumpOffset: 192,
  /** The stack area: [r10 - stackBytes, r10). */
  stackBytes: 64,
  /** The packet prefix the program checks and accesses. */
  packetBytes: 64,
  /** Stack offset of the map key (outside the stack area). */
  keyOffset: -72,
} as const;

/** Registers holding scalars; r6 (packet), r7 (map value) and r10 (frame) are pointers. */
export const SCALAR_REGS: readonly number[] = [0, 1, 2, 3, 4, 5, 8, 9];
const PKT = 6;
const VALUE = 7;
const FP = FRAME_POINTER;
/** BPF_FUNC_map_lookup_elem (include/uapi/linux/bpf.h). */
const MAP_LOOKUP_ELEM = 1;

/** Size limits of a generated program. */
export interface GenOptions {
  /** Statements at the top level of the body (default 8..48). */
  readonly minBody?: number;
  readonly maxBody?: number;
  /** Maximum number of if blocks (default 6). */
  readonly maxIfs?: number;
  /** Maximum if nesting (default 2). */
  readonly maxDepth?: number;
  /**
   * Steer clear of two Linux 6.18 verifier bugs (default true; test/differential/README.md has the
   * reproducers). Both come from state pruning ("from X to Y: safe") on a path whose needs the
   * verifier did not record:
   * - atomics that write a register (fetch_*, xchg, cmpxchg) on a stack slot: precision
   *   backtracking marks the instruction's operand register precise instead of the slot it read, so
   *   a path is pruned that is not equivalent, and the branch it needed is removed as dead code.
   *   With the workaround they only target map values, whose contents the verifier does not track;
   * - 32-bit cmpxchg: x86 `lock cmpxchg` leaves rax's upper half alone when the comparison
   *   succeeds, so the verifier must add a zero-extension of r0 (RFC 9669 §5.3: r0 gets the
   *   zero-extended old value), but it does so only when it sees a 64-bit read of r0 on a path
   *   it did not prune. With the workaround, `r0 = r0` (a 64-bit read) follows it directly.
   * The random choices are the same either way, so a seed gives the same program modulo these.
   */
  readonly avoidKernelBugs?: boolean;
}

/** A generated program and its inputs. */
export interface GeneratedProgram {
  readonly seed: number;
  /**
   * The instructions; `insns[mapLoadIndex]` is `r1 = map_fd(0) ll`, to be given the real map (a kernel
   * fd via `withMapFd`, or a VM relocation).
   */
  readonly insns: readonly Insn[];
  readonly mapLoadIndex: number;
  /**
   * The random body is `insns[body.start .. body.end)`: before it every register and stack slot is
   * initialised, after it come the dumps. Any body instruction may be deleted (jump offsets
   * recomputed) without making the program invalid, which the minimiser relies on.
   */
  readonly body: { readonly start: number; readonly end: number };
  /** The input packet (at least `packetBytes` long). */
  readonly packet: Uint8Array;
  /** The initial value of map key 0 (`valueSize` bytes). */
  readonly mapValue: Uint8Array;
}

const rowsWhere = (pred: (s: InsnSpec) => boolean): readonly InsnSpec[] => INSNS.filter(pred);
const ALU_ROWS = rowsWhere((s) => s.kind === "alu");
const UNARY_ROWS = rowsWhere((s) => ["neg", "mov", "movsx", "end"].includes(s.kind));
const LOAD_ROWS = rowsWhere((s) => s.kind === "ldx");
const STORE_ROWS = rowsWhere((s) => s.kind === "st" || s.kind === "stx");
const ATOMIC_ROWS = rowsWhere((s) => s.kind === "atomic");
const JCOND_ROWS = rowsWhere((s) => s.kind === "jcond");
const NON_FETCH_ATOMICS: ReadonlySet<string> = new Set([
  "atomic_add",
  "atomic_or",
  "atomic_and",
  "atomic_xor",
]);
const JA_ROWS = rowsWhere((s) => s.kind === "ja");

const EDGE_IMMS = [
  0, 1, -1, 2, -2, 7, 8, 31, 32, 63, 64, 0xff, 0x7f, -0x80, 0xffff, 0x7fff, -0x8000, 0x12345678,
  0x7fffffff, -0x80000000,
];
const EDGE_IMM64 = [
  0n,
  1n,
  0xffffffffffffffffn,
  0x8000000000000000n,
  0x7fffffffffffffffn,
  0xffffffffn,
  0x100000000n,
  0x80000000n,
  0xffffffff80000000n,
];

type MemBase = "stack" | "map" | "packet";

/** Generates one program and its inputs from `seed`. */
export function generateProgram(seed: number, options: GenOptions = {}): GeneratedProgram {
  const rng = new Rng(seed);
  const g = new Generator(rng, options);
  const { insns, mapLoadIndex, body } = g.program();
  const packet = edgeBytes(rng, rng.int(DIFF_LAYOUT.packetBytes, 2 * DIFF_LAYOUT.packetBytes));
  const mapValue = edgeBytes(rng, DIFF_LAYOUT.valueSize);
  return { seed, insns, mapLoadIndex, body, packet, mapValue };
}

/**
 * Input bytes: each 8-byte word is random or, often, an edge value (0, -1, INT_MIN, small numbers),
 * so that loaded operands hit division by zero, INT_MIN / -1, shift counts past the width and
 * sign boundaries far more often than uniform bytes would.
 */
function edgeBytes(rng: Rng, n: number): Uint8Array {
  const out = rng.bytes(n);
  const view = new DataView(out.buffer);
  for (let at = 0; at + 8 <= n; at += 8) {
    if (rng.chance(0.5)) continue;
    const v = rng.chance(0.5)
      ? rng.pick(EDGE_IMM64)
      : BigInt.asUintN(64, BigInt(rng.pick(EDGE_IMMS)));
    view.setBigUint64(at, v, true);
  }
  return out;
}

/** The program with its map load pointing at kernel map `fd` (BPF_PSEUDO_MAP_FD). */
export function withMapFd(program: GeneratedProgram, fd: number): Insn[] {
  const insns = program.insns.slice();
  insns[program.mapLoadIndex] = { ...insns[program.mapLoadIndex]!, src: PseudoSrc.MAP_FD, imm: fd };
  return insns;
}

class Generator {
  private readonly e = new Emitter();
  private ifs = 0;
  private readonly maxIfs: number;
  private readonly maxDepth: number;

  constructor(
    private readonly rng: Rng,
    private readonly options: GenOptions,
  ) {
    this.maxIfs = options.maxIfs ?? 6;
    this.maxDepth = options.maxDepth ?? 2;
  }

  private I(name: string, fields: Parameters<typeof makeInsn>[1] = {}): void {
    this.e.emit(makeInsn(insnSpec(name), fields));
  }

  program(): Pick<GeneratedProgram, "insns" | "mapLoadIndex" | "body"> {
    const { rng, e } = this;
    const err = e.label();
    this.I("ldxw", { dst: PKT, src: 1, off: 0 });
    this.I("ldxw", { dst: 2, src: 1, off: 4 });
    this.I("mov64_reg", { dst: 3, src: PKT });
    this.I("add64_imm", { dst: 3, imm: DIFF_LAYOUT.packetBytes });
    e.jump(insnSpec("jgt64_reg"), { dst: 3, src: 2 }, err);
    this.I("stw", { dst: FP, off: DIFF_LAYOUT.keyOffset, imm: 0 });
    this.I("mov64_reg", { dst: 2, src: FP });
    this.I("add64_imm", { dst: 2, imm: DIFF_LAYOUT.keyOffset });
    const mapLoadIndex = e.length;
    this.I("lddw", { dst: 1, src: PseudoSrc.MAP_FD, imm: 0 });
    this.I("call_helper", { imm: MAP_LOOKUP_ELEM });
    e.jump(insnSpec("jeq64_imm"), { dst: 0, imm: 0 }, err);
    this.I("mov64_reg", { dst: VALUE, src: 0 });
    for (const r of SCALAR_REGS) this.initScalar(r);
    for (let off = -DIFF_LAYOUT.stackBytes; off < 0; off += 8) {
      if (rng.chance(0.8)) this.I("stxdw", { dst: FP, src: this.scalar(), off });
      else this.I("stdw", { dst: FP, off, imm: this.imm32() });
    }
    const start = e.length;
    this.block(0, rng.int(this.options.minBody ?? 8, this.options.maxBody ?? 48));
    const end = e.length;
    SCALAR_REGS.forEach((r, i) =>
      this.I("stxdw", { dst: VALUE, src: r, off: DIFF_LAYOUT.regDumpOffset + 8 * i }),
    );
    for (let i = 0; i < DIFF_LAYOUT.stackBytes; i += 8) {
      this.I("ldxdw", { dst: 1, src: FP, off: -DIFF_LAYOUT.stackBytes + i });
      this.I("stxdw", { dst: VALUE, src: 1, off: DIFF_LAYOUT.stackDumpOffset + i });
    }
    this.I("exit");
    e.place(err);
    this.I("mov64_imm", { dst: 0, imm: 0 });
    this.I("exit");
    return { insns: e.finish(), mapLoadIndex, body: { start, end } };
  }

  /** Gives scalar register `r` a value the verifier mostly does not know. */
  private initScalar(r: number): void {
    const { rng } = this;
    switch (
      rng.weighted<string>([
        ["map", 4],
        ["packet", 3],
        ["lddw", 1],
        ["imm", 1],
      ])
    ) {
      case "map":
        this.I("ldxdw", { dst: r, src: VALUE, off: 8 * rng.int(0, DIFF_LAYOUT.valueSize / 8 - 1) });
        break;
      case "packet": {
        const spec = rng.pick(LOAD_ROWS);
        const off = rng.int(0, DIFF_LAYOUT.packetBytes - spec.memSize);
        this.e.emit(makeInsn(spec, { dst: r, src: PKT, off }));
        break;
      }
      case "lddw":
        this.I("lddw", { dst: r, ...splitImm64(this.imm64()) });
        break;
      default:
        this.I("mov64_imm", { dst: r, imm: this.imm32() });
    }
  }

  private scalar(): number {
    return this.rng.pick(SCALAR_REGS);
  }

  private imm32(): number {
    const { rng } = this;
    return rng.weighted<() => number>([
      [() => rng.pick(EDGE_IMMS), 2],
      [() => rng.int(0, 32) - 16, 1],
      [() => rng.int32(), 1],
    ])();
  }

  private imm64(): bigint {
    return this.rng.chance(0.5) ? this.rng.pick(EDGE_IMM64) : this.rng.u64();
  }

  /** Emits `count` statements at nesting `depth`. */
  private block(depth: number, count: number): void {
    for (let i = 0; i < count; i++) {
      if (depth < this.maxDepth && this.ifs < this.maxIfs && this.rng.chance(0.12))
        this.ifBlock(depth);
      else this.statement();
    }
  }

  /** `if cond goto else; then; [goto end; else: else-block;] end:` */
  private ifBlock(depth: number): void {
    const { rng, e } = this;
    this.ifs++;
    const spec = rng.pick(JCOND_ROWS);
    const otherwise = e.label();
    e.jump(spec, this.operands(spec), otherwise);
    this.block(depth + 1, rng.int(0, 6));
    if (rng.chance(0.5)) {
      const end = e.label();
      e.jump(rng.pick(JA_ROWS), {}, end);
      e.place(otherwise);
      this.block(depth + 1, rng.int(0, 6));
      e.place(end);
    } else {
      e.place(otherwise);
    }
  }

  /** dst and src/imm operands of an ALU or conditional-jump row. */
  private operands(spec: InsnSpec): { dst: number; src?: number; imm?: number } {
    const dst = this.scalar();
    if (spec.source === "reg") return { dst, src: this.scalar() };
    return { dst, imm: this.aluImm(spec) };
  }

  private aluImm(spec: InsnSpec): number {
    const { op, width } = spec;
    // The verifier rejects constant shifts outside [0, width) ("invalid shift") and constant
    // division by zero ("div by zero").
    if (op === "lsh" || op === "rsh" || op === "arsh") return this.rng.int(0, width - 1);
    if (op === "div" || op === "mod" || op === "sdiv" || op === "smod") {
      const v = this.imm32();
      return v === 0 ? -1 : v;
    }
    return this.imm32();
  }

  private statement(): void {
    const { rng, e } = this;
    switch (
      rng.weighted<string>([
        ["alu", 10],
        ["unary", 4],
        ["lddw", 1],
        ["load", 4],
        ["store", 4],
        ["atomic", 3],
      ])
    ) {
      case "alu": {
        const spec = rng.pick(ALU_ROWS);
        e.emit(makeInsn(spec, this.operands(spec)));
        return;
      }
      case "unary": {
        const spec = rng.pick(UNARY_ROWS);
        const dst = this.scalar();
        if (spec.kind === "mov" && spec.source === "imm") {
          e.emit(makeInsn(spec, { dst, imm: this.imm32() }));
        } else if (spec.source === "reg") {
          e.emit(makeInsn(spec, { dst, src: this.scalar() }));
        } else {
          e.emit(makeInsn(spec, { dst })); // neg, end: imm (the swap width) comes from the row
        }
        return;
      }
      case "lddw":
        this.I("lddw", { dst: this.scalar(), ...splitImm64(this.imm64()) });
        return;
      case "load": {
        const spec = rng.pick(LOAD_ROWS);
        const { base, off } = this.address(
          spec.memSize,
          false,
          rng.pick<MemBase>(["stack", "map", "packet"]),
        );
        e.emit(makeInsn(spec, { dst: this.scalar(), src: base, off }));
        return;
      }
      case "store": {
        const spec = rng.pick(STORE_ROWS);
        const { base, off } = this.address(
          spec.memSize,
          true,
          rng.pick<MemBase>(["stack", "map", "packet"]),
        );
        e.emit(
          spec.kind === "st"
            ? makeInsn(spec, { dst: base, off, imm: this.imm32() })
            : makeInsn(spec, { dst: base, src: this.scalar(), off }),
        );
        return;
      }
      default: {
        const spec = rng.pick(ATOMIC_ROWS);
        const avoid = this.options.avoidKernelBugs ?? true;
        let where = rng.pick<MemBase>(["stack", "map"]);
        if (avoid && !NON_FETCH_ATOMICS.has(spec.op)) where = "map";
        const { base, off } = this.address(spec.memSize, true, where, true);
        e.emit(makeInsn(spec, { dst: base, src: this.scalar(), off }));
        if (avoid && spec.op === "atomic_cmpxchg" && spec.width === 32) {
          this.I("mov64_reg", { dst: 0, src: 0 });
        }
      }
    }
  }

  /**
   * A base register and offset for a `size`-byte access. Stack accesses are naturally aligned (the
   * verifier always enforces that for the stack) and atomics are aligned everywhere; map value and
   * packet loads/stores may be unaligned (x86 has efficient unaligned access, so the verifier allows
   * it there).
   */
  private address(
    size: number,
    isWrite: boolean,
    where: MemBase,
    mustAlign = false,
  ): { base: number; off: number } {
    const { rng } = this;
    if (where === "stack") {
      return {
        base: FP,
        off: -DIFF_LAYOUT.stackBytes + size * rng.int(0, DIFF_LAYOUT.stackBytes / size - 1),
      };
    }
    const limit =
      where === "packet"
        ? DIFF_LAYOUT.packetBytes
        : isWrite
          ? DIFF_LAYOUT.storeBytes
          : DIFF_LAYOUT.valueSize;
    const aligned = mustAlign || rng.chance(0.6);
    const off = aligned ? size * rng.int(0, limit / size - 1) : rng.int(0, limit - size);
    return { base: where === "packet" ? PKT : VALUE, off };
  }
}
