/**
 * Which registers an instruction reads and writes, and the register error it raises when executed.
 *
 * Consumes an `Insn` (its row's `reads` / `writes` columns, core/isa/table.ts); produces register lists and
 * a `VmMessages` text or null. Both engines decide register errors here, before running, so an invalid
 * register (> r10) or a write to r10 fails identically in the interpreter and the JIT, and only when
 * the instruction is executed.
 *
 * Order (the reference semantics): the registers read are checked first, in `reads` order, then the
 * register written. Loads and atomics check their memory access before the written register
 * (`checksMemoryFirst`), since the access is what the instruction does before writing its result.
 */
import { FRAME_POINTER, registersOf, writesField } from "../../core/isa/index.ts";
import type { Insn } from "../../core/isa/index.ts";
import { VmMessages } from "./run-context.ts";

/** Field registers an instruction reads, in the order they are checked (the table's `reads`). */
export function readsOf(insn: Insn): number[] {
  return registersOf(
    insn,
    insn.spec.reads.filter((r) => r === "dst" || r === "src"),
  );
}

/**
 * The field register an instruction writes, if any (fixed registers such as r0 are always valid, so
 * only `dst` / `src` can be a bad or read-only register).
 */
export function writtenBy(insn: Insn): number | null {
  const { spec } = insn;
  if (writesField(spec, "dst")) return insn.dst;
  if (writesField(spec, "src")) return insn.src;
  return null;
}

/** Whether a bad register read by the instruction is reported (before anything else happens). */
export function readError(insn: Insn): string | null {
  for (const r of readsOf(insn)) if (r > FRAME_POINTER) return VmMessages.badRegister(r);
  return null;
}

/** The register error an instruction raises when executed, or null. */
export function registerError(insn: Insn): string | null {
  const e = readError(insn);
  if (e !== null) return e;
  const w = writtenBy(insn);
  if (w === null) return null;
  if (w === FRAME_POINTER) return VmMessages.writesR10();
  return w > FRAME_POINTER ? VmMessages.badRegister(w) : null;
}

/**
 * Whether a register error in the *written* register comes after the instruction's memory access
 * (loads and atomics: a faulting access is reported first).
 */
export function checksMemoryFirst(insn: Insn): boolean {
  return (insn.spec.kind === "ldx" || insn.spec.kind === "atomic") && readError(insn) === null;
}
