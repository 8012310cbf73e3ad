/**
 * Loop rotation (compiler/target/bpf/rotate-loops.ts): a test-only loop header is copied into its
 * latch and the entry's way in is decided statically. The rotated code computes the same as a
 * JavaScript reference on both VM engines, and is shorter.
 */
import { describe, expect, it } from "vitest";
import { makeInsn } from "../../core/isa/index.ts";
import { layoutBranches } from "../../compiler/target/bpf/layout.ts";
import { minst, type MFunc } from "../../compiler/target/bpf/mir.ts";
import { rotateLoops } from "../../compiler/target/bpf/rotate-loops.ts";
import { runBoth } from "../vm-engine/support.ts";

const span = { file: "t.ts", line: 1, col: 1 };

/** r0 = sum of i for i in 0..n-1, stopping early when i == r1 (the input). */
function loop(n: number): MFunc {
  return {
    name: "t",
    section: "xdp",
    blocks: [
      {
        id: 0,
        insts: [
          minst("mov64_imm", { dst: 0, imm: 0 }),
          minst("mov64_imm", { dst: 2, imm: 0 }),
          minst("ja", { target: 1 }),
        ],
      },
      {
        id: 1,
        insts: [minst("jsge64_imm", { dst: 2, imm: n, target: 3 }), minst("ja", { target: 2 })],
      },
      {
        id: 2,
        insts: [minst("jeq64_reg", { dst: 2, src: 1, target: 3 }), minst("ja", { target: 4 })],
      },
      {
        id: 4,
        insts: [
          minst("add64_reg", { dst: 0, src: 2 }),
          minst("add64_imm", { dst: 2, imm: 1 }),
          minst("ja", { target: 1 }),
        ],
      },
      { id: 3, insts: [minst("exit")] },
    ],
    slots: [],
    spillSlots: 0,
    nextVreg: 16,
    span,
  };
}

const encode = (f: MFunc) =>
  layoutBranches(f, 3).insts.map((i) =>
    makeInsn(i.spec, { dst: i.dst, src: i.src, off: i.off, imm: i.imm, imm2: i.imm2 }),
  );

describe("loop rotation", () => {
  it("drops the header, keeps the result of every input, and shortens the code", () => {
    for (const n of [0, 1, 5]) {
      const before = loop(n);
      const after = rotateLoops(before);
      expect(after.blocks.map((b) => b.id)).not.toContain(1);
      expect(encode(after).length).toBeLessThanOrEqual(encode(before).length);
      for (const x of [0n, 2n, 3n, 9n]) {
        let want = 0n;
        for (let i = 0n; i < BigInt(n) && i !== x; i++) want += i;
        for (const program of [encode(before), encode(after)])
          expect(runBoth(program, new Map(), { args: [x] }), `n=${n} x=${x}`).toMatchObject({
            r0: want,
          });
      }
    }
  });

  it("leaves a header alone when the entry's way in is not known", () => {
    const f = loop(5);
    const unknown = {
      ...f.blocks[0]!,
      insts: [
        minst("mov64_imm", { dst: 0, imm: 0 }),
        minst("mov64_reg", { dst: 2, src: 1 }),
        minst("ja", { target: 1 }),
      ],
    };
    const g = { ...f, blocks: [unknown, ...f.blocks.slice(1)] };
    expect(rotateLoops(g)).toBe(g);
  });
});
