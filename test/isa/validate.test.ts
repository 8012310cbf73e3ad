/**
 * The static validator (core/isa/validate.ts): each check is triggered by a minimal program, and a
 * well-formed program passes clean.
 */
import { describe, expect, it } from "vitest";
import {
  assemble,
  decodeProgram,
  encodeProgram,
  insnSpec,
  makeInsn,
  validateProgram,
  type Insn,
  type McpuVersion,
} from "../../core/isa/index.ts";

const problems = (insns: readonly Insn[], mcpu?: McpuVersion) =>
  validateProgram(insns, mcpu === undefined ? {} : { mcpu }).map(
    (p) => `${p.index}@${p.slot}: ${p.message}`,
  );

describe("validateProgram", () => {
  it("accepts a well-formed program", () => {
    const src = [
      "r1 = map_fd(4) ll",
      "*(u64 *)(r10 - 8) = r1",
      "lock *(u64 *)(r10 - 8) += r1",
      "if r1 == 0 goto out",
      "call pc+3",
      "r1 = func(+2) ll", // both name the function at slot 9, after main's exit
      "out: exit",
      "r0 = 0",
      "exit",
    ].join("\n");
    expect(problems(assemble(src), "v3")).toEqual([]);
  });

  it("reports an empty program", () => {
    expect(problems([])).toEqual(["0@0: program is empty"]);
  });

  it("reports writes to r10 but allows stores through it", () => {
    expect(
      problems(assemble("r10 = 1\n*(u32 *)(r10 - 4) = 1\nr10 = *(u64 *)(r1 + 0)\nexit")),
    ).toEqual([
      "0@0: r10 is the read-only frame pointer and cannot be written",
      "2@2: r10 is the read-only frame pointer and cannot be written",
    ]);
    expect(problems(assemble("r10 = atomic_fetch_add((u64 *)(r1 + 0), r10)\nexit"))).toEqual([
      "0@0: atomic fetch would write r10",
    ]);
  });

  it("reports register numbers above 10 (only reachable from raw bytes)", () => {
    const bytes = encodeProgram(assemble("r1 = r2\nexit"));
    bytes[1] = 0xc1; // src = 12
    expect(problems(decodeProgram(bytes))).toEqual(["0@0: bad register r12"]);
  });

  it("reports non-zero fields the row does not use", () => {
    const insns = [
      makeInsn(insnSpec("add64_imm"), { dst: 1, imm: 1, src: 3 }),
      makeInsn(insnSpec("exit"), { off: 2 }),
    ];
    expect(problems(insns)).toEqual([
      "0@0: unused src field is 3, must be 0",
      "1@1: unused offset field is 2, must be 0",
    ]);
  });

  it("reports targets outside the program or inside an lddw", () => {
    const src = "goto +1\nr1 = 5 ll\ngoto -5\ncall pc+7\nr2 = func(+0) ll\nexit";
    // slots: ja 0, lddw 1-2, ja 3, call 4, lddw 5-6, exit 7
    expect(problems(assemble(src))).toEqual([
      "0@0: target slot 2 is the second half of an lddw",
      "2@3: target slot -1 is outside the program (0..7)",
      "3@4: target slot 12 is outside the program (0..7)",
      "4@5: target slot 6 is the second half of an lddw",
    ]);
  });

  it("reports unknown lddw pseudo sources", () => {
    expect(problems(assemble("r1 = pseudo9(3) ll\nexit"))).toEqual([
      "0@0: unknown lddw pseudo source 9",
    ]);
  });

  it("reports instructions above the -mcpu version", () => {
    const src =
      "w1 = (s8)w2\nif w1 > 3 goto +0\nif r1 < r2 goto +0\nlock *(u64 *)(r1 + 0) += r2\nexit";
    expect(problems(assemble(src), "v1")).toEqual([
      "0@0: movsx32_8 needs -mcpu=v4 (target is v1)",
      "1@1: jgt32_imm needs -mcpu=v3 (target is v1)",
      "2@2: jlt64_reg needs -mcpu=v2 (target is v1)",
    ]);
    expect(problems(assemble(src), 4)).toEqual([]);
  });

  it("reports shifts out of range and division by constant zero", () => {
    expect(problems(assemble("w1 <<= 32\nr1 s>>= 63\nr1 /= 0\nw1 s%= 0\nexit"))).toEqual([
      "0@0: shift by 32 is out of range for a 32-bit operation",
      "2@2: division by the constant zero",
      "3@3: division by the constant zero",
    ]);
  });

  it("reports a program that can fall off its end", () => {
    expect(problems(assemble("r0 = 0"))).toEqual([
      "0@0: program must end with exit or an unconditional jump, not mov64_imm",
    ]);
    expect(problems(assemble("l: r0 = 0\ngoto l"))).toEqual([]);
  });
});
