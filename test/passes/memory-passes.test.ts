/**
 * Text-in/text-out tests of the memory passes (forward-memory, merge-stack-slots) and of the alias
 * rules they share (memory-model.ts): what may and may not change a location between two accesses.
 */
import { describe, expect, it } from "vitest";
import { forwardMemory } from "../../compiler/passes/forward-memory.ts";
import { mergeStackSlots } from "../../compiler/passes/merge-stack-slots.ts";
import { expectUnchanged, runPass } from "./support.ts";

describe("forward-memory", () => {
  it("reuses a dominating load across blocks when nothing in between writes memory", () => {
    const { out } = runPass(
      forwardMemory,
      `
      func @f(ptr) -> i64 {
      b0(v0:ptr):
        v1:ptr = load.4 v0, 0
        v2:ptr = load.4 v0, 4
        v3:i1 = icmp ugt v1, v2
        condbr v3, b1, b2
      b1:
        v4:i64 = const 2
        ret v4
      b2:
        v5:ptr = load.4 v0, 0
        v6:i64 = ptrtoint v5
        ret v6
      }`,
    );
    expect(out).not.toContain("v5:ptr = load");
    expect(out).toContain("v6:i64 = ptrtoint v1");
  });

  it("does not reuse a load across a helper call or a store that may alias", () => {
    expectUnchanged(
      forwardMemory,
      `
      func @f(ptr, ptr) -> i64 {
      b0(v0:ptr, v9:ptr):
        v1:i64 = load.8 v0, 0
        v2:i64 = callhelper ktime_get_ns#5()
        v3:i64 = load.8 v0, 0
        v4:i64 = const 7
        store.8 v9, 0, v4
        v5:i64 = load.8 v0, 0
        v6:i64 = add v1, v3
        v7:i64 = add v6, v5
        ret v7
      }`,
    );
  });

  it("forwards a stored value to a load of the same bytes, not through a loop that writes them", () => {
    const { out } = runPass(
      forwardMemory,
      `
      func @f(i64) -> i64 {
        slot s0 size 8 align 8
      b0(v0:i64):
        v1:ptr = stackslot s0
        store.8 v1, 0, v0
        v2:i64 = load.8 v1, 0
        v3:i32 = load.4 v1, 0
        br b1(v2)
      b1(v4:i64):
        v5:i64 = load.8 v1, 0
        v6:i64 = add v5, v4
        store.8 v1, 0, v6
        v7:i1 = icmp ult v6, v0
        condbr v7, b1(v6), b2
      b2:
        v8:i64 = zext v3
        v9:i64 = add v6, v8
        ret v9
      }`,
    );
    expect(out).toContain("br b1(v0)");
    // A 4-byte load of an 8-byte store needs a conversion: left alone.
    expect(out).toContain("v3:i32 = load.4 v1, 0");
    // The loop body writes the slot, so its load stays.
    expect(out).toContain("v5:i64 = load.8 v1, 0");
  });

  it("keeps stack loads across a helper that only reads the slot, not one that writes it", () => {
    const { out } = runPass(
      forwardMemory,
      `
      func @f(i32) -> i64 {
        slot s0 size 4 align 4
        slot s1 size 16 align 8
      b0(v0:i32):
        v1:ptr = stackslot s0
        store.4 v1, 0, v0
        v2:ptr = mapref @m
        v3:ptr = callhelper map_lookup_elem#1(v2, v1)
        v4:i32 = load.4 v1, 0
        v5:ptr = stackslot s1
        v6:i32 = load.4 v5, 0
        v7:i64 = const 16
        v8:i64 = callhelper get_current_comm#16(v5, v7)
        v9:i32 = load.4 v5, 0
        v10:i32 = add v4, v6
        v11:i32 = add v10, v9
        v12:i64 = zext v11
        ret v12
      }`,
    );
    expect(out).toContain("v10:i32 = add v0, v6");
    expect(out).toContain("v9:i32 = load.4 v5, 0");
  });
});

describe("merge-stack-slots", () => {
  it("reuses a key slot that already holds the key, as clang keeps one slot for both calls", () => {
    const { out, changed } = runPass(
      mergeStackSlots,
      `
      func @f(i32) -> i64 {
        slot s0 size 4 align 4
        slot s1 size 4 align 4
        slot s2 size 8 align 8
      b0(v0:i32):
        v1:ptr = stackslot s0
        store.4 v1, 0, v0
        v2:ptr = mapref @m
        v3:ptr = callhelper map_lookup_elem#1(v2, v1)
        v4:ptr = const 0
        v5:i1 = icmp eq v3, v4
        condbr v5, b1, b2
      b1:
        v6:ptr = stackslot s1
        store.4 v6, 0, v0
        v7:ptr = stackslot s2
        v8:i64 = const 1
        store.8 v7, 0, v8
        v9:i64 = const 0
        v10:i64 = callhelper map_update_elem#2(v2, v6, v7, v9)
        br b2
      b2:
        v11:i64 = const 0
        ret v11
      }`,
    );
    expect(changed).toBe(true);
    expect(out).toContain("v6:ptr = stackslot s0");
    expect(out).not.toContain("store.4 v6, 0, v0");
  });

  it("keeps a slot that a helper may write or whose source slot changes in between", () => {
    expectUnchanged(
      mergeStackSlots,
      `
      func @f(i32) -> i64 {
        slot s0 size 4 align 4
        slot s1 size 4 align 4
      b0(v0:i32):
        v1:ptr = stackslot s0
        store.4 v1, 0, v0
        v2:i64 = const 4
        v3:i64 = callhelper get_current_comm#16(v1, v2)
        v6:ptr = stackslot s1
        store.4 v6, 0, v0
        v4:ptr = mapref @m
        v5:ptr = callhelper map_lookup_elem#1(v4, v6)
        v7:i64 = ptrtoint v5
        ret v7
      }`,
    );
  });
});
