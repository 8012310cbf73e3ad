/**
 * Object reader/writer tests: clang-19 objects read field by field, write → read round trips (hand
 * spec and clang objects re-emitted), loading written objects with bpftool, and error reporting.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BtfBuilder,
  BtfError,
  btfSizeof,
  dumpBtf,
  encodeBtf,
  type BtfDatasec,
} from "../../core/btf/index.ts";
import { ElfError, SHF, SHT, STB, STT, readElf, writeElf } from "../../core/elf/index.ts";
import { encodeProgram, insnSpec, makeInsn } from "../../core/isa/index.ts";
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import {
  ObjectError,
  objectToSpec,
  readBpfObject,
  writeBpfObject,
  type BpfObject,
} from "../../core/object/index.ts";
import { capability, findClang, hasCommand, hasKernelBpf } from "../support/env.ts";
import { compileFixture } from "./fixtures/compile.ts";
import { sampleSpec } from "./sample-spec.ts";

const hasClang = () => capability("clang", findClang() !== undefined, "compile BPF fixtures");

function fixture(name: string): BpfObject {
  return readBpfObject(compileFixture(name)!);
}

describe("reading clang-19 objects", () => {
  it("reads programs, subprograms and their relocations", (ctx) => {
    if (!hasClang()) return ctx.skip();
    const obj = fixture("maps");
    expect(obj.license).toBe("GPL");
    expect(obj.kernelVersion).toBe(0);
    expect(obj.programs.map((p) => [p.name, p.section, p.sectionOffset])).toEqual([
      ["count_packets", "xdp", 0],
      ["trace_open", "tracepoint/syscalls/sys_enter_openat", 0],
    ]);
    expect(obj.subprograms.map((p) => [p.name, p.section])).toEqual([["bump", ".text"]]);
    const mapIdx = (n: string) => obj.maps.find((m) => m.name === n)!.index;
    const [xdp, tp] = obj.programs;
    expect(xdp!.relocs).toEqual([
      { kind: "map", insnIndex: 4, mapIndex: mapIdx("counts") },
      { kind: "global", insnIndex: 7, mapIndex: mapIdx(".data"), offset: 0 },
      { kind: "call", insnIndex: 14, targetSection: ".text", targetOffset: 0 },
    ]);
    for (const r of xdp!.relocs)
      expect(xdp!.insns[r.insnIndex]!.spec.kind).toBe(r.kind === "call" ? "call" : "lddw");
    // The format string of bpf_printk lives in .rodata after `limit`: offset 4 via the section symbol.
    expect(tp!.relocs).toContainEqual({
      kind: "global",
      insnIndex: 12,
      mapIndex: mapIdx(".rodata"),
      offset: 4,
    });
    expect(
      tp!.relocs.filter((r) => r.kind === "map").map((r) => (r as { mapIndex: number }).mapIndex),
    ).toEqual([mapIdx("slots"), mapIdx("events")]);
    expect(obj.subprograms[0]!.relocs).toEqual([
      { kind: "global", insnIndex: 0, mapIndex: mapIdx(".bss"), offset: 0 },
      { kind: "global", insnIndex: 4, mapIndex: mapIdx(".rodata"), offset: 0 },
    ]);
    expect(obj.subprograms[0]!.insns.at(-1)!.spec.kind).toBe("exit");
  });

  it("decodes BTF-defined maps and global data maps", (ctx) => {
    if (!hasClang()) return ctx.skip();
    const obj = fixture("maps");
    const btf = obj.btf!;
    expect(obj.maps.map((m) => m.name)).toEqual([
      "counts",
      "slots",
      "events",
      ".data",
      ".rodata",
      ".bss",
    ]);
    expect(obj.maps.every((m, i) => m.index === i)).toBe(true);
    const [counts, slots, events, data, rodata, bss] = obj.maps;
    expect(counts).toMatchObject({
      type: 1,
      keySize: 4,
      valueSize: 16,
      maxEntries: 128,
      flags: 1,
      pinning: 0,
    });
    expect(btfSizeof(btf, counts!.valueTypeId)).toBe(16);
    expect(btf.types[counts!.keyTypeId]).toMatchObject({ kind: "typedef", name: "__u32" });
    expect(slots).toMatchObject({
      type: 2,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
      keyTypeId: 0,
      pinning: 1,
    });
    expect(events).toMatchObject({ type: 27, keySize: 0, valueSize: 0, maxEntries: 4096 });
    expect(data).toMatchObject({
      type: 2,
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      flags: 0,
      globalSection: ".data",
    });
    expect([...data!.initialValue!]).toEqual([42, 0, 0, 0, 0, 0, 0, 0]);
    expect(rodata).toMatchObject({
      valueSize: 12,
      flags: BPF_CONSTANTS.BPF_F_RDONLY_PROG,
      globalSection: ".rodata",
    });
    expect(new TextDecoder().decode(rodata!.initialValue!.subarray(4, 11))).toBe("open %d");
    expect(bss).toMatchObject({
      valueSize: 4,
      globalSection: ".bss",
      initialValue: new Uint8Array(4),
    });
    // DATASECs are fixed up like libbpf does: real size and variable offsets.
    const ds = btf.types[rodata!.valueTypeId] as BtfDatasec;
    expect(ds).toMatchObject({ kind: "datasec", name: ".rodata", size: 12 });
    expect(ds.vars.map((v) => v.offset)).toEqual([0, 4]);
    expect(obj.btfExt!.funcInfo.map((s) => s.section).sort()).toEqual([
      ".text",
      "tracepoint/syscalls/sys_enter_openat",
      "xdp",
    ]);
    expect(obj.btfExt!.lineInfo.find((s) => s.section === "xdp")!.records[0]!.fileName).toMatch(
      /maps\.bpf\.c$/,
    );
  });

  it("reads legacy maps, license and version", (ctx) => {
    if (!hasClang()) return ctx.skip();
    const obj = fixture("legacy");
    expect(obj.license).toBe("Dual BSD/GPL");
    expect(obj.kernelVersion).toBe(0x060000);
    expect(obj.maps).toEqual([
      {
        index: 0,
        name: "old_counts",
        type: 2,
        keySize: 4,
        valueSize: 8,
        maxEntries: 16,
        flags: 0,
        keyTypeId: 0,
        valueTypeId: 0,
      },
    ]);
    expect(obj.programs[0]).toMatchObject({ name: "filter", section: "socket" });
    expect(obj.programs[0]!.relocs).toEqual([{ kind: "map", insnIndex: 4, mapIndex: 0 }]);
  });
});

/** Compares instructions ignoring immediates the writer rewrites at relocated instructions. */
function stripRelocImm(obj: BpfObject) {
  return [...obj.programs, ...obj.subprograms].map((p) => ({
    name: p.name,
    section: p.section,
    relocs: p.relocs,
    insns: p.insns.map((insn, i) =>
      p.relocs.some((r) => r.insnIndex === i) ? { ...insn, imm: 0, imm2: 0 } : insn,
    ),
  }));
}

describe("writeBpfObject → readBpfObject", () => {
  it("round-trips the hand-assembled spec", () => {
    const spec = sampleSpec();
    const obj = readBpfObject(writeBpfObject(spec));
    expect(obj.programs.map((p) => [p.name, p.section, p.sectionOffset])).toEqual([
      ["tsbpf_xdp", "xdp", 0],
      ["tsbpf_sock", "socket", 0],
    ]);
    expect(obj.subprograms.map((p) => p.name)).toEqual(["add_one"]);
    expect(obj.programs[0]!.relocs).toEqual(spec.programs[0]!.relocs);
    expect(obj.programs[1]!.relocs).toEqual(spec.programs[1]!.relocs);
    expect(obj.programs[0]!.insns.filter((_, i) => ![3, 9, 11, 12].includes(i))).toEqual(
      spec.programs[0]!.insns.filter((_, i) => ![3, 9, 11, 12].includes(i)),
    );
    expect(obj.programs[0]!.insns[12]!.imm).toBe(4); // global offset travels in imm
    expect(obj.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries])).toEqual([
      ["counts", 1, 4, 8, 64],
      ["events", 27, 0, 0, 4096],
      [".bss", 2, 4, 8, 1],
      [".data", 2, 4, 8, 1],
      [".rodata", 2, 4, 8, 1],
    ]);
    expect(obj.maps[0]!.keyTypeId).toBe(spec.maps[0]!.keyTypeId);
    expect([...obj.maps[3]!.initialValue!]).toEqual([42, 0, 0, 0, 0, 0, 0, 0]);
    expect(obj.license).toBe("GPL");
    expect(obj.btfExt!.lineInfo.find((s) => s.section === "xdp")!.records).toEqual([
      { insnOff: 0, fileName: "sample.ts", line: "const key = 0;", lineNum: 3, column: 5 },
      { insnOff: 24, fileName: "sample.ts", line: "counts.lookup(key)", lineNum: 4, column: 3 },
    ]);
    // Functions without line info get an (empty) record at their first instruction, as the kernel requires.
    for (const section of [".text", "socket"]) {
      expect(obj.btfExt!.lineInfo.find((s) => s.section === section)!.records).toEqual([
        { insnOff: 0, fileName: "", line: "", lineNum: 0, column: 0 },
      ]);
    }
    const sockFunc = obj.btfExt!.funcInfo.find((s) => s.section === "socket")!.records[0]!;
    expect(sockFunc).toEqual({ insnOff: 0, typeId: spec.programs[1]!.funcTypeId });
    // Writing what we read gives the same object again.
    const again = readBpfObject(writeBpfObject(objectToSpec(obj)));
    expect(stripRelocImm(again)).toEqual(stripRelocImm(obj));
    expect(again.maps).toEqual(obj.maps);
  });

  it("re-emits clang objects equivalently", (ctx) => {
    if (!hasClang()) return ctx.skip();
    for (const name of ["maps", "legacy"]) {
      const obj = fixture(name);
      const back = readBpfObject(writeBpfObject(objectToSpec(obj)));
      expect(stripRelocImm(back)).toEqual(stripRelocImm(obj));
      const strip = (o: BpfObject) =>
        o.maps.map(({ keyTypeId, valueTypeId, pinning, ...rest }) => ({
          ...rest,
          pinning: pinning ?? 0,
        }));
      expect(strip(back)).toEqual(strip(obj));
      expect(back.license).toBe(obj.license);
      expect(back.kernelVersion).toBe(obj.kernelVersion);
    }
  });

  it("writes clang's symbol conventions", () => {
    const elf = readElf(writeBpfObject(sampleSpec()));
    const sym = (n: string) => elf.symbols.find((s) => s.name === n)!;
    expect(sym("tsbpf_xdp")).toMatchObject({ bind: STB.GLOBAL, type: STT.FUNC, size: 19 * 8 });
    expect(sym("add_one")).toMatchObject({ bind: STB.LOCAL, type: STT.FUNC, size: 24 });
    expect(sym("counts")).toMatchObject({ bind: STB.GLOBAL, type: STT.OBJECT });
    expect(sym(".text")).toMatchObject({ bind: STB.LOCAL, type: STT.SECTION });
    expect(elf.sections.find((s) => s.name === ".bss")).toMatchObject({
      type: SHT.NOBITS,
      size: 8,
    });
  });
});

describe("errors", () => {
  const i = (name: string, f = {}) => makeInsn(insnSpec(name), f);
  it("rejects inconsistent specs with ObjectError", () => {
    const base = sampleSpec();
    const withRelocs = (relocs: any[]) => ({
      ...base,
      programs: [{ ...base.programs[0]!, relocs }],
    });
    expect(() => writeBpfObject(withRelocs([{ kind: "map", insnIndex: 0, mapIndex: 0 }]))).toThrow(
      /needs lddw, found stw/,
    );
    expect(() => writeBpfObject(withRelocs([{ kind: "map", insnIndex: 3, mapIndex: 7 }]))).toThrow(
      /map index 7/,
    );
    expect(() =>
      writeBpfObject(withRelocs([{ kind: "global", insnIndex: 3, mapIndex: 2, offset: 99 }])),
    ).toThrow(/offset 99 is outside .bss/);
    expect(() =>
      writeBpfObject(
        withRelocs([{ kind: "call", insnIndex: 11, targetSection: "socket", targetOffset: 0 }]),
      ),
    ).toThrow(/call into socket/);
    expect(() => writeBpfObject(withRelocs([{ kind: "map", insnIndex: 40, mapIndex: 0 }]))).toThrow(
      ObjectError,
    );
    expect(() =>
      writeBpfObject({ ...base, programs: [{ ...base.programs[0]!, section: ".text" }] }),
    ).toThrow(/SEC\(\) name/);
    expect(() =>
      writeBpfObject({ ...base, data: [{ name: ".weird", data: new Uint8Array(4), vars: [] }] }),
    ).toThrow(/\.weird/);
  });

  /** A minimal ELF with one code section, for reader error cases. */
  const code = (insns = [i("mov64_imm"), i("exit")]) => encodeProgram(insns);
  const textSec = (name: string, data: Uint8Array) => ({
    name,
    type: SHT.PROGBITS,
    flags: SHF.ALLOC | SHF.EXECINSTR,
    data,
    addralign: 8,
  });

  it("rejects a static function in a program section, like libbpf", () => {
    const bytes = writeElf({
      sections: [textSec("xdp", code())],
      symbols: [
        { name: "hidden", value: 0, size: 16, bind: STB.LOCAL, type: STT.FUNC, section: 0 },
      ],
      relocations: [],
    });
    expect(() => readBpfObject(bytes)).toThrow(/program hidden is static/);
  });

  it("rejects code without a function symbol and undecodable code", () => {
    expect(() =>
      readBpfObject(writeElf({ sections: [textSec("xdp", code())], symbols: [], relocations: [] })),
    ).toThrow(/no function symbol/);
    const bad = new Uint8Array(16);
    bad[0] = 0xff;
    const bytes = writeElf({
      sections: [textSec("xdp", bad)],
      symbols: [{ name: "p", value: 0, size: 16, bind: STB.GLOBAL, type: STT.FUNC, section: 0 }],
      relocations: [],
    });
    expect(() => readBpfObject(bytes)).toThrow(
      /function p in xdp: instruction 0: unknown opcode 0xff/,
    );
  });

  it("rejects a relocation on an instruction that is not lddw or call", () => {
    const bytes = writeElf({
      sections: [
        textSec("xdp", code()),
        {
          name: ".data",
          type: SHT.PROGBITS,
          flags: SHF.ALLOC | SHF.WRITE,
          data: new Uint8Array(4),
          addralign: 4,
        },
      ],
      symbols: [
        { name: "p", value: 0, size: 16, bind: STB.GLOBAL, type: STT.FUNC, section: 0 },
        { name: "x", value: 0, size: 4, bind: STB.GLOBAL, type: STT.OBJECT, section: 1 },
      ],
      relocations: [{ section: 0, entries: [{ offset: 0, symbol: 1, type: 1 }] }],
    });
    expect(() => readBpfObject(bytes)).toThrow(/relocation against x on a mov instruction/);
  });

  it("rejects a map definition with an unknown field", () => {
    const b = new BtfBuilder();
    const int = b.int("int", 4, { signed: true });
    const uint = (n: number) => b.ptr(b.array(int, n));
    const def = b.struct("", 16, [
      { name: "type", type: uint(1), bitOffset: 0 },
      { name: "bogus", type: uint(3), bitOffset: 64 },
    ]);
    const v = b.var("m", def);
    b.datasec(".maps", 16, [{ type: v, offset: 0, size: 16 }]);
    const bytes = writeElf({
      sections: [
        {
          name: ".maps",
          type: SHT.PROGBITS,
          flags: SHF.ALLOC | SHF.WRITE,
          data: new Uint8Array(16),
          addralign: 8,
        },
        { name: ".BTF", type: SHT.PROGBITS, flags: 0, data: encodeBtf(b.build()), addralign: 4 },
      ],
      symbols: [{ name: "m", value: 0, size: 16, bind: STB.GLOBAL, type: STT.OBJECT, section: 0 }],
      relocations: [],
    });
    expect(() => readBpfObject(bytes)).toThrow(/map m: unknown field bogus/);
  });

  it("survives random byte flips: only ElfError, BtfError or ObjectError", (ctx) => {
    const inputs = [writeBpfObject(sampleSpec())];
    if (findClang()) inputs.push(compileFixture("maps")!);
    let seed = 99;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const seen = new Set<string>();
    for (let iter = 0; iter < 2000; iter++) {
      const b = inputs[iter % inputs.length]!.slice();
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++)
        b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      try {
        readBpfObject(b);
        seen.add("ok");
      } catch (e) {
        if (!(e instanceof ElfError || e instanceof BtfError || e instanceof ObjectError)) throw e;
        seen.add((e as Error).name);
      }
    }
    expect(seen.has("ok")).toBe(true);
    expect(seen.size).toBeGreaterThan(2);
    void ctx;
  });
});

describe("loading written objects", () => {
  const canLoad = () =>
    capability(
      "root + bpffs + bpftool",
      hasKernelBpf() && hasCommand("bpftool", ["version"]),
      "bpftool prog loadall",
    );

  function loadall(path: string): string[] {
    // Mount bpffs if it is not mounted yet (as root); loadall reports any remaining problem.
    execFileSync("sh", ["-c", "mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || true"]);
    const pin = `/sys/fs/bpf/tsbpf-object-test-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
    try {
      execFileSync("bpftool", ["prog", "loadall", path, pin], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      return execFileSync("ls", [pin]).toString().trim().split("\n").sort();
    } finally {
      rmSync(pin, { recursive: true, force: true });
    }
  }

  it("bpftool loads our hand-assembled object and dumps its BTF", (ctx) => {
    if (!canLoad()) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-obj-"));
    const path = join(dir, "sample.o");
    const bytes = writeBpfObject(sampleSpec(`_${process.pid}`));
    writeFileSync(path, bytes);
    expect(loadall(path)).toEqual(["tsbpf_sock", "tsbpf_xdp"]);
    const dump = execFileSync("bpftool", ["btf", "dump", "file", path]).toString();
    expect(dump).toBe(dumpBtf(readBpfObject(bytes).btf!));
    expect(dump).toMatch(/DATASEC '\.maps' size=\d+ vlen=2/);
  });

  it("bpftool loads clang objects after our read → write", (ctx) => {
    if (!hasClang() || !canLoad()) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-obj-"));
    for (const name of ["maps", "legacy"]) {
      const spec = objectToSpec(fixture(name));
      // Unique map names, and no pin-by-name (libbpf would pin under /sys/fs/bpf/<name>).
      const maps = spec.maps.map((m) => ({ ...m, name: `${m.name}_${process.pid}`, pinning: 0 }));
      const path = join(dir, `${name}.o`);
      writeFileSync(path, writeBpfObject({ ...spec, maps }));
      const expected = spec.programs.map((p) => p.name).sort();
      expect(loadall(path)).toEqual(expected);
    }
  });
});
