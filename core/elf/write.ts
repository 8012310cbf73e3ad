/**
 * ELF64 little-endian writer for BPF relocatable objects, laid out the way clang does.
 *
 * Consumes `ElfWriteInput` (content sections, symbols, relocations per section); produces the file bytes.
 * Output section order: null, `.strtab` (shared by section names and symbols, as clang emits it), the
 * input sections in order, each followed by its `.rel<name>` (SHT_REL, sh_link = .symtab, sh_info =
 * target, SHF_INFO_LINK), and `.symtab` last. Symbols: the null symbol, then locals, then globals
 * (sh_info of .symtab = index of the first non-local, gABI). Section data follows the header in index
 * order, each aligned to its sh_addralign; the section header table comes last, 8-aligned.
 */
import {
  EM_BPF,
  ET_REL,
  ElfError,
  SHF,
  SHN,
  SHT,
  STB,
  STT,
  type ElfSymbolInput,
  type ElfWriteInput,
} from "./model.ts";

const encoder = new TextEncoder();

/** Builds a NUL-separated string table, storing each string once. */
class StrTab {
  private readonly map = new Map<string, number>([["", 0]]);
  private readonly parts: Uint8Array[] = [new Uint8Array(1)];
  private size = 1;
  add(s: string): number {
    const hit = this.map.get(s);
    if (hit !== undefined) return hit;
    const b = encoder.encode(s);
    if (b.includes(0)) throw new ElfError(`name ${JSON.stringify(s)} contains a NUL byte`);
    const at = this.size;
    this.parts.push(b, new Uint8Array(1));
    this.size += b.length + 1;
    this.map.set(s, at);
    return at;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

interface OutSection {
  name: string;
  type: number;
  flags: number;
  data: Uint8Array;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

const align = (x: number, a: number) => (a > 1 ? Math.ceil(x / a) * a : x);

/** A u64 field value as a bigint, or `ElfError` naming the field. */
function u64(x: number, what: string): bigint {
  if (!Number.isSafeInteger(x) || x < 0)
    throw new ElfError(`${what} ${x} is not a non-negative integer`);
  return BigInt(x);
}

/** Lays out and encodes an ELF64 relocatable object. Throws `ElfError` for inconsistent input. */
export function writeElf(input: ElfWriteInput): Uint8Array {
  const strtab = new StrTab();
  const out: OutSection[] = [
    {
      name: "",
      type: SHT.NULL,
      flags: 0,
      data: new Uint8Array(0),
      size: 0,
      link: 0,
      info: 0,
      addralign: 0,
      entsize: 0,
    },
    {
      name: ".strtab",
      type: SHT.STRTAB,
      flags: 0,
      data: new Uint8Array(0),
      size: 0,
      link: 0,
      info: 0,
      addralign: 1,
      entsize: 0,
    },
  ];
  const relocsBySection = new Map<number, ElfWriteInput["relocations"][number]["entries"]>();
  for (const r of input.relocations) {
    if (!input.sections[r.section])
      throw new ElfError(`relocations for section ${r.section}, which does not exist`);
    if (r.entries.length > 0)
      relocsBySection.set(r.section, [...(relocsBySection.get(r.section) ?? []), ...r.entries]);
  }

  // Symbol order: null, locals, globals; remember where each input symbol went.
  const order = input.symbols.map((_, i) => i);
  const isLocal = (s: ElfSymbolInput) => s.bind === STB.LOCAL;
  order.sort(
    (a, b) => Number(!isLocal(input.symbols[a]!)) - Number(!isLocal(input.symbols[b]!)) || a - b,
  );
  const symIndex = new Array<number>(input.symbols.length);
  order.forEach((orig, i) => (symIndex[orig] = i + 1));
  const firstGlobal = 1 + input.symbols.filter(isLocal).length;

  // Section numbering: input section i → output index; .rel sections slot in after their target.
  const secIndex: number[] = [];
  const relPlan: { target: number; at: number }[] = [];
  let next = 2;
  input.sections.forEach((_, i) => {
    secIndex[i] = next++;
    if (relocsBySection.has(i)) relPlan.push({ target: i, at: next++ });
  });
  const symtabIndex = next;

  for (let i = 0; i < input.sections.length; i++) {
    const s = input.sections[i]!;
    const isNobits = s.type === SHT.NOBITS;
    out[secIndex[i]!] = {
      name: s.name,
      type: s.type,
      flags: s.flags,
      data: isNobits ? new Uint8Array(0) : s.data,
      size: isNobits ? (s.size ?? 0) : s.data.length,
      link: s.link ?? 0,
      info: s.info ?? 0,
      addralign: s.addralign,
      entsize: s.entsize ?? 0,
    };
  }
  for (const { target, at } of relPlan) {
    const entries = relocsBySection.get(target)!;
    const data = new Uint8Array(entries.length * 16);
    const dv = new DataView(data.buffer);
    const size =
      input.sections[target]!.type === SHT.NOBITS
        ? (input.sections[target]!.size ?? 0)
        : input.sections[target]!.data.length;
    entries.forEach((e, k) => {
      const sym = symIndex[e.symbol];
      if (sym === undefined)
        throw new ElfError(
          `relocation ${k} of ${input.sections[target]!.name} names symbol ${e.symbol}, which does not exist`,
        );
      if (e.offset < 0 || e.offset >= size)
        throw new ElfError(
          `relocation ${k} of ${input.sections[target]!.name}: offset ${e.offset} is outside the section`,
        );
      dv.setBigUint64(k * 16, u64(e.offset, "relocation offset"), true);
      dv.setBigUint64(k * 16 + 8, (BigInt(sym) << 32n) | BigInt(e.type >>> 0), true);
    });
    out[at] = {
      name: `.rel${input.sections[target]!.name}`,
      type: SHT.REL,
      flags: SHF.INFO_LINK,
      data,
      size: data.length,
      link: symtabIndex,
      info: secIndex[target]!,
      addralign: 8,
      entsize: 16,
    };
  }

  const symData = new Uint8Array((input.symbols.length + 1) * 24);
  const sv = new DataView(symData.buffer);
  input.symbols.forEach((s, orig) => {
    const at = symIndex[orig]! * 24;
    let shndx: number;
    if (s.section === "undef") shndx = SHN.UNDEF;
    else if (s.section === "abs") shndx = SHN.ABS;
    else {
      const idx = secIndex[s.section];
      if (idx === undefined)
        throw new ElfError(`symbol ${s.name} is in section ${s.section}, which does not exist`);
      shndx = idx;
    }
    // Section symbols are unnamed, as clang writes them (readers use the section's name).
    sv.setUint32(at, s.type === STT.SECTION ? 0 : strtab.add(s.name), true);
    sv.setUint8(at + 4, ((s.bind & 0xf) << 4) | (s.type & 0xf));
    sv.setUint8(at + 5, s.other ?? 0);
    sv.setUint16(at + 6, shndx, true);
    sv.setBigUint64(at + 8, u64(s.value, `symbol ${s.name} value`), true);
    sv.setBigUint64(at + 16, u64(s.size, `symbol ${s.name} size`), true);
  });
  out[symtabIndex] = {
    name: ".symtab",
    type: SHT.SYMTAB,
    flags: 0,
    data: symData,
    size: symData.length,
    link: 1,
    info: firstGlobal,
    addralign: 8,
    entsize: 24,
  };

  // Section names go into the same table as symbol names; finish it last.
  const nameOffs = out.map((s) => strtab.add(s.name));
  const strBytes = strtab.bytes();
  out[1]!.data = strBytes;
  out[1]!.size = strBytes.length;

  let pos = 64;
  const offsets = out.map((s) => {
    if (s.type === SHT.NULL) return 0;
    pos = align(pos, s.addralign);
    const at = pos;
    pos += s.data.length;
    return at;
  });
  const shoff = align(pos, 8);
  const file = new Uint8Array(shoff + out.length * 64);
  const v = new DataView(file.buffer);
  file.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  v.setUint16(16, ET_REL, true);
  v.setUint16(18, input.machine ?? EM_BPF, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint32(48, input.flags ?? 0, true);
  v.setUint16(52, 64, true);
  v.setUint16(58, 64, true);
  if (out.length >= SHN.LORESERVE) throw new ElfError(`${out.length} sections is too many`);
  v.setUint16(60, out.length, true);
  v.setUint16(62, 1, true);
  out.forEach((s, i) => {
    file.set(s.data, offsets[i]!);
    const at = shoff + i * 64;
    v.setUint32(at, nameOffs[i]!, true);
    v.setUint32(at + 4, s.type, true);
    v.setBigUint64(at + 8, u64(s.flags, `section ${s.name} flags`), true);
    v.setBigUint64(at + 24, BigInt(offsets[i]!), true);
    v.setBigUint64(at + 32, u64(s.size, `section ${s.name} size`), true);
    v.setUint32(at + 40, s.link, true);
    v.setUint32(at + 44, s.info, true);
    v.setBigUint64(at + 48, u64(s.addralign, `section ${s.name} alignment`), true);
    v.setBigUint64(at + 56, u64(s.entsize, `section ${s.name} entry size`), true);
  });
  return file;
}
