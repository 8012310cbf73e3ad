/**
 * Conservative coalescing of virtual-to-virtual copies (coalesce.ts) and its effect on allocation:
 * the tc-portcount shape `q = p; q += off` (p dead after) must end up as `p += off`, while copies
 * whose source stays live and registers copy-related to a pinned physical register are left to
 * biased selection.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { coalesceCopies, copyPairs } from "../../compiler/target/bpf/coalesce.ts";
import { buildInterference, computeLiveness } from "../../compiler/target/bpf/liveness.ts";
import { minst, type MFunc, type MInst } from "../../compiler/target/bpf/mir.ts";
import { allocateRegisters } from "../../compiler/target/bpf/regalloc.ts";
import { checkAllocation } from "../../compiler/target/bpf/regalloc-check.ts";

const span = { file: "t.ts", line: 1, col: 1 };
const func = (insts: MInst[][]): MFunc => ({
  name: "t",
  section: "tc",
  blocks: insts.map((i, id) => ({ id, insts: i })),
  slots: [],
  spillSlots: 0,
  nextVreg: 40,
  span,
});
const graphOf = (f: MFunc) => buildInterference(f, computeLiveness(f));

// v16 = ctx, v17 = packet, v18 = packet end, v19 = offset, v20 = header, v21 = header end.
const portcount = (keepPacket: boolean): MFunc =>
  func([
    [
      minst("mov64_reg", { dst: 16, src: 1 }),
      minst("ldxw", { dst: 17, src: 16, off: 76 }),
      minst("ldxw", { dst: 18, src: 16, off: 80 }),
      minst("ldxb", { dst: 19, src: 17, off: 14 }),
      minst("mov64_reg", { dst: 20, src: 17 }),
      minst("add64_reg", { dst: 20, src: 19 }),
      minst("mov64_reg", { dst: 21, src: 20 }),
      minst("add64_imm", { dst: 21, imm: 4 }),
      minst("jgt64_reg", { dst: 21, src: 18, target: 2 }),
      minst("ja", { target: 1 }),
    ],
    [
      minst("ldxh", { dst: 22, src: keepPacket ? 17 : 20, off: 2 }),
      minst("mov64_reg", { dst: 0, src: 22 }),
      minst("exit"),
    ],
    [minst("mov64_imm", { dst: 0, imm: 0 }), minst("exit")],
  ]);

describe("copy coalescing", () => {
  it("finds the virtual-to-virtual copies, two-address ones first", () => {
    // `v20 = v17; v20 += v19` and `v21 = v20; v21 += 4` qualify; `v16 = r1` does not.
    expect(copyPairs(portcount(false))).toEqual([
      [17, 20],
      [20, 21],
    ]);
    const f = func([
      [
        minst("ldxw", { dst: 17, src: 1, off: 0 }),
        minst("mov64_reg", { dst: 18, src: 17 }),
        minst("ldxw", { dst: 19, src: 18, off: 4 }),
        minst("mov64_reg", { dst: 20, src: 19 }),
        minst("add64_imm", { dst: 20, imm: 1 }),
        minst("mov64_reg", { dst: 0, src: 20 }),
        minst("exit"),
      ],
    ]);
    // The two-address copy comes first although the plain one is earlier in the code.
    expect(copyPairs(f)).toEqual([
      [19, 20],
      [17, 18],
    ]);
  });

  it("merges the pair when the source dies at the copy, and the copy disappears", () => {
    const f = portcount(false);
    const merged = coalesceCopies(graphOf(f), copyPairs(f), new Map());
    expect(merged.rep.get(20) ?? merged.rep.get(17)).toBeDefined();
    const a = allocateRegisters(f);
    expect(checkAllocation(a)).toEqual([]);
    expect(a.assignment.get(17)).toBe(a.assignment.get(20));
    const insts = a.func.blocks.flatMap((b) => b.insts);
    const add = insts.findIndex((i) => i.spec.name === "add64_reg");
    const before = insts[add - 1]!;
    // No `rQ = rP` left in front of `rQ += rOff`.
    expect(before.spec.name === "mov64_reg" && before.dst === insts[add]!.dst).toBe(false);
  });

  it("leaves the pair apart when the source stays live after the copy (they interfere)", () => {
    const f = portcount(true);
    const merged = coalesceCopies(graphOf(f), copyPairs(f), new Map());
    // Only `v21 = v20; v21 += 4` merges (v20 dies there); v17 stays live past `v20 = v17`.
    expect([...merged.rep.entries()].flat().sort()).toEqual([20, 21]);
    const a = allocateRegisters(f);
    expect(checkAllocation(a)).toEqual([]);
    expect(a.assignment.get(17)).not.toBe(a.assignment.get(20));
  });

  it("never merges a register copy-related to a pinned physical register or a spill temporary", () => {
    // v17 comes straight from r0 (a helper result): biased selection handles it, not coalescing.
    const f = func([
      [
        minst("call_helper", { imm: 5, nargs: 0 }),
        minst("mov64_reg", { dst: 17, src: 0 }),
        minst("mov64_imm", { dst: 19, imm: 3 }),
        minst("mov64_reg", { dst: 20, src: 17 }),
        minst("add64_reg", { dst: 20, src: 19 }),
        minst("mov64_reg", { dst: 0, src: 20 }),
        minst("exit"),
      ],
    ]);
    const pairs = copyPairs(f);
    expect(pairs).toEqual([[17, 20]]);
    expect(coalesceCopies(graphOf(f), pairs, new Map()).rep.size).toBe(0);
    const g = portcount(false);
    const temp = new Map([[20, 5]]);
    expect(coalesceCopies(graphOf(g), copyPairs(g), temp).rep.size).toBe(0);
    expect(checkAllocation(allocateRegisters(f))).toEqual([]);
  });

  it("compiles tc-portcount's `ctx.header<Ports>(ETH_HLEN + ihl * 4)` to `rP += rOff`, no copy", async () => {
    const file = "examples/tc-portcount.ts";
    const out = await compileSource(readFileSync(file, "utf8"), file, { mcpu: 3, emit: "asm" });
    const lines = (out.asm ?? "")
      .split("\n")
      .map((l) => l.replace(/^\s*\d+:\s*/, "").trim())
      .filter((l) => /^[rw]\d/.test(l));
    const add = lines.findIndex((l) => /^r\d \+= r\d$/.test(l));
    expect(add).toBeGreaterThan(0);
    const dst = lines[add]!.slice(0, 2);
    expect(lines[add - 1]).not.toMatch(new RegExp(`^${dst} = r\\d$`));
  });
});
