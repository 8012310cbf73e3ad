/**
 * Flag tests as one `jset` (compiler/target/bpf/isel-compare.ts): `(x & C) != 0` and `== 0`, whose
 * `and` has no other use, jump on `x & C` directly where the imm can hold C (any 32-bit C for an i32
 * at v3+, C < 2^31 for an i32 below v3, a C that sign-extends for an i64). One program with tests of
 * every kind (and ones that must stay an `and`: C too wide, the `and` used twice) runs in the VM at
 * v1..v4 against a BigInt reference, on inputs with each tested bit set and clear.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import type { Mcpu } from "../../compiler/target/bpf/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";

/** A flag test of `x` (a value of the program) with `c`: stores 1 or 0 at `at`. */
interface Test {
  readonly x: "a" | "s" | "w";
  readonly c: bigint;
  readonly cond: "ne" | "eq";
}

const TESTS: readonly Test[] = [
  { x: "a", c: 4n, cond: "ne" },
  { x: "a", c: 0x80000000n, cond: "eq" },
  { x: "a", c: 0xfffffff0n, cond: "ne" },
  // `s` = a + b: below v3 its register's high half may hold the carry (isel-high-bits.ts).
  { x: "s", c: 0x40000000n, cond: "ne" },
  { x: "s", c: 0x80000000n, cond: "ne" },
  { x: "w", c: 0x40000000n, cond: "eq" },
  { x: "w", c: -8n, cond: "ne" },
  { x: "w", c: 0x1_0000_0000n, cond: "ne" },
  { x: "w", c: 0x8000_0000n, cond: "eq" },
];

const TYPE = { a: "i32", s: "i32", w: "i64" } as const;
const VALUE = { a: "v1", s: "v3", w: "v4" } as const;

/** Inputs a, b (u32 at 0, 4), w (i64 at 8); results u64 at 16 + 8k; the last one uses an `and` twice. */
function program(): string {
  const lines = [
    "  v1:i32 = load.4 v0, 0",
    "  v2:i32 = load.4 v0, 4",
    "  v3:i32 = add v1, v2",
    "  v4:i64 = load.8 v0, 8",
    "  v5:i64 = const 1",
    "  v6:i64 = const 0",
  ];
  TESTS.forEach((t, k) => {
    const v = 10 + 5 * k;
    const type = TYPE[t.x];
    lines.push(
      `  v${v}:${type} = const ${t.c}`,
      `  v${v + 1}:${type} = and ${VALUE[t.x]}, v${v}`,
      `  v${v + 2}:${type} = const 0`,
      `  v${v + 3}:i1 = icmp ${t.cond} v${v + 1}, v${v + 2}`,
      `  v${v + 4}:i64 = select v${v + 3}, v5, v6`,
      `  store.8 v0, ${16 + 8 * k}, v${v + 4}`,
    );
  });
  // (a & 6) tested and stored: the `and` stays a value.
  lines.push(
    "  v90:i32 = const 6",
    "  v91:i32 = and v1, v90",
    "  v92:i32 = const 0",
    "  v93:i1 = icmp ne v91, v92",
    "  v94:i64 = select v93, v5, v6",
    `  store.8 v0, ${16 + 8 * TESTS.length}, v94`,
    "  v95:i64 = zext v91",
    `  store.8 v0, ${24 + 8 * TESTS.length}, v95`,
  );
  return `
module "t.ts"
license "GPL"
func @f(ptr) -> i64 section "tracepoint/x" {
b0(v0:ptr):
${lines.join("\n")}
  v99:i64 = const 0
  ret v99
}
`;
}

function reference(a: bigint, b: bigint, w: bigint): bigint[] {
  const x = { a, s: BigInt.asUintN(32, a + b), w: BigInt.asUintN(64, w) };
  const out = TESTS.map((t) => {
    const bits = TYPE[t.x] === "i32" ? 32 : 64;
    const set = (x[t.x] & BigInt.asUintN(bits, t.c)) !== 0n;
    return set === (t.cond === "ne") ? 1n : 0n;
  });
  return [...out, (a & 6n) !== 0n ? 1n : 0n, a & 6n];
}

const INPUTS: [bigint, bigint, bigint][] = [
  [0n, 0n, 0n],
  [4n, 0n, 0x4000_0000n],
  [0x80000000n, 0x80000000n, -1n],
  [0x7fffffffn, 1n, 8n],
  [0xc0000000n, 0x40000000n, 7n],
  [0x3fffffffn, 0x1n, 0x1_0000_0000n],
  [0xfn, 0xfffffff0n, 0x8000_0000n],
  [2n, 0x7fffffffn, -0x8000_0000n],
];

function context(a: bigint, b: bigint, w: bigint): Uint8Array {
  const bytes = new Uint8Array(16 + 8 * (TESTS.length + 2));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Number(a), true);
  view.setUint32(4, Number(b), true);
  view.setBigInt64(8, BigInt.asIntN(64, w), true);
  return bytes;
}

function results(ctx: Uint8Array): bigint[] {
  const view = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
  return Array.from({ length: TESTS.length + 2 }, (_, k) => view.getBigUint64(16 + 8 * k, true));
}

function listing(mcpu: Mcpu): string[] {
  const out = compileModule(parseModule(program()), new Map(), { emit: "asm", mcpu, check: true });
  expect(out.diagnostics).toEqual([]);
  return out.asm!.split("\n").filter((l) => /^\s+\d+: /.test(l));
}

describe("flag tests as jset", () => {
  it.each([1, 2, 3, 4] as const)("agree with the reference at v%d", (mcpu) => {
    const out = compileModule(parseModule(program()), new Map(), { mcpu, check: true });
    expect(out.diagnostics).toEqual([]);
    const vm = VmObject.load(out.object!);
    for (const input of INPUTS) {
      const r = vm.program("f").run({ ctx: context(...input) });
      expect(results(r.ctx!), input.join(",")).toEqual(reference(...input));
    }
  });

  it("uses a jset wherever the imm holds the mask, and an and elsewhere", () => {
    const jsets = (mcpu: Mcpu) => listing(mcpu).filter((l) => / if [rw]\d+ & /.test(l));
    // v3: every test but the 33-bit and the 2^31 i64 masks and the twice-used and.
    expect(jsets(3)).toHaveLength(TESTS.length - 2);
    expect(jsets(3).filter((l) => / if w\d+ & /.test(l))).toHaveLength(5);
    // v2: the i32 masks of bit 31 stay `and`s too.
    expect(jsets(2)).toHaveLength(TESTS.length - 2 - 3);
  });
});
