/**
 * The bpf_conformance test format: `.data` parsing and the suite's assembler syntax.
 * Export list only; each module documents itself.
 */
export { DataFileError, parseDataFile, parseU64, rawToBytes } from "./data-file.ts";
export type { DataFile } from "./data-file.ts";
export { AsmError, assemble, assembleText } from "./assembler.ts";
export type { AsmLine } from "./assembler.ts";
export { programOf } from "./program.ts";
