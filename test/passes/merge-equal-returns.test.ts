/**
 * merge-equal-returns (compiler/passes/merge-equal-returns.ts) on whole programs: in
 * `if (err !== 0) return err; ... return 0` the `return 0` becomes a return of `err` (known to be 0
 * there), so the two exits are one, and the fixture's results on both VM engines and on the kernel
 * (BPF_PROG_TEST_RUN) equal a JS reference for a set of words, signed and unsigned.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { loadProbe } from "../../testing/index.ts";
import { ENGINES_AND_KERNEL } from "../examples/support.ts";

type Fixture = typeof import("./fixtures/merge-equal-returns.ts");
const FIXTURE = "test/passes/fixtures/merge-equal-returns.ts";

const WORDS = [0x00000000, 0x00000005, 0xfffffff3, 0x80000000, 0x7fffffff, 0x00000000, 0x00010000];

/**
 * A frame whose bytes after the Ethernet header (where a socket filter's `loadBytes(0, ...)`
 * starts) begin with `word`, little-endian.
 */
function frameWith(word: number): Uint8Array {
  const frame = new Uint8Array(64);
  new DataView(frame.buffer).setUint32(14, word, true);
  return frame;
}

describe("merge-equal-returns on a program", () => {
  it("leaves one exit for `return err` and `return 0` in each filter", async () => {
    const build = async (optimize: boolean) => {
      const src = readFileSync(FIXTURE, "utf8");
      const out = await compileSource(src, FIXTURE, {
        mcpu: 3,
        emit: "asm",
        check: true,
        optimize,
      });
      expect(out.diagnostics).toEqual([]);
      return out
        .asm!.split("\n\n")
        .map((p) => p.split("\n").filter((l) => /: exit$/.test(l)).length);
    };
    // The plain build returns 1 (load failed), err and 0 on three exits; optimised, two remain.
    expect(await build(false)).toEqual([3, 3]);
    expect(await build(true)).toEqual([2, 2]);
  });
});

for (const [where, opts] of ENGINES_AND_KERNEL) {
  describe(`exits merged on equal returns (${where})`, () => {
    it("return what the JS reference computes and count the zero words", async (test) => {
      const p = await loadProbe<Fixture>(FIXTURE, { ...opts, test });
      for (const word of WORDS) {
        const packet = frameWith(word);
        expect(p.program("signedWord").run({ packet }).ret).toBe(word);
        expect(p.program("unsignedWord").run({ packet }).ret).toBe(word);
      }
      const zeros = WORDS.filter((w) => w === 0).length;
      expect([0, 1].map((i) => Number(p.map("zeros").get(i)))).toEqual([zeros, zeros]);
    });
  });
}
