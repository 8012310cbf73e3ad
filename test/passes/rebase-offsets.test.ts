/**
 * rebase-offsets (compiler/passes/rebase-offsets.ts): `ptradd p, zext(add x, c)` starts from a
 * dominating `ptradd p, c` when the ranges show the add cannot wrap. On IR: rewritten, and left alone
 * when `x + c` might pass 2^32. On a program: the ports after a variable-length IPv4 header are
 * addressed from the IPv4 header's `data + 14` (no `+ 14` after `ihl * 4`), and the fixture records
 * what a JS reference reads, for several header lengths and a frame too short, on both VM engines
 * and the kernel (BPF_PROG_TEST_RUN).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { rebaseOffsets } from "../../compiler/passes/rebase-offsets.ts";
import { loadProbe } from "../../testing/index.ts";
import { ENGINES_AND_KERNEL, ethernet, ipv4Packet, ports } from "../examples/support.ts";
import { expectUnchanged, runPass } from "./support.ts";

type Fixture = typeof import("./fixtures/rebase-offsets.ts");
const FIXTURE = "test/passes/fixtures/rebase-offsets.ts";

/** `ptradd p, zext(add x, 14)` with `x` = `and v, mask` (range 0..mask) next to `ptradd p, 14`. */
const rebased = (mask: string) => `
      func @f(ptr, i32) -> i64 {
      b0(v0:ptr, v1:i32):
        v2:i64 = const 14
        v3:ptr = ptradd v0, v2
        v4:i32 = const ${mask}
        v5:i32 = and v1, v4
        v6:i32 = const 14
        v7:i32 = add v5, v6
        v8:i64 = zext v7
        v9:ptr = ptradd v0, v8
        v10:i64 = load.1 v9, 0
        v11:i64 = load.1 v3, 0
        v12:i64 = add v10, v11
        ret v12
      }`;

describe("rebase-offsets on IR", () => {
  it("addresses the variable part from the dominating constant offset", () => {
    const { out, changed } = runPass(rebaseOffsets, rebased("60"));
    expect(changed).toBe(true);
    expect(out).toMatch(/v\d+:i64 = zext v5\n {2}v9:ptr = ptradd v3, v\d+/);
  });

  it("keeps the sum when x + c may wrap at 32 bits", () => {
    expectUnchanged(rebaseOffsets, rebased("-1"));
  });
});

/** A frame with an IPv4 header of `ihl` words, then `tail` bytes of the ports (4 for all). */
function frame(ihl: number, source: number, dest: number, tail = 4): Uint8Array {
  const payload = ports(source, dest, 0).subarray(0, tail);
  return ethernet(
    0x0800,
    ipv4Packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, ihl, payload }),
  );
}

describe("rebase-offsets on a program", () => {
  it("adds ihl * 4 to the IPv4 header's address, with no `+ 14` after it", async () => {
    const out = await compileSource(readFileSync(FIXTURE, "utf8"), FIXTURE, {
      mcpu: 3,
      emit: "asm",
      check: true,
    });
    expect(out.diagnostics).toEqual([]);
    const lines = out.asm!.split("\n").filter((l) => /^\s+\d+: /.test(l));
    const times4 = lines.findIndex((l) => /: w\d \*= 4$/.test(l));
    expect(times4).toBeGreaterThan(0);
    expect(lines[times4 + 1]).toMatch(/: r\d \+= r\d$/);
    expect(lines.filter((l) => /\+= 14$/.test(l))).toHaveLength(1);
  });
});

for (const [where, opts] of ENGINES_AND_KERNEL) {
  describe(`ports after a variable-length header (${where})`, () => {
    it("records what the JS reference reads", async (test) => {
      const p = await loadProbe<Fixture>(FIXTURE, { ...opts, test });
      let short = 0;
      for (const [ihl, source, dest, tail] of [
        [5, 40000, 443, 4],
        [6, 1, 0xfffe, 4],
        [15, 0x1234, 53, 4],
        [15, 7, 7, 2],
        [8, 0x8001, 0x0102, 4],
      ] as const) {
        const packet = frame(ihl, source, dest, tail);
        expect(p.program("ports").run({ packet }).retName).toBe("XDP_PASS");
        if (tail < 4) short++;
        const got = [0, 1, 2, 3].map((i) => Number(p.map("seen").get(i) ?? -1));
        if (tail < 4) {
          expect(got[3]).toBe(short);
          continue;
        }
        const view = new DataView(packet.buffer);
        const at = 14 + ihl * 4;
        expect(got).toEqual([view.getUint16(at, true), view.getUint16(at + 2, true), ihl, short]);
      }
    });
  });
}
