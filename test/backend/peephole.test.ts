/**
 * The peephole table on allocated BPF code and the block ordering: each pattern fires on its window
 * and only when its condition holds; reordering puts shared exits last.
 */
import { describe, expect, it } from "vitest";
import { minst, printMFunc, type MFunc, type MInst } from "../../compiler/target/bpf/mir.ts";
import { orderBlocks } from "../../compiler/target/bpf/order-blocks.ts";
import { runPeepholes } from "../../compiler/target/bpf/peephole.ts";
import { layoutBranches } from "../../compiler/target/bpf/layout.ts";

const span = { file: "t.ts", line: 1, col: 1 };
const func = (blocks: { id: number; insts: MInst[] }[]): MFunc => ({
  name: "t",
  section: "xdp",
  blocks,
  slots: [],
  spillSlots: 1,
  nextVreg: 16,
  span,
});
const body = (f: MFunc) =>
  printMFunc(f)
    .split("\n")
    .slice(2)
    .filter(Boolean)
    .map((l) => l.trim());

describe("peepholes", () => {
  it("drops zero-extensions of registers already zero-extended, and only those", () => {
    const f = func([
      {
        id: 0,
        insts: [
          minst("ldxw", { dst: 1, src: 1, off: 0 }),
          minst("mov32_reg", { dst: 1, src: 1 }),
          minst("lsh64_imm", { dst: 1, imm: 32 }),
          minst("rsh64_imm", { dst: 1, imm: 32 }),
          minst("ldxdw", { dst: 2, src: 1, off: 0 }),
          minst("mov32_reg", { dst: 2, src: 2 }),
          minst("call_helper", { imm: 5, nargs: 0 }),
          minst("mov32_reg", { dst: 1, src: 1 }),
          minst("exit"),
        ],
      },
    ]);
    const r = runPeepholes(f);
    expect(r.rewrites).toBe(2);
    expect(body(r.func)).toEqual([
      "r1 = *(u32 *)(r1 + 0)",
      "r2 = *(u64 *)(r1 + 0)",
      "w2 = w2",
      "call 5",
      "w1 = w1",
      "exit",
    ]);
  });

  it("removes copy-backs, self moves and reloads of a just-spilled register", () => {
    const spill = { kind: "spill" as const, index: 0, field: "off" as const };
    const f = func([
      {
        id: 0,
        insts: [
          minst("mov64_reg", { dst: 3, src: 4 }),
          minst("mov64_reg", { dst: 4, src: 3 }),
          minst("mov64_reg", { dst: 5, src: 5 }),
          minst("stxdw", { dst: 10, src: 3, off: -8, frame: spill }),
          minst("ldxdw", { dst: 6, src: 10, off: -8, frame: spill }),
          minst("exit"),
        ],
      },
    ]);
    expect(body(runPeepholes(f).func)).toEqual([
      "r3 = r4",
      "*(u64 *)(r10 - 8) = r3  ; spill 0",
      "r6 = r3",
      "exit",
    ]);
  });
});

describe("reuse-stack-address", () => {
  const slot = (index: number) => ({ kind: "slot" as const, index, field: "imm" as const });
  const addr = (dst: number, imm: number, index: number) => [
    minst("mov64_reg", { dst, src: 10 }),
    minst("add64_imm", { dst, imm, frame: slot(index) }),
  ];
  it("copies a register that holds the same stack address, not one that changed or differs", () => {
    const f = func([
      {
        id: 0,
        insts: [
          ...addr(2, 0, 0),
          ...addr(3, 0, 0), // same slot and offset as r2: r3 = r2
          ...addr(4, 4, 0), // another offset: kept
          ...addr(5, 0, 1), // another slot: kept
          minst("add64_imm", { dst: 2, imm: 1 }),
          ...addr(1, 0, 0), // r2 changed (and r3 is a copy now): recomputed
          minst("call_helper", { imm: 2, nargs: 4 }),
          ...addr(2, 0, 0), // the call clobbered r1-r5: recomputed
          minst("exit"),
        ],
      },
    ]);
    expect(body(runPeepholes(f).func)).toEqual([
      "r2 = r10",
      "r2 += 0  ; slot 0",
      "r3 = r2",
      "r4 = r10",
      "r4 += 4  ; slot 0",
      "r5 = r10",
      "r5 += 0  ; slot 1",
      "r2 += 1",
      "r1 = r10",
      "r1 += 0  ; slot 0",
      "call 2",
      "r2 = r10",
      "r2 += 0  ; slot 0",
      "exit",
    ]);
  });
});

describe("block ordering", () => {
  it("moves a shared exit block last so the checks jump forward and the tail falls through", () => {
    const exitBlock = { id: 1, insts: [minst("mov64_imm", { dst: 0, imm: 2 }), minst("exit")] };
    const f = func([
      {
        id: 0,
        insts: [minst("jeq64_imm", { dst: 1, imm: 0, target: 1 }), minst("ja", { target: 2 })],
      },
      exitBlock,
      {
        id: 2,
        insts: [minst("jeq64_imm", { dst: 2, imm: 0, target: 1 }), minst("ja", { target: 3 })],
      },
      { id: 3, insts: [minst("mov64_imm", { dst: 1, imm: 7 }), minst("ja", { target: 1 })] },
    ]);
    const ordered = orderBlocks(f);
    expect(ordered.blocks.map((b) => b.id)).toEqual([0, 2, 3, 1]);
    const before = layoutBranches(f, 3).insts.length;
    const after = layoutBranches(ordered, 3).insts.length;
    expect(after).toBeLessThan(before);
  });
});
