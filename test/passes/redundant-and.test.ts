/**
 * `and (and x, c1), c2` → `and x, c1` when c2 keeps every bit of c1 (simplify-insts.ts, rule
 * "redundant-and"): the rewrite on its own and what it leaves alone (masks that narrow each other),
 * and a program of nested masks (i32 and i64, constants in either operand order, negative ones and
 * ones written unsigned) built with and without optimisation, run in the VM against a BigInt
 * reference.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import { simplifyInsts } from "../../compiler/passes/simplify-insts.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { expectUnchanged, runPass } from "./support.ts";

/** Nested masks of a (u32 at 0) and w (i64 at 8); results u64 at 16, 24, 32, 40. */
const KERNEL = `
module "t.ts"
license "GPL"
func @f(ptr) -> i64 section "tracepoint/x" {
b0(v0:ptr):
  v1:i32 = load.4 v0, 0
  v2:i64 = load.8 v0, 8
  v3:i32 = const -1
  v4:i32 = xor v1, v3
  v5:i32 = const 65535
  v6:i32 = and v4, v5
  v7:i32 = and v6, v5
  v8:i64 = zext v7
  store.8 v0, 16, v8
  v9:i32 = const 240
  v10:i32 = and v1, v9
  v11:i32 = const 4294967280
  v12:i32 = and v11, v10
  v13:i64 = zext v12
  store.8 v0, 24, v13
  v14:i64 = const -256
  v15:i64 = and v2, v14
  v16:i64 = const -2
  v17:i64 = and v15, v16
  store.8 v0, 32, v17
  v18:i64 = const 240
  v19:i64 = and v2, v18
  v20:i64 = const 60
  v21:i64 = and v20, v19
  store.8 v0, 40, v21
  v99:i64 = const 0
  ret v99
}
`;

function reference(a: bigint, w: bigint): bigint[] {
  const u32 = (x: bigint) => BigInt.asUintN(32, x);
  const u64 = (x: bigint) => BigInt.asUintN(64, x);
  return [
    u32(~a) & 0xffffn,
    a & 240n & 4294967280n,
    u64(w) & u64(-256n) & u64(-2n),
    u64(w) & 240n & 60n,
  ];
}

describe("redundant-and", () => {
  it("drops an outer mask that keeps every bit of the inner one, constant on either side", () => {
    const { out, changed } = runPass(
      simplifyInsts,
      `
      func @f(i32) -> i32 {
      b0(v0:i32):
        v1:i32 = const 60
        v2:i32 = and v0, v1
        v3:i32 = const 255
        v4:i32 = and v3, v2
        ret v4
      }`,
    );
    expect(changed).toBe(true);
    expect(out).toContain("v4:i32 = and v0, v1");
  });

  it("leaves masks that narrow each other, and an and of a non-constant, alone", () => {
    expectUnchanged(
      simplifyInsts,
      `
      func @f(i32, i32) -> i32 {
      b0(v0:i32, v1:i32):
        v2:i32 = and v0, v1
        v3:i32 = const 60
        v4:i32 = and v2, v3
        v5:i32 = const 65535
        v6:i32 = and v0, v5
        v7:i32 = const 255
        v8:i32 = and v6, v7
        v9:i32 = add v4, v8
        ret v9
      }`,
    );
  });

  it("computes the reference's masks in the VM, optimised and not", () => {
    const inputs: [bigint, bigint][] = [
      [0n, 0n],
      [0xffffffffn, -1n],
      [0x12345678n, 0x7fff_ffff_ffff_ff0fn],
      [0x80000001n, -0x8000_0000_0000_0000n],
      [0xdeadbeefn, 0x0000_0123_4567_89abn],
    ];
    for (const optimize of [false, true]) {
      const out = compileModule(parseModule(KERNEL), new Map(), { optimize, check: true });
      expect(out.diagnostics).toEqual([]);
      // One and per merged pair (the first three), both of the last (240 & 60 narrows).
      const text = compileModule(parseModule(KERNEL), new Map(), { optimize, emit: "ir-opt" });
      if (optimize) expect(text.irOpt!.match(/ = and /g)).toHaveLength(5);
      const vm = VmObject.load(out.object!);
      for (const [a, w] of inputs) {
        const ctx = new Uint8Array(48);
        const view = new DataView(ctx.buffer);
        view.setUint32(0, Number(a), true);
        view.setBigInt64(8, BigInt.asIntN(64, w), true);
        const r = vm.program("f").run({ ctx });
        const got = [16, 24, 32, 40].map((at) =>
          new DataView(r.ctx!.buffer, r.ctx!.byteOffset).getBigUint64(at, true),
        );
        expect(got, `${optimize} ${a} ${w}`).toEqual(reference(a, w));
      }
    }
  });
});
