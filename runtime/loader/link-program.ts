/**
 * The kernel loader's linking step: core/object's static linker (`linkProgram`, shared with the VM)
 * puts one program and its callees into one flat list and resolves the calls; this file fills in the
 * map references the kernel's way (uapi linux/bpf.h, kernel/bpf/verifier.c `resolve_pseudo_ldimm64`).
 *
 * Consumes: a `BpfObject`, the program to link, and the fd of each map (by map index). Produces the
 * linked instructions and where each function landed (so BTF func_info / line_info records can be
 * rebased onto the flat program).
 *
 * Relocations: `map` → lddw src=BPF_PSEUDO_MAP_FD, imm=fd; `global` → src=BPF_PSEUDO_MAP_VALUE,
 * imm=fd, imm2=offset into the value; `extern` → not supported (LoaderError naming the symbol).
 */
import { PseudoSrc, type Insn } from "../../core/isa/index.ts";
import {
  linkProgram as linkCalls,
  type BpfObject,
  type BpfProgram,
  type LinkedPiece,
} from "../../core/object/index.ts";
import { LoaderError } from "./errors.ts";

export type { LinkedPiece } from "../../core/object/index.ts";

/** A program ready for PROG_LOAD. */
export interface LinkedProgram {
  readonly insns: readonly Insn[];
  /** The program itself first, then appended functions in append order. */
  readonly pieces: readonly LinkedPiece[];
}

/** Links `program` of `obj`; `mapFds[i]` is the fd of `obj.maps[i]`. */
export function linkProgram(
  obj: BpfObject,
  program: BpfProgram,
  mapFds: readonly number[],
): LinkedProgram {
  const linked = linkCalls(obj, program, (m) => new LoaderError(m));
  const out = linked.insns.slice();
  for (const { at, piece, reloc: r } of linked.dataRelocs) {
    const insn = out[at]!;
    const where = `program "${program.name}", instruction ${linked.slotOf[at]} (${piece.fn.name}+${at - piece.startIndex})`;
    if (r.kind === "extern") {
      throw new LoaderError(
        `${where}: extern symbol "${r.symbol}" (kfunc or ksym) is not supported by this loader`,
      );
    }
    const fd = mapFds[r.mapIndex];
    if (fd === undefined) throw new LoaderError(`${where}: map #${r.mapIndex} was not created`);
    if (insn.spec.kind !== "lddw")
      throw new LoaderError(`${where}: map relocation on a non-lddw instruction`);
    out[at] =
      r.kind === "map"
        ? { ...insn, src: PseudoSrc.MAP_FD, imm: fd, imm2: 0 }
        : { ...insn, src: PseudoSrc.MAP_VALUE, imm: fd, imm2: r.offset };
  }
  return { insns: out, pieces: linked.pieces };
}
