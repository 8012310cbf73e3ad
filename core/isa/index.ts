/**
 * The eBPF instruction model: field constants, the instruction table, encoding and decoding.
 * A leaf: imports nothing outside this folder. Compiler and runtime both import it.
 */
export * from "./opcode.ts";
export * from "./table.ts";
export * from "./insn.ts";
export * from "./roles.ts";
export * from "./syntax.ts";
export * from "./disasm.ts";
export * from "./asm.ts";
export * from "./validate.ts";
