/**
 * Instruction selection: SSA IR (compiler/ir/types.ts) → machine IR over virtual registers (mir.ts).
 *
 * Consumes one verified `Func` (after optimisation) and the -mcpu level; produces an `MFunc` plus
 * diagnostics for operations the selected ISA lacks. IR value `vN` lives in virtual register
 * `VREG_BASE + N`; block parameters are assigned by parallel copies at each branch (out of SSA).
 *
 * Verifier-friendly shapes, by design (kernel Documentation/bpf/verifier.rst):
 * - a null check of a helper result is `if rX == 0 goto` on the very register the result was copied
 *   into (icmp + condbr fuse into one jcond, with the constant as imm when it fits 32 bits signed);
 * - a packet bounds check `ptradd data, n; icmp ugt p, data_end; condbr` becomes exactly
 *   `rY = data; rY += n; if rY > data_end goto`;
 * - a constant offset of `ptradd` folds into the off field of the load/store using it; stack slots
 *   are r10-relative (`*(u64 *)(r10 - 16)`) and their addresses `rX = r10; rX += -16`;
 * - maps and globals are `lddw` with a relocation, materialised right where they are used;
 * - stores of constants use `st` (never into the context, which the verifier forbids).
 *
 * i32 values are kept zero-extended in their 64-bit register. With -mcpu ≥ v3 they are computed with
 * ALU32 (w registers, which zero-extend) and compared with JMP32; below v3, like clang, with no ALU32
 * instruction at all: ALU64 plus an `r <<= 32; r >>= 32` re-zero-extension after operations that may
 * set the high half, and 64-bit compares (after sign-extending both sides for signed conditions).
 * Values whose every use reads only the low half skip the re-zero-extension (isel-high-bits.ts). i8/i16/i1 values are zero-extended within their
 * width (trunc masks).
 */
import { IR_BITS } from "../../ir/evaluate.ts";
import type { Func, Inst, IrType, Module, ValueId } from "../../ir/types.ts";
import type { BackendDiagnostic } from "./frame.ts";
import type { Mcpu } from "./layout.ts";
import { ARG_REGS, FP, minst, type MFunc, type MReloc } from "./mir.ts";
import { fitsImm32, lookupRow } from "./isel-compare.ts";
import { ATOMIC_PATTERNS, BINARY_PATTERNS, SIZE_SUFFIX } from "./isel-tables.ts";
import { Selector } from "./isel-context.ts";
import { CoreReloKind } from "../../../core/btf/core-relo.ts";

/** Options of instruction selection. */
export interface IselOptions {
  readonly mcpu: Mcpu;
  /** Hold stack slot addresses passed to several calls in a register (isel-deferral.ts). */
  readonly holdSlots?: boolean;
}

/** Selects machine instructions for one function. */
export function selectFunction(
  f: Func,
  m: Module,
  opts: IselOptions,
): { func: MFunc; diagnostics: BackendDiagnostic[]; slotsToHold: number } {
  const s = new Selector(f, opts.mcpu, opts.holdSlots ?? false);
  const entry = f.layout[0]!.block;
  s.startBlock(entry);
  // Function parameters arrive in r1..r5 (the context pointer in r1 for programs).
  f.blocks[entry]!.params.forEach((p, k) => {
    s.emit(minst("mov64_reg", { dst: s.reg(p), src: ARG_REGS[k]!, span: f.span }));
  });
  for (const { block, insts } of f.layout) {
    if (block !== entry) s.startBlock(block);
    for (const id of insts) selectInst(s, f.insts[id]!, m);
  }
  return { func: s.finish(), diagnostics: s.diagnostics, slotsToHold: s.slotsToHold };
}

function selectInst(s: Selector, inst: Inst, m: Module): void {
  const d = inst.data;
  const span = inst.span;
  s.span = span;
  const r = inst.result;
  // Values materialised lazily at their uses, and compares fused into their branch.
  if (r !== null && s.isDeferred(r)) return;
  switch (d.op) {
    case "stackslot":
      return s.slotAddressInto(s.reg(r!), d.slot); // held in a register (not deferred)
    case "const":
    case "mapref":
    case "funcaddr":
    case "globaladdr":
      return; // materialised at each use (deferred)
    case "coreconst": {
      // One instruction carrying the relocation: ld_imm64 for enum values (64-bit on the target),
      // else a mov of the 32-bit immediate (libbpf patches ALU/ALU64 K-form and ld_imm64 alike).
      const reloc: MReloc = { kind: "core", relo: d.relo };
      const dst = s.reg(r!);
      if (d.relo.kind === CoreReloKind.ENUMVAL_VALUE && d.type === "i64") {
        const v = BigInt.asUintN(64, d.value);
        s.emit(
          minst("lddw", {
            dst,
            imm: Number(BigInt.asIntN(32, v & 0xffffffffn)),
            imm2: Number(BigInt.asIntN(32, v >> 32n)),
            reloc,
            span,
          }),
        );
      } else {
        const row = d.type === "i32" ? "mov32_imm" : "mov64_imm";
        s.emit(minst(row, { dst, imm: Number(BigInt.asIntN(32, d.value)), reloc, span }));
      }
      return;
    }
    case "binary": {
      const swapped = s.byteSwapOf(r!);
      if (swapped === undefined) return selectBinary(s, r!, d.binop, d.lhs, d.rhs);
      // Little-endian BPF: to-big-endian of 16 / 32 bits is the byte swap (RFC 9669 §4.2).
      s.copyInto(s.reg(r!), swapped.source);
      s.emit(minst(swapped.bits === 16 ? "be16" : "be32", { dst: s.reg(r!), span }));
      return;
    }
    case "icmp": {
      // An i1 value: 1 if the condition holds, else 0.
      const dst = s.reg(r!);
      s.emit(minst("mov64_imm", { dst, imm: 1, span }));
      const done = s.newBlockId();
      const zero = s.newBlockId();
      s.compareJump(d.cond, d.lhs, d.rhs, done, zero);
      s.startBlock(zero);
      s.emit(minst("mov64_imm", { dst, imm: 0, span }));
      s.jump(done);
      s.startBlock(done);
      return;
    }
    case "select": {
      const dst = s.reg(r!);
      s.copyInto(dst, d.ifTrue);
      const done = s.newBlockId();
      const other = s.newBlockId();
      s.branchOn(d.cond, done, other);
      s.startBlock(other);
      s.copyInto(dst, d.ifFalse);
      s.jump(done);
      s.startBlock(done);
      return;
    }
    case "zext":
      // Of a trunc that is no instruction (isel-deferral.ts): the source's low half, `wD = wS`.
      if (s.isDeferred(d.arg) && s.defOf(d.arg)?.op === "trunc") {
        s.emit(minst("mov32_reg", { dst: s.reg(r!), src: s.use(d.arg), span }));
        return;
      }
      // Narrow values are kept zero-extended, so widening is a copy.
      return s.copyInto(s.reg(r!), d.arg);
    case "ptrtoint":
    case "inttoptr":
      return s.copyInto(s.reg(r!), d.arg);
    case "trunc":
      return selectTrunc(s, r!, d.type, d.arg);
    case "sext":
      return selectSext(s, r!, d.type, d.arg);
    case "ptradd": {
      const dst = s.reg(r!);
      const off = s.constOf(d.offset);
      const slot = s.slotOf(d.base);
      if (slot !== undefined && off !== undefined && fitsImm32(off + BigInt(slot.off))) {
        s.emit(minst("mov64_reg", { dst, src: FP, span }));
        s.emit(
          minst("add64_imm", {
            dst,
            imm: Number(off) + slot.off,
            frame: { kind: "slot", index: slot.slot, field: "imm" },
            span,
          }),
        );
        return;
      }
      s.copyInto(dst, d.base);
      if (off !== undefined && fitsImm32(off)) {
        if (off !== 0n) s.emit(minst("add64_imm", { dst, imm: Number(off), span }));
      } else {
        s.emit(minst("add64_reg", { dst, src: s.use(d.offset), span }));
      }
      return;
    }
    case "load": {
      const a = s.address(d.base, d.offset);
      const dst = s.reg(r!);
      const narrow = d.size < 8;
      if (d.signed && narrow && s.mcpu >= 4) {
        s.emit(
          minst(`ldxs${SIZE_SUFFIX[d.size]}`, {
            dst,
            src: a.reg,
            off: a.off,
            frame: a.frame,
            reloc: a.reloc,
            span,
          }),
        );
        if (d.type === "i32" && !s.highBitsOf(r!)) s.zeroExtend32(dst);
        return;
      }
      s.emit(
        minst(`ldx${SIZE_SUFFIX[d.size]}`, {
          dst,
          src: a.reg,
          off: a.off,
          frame: a.frame,
          reloc: a.reloc,
          span,
        }),
      );
      if (d.signed && narrow) s.signExtendInPlace(dst, d.size * 8, d.type, !!s.highBitsOf(r!));
      return;
    }
    case "store": {
      const a = s.address(d.base, d.offset);
      const c = s.constOf(d.value);
      const imm = c === undefined ? undefined : storeImm(c, d.size);
      if (imm !== undefined && !s.isContextDerived(d.base)) {
        s.emit(
          minst(`st${SIZE_SUFFIX[d.size]}`, {
            dst: a.reg,
            off: a.off,
            imm,
            frame: a.frame,
            reloc: a.reloc,
            span,
          }),
        );
      } else {
        const v = s.use(d.value);
        s.emit(
          minst(`stx${SIZE_SUFFIX[d.size]}`, {
            dst: a.reg,
            src: v,
            off: a.off,
            frame: a.frame,
            reloc: a.reloc,
            span,
          }),
        );
      }
      return;
    }
    case "atomic": {
      const pat = ATOMIC_PATTERNS[d.atomic];
      const name = d.fetch || pat.plain === null ? pat.fetch : pat.plain;
      const row = lookupRow(`${name}${d.size * 8}`);
      if (row.isa > s.mcpu) {
        s.report("TSB4002", {
          what: `atomic '${d.atomic}'${d.fetch ? " returning the old value" : ""}`,
          needed: row.isa,
          mcpu: s.mcpu,
          instead: "use --mcpu v3",
        });
      }
      const a = s.address(d.base, d.offset);
      const tmp = r !== null ? s.reg(r) : s.fresh();
      s.copyInto(tmp, d.value);
      s.emit({
        ...minst(row.name, { dst: a.reg, src: tmp, off: a.off, span }),
        ...(a.frame ? { frame: a.frame } : {}),
      });
      return;
    }
    case "cmpxchg": {
      const row = lookupRow(`atomic_cmpxchg${d.size * 8}`);
      if (row.isa > s.mcpu) {
        s.report("TSB4002", {
          what: "compare-and-exchange",
          needed: row.isa,
          mcpu: s.mcpu,
          instead: "use --mcpu v3",
        });
      }
      const a = s.address(d.base, d.offset);
      const tmp = s.fresh();
      s.copyInto(tmp, d.value);
      s.copyInto(0, d.expected);
      s.emit({
        ...minst(row.name, { dst: a.reg, src: tmp, off: a.off, span }),
        ...(a.frame ? { frame: a.frame } : {}),
      });
      s.emit(minst("mov64_reg", { dst: s.reg(r!), src: 0, span }));
      return;
    }
    case "callhelper":
    case "call": {
      if (d.args.length > 5) {
        s.report("TSB4003", { count: d.args.length });
        return;
      }
      s.parallelCopy(d.args.map((a, k) => ({ dst: ARG_REGS[k]!, src: a })));
      if (d.op === "callhelper") {
        s.emit(minst("call_helper", { imm: d.helper, nargs: d.args.length, span }));
      } else {
        const reloc: MReloc = { kind: "call", callee: d.callee };
        s.emit(minst("call_local", { imm: -1, nargs: d.args.length, reloc, span }));
      }
      if (r !== null) s.emit(minst("mov64_reg", { dst: s.reg(r), src: 0, span }));
      return;
    }
    case "memcpy":
    case "memset":
      return selectMemOp(s, inst);
    case "br":
      s.branchArgs(d.target);
      s.jump(d.target.block);
      return;
    case "condbr": {
      const c = s.constOf(d.cond);
      if (c !== undefined) {
        const t = c !== 0n ? d.then : d.else;
        s.branchArgs(t);
        s.jump(t.block);
        return;
      }
      const thenTarget = d.then.args.length > 0 ? s.newBlockId() : d.then.block;
      const elseTarget = d.else.args.length > 0 ? s.newBlockId() : d.else.block;
      const leave = bitTestLeaves(s, d.cond);
      if (leave !== undefined) s.markLeaveFirst(leave ? thenTarget : elseTarget);
      s.branchOn(d.cond, thenTarget, elseTarget);
      // Edge blocks carry the parallel copies of an edge whose target has parameters.
      for (const [edge, call] of [
        [thenTarget, d.then],
        [elseTarget, d.else],
      ] as const) {
        if (edge === call.block) continue;
        s.startBlock(edge);
        s.branchArgs(call);
        s.jump(call.block);
      }
      return;
    }
    case "ret":
      // A void program (its kernel prototype returns void: core/kernel `VOID_RESULT_UNREAD`) leaves
      // r0 as it is; a void BPF-to-BPF function sets it, as the verifier checks R0 at every
      // subprogram exit.
      if (d.value !== null) s.copyInto(0, d.value);
      else if (s.f.section === null) s.emit(minst("mov64_imm", { dst: 0, imm: 0, span }));
      s.emit(minst("exit", { span, resultUnread: d.value === null && s.f.section !== null }));
      return;
    case "unreachable":
      s.emit(minst("mov64_imm", { dst: 0, imm: 0, span }));
      s.emit(minst("exit", { span }));
      return;
  }
}

function storeImm(c: bigint, size: 1 | 2 | 4 | 8): number | undefined {
  if (size < 8) return Number(BigInt.asIntN(32, BigInt.asIntN(size * 8, c)));
  const v = BigInt.asIntN(64, c);
  return fitsImm32(v) ? Number(v) : undefined;
}

function selectBinary(
  s: Selector,
  r: ValueId,
  binop: keyof typeof BINARY_PATTERNS,
  lhs0: ValueId,
  rhs0: ValueId,
): void {
  const pat = BINARY_PATTERNS[binop];
  const span = s.span;
  const type = s.typeOf(r);
  if (pat.isa > s.mcpu) {
    s.report("TSB4002", {
      what: `signed ${binop === "sdiv" ? "division" : "remainder"}`,
      needed: 4,
      mcpu: s.mcpu,
      instead: "use unsigned operands or --mcpu v4",
    });
  }
  let lhs = lhs0;
  let rhs = rhs0;
  if (pat.commutative && s.constOf(lhs) !== undefined && s.constOf(rhs) === undefined)
    [lhs, rhs] = [rhs, lhs];
  const w32 = type === "i32" && s.mcpu >= 3;
  const width = w32 ? 32 : 64;
  const dst = s.reg(r);
  s.copyInto(dst, lhs);
  const narrow64 = type === "i32" && !w32;
  if (narrow64 && pat.signedInput) s.signExtendInPlace(dst, 32, "i64");
  const c = s.constOf(rhs);
  const immOk = c !== undefined && (w32 ? true : fitsImm32(BigInt.asIntN(64, c)));
  const imm = immOk ? Number(BigInt.asIntN(32, c)) : undefined;
  if (imm !== undefined) {
    s.emit(minst(`${pat.op}${width}_imm`, { dst, imm, span }));
  } else {
    s.emit(minst(`${pat.op}${width}_reg`, { dst, src: s.use(rhs), span }));
  }
  // The 64-bit form may have disturbed the high half: an operation that carries into it, an operand
  // that brought one along, or a negative imm, which ALU64 sign-extends (`r |= -1` sets all 64 bits).
  const bitwise = binop === "and" || binop === "or" || binop === "xor";
  const disturbed =
    pat.dirtiesHighBits ||
    (bitwise && (s.highBitsOf(lhs) !== undefined || s.highBitsOf(rhs) !== undefined)) ||
    ((binop === "or" || binop === "xor") && imm !== undefined && imm < 0);
  if (narrow64 && disturbed && !s.highBitsOf(r)) s.zeroExtend32(dst);
}

const MASKS: Readonly<Record<string, number>> = { i1: 1, i8: 0xff, i16: 0xffff };

function selectTrunc(s: Selector, r: ValueId, to: IrType, arg: ValueId): void {
  const dst = s.reg(r);
  if (to === "i32") {
    if (s.mcpu >= 3) {
      s.emit(minst("mov32_reg", { dst, src: s.use(arg), span: s.span }));
      return;
    }
    s.copyInto(dst, arg);
    if (!s.highBitsOf(r) && !s.hasZeroHighHalf(arg)) s.zeroExtend32(dst);
    return;
  }
  s.copyInto(dst, arg);
  const mask = MASKS[to];
  if (mask !== undefined) s.emit(minst("and64_imm", { dst, imm: mask, span: s.span }));
}

function selectSext(s: Selector, r: ValueId, to: IrType, arg: ValueId): void {
  const dst = s.reg(r);
  s.copyInto(dst, arg);
  // Sign-extending a value whose register already holds its 64-bit sign extension changes nothing.
  if (to === "i64" && s.highBitsOf(arg) === "sext") return;
  s.signExtendInPlace(dst, IR_BITS[s.typeOf(arg)], to, !!s.highBitsOf(r));
}

/** Expands memcpy/memset into the widest accesses the alignment allows. */
function selectMemOp(s: Selector, inst: Inst): void {
  const d = inst.data;
  if (d.op !== "memcpy" && d.op !== "memset") return;
  const span = inst.span;
  let done = 0;
  const pattern = d.op === "memset" ? BigInt(d.byte & 0xff) : 0n;
  // The type's alignment, or more where both addresses are known to be better aligned.
  const known = Math.min(s.alignOf(d.dst), d.op === "memcpy" ? s.alignOf(d.src) : 8);
  const align = Math.max(d.align, known);
  while (done < d.size) {
    let chunk: 1 | 2 | 4 | 8 = 8;
    while (chunk > align || chunk > d.size - done || done % chunk !== 0)
      chunk = (chunk / 2) as 1 | 2 | 4 | 8;
    if (d.op === "memset" && chunk === 8 && pattern !== 0n && pattern !== 0xffn) chunk = 4;
    const to = s.address(d.dst, done);
    if (d.op === "memcpy") {
      const from = s.address(d.src, done);
      const t = s.fresh();
      s.emit(
        minst(`ldx${SIZE_SUFFIX[chunk]}`, {
          dst: t,
          src: from.reg,
          off: from.off,
          frame: from.frame,
          span,
        }),
      );
      s.emit(
        minst(`stx${SIZE_SUFFIX[chunk]}`, {
          dst: to.reg,
          src: t,
          off: to.off,
          frame: to.frame,
          span,
        }),
      );
    } else {
      let v = 0n;
      for (let k = 0; k < chunk; k++) v = (v << 8n) | pattern;
      const imm = Number(BigInt.asIntN(32, v));
      s.emit(
        minst(`st${SIZE_SUFFIX[chunk]}`, { dst: to.reg, off: to.off, imm, frame: to.frame, span }),
      );
    }
    done += chunk;
  }
}

/**
 * For a branch on `(mask << x) <s 0` (a set-membership test, passes/bit-tests.ts): whether its `then`
 * edge is the one leaving the set (`>=s 0`), or undefined for any other condition.
 */
function bitTestLeaves(s: Selector, cond: ValueId): boolean | undefined {
  const c = s.defOf(cond);
  if (c?.op !== "icmp" || (c.cond !== "slt" && c.cond !== "sge") || s.constOf(c.rhs) !== 0n)
    return undefined;
  const shift = s.defOf(c.lhs);
  if (shift?.op !== "binary" || shift.binop !== "shl" || s.constOf(shift.lhs) === undefined)
    return undefined;
  return c.cond === "sge";
}
