/**
 * Branch shaping on allocated code: chain-merging block order (an `a || b` test falls through both
 * checks), constant moves hoisted out of branch arms (select lowering), and the register allocator
 * leaving a neighbour's copy partner free so an entry copy of r1 disappears.
 */
import { describe, expect, it } from "vitest";
import { hoistEdgeMoves } from "../../compiler/target/bpf/hoist-edge-moves.ts";
import { layoutBranches } from "../../compiler/target/bpf/layout.ts";
import { minst, printMFunc, type MFunc, type MInst } from "../../compiler/target/bpf/mir.ts";
import { orderBlocks } from "../../compiler/target/bpf/order-blocks.ts";
import { allocateRegisters } from "../../compiler/target/bpf/regalloc.ts";

const span = { file: "t.ts", line: 1, col: 1 };
const func = (blocks: { id: number; insts: MInst[] }[], nextVreg = 16): MFunc => ({
  name: "t",
  section: "xdp",
  blocks,
  slots: [],
  spillSlots: 0,
  nextVreg,
  span,
});
const exitBlock = (id: number) => ({
  id,
  insts: [minst("mov64_imm", { dst: 0, imm: 0 }), minst("exit")],
});

describe("block ordering by chain merging", () => {
  it("lets `p != 6 && p != 17` fall through both tests (single-predecessor edge first)", () => {
    const f = func([
      {
        id: 0,
        insts: [minst("jne32_imm", { dst: 1, imm: 6, target: 2 }), minst("ja", { target: 3 })],
      },
      exitBlock(1),
      {
        id: 2,
        insts: [minst("jne32_imm", { dst: 1, imm: 17, target: 1 }), minst("ja", { target: 3 })],
      },
      { id: 3, insts: [minst("mov64_imm", { dst: 2, imm: 7 }), minst("ja", { target: 1 })] },
    ]);
    const ordered = orderBlocks(f);
    expect(ordered.blocks.map((b) => b.id)).toEqual([0, 2, 3, 1]);
    const laid = layoutBranches(ordered, 3).insts;
    expect(laid.filter((i) => i.spec.kind === "ja")).toHaveLength(0);
    expect(laid.length).toBeLessThan(layoutBranches(f, 3).insts.length);
  });

  it("lets a loop's exit test fall through to the exit and moves the latch after it, at no cost", () => {
    const f = func([
      { id: 0, insts: [minst("mov64_imm", { dst: 1, imm: 0 }), minst("ja", { target: 1 })] },
      {
        id: 1,
        insts: [minst("jsge64_imm", { dst: 1, imm: 9, target: 3 }), minst("ja", { target: 2 })],
      },
      { id: 2, insts: [minst("add64_imm", { dst: 1, imm: 1 }), minst("ja", { target: 1 })] },
      exitBlock(3),
    ]);
    // The entry falls into the header (never the latch into the header); the header's exit test
    // falls into the exit, so the kernel verifier walks the exit path first.
    const ordered = orderBlocks(f);
    expect(ordered.blocks.map((b) => b.id)).toEqual([0, 1, 3, 2]);
    expect(layoutBranches(ordered, 3).insts.length).toBe(layoutBranches(f, 3).insts.length);
  });
});

describe("block ordering of if/else joins", () => {
  it("lets the else arm fall into the join and the then arm jump forward to it, as clang does", () => {
    const f = func([
      {
        id: 0,
        insts: [minst("jeq64_imm", { dst: 1, imm: 0, target: 2 }), minst("ja", { target: 1 })],
      },
      { id: 1, insts: [minst("mov64_imm", { dst: 0, imm: 1 }), minst("ja", { target: 3 })] },
      { id: 2, insts: [minst("mov64_imm", { dst: 0, imm: 2 }), minst("ja", { target: 3 })] },
      { id: 3, insts: [minst("exit")] },
    ]);
    // Not `0, 1, 3, 2` with the else arm jumping back: the verifier should reach the join last.
    const ordered = orderBlocks(f);
    expect(ordered.blocks.map((b) => b.id)).toEqual([0, 1, 2, 3]);
    const jumps = layoutBranches(ordered, 3).insts.filter((i) => i.spec.name === "ja");
    expect(jumps.length).toBe(1);
    expect(jumps[0]!.off).toBeGreaterThan(0);
  });
});

describe("hoisting constant moves out of branch arms", () => {
  const select = (armReg: number): MFunc =>
    func([
      {
        id: 0,
        insts: [minst("jeq32_imm", { dst: 6, imm: 6, target: 2 }), minst("ja", { target: 1 })],
      },
      { id: 1, insts: [minst("mov64_imm", { dst: armReg, imm: 0 }), minst("ja", { target: 3 })] },
      { id: 2, insts: [minst("ldxw", { dst: 0, src: 7, off: 0 }), minst("ja", { target: 3 })] },
      { id: 3, insts: [minst("exit")] },
    ]);

  it("moves `r0 = 0` above the branch when the other arm overwrites r0", () => {
    const { func: out, hoisted } = hoistEdgeMoves(select(0));
    expect(hoisted).toBe(1);
    expect(out.blocks.map((b) => b.id)).toEqual([0, 2, 3]);
    const text = printMFunc(out);
    expect(text).toMatch(/r0 = 0\n\s+if w6 == 6 goto \.L2\n\s+goto \.L3/);
    const before = layoutBranches(orderBlocks(select(0)), 3).insts.length;
    const after = layoutBranches(orderBlocks(out), 3).insts.length;
    expect(after).toBeLessThan(before);
  });

  it("leaves the arm alone when the branch reads the register or the other path needs it", () => {
    expect(hoistEdgeMoves(select(6)).hoisted).toBe(0); // the jcond reads r6
    const f = select(0);
    const needsR0: MFunc = {
      ...f,
      blocks: f.blocks.map((b) =>
        b.id === 2 ? { id: 2, insts: [minst("ldxw", { dst: 1, src: 0, off: 0 }), b.insts[1]!] } : b,
      ),
    };
    expect(hoistEdgeMoves(needsR0).hoisted).toBe(0); // block 2 reads r0 before writing it
  });
});

describe("register preferences", () => {
  it("keeps the context in r1 when a load result could take another register", () => {
    // %v0 = r1; %v1 = *(u32 *)(%v0 + 8); *(u32 *)(r10 - 4) = %v1; %v2 = *(u64 *)(%v0 + 16); r0 = %v2
    const v0 = 16;
    const v1 = 17;
    const v2 = 18;
    const f = func(
      [
        {
          id: 0,
          insts: [
            minst("mov64_reg", { dst: v0, src: 1 }),
            minst("ldxw", { dst: v1, src: v0, off: 8 }),
            minst("stxw", { dst: 10, src: v1, off: -4 }),
            minst("ldxdw", { dst: v2, src: v0, off: 16 }),
            minst("mov64_reg", { dst: 0, src: v2 }),
            minst("exit"),
          ],
        },
      ],
      19,
    );
    const out = allocateRegisters(f).func.blocks[0]!.insts;
    expect(out.some((i) => i.spec.name === "mov64_reg" && i.src === 1)).toBe(false);
  });
});
