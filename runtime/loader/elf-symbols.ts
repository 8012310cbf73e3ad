/**
 * Function symbols and loadable segments of a native ELF binary (executable or shared library), to
 * turn `binary:function` into the file offset a uprobe needs (uprobes are placed by inode + file
 * offset: Documentation/trace/uprobetracer.rst).
 *
 * core/elf reads BPF relocatable objects only (it insists on 8-byte instruction sections and knows
 * no program headers or .dynsym), so this is a second, deliberately small reader: ELF header, program
 * headers, section headers, and the .symtab / .dynsym symbol tables with their string tables. It reads
 * through positioned reads, so a 100 MB binary costs only its tables, not the whole file.
 *
 * Consumes: a path (or the bytes of a file). Produces: `BinaryImage` (PT_LOAD segments, sections,
 * symbols). `resolveSymbolOffset` maps a function name to its file offset: st_value is a virtual
 * address; the PT_LOAD segment containing it gives offset = st_value - p_vaddr + p_offset (System V
 * gABI, "Program Header"), falling back to the symbol's section for files without program headers.
 *
 * Invariant: every offset, count and index read from the file is checked against the file size
 * before use; anything malformed throws a `LoaderError` naming the file and the field, never a
 * RangeError or a hang.
 *
 * ```
 *   Elf64_Ehdr: 16 e_type u16  18 e_machine u16  32 e_phoff u64  40 e_shoff u64
 *               54 e_phentsize  56 e_phnum  58 e_shentsize  60 e_shnum  62 e_shstrndx (u16 each)
 *   Elf64_Phdr (56): 0 p_type u32  4 p_flags u32  8 p_offset  16 p_vaddr  24 p_paddr  32 p_filesz
 *                    40 p_memsz  48 p_align (u64 each)
 *   Elf64_Shdr (64): 0 sh_name u32  4 sh_type u32  8 sh_flags  16 sh_addr  24 sh_offset  32 sh_size
 *                    40 sh_link u32  44 sh_info u32  48 sh_addralign  56 sh_entsize
 *   Elf64_Sym  (24): 0 st_name u32  4 st_info u8 (bind<<4 | type)  5 st_other  6 st_shndx u16
 *                    8 st_value u64  16 st_size u64
 * ```
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { LoaderError } from "./errors.ts";

/** One symbol of .symtab or .dynsym. */
export interface BinarySymbol {
  readonly name: string;
  /** st_value: the virtual address for executables and shared objects. */
  readonly value: number;
  readonly size: number;
  /** STT_* (2 = FUNC, 10 = GNU_IFUNC). */
  readonly type: number;
  /** STB_* (0 = LOCAL, 1 = GLOBAL, 2 = WEAK). */
  readonly bind: number;
  /** Section index; 0 = undefined (imported). */
  readonly shndx: number;
  /** True when it came from .dynsym. */
  readonly dynamic: boolean;
}

/** A PT_LOAD program header. */
export interface LoadSegment {
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
  /** PF_X = 1, PF_W = 2, PF_R = 4. */
  readonly flags: number;
}

/** A section header (what symbol resolution needs). */
export interface BinarySection {
  readonly name: string;
  readonly type: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
}

/** What a native binary says about its functions and layout. */
export interface BinaryImage {
  /** Path (or label) used in messages. */
  readonly path: string;
  /** e_type: 2 = ET_EXEC, 3 = ET_DYN (PIE executables and shared libraries). */
  readonly type: number;
  readonly machine: number;
  readonly fileSize: number;
  readonly segments: readonly LoadSegment[];
  readonly sections: readonly BinarySection[];
  readonly symbols: readonly BinarySymbol[];
}

const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_NOBITS = 8;
const SHT_DYNSYM = 11;
const PT_LOAD = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const STB_WEAK = 2;
/** Largest table we read (symbols or strings): far above any real binary, bounds bad sizes. */
const MAX_TABLE = 512 << 20;

interface Source {
  readonly size: number;
  read(offset: number, length: number, what: string): Uint8Array;
}

function bytesSource(bytes: Uint8Array, label: string): Source {
  return {
    size: bytes.length,
    read(offset, length, what) {
      if (offset < 0 || length < 0 || offset + length > bytes.length) {
        throw malformed(label, `${what} [${offset}, ${offset + length}) is outside the file`);
      }
      return bytes.subarray(offset, offset + length);
    },
  };
}

function fdSource(fd: number, size: number, label: string): Source {
  return {
    size,
    read(offset, length, what) {
      if (offset < 0 || length < 0 || offset + length > size) {
        throw malformed(label, `${what} [${offset}, ${offset + length}) is outside the file`);
      }
      if (length > MAX_TABLE) throw malformed(label, `${what} is implausibly large (${length} B)`);
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n <= 0) throw malformed(label, `${what}: file ended early`);
        done += n;
      }
      return buf;
    },
  };
}

function malformed(label: string, why: string): LoaderError {
  return new LoaderError(`${label} is not a valid ELF binary: ${why}`);
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(v: DataView, at: number, label: string, what: string): number {
  const x = v.getBigUint64(at, true);
  if (x > BigInt(Number.MAX_SAFE_INTEGER))
    throw malformed(label, `${what} 0x${x.toString(16)} is too large`);
  return Number(x);
}

/**
 * Reads a binary's segments, sections and symbols. `input` is a path (read with positioned reads)
 * or the file's bytes (then `label` names it in messages). Throws `LoaderError` when the file is
 * missing, unreadable, or not a well-formed 64-bit little-endian ELF file.
 */
export function readBinaryImage(input: string | Uint8Array, label = "binary"): BinaryImage {
  if (input instanceof Uint8Array) return parse(bytesSource(input, label), label);
  let fd: number;
  try {
    fd = openSync(input, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new LoaderError(`binary not found: ${input}`);
    if (code === "EACCES") throw new LoaderError(`cannot read binary ${input}: permission denied`);
    throw new LoaderError(`cannot open binary ${input}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new LoaderError(`${input} is not a regular file`);
    return parse(fdSource(fd, st.size, input), input);
  } finally {
    closeSync(fd);
  }
}

function parse(src: Source, label: string): BinaryImage {
  if (src.size < 64) throw malformed(label, `only ${src.size} bytes, the ELF header needs 64`);
  const eh = src.read(0, 64, "ELF header");
  if (eh[0] !== 0x7f || eh[1] !== 0x45 || eh[2] !== 0x4c || eh[3] !== 0x46) {
    throw malformed(label, "wrong magic (expected \\x7fELF)");
  }
  if (eh[4] !== 2)
    throw malformed(label, `ELF class ${eh[4]} is not ELF64 (32-bit binaries are not supported)`);
  if (eh[5] !== 1) throw malformed(label, "not little-endian");
  const v = view(eh);
  const type = v.getUint16(16, true);
  const machine = v.getUint16(18, true);
  const phoff = u64(v, 32, label, "e_phoff");
  const shoff = u64(v, 40, label, "e_shoff");
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  const shentsize = v.getUint16(58, true);
  const shnum = v.getUint16(60, true);
  const shstrndx = v.getUint16(62, true);
  const segments = phnum && phoff ? readSegments(src, label, phoff, phentsize, phnum) : [];
  const sections =
    shnum && shoff ? readSections(src, label, shoff, shentsize, shnum, shstrndx) : [];
  const symbols: BinarySymbol[] = [];
  for (const [i, s] of sections.entries()) {
    if (s.type === SHT_SYMTAB || s.type === SHT_DYNSYM) {
      symbols.push(...readSymbolTable(src, label, sections, i));
    }
  }
  return {
    path: label,
    type,
    machine,
    fileSize: src.size,
    segments,
    sections: sections.map(strip),
    symbols,
  };
}

interface RawSection extends BinarySection {
  readonly link: number;
  readonly entsize: number;
}

function strip(s: RawSection): BinarySection {
  return { name: s.name, type: s.type, addr: s.addr, offset: s.offset, size: s.size };
}

function readSegments(
  src: Source,
  label: string,
  at: number,
  entsize: number,
  n: number,
): LoadSegment[] {
  if (entsize !== 56) throw malformed(label, `program header size ${entsize} is not 56`);
  const v = view(src.read(at, n * 56, "program header table"));
  const out: LoadSegment[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * 56;
    if (v.getUint32(o, true) !== PT_LOAD) continue;
    out.push({
      flags: v.getUint32(o + 4, true),
      offset: u64(v, o + 8, label, `segment ${i} offset`),
      vaddr: u64(v, o + 16, label, `segment ${i} address`),
      filesz: u64(v, o + 32, label, `segment ${i} file size`),
      memsz: u64(v, o + 40, label, `segment ${i} memory size`),
    });
  }
  return out;
}

function readSections(
  src: Source,
  label: string,
  at: number,
  entsize: number,
  n: number,
  shstrndx: number,
): RawSection[] {
  if (entsize !== 64) throw malformed(label, `section header size ${entsize} is not 64`);
  const v = view(src.read(at, n * 64, "section header table"));
  const raw = [];
  for (let i = 0; i < n; i++) {
    const o = i * 64;
    raw.push({
      nameOff: v.getUint32(o, true),
      type: v.getUint32(o + 4, true),
      addr: u64(v, o + 16, label, `section ${i} address`),
      offset: u64(v, o + 24, label, `section ${i} offset`),
      size: u64(v, o + 32, label, `section ${i} size`),
      link: v.getUint32(o + 40, true),
      entsize: u64(v, o + 56, label, `section ${i} entry size`),
    });
  }
  const shstr = raw[shstrndx];
  const names =
    shstr && shstr.type === SHT_STRTAB
      ? src.read(shstr.offset, shstr.size, "section names")
      : undefined;
  return raw.map((s) => ({ ...s, name: names ? cString(names, s.nameOff) : "" }));
}

function cString(table: Uint8Array, at: number): string {
  if (at >= table.length) return "";
  const end = table.indexOf(0, at);
  return new TextDecoder().decode(table.subarray(at, end < 0 ? table.length : end));
}

function readSymbolTable(
  src: Source,
  label: string,
  sections: readonly RawSection[],
  index: number,
): BinarySymbol[] {
  const tab = sections[index]!;
  const what = tab.name || `section ${index}`;
  if (tab.entsize !== 24) throw malformed(label, `${what} entry size ${tab.entsize} is not 24`);
  if (tab.size % 24 !== 0)
    throw malformed(label, `${what} size ${tab.size} is not a multiple of 24`);
  const strs = sections[tab.link];
  if (!strs || tab.link === 0 || strs.type !== SHT_STRTAB) {
    throw malformed(label, `${what} links to section ${tab.link}, which is not a string table`);
  }
  const names = src.read(strs.offset, strs.size, `${strs.name || "string table"}`);
  const v = view(src.read(tab.offset, tab.size, what));
  const out: BinarySymbol[] = [];
  for (let i = 1; i < tab.size / 24; i++) {
    const o = i * 24;
    const nameOff = v.getUint32(o, true);
    if (nameOff >= names.length)
      throw malformed(label, `${what} symbol ${i} name is outside its string table`);
    const info = v.getUint8(o + 4);
    out.push({
      name: cString(names, nameOff),
      type: info & 0xf,
      bind: info >> 4,
      shndx: v.getUint16(o + 6, true),
      value: u64(v, o + 8, label, `${what} symbol ${i} value`),
      size: u64(v, o + 16, label, `${what} symbol ${i} size`),
      dynamic: tab.type === SHT_DYNSYM,
    });
  }
  return out;
}

/** The file offset of virtual address `vaddr`, or undefined when no segment or section maps it. */
export function fileOffsetOf(
  image: BinaryImage,
  vaddr: number,
  shndx?: number,
): number | undefined {
  const seg = image.segments.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
  if (seg) return vaddr - seg.vaddr + seg.offset;
  const sec = shndx !== undefined ? image.sections[shndx] : undefined;
  if (sec && sec.type !== SHT_NOBITS && vaddr >= sec.addr && vaddr < sec.addr + sec.size) {
    return vaddr - sec.addr + sec.offset;
  }
  return undefined;
}

/**
 * The file offset of function `name` in `image` (a `name@VERSION` suffix is accepted and ignored).
 * Throws `LoaderError` when the binary does not define it, defines it ambiguously, or it is not a
 * plain function; the message says how to list the binary's symbols.
 */
export function resolveSymbolOffset(image: BinaryImage, name: string): number {
  const base = name.split("@")[0]!;
  const named = image.symbols.filter((s) => s.name === base);
  const list = `list its functions with: nm -D --defined-only ${image.path} (or nm ${image.path})`;
  const defined = named.filter((s) => s.shndx !== 0);
  if (defined.length === 0) {
    if (named.length > 0) {
      throw new LoaderError(
        `"${base}" is not defined in ${image.path}: it is imported from a shared library; ` +
          `attach to the library that defines it (see: ldd ${image.path})`,
      );
    }
    const stripped =
      image.symbols.length === 0 ? " (the binary has no symbol tables: it is stripped)" : "";
    throw new LoaderError(`symbol "${base}" not found in ${image.path}${stripped}; ${list}`);
  }
  const funcs = defined.filter((s) => s.type === STT_FUNC || s.type === STT_GNU_IFUNC);
  if (funcs.length === 0) {
    throw new LoaderError(
      `"${base}" in ${image.path} is not a function (ELF symbol type ${defined[0]!.type})`,
    );
  }
  if (funcs.some((s) => s.type === STT_GNU_IFUNC)) {
    throw new LoaderError(
      `"${base}" in ${image.path} is an indirect function (STT_GNU_IFUNC): its address is the ` +
        `resolver, which runs once at load time; attach to the implementation it selects instead (${list})`,
    );
  }
  let candidates = funcs;
  if (new Set(candidates.map((s) => s.value)).size > 1) {
    const strong = candidates.filter((s) => s.bind !== STB_WEAK);
    if (strong.length > 0) candidates = strong;
  }
  const addrs = [...new Set(candidates.map((s) => s.value))];
  if (addrs.length > 1) {
    throw new LoaderError(
      `"${base}" is defined ${addrs.length} times in ${image.path} (addresses ` +
        `${addrs.map((a) => `0x${a.toString(16)}`).join(", ")}); attach by file offset instead`,
    );
  }
  const sym = candidates[0]!;
  const off = fileOffsetOf(image, sym.value, sym.shndx);
  if (off === undefined) {
    throw new LoaderError(
      `"${base}" in ${image.path} has address 0x${sym.value.toString(16)}, which no loadable segment of the file maps`,
    );
  }
  return off;
}
