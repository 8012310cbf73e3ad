/**
 * Text-in/text-out tests of eliminate-dead-stores: which stack stores die, which memsets shrink, and
 * what keeps them (reads, helper arguments, escaping slots, loops).
 */
import { describe, expect, it } from "vitest";
import { eliminateDeadStores, fillCost } from "../../compiler/passes/eliminate-dead-stores.ts";
import { expectUnchanged, runPass } from "./support.ts";

describe("eliminate-dead-stores", () => {
  it("drops a memset whose bytes are all written again (stores and a full-write helper) first", () => {
    const { out, changed } = runPass(
      eliminateDeadStores,
      `
      func @f(ptr) -> i64 {
        slot s0 size 24 align 8
      b0(v0:ptr):
        v1:ptr = stackslot s0
        memset v1, 0, 24, align 8
        v2:i64 = callhelper ktime_get_ns#5()
        store.8 v1, 0, v2
        v3:i64 = const 8
        v4:ptr = ptradd v1, v3
        v5:i32 = const 16
        v6:i64 = callhelper probe_read_kernel#113(v4, v5, v0)
        v7:ptr = mapref @m
        v8:i64 = const 24
        v9:i64 = const 0
        v10:i64 = callhelper ringbuf_output#130(v7, v1, v8, v9)
        ret v9
      }`,
    );
    expect(changed).toBe(true);
    expect(out).not.toContain("memset");
    expect(out).toContain("store.8 v1, 0, v2");
  });

  it("keeps the zeroes under a comm: get_current_comm writes only up to the NUL on 6.1", () => {
    const { out } = runPass(
      eliminateDeadStores,
      `
      func @f(ptr) -> i64 {
        slot s0 size 24 align 8
      b0(v0:ptr):
        v1:ptr = stackslot s0
        memset v1, 0, 24, align 8
        v2:i64 = callhelper ktime_get_ns#5()
        store.8 v1, 0, v2
        v3:i64 = const 8
        v4:ptr = ptradd v1, v3
        v5:i32 = const 16
        v6:i64 = callhelper get_current_comm#16(v4, v5)
        v7:ptr = mapref @m
        v8:i64 = const 24
        v9:i64 = const 0
        v10:i64 = callhelper ringbuf_output#130(v7, v1, v8, v9)
        ret v9
      }`,
    );
    // The timestamp's bytes are written again (the memset shrinks past them); the comm's 16 stay.
    expect(out).toMatch(/v(\d+):ptr = ptradd v1, v\d+\n\s+memset v\1, 0, 16, align 8\n/);
  });

  it("shrinks a memset to the bytes still read (tail padding) and keeps the others", () => {
    const { out } = runPass(
      eliminateDeadStores,
      `
      func @f(ptr) -> i64 {
        slot s0 size 16 align 8
      b0(v0:ptr):
        v1:ptr = stackslot s0
        memset v1, 0, 16, align 8
        v2:i64 = const 5
        store.8 v1, 0, v2
        v3:i32 = const 7
        store.4 v1, 8, v3
        v7:ptr = mapref @m
        v8:i64 = const 16
        v9:i64 = const 0
        v10:i64 = callhelper ringbuf_output#130(v7, v1, v8, v9)
        ret v9
      }`,
    );
    // Bytes 12..16 are read by ringbuf_output: the fill keeps the aligned 8 bytes from offset 8.
    expect(out).toMatch(
      /v\d+:i64 = const 8\n\s+v(\d+):ptr = ptradd v1, v\d+\n\s+memset v\1, 0, 8, align 8/,
    );
  });

  it("drops a store overwritten on every path, but not one read on some path", () => {
    const { out } = runPass(
      eliminateDeadStores,
      `
      func @f(i64) -> i64 {
        slot s0 size 8 align 8
        slot s1 size 8 align 8
      b0(v0:i64):
        v1:ptr = stackslot s0
        v2:ptr = stackslot s1
        v3:i64 = const 0
        store.8 v1, 0, v3
        store.8 v2, 0, v3
        v4:i1 = icmp eq v0, v3
        condbr v4, b1, b2
      b1:
        store.8 v1, 0, v0
        v5:i64 = load.8 v2, 0
        br b3(v5)
      b2:
        store.8 v1, 0, v0
        br b3(v3)
      b3(v6:i64):
        v7:i64 = load.8 v1, 0
        v8:i64 = add v6, v7
        ret v8
      }`,
    );
    expect(out).not.toContain("store.8 v1, 0, v3");
    expect(out).toContain("store.8 v2, 0, v3");
  });

  it("keeps stores read around a loop back edge and stores to escaping slots", () => {
    expectUnchanged(
      eliminateDeadStores,
      `
      func @f(i64) -> i64 {
        slot s0 size 8 align 8
        slot s1 size 8 align 8
      b0(v0:i64):
        v1:ptr = stackslot s0
        v2:ptr = stackslot s1
        v3:i64 = const 0
        store.8 v1, 0, v3
        store.8 v2, 0, v3
        v9:i64 = ptrtoint v2
        br b1(v3)
      b1(v4:i64):
        v5:i64 = load.8 v1, 0
        store.8 v1, 0, v4
        v6:i1 = icmp ult v5, v0
        condbr v6, b1(v5), b2
      b2:
        ret v9
      }`,
    );
  });

  it("treats a helper's key argument as a read of the slot, and a _str helper as no full write", () => {
    expectUnchanged(
      eliminateDeadStores,
      `
      func @f(ptr) -> i64 {
        slot s0 size 16 align 8
      b0(v0:ptr):
        v1:ptr = stackslot s0
        memset v1, 0, 16, align 8
        v2:i32 = const 16
        v3:i64 = const 0
        v4:i64 = callhelper probe_read_kernel_str#115(v1, v2, v3)
        v5:ptr = mapref @m
        v6:ptr = callhelper map_lookup_elem#1(v5, v1)
        ret v3
      }`,
    );
  });

  it("counts fill stores the way the back end expands them", () => {
    expect(fillCost(28, 4)).toBe(7);
    expect(fillCost(16, 8)).toBe(2);
    expect(fillCost(7, 8)).toBe(3);
  });
});
