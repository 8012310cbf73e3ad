/**
 * The per-function state of instruction selection: the machine blocks being built, the value →
 * virtual register map, and the analyses that decide what is materialised where.
 *
 * Consumes one IR `Func`; isel.ts drives it instruction by instruction. Decisions made up front
 * (isel-deferral.ts):
 * - *deferred* values are not computed at their definition but at each use: constants, stack slot
 *   addresses, map and global addresses (an lddw at each use, like clang), and `ptradd base, const`
 *   when every use is the address of a memory access (the offset folds into the access's off field)
 *   or its one use is a call argument (computed into the argument register);
 * - an `icmp` whose only use is the condition of a `condbr`/`select` in its own block fuses into that
 *   branch (one jcond), so null checks test the helper-result register directly;
 * - a `trunc` to i32 whose every use reads only the low 32 bits (ALU32 operations, JMP32 compares,
 *   stores of at most 4 bytes and zexts, each one `wD = wS`, with -mcpu ≥ v3) is no instruction at
 *   all: its uses read the source;
 * - the shifts and masks of a 16- or 32-bit byte swap (isel-idioms.ts) become one `be16` / `be32`.
 * One instance per function; nothing is shared between functions.
 */
import type { DiagnosticCode } from "../../diag/catalogue.ts";
import type { BlockCall, Cond, Func, IrType, Span, ValueId } from "../../ir/types.ts";
import { PseudoSrc } from "../../../core/isa/index.ts";
import type { BackendDiagnostic } from "./frame.ts";
import { emitCompareJump, fitsImm32, flagTestOf } from "./isel-compare.ts";
import { analyseDeferral, fitsOff } from "./isel-deferral.ts";
import { analyseHighBits, hasZeroHighHalf, type HighBits } from "./isel-high-bits.ts";
import { pointerAlignment } from "../../passes/pointer-alignment.ts";
import type { ByteSwap } from "./isel-idioms.ts";
import type { CoreAccess } from "./isel-core-access.ts";
import type { Mcpu } from "./layout.ts";
import {
  FP,
  VREG_BASE,
  minst,
  type FrameRef,
  type MBlock,
  type MFunc,
  type MInst,
  type MReloc,
  type Reg,
} from "./mir.ts";

/** A memory operand: base register, offset and an optional frame reference added at encoding. */
export interface Address {
  readonly reg: Reg;
  readonly off: number;
  readonly frame?: FrameRef;
  /** A CO-RE relocation of `off` (isel-core-access.ts). */
  readonly reloc?: MReloc;
}

/** Per-function selection state (see file header). */
export class Selector {
  readonly diagnostics: BackendDiagnostic[] = [];
  span: Span;
  private readonly blocks = new Map<number, MInst[]>();
  private readonly order: number[] = [];
  private cur: MInst[] = [];
  private curId = -1;
  /** Edges that leave a set-membership test (`leaveFirst` of `MFunc`). */
  private readonly leaveFirst: { from: number; to: number }[] = [];
  private nextBlock: number;
  private nextVreg: number;
  private readonly deferred: Set<ValueId>;
  /** `or` values that are a byte swap of another value (selected as one `be16` / `be32`). */
  private readonly byteSwaps: ReadonlyMap<ValueId, ByteSwap>;
  /** ptradd chains with constant offsets: value → root value and accumulated offset. */
  private readonly chains: ReadonlyMap<ValueId, { root: ValueId; off: bigint }>;
  /** ptradds of a CO-RE field offset folded into their accesses (isel-core-access.ts). */
  private readonly coreAccesses: ReadonlyMap<ValueId, CoreAccess>;
  /** i32 values left with a non-zero high half (isel-high-bits.ts). */
  private readonly highBits: ReadonlyMap<ValueId, HighBits>;
  /** Known alignment (1..8) of a pointer value (compiler/passes/pointer-alignment.ts). */
  readonly alignOf: (v: ValueId) => number;

  /** Stack slot addresses worth holding in a register (isel-deferral.ts `HELD_SLOT_CALLS`). */
  readonly slotsToHold: number;

  constructor(
    readonly f: Func,
    readonly mcpu: Mcpu,
    holdSlots = false,
  ) {
    this.span = f.span;
    this.nextBlock = f.blocks.length;
    this.nextVreg = VREG_BASE + f.values.length;
    this.highBits = analyseHighBits(f, mcpu);
    this.alignOf = pointerAlignment(f);
    ({
      deferred: this.deferred,
      byteSwaps: this.byteSwaps,
      chains: this.chains,
      coreAccesses: this.coreAccesses,
      slotsToHold: this.slotsToHold,
    } = analyseDeferral(this, holdSlots));
  }

  /** The instruction defining `v`, or undefined for a block parameter. */
  defOf(v: ValueId) {
    const def = this.f.values[v]!.def;
    return def.kind === "inst" ? this.f.insts[def.inst]!.data : undefined;
  }

  /** The value whose low 16 or 32 bits a value is, byte-swapped (isel-idioms.ts), if it is one. */
  byteSwapOf(v: ValueId): ByteSwap | undefined {
    return this.byteSwaps.get(v);
  }

  /**
   * What the high half of an i32 value's register holds when it is not zero-extended (every use
   * tolerates that, see isel-high-bits.ts), or undefined for the usual zero-extended form.
   */
  highBitsOf(v: ValueId): HighBits | undefined {
    return this.highBits.get(v);
  }

  /** True when the i64 value `v` is known to have a zero high half (isel-high-bits.ts). */
  hasZeroHighHalf(v: ValueId): boolean {
    return hasZeroHighHalf(this.defOf(v), (x) => this.constOf(x));
  }

  /**
   * Clears the high 32 bits of `r`: `wR = wR` with ALU32 (-mcpu ≥ v3), else `rR <<= 32; rR >>= 32`,
   * since clang emits no ALU32 instruction at v1/v2 and neither do we.
   */
  zeroExtend32(r: Reg): void {
    const span = this.span;
    if (this.mcpu >= 3) {
      this.emit(minst("mov32_reg", { dst: r, src: r, span }));
      return;
    }
    this.emit(minst("lsh64_imm", { dst: r, imm: 32, span }));
    this.emit(minst("rsh64_imm", { dst: r, imm: 32, span }));
  }

  /** True for a value computed at its uses rather than at its definition. */
  isDeferred(v: ValueId): boolean {
    return this.deferred.has(v);
  }

  /** Virtual register of a value. */
  reg(v: ValueId): Reg {
    return VREG_BASE + v;
  }

  /** A fresh virtual register. */
  fresh(): Reg {
    return this.nextVreg++;
  }

  typeOf(v: ValueId): IrType {
    return this.f.values[v]!.type;
  }

  /** The constant a value is defined as, if any. */
  constOf(v: ValueId): bigint | undefined {
    const d = this.defOf(v);
    return d?.op === "const" ? d.value : undefined;
  }

  /** The stack slot a value is the address of (directly), if any. */
  slotOf(v: ValueId): { slot: number; off: number } | undefined {
    const d = this.defOf(v);
    return d?.op === "stackslot" ? { slot: d.slot, off: 0 } : undefined;
  }

  /** True when a pointer derives from a program's context argument (stores into it must be stx). */
  isContextDerived(v: ValueId): boolean {
    const root = this.coreAccesses.get(v)?.root ?? this.chains.get(v)?.root ?? v;
    const def = this.f.values[root]!.def;
    const entry = this.f.layout[0]!.block;
    return (
      this.f.section !== null && def.kind === "param" && def.block === entry && def.index === 0
    );
  }

  /** The memory operand for `*(base + off)`, folding constant ptradd chains and stack slots. */
  address(base: ValueId, off: number): Address {
    const core = this.coreAccesses.get(base);
    if (core && off === 0) {
      return { reg: this.use(core.root), off: core.off, reloc: { kind: "core", relo: core.relo } };
    }
    let root = base;
    let total = BigInt(off);
    const chain = this.chains.get(base);
    if (chain && this.deferred.has(base)) {
      root = chain.root;
      total += chain.off;
    }
    const slot = this.slotOf(root);
    if (slot) {
      return {
        reg: FP,
        off: Number(total),
        frame: { kind: "slot", index: slot.slot, field: "off" },
      };
    }
    if (!fitsOff(total)) {
      const t = this.fresh();
      this.copyInto(t, root);
      this.emit(minst("add64_imm", { dst: t, imm: Number(total), span: this.span }));
      return { reg: t, off: 0 };
    }
    return { reg: this.use(root), off: Number(total) };
  }

  /** A register holding `v` (materialising deferred values into a fresh register). */
  use(v: ValueId): Reg {
    if (!this.deferred.has(v)) return this.reg(v);
    const d = this.defOf(v);
    if (d?.op === "trunc" || d?.op === "zext") return this.use(d.arg);
    const t = this.fresh();
    this.copyInto(t, v);
    return t;
  }

  /** Emits `dst = r10 + <offset of slot>` (the offset filled in by frame layout). */
  slotAddressInto(dst: Reg, slot: number): void {
    const span = this.span;
    this.emit(minst("mov64_reg", { dst, src: FP, span }));
    this.emit(
      minst("add64_imm", { dst, imm: 0, frame: { kind: "slot", index: slot, field: "imm" }, span }),
    );
  }

  /** Emits `dst = v`, computing deferred values directly into `dst`. */
  copyInto(dst: Reg, v: ValueId): void {
    const span = this.span;
    const d = this.defOf(v);
    if (this.deferred.has(v) && d) {
      switch (d.op) {
        case "const": {
          const type = this.typeOf(v);
          const val =
            type === "i64" || type === "ptr"
              ? BigInt.asIntN(64, d.value)
              : BigInt.asUintN(32, d.value);
          if (fitsImm32(val)) this.emit(minst("mov64_imm", { dst, imm: Number(val), span }));
          else if (type !== "i64" && type !== "ptr" && this.mcpu >= 3) {
            this.emit(minst("mov32_imm", { dst, imm: Number(BigInt.asIntN(32, val)), span }));
          } else {
            const u = BigInt.asUintN(64, val);
            this.emit(
              minst("lddw", {
                dst,
                imm: Number(BigInt.asIntN(32, u)),
                imm2: Number(BigInt.asIntN(32, u >> 32n)),
                span,
              }),
            );
          }
          return;
        }
        case "stackslot":
          return this.slotAddressInto(dst, d.slot);
        case "mapref":
          this.emit(minst("lddw", { dst, reloc: { kind: "map", map: d.map }, span }));
          return;
        case "funcaddr":
          // As clang emits a callback's address: src BPF_PSEUDO_FUNC, the target in a relocation.
          this.emit(
            minst("lddw", {
              dst,
              src: PseudoSrc.FUNC,
              reloc: { kind: "call", callee: d.callee },
              span,
            }),
          );
          return;
        case "globaladdr":
          this.emit(
            minst("lddw", {
              dst,
              reloc: { kind: "global", global: d.global, offset: d.offset },
              span,
            }),
          );
          return;
        case "ptradd": {
          if (this.coreAccesses.has(v))
            throw new Error(`internal: CO-RE access v${v} materialised outside a load or store`);
          const a = this.address(v, 0);
          if (a.reg === FP) {
            this.emit(minst("mov64_reg", { dst, src: FP, span }));
            this.emit(
              minst("add64_imm", { dst, imm: a.off, frame: { ...a.frame!, field: "imm" }, span }),
            );
          } else {
            if (a.reg !== dst) this.emit(minst("mov64_reg", { dst, src: a.reg, span }));
            if (a.off !== 0) this.emit(minst("add64_imm", { dst, imm: a.off, span }));
          }
          return;
        }
        case "zext":
        case "trunc": {
          // Only 32-bit readers use a deferred trunc, only shift amounts a deferred zext (see
          // analyse): the source's register is the value.
          const src = this.use(d.arg);
          if (src !== dst) this.emit(minst("mov64_reg", { dst, src, span }));
          return;
        }
        case "binary": {
          // A flag test's `and` (see analyse), should it be needed as a value after all.
          const flag = flagTestOf(this, v)!;
          this.copyInto(dst, flag.src);
          const w = this.typeOf(v) === "i32" && this.mcpu >= 3 ? 32 : 64;
          this.emit(minst(`and${w}_imm`, { dst, imm: flag.imm, span }));
          return;
        }
        case "icmp": {
          this.emit(minst("mov64_imm", { dst, imm: 1, span }));
          const done = this.newBlockId();
          const zero = this.newBlockId();
          emitCompareJump(this, d.cond, d.lhs, d.rhs, done, zero);
          this.startBlock(zero);
          this.emit(minst("mov64_imm", { dst, imm: 0, span }));
          this.jump(done);
          this.startBlock(done);
          return;
        }
      }
    }
    const src = this.reg(v);
    if (src !== dst) this.emit(minst("mov64_reg", { dst, src, span }));
  }

  /**
   * Sign-extends the low `fromBits` of `r` in place; the result is kept as a `to` value: an i32 is
   * zero-extended afterwards unless `keepHigh` (its uses tolerate the sign bits, isel-high-bits.ts).
   */
  signExtendInPlace(r: Reg, fromBits: number, to: IrType, keepHigh = false): void {
    const span = this.span;
    if (fromBits >= 64 || (fromBits === 32 && to === "i32")) return;
    if (this.mcpu >= 4 && (fromBits === 8 || fromBits === 16 || fromBits === 32)) {
      const w = to === "i32" ? 32 : 64;
      this.emit(minst(`movsx${w}_${fromBits}`, { dst: r, src: r, span }));
      return;
    }
    this.emit(minst("lsh64_imm", { dst: r, imm: 64 - fromBits, span }));
    this.emit(minst("arsh64_imm", { dst: r, imm: 64 - fromBits, span }));
    if (to === "i32" && !keepHigh) this.zeroExtend32(r);
  }

  /** Emits a conditional branch on an i1 value (fused with its icmp when deferred). */
  branchOn(cond: ValueId, tTrue: number, tFalse: number): void {
    const d = this.defOf(cond);
    if (d?.op === "icmp" && this.deferred.has(cond)) {
      emitCompareJump(this, d.cond, d.lhs, d.rhs, tTrue, tFalse);
      return;
    }
    const c = this.constOf(cond);
    if (c !== undefined) {
      this.jump(c !== 0n ? tTrue : tFalse);
      return;
    }
    this.emit(minst("jne64_imm", { dst: this.use(cond), imm: 0, target: tTrue, span: this.span }));
    this.jump(tFalse);
  }

  /** Emits a compare-and-branch. */
  compareJump(cond: Cond, lhs: ValueId, rhs: ValueId, tTrue: number, tFalse: number): void {
    emitCompareJump(this, cond, lhs, rhs, tTrue, tFalse);
  }

  /** Copies branch arguments into the target block's parameter registers. */
  branchArgs(call: BlockCall): void {
    const params = this.f.blocks[call.block]!.params;
    this.parallelCopy(call.args.map((a, k) => ({ dst: this.reg(params[k]!), src: a })));
  }

  /**
   * Emits the parallel copy `dst_k := src_k` (all sources read before any destination is written):
   * register sources in dependency order, breaking cycles with a temporary; deferred sources last
   * (they read no allocatable register).
   */
  parallelCopy(moves: readonly { dst: Reg; src: ValueId }[]): void {
    const span = this.span;
    const pending = moves
      .filter((m) => !this.deferred.has(m.src))
      .map((m) => ({ dst: m.dst, src: this.reg(m.src) }))
      .filter((m) => m.dst !== m.src);
    while (pending.length > 0) {
      const k = pending.findIndex((m) => !pending.some((o) => o !== m && o.src === m.dst));
      if (k >= 0) {
        const m = pending.splice(k, 1)[0]!;
        this.emit(minst("mov64_reg", { dst: m.dst, src: m.src, span }));
        continue;
      }
      // Every destination is still needed as a source: a cycle. Save one source in a temporary.
      const m = pending[0]!;
      const t = this.fresh();
      this.emit(minst("mov64_reg", { dst: t, src: m.src, span }));
      for (const o of pending) if (o.src === m.src) o.src = t;
    }
    for (const m of moves) if (this.deferred.has(m.src)) this.copyInto(m.dst, m.src);
  }

  newBlockId(): number {
    return this.nextBlock++;
  }

  startBlock(id: number): void {
    const insts: MInst[] = [];
    this.blocks.set(id, insts);
    this.order.push(id);
    this.cur = insts;
    this.curId = id;
  }

  /** Marks the current block's edge to `to` as leaving a set-membership test (order-blocks.ts). */
  markLeaveFirst(to: number): void {
    this.leaveFirst.push({ from: this.curId, to });
  }

  emit(i: MInst): void {
    this.cur.push(i);
  }

  jump(target: number): void {
    this.emit(minst("ja", { target, span: this.span }));
  }

  report(code: DiagnosticCode, args: Readonly<Record<string, string | number>>): void {
    this.diagnostics.push({ code, args, span: this.span });
  }

  /** The finished machine function. */
  finish(): MFunc {
    const blocks: MBlock[] = this.order.map((id) => ({ id, insts: this.blocks.get(id)! }));
    return {
      name: this.f.name,
      section: this.f.section,
      blocks,
      slots: this.f.stackSlots.map((s) => ({
        size: s.size,
        align: s.align,
        ...(s.name ? { name: s.name } : {}),
      })),
      spillSlots: 0,
      nextVreg: this.nextVreg,
      span: this.f.span,
      ...(this.leaveFirst.length > 0 ? { leaveFirst: this.leaveFirst } : {}),
    };
  }
}
