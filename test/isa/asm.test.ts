/**
 * The assembler's own behaviour: labels, comments, number styles, objdump paste, and its errors.
 */
import { describe, expect, it } from "vitest";
import { AsmError, assemble, disassemble, encodeProgram } from "../../core/isa/index.ts";

function asmError(src: string): AsmError {
  try {
    assemble(src, { file: "t.s" });
  } catch (e) {
    if (e instanceof AsmError) return e;
    throw e;
  }
  throw new Error(`assembled without error: ${src}`);
}

describe("assembler input", () => {
  it("resolves labels forwards and backwards, across lddw's two slots", () => {
    const insns = assemble(
      [
        "start:",
        "  r1 = 0x1122334455667788 ll",
        "loop: r1 -= 1   ; count down",
        "  if r1 != 0 goto loop  # back",
        "  if w1 s> 3 goto done // forward",
        "  gotol done",
        "  call helper_fn",
        "  r2 = func(helper_fn) ll",
        "done: exit",
        "helper_fn:",
        "  r0 = 0",
        "  exit",
      ].join("\n"),
    );
    // slots: lddw 0-1, loop 2, jne 3, jsgt 4, gotol 5, call 6, lddw 7-8, done 9, helper_fn 10
    expect(insns.map((i) => [i.spec.name, i.off, i.imm])).toEqual([
      ["lddw", 0, 0x55667788],
      ["sub64_imm", 0, 1],
      ["jne64_imm", -2, 0],
      ["jsgt32_imm", 4, 3],
      ["ja32", 0, 3],
      ["call_local", 0, 3],
      ["lddw", 0, 2],
      ["exit", 0, 0],
      ["mov64_imm", 0, 0],
      ["exit", 0, 0],
    ]);
  });

  it("accepts decimal and hex, signed, and unsigned 32-bit values for 32-bit operations", () => {
    const insns = assemble(
      "r1 += 0x10\nr1 += -0x10\nw1 = 0xffffffff\n*(u32 *)(r10 - 4) = 4294967295",
    );
    expect(insns.map((i) => i.imm)).toEqual([16, -16, -1, -1]);
  });

  it("is lenient about whitespace around punctuation", () => {
    const a = encodeProgram(assemble("r0 = *(u32 *)(r1 + 12)\nlock *(u64 *)(r1 - 8) += r2"));
    const b = encodeProgram(assemble("r0=*(u32*)(r1+12)\nlock *( u64 * )( r1-8 )+=r2"));
    expect(b).toEqual(a);
  });

  it("accepts w or r for the value of sub-64-bit loads, stores and 32-bit atomics", () => {
    const w = assemble("w1 = *(u8 *)(r2 + 0)\n*(u32 *)(r1 + 0) = w3\nlock *(u32 *)(r1 + 0) += w2");
    const r = assemble("r1 = *(u8 *)(r2 + 0)\n*(u32 *)(r1 + 0) = r3\nlock *(u32 *)(r1 + 0) += r2");
    expect(encodeProgram(w)).toEqual(encodeProgram(r));
  });

  it("reads llvm-objdump output back (slot numbers, raw bytes, symbol annotations)", () => {
    const dump = [
      "       0:\tbf 16 00 00 00 00 00 00\tr6 = r1",
      "       1:\t15 00 01 00 00 00 00 00\tif r0 == 0x0 goto +0x1 <prog+0x18>",
      "       2:\tb4 00 00 00 01 00 00 00\tw0 = 0x1",
      "       3:\t95 00 00 00 00 00 00 00\texit",
    ].join("\n");
    const bytes = encodeProgram(assemble(dump));
    expect(disassemble(assemble(dump), { hex: true, slots: true, bytes: true }).trimEnd()).toBe(
      dump.replace(" <prog+0x18>", ""),
    );
    expect(bytes.length).toBe(32);
  });
});

describe("assembler errors", () => {
  it.each([
    ["r1 = r2\nfoo r1", 2, 1, /unknown instruction 'foo r1'/],
    ["  r11 = 5", 1, 3, /bad register 'r11': registers are r0-r10/],
    ["r1 = x3", 1, 6, /bad register 'x3'/],
    ["w1 += r2", 1, 7, /32-bit operand: write w2, not r2/],
    ["r1 = *(u32 *)(w2 + 0)", 1, 15, /address register is 64-bit: write r2/],
    ["r1 = -r2", 1, 7, /same register as before \(r1\), found r2/],
    ["r1 += 5000000000", 1, 7, /immediate 5000000000 out of range: expected a signed 32-bit/],
    ["r1 = 0xffffffff", 1, 6, /sign-extend .* ll/],
    ["r1 = *(u8 *)(r2 + 40000)", 1, 17, /offset \+40000 out of range: expected a signed 16-bit/],
    ["goto +40000", 1, 6, /jump offset \+40000 out of range/],
    ["goto nowhere\nexit", 1, 6, /undefined label 'nowhere'/],
    ["a:\na: exit", 2, 1, /duplicate label 'a'/],
    ["r1 = map_thing(3) ll", 1, 6, /unknown lddw pseudo source 'map_thing'/],
    ["r1 = 0x1ffffffffffffffff ll", 1, 6, /constant .* out of range: expected a 64-bit value/],
    ["  .text", 1, 3, /directives are not supported/],
  ])("%j", (src, line, column, message) => {
    const e = asmError(src);
    expect(e.message).toMatch(message);
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.message.startsWith(`t.s:${line}:${column}: `)).toBe(true);
  });

  it("reports a label too far for a 16-bit jump offset", () => {
    const src = ["goto far", ...Array<string>(40000).fill("r0 = 0"), "far: exit"].join("\n");
    expect(asmError(src).message).toMatch(/40000 slots away: too far .* \(use gotol\)/);
  });
});
