/**
 * A stack slot address passed to three or more calls (isel-deferral.ts `HELD_SLOT_CALLS`) is
 * computed once and held in a callee-saved register, each call's key argument one `r2 = r6`, when
 * that encodes shorter than rematerialising `r2 = r10; r2 += off` at each call (backend.ts compiles
 * both ways). The program runs in the VM against a reference: both maps get the key, the lookup
 * finds the stored value.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { insns } from "./asm-lines.ts";

const program = (calls: 2 | 3) => `
module "t.ts"
license "GPL"
map @a hash key 4 value 8 max 16 flags 0 ktype - vtype - !1:1
map @b hash key 4 value 8 max 16 flags 0 ktype - vtype - !1:1
func @f(ptr) -> i64 section "tracepoint/x" {
  slot s0 size 4 align 4
  slot s1 size 8 align 8
b0(v0:ptr):
  v1:ptr = stackslot s0
  v2:i32 = load.4 v0, 0
  store.4 v1, 0, v2
  v3:ptr = stackslot s1
  v4:i64 = load.8 v0, 8
  store.8 v3, 0, v4
  v5:ptr = mapref @a
  v6:ptr = mapref @b
  v7:i64 = const 0
  v8:i64 = callhelper map_update_elem#2(v5, v1, v3, v7)
${calls === 3 ? "  v9:i64 = callhelper map_update_elem#2(v6, v1, v3, v7)" : ""}
  v10:ptr = callhelper map_lookup_elem#1(v5, v1)
  v11:ptr = const 0
  v12:i1 = icmp eq v10, v11
  condbr v12, b1, b2
b1:
  ret v7
b2:
  v13:i64 = load.8 v10, 0
  ret v13
}
`;

const key = (k: number) => new Uint8Array(new Uint32Array([k]).buffer);

describe("stack slot addresses held in a register", () => {
  it("holds a key passed to three calls in r6 and copies it into r2 at each", () => {
    const three = insns(program(3));
    expect(three.filter((l) => l === "r2 = r6")).toHaveLength(3);
    expect(three.filter((l) => l === "r2 = r10")).toHaveLength(0);
    // Two calls: rematerialising costs the same, and the key is not held.
    const two = insns(program(2));
    expect(two.filter((l) => l === "r2 = r10")).toHaveLength(2);
  });

  it("stores and finds the same key as the reference", () => {
    const out = compileModule(parseModule(program(3)), new Map(), { check: true });
    expect(out.diagnostics).toEqual([]);
    for (const [k, v] of [
      [7, 0x1234n],
      [0xffffffff, 0xdead_beef_cafe_f00dn],
    ] as const) {
      const vm = VmObject.load(out.object!);
      const ctx = new Uint8Array(16);
      const view = new DataView(ctx.buffer);
      view.setUint32(0, k, true);
      view.setBigUint64(8, v, true);
      expect(vm.program("f").run({ ctx }).r0).toBe(v);
      for (const name of ["a", "b"]) {
        const got = vm.map(name).get(key(k));
        expect(got && new DataView(got.buffer, got.byteOffset).getBigUint64(0, true)).toBe(v);
      }
    }
  });
});
