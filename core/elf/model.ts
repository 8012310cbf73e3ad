/**
 * The ELF64 model for BPF relocatable objects: header, sections, symbols and relocations as plain data,
 * plus the numeric constants of the ELF spec (System V gABI) and the BPF psABI relocation types
 * (Documentation/bpf/llvm_reloc.rst).
 *
 * Produced by `readElf()` (read.ts); `writeElf()` (write.ts) consumes the smaller `ElfWriteInput`
 * (sections, symbols and relocations only; it lays out string tables, symtab and .rel sections).
 * Invariants of a read `ElfFile`: `sections[i].index === i`, `symbols[i].index === i` (unnamed section
 * symbols carry their section's name), every symbol's
 * section index and every relocation's symbol index and offset were checked against the file.
 */

/** Malformed ELF input or an unencodable write model; the message names what is wrong. */
export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ElfError";
  }
}

/** e_machine of eBPF objects. */
export const EM_BPF = 247;
/** e_type of relocatable objects. */
export const ET_REL = 1;

/** Section types (sh_type). */
export const SHT = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  NOBITS: 8,
  REL: 9,
  LLVM_ADDRSIG: 0x6fff4c03,
} as const;

/** Section flags (sh_flags). */
export const SHF = {
  WRITE: 0x1,
  ALLOC: 0x2,
  EXECINSTR: 0x4,
  MERGE: 0x10,
  STRINGS: 0x20,
  INFO_LINK: 0x40,
  EXCLUDE: 0x80000000,
} as const;

/** Special section indices (st_shndx). */
export const SHN = {
  UNDEF: 0,
  LORESERVE: 0xff00,
  ABS: 0xfff1,
  COMMON: 0xfff2,
  XINDEX: 0xffff,
} as const;

/** Symbol binding (high nibble of st_info). */
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;

/** Symbol type (low nibble of st_info). */
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;

/** Symbol visibility (low bits of st_other). */
export const STV = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;

/** BPF relocation types (Documentation/bpf/llvm_reloc.rst). */
export const R_BPF = {
  NONE: 0,
  /** lddw imm (both slots): map or global data address. */
  R_64_64: 1,
  /** 64-bit data (e.g. function pointer in .data). */
  R_64_ABS64: 2,
  /** 32-bit data (e.g. DWARF, .BTF). */
  R_64_ABS32: 3,
  /** 32-bit data not resolved by the dynamic linker (.BTF / .BTF.ext). */
  R_64_NODYLD32: 4,
  /** call imm: BPF-to-BPF call, in instruction slots. */
  R_64_32: 10,
} as const;

/** How many bytes at r_offset each relocation type patches (used to bounds-check offsets). */
export const RELOC_WIDTH: Readonly<Record<number, number>> = {
  0: 0,
  1: 8,
  2: 8,
  3: 4,
  4: 4,
  10: 8,
};

/** The parts of the file header a reader cares about. */
export interface ElfHeader {
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly flags: number;
  readonly osabi: number;
  readonly shstrndx: number;
}

/** One section. `data` is a view into the input for PROGBITS-like sections, empty for NOBITS. */
export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  /** sh_size (for NOBITS the in-memory size; `data` is then empty). */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  readonly data: Uint8Array;
}

/** One symbol table entry. */
export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STB_* */
  readonly bind: number;
  /** STT_* */
  readonly type: number;
  /** st_other (visibility in the low two bits). */
  readonly other: number;
  /** Section index, or an SHN_* special value. */
  readonly shndx: number;
}

/** One relocation entry. */
export interface ElfRelocation {
  /** Byte offset inside the target section. */
  readonly offset: number;
  /** Index into `ElfFile.symbols`. */
  readonly symbol: number;
  /** R_BPF_* */
  readonly type: number;
  /** Only for SHT_RELA (BPF objects use SHT_REL). */
  readonly addend?: number;
}

/** The relocations of one `.rel<target>` section. */
export interface ElfRelocationSection {
  /** Index of the REL/RELA section itself. */
  readonly section: number;
  /** Index of the section the entries patch (sh_info). */
  readonly target: number;
  readonly entries: readonly ElfRelocation[];
}

/** A parsed ELF64 object. */
export interface ElfFile {
  readonly header: ElfHeader;
  readonly sections: readonly ElfSection[];
  /** Symbols of the (single) SYMTAB, index 0 being the null symbol; empty if there is none. */
  readonly symbols: readonly ElfSymbol[];
  readonly relocations: readonly ElfRelocationSection[];
}

/** A section for `writeElf()`. The writer adds the null section, `.strtab`, `.symtab` and `.rel*`. */
export interface ElfSectionInput {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  /** Contents (ignored for NOBITS). */
  readonly data: Uint8Array;
  /** NOBITS only: the size in memory. */
  readonly size?: number;
  readonly addralign: number;
  readonly entsize?: number;
  readonly link?: number;
  readonly info?: number;
}

/** A symbol for `writeElf()`: `section` indexes `ElfWriteInput.sections`, or is "undef" / "abs". */
export interface ElfSymbolInput {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly bind: number;
  readonly type: number;
  readonly other?: number;
  readonly section: number | "undef" | "abs";
}

/** A relocation for `writeElf()`: `symbol` indexes `ElfWriteInput.symbols`. */
export interface ElfRelocationInput {
  readonly offset: number;
  readonly symbol: number;
  readonly type: number;
}

/** What `writeElf()` lays out. */
export interface ElfWriteInput {
  /** Defaults to EM_BPF. */
  readonly machine?: number;
  readonly flags?: number;
  readonly sections: readonly ElfSectionInput[];
  /** Any order: the writer puts locals first, as the gABI requires. */
  readonly symbols: readonly ElfSymbolInput[];
  /** Relocations per section (`section` indexes `sections`); each becomes `.rel<name>` after it. */
  readonly relocations: readonly {
    readonly section: number;
    readonly entries: readonly ElfRelocationInput[];
  }[];
}
