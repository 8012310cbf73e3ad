/**
 * merge-stores and forward-slot-copies: what each rewrites and what it must leave alone. The
 * zerorecord benchmark program (test/bench/bench-programs.test.ts) runs both end to end in the VM
 * against a model and on the live kernel.
 */
import { describe, expect, it } from "vitest";
import { forwardSlotCopies } from "../../compiler/passes/forward-slot-copies.ts";
import { mergeStores } from "../../compiler/passes/merge-stores.ts";
import { runPass } from "./support.ts";

const halves = (slotAlign: number, offset: number, between = "") => `
      func @f(ptr) -> i64 {
        slot s0 size 16 align ${slotAlign}
      b0(v0:ptr):
        v1:i64 = load.8 v0, 0
        v2:ptr = stackslot s0
        store.4 v2, ${offset}, v1
        v3:i64 = const 32
        v4:i64 = lshr v1, v3${between}
        store.4 v2, ${offset + 4}, v4
        v5:i64 = load.8 v2, 0
        ret v5
      }`;

describe("merge-stores", () => {
  it("stores both halves of a 64-bit value as one 8-byte store", () => {
    const { out, changed } = runPass(mergeStores, halves(8, 8));
    expect(changed).toBe(true);
    expect(out).toContain("store.8 v2, 8, v1");
    expect(out).not.toContain("store.4");
  });

  it("not at an offset or slot that is not 8-byte aligned", () => {
    expect(runPass(mergeStores, halves(8, 4)).changed).toBe(false);
    expect(runPass(mergeStores, halves(4, 0)).changed).toBe(false);
  });

  it("not across an access in between", () => {
    const between = "\n        v9:i64 = load.8 v2, 8";
    expect(runPass(mergeStores, halves(8, 8, between)).changed).toBe(false);
  });
});

const keyCopy = (between = "") => `
      func @f(ptr) -> i64 {
        slot s0 size 16 align 8 "rec"
        slot s1 size 4 align 4 "key"
      b0(v0:ptr):
        v1:ptr = stackslot s0
        v2:i64 = load.8 v0, 0
        store.8 v1, 0, v2
        store.8 v1, 8, v2
        v3:i32 = load.4 v1, 4
        v4:ptr = stackslot s1
        store.4 v4, 0, v3${between}
        v5:ptr = mapref @m
        v6:i64 = const 0
        v7:i64 = callhelper map_update_elem#2(v5, v4, v1, v6)
        ret v7
      }`;

describe("forward-slot-copies", () => {
  it("passes the original bytes' address instead of a copied key", () => {
    const { out, changed } = runPass(forwardSlotCopies, keyCopy());
    expect(changed).toBe(true);
    expect(out).toMatch(/v(\d+):ptr = ptradd v1, v(\d+)\n[^]*map_update_elem#2\(v5, v\1, v1, v6\)/);
    expect(out).not.toContain("store.4");
  });

  it("not when the original is written before the helper reads the copy", () => {
    expect(runPass(forwardSlotCopies, keyCopy("\n        store.4 v1, 4, v3")).changed).toBe(false);
  });

  it("not when a helper may write through the copy", () => {
    const text = keyCopy().replace(
      "callhelper map_update_elem#2(v5, v4, v1, v6)",
      "callhelper probe_read_kernel#113(v4, v6, v6)",
    );
    expect(runPass(forwardSlotCopies, text).changed).toBe(false);
  });
});
