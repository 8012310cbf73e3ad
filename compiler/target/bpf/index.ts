/**
 * Public surface of the BPF back end: compile one IR function to encoded instructions, plus the
 * machine IR, allocator, checker and printer for tests and dumps.
 */
export { compileFunction } from "./backend.ts";
export type { BackendOptions, BackendResult } from "./backend.ts";
export type { EncodedFunc } from "./encode.ts";
export type { BackendDiagnostic, FrameLayout } from "./frame.ts";
export type { Mcpu } from "./layout.ts";
export { printMFunc, formatMInst } from "./mir.ts";
export type { MFunc, MInst, MBlock, MReloc, Reg } from "./mir.ts";
export { allocateRegisters } from "./regalloc.ts";
export type { Allocation } from "./regalloc.ts";
export { checkAllocation } from "./regalloc-check.ts";
export { selectFunction } from "./isel.ts";
