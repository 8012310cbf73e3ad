/**
 * Counting instructions per program in a BPF object file, the benchmark's code-size measure.
 *
 * Consumes ELF bytes (clang's or tsbpf's) through core/object's `readBpfObject`; produces one
 * `ProgramSize` per program (SEC() function). The count is what the kernel would receive for that
 * program: its own instructions plus those of every subprogram it reaches through BPF-to-BPF calls
 * (clang inlines `static __always_inline` helpers, so a compiler that emits calls instead pays for
 * the callee here too). Counted in 8-byte slots, so an lddw counts twice, as the kernel (insn_cnt) and
 * llvm-objdump's addresses count it.
 * Errors: a malformed object throws `ObjectError` / `ElfError` / `BtfError` from core/object.
 */
import { slotTotal } from "../../core/isa/index.ts";
import { readBpfObject, type BpfObject, type BpfProgram } from "../../core/object/index.ts";

/** Size of one program. */
export interface ProgramSize {
  /** Function symbol name. */
  readonly name: string;
  /** ELF section (the SEC() string). */
  readonly section: string;
  /** Instructions of the program and its reachable subprograms. */
  readonly insns: number;
  /** How many subprograms were included in `insns`. */
  readonly subprograms: number;
}

function key(section: string, offset: number): string {
  return `${section}@${offset}`;
}

/** Every subprogram reachable from `prog` through call relocations (transitively). */
function reachableSubprograms(obj: BpfObject, prog: BpfProgram): BpfProgram[] {
  const bySite = new Map(obj.subprograms.map((s) => [key(s.section, s.sectionOffset), s]));
  const seen = new Set<string>();
  const found: BpfProgram[] = [];
  const visit = (p: BpfProgram): void => {
    for (const r of p.relocs) {
      if (r.kind !== "call") continue;
      const k = key(r.targetSection, r.targetOffset);
      const callee = bySite.get(k);
      if (!callee || seen.has(k)) continue;
      seen.add(k);
      found.push(callee);
      visit(callee);
    }
  };
  visit(prog);
  return found;
}

/** Instruction counts of every program in an already-read object. */
export function programSizes(obj: BpfObject): ProgramSize[] {
  return obj.programs.map((p) => {
    const subs = reachableSubprograms(obj, p);
    return {
      name: p.name,
      section: p.section,
      insns: slotTotal(p.insns) + subs.reduce((n, s) => n + slotTotal(s.insns), 0),
      subprograms: subs.length,
    };
  });
}

/** Reads an object file's bytes and counts instructions per program. */
export function countInstructions(bytes: Uint8Array): ProgramSize[] {
  return programSizes(readBpfObject(bytes));
}
