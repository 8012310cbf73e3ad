/**
 * The codegen benchmark's arithmetic and rendering (bench/codegen/table.ts, stats.ts): sums and
 * geometric means only over rows both compilers measured, n/a footnotes, medians of timings.
 */
import { describe, expect, it } from "vitest";
import { geomean, median, medianMs, sum } from "../../bench/codegen/stats.ts";
import {
  formatTable,
  na,
  summarize,
  summarizePair,
  type CodegenRow,
} from "../../bench/codegen/table.ts";

function row(
  program: string,
  t: number | string,
  c: number | string,
  extra: Partial<CodegenRow> = {},
): CodegenRow {
  const cell = (v: number | string) => (typeof v === "number" ? v : na(v));
  return {
    program,
    tsbpfInsns: cell(t),
    clangInsns: cell(c),
    tsbpfVerified: cell(t),
    clangVerified: cell(c),
    ...extra,
  };
}

describe("stats", () => {
  it("median of odd and even counts, undefined for none", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  it("geomean is exp(mean(ln x)) and rejects zero or negative inputs", () => {
    expect(geomean([2, 8])).toBeCloseTo(4, 12);
    expect(geomean([1, 10, 100])).toBeCloseTo(10, 12);
    expect(geomean([0.5, 2])).toBeCloseTo(1, 12);
    expect(geomean([])).toBeUndefined();
    expect(geomean([2, 0])).toBeUndefined();
    expect(geomean([2, -1])).toBeUndefined();
    expect(sum([1, 2, 3.5])).toBe(6.5);
  });

  it("medianMs warms up once, then times exactly `runs` calls", async () => {
    let calls = 0;
    const ms = await medianMs(() => void calls++, 4);
    expect(calls).toBe(5);
    expect(ms).toBeGreaterThanOrEqual(0);
  });
});

describe("summarize", () => {
  const rows = [
    row("a/p", 20, 10), // ratio 2
    row("b/p", 5, 10), // ratio 0.5
    row("c/p", 30, 15), // ratio 2
    row("d/p", "examples/<tool>.ts is not written yet", 99),
  ];

  it("sums and geomean cover only rows where both sides have numbers", () => {
    const s = summarize(rows);
    expect(s.insns.pairs).toBe(3);
    expect(s.insns.tsbpfSum).toBe(55);
    expect(s.insns.clangSum).toBe(35); // 99 of the unpaired row is excluded
    expect(s.insns.geomeanRatio).toBeCloseTo(Math.cbrt(2 * 0.5 * 2), 12);
    expect(s.verified).toEqual(s.insns);
  });

  it("compile time is summed only over rows that carry it (a tool's first row)", () => {
    const s = summarize([
      row("t/first", 1, 1, { tsbpfCompileMs: 10, clangCompileMs: 40 }),
      row("t/second", 1, 1),
      row("u/first", 1, 1, { tsbpfCompileMs: 30, clangCompileMs: 30 }),
    ]);
    expect(s.compileMs.pairs).toBe(2);
    expect(s.compileMs.tsbpfSum).toBe(40);
    expect(s.compileMs.clangSum).toBe(70);
    expect(s.compileMs.geomeanRatio).toBeCloseTo(Math.sqrt(0.25 * 1), 12);
  });

  it("no pairs: zero sums and no geometric mean", () => {
    const s = summarizePair(
      [row("x/p", "no tsbpf", 4)],
      (r) => r.tsbpfInsns,
      (r) => r.clangInsns,
    );
    expect(s).toEqual({ pairs: 0, tsbpfSum: 0, clangSum: 0, geomeanRatio: undefined });
  });
});

describe("formatTable", () => {
  it("prints per-row ratios, the sum and geomean lines, and de-duplicated n/a footnotes", () => {
    const text = formatTable([
      row("a/p", 20, 10, { tsbpfCompileMs: 5, clangCompileMs: 20 }),
      row("b/p", 5, 10),
      row("c/p", "not built", 7, { tsbpfCompileMs: na("not built"), clangCompileMs: 3 }),
      row("d/p", "not built", "clang failed"),
    ]);
    const lines = text.split("\n");
    const line = (prefix: string) => lines.find((l) => l.startsWith(prefix))!;
    expect(line("a/p")).toMatch(
      /\s20\s+10\s+2\.00x\s+20 \/ 10 \(2\.00x\)\s+5\.0 \/ 20\.0 \(0\.25x\)$/,
    );
    expect(line("b/p")).toMatch(/\s5\s+10\s+0\.50x\s+5 \/ 10 \(0\.50x\)$/);
    expect(line("c/p")).toMatch(/n\/a\[1\]\s+7\s+-\s+n\/a\[1\] \/ 7\s+n\/a\[1\] \/ 3\.0$/);
    expect(line("d/p")).toMatch(/n\/a\[1\]\s+n\/a\[2\]/);
    expect(line("sum (2 paired)")).toMatch(/\s25\s+20\s+1\.25x\s+25 \/ 20 \(2 paired\)/);
    expect(line("geomean of ratios")).toMatch(/1\.000x\s+1\.000x\s+0\.250x$/);
    expect(lines.filter((l) => /^\[\d+\]/.test(l))).toEqual(["[1] not built", "[2] clang failed"]);
  });

  it("aligns every line to the same column widths", () => {
    const text = formatTable([row("a-long-program-name/p", 1, 2), row("b/p", 300, 400)]);
    const [header, rule] = text.split("\n");
    expect(rule!.length).toBe(header!.length);
  });
});
