/**
 * Static linking of one program of an object into the flat instruction list the kernel loads,
 * as libbpf does (bpf_object__relocate): the program first, then every function it calls,
 * transitively, each appended once; then every relocation is resolved against the final layout.
 *
 * Consumes: a `BpfObject` (core/object), the program to link, and the fd of each map (by map index).
 * Produces: plain data: the instructions with map fds and call offsets filled in, and where each
 * function landed (so BTF func_info / line_info records can be rebased onto the flat program).
 *
 * Worked example: program `p` (3 insns, `call` at index 1 to .text+0) and `.text` function `f`
 * (2 insns): the result is [p0, call, p2, f0, f1]; f starts at slot 3, so the call's imm becomes
 * 3 - (1 + 1) = 1 (RFC 9669 §4.3.2: the target of a local call is pc + imm + 1, in slots).
 *
 * Relocations: `map` → lddw src=BPF_PSEUDO_MAP_FD, imm=fd; `global` → src=BPF_PSEUDO_MAP_VALUE,
 * imm=fd, imm2=offset into the value; `call` → pc-relative imm (also for lddw of a function address,
 * src=BPF_PSEUDO_FUNC); `extern` → not supported (LoaderError naming the symbol).
 */
import { PseudoSrc, slotOffsets, type Insn } from "../../core/isa/index.ts";
import type { BpfObject, BpfProgram } from "../../core/object/index.ts";
import { LoaderError } from "./errors.ts";

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

/** A program ready for PROG_LOAD. */
export interface LinkedProgram {
  readonly insns: readonly Insn[];
  /** The program itself first, then appended functions in append order. */
  readonly pieces: readonly LinkedPiece[];
}

function fnKey(section: string, offset: number): string {
  return `${section}\u0000${offset}`;
}

/** Links `program` of `obj`; `mapFds[i]` is the fd of `obj.maps[i]`. */
export function linkProgram(
  obj: BpfObject,
  program: BpfProgram,
  mapFds: readonly number[],
): LinkedProgram {
  const byStart = new Map<string, BpfProgram>();
  for (const f of [...obj.programs, ...obj.subprograms])
    byStart.set(fnKey(f.section, f.sectionOffset), f);

  const pieces: { fn: BpfProgram; startIndex: number }[] = [];
  const placed = new Map<BpfProgram, number>();
  const insns: Insn[] = [];
  const place = (fn: BpfProgram): void => {
    placed.set(fn, pieces.length);
    pieces.push({ fn, startIndex: insns.length });
    insns.push(...fn.insns);
  };
  place(program);
  // Append callees breadth-first; pieces grows while we walk it.
  for (let p = 0; p < pieces.length; p++) {
    for (const r of pieces[p]!.fn.relocs) {
      if (r.kind !== "call") continue;
      const target = byStart.get(fnKey(r.targetSection, r.targetOffset));
      if (!target) {
        throw new LoaderError(
          `program "${program.name}": call to ${r.targetSection}+${r.targetOffset} does not land on a function`,
        );
      }
      if (!placed.has(target)) place(target);
    }
  }

  const slots = slotOffsets(insns);
  const linked = pieces.map((pc) => ({
    ...pc,
    startSlot: slots[pc.startIndex]!,
    slots: slots[pc.startIndex + pc.fn.insns.length]! - slots[pc.startIndex]!,
  }));
  const out = insns.slice();
  for (const pc of linked) {
    for (const r of pc.fn.relocs) {
      const at = pc.startIndex + r.insnIndex;
      const insn = out[at]!;
      const where = `program "${program.name}", instruction ${slots[at]} (${pc.fn.name}+${r.insnIndex})`;
      switch (r.kind) {
        case "map":
        case "global": {
          const fd = mapFds[r.mapIndex];
          if (fd === undefined)
            throw new LoaderError(`${where}: map #${r.mapIndex} was not created`);
          if (insn.spec.kind !== "lddw")
            throw new LoaderError(`${where}: map relocation on a non-lddw instruction`);
          out[at] =
            r.kind === "map"
              ? { ...insn, src: PseudoSrc.MAP_FD, imm: fd, imm2: 0 }
              : { ...insn, src: PseudoSrc.MAP_VALUE, imm: fd, imm2: r.offset };
          break;
        }
        case "call": {
          const target = byStart.get(fnKey(r.targetSection, r.targetOffset))!;
          const targetSlot = linked[placed.get(target)!]!.startSlot;
          const rel = targetSlot - (slots[at]! + 1);
          out[at] =
            insn.spec.kind === "lddw"
              ? { ...insn, src: PseudoSrc.FUNC, imm: rel, imm2: 0 }
              : { ...insn, imm: rel };
          break;
        }
        case "extern":
          throw new LoaderError(
            `${where}: extern symbol "${r.symbol}" (kfunc or ksym) is not supported by this loader`,
          );
      }
    }
  }
  return { insns: out, pieces: linked };
}
