/**
 * The comparison itself must catch differences, or the differential tests could pass vacuously:
 * synthetic outcomes that differ in one place each.
 */
import { describe, expect, it } from "vitest";
import { DIFF_LAYOUT } from "../support/gen/program-gen.ts";
import { generateProgram } from "../support/gen/program-gen.ts";
import { compareOutcomes, formatDisagreement, type Outcome } from "./outcome.ts";

function outcome(side: string, patch: Partial<Outcome> = {}): Outcome {
  return {
    side,
    r0: 0x1_2345_6789n,
    r0Bits: 64,
    packet: new Uint8Array(64).fill(7),
    mapValue: new Uint8Array(DIFF_LAYOUT.valueSize).fill(3),
    ...patch,
  };
}

describe("compareOutcomes", () => {
  it("finds no difference between equal outcomes", () => {
    expect(compareOutcomes(outcome("a"), outcome("b"))).toEqual([]);
  });

  it("compares r0 on the narrower width (the kernel's retval is 32 bits)", () => {
    const kernel = outcome("kernel", { r0: 0x2345_6789n, r0Bits: 32 });
    expect(compareOutcomes(kernel, outcome("vm"))).toEqual([]);
    expect(compareOutcomes(outcome("a"), outcome("b", { r0: 0x2345_6789n }))).toEqual([
      "r0 (low 64 bits): a 0x123456789 / b 0x23456789",
    ]);
  });

  it("names dumped registers, stack slots and packet bytes", () => {
    const value = new Uint8Array(DIFF_LAYOUT.valueSize).fill(3);
    value[DIFF_LAYOUT.regDumpOffset + 8 * 7] = 9; // r9, the last scalar register
    value[DIFF_LAYOUT.stackDumpOffset] = 9; // stack[-64]
    value[5] = 9; // map value[0]
    const packet = new Uint8Array(64).fill(7);
    packet[63] = 0;
    const diff = compareOutcomes(outcome("k"), outcome("v", { mapValue: value, packet }));
    expect(diff).toEqual([
      "map value[0]: k 0x303030303030303 / v 0x303090303030303",
      "r9: k 0x303030303030303 / v 0x303030303030309",
      "stack[-64]: k 0x303030303030303 / v 0x303030303030309",
      "packet[63]: k 0x7 / v 0x0",
    ]);
  });

  it("reports an error on one side only", () => {
    expect(compareOutcomes(outcome("k"), outcome("v", { error: "VmError: boom" }))).toEqual([
      "error: k none / v VmError: boom",
    ]);
  });

  it("formats a report with the seed, the differences and the disassembly", () => {
    const p = generateProgram(42);
    const text = formatDisagreement(p, outcome("kernel"), outcome("jit"), ["r1: x / y"]);
    expect(text).toMatch(/^seed 42: kernel and jit disagree\n  - r1: x \/ y\n/);
    expect(text).toMatch(/r1 = map_fd\(0\) ll/);
    expect(text).toMatch(/exit$/);
  });
});
