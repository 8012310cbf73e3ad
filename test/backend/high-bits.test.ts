/**
 * i32 values and the high half of their registers (compiler/target/bpf/isel-high-bits.ts): at v1/v2
 * no ALU32 instruction is emitted and re-zero-extension is a shift pair, skipped where every use reads
 * only the low half; at v4 a sign extension of an already sign-extended narrower value is no
 * instruction. The shapes are checked on the listing, and the results by running one program that
 * exercises every tolerant and intolerant use in the VM at v1..v4 against a BigInt reference.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import type { Mcpu } from "../../compiler/target/bpf/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";

function compile(text: string, mcpu: Mcpu) {
  const out = compileModule(parseModule(text), new Map(), { emit: "asm", mcpu, check: true });
  expect(out.diagnostics).toEqual([]);
  return out;
}

/** The instruction lines of the listing, without slot numbers and comments. */
function insns(text: string, mcpu: Mcpu): string[] {
  return compile(text, mcpu)
    .asm!.split("\n")
    .filter((l) => /^\s+\d+: /.test(l))
    .map((l) => l.replace(/^\s+\d+: /, "").replace(/\s+;.*$/, ""));
}

/** A tracepoint program over a raw context: `body` reads inputs from v0 and stores results to it. */
const program = (body: string) => `
module "t.ts"
license "GPL"
func @f(ptr) -> i64 section "tracepoint/x" {
b0(v0:ptr):
${body}
  v99:i64 = const 0
  ret v99
}
`;

// Inputs: a, b (u32 at 0, 4), c (s8 at 8), d (s16 at 10), w (i64 at 16). Results: u64 at 24 + 8k.
const KERNEL = program(`  v1:i32 = load.4 v0, 0
  v2:i32 = load.4 v0, 4
  v3:i32 = load.s1 v0, 8
  v4:i32 = load.s2 v0, 10
  v5:i64 = load.8 v0, 16
  v10:i32 = const 3
  v11:i32 = mul v1, v10
  v12:i32 = add v11, v2
  v13:i64 = zext v12
  store.8 v0, 24, v13
  v14:i32 = mul v1, v2
  v15:i32 = const 7
  v16:i32 = sub v14, v15
  v17:i64 = sext v16
  store.8 v0, 32, v17
  v18:i32 = const 1
  v19:i32 = or v2, v18
  v20:i32 = udiv v14, v19
  v21:i64 = zext v20
  store.8 v0, 40, v21
  v22:i32 = add v1, v2
  v23:i32 = lshr v22, v10
  v24:i64 = zext v23
  store.8 v0, 48, v24
  v25:i64 = sext v3
  store.8 v0, 56, v25
  v26:i64 = zext v4
  store.8 v0, 64, v26
  v27:i32 = trunc v5
  v28:i32 = add v27, v18
  v29:i64 = zext v28
  store.8 v0, 72, v29
  v30:i32 = xor v1, v3
  v31:i32 = and v30, v4
  v32:i64 = zext v31
  store.8 v0, 80, v32
  v33:i32 = add v14, v3
  store.4 v0, 88, v33
  v34:i32 = const 0
  v35:i1 = icmp slt v22, v34
  v36:i64 = zext v35
  store.8 v0, 96, v36
  v37:i32 = const 100
  v38:i1 = icmp ult v14, v37
  v39:i64 = zext v38
  store.8 v0, 104, v39
  v40:i32 = const -2147483648
  v41:i32 = xor v1, v40
  v42:i64 = zext v41
  store.8 v0, 112, v42
  v43:i64 = const 32
  v44:i64 = lshr v5, v43
  v45:i32 = trunc v44
  v46:i1 = icmp ne v45, v1
  v47:i64 = zext v46
  store.8 v0, 120, v47`);

/** What the kernel above computes, with u32/i32 wrap-around as BigInt. */
function reference(a: bigint, b: bigint, c: bigint, d: bigint, w: bigint): bigint[] {
  const u32 = (x: bigint) => BigInt.asUintN(32, x);
  const u64 = (x: bigint) => BigInt.asUintN(64, x);
  const sext32 = (x: bigint) => u64(BigInt.asIntN(32, x));
  const cz = u32(c); // c and d are i32 values holding the sign-extended byte / half
  const dz = u32(d);
  const ab = u32(a * b);
  const sum = u32(a + b);
  return [
    u32(a * 3n + b),
    sext32(ab - 7n),
    u32(ab / (b | 1n)),
    sum >> 3n,
    u64(c),
    dz,
    u32(w + 1n),
    u32((a ^ cz) & dz),
    u32(ab + cz),
    BigInt.asIntN(32, sum) < 0n ? 1n : 0n,
    ab < 100n ? 1n : 0n,
    a ^ 0x80000000n,
    BigInt.asUintN(64, w) >> 32n !== a ? 1n : 0n,
  ];
}

const INPUTS: [bigint, bigint, bigint, bigint, bigint][] = [
  [0n, 0n, 0n, 0n, 0n],
  [1n, 2n, 3n, 4n, 5n],
  [0xffffffffn, 0xffffffffn, -1n, -1n, -1n],
  [0x80000000n, 3n, -128n, -32768n, 0x1_0000_0000n],
  [0x12345678n, 0x9abcdef0n, 0x7fn, 0x7fffn, 0x7fff_ffff_ffff_ffffn],
  [0xdeadbeefn, 0x10n, -2n, 0x1234n, -0x8000_0000n],
  [0xfffffffen, 1n, 5n, -5n, 0xffff_fffe_0000_0001n],
];

function context(a: bigint, b: bigint, c: bigint, d: bigint, w: bigint): Uint8Array {
  const bytes = new Uint8Array(128);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Number(a), true);
  view.setUint32(4, Number(b), true);
  view.setInt8(8, Number(c));
  view.setInt16(10, Number(d), true);
  view.setBigInt64(16, BigInt.asIntN(64, w), true);
  return bytes;
}

function results(ctx: Uint8Array): bigint[] {
  const view = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
  const out: bigint[] = [];
  for (let at = 24; at <= 120; at += 8) {
    out.push(at === 88 ? BigInt(view.getUint32(at, true)) : view.getBigUint64(at, true));
  }
  return out;
}

describe("i32 high halves", () => {
  it.each([1, 2, 3, 4] as const)("computes every use correctly at v%d", (mcpu) => {
    const out = compileModule(parseModule(KERNEL), new Map(), { mcpu, check: true });
    expect(out.diagnostics).toEqual([]);
    const vm = VmObject.load(out.object!);
    for (const input of INPUTS) {
      const r = vm.program("f").run({ ctx: context(...input) });
      expect(results(r.ctx!), input.join(",")).toEqual(reference(...input));
    }
  });

  it.each([1, 2] as const)("emits no ALU32 or JMP32 instruction at v%d", (mcpu) => {
    const out = compileModule(parseModule(KERNEL), new Map(), { mcpu, check: true });
    const specs = readBpfObject(out.object!).programs.flatMap((p) => p.insns.map((i) => i.spec));
    const narrow = specs.filter((s) => s.width === 32 && s.kind !== "ldx" && s.kind !== "stx");
    expect(narrow.map((s) => s.name)).toEqual([]);
  });

  it("at v2, zero-extends a u32 chain once, after its last step", () => {
    const list = insns(
      program(`  v1:i32 = load.4 v0, 0
  v2:i32 = const 3
  v3:i32 = mul v1, v2
  v4:i32 = const 1
  v5:i32 = add v3, v4
  v6:i64 = zext v5
  store.8 v0, 8, v6`),
      2,
    );
    const text = list.join("\n");
    expect(text).toMatch(/(r\d) \*= 3\n\1 \+= 1\n\1 <<= 32\n\1 >>= 32\n/);
    expect(list.filter((l) => / <<= 32$/.test(l))).toHaveLength(1);
  });

  it("at v2, zero-extends a dividend whose high half an add may have set", () => {
    const list = insns(
      program(`  v1:i32 = load.4 v0, 0
  v2:i32 = load.4 v0, 4
  v3:i32 = add v1, v2
  v4:i32 = udiv v3, v2
  v5:i64 = zext v4
  store.8 v0, 8, v5`),
      2,
    );
    expect(list.join("\n")).toMatch(/(r\d) \+= r\d\n\1 <<= 32\n\1 >>= 32\n\1 \/= r\d/);
  });

  it("at v2, truncates a value whose high half is zero (x >> 32) without a shift pair", () => {
    const list = insns(
      program(`  v1:i64 = load.8 v0, 0
  v2:i64 = const 32
  v3:i64 = lshr v1, v2
  v4:i32 = trunc v3
  v5:i32 = load.4 v0, 8
  v6:i1 = icmp ne v4, v5
  v7:i64 = zext v6
  store.8 v0, 16, v7`),
      2,
    );
    expect(list.some((l) => / >>= 32$/.test(l))).toBe(true);
    expect(list.some((l) => / <<= 32$/.test(l))).toBe(false);
  });

  it("at v4, sign-extends a signed byte load once, and still zero-extends it for a zext", () => {
    const sext = insns(
      program(`  v1:i32 = load.s1 v0, 0
  v2:i64 = sext v1
  store.8 v0, 8, v2`),
      4,
    );
    expect(sext.some((l) => /^r\d = \*\(s8 \*\)/.test(l))).toBe(true);
    expect(sext.some((l) => /\(s32\)/.test(l))).toBe(false);
    const zext = insns(
      program(`  v1:i32 = load.s1 v0, 0
  v2:i64 = zext v1
  store.8 v0, 8, v2`),
      4,
    );
    // The load sign-extends to 64 bits: the i32 value needs its high half cleared.
    expect(zext.join("\n")).toMatch(/(r\d) = \*\(s8 \*\)\(r\d \+ 0\)\nw\d = w\d/);
  });

  it("keeps the v3 default as it was: w-register zero extension after a signed byte load", () => {
    const list = insns(
      program(`  v1:i32 = load.s1 v0, 0
  v2:i64 = sext v1
  store.8 v0, 8, v2`),
      3,
    );
    expect(list.some((l) => /^w\d = w\d$/.test(l))).toBe(true);
  });
});
