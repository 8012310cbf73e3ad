/**
 * ELF reader/writer tests: write → read round trip, reading clang objects, hand-corrupted headers and
 * tables (each must give ElfError naming the problem), truncation at every offset, and a byte-flip fuzz.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ElfError,
  R_BPF,
  SHF,
  SHT,
  STB,
  STT,
  findSection,
  readElf,
  writeElf,
  type ElfWriteInput,
} from "../../core/elf/index.ts";
import { compileFixture } from "../object/fixtures/compile.ts";
import { capability, findClang, hasCommand } from "../support/env.ts";

/** A small object: .text with one call, a program section with an lddw, .data, .bss. */
export function sampleInput(): ElfWriteInput {
  const prog = new Uint8Array(5 * 8);
  prog[0] = 0x18; // lddw r0, 0
  prog[16] = 0x85; // call
  prog[17] = 0x10; // src = pseudo call
  prog[32] = 0x95; // exit
  return {
    sections: [
      {
        name: ".text",
        type: SHT.PROGBITS,
        flags: SHF.ALLOC | SHF.EXECINSTR,
        data: new Uint8Array([0x95, 0, 0, 0, 0, 0, 0, 0]),
        addralign: 8,
      },
      {
        name: "xdp",
        type: SHT.PROGBITS,
        flags: SHF.ALLOC | SHF.EXECINSTR,
        data: prog,
        addralign: 8,
      },
      {
        name: ".data",
        type: SHT.PROGBITS,
        flags: SHF.ALLOC | SHF.WRITE,
        data: new Uint8Array([1, 2, 3, 4]),
        addralign: 4,
      },
      {
        name: ".bss",
        type: SHT.NOBITS,
        flags: SHF.ALLOC | SHF.WRITE,
        data: new Uint8Array(0),
        size: 16,
        addralign: 8,
      },
      {
        name: "license",
        type: SHT.PROGBITS,
        flags: SHF.ALLOC | SHF.WRITE,
        data: new TextEncoder().encode("GPL\0"),
        addralign: 1,
      },
    ],
    symbols: [
      { name: "prog", value: 0, size: 40, bind: STB.GLOBAL, type: STT.FUNC, section: 1 },
      { name: "counter", value: 0, size: 4, bind: STB.GLOBAL, type: STT.OBJECT, section: 2 },
      { name: ".text", value: 0, size: 0, bind: STB.LOCAL, type: STT.SECTION, section: 0 },
      { name: "helper", value: 0, size: 8, bind: STB.LOCAL, type: STT.FUNC, section: 0 },
      { name: "zeros", value: 8, size: 8, bind: STB.GLOBAL, type: STT.OBJECT, section: 3 },
    ],
    relocations: [
      {
        section: 1,
        entries: [
          { offset: 0, symbol: 1, type: R_BPF.R_64_64 },
          { offset: 16, symbol: 2, type: R_BPF.R_64_32 },
        ],
      },
    ],
  };
}

describe("writeElf → readElf", () => {
  it("round-trips sections, symbols and relocations with clang's layout", () => {
    const elf = readElf(writeElf(sampleInput()));
    expect(elf.sections.map((s) => s.name)).toEqual([
      "",
      ".strtab",
      ".text",
      "xdp",
      ".relxdp",
      ".data",
      ".bss",
      "license",
      ".symtab",
    ]);
    expect(elf.sections.every((s, i) => s.index === i)).toBe(true);
    const xdp = findSection(elf, "xdp")!;
    expect(xdp.data).toEqual(sampleInput().sections[1]!.data);
    expect(findSection(elf, ".bss")).toMatchObject({
      type: SHT.NOBITS,
      size: 16,
      data: new Uint8Array(0),
    });
    // Locals first (after the null symbol), then globals; .symtab sh_info is the first global.
    expect(elf.symbols.map((s) => s.name)).toEqual([
      "",
      ".text",
      "helper",
      "prog",
      "counter",
      "zeros",
    ]);
    expect(findSection(elf, ".symtab")!.info).toBe(3);
    expect(elf.symbols[3]).toMatchObject({
      bind: STB.GLOBAL,
      type: STT.FUNC,
      shndx: xdp.index,
      size: 40,
    });
    expect(elf.relocations).toEqual([
      {
        section: 4,
        target: xdp.index,
        entries: [
          { offset: 0, symbol: 4, type: R_BPF.R_64_64 },
          { offset: 16, symbol: 1, type: R_BPF.R_64_32 },
        ],
      },
    ]);
  });

  it("rejects inconsistent write input", () => {
    const bad = (patch: Partial<ElfWriteInput>) => () => writeElf({ ...sampleInput(), ...patch });
    expect(
      bad({ relocations: [{ section: 9, entries: [{ offset: 0, symbol: 0, type: 1 }] }] }),
    ).toThrow(/section 9, which does not exist/);
    expect(
      bad({ relocations: [{ section: 1, entries: [{ offset: 0, symbol: 99, type: 1 }] }] }),
    ).toThrow(/symbol 99/);
    expect(
      bad({ relocations: [{ section: 1, entries: [{ offset: 400, symbol: 0, type: 1 }] }] }),
    ).toThrow(/offset 400 is outside/);
    expect(
      bad({
        symbols: [{ name: "x", value: -1, size: 0, bind: 1, type: 1, section: 0 }],
        relocations: [],
      }),
    ).toThrow(ElfError);
    expect(
      bad({
        symbols: [{ name: "x", value: 0, size: 0, bind: 1, type: 1, section: 42 }],
        relocations: [],
      }),
    ).toThrow(/section 42/);
  });

  it("is accepted by llvm-readelf without warnings", (ctx) => {
    if (!capability("llvm-readelf-19", hasCommand("llvm-readelf-19"), "check written ELF"))
      return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-elf-"));
    const path = join(dir, "sample.o");
    writeFileSync(path, writeElf(sampleInput()));
    const out = execFileSync("llvm-readelf-19", ["-h", "-S", "-s", "-r", path], {
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
    expect(out).toMatch(/Machine:\s+EM_BPF/);
    expect(out).toMatch(/R_BPF_64_64\s+0+\s+counter/);
    expect(out).toMatch(/R_BPF_64_32\s+0+\s+\.text/);
    expect(out).not.toMatch(/warning/i);
  });
});

describe("reading clang objects", () => {
  it("reads sections, symbols and relocations of a clang-19 object", (ctx) => {
    if (!capability("clang", findClang() !== undefined, "read clang object")) return ctx.skip();
    const elf = readElf(compileFixture("maps")!);
    const names = elf.sections.map((s) => s.name);
    for (const n of [
      ".text",
      "xdp",
      ".relxdp",
      "tracepoint/syscalls/sys_enter_openat",
      ".maps",
      ".bss",
      ".data",
      ".rodata",
      "license",
      ".BTF",
      ".BTF.ext",
      ".llvm_addrsig",
      ".symtab",
    ]) {
      expect(names).toContain(n);
    }
    const xdp = findSection(elf, "xdp")!;
    const rel = elf.relocations.find((r) => r.target === xdp.index)!;
    const described = rel.entries.map(
      (e) => `${e.offset}:${e.type}:${elf.symbols[e.symbol]!.name}`,
    );
    expect(described).toEqual(["32:1:counts", "64:1:total", "128:10:.text"]);
    const prog = elf.symbols.find((s) => s.name === "count_packets")!;
    expect(prog).toMatchObject({
      bind: STB.GLOBAL,
      type: STT.FUNC,
      shndx: xdp.index,
      value: 0,
      size: xdp.size,
    });
    expect(findSection(elf, ".bss")!.type).toBe(SHT.NOBITS);
  });
});

/** Returns a copy of `bytes` with a little-endian field overwritten. */
function patch(
  bytes: Uint8Array,
  at: number,
  value: number | bigint,
  width: 1 | 2 | 4 | 8,
): Uint8Array {
  const b = bytes.slice();
  const v = new DataView(b.buffer);
  if (width === 1) v.setUint8(at, Number(value));
  else if (width === 2) v.setUint16(at, Number(value), true);
  else if (width === 4) v.setUint32(at, Number(value), true);
  else v.setBigUint64(at, BigInt(value), true);
  return b;
}

describe("malformed ELF", () => {
  const good = writeElf(sampleInput());
  const elf = readElf(good);
  const shoff = Number(new DataView(good.buffer).getBigUint64(40, true));
  const sh = (index: number, field: number) => shoff + index * 64 + field;
  const symtab = findSection(elf, ".symtab")!;
  const rel = findSection(elf, ".relxdp")!;
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty file", new Uint8Array(0), /not an ELF file/],
    ["18 bytes, not ELF", new Uint8Array(18).fill(0x41), /not an ELF file/],
    ["truncated header", good.subarray(0, 63), /truncated file: 63 bytes/],
    ["wrong magic", patch(good, 1, 0x41, 1), /wrong magic/],
    ["32-bit class", patch(good, 4, 1, 1), /class 1/],
    ["big-endian", patch(good, 5, 2, 1), /big-endian/],
    ["bad data encoding", patch(good, 5, 7, 1), /data encoding 7/],
    ["bad ident version", patch(good, 6, 0, 1), /ELF version 0/],
    ["x86-64 machine", patch(good, 18, 62, 2), /unknown machine 62/],
    ["section headers past end", patch(good, 40, good.length, 8), /outside the file/],
    ["too many sections", patch(good, 60, 200, 2), /extends past the end/],
    ["huge section header offset", patch(good, 40, 0xffffffffffffff00n, 8), /too large/],
    ["bad shentsize", patch(good, 58, 40, 2), /entry size 40/],
    ["shstrndx out of range", patch(good, 62, 77, 2), /bad shstrndx 77/],
    ["shstrndx not a string table", patch(good, 62, 2, 2), /not a string table/],
    [
      "section data out of range",
      patch(good, sh(3, 24), good.length - 8, 8),
      /section 3 data .* outside the file/,
    ],
    ["section size out of range", patch(good, sh(3, 32), 0x100000, 8), /outside the file/],
    [
      "section name out of range",
      patch(good, sh(3, 0), 0xffff, 4),
      /section 3 name: string offset 65535/,
    ],
    [
      "misaligned program size",
      patch(good, sh(3, 32), 36, 8),
      /program section xdp has size 36, not a multiple of 8/,
    ],
    [
      "symbol name out of range",
      patch(good, symtab.offset + 24, 0xfffff, 4),
      /symbol 1 name: string offset/,
    ],
    [
      "symbol section out of range",
      patch(good, symtab.offset + 24 + 6, 300, 2),
      /symbol 1 has section index 300/,
    ],
    [
      "symbol table entry size",
      patch(good, sh(symtab.index, 56), 16, 8),
      /symbol table entry size 16/,
    ],
    ["symbol table bad link", patch(good, sh(symtab.index, 40), 2, 4), /not a string table/],
    [
      "relocation symbol out of range",
      patch(good, rel.offset + 12, 1000, 4),
      /symbol index 1000 is out of range/,
    ],
    [
      "relocation offset outside section",
      patch(good, rel.offset, 4000, 8),
      /offset 4000 is outside section xdp/,
    ],
    ["relocation unknown type", patch(good, rel.offset + 8, 77, 4), /unknown relocation type 77/],
    ["relocation bad target", patch(good, sh(rel.index, 44), 99, 4), /targets section 99/],
    ["relocation bad link", patch(good, sh(rel.index, 40), 2, 4), /not the symbol table/],
    ["relocation entry size", patch(good, sh(rel.index, 56), 8, 8), /entry size 8, expected 16/],
  ];
  for (const [name, bytes, re] of cases) {
    it(`reports ${name}`, () => {
      let err: unknown;
      try {
        readElf(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ElfError);
      expect((err as Error).message).toMatch(re);
    });
  }

  it("rejects truncation at every offset with ElfError", () => {
    for (let n = 0; n < good.length; n++)
      expect(() => readElf(good.subarray(0, n))).toThrow(ElfError);
  });

  it("survives random byte flips: every outcome is success or ElfError", () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const inputs = [good, compileFixture("maps")].filter((x): x is Uint8Array => x !== undefined);
    let failures = 0;
    for (let iter = 0; iter < 3000; iter++) {
      const b = inputs[iter % inputs.length]!.slice();
      const flips = 1 + Math.floor(rand() * 4);
      // Aim half the flips at the section header table and tables at the end, where the structure is.
      for (let k = 0; k < flips; k++) {
        const at =
          rand() < 0.5
            ? Math.floor(rand() * b.length)
            : b.length - 1 - Math.floor(rand() * Math.min(b.length, 2048));
        b[at] = Math.floor(rand() * 256);
      }
      try {
        readElf(b);
      } catch (e) {
        if (!(e instanceof ElfError)) throw e;
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(100);
  });
});
