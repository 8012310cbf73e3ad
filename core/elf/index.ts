/**
 * ELF64 reader and writer for BPF relocatable objects. Public surface of core/elf; import from here.
 */
export * from "./model.ts";
export { readElf, findSection, type ReadElfOptions } from "./read.ts";
export { writeElf } from "./write.ts";
