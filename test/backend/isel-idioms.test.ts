/**
 * Selection of IR shapes that cost fewer BPF instructions than their IR instructions: the 16-bit byte
 * swap idiom (one `be16`), truncations read only by 32-bit operations (no instruction; a zext of one
 * is one `wD = wS`, checked in the VM against a reference), and fills of a stack slot at a constant
 * offset (r10-relative stores).
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { insns } from "./asm-lines.ts";

const swap = (lo: string, hi: string) => `
module "t.ts"
license "GPL"
func @f(ptr) -> i64 section "tc" {
b0(v0:ptr):
  v1:i32 = load.2 v0, 0
  v2:i32 = const 255
  v3:i32 = const 8
  v9:i32 = const 65280
${lo}
${hi}
  v8:i32 = or v5, v7
  v10:i64 = zext v8
  ret v10
}
`;

describe("instruction idioms", () => {
  it("selects (x & 0xff) << 8 | (x >> 8) & 0xff as one be16", () => {
    const list = insns(
      swap(
        "  v4:i32 = and v1, v2\n  v5:i32 = shl v4, v3",
        "  v6:i32 = lshr v1, v3\n  v7:i32 = and v6, v2",
      ),
    );
    expect(list.filter((l) => / = be16 /.test(l))).toHaveLength(1);
    expect(list.some((l) => /<<=|>>=|&=|\|=/.test(l))).toBe(false);
  });

  it("also recognises the mask-after-shift forms, in either operand order", () => {
    const list = insns(
      swap(
        "  v4:i32 = shl v1, v3\n  v7:i32 = and v4, v9",
        "  v6:i32 = and v1, v9\n  v5:i32 = lshr v6, v3",
      ).replace("or v5, v7", "or v7, v5"),
    );
    expect(list.filter((l) => / = be16 /.test(l))).toHaveLength(1);
  });

  it("keeps the shifts when an interior value has another use", () => {
    const text = swap(
      "  v4:i32 = and v1, v2\n  v5:i32 = shl v4, v3",
      "  v6:i32 = lshr v1, v3\n  v7:i32 = and v6, v2",
    ).replace("v10:i64 = zext v8", "v11:i32 = add v8, v4\n  v10:i64 = zext v11");
    const list = insns(text);
    expect(list.some((l) => / = be16 /.test(l))).toBe(false);
    expect(list.some((l) => /<<= 8/.test(l))).toBe(true);
  });

  const truncText = `
module "t.ts"
license "GPL"
func @f(ptr) -> i64 section "tracepoint/x" {
b0(v0:ptr):
  v1:i64 = callhelper get_current_pid_tgid#14()
  v2:i32 = trunc v1
  v3:i64 = const 32
  v4:i64 = lshr v1, v3
  v5:i32 = trunc v4
  v6:i1 = icmp ne v2, v5
  condbr v6, b1, b2
b1:
  v7:i64 = const 1
  ret v7
b2:
  v8:i64 = const 0
  ret v8
}
`;

  it("reads the source register of a trunc used only by JMP32 compares (v3)", () => {
    const list = insns(truncText, 3);
    expect(list.some((l) => /^w\d = w\d$/.test(l))).toBe(false);
    expect(list.some((l) => /^if w\d (!=|==) w\d goto/.test(l))).toBe(true);
  });

  it("still zero-extends the trunc below v3, where compares are 64-bit, without ALU32", () => {
    const list = insns(truncText, 2);
    expect(list.some((l) => /^w\d = w\d$/.test(l))).toBe(false);
    expect(list.join("\n")).toMatch(/(r\d) <<= 32\n\1 >>= 32\n/);
  });

  const truncZextText = `
module "t.ts"
license "GPL"
func @f(ptr) -> i64 section "tracepoint/x" {
b0(v0:ptr):
  v1:i64 = load.8 v0, 0
  v2:i32 = trunc v1
  v3:i32 = const 0
  v4:i1 = icmp ne v2, v3
  condbr v4, b1, b2
b1:
  v7:i64 = callhelper ktime_get_ns#5()
  v5:i64 = zext v2
  ret v5
b2:
  v6:i64 = const 7
  ret v6
}
`;

  it("widens a trunc read by a compare and a zext with one `w0 = w6` from the source (v3)", () => {
    // The source lives across the call in a callee-saved register; no copy of it but `w0 = w6`.
    const list = insns(truncZextText, 3);
    expect(list.filter((l) => /^[rw]\d = [rw]\d$/.test(l))).toEqual(["w0 = w6"]);
    const out = compileModule(parseModule(truncZextText), new Map(), { check: true });
    expect(out.diagnostics).toEqual([]);
    const vm = VmObject.load(out.object!);
    for (const x of [0n, 5n, 0xffff_ffffn, 0x1_0000_0000n, 0xdead_beef_0000_0042n, -1n]) {
      const ctx = new Uint8Array(8);
      new DataView(ctx.buffer).setBigUint64(0, BigInt.asUintN(64, x), true);
      const low = BigInt.asUintN(32, x);
      expect(vm.program("f").run({ ctx }).r0, String(x)).toBe(low !== 0n ? low : 7n);
    }
  });

  it("fills a slot at a constant offset with r10-relative stores", () => {
    const list = insns(`
module "t.ts"
license "GPL"
map @m ringbuf key 0 value 0 max 4096 flags 0 ktype - vtype - !1:1
func @f(ptr) -> i64 section "tracepoint/x" {
  slot s0 size 16 align 8
b0(v0:ptr):
  v1:ptr = stackslot s0
  v2:i64 = const 8
  v3:ptr = ptradd v1, v2
  memset v3, 0, 8, align 8
  v4:i64 = const 7
  store.8 v1, 0, v4
  v5:ptr = mapref @m
  v6:i64 = const 16
  v7:i64 = const 0
  v8:i64 = callhelper ringbuf_output#130(v5, v1, v6, v7)
  ret v7
}
`);
    expect(list).toContain("*(u64 *)(r10 - 8) = 0");
    expect(list).toContain("*(u64 *)(r10 - 16) = 7");
  });
});
