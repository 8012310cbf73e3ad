/**
 * The peephole table on allocated BPF code and the block ordering: each pattern fires on its window
 * and only when its condition holds; reordering puts shared exits last. The mask dropped before a
 * byte swap is also checked by running compiled IR in the VM against a BigInt reference.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
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

describe("mask-before-byte-swap", () => {
  it("drops a mask keeping every bit the swap reads, and only such a mask on the swapped register", () => {
    const f = func([
      {
        id: 0,
        insts: [
          minst("and32_imm", { dst: 1, imm: 0xffff }),
          minst("be16", { dst: 1 }),
          minst("and64_imm", { dst: 2, imm: -1 }),
          minst("le32", { dst: 2 }),
          minst("and32_imm", { dst: 3, imm: 0x1ffff }),
          minst("bswap16", { dst: 3 }),
          minst("and32_imm", { dst: 4, imm: 0xff }), // clears bits the swap reads: kept
          minst("be16", { dst: 4 }),
          minst("and32_imm", { dst: 5, imm: 0xffff }), // another register: kept
          minst("be16", { dst: 1 }),
          minst("and32_imm", { dst: 5, imm: 0xffff }), // a 64-bit swap reads every bit: kept
          minst("be64", { dst: 5 }),
          minst("exit"),
        ],
      },
    ]);
    const r = runPeepholes(f);
    expect(r.rewrites).toBe(3);
    expect(body(r.func)).toEqual([
      "r1 = be16 r1",
      "r2 = le32 r2",
      "r3 = bswap16 r3",
      "w4 &= 255",
      "r4 = be16 r4",
      "w5 &= 65535",
      "r1 = be16 r1",
      "w5 &= 65535",
      "r5 = be64 r5",
      "exit",
    ]);
  });

  // ntohs(x & mask) with the swap written as shifts (isel selects one be16), for three masks.
  const MASKS = [0xffffn, 0x1ffffn, 0xff0fn];
  const ntohs = (k: number, m: bigint) => `  v${10 * k + 11}:i32 = const ${m}
  v${10 * k + 12}:i32 = and v1, v${10 * k + 11}
  v${10 * k + 13}:i32 = and v${10 * k + 12}, v3
  v${10 * k + 14}:i32 = shl v${10 * k + 13}, v4
  v${10 * k + 15}:i32 = lshr v${10 * k + 12}, v4
  v${10 * k + 16}:i32 = and v${10 * k + 15}, v3
  v${10 * k + 17}:i32 = or v${10 * k + 14}, v${10 * k + 16}
  v${10 * k + 18}:i64 = zext v${10 * k + 17}
  store.8 v0, ${8 + 8 * k}, v${10 * k + 18}`;
  const text = `
module "t.ts"
license "GPL"
func @f(ptr) -> i64 section "tracepoint/x" {
b0(v0:ptr):
  v1:i32 = load.4 v0, 0
  v3:i32 = const 255
  v4:i32 = const 8
${MASKS.map((m, k) => ntohs(k, m)).join("\n")}
  v99:i64 = const 0
  ret v99
}
`;
  const swap16 = (x: bigint) => ((x & 0xffn) << 8n) | ((x >> 8n) & 0xffn);

  it("keeps ntohs(x & mask) right in the VM, with only the mask that clears swapped bits left", () => {
    const out = compileModule(parseModule(text), new Map(), { emit: "asm", mcpu: 3, check: true });
    expect(out.diagnostics).toEqual([]);
    const masks = out.asm!.split("\n").filter((l) => /&=/.test(l));
    expect(masks).toHaveLength(1);
    expect(masks[0]!.replace(/^\s+\d+: /, "").trim()).toMatch(/^w\d &= 65295$/);
    const vm = VmObject.load(compileModule(parseModule(text), new Map(), { mcpu: 3 }).object!);
    for (const x of [0n, 0x1234n, 0xdeadbeefn, 0xffffffffn, 0x0001ff00n, 0x80008001n]) {
      const ctx = new Uint8Array(8 + 8 * MASKS.length);
      new DataView(ctx.buffer).setUint32(0, Number(x), true);
      const r = vm.program("f").run({ ctx });
      const view = new DataView(r.ctx!.buffer, r.ctx!.byteOffset, r.ctx!.byteLength);
      const got = MASKS.map((_, k) => view.getBigUint64(8 + 8 * k, true));
      expect(got, x.toString(16)).toEqual(MASKS.map((m) => swap16(x & m)));
    }
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
