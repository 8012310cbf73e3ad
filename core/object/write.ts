/**
 * `writeBpfObject()`: `BpfObjectSpec` → ELF bytes that libbpf, bpftool and the kernel load unchanged.
 *
 * Layout (as clang emits it): `.text` (subprograms, in spec order, back to back), one section per
 * distinct program SEC name (programs of the same section back to back, in spec order), global data
 * sections in spec order (`.bss*` as NOBITS; this keeps read-back map indices equal to the spec's),
 * `.maps`, `license`, `version`, `.BTF`, `.BTF.ext`;
 * core/elf adds `.strtab`, `.rel<sec>` and `.symtab`.
 * Symbols: a STT_SECTION local per code and data section; STT_FUNC globals for programs and locals
 * for subprograms (with sizes); STT_OBJECT globals for maps, data variables and `LICENSE`; undefined
 * globals for externs.
 * Relocations (Documentation/bpf/llvm_reloc.rst): map → R_BPF_64_64 on the map symbol (imm 0);
 * global → R_BPF_64_64 on the data section symbol with the offset in imm; call into `.text` →
 * R_BPF_64_32 on the `.text` section symbol with imm = target slot - 1 (libbpf: target =
 * sym + (imm + 1) * 8); call into the caller's own section → pc-relative imm, no relocation; lddw of a
 * function → R_BPF_64_64 on the section symbol with imm = byte offset; extern → on an undefined symbol.
 */
import { btfExtStrings, encodeBtf, encodeBtfExt } from "../btf/index.ts";
import {
  R_BPF,
  SHF,
  SHT,
  STB,
  STT,
  writeElf,
  type ElfRelocationInput,
  type ElfSectionInput,
  type ElfSymbolInput,
} from "../elf/index.ts";
import { encodeProgram, slotOffsets, INSN_SIZE, type Insn } from "../isa/index.ts";
import { ObjectError } from "./errors.ts";
import type { BpfDataSpec, BpfFunctionSpec, BpfObjectSpec } from "./spec.ts";
import { buildObjectBtf, type PlacedFunction } from "./write-btf.ts";

const encoder = new TextEncoder();
const CODE_FLAGS = SHF.ALLOC | SHF.EXECINSTR;
const DATA_FLAGS = SHF.ALLOC | SHF.WRITE;

/** Byte size of a function's code. */
function codeSize(fn: BpfFunctionSpec): number {
  return slotOffsets(fn.insns)[fn.insns.length]! * INSN_SIZE;
}

/** Byte offset of each function when laid out back to back (how `.text` and program sections are filled). */
export function functionOffsets(fns: readonly BpfFunctionSpec[]): number[] {
  let at = 0;
  return fns.map((f) => {
    const here = at;
    at += codeSize(f);
    return here;
  });
}

const isBss = (name: string) => name === ".bss" || name.startsWith(".bss.");
const isRodata = (name: string) => name === ".rodata" || name.startsWith(".rodata.");
/** libbpf's struct_ops sections (STRUCT_OPS_SEC, STRUCT_OPS_LINK_SEC). */
export const isStructOps = (name: string) => name === ".struct_ops" || name === ".struct_ops.link";

/** Places subprograms in `.text` and programs in their SEC sections. */
function placeFunctions(spec: BpfObjectSpec): { placed: PlacedFunction[]; codeSections: string[] } {
  const placed: PlacedFunction[] = [];
  const subs = spec.subprograms ?? [];
  const codeSections: string[] = subs.length > 0 ? [".text"] : [];
  functionOffsets(subs).forEach((offset, i) =>
    placed.push({ fn: subs[i]!, section: ".text", offset, isSubprogram: true }),
  );
  const bySection = new Map<string, BpfFunctionSpec[]>();
  for (const p of spec.programs) {
    if (p.section === "" || p.section === ".text")
      throw new ObjectError(`program ${p.name} needs a SEC() name other than .text`);
    if (!bySection.has(p.section)) codeSections.push(p.section);
    bySection.set(p.section, [...(bySection.get(p.section) ?? []), p]);
  }
  for (const [section, fns] of bySection) {
    functionOffsets(fns).forEach((offset, i) =>
      placed.push({ fn: fns[i]!, section, offset, isSubprogram: false }),
    );
  }
  const names = new Set<string>();
  for (const p of placed) {
    if (p.fn.insns.length === 0) throw new ObjectError(`function ${p.fn.name} has no instructions`);
    if (names.has(p.fn.name)) throw new ObjectError(`function name ${p.fn.name} is used twice`);
    names.add(p.fn.name);
  }
  return { placed, codeSections };
}

/** Writes a BPF object file. Throws `ObjectError` (or `BtfError`/`ElfError`) for an inconsistent spec. */
export function writeBpfObject(spec: BpfObjectSpec): Uint8Array {
  const { placed, codeSections } = placeFunctions(spec);
  const data: BpfDataSpec[] = [...(spec.data ?? [])];
  for (const d of data) {
    if (!/^\.(data|rodata|bss)(\..+)?$/.test(d.name) && !isStructOps(d.name))
      throw new ObjectError(
        `data section ${d.name} must be .data*, .rodata*, .bss*, .struct_ops or .struct_ops.link`,
      );
    if (d.funcRelocs?.length && !isStructOps(d.name))
      throw new ObjectError(`data section ${d.name}: function pointers only in .struct_ops*`);
    for (const v of d.vars) {
      if (v.offset < 0 || v.offset + v.size > d.data.length)
        throw new ObjectError(`variable ${v.name} lies outside ${d.name}`);
    }
  }
  const sections: ElfSectionInput[] = [];
  const secIndex = new Map<string, number>();
  const addSection = (s: ElfSectionInput) => {
    if (secIndex.has(s.name)) throw new ObjectError(`section ${s.name} is defined twice`);
    secIndex.set(s.name, sections.length);
    sections.push(s);
  };
  const symbols: ElfSymbolInput[] = [];
  const sectionSym = new Map<string, number>();
  const addSym = (s: ElfSymbolInput) => symbols.push(s) - 1;

  // Code sections (contents filled in after relocation patching).
  for (const name of codeSections) {
    addSection({
      name,
      type: SHT.PROGBITS,
      flags: CODE_FLAGS,
      data: new Uint8Array(0),
      addralign: 8,
    });
    sectionSym.set(
      name,
      addSym({
        name,
        value: 0,
        size: 0,
        bind: STB.LOCAL,
        type: STT.SECTION,
        section: secIndex.get(name)!,
      }),
    );
  }
  // Data sections keep spec order (NOBITS for .bss*), so read-back map indices equal spec indices.
  const ordered = data;
  for (const d of data) {
    const flags = isRodata(d.name) ? SHF.ALLOC : DATA_FLAGS;
    addSection(
      isBss(d.name)
        ? {
            name: d.name,
            type: SHT.NOBITS,
            flags,
            data: new Uint8Array(0),
            size: d.data.length,
            addralign: 8,
          }
        : { name: d.name, type: SHT.PROGBITS, flags, data: d.data, addralign: 8 },
    );
  }

  const hasBtf = spec.btf !== undefined || spec.maps.length > 0;
  const objBtf = hasBtf ? buildObjectBtf(spec, placed, ordered) : undefined;
  const mapSymbols: number[] = [];
  if (spec.maps.length > 0) {
    const sizes = objBtf!.mapSizes;
    const total = sizes.reduce((a, b) => a + b, 0);
    addSection({
      name: ".maps",
      type: SHT.PROGBITS,
      flags: DATA_FLAGS,
      data: new Uint8Array(total),
      addralign: 8,
    });
    let at = 0;
    spec.maps.forEach((m, i) => {
      mapSymbols.push(
        addSym({
          name: m.name,
          value: at,
          size: sizes[i]!,
          bind: STB.GLOBAL,
          type: STT.OBJECT,
          section: secIndex.get(".maps")!,
        }),
      );
      at += sizes[i]!;
    });
  }
  /** Initial values of maps (`.values`): R_BPF_64_ABS64 relocations, resolved once symbols exist. */
  const mapValueRelocs = (symbolOf: (name: string) => number | undefined): ElfRelocationInput[] => {
    const out: ElfRelocationInput[] = [];
    let at = 0;
    spec.maps.forEach((m, i) => {
      const base = at + objBtf!.valuesOffsets[i]!;
      at += objBtf!.mapSizes[i]!;
      (m.values ?? []).forEach((name, slot) => {
        if (name === null) return;
        const symbol = symbolOf(name);
        if (symbol === undefined)
          throw new ObjectError(
            `map ${m.name}: initial value ${slot} names ${name}, which is not a map or program of the object`,
          );
        out.push({ offset: base + slot * 8, symbol, type: R_BPF.R_64_ABS64 });
      });
    });
    return out;
  };
  const license = encoder.encode(spec.license + "\0");
  addSection({
    name: "license",
    type: SHT.PROGBITS,
    flags: DATA_FLAGS,
    data: license,
    addralign: 1,
  });
  addSym({
    name: "LICENSE",
    value: 0,
    size: license.length,
    bind: STB.GLOBAL,
    type: STT.OBJECT,
    section: secIndex.get("license")!,
  });
  if (spec.kernelVersion) {
    const v = new Uint8Array(4);
    new DataView(v.buffer).setUint32(0, spec.kernelVersion >>> 0, true);
    addSection({ name: "version", type: SHT.PROGBITS, flags: DATA_FLAGS, data: v, addralign: 4 });
  }
  for (const d of ordered) {
    const section = secIndex.get(d.name)!;
    sectionSym.set(
      d.name,
      addSym({ name: d.name, value: 0, size: 0, bind: STB.LOCAL, type: STT.SECTION, section }),
    );
    for (const v of d.vars) {
      const bind = v.isStatic ? STB.LOCAL : STB.GLOBAL;
      addSym({ name: v.name, value: v.offset, size: v.size, bind, type: STT.OBJECT, section });
    }
  }

  // Function symbols, patched code and relocations.
  const relocs = new Map<string, ElfRelocationInput[]>();
  const code = new Map<string, Uint8Array[]>();
  const externs = new Map<string, number>();
  const funcSymbols = new Map<string, number>();
  for (const p of placed) {
    const fnSym = addSym({
      name: p.fn.name,
      value: p.offset,
      size: codeSize(p.fn),
      bind: p.isSubprogram ? STB.LOCAL : STB.GLOBAL,
      type: STT.FUNC,
      section: secIndex.get(p.section)!,
    });
    if (!p.isSubprogram) funcSymbols.set(p.fn.name, fnSym);
    const insns: Insn[] = [...p.fn.insns];
    const slots = slotOffsets(insns);
    const out = relocs.get(p.section) ?? [];
    const where = (i: number) => `function ${p.fn.name}, instruction ${i}`;
    for (const r of p.fn.relocs) {
      const insn = insns[r.insnIndex];
      if (!insn)
        throw new ObjectError(
          `${where(r.insnIndex)}: relocation on an instruction that does not exist`,
        );
      const offset = p.offset + slots[r.insnIndex]! * INSN_SIZE;
      const isLddw = insn.spec.kind === "lddw";
      const needLddw = () => {
        if (!isLddw)
          throw new ObjectError(
            `${where(r.insnIndex)}: ${r.kind} relocation needs lddw, found ${insn.spec.mnemonic}`,
          );
      };
      switch (r.kind) {
        case "map": {
          needLddw();
          const sym = mapSymbols[r.mapIndex];
          if (sym === undefined)
            throw new ObjectError(
              `${where(r.insnIndex)}: map index ${r.mapIndex} is not a .maps map`,
            );
          insns[r.insnIndex] = { ...insn, imm: 0, imm2: 0 };
          out.push({ offset, symbol: sym, type: R_BPF.R_64_64 });
          break;
        }
        case "global": {
          needLddw();
          const d = data[r.mapIndex - spec.maps.length];
          if (!d)
            throw new ObjectError(
              `${where(r.insnIndex)}: map index ${r.mapIndex} is not a global data section`,
            );
          if (r.offset < 0 || r.offset > d.data.length)
            throw new ObjectError(`${where(r.insnIndex)}: offset ${r.offset} is outside ${d.name}`);
          insns[r.insnIndex] = { ...insn, imm: r.offset, imm2: 0 };
          out.push({ offset, symbol: sectionSym.get(d.name)!, type: R_BPF.R_64_64 });
          break;
        }
        case "call": {
          if (r.targetOffset % INSN_SIZE !== 0)
            throw new ObjectError(
              `${where(r.insnIndex)}: call target ${r.targetOffset} is not instruction-aligned`,
            );
          if (isLddw) {
            const sym = sectionSym.get(r.targetSection);
            if (sym === undefined || !codeSections.includes(r.targetSection))
              throw new ObjectError(`${where(r.insnIndex)}: no code section ${r.targetSection}`);
            insns[r.insnIndex] = { ...insn, imm: r.targetOffset, imm2: 0 };
            out.push({ offset, symbol: sym, type: R_BPF.R_64_64 });
          } else if (insn.spec.op !== "call_local") {
            throw new ObjectError(
              `${where(r.insnIndex)}: call relocation needs a local call, found ${insn.spec.mnemonic}`,
            );
          } else if (r.targetSection === ".text" && sectionSym.has(".text")) {
            insns[r.insnIndex] = { ...insn, imm: r.targetOffset / INSN_SIZE - 1 };
            out.push({ offset, symbol: sectionSym.get(".text")!, type: R_BPF.R_64_32 });
          } else if (r.targetSection === p.section) {
            insns[r.insnIndex] = { ...insn, imm: (r.targetOffset - offset) / INSN_SIZE - 1 };
          } else {
            throw new ObjectError(
              `${where(r.insnIndex)}: call into ${r.targetSection} (only .text or the caller's own section)`,
            );
          }
          break;
        }
        case "extern": {
          let sym = externs.get(r.symbol);
          if (sym === undefined) {
            sym = addSym({
              name: r.symbol,
              value: 0,
              size: 0,
              bind: STB.GLOBAL,
              type: STT.NOTYPE,
              section: "undef",
            });
            externs.set(r.symbol, sym);
          }
          out.push({ offset, symbol: sym, type: isLddw ? R_BPF.R_64_64 : R_BPF.R_64_32 });
          break;
        }
      }
    }
    relocs.set(p.section, out);
    code.set(p.section, [...(code.get(p.section) ?? []), encodeProgram(insns)]);
  }
  const mapIndexByName = new Map(spec.maps.map((m, i) => [m.name, i]));
  const valueRelocs = mapValueRelocs((name) => {
    const mi = mapIndexByName.get(name);
    return mi !== undefined ? mapSymbols[mi] : funcSymbols.get(name);
  });
  if (valueRelocs.length > 0) relocs.set(".maps", valueRelocs);
  for (const d of data) {
    if (!d.funcRelocs?.length) continue;
    const entries = d.funcRelocs.map(({ offset, program }) => {
      const symbol = funcSymbols.get(program);
      if (symbol === undefined)
        throw new ObjectError(`${d.name}+${offset}: ${program} is not a program of the object`);
      if (offset < 0 || offset + 8 > d.data.length || offset % 8 !== 0)
        throw new ObjectError(`${d.name}+${offset}: a function pointer outside the section`);
      return { offset, symbol, type: R_BPF.R_64_ABS64 };
    });
    relocs.set(d.name, entries);
  }
  for (const name of codeSections) {
    const parts = code.get(name) ?? [];
    const bytes = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    sections[secIndex.get(name)!] = { ...sections[secIndex.get(name)!]!, data: bytes };
  }

  if (objBtf) {
    const btfBytes = encodeBtf(objBtf.btf, btfExtStrings(objBtf.ext));
    addSection({ name: ".BTF", type: SHT.PROGBITS, flags: 0, data: btfBytes, addralign: 4 });
    if (objBtf.ext.funcInfo.length + objBtf.ext.lineInfo.length > 0) {
      addSection({
        name: ".BTF.ext",
        type: SHT.PROGBITS,
        flags: 0,
        data: encodeBtfExt(objBtf.ext, btfBytes),
        addralign: 4,
      });
    }
  }
  return writeElf({
    sections,
    symbols,
    relocations: [...relocs].map(([name, entries]) => ({
      section: secIndex.get(name)!,
      entries: entries.sort((a, b) => a.offset - b.offset),
    })),
  });
}
