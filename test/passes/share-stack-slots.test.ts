/**
 * share-stack-slots: probe-read temporaries whose contents are never live at the same time share one
 * slot; one whose contents are still read after the next read fills its own does not, nor a slot a
 * store fills first or whose address escapes. The whole program runs in the VM against a reference
 * (the sum of the words read) with and without the overlap.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import { shareStackSlots } from "../../compiler/passes/share-stack-slots.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { expectUnchanged, runPass } from "./support.ts";

/**
 * Three probe reads of ctx words 0, 1 and 2 into slots s0, s1, s2; `late` loads s0 only after the
 * second read (s0 and s1 overlap).
 */
const reads = (late: boolean) => `
      func @f(ptr) -> i64 section "tracepoint/x" {
        slot s0 size 8 align 8
        slot s1 size 8 align 8
        slot s2 size 8 align 8
      b0(v0:ptr):
        v1:ptr = stackslot s0
        v2:i32 = const 8
        v3:i64 = callhelper bpf_probe_read_kernel#113(v1, v2, v0)
${late ? "" : "        v4:i64 = load.8 v1, 0\n"}        v5:ptr = stackslot s1
        v6:i64 = const 8
        v7:ptr = ptradd v0, v6
        v8:i64 = callhelper bpf_probe_read_kernel#113(v5, v2, v7)
${late ? "        v4:i64 = load.8 v1, 0\n" : ""}        v9:i64 = load.8 v5, 0
        v10:ptr = stackslot s2
        v11:i64 = const 16
        v12:ptr = ptradd v0, v11
        v13:i64 = callhelper bpf_probe_read_kernel#113(v10, v2, v12)
        v14:i64 = load.8 v10, 0
        v15:i64 = add v4, v9
        v16:i64 = add v15, v14
        ret v16
      }`;

describe("share-stack-slots", () => {
  it("puts probe-read temporaries with disjoint lifetimes in one slot", () => {
    const { out, changed } = runPass(shareStackSlots, reads(false));
    expect(changed).toBe(true);
    expect(out.match(/stackslot s\d/g)).toEqual(["stackslot s0", "stackslot s0", "stackslot s0"]);
  });

  it("keeps a slot whose contents are read after the next temporary is filled", () => {
    const { out } = runPass(shareStackSlots, reads(true));
    // s1 overlaps s0; s2 starts after both have been read and joins s0.
    expect(out.match(/stackslot s\d/g)).toEqual(["stackslot s0", "stackslot s1", "stackslot s0"]);
  });

  it("leaves slots a store fills first, and slots whose address escapes", () => {
    expectUnchanged(
      shareStackSlots,
      `
      func @f(ptr) -> i64 section "tracepoint/x" {
        slot s0 size 8 align 8
        slot s1 size 8 align 8
      b0(v0:ptr):
        v1:ptr = stackslot s0
        v2:i64 = const 7
        store.8 v1, 0, v2
        v3:i64 = load.8 v1, 0
        v4:ptr = stackslot s1
        v5:i32 = const 8
        v6:i64 = callhelper bpf_probe_read_kernel#113(v4, v5, v0)
        store.8 v0, 0, v4
        ret v3
      }`,
    );
  });

  it.each([false, true])("agrees with the reference in the VM (overlap %s)", (late) => {
    const text = `module "t.ts"\nlicense "GPL"\n${reads(late)}\n`;
    const out = compileModule(parseModule(text), new Map(), { check: true });
    expect(out.diagnostics).toEqual([]);
    const vm = VmObject.load(out.object!);
    const words = [0x1111n, 0xffff_ffff_0000_0002n, 0x30n];
    const ctx = new Uint8Array(24);
    const view = new DataView(ctx.buffer);
    words.forEach((w, k) => view.setBigUint64(8 * k, w, true));
    const sum = BigInt.asUintN(64, words[0]! + words[1]! + words[2]!);
    expect(vm.program("f").run({ ctx }).r0).toBe(sum);
  });
});
