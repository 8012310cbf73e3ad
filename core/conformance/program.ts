/**
 * The program of a conformance test: `-- raw` bytecode when present (the upstream runner's rule),
 * else the assembled `-- asm` section.
 *
 * Consumes a parsed `DataFile`; produces decoded instructions. Errors are `BytecodeError` (raw) or
 * `AsmError` (asm), each naming the offending slot or line.
 */
import { decodeProgram } from "../isa/index.ts";
import type { Insn } from "../isa/index.ts";
import { assemble } from "./assembler.ts";
import { rawToBytes } from "./data-file.ts";
import type { DataFile } from "./data-file.ts";

/** The instructions a test runs. */
export function programOf(file: DataFile): Insn[] {
  return file.raw !== null ? decodeProgram(rawToBytes(file.raw)) : assemble(file.asm);
}
