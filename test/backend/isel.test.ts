/**
 * Instruction selection through the whole back end (IR text → asm listing), asserting the
 * verifier-friendly shapes the selector promises, the -mcpu variants, and back-end diagnostics.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import type { Mcpu } from "../../compiler/target/bpf/index.ts";
import { layoutFrame } from "../../compiler/target/bpf/frame.ts";
import { minst } from "../../compiler/target/bpf/mir.ts";

const here = new URL("./cases/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, here), "utf8");

function asm(text: string, mcpu: Mcpu = 3): string {
  const out = compileModule(parseModule(text), new Map(), { emit: "asm", mcpu, check: true });
  expect(out.diagnostics).toEqual([]);
  return out.asm!;
}

/** Instruction text only (no slot numbers or comments). */
const insns = (listing: string) =>
  listing
    .split("\n")
    .filter((l) => /^\s+\d+: /.test(l))
    .map((l) => l.replace(/^\s+\d+: /, "").replace(/\s+;.*$/, ""));

describe("instruction selection", () => {
  it("null-checks a map lookup directly on the helper result and folds the stack key", () => {
    const list = insns(asm(read("count-opens.ir")));
    const call = list.indexOf("call 1");
    expect(call).toBeGreaterThan(0);
    expect(list[call + 1]).toMatch(/^if r0 (==|!=) 0 goto/);
    expect(list).toContain("r2 = r10");
    expect(list.some((l) => /^\*\(u32 \*\)\(r10 - \d+\) = w\d$/.test(l))).toBe(true);
    expect(list.some((l) => /^\*\(u64 \*\)\(r10 - \d+\) = 1$/.test(l))).toBe(true); // st imm
    expect(list).toContain("lock *(u64 *)(r0 + 0) += r1");
  });

  it("emits the packet bounds check in the exact shape the verifier tracks", () => {
    const list = insns(asm(read("packet.ir")));
    const i = list.findIndex(
      (l) => /^r\d = r\d$/.test(l) && list[list.indexOf(l) + 1]?.endsWith("+= 14"),
    );
    expect(i).toBeGreaterThanOrEqual(0);
    const [mov, add, cmp] = list.slice(i, i + 3);
    const y = mov!.split(" ")[0];
    expect(add).toBe(`${y} += 14`);
    // Layout may invert the jump for fall-through; the verifier tracks both `>` and `<=`.
    expect(cmp).toMatch(new RegExp(`^if ${y} (>|<=) r\\d goto`));
    // The load after the check uses the folded offset.
    expect(list.some((l) => /^w\d = \*\(u16 \*\)\(r\d \+ 12\)$/.test(l))).toBe(true);
  });

  it("uses JMP32 with imm for i32 compares at v3 and 64-bit compares at v1", () => {
    const v3 = insns(asm(read("packet.ir"), 3));
    expect(v3.some((l) => /^if w\d (==|!=) 8 goto/.test(l))).toBe(true);
    const v1 = insns(asm(read("packet.ir"), 1));
    expect(v1.some((l) => /^if r\d (==|!=) 8 goto/.test(l))).toBe(true);
    expect(v1.some((l) => l.startsWith("if w"))).toBe(false);
  });

  it("reports a frame over 512 bytes (slots plus spills) as a diagnostic", () => {
    // One store into each slot, so every slot is referenced (unreferenced slots take no space).
    const touching = (n: number) => [
      {
        id: 0,
        insts: Array.from({ length: n }, (_, index) =>
          minst("stdw", { dst: 10, frame: { kind: "slot", index, field: "off" } }),
        ),
      },
    ];
    const f = {
      name: "big",
      section: "xdp",
      blocks: touching(1),
      slots: [{ size: 500, align: 8 as const }],
      spillSlots: 2,
      nextVreg: 16,
      span: { file: "big.ts", line: 3, col: 1 },
    };
    const { layout, diagnostics } = layoutFrame(f);
    expect(layout.size).toBe(520);
    expect(diagnostics.map((d) => [d.code, d.args.bytes])).toEqual([["TSB3004", 520]]);
    const ok = layoutFrame({
      ...f,
      blocks: touching(2),
      slots: [
        { size: 4, align: 4 },
        { size: 16, align: 8 },
      ],
      spillSlots: 1,
    });
    expect(ok.diagnostics).toEqual([]);
    expect(ok.layout.slotOffsets).toEqual([-20, -16]);
    expect(ok.layout.spillOffsets).toEqual([-32]);
    // A slot nothing refers to (merged away by the passes) is not laid out.
    const skip = layoutFrame({
      ...f,
      blocks: touching(1),
      slots: [...ok.layout.slotOffsets.map(() => ({ size: 16, align: 8 as const }))],
      spillSlots: 0,
    });
    expect(skip.layout.size).toBe(16);
  });

  it("reports signed division below v4 and accepts it at v4", () => {
    const text = `module "d.ts"
license "GPL"

func @d(ptr) -> i64 section "xdp" {
b0(v0:ptr):
  v1:i64 = load.8 v0, 0
  v2:i64 = const -3
  v3:i64 = sdiv v1, v2
  ret v3
}
`;
    const bad = compileModule(parseModule(text), new Map(), { emit: "asm", mcpu: 3 });
    expect(bad.diagnostics.map((d) => d.code)).toEqual(["TSB4002"]);
    expect(insns(asm(text, 4))).toContain("r0 s/= -3");
  });

  it("spills when more values than registers are live across calls, and still checks", () => {
    const n = 8;
    const lines = [
      `module "s.ts"`,
      `license "GPL"`,
      "",
      `func @s(ptr) -> i64 section "xdp" {`,
      "b0(v0:ptr):",
    ];
    for (let k = 1; k <= n; k++) lines.push(`  v${k}:i64 = load.8 v0, ${k * 8}`);
    lines.push(`  v${n + 1}:i64 = callhelper ktime_get_ns#5()`);
    let acc = n + 1;
    for (let k = 1; k <= n; k++) {
      lines.push(`  v${acc + 1}:i64 = add v${acc}, v${k}`);
      acc++;
    }
    lines.push(`  ret v${acc}`, "}", "");
    const out = compileModule(parseModule(lines.join("\n")), new Map(), {
      emit: "asm",
      check: true,
    });
    expect(out.diagnostics).toEqual([]);
    expect(out.stats[0]!.spilled).toBeGreaterThan(0);
    expect(out.asm).toMatch(/\*\(u64 \*\)\(r10 - \d+\) = r\d/);
  });
});
