/**
 * The static linker: one program of an object into the flat instruction list a loader hands on, as
 * libbpf does (tools/lib/bpf/libbpf.c `bpf_object__relocate`): the program first, then every function
 * it calls, transitively and breadth-first, each appended once; every BPF-to-BPF call (and lddw of a
 * function address) then gets its pc-relative immediate against the final layout.
 *
 * Consumes the functions of a `BpfObject` (programs and subprograms) and the program to link;
 * produces plain data: the instructions with calls resolved, where each function landed (so BTF
 * func_info / line_info can be rebased onto the flat program), and the remaining data relocations
 * (maps, global data, externs) at their final index, which the kernel loader (fds) and the VM
 * (addresses in its memory) each resolve their own way.
 *
 * Worked example: program `p` (3 insns, `call` at index 1 to .text+0) and `.text` function `f`
 * (2 insns): the result is [p0, call, p2, f0, f1]; f starts at slot 3, so the call's imm becomes
 * 3 - (1 + 1) = 1 (RFC 9669 §4.3.2: the target of a local call is pc + imm + 1, in slots).
 *
 * Errors: a call that does not land on the start of a function of the object throws `fail(message)`
 * (an `ObjectError` unless the caller gives its own error type).
 */
import { CallSrc, PseudoSrc, slotOffsets, type Insn } from "../isa/index.ts";
import { ObjectError } from "./errors.ts";
import type { BpfObject, BpfProgram, BpfReloc } from "./model.ts";

/** Where one function of the object landed in the linked program. */
export interface LinkedPiece {
  readonly fn: BpfProgram;
  /** Index of its first instruction in `insns`. */
  readonly startIndex: number;
  /** Slot of its first instruction. */
  readonly startSlot: number;
  /** Its length in slots. */
  readonly slots: number;
}

/** A relocation left for the loader: a map, global-data or extern reference at index `at`. */
export interface DataReloc {
  /** Index of the instruction in the linked `insns`. */
  readonly at: number;
  /** The function it came from (for messages). */
  readonly piece: LinkedPiece;
  readonly reloc: Exclude<BpfReloc, { kind: "call" }>;
}

/** A program with its calls linked. */
export interface LinkedProgram {
  readonly insns: readonly Insn[];
  /** Slot of each instruction of `insns` (and one past the end). */
  readonly slotOf: readonly number[];
  /** The program itself first, then appended functions in append order. */
  readonly pieces: readonly LinkedPiece[];
  /** Map / global / extern relocations, in piece order. */
  readonly dataRelocs: readonly DataReloc[];
}

function fnKey(section: string, offset: number): string {
  return `${section}\u0000${offset}`;
}

/** Links the calls of `program`, one of `obj`'s programs (see the file comment). */
export function linkProgram(
  obj: Pick<BpfObject, "programs" | "subprograms">,
  program: BpfProgram,
  fail: (message: string) => Error = (m) => new ObjectError(m),
): LinkedProgram {
  const byStart = new Map<string, BpfProgram>();
  for (const f of [...obj.programs, ...obj.subprograms])
    byStart.set(fnKey(f.section, f.sectionOffset), f);
  const calleeOf = (fn: BpfProgram, r: BpfReloc & { kind: "call" }): BpfProgram => {
    const target = byStart.get(fnKey(r.targetSection, r.targetOffset));
    if (!target) {
      throw fail(
        `program ${program.name}: call at instruction ${r.insnIndex} of ${fn.name} targets ` +
          `${r.targetSection}+${r.targetOffset}, which is not the start of a function`,
      );
    }
    return target;
  };

  const placed: { fn: BpfProgram; startIndex: number }[] = [];
  const pieceOf = new Map<BpfProgram, number>();
  const insns: Insn[] = [];
  const place = (fn: BpfProgram): void => {
    pieceOf.set(fn, placed.length);
    placed.push({ fn, startIndex: insns.length });
    insns.push(...fn.insns);
  };
  place(program);
  // Breadth-first: `placed` grows while we walk it.
  for (let p = 0; p < placed.length; p++) {
    const fn = placed[p]!.fn;
    for (const r of fn.relocs) {
      if (r.kind !== "call") continue;
      const target = calleeOf(fn, r);
      if (!pieceOf.has(target)) place(target);
    }
  }

  const slotOf = slotOffsets(insns);
  const pieces: LinkedPiece[] = placed.map((pc) => ({
    ...pc,
    startSlot: slotOf[pc.startIndex]!,
    slots: slotOf[pc.startIndex + pc.fn.insns.length]! - slotOf[pc.startIndex]!,
  }));
  const dataRelocs: DataReloc[] = [];
  for (const piece of pieces) {
    for (const r of piece.fn.relocs) {
      const at = piece.startIndex + r.insnIndex;
      if (r.kind !== "call") {
        dataRelocs.push({ at, piece, reloc: r });
        continue;
      }
      const targetSlot = pieces[pieceOf.get(calleeOf(piece.fn, r))!]!.startSlot;
      const rel = targetSlot - (slotOf[at]! + 1);
      const insn = insns[at]!;
      insns[at] =
        insn.spec.kind === "lddw"
          ? { ...insn, src: PseudoSrc.FUNC, imm: rel, imm2: 0 }
          : { ...insn, src: CallSrc.LOCAL, imm: rel };
    }
  }
  return { insns, slotOf, pieces, dataRelocs };
}
