/**
 * Register roles and jump targets of concrete instructions, from the `reads` / `writes` / `clobbers`
 * / `target` columns of the instruction table: the one place that turns a row's roles into register
 * numbers and a row's target field into a slot.
 *
 * Consumes an `Insn` (or any record with `spec`, `dst`, `src`, `off`, `imm`); produces register
 * numbers and slots. The compiler's machine IR (liveness, allocation, its checker), the validator and
 * both VM engines read these instead of keeping their own per-kind lists.
 */
import type { InsnSpec, RegRole } from "./table.ts";
import { CALLER_SAVED_ARGS } from "./table.ts";

/** The fields of an instruction the role functions read. */
export interface RegFields {
  readonly spec: InsnSpec;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

/**
 * The register numbers of `roles` for `insn`, in order. `args` stands for the first `nargs` argument
 * registers (all five when the caller does not know how many a call passes).
 */
export function registersOf(
  insn: RegFields,
  roles: readonly RegRole[],
  nargs: number = CALLER_SAVED_ARGS.length,
): number[] {
  const out: number[] = [];
  for (const r of roles) {
    if (r === "dst") out.push(insn.dst);
    else if (r === "src") out.push(insn.src);
    else if (r === "r0") out.push(0);
    else if (r === "r6") out.push(6);
    else out.push(...CALLER_SAVED_ARGS.slice(0, nargs));
  }
  return out;
}

/** Registers `insn` reads, in the order a bad register is reported. */
export function regsRead(insn: RegFields, nargs?: number): number[] {
  return registersOf(insn, insn.spec.reads, nargs);
}

/** Registers `insn` writes (not counting `clobbers`). */
export function regsWritten(insn: RegFields): number[] {
  return registersOf(insn, insn.spec.writes);
}

/** True when the row's `field` names a register (read or written), not a number or pseudo source. */
export function isRegisterField(spec: InsnSpec, field: "dst" | "src"): boolean {
  return spec.reads.includes(field) || spec.writes.includes(field);
}

/** True when the row writes the register its `field` names. */
export function writesField(spec: InsnSpec, field: "dst" | "src"): boolean {
  return spec.writes.includes(field);
}

/**
 * The slot a jump or local call at slot `pc` goes to (pc + 1 + the row's target field), or null for
 * rows that do not transfer control to a slot.
 */
export function jumpTarget(insn: RegFields, pc: number): number | null {
  const t = insn.spec.target;
  if (t === null) return null;
  return pc + 1 + (t === "off" ? insn.off : insn.imm);
}
