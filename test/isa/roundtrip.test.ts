/**
 * Table-driven round trip: for every row of INSNS and representative field values (edges included),
 * encode → decode → disassemble → assemble → encode must be the identity, in both number styles, with
 * and without the alu32 register style and with objdump's slot/bytes columns.
 */
import { describe, expect, it } from "vitest";
import {
  INSNS,
  assemble,
  decodeProgram,
  disassemble,
  encodeProgram,
  formatInsn,
  type DisasmOptions,
} from "../../core/isa/index.ts";
import { allInstances, fieldsOf, instancesOf } from "./instances.ts";

const STYLES: readonly [string, DisasmOptions][] = [
  ["decimal", {}],
  ["hex", { hex: true }],
  ["decimal alu32", { alu32: true }],
  ["hex alu32", { hex: true, alu32: true }],
];

describe("round trip per table row", () => {
  it.each(INSNS.map((s) => [s.name, s] as const))("%s", (_name, spec) => {
    for (const insn of instancesOf(spec)) {
      const bytes = encodeProgram([insn]);
      const decoded = decodeProgram(bytes);
      expect(decoded.map(fieldsOf)).toEqual([fieldsOf(insn)]);
      for (const [style, opts] of STYLES) {
        const text = formatInsn(decoded[0]!, opts);
        let back;
        try {
          back = assemble(text);
        } catch (e) {
          throw new Error(`${spec.name} (${style}): cannot assemble '${text}': ${String(e)}`);
        }
        expect(back.map(fieldsOf), `${style}: ${text}`).toEqual([fieldsOf(insn)]);
        expect(encodeProgram(back), `${style}: ${text}`).toEqual(bytes);
      }
    }
  });
});

describe("round trip of a whole program", () => {
  const insns = allInstances();
  const bytes = encodeProgram(insns);

  it("covers every row", () => {
    expect(new Set(insns.map((i) => i.spec.id)).size).toBe(INSNS.length);
  });

  it.each([...STYLES, ["objdump columns", { hex: true, slots: true, bytes: true }] as const])(
    "%s",
    (_style, opts) => {
      const text = disassemble(decodeProgram(bytes), opts);
      expect(text.split("\n").length - 1).toBe(insns.length);
      expect(encodeProgram(assemble(text))).toEqual(bytes);
    },
  );
});

describe("printed forms", () => {
  const p = (src: string, opts: DisasmOptions = {}) => disassemble(assemble(src), opts).trimEnd();

  it("prints llvm-objdump-19 hex style", () => {
    const src = [
      "r0 = *(u32 *)(r1 + 12)",
      "if r1 > r2 goto +33",
      "r2 += -4",
      "call 1",
      "r1 = 0 ll",
      "lock *(u32 *)(r1 + 0) += w2",
      "w0 = cmpxchg32_32(r1 + 8, w0, w3)",
      "r1 = bswap16 r1",
      "w4 = (s16)w1",
      "r1 = *(s8 *)(r6 + 1)",
      "gotol -2",
      "callx r1",
      "r1 = -1 ll",
    ].join("\n");
    expect(p(src, { hex: true }).split("\n")).toEqual([
      "r0 = *(u32 *)(r1 + 0xc)",
      "if r1 > r2 goto +0x21",
      "r2 += -0x4",
      "call 0x1",
      "r1 = 0x0 ll",
      "lock *(u32 *)(r1 + 0x0) += w2",
      "w0 = cmpxchg32_32(r1 + 0x8, w0, w3)",
      "r1 = bswap16 r1",
      "w4 = (s16)w1",
      "r1 = *(s8 *)(r6 + 0x1)",
      "gotol -0x2",
      "callx r1",
      "r1 = -0x1 ll",
    ]);
  });

  it("prints the alu32 register style only for sub-64-bit loads and stores", () => {
    const src =
      "r1 = *(u32 *)(r2 - 4)\n*(u16 *)(r10 - 2) = r3\nr1 = *(u64 *)(r2 + 0)\nr1 = *(s8 *)(r2 + 0)";
    expect(p(src, { alu32: true }).split("\n")).toEqual([
      "w1 = *(u32 *)(r2 - 4)",
      "*(u16 *)(r10 - 2) = w3",
      "r1 = *(u64 *)(r2 + 0)",
      "r1 = *(s8 *)(r2 + 0)",
    ]);
  });

  it("prints lddw pseudo sources distinctly", () => {
    const src = [
      "r1 = map_fd(3) ll",
      "r1 = map_value(3)+16 ll",
      "r1 = btf_id(7) ll",
      "r1 = func(+5) ll",
      "r2 = map_idx(0) ll",
      "r2 = map_idx_value(1) + 0x8 ll",
    ].join("\n");
    const insns = assemble(src);
    expect(insns.map((i) => [i.src, i.imm, i.imm2])).toEqual([
      [1, 3, 0],
      [2, 3, 16],
      [3, 7, 0],
      [4, 5, 0],
      [5, 0, 0],
      [6, 1, 8],
    ]);
    expect(disassemble(insns, { hex: true }).trimEnd().split("\n")).toEqual([
      "r1 = map_fd(0x3) ll",
      "r1 = map_value(0x3)+0x10 ll",
      "r1 = btf_id(0x7) ll",
      "r1 = func(+0x5) ll",
      "r2 = map_idx(0x0) ll",
      "r2 = map_idx_value(0x1)+0x8 ll",
    ]);
  });

  it("tells local calls from helper calls", () => {
    const insns = assemble("call 5\ncall pc-1\ncall kfunc 77");
    expect(insns.map((i) => [i.spec.op, i.src, i.imm])).toEqual([
      ["call_helper", 0, 5],
      ["call_local", 1, -1],
      ["call_kfunc", 2, 77],
    ]);
    expect(p("call pc+3\nexit\nexit\nexit\nexit")).toMatch(/^call pc\+3\n/);
  });

  it("prints slot numbers and raw bytes like objdump", () => {
    expect(
      p("r6 = r1\nr1 = 0x1122334455667788 ll\nexit", { hex: true, slots: true, bytes: true }),
    ).toBe(
      [
        "       0:\tbf 16 00 00 00 00 00 00\tr6 = r1",
        "       1:\t18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11\tr1 = 0x1122334455667788 ll",
        "       3:\t95 00 00 00 00 00 00 00\texit",
      ].join("\n"),
    );
  });
});
