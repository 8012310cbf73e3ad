/**
 * ELF64 little-endian reader for BPF relocatable objects.
 *
 * Consumes the bytes of an object file; produces `ElfFile` (sections with their data as views into the
 * input, the symbol table, relocations grouped per target section). Everything read from the file is
 * checked before use: every count that drives a loop is bounded by the file size first, every offset
 * and index is range-checked, and any violation throws `ElfError` naming the field (never a RangeError,
 * a hang, or garbage). Layouts follow the System V gABI (ELF-64 Object File Format).
 *
 * ```
 *   Elf64_Ehdr (64 bytes)          Elf64_Shdr (64)             Elf64_Sym (24)        Elf64_Rel (16)
 *   0  e_ident[16]                 0  sh_name     u32          0  st_name  u32       0 r_offset u64
 *   16 e_type u16  18 e_machine    4  sh_type     u32          4  st_info  u8        8 r_info   u64
 *   20 e_version u32               8  sh_flags    u64          5  st_other u8          (sym<<32 | type)
 *   24 e_entry  32 e_phoff         16 sh_addr  24 sh_offset    6  st_shndx u16
 *   40 e_shoff u64  48 e_flags     32 sh_size  40 sh_link      8  st_value u64
 *   52 ehsize 54 phentsize 56 phnum 44 sh_info 48 sh_addralign 16 st_size  u64
 *   58 shentsize 60 shnum 62 shstrndx                56 sh_entsize
 * ```
 */
import {
  EM_BPF,
  ElfError,
  RELOC_WIDTH,
  SHF,
  SHN,
  SHT,
  STT,
  type ElfFile,
  type ElfHeader,
  type ElfRelocation,
  type ElfRelocationSection,
  type ElfSection,
  type ElfSymbol,
} from "./model.ts";

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;
const RELA_SIZE = 24;
const decoder = new TextDecoder();

/** Options for `readElf`. */
export interface ReadElfOptions {
  /** Accept any e_machine (default: only EM_BPF). */
  readonly anyMachine?: boolean;
}

function u64(v: DataView, at: number, what: string): number {
  const x = v.getBigUint64(at, true);
  if (x > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ElfError(`${what} 0x${x.toString(16)} is too large`);
  return Number(x);
}

function readString(table: ElfSection, offset: number, what: string): string {
  if (offset >= table.data.length) {
    throw new ElfError(
      `${what}: string offset ${offset} is outside ${table.name || "the string table"} (${table.data.length} bytes)`,
    );
  }
  const end = table.data.indexOf(0, offset);
  if (end < 0) throw new ElfError(`${what}: string at offset ${offset} is not NUL-terminated`);
  return decoder.decode(table.data.subarray(offset, end));
}

function readHeader(bytes: Uint8Array, v: DataView, opts: ReadElfOptions) {
  // The magic first: a short file that does not start with \x7fELF is "not an ELF file", and
  // only a short file that does is a truncated one.
  const magic = [0x7f, 0x45, 0x4c, 0x46];
  if (bytes.length < magic.length || magic.some((b, i) => bytes[i] !== b)) {
    throw new ElfError("not an ELF file (wrong magic, expected \\x7fELF)");
  }
  if (bytes.length < EHDR_SIZE)
    throw new ElfError(`truncated file: ${bytes.length} bytes, the ELF header needs ${EHDR_SIZE}`);
  if (bytes[4] !== 2)
    throw new ElfError(`unsupported ELF class ${bytes[4]} (only ELF64 is supported)`);
  if (bytes[5] === 2)
    throw new ElfError("big-endian ELF is not supported (BPF objects here are little-endian)");
  if (bytes[5] !== 1) throw new ElfError(`invalid ELF data encoding ${bytes[5]}`);
  if (bytes[6] !== 1) throw new ElfError(`unsupported ELF version ${bytes[6]}`);
  const machine = v.getUint16(18, true);
  if (machine !== EM_BPF && !opts.anyMachine) {
    throw new ElfError(
      `unknown machine ${machine}: not a BPF object (e_machine must be ${EM_BPF})`,
    );
  }
  const shoff = u64(v, 40, "section header offset");
  let shnum = v.getUint16(60, true);
  let shstrndx = v.getUint16(62, true);
  const shentsize = v.getUint16(58, true);
  if (shoff !== 0 && shentsize !== SHDR_SIZE)
    throw new ElfError(`section header entry size ${shentsize} is not ${SHDR_SIZE}`);
  if (shoff !== 0 && shoff + SHDR_SIZE > bytes.length) {
    throw new ElfError(
      `section header table at ${shoff} is outside the file (${bytes.length} bytes)`,
    );
  }
  // Extended numbering (gABI): the real counts live in section 0.
  if (shoff !== 0 && shnum === 0) shnum = u64(v, shoff + 32, "extended section count");
  if (shstrndx === SHN.XINDEX && shoff !== 0) shstrndx = v.getUint32(shoff + 40, true);
  if (shoff === 0) shnum = 0;
  if (shoff + shnum * SHDR_SIZE > bytes.length) {
    throw new ElfError(
      `section header table (${shnum} entries at ${shoff}) extends past the end of the file (${bytes.length} bytes)`,
    );
  }
  const header: ElfHeader = {
    type: v.getUint16(16, true),
    machine,
    version: v.getUint32(20, true),
    flags: v.getUint32(48, true),
    osabi: bytes[7]!,
    shstrndx,
  };
  return { header, shoff, shnum };
}

/** Parses an ELF64 little-endian object. Throws `ElfError` for anything malformed. */
export function readElf(bytes: Uint8Array, opts: ReadElfOptions = {}): ElfFile {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { header, shoff, shnum } = readHeader(bytes, v, opts);

  const raw: Omit<ElfSection, "name">[] = [];
  const nameOffs: number[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * SHDR_SIZE;
    const type = v.getUint32(at + 4, true);
    const offset = u64(v, at + 24, `section ${i} offset`);
    const size = u64(v, at + 32, `section ${i} size`);
    const hasData = type !== SHT.NOBITS && type !== SHT.NULL;
    if (hasData && offset + size > bytes.length) {
      throw new ElfError(
        `section ${i} data [${offset}, ${offset + size}) is outside the file (${bytes.length} bytes)`,
      );
    }
    nameOffs.push(v.getUint32(at, true));
    raw.push({
      index: i,
      type,
      flags: u64(v, at + 8, `section ${i} flags`),
      addr: u64(v, at + 16, `section ${i} address`),
      offset,
      size,
      link: v.getUint32(at + 40, true),
      info: v.getUint32(at + 44, true),
      addralign: u64(v, at + 48, `section ${i} alignment`),
      entsize: u64(v, at + 56, `section ${i} entry size`),
      data: hasData ? bytes.subarray(offset, offset + size) : new Uint8Array(0),
    });
  }

  let sections: ElfSection[] = raw.map((s) => ({ ...s, name: "" }));
  if (shnum > 0) {
    if (header.shstrndx === SHN.UNDEF || header.shstrndx >= shnum) {
      throw new ElfError(`bad shstrndx ${header.shstrndx} (there are ${shnum} sections)`);
    }
    const shstr = sections[header.shstrndx]!;
    if (shstr.type !== SHT.STRTAB)
      throw new ElfError(`shstrndx ${header.shstrndx} is not a string table`);
    sections = raw.map((s, i) => ({
      ...s,
      name: i === 0 ? "" : readString(shstr, nameOffs[i]!, `section ${i} name`),
    }));
  }
  for (const s of sections) {
    if ((s.flags & SHF.EXECINSTR) !== 0 && s.size % 8 !== 0) {
      throw new ElfError(
        `program section ${s.name} has size ${s.size}, not a multiple of 8 (instruction size)`,
      );
    }
  }

  const symbols = readSymbols(sections, v);
  const relocations = readRelocations(sections, symbols, v);
  return { header, sections, symbols, relocations };
}

function readSymbols(sections: readonly ElfSection[], v: DataView): ElfSymbol[] {
  const tabs = sections.filter((s) => s.type === SHT.SYMTAB);
  if (tabs.length === 0) return [];
  if (tabs.length > 1) throw new ElfError(`${tabs.length} symbol tables (expected one)`);
  const tab = tabs[0]!;
  if (tab.entsize !== SYM_SIZE)
    throw new ElfError(`symbol table entry size ${tab.entsize} is not ${SYM_SIZE}`);
  if (tab.size % SYM_SIZE !== 0)
    throw new ElfError(`symbol table size ${tab.size} is not a multiple of ${SYM_SIZE}`);
  const strtab = sections[tab.link];
  if (tab.link === 0 || !strtab || strtab.type !== SHT.STRTAB) {
    throw new ElfError(`symbol table links to section ${tab.link}, which is not a string table`);
  }
  const out: ElfSymbol[] = [];
  const n = tab.size / SYM_SIZE;
  for (let i = 0; i < n; i++) {
    const at = tab.offset + i * SYM_SIZE;
    const info = v.getUint8(at + 4);
    const shndx = v.getUint16(at + 6, true);
    if (shndx === SHN.XINDEX)
      throw new ElfError(`symbol ${i} uses SHN_XINDEX, which is not supported`);
    if (shndx !== SHN.UNDEF && shndx < SHN.LORESERVE && shndx >= sections.length) {
      throw new ElfError(
        `symbol ${i} has section index ${shndx}, but there are ${sections.length} sections`,
      );
    }
    const nameOff = v.getUint32(at, true);
    let name = readString(strtab, nameOff, `symbol ${i} name`);
    // clang leaves section symbols unnamed; like readelf, name them after their section.
    if (name === "" && (info & 0xf) === STT.SECTION && shndx < sections.length)
      name = sections[shndx]!.name;
    out.push({
      index: i,
      name,
      bind: info >> 4,
      type: info & 0xf,
      other: v.getUint8(at + 5),
      shndx,
      value: u64(v, at + 8, `symbol ${i} value`),
      size: u64(v, at + 16, `symbol ${i} size`),
    });
  }
  return out;
}

function readRelocations(
  sections: readonly ElfSection[],
  symbols: readonly ElfSymbol[],
  v: DataView,
) {
  const out: ElfRelocationSection[] = [];
  for (const s of sections) {
    if (s.type !== SHT.REL && s.type !== SHT.RELA) continue;
    const isRela = s.type === SHT.RELA;
    const entSize = isRela ? RELA_SIZE : REL_SIZE;
    if (s.entsize !== entSize)
      throw new ElfError(
        `relocation section ${s.name} has entry size ${s.entsize}, expected ${entSize}`,
      );
    if (s.size % entSize !== 0)
      throw new ElfError(
        `relocation section ${s.name} size ${s.size} is not a multiple of ${entSize}`,
      );
    const target = sections[s.info];
    if (s.info === 0 || !target)
      throw new ElfError(
        `relocation section ${s.name} targets section ${s.info}, which does not exist`,
      );
    if (sections[s.link]?.type !== SHT.SYMTAB)
      throw new ElfError(
        `relocation section ${s.name} links to section ${s.link}, not the symbol table`,
      );
    const entries: ElfRelocation[] = [];
    const n = s.size / entSize;
    for (let i = 0; i < n; i++) {
      const at = s.offset + i * entSize;
      const offset = u64(v, at, `${s.name} entry ${i} offset`);
      const symbol = v.getUint32(at + 12, true);
      const type = v.getUint32(at + 8, true);
      if (symbol >= symbols.length) {
        throw new ElfError(
          `${s.name} entry ${i}: symbol index ${symbol} is out of range (${symbols.length} symbols)`,
        );
      }
      const width = RELOC_WIDTH[type];
      if (width === undefined)
        throw new ElfError(`${s.name} entry ${i}: unknown relocation type ${type}`);
      if (offset + width > target.size) {
        throw new ElfError(
          `${s.name} entry ${i}: offset ${offset} is outside section ${target.name} (${target.size} bytes)`,
        );
      }
      entries.push(
        isRela
          ? { offset, symbol, type, addend: Number(v.getBigInt64(at + 16, true)) }
          : { offset, symbol, type },
      );
    }
    out.push({ section: s.index, target: s.info, entries });
  }
  return out;
}

/** The section named `name`, or undefined. */
export function findSection(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}
