/**
 * The `.data` parser and the suite-syntax assembler: sections, comments, raw/asm agreement on the
 * corpus, per-row assembly driven by the table, and clean errors for malformed input.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AsmError,
  DataFileError,
  assembleText,
  parseDataFile,
  programOf,
} from "../../core/conformance/index.ts";
import { INSNS, decodeProgram, encodeProgram, insnSpec } from "../../core/isa/index.ts";
import { rawToBytes } from "../../core/conformance/index.ts";
import { CONFORMANCE_DIR } from "./suite.ts";

describe("parseDataFile", () => {
  it("reads sections, strips comments anywhere, last result wins", () => {
    const d = parseDataFile(
      [
        "# header comment",
        "-- asm",
        "mov %r0, 1 # trailing comment",
        "",
        "exit",
        "-- mem",
        "00 01",
        "ff",
        "-- result",
        "0x5",
        "0x2a",
        "-- no register offset",
        "text that is ignored",
      ].join("\r\n"),
    );
    expect(d.asm.map((a) => a.text)).toEqual(["mov %r0, 1", "exit"]);
    expect(d.asm[0]!.line).toBe(3);
    expect([...d.mem!]).toEqual([0, 1, 255]);
    expect(d.result).toBe(42n);
    expect(d.skip).toBeNull();
  });

  it("parses decimal results, error sections, and skips like the runner", () => {
    expect(parseDataFile("-- asm\nexit\n-- result\n17\n").result).toBe(17n);
    const e = parseDataFile("-- asm\nexit\n-- error\nfirst\nExpected error text\n");
    expect(e.error).toBe("Expected error text");
    expect(parseDataFile("-- asm\nexit\n-- reload\n-- result\n1").skip).toMatch(/unknown section/);
    expect(parseDataFile("-- asm\nexit\n").skip).toMatch(/no result or error/);
    expect(parseDataFile("-- asm\nexit\n-- result\n0x1\n").mem).toBeNull();
  });

  it("rejects malformed numbers with the line", () => {
    expect(() => parseDataFile("-- asm\nexit\n-- result\nxyz\n")).toThrow(DataFileError);
    expect(() => parseDataFile("-- asm\nexit\n-- mem\n0g\n-- result\n1")).toThrow(/line 4/);
  });

  it("prefers -- raw over -- asm, and lddw.data's two agree", () => {
    const d = parseDataFile(readFileSync(join(CONFORMANCE_DIR, "lddw.data"), "utf8"));
    expect(d.raw).not.toBeNull();
    expect(encodeProgram(programOf(d))).toEqual(rawToBytes(d.raw!));
    expect(encodeProgram(programOf({ ...d, raw: null }))).toEqual(rawToBytes(d.raw!));
  });
});

describe("assemble", () => {
  it("encodes the suite's syntax like the upstream assembler", () => {
    const p = assembleText(
      [
        "mov32 %r0, 0",
        "ldxw %r0, [%r1+4]",
        "stw [%r1-4], 0xffffffff",
        "jeq %r1, 0, +2",
        "lddw %r0, 0x123456789abcdef0",
        "call 5",
        "call %r2",
        "lock fetch add32 [%r10-4], %r1",
        "movsx832 %r0, %r1",
        "swap16 %r0",
        "add64 %r1, -1",
        "exit",
      ].join("\n"),
    );
    const names = p.map((i) => i.spec.name);
    expect(names).toEqual([
      "mov32_imm",
      "ldxw",
      "stw",
      "jeq64_imm",
      "lddw",
      "call_helper",
      "callx",
      "atomic_fetch_add32",
      "movsx32_8",
      "bswap16",
      "add64_imm",
      "exit",
    ]);
    expect(p[1]).toMatchObject({ dst: 0, src: 1, off: 4 });
    expect(p[2]).toMatchObject({ dst: 1, off: -4, imm: -1 });
    expect(p[3]).toMatchObject({ dst: 1, imm: 0, off: 2 });
    expect(p[4]).toMatchObject({ imm: -0x65432110, imm2: 0x12345678 });
    expect(p[6]).toMatchObject({ dst: 2, imm: 0 });
    expect(p[7]).toMatchObject({ dst: 10, src: 1, off: -4, imm: 0x01 });
  });

  it("resolves labels in slots (lddw counts two), ja32 and call local into imm", () => {
    const p = assembleText(
      [
        "ja32 L",
        "lddw %r0, 1",
        "L:",
        "call local f",
        "jne %r0, 0, exit",
        "exit",
        "f:",
        "exit",
      ].join("\n"),
    );
    expect(p[0]).toMatchObject({ imm: 2, off: 0 }); // slot 0 → slot 3
    expect(p[2]).toMatchObject({ src: 1, imm: 2 }); // slot 3 → slot 6
    expect(p[3]).toMatchObject({ off: 0 }); // default label `exit` = first exit (slot 5)
  });

  it("assembles a line for every row that has a suite mnemonic form", () => {
    // One sample operand list per instruction kind; the assembler must pick exactly the row.
    const operands: Record<string, (s: (typeof INSNS)[number]) => string> = {
      alu: (s) => (s.source === "reg" ? "%r1, %r2" : "%r1, 3"),
      mov: (s) => (s.source === "reg" ? "%r1, %r2" : "%r1, 3"),
      movsx: () => "%r1, %r2",
      neg: () => "%r1",
      end: () => "%r1",
      lddw: () => "%r1, 7",
      ldx: () => "%r1, [%r2+8]",
      st: () => "[%r2-8], 9",
      stx: () => "[%r2-8], %r3",
      atomic: () => "[%r2-8], %r3",
      ldabs: () => "12",
      ldind: () => "%r3, 12",
      jcond: (s) => (s.source === "reg" ? "%r1, %r2, +1" : "%r1, 5, +1"),
      ja: () => "+1",
      call: () => "1",
      callx: () => "%r4",
      exit: () => "",
    };
    for (const spec of INSNS) {
      const line = `${spec.mnemonic} ${operands[spec.kind]!(spec)}`;
      const [insn] = assembleText(line);
      expect(insn!.spec.name, line).toBe(spec.name);
      // Encode/decode round trip of what the assembler produced.
      expect(decodeProgram(encodeProgram([insn!]))[0]!.spec).toBe(insnSpec(spec.name));
    }
  });

  it("reports mistakes with the line number", () => {
    const bad: [string, RegExp][] = [
      ["frob %r0", /line 1: unknown mnemonic "frob/],
      ["mov %r0", /expected 2 operands/],
      ["mov %r16, 1", /expected a register/],
      ["exit\nja nowhere", /line 2: undefined label "nowhere"/],
      ["mov32 %r0, 4294967296", /does not fit in 32 bits/],
      ["mov32 %r0, 2147483648", /does not fit in 32 bits/],
      ["ldxw %r0, [%r1+70000]", /does not fit in 16 bits/],
      ["ldxw %r0, %r1", /expected a memory operand/],
      ["L:\nL:\nexit", /line 2: duplicate label "L"/],
    ];
    for (const [src, re] of bad) {
      expect(() => assembleText(src), src).toThrow(AsmError);
      expect(() => assembleText(src), src).toThrow(re);
    }
  });
});
