/**
 * The VM's public surface: contract types, memory, the two execution engines and their limits.
 * Export list only; each module documents itself.
 */
export * from "./contract.ts";
export {
  VmMemory,
  RegionSlot,
  createMemory,
  describeAccessFault,
  formatAddress,
} from "./memory.ts";
export {
  DEFAULT_BUDGET,
  MAX_CALL_FRAMES,
  MAX_TAIL_CALLS,
  TAIL_CALL_REFUSED,
  VmMessages,
  layoutProgram,
} from "./run-context.ts";
export type { ProgramLayout } from "./run-context.ts";
export { interpret, interpreterEngine } from "./interpreter.ts";
export { compileProgram, runJit, jitEngine } from "./jit/jit-engine.ts";
export type { JitFunction } from "./jit/jit-engine.ts";
export { ENGINES, getEngine, runWithInput } from "./engine.ts";
export type { InputRunOptions } from "./engine.ts";
