/**
 * The 32-bit byte swap idiom (compiler/target/bpf/isel-idioms.ts): `ntohl` / `htonl` select as one
 * `be32` (clang's `bswap`), the or-tree of four moved bytes in any association is recognised, and a
 * tree that is not a swap (a byte missing or repeated, an interior value used elsewhere) keeps its
 * shifts. The fixture's results on both VM engines and on the kernel (BPF_PROG_TEST_RUN) equal a JS
 * reference for a set of words.
 */
import { describe, expect, it } from "vitest";
import { insns, packetOfWords } from "./asm-lines.ts";
import { loadProbe } from "../../testing/index.ts";
import { ENGINES_AND_KERNEL } from "../examples/support.ts";

type Fixture = typeof import("./fixtures/byte-swap.ts");

/** A function returning the or of `terms` (each `vN:i32 = ...` lines ending in the term's value). */
const tree = (body: string, result: string) => `
module "t.ts"
license "GPL"
func @f(ptr) -> i64 section "tc" {
b0(v0:ptr):
  v1:i32 = load.4 v0, 0
  v2:i32 = const 255
  v3:i32 = const 8
  v4:i32 = const 16
  v5:i32 = const 24
${body}
  v99:i64 = zext ${result}
  ret v99
}
`;

/** Byte i of v1 moved to byte 3 - i, as `htonl` lowers it. */
const BYTES = `
  v10:i32 = and v1, v2
  v11:i32 = shl v10, v5
  v12:i32 = lshr v1, v3
  v13:i32 = and v12, v2
  v14:i32 = shl v13, v4
  v15:i32 = lshr v1, v4
  v16:i32 = and v15, v2
  v17:i32 = shl v16, v3
  v18:i32 = lshr v1, v5
  v19:i32 = and v18, v2`;

describe("the 32-bit byte swap idiom", () => {
  it("selects the left-leaning or-chain htonl lowers to as one be32", () => {
    const list = insns(
      tree(
        `${BYTES}\n  v20:i32 = or v11, v14\n  v21:i32 = or v20, v17\n  v22:i32 = or v21, v19`,
        "v22",
      ),
    );
    expect(list.filter((l) => / = be32 /.test(l))).toHaveLength(1);
    expect(list.some((l) => /<<=|>>=|&=|\|=/.test(l))).toBe(false);
  });

  it("recognises a balanced tree in another order", () => {
    const list = insns(
      tree(
        `${BYTES}\n  v20:i32 = or v19, v14\n  v21:i32 = or v17, v11\n  v22:i32 = or v21, v20`,
        "v22",
      ),
    );
    expect(list.filter((l) => / = be32 /.test(l))).toHaveLength(1);
  });

  it("keeps the shifts when a byte is repeated instead of moved", () => {
    // Byte 0 twice (v11 and v31), byte 2 missing: an or of four moved bytes, but not a swap.
    const list = insns(
      tree(
        `${BYTES}\n  v30:i32 = and v1, v2\n  v31:i32 = shl v30, v5\n  v20:i32 = or v11, v14\n  v21:i32 = or v20, v31\n  v22:i32 = or v21, v19`,
        "v22",
      ),
    );
    expect(list.some((l) => / = be32 /.test(l))).toBe(false);
  });

  it("keeps the shifts when an interior value has another use", () => {
    const list = insns(
      tree(
        `${BYTES}\n  v20:i32 = or v11, v14\n  v21:i32 = or v20, v17\n  v22:i32 = or v21, v19\n  v23:i32 = add v22, v20`,
        "v23",
      ),
    );
    expect(list.some((l) => / = be32 /.test(l))).toBe(false);
    expect(list.some((l) => /<<= 24/.test(l))).toBe(true);
  });
});

/** The reference: the low 32 / 16 bits of x with their bytes reversed. */
const swap32 = (x: number) =>
  (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
const swap16 = (x: number) => ((x & 0xff) << 8) | ((x >> 8) & 0xff);

const WORDS: readonly (readonly [number, number, number])[] = [
  [0x01020304, 0xa0b0c0d0, 0x0000beef],
  [0xffffffff, 0x00000000, 0xffff1234],
  [0x80000001, 0x7f00ff00, 0x00000080],
  [0xdeadbeef, 0x12345678, 0x0000ff00],
];

for (const [where, opts] of ENGINES_AND_KERNEL) {
  describe(`ntohl / htonl / ntohs on packet words (${where})`, () => {
    it("store each word byte-swapped, as the JS reference swaps it", async (test) => {
      const p = await loadProbe<Fixture>("test/backend/fixtures/byte-swap.ts", { ...opts, test });
      for (const [a, b, c] of WORDS) {
        const packet = packetOfWords(a, b, c);
        expect(p.program("swap").run({ packet }).retName).toBe("XDP_PASS");
        const got = [0, 1, 2, 3].map((i) => p.map("out").get(i));
        expect(got).toEqual([swap32(a), swap32(b), swap16(c & 0xffff), (swap32(a) ^ b) >>> 0]);
      }
    });
  });
}
