/**
 * `readBpfObject()`: ELF bytes (clang's or ours) → the libbpf-shaped `BpfObject`.
 *
 * Consumes an ELF64 BPF object; produces programs, subprograms, maps, license, version and BTF, with
 * libbpf's semantics (tools/lib/bpf/libbpf.c):
 * - every STT_FUNC symbol in an executable section other than `.text` is a program named by the symbol,
 *   its section name being the SEC() string; static functions there are rejected, as libbpf does;
 * - functions in `.text` are subprograms;
 * - a relocation in an executable section becomes a `BpfReloc` on the instruction it patches:
 *   against an undefined symbol → extern; a call (R_BPF_64_32) or lddw against a code section → call,
 *   whose target is `sym.value + (imm + 1) * 8` for calls and `sym.value + imm` for lddw (libbpf's
 *   RELO_CALL / RELO_SUBPROG_ADDR); lddw against `maps` / `.maps` → map; lddw against global data →
 *   global with offset `sym.value + imm` (clang puts the offset in imm for section symbols);
 * - a local call (`call` with src = 1) without an ELF relocation targets its own section: a `call`
 *   reloc is synthesised for it too, so consumers see every BPF-to-BPF call in `relocs`.
 * - `btf` is the decoded `.BTF` after libbpf's DATASEC fixup (real section sizes and variable offsets).
 * Errors: `ElfError` / `BtfError` from the lower layers, `ObjectError` for the rest; never another type.
 */
import { BtfError, decodeBtf, decodeBtfExt, type Btf, type BtfExt } from "../btf/index.ts";
import {
  readElf,
  SHF,
  SHN,
  STB,
  STT,
  type ElfFile,
  type ElfSection,
  type ElfSymbol,
} from "../elf/index.ts";
import {
  BytecodeError,
  decodeProgram,
  jumpTarget,
  slotOffsets,
  INSN_SIZE,
  type Insn,
} from "../isa/index.ts";
import { ObjectError } from "./errors.ts";
import { readMaps, type LocatedMap } from "./maps.ts";
import type { BpfMapDef, BpfObject, BpfProgram, BpfReloc } from "./model.ts";

const decoder = new TextDecoder();

interface ProgramDraft {
  name: string;
  section: ElfSection;
  offset: number;
  size: number;
  insns: Insn[];
  slots: number[];
  relocs: BpfReloc[];
  isSubprogram: boolean;
}

function cString(data: Uint8Array): string {
  const end = data.indexOf(0);
  return decoder.decode(end < 0 ? data : data.subarray(0, end));
}

/**
 * libbpf's btf_fixup_datasec: clang leaves DATASEC sizes and variable offsets 0; fill them in from the
 * ELF section sizes and the variables' symbols, so `obj.btf` describes the real layout.
 */
function fixupDatasecs(elf: ElfFile, btf: Btf): Btf {
  const types = btf.types.map((t) => {
    if (t.kind !== "datasec") return t;
    const sec = elf.sections.find((s) => s.name === t.name);
    if (!sec) return t;
    const vars = t.vars.map((vi) => {
      const v = btf.types[vi.type];
      const sym =
        v && v.kind === "var"
          ? elf.symbols.find((s) => s.shndx === sec.index && s.name === v.name)
          : undefined;
      return sym ? { ...vi, offset: sym.value } : vi;
    });
    return { ...t, size: sec.size, vars };
  });
  return { types };
}

function readBtf(elf: ElfFile): { btf?: Btf; btfExt?: BtfExt } {
  const btfSec = elf.sections.find((s) => s.name === ".BTF");
  if (!btfSec) return {};
  const btf = fixupDatasecs(elf, decodeBtf(btfSec.data));
  const extSec = elf.sections.find((s) => s.name === ".BTF.ext");
  return extSec ? { btf, btfExt: decodeBtfExt(extSec.data, btfSec.data) } : { btf };
}

/** Splits each executable section into functions and decodes their instructions. */
function readFunctions(elf: ElfFile): ProgramDraft[] {
  const out: ProgramDraft[] = [];
  for (const sec of elf.sections) {
    if ((sec.flags & SHF.EXECINSTR) === 0 || sec.size === 0) continue;
    const isText = sec.name === ".text";
    const funcs = elf.symbols
      .filter((s) => s.shndx === sec.index && s.type === STT.FUNC)
      .sort((a, b) => a.value - b.value);
    if (funcs.length === 0)
      throw new ObjectError(`section ${sec.name} has code but no function symbol`);
    funcs.forEach((sym, i) => {
      if (!isText && sym.bind === STB.LOCAL) {
        throw new ObjectError(
          `section ${sec.name}: program ${sym.name} is static, which libbpf does not support`,
        );
      }
      const end = sym.size > 0 ? sym.value + sym.size : (funcs[i + 1]?.value ?? sec.size);
      if (
        sym.value % INSN_SIZE !== 0 ||
        end > sec.size ||
        end <= sym.value ||
        end % INSN_SIZE !== 0
      ) {
        throw new ObjectError(
          `function ${sym.name} [${sym.value}, ${end}) is not a whole number of instructions inside ${sec.name}`,
        );
      }
      if (i > 0 && sym.value < out[out.length - 1]!.offset + out[out.length - 1]!.size) {
        throw new ObjectError(
          `function ${sym.name} overlaps ${out[out.length - 1]!.name} in ${sec.name}`,
        );
      }
      let insns: Insn[];
      try {
        insns = decodeProgram(sec.data.subarray(sym.value, end));
      } catch (e) {
        if (e instanceof BytecodeError)
          throw new ObjectError(`function ${sym.name} in ${sec.name}: ${e.message}`);
        throw e;
      }
      out.push({
        name: sym.name,
        section: sec,
        offset: sym.value,
        size: end - sym.value,
        insns,
        slots: slotOffsets(insns),
        relocs: [],
        isSubprogram: isText,
      });
    });
  }
  return out;
}

/** Finds the function containing byte `offset` of `sec` and the index of the instruction there. */
function locate(
  funcs: readonly ProgramDraft[],
  sec: ElfSection,
  offset: number,
): { fn: ProgramDraft; index: number } {
  const fn = funcs.find(
    (f) => f.section === sec && offset >= f.offset && offset < f.offset + f.size,
  );
  if (!fn) throw new ObjectError(`relocation at ${sec.name}+${offset} is outside every function`);
  const slot = (offset - fn.offset) / INSN_SIZE;
  const index = fn.slots.indexOf(slot);
  if (!Number.isInteger(slot) || index < 0 || index >= fn.insns.length) {
    throw new ObjectError(
      `relocation at ${sec.name}+${offset} does not point at the start of an instruction`,
    );
  }
  return { fn, index };
}

function classify(
  elf: ElfFile,
  maps: readonly LocatedMap[],
  insn: Insn,
  insnIndex: number,
  sym: ElfSymbol,
  where: string,
): BpfReloc {
  if (sym.shndx === SHN.UNDEF) return { kind: "extern", insnIndex, symbol: sym.name };
  const target = elf.sections[sym.shndx];
  const isCall = insn.spec.kind === "call";
  if (!isCall && insn.spec.kind !== "lddw") {
    throw new ObjectError(
      `${where}: relocation against ${sym.name} on a ${insn.spec.mnemonic} instruction (only lddw and call)`,
    );
  }
  if (!target)
    throw new ObjectError(`${where}: symbol ${sym.name} has special section index ${sym.shndx}`);
  if ((target.flags & SHF.EXECINSTR) !== 0) {
    if (isCall && insn.spec.op !== "call_local")
      throw new ObjectError(`${where}: call relocation on a non-local call`);
    const targetOffset = isCall ? sym.value + (insn.imm + 1) * INSN_SIZE : sym.value + insn.imm;
    return { kind: "call", insnIndex, targetSection: target.name, targetOffset };
  }
  if (isCall) throw new ObjectError(`${where}: call against ${sym.name}, which is not code`);
  if (target.name === ".maps" || target.name === "maps") {
    const m = maps.find((x) => x.sectionIndex === sym.shndx && x.offset === sym.value);
    if (!m)
      throw new ObjectError(`${where}: symbol ${sym.name} does not name a map in ${target.name}`);
    return { kind: "map", insnIndex, mapIndex: m.def.index };
  }
  const m = maps.find((x) => x.sectionIndex === sym.shndx && x.def.globalSection !== undefined);
  if (!m)
    throw new ObjectError(
      `${where}: relocation against ${sym.name} in section ${target.name}, which is not a map or global data`,
    );
  const offset = sym.value + insn.imm;
  if (offset < 0 || offset > m.def.valueSize) {
    throw new ObjectError(
      `${where}: offset ${offset} is outside ${target.name} (${m.def.valueSize} bytes)`,
    );
  }
  return { kind: "global", insnIndex, mapIndex: m.def.index, offset };
}

function attachRelocs(elf: ElfFile, funcs: ProgramDraft[], maps: readonly LocatedMap[]): void {
  for (const rs of elf.relocations) {
    const sec = elf.sections[rs.target]!;
    if ((sec.flags & SHF.EXECINSTR) === 0) continue; // .BTF, .BTF.ext, DWARF: nothing to load
    for (const e of rs.entries) {
      const { fn, index } = locate(funcs, sec, e.offset);
      const sym = elf.symbols[e.symbol]!;
      fn.relocs.push(
        classify(elf, maps, fn.insns[index]!, index, sym, `${sec.name}+${e.offset} (${fn.name})`),
      );
    }
  }
  // Local calls resolved by clang within a section carry no ELF relocation: synthesise one.
  for (const fn of funcs) {
    const relocated = new Set(fn.relocs.map((r) => r.insnIndex));
    fn.insns.forEach((insn, i) => {
      if (insn.spec.op !== "call_local" || relocated.has(i)) return;
      const targetOffset = fn.offset + jumpTarget(insn, fn.slots[i]!)! * INSN_SIZE;
      if (targetOffset < 0 || targetOffset >= fn.section.size) {
        throw new ObjectError(
          `${fn.section.name}: call at instruction ${i} of ${fn.name} jumps outside the section`,
        );
      }
      fn.relocs.push({ kind: "call", insnIndex: i, targetSection: fn.section.name, targetOffset });
    });
    fn.relocs.sort((a, b) => a.insnIndex - b.insnIndex);
  }
}

function toProgram(f: ProgramDraft): BpfProgram {
  return {
    name: f.name,
    section: f.section.name,
    sectionOffset: f.offset,
    insns: f.insns,
    relocs: f.relocs,
  };
}

/**
 * Reads a BPF object file. Throws `ElfError` (malformed ELF), `BtfError` (malformed BTF) or
 * `ObjectError` (a well-formed file that is not a valid BPF object), each naming the problem.
 */
export function readBpfObject(bytes: Uint8Array): BpfObject {
  const elf = readElf(bytes);
  const { btf, btfExt } = readBtf(elf);
  let maps: LocatedMap[];
  try {
    maps = readMaps(elf, btf);
  } catch (e) {
    if (e instanceof BtfError) throw new ObjectError(`map definitions: ${e.message}`);
    throw e;
  }
  const funcs = readFunctions(elf);
  attachRelocs(elf, funcs, maps);
  const license = elf.sections.find((s) => s.name === "license");
  const version = elf.sections.find((s) => s.name === "version");
  if (version && version.size !== 4)
    throw new ObjectError(`version section has size ${version.size}, expected 4`);
  const result: BpfObject = {
    programs: funcs.filter((f) => !f.isSubprogram).map(toProgram),
    subprograms: funcs.filter((f) => f.isSubprogram).map(toProgram),
    maps: maps.map((m): BpfMapDef => m.def),
    license: license ? cString(license.data) : "",
    kernelVersion: version
      ? new DataView(version.data.buffer, version.data.byteOffset, 4).getUint32(0, true)
      : 0,
  };
  return { ...result, ...(btf ? { btf } : {}), ...(btfExt ? { btfExt } : {}) };
}
