/**
 * Copy coalescing in register allocation (compiler/target/bpf/coalesce.ts) on a whole program: a
 * field cut from a word whose last use it is (`a & 0x7f`) and a `log2` loop over a difference that
 * dies there run in place, with no `rD = rS` copy in front, and the fixture's results on both VM
 * engines and on the kernel (BPF_PROG_TEST_RUN) equal a JS reference for a set of words.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { packetOfWords } from "./asm-lines.ts";
import { loadProbe } from "../../testing/index.ts";
import { ENGINES_AND_KERNEL } from "../examples/support.ts";

type Fixture = typeof import("./fixtures/copy-coalescing.ts");
const FIXTURE = "test/backend/fixtures/copy-coalescing.ts";

/** The reference of `log2(v, max)`: floor(log2(v)) at most max, 0 for 0 and 1. */
const log2 = (v: bigint, max: number) => {
  let s = 0;
  for (let x = v >> 1n; x !== 0n && s < max; x >>= 1n) s++;
  return BigInt(s);
};
const U64 = (1n << 64n) - 1n;

const WORDS: readonly (readonly [number, number, number])[] = [
  [0x01020304, 0xa0b0c0d0, 0x0000beef],
  [0x00000000, 0x00000005, 0x00000005],
  [0x00000001, 0x00000000, 0x00000001],
  [0xffffffff, 0x80000000, 0x7fffffff],
  [0x000001ff, 0x12345678, 0x12345677],
];

describe("copy coalescing on a program", () => {
  it("runs the last uses of a word and of a difference in place", async () => {
    const out = await compileSource(readFileSync(FIXTURE, "utf8"), FIXTURE, {
      mcpu: 3,
      emit: "asm",
      check: true,
    });
    expect(out.diagnostics).toEqual([]);
    const lines = out
      .asm!.split("\n")
      .filter((l) => /^\s+\d+: /.test(l))
      .map((l) => l.replace(/^\s+\d+: /, "").replace(/\s+;.*$/, ""));
    const copied = (k: number) => {
      const dst = lines[k]!.slice(1, 2);
      return new RegExp(`^r${dst} = r\\d$`).test(lines[k - 1]!);
    };
    const mask = lines.findIndex((l) => /^w\d &= 127$/.test(l));
    expect(mask).toBeGreaterThan(0);
    expect(copied(mask)).toBe(false);
    const lastShift = lines.map((l) => /^r\d >>= 1$/.test(l)).lastIndexOf(true);
    expect(lastShift).toBeGreaterThan(mask);
    // The loop's first shift may follow the counter's `rN = 0`, never a copy of the difference.
    expect(copied(lastShift) || copied(lastShift - 1)).toBe(false);
  });
});

for (const [where, opts] of ENGINES_AND_KERNEL) {
  describe(`copy-coalesced fields and log2 loops (${where})`, () => {
    it("store what the JS reference computes", async (test) => {
      const p = await loadProbe<Fixture>(FIXTURE, { ...opts, test });
      for (const [a, b, c] of WORDS) {
        const packet = packetOfWords(a, b, c);
        expect(p.program("fields").run({ packet }).retName).toBe("XDP_PASS");
        const d = (BigInt(b) - BigInt(c)) & U64;
        const got = [0, 1, 2, 3, 4].map((i) => BigInt(p.map("out").get(i)!));
        expect(got).toEqual([
          log2(BigInt(a), 31),
          BigInt((a >>> 8) & 0xff),
          BigInt(a & 0x7f),
          d / 3n,
          log2(d, 40),
        ]);
      }
    });
  });
}
