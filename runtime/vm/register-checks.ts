/**
 * Which registers an instruction reads and writes, and the register error it raises when executed.
 *
 * Consumes an `Insn` (keyed on `spec.kind` / `spec.op` / `spec.source`); produces register lists and
 * a `VmMessages` text or null. Both engines decide register errors here, before running, so an invalid
 * register (> r10) or a write to r10 fails identically in the interpreter and the JIT, and only when
 * the instruction is executed.
 *
 * Order (the reference semantics): the registers read are checked first, in `reads` order, then the
 * register written. Loads and atomics check their memory access before the written register
 * (`checksMemoryFirst`), since the access is what the instruction does before writing its result.
 */
import { FRAME_POINTER } from "../../core/isa/index.ts";
import type { Insn } from "../../core/isa/index.ts";
import { VmMessages } from "./run-context.ts";

/** Registers an instruction reads, in the order they are checked. */
export function readsOf(insn: Insn): number[] {
  const { spec } = insn;
  const src = spec.source === "reg" ? [insn.src] : [];
  switch (spec.kind) {
    case "alu":
      return [...src, insn.dst];
    case "mov":
    case "movsx":
    case "ldx":
    case "ldind":
      return src;
    case "neg":
    case "end":
    case "st":
    case "callx":
      return [insn.dst];
    case "stx":
      return [insn.src, insn.dst];
    case "atomic":
      return [insn.dst, insn.src];
    case "jcond":
      return [insn.dst, ...src];
    default:
      return [];
  }
}

/** The register an instruction writes, if any. */
export function writtenBy(insn: Insn): number | null {
  const { spec } = insn;
  if (["alu", "mov", "neg", "movsx", "end", "lddw", "ldx"].includes(spec.kind)) return insn.dst;
  if (spec.kind === "ldabs" || spec.kind === "ldind") return 0;
  if (spec.kind === "atomic" && spec.op !== "atomic_cmpxchg" && spec.op !== "atomic_add") {
    return spec.op.startsWith("atomic_fetch_") || spec.op === "atomic_xchg" ? insn.src : null;
  }
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
