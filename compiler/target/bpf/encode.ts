/**
 * Encoding: resolved machine instructions → `Insn` records of core/isa, plus relocation records and the
 * source span of every instruction (for BTF line_info).
 *
 * Consumes the flat list from layout.ts (jump offsets already final) and the frame layout; produces an
 * `EncodedFunc`. Frame references add their slot's offset to `off` (memory access at r10+off) or `imm`
 * (address arithmetic `rX += imm`). lddw of a map or global and local calls keep zero/-1 immediates,
 * as clang emits them, with a relocation naming the symbol; the object writer turns those into ELF
 * relocations (and libbpf/our loader patch them at load time).
 */
import { makeInsn, type Insn } from "../../../core/isa/index.ts";
import type { Span } from "../../ir/types.ts";
import { frameOffset, type FrameLayout } from "./frame.ts";
import { isVirtual, type MInst, type MReloc } from "./mir.ts";

/** One function in final form. */
export interface EncodedFunc {
  readonly name: string;
  readonly section: string | null;
  readonly insns: readonly Insn[];
  /** Relocations by instruction index (not slot). */
  readonly relocs: readonly { readonly insnIndex: number; readonly reloc: MReloc }[];
  /** Source span of each instruction (same length as `insns`). */
  readonly spans: readonly (Span | null)[];
  readonly frameSize: number;
  readonly span: Span;
}

/** Encodes a laid-out function. */
export function encodeFunc(
  f: { name: string; section: string | null; span: Span },
  insts: readonly MInst[],
  frame: FrameLayout,
): EncodedFunc {
  const insns: Insn[] = [];
  const relocs: { insnIndex: number; reloc: MReloc }[] = [];
  const spans: (Span | null)[] = [];
  for (const i of insts) {
    if (isVirtual(i.dst) || isVirtual(i.src)) {
      throw new Error(`internal: virtual register left in ${i.spec.name} of ${f.name}`);
    }
    if (i.target !== undefined) throw new Error(`internal: unresolved jump in ${f.name}`);
    let off = i.off;
    let imm = i.imm;
    if (i.frame) {
      const o = frameOffset(frame, i.frame);
      if (i.frame.field === "off") off += o;
      else imm += o;
    }
    if (i.reloc) relocs.push({ insnIndex: insns.length, reloc: i.reloc });
    insns.push(makeInsn(i.spec, { dst: i.dst, src: i.src, off, imm, imm2: i.imm2 }));
    spans.push(i.span);
  }
  return {
    name: f.name,
    section: f.section,
    insns,
    relocs,
    spans,
    frameSize: frame.size,
    span: f.span,
  };
}
