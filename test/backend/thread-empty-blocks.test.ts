/**
 * Jump threading through `ja`-only blocks after register allocation
 * (compiler/target/bpf/thread-empty-blocks.ts): jumps into an empty block (or a chain of them) go to
 * its final target, the blocks disappear, the code computes the same as a JavaScript reference on
 * both VM engines and is no longer; the entry and a cycle of empty blocks stay.
 */
import { describe, expect, it } from "vitest";
import { makeInsn } from "../../core/isa/index.ts";
import { layoutBranches } from "../../compiler/target/bpf/layout.ts";
import { minst, type MFunc } from "../../compiler/target/bpf/mir.ts";
import { threadEmptyBlocks } from "../../compiler/target/bpf/thread-empty-blocks.ts";
import { runBoth } from "../vm-engine/support.ts";

const span = { file: "t.ts", line: 1, col: 1 };

/**
 * x in r1: x > 60 → 7 (through empty blocks 1 and 4); x == 5 → 9 (through empty block 5);
 * else x * 3.
 */
function program(): MFunc {
  return {
    name: "t",
    section: "xdp",
    blocks: [
      {
        id: 0,
        insts: [minst("jgt64_imm", { dst: 1, imm: 60, target: 1 }), minst("ja", { target: 2 })],
      },
      { id: 1, insts: [minst("ja", { target: 4 })] },
      {
        id: 2,
        insts: [minst("jeq64_imm", { dst: 1, imm: 5, target: 5 }), minst("ja", { target: 6 })],
      },
      {
        id: 6,
        insts: [
          minst("mov64_reg", { dst: 0, src: 1 }),
          minst("mul64_imm", { dst: 0, imm: 3 }),
          minst("exit"),
        ],
      },
      { id: 4, insts: [minst("ja", { target: 3 })] },
      { id: 5, insts: [minst("ja", { target: 7 })] },
      { id: 3, insts: [minst("mov64_imm", { dst: 0, imm: 7 }), minst("exit")] },
      { id: 7, insts: [minst("mov64_imm", { dst: 0, imm: 9 }), minst("exit")] },
    ],
    slots: [],
    spillSlots: 0,
    nextVreg: 16,
    span,
    leaveFirst: [{ from: 0, to: 1 }],
  };
}

const encode = (f: MFunc) =>
  layoutBranches(f, 3).insts.map((i) =>
    makeInsn(i.spec, { dst: i.dst, src: i.src, off: i.off, imm: i.imm, imm2: i.imm2 }),
  );

describe("threading jumps through empty blocks", () => {
  it("removes the empty blocks and keeps every input's result", () => {
    const before = program();
    const after = threadEmptyBlocks(before);
    expect(after.blocks.map((b) => b.id)).toEqual([0, 2, 6, 3, 7]);
    expect(after.blocks[0]!.insts[0]!.target).toBe(3);
    expect(after.blocks[1]!.insts[0]!.target).toBe(7);
    // The ordering hint names the block the bypassed one jumped to.
    expect(after.leaveFirst).toEqual([{ from: 0, to: 3 }]);
    expect(encode(after).length).toBeLessThanOrEqual(encode(before).length);
    for (const x of [0n, 4n, 5n, 6n, 60n, 61n, 1000n]) {
      const want = x > 60n ? 7n : x === 5n ? 9n : x * 3n;
      for (const code of [encode(before), encode(after)])
        expect(runBoth(code, new Map(), { args: [x] }), `x=${x}`).toMatchObject({ r0: want });
    }
  });

  it("keeps the entry, and a cycle of empty blocks, as they are", () => {
    const f: MFunc = {
      ...program(),
      blocks: [
        { id: 0, insts: [minst("ja", { target: 1 })] },
        { id: 1, insts: [minst("ja", { target: 2 })] },
        { id: 2, insts: [minst("ja", { target: 1 })] },
      ],
      leaveFirst: undefined,
    };
    expect(threadEmptyBlocks(f)).toBe(f);
  });
});
