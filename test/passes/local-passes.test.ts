/**
 * Text-in/text-out tests of simplify-insts, thread-jumps and merge-identical-blocks: parse → pass →
 * print, compared with the expected text, with the IR verifier run before and after.
 */
import { describe, expect, it } from "vitest";
import { mergeIdenticalBlocks } from "../../compiler/passes/merge-identical-blocks.ts";
import { simplifyInsts } from "../../compiler/passes/simplify-insts.ts";
import { threadJumps } from "../../compiler/passes/thread-jumps.ts";
import { dedent, expectUnchanged, runPass } from "./support.ts";

describe("simplify-insts", () => {
  it("stores the unconverted value when the store keeps only bits the conversion preserves", () => {
    const { out, changed } = runPass(
      simplifyInsts,
      `
      func @f(ptr, i64) -> i64 {
        slot s0 size 8 align 8
      b0(v0:ptr, v1:i64):
        v2:i32 = trunc v1
        v3:ptr = stackslot s0
        store.4 v3, 0, v2
        v4:i16 = trunc v1
        v5:i32 = zext v4
        store.4 v3, 4, v5
        ret v1
      }`,
    );
    expect(changed).toBe(true);
    expect(out).toContain("store.4 v3, 0, v1");
    // zext from i16 changes bytes 2..3, so a 4-byte store must keep it.
    expect(out).toContain("store.4 v3, 4, v5");
  });

  it("reassociates constant ptradd chains and folds them into access offsets", () => {
    const { out } = runPass(
      simplifyInsts,
      `
      func @f(ptr) -> i64 {
      b0(v0:ptr):
        v1:i64 = const 14
        v2:ptr = ptradd v0, v1
        v3:i64 = const 10
        v4:ptr = ptradd v2, v3
        v5:i32 = load.1 v2, 9
        v6:i1 = icmp ugt v4, v0
        condbr v6, b1, b2
      b1:
        ret v1
      b2:
        v7:i64 = zext v5
        ret v7
      }`,
    );
    expect(out).toContain("v5:i32 = load.1 v0, 23");
    expect(out).toMatch(/v(\d+):i64 = const 24\n {2}v4:ptr = ptradd v0, v\1/);
  });

  it("tests the select's condition when both arms compare with the constant in a known way", () => {
    const { out } = runPass(
      simplifyInsts,
      `
      func @f(ptr, i64, i32) -> i64 {
        slot s0 size 8 align 8
      b0(v0:ptr, v1:i64, v9:i32):
        v2:ptr = stackslot s0
        v3:i64 = const 0
        v4:i1 = icmp eq v1, v3
        v5:ptr = const 0
        v6:ptr = select v4, v2, v5
        v7:i1 = icmp eq v6, v5
        v8:i1 = icmp ne v6, v5
        v10:i32 = const 3
        v11:i32 = const 4
        v12:i1 = icmp ult v9, v11
        v13:i32 = select v12, v10, v11
        v14:i1 = icmp eq v13, v11
        v15:i1 = icmp eq v13, v9
        condbr v7, b1, b2
      b1:
        ret v1
      b2:
        condbr v8, b1, b3
      b3:
        condbr v14, b1, b4
      b4:
        condbr v15, b1, b5
      b5:
        ret v3
      }`,
    );
    // select v4, <never null>, null is null exactly when v4 does not hold
    expect(out).toContain("v7:i1 = icmp ne v1, v3");
    expect(out).toContain("v8:i1 = icmp eq v1, v3");
    // 3 == 4 is false and 4 == 4 true: the result is the negated condition
    expect(out).toContain("v14:i1 = icmp uge v9, v11");
    // not a constant on the right: unchanged
    expect(out).toContain("v15:i1 = icmp eq v13, v9");
  });

  it("leaves code it cannot improve unchanged", () => {
    expectUnchanged(
      simplifyInsts,
      `
      func @f(ptr, i64) -> i64 {
      b0(v0:ptr, v1:i64):
        store.8 v0, 0, v1
        ret v1
      }`,
    );
  });
});

describe("thread-jumps", () => {
  it("sends edges into an empty block straight to its target, with the arguments", () => {
    const { out } = runPass(
      threadJumps,
      `
      func @f(i64) -> i64 {
      b0(v0:i64):
        v1:i64 = const 0
        v2:i1 = icmp eq v0, v1
        condbr v2, b1, b2
      b1:
        br b3(v0)
      b2:
        br b3(v1)
      b3(v3:i64):
        ret v3
      }`,
    );
    expect(out).toContain("condbr v2, b3(v0), b3(v1)");
  });

  it("duplicates a return into the jumps that reach it, through its parameter or an outside value", () => {
    const { out, changed } = runPass(
      threadJumps,
      `
      func @f(i64) -> i64 {
      b0(v0:i64):
        v1:i64 = const 0
        v2:i1 = icmp eq v0, v1
        condbr v2, b1, b2
      b1:
        v4:i64 = add v0, v0
        br b3(v4)
      b2:
        v5:i64 = sub v0, v1
        br b4
      b3(v3:i64):
        ret v3
      b4:
        ret v0
      }`,
    );
    expect(changed).toBe(true);
    expect(out).toMatch(/v4:i64 = add v0, v0\n {2}ret v4/);
    expect(out).toMatch(/v5:i64 = sub v0, v1\n {2}ret v0/);
  });

  it("leaves a jump to a block that does more than return alone", () => {
    expectUnchanged(
      threadJumps,
      `
      func @f(i64) -> i64 {
      b0(v0:i64):
        br b1(v0)
      b1(v1:i64):
        v2:i64 = add v1, v1
        ret v2
      }`,
    );
  });
});

describe("merge-identical-blocks", () => {
  it("merges duplicate return blocks and cross-jumps a tail into an exit block", () => {
    const { out, changed } = runPass(
      mergeIdenticalBlocks,
      `
      func @f(ptr) -> i64 {
      b0(v0:ptr):
        v1:i64 = load.8 v0, 0
        v2:i64 = const 0
        v3:i1 = icmp eq v1, v2
        condbr v3, b1, b2
      b1:
        v4:i64 = const 2
        ret v4
      b2:
        v5:i1 = icmp ugt v1, v2
        condbr v5, b3, b4
      b3:
        v6:i64 = const 2
        ret v6
      b4:
        store.8 v0, 0, v2
        v7:i64 = const 2
        ret v7
      }`,
    );
    expect(changed).toBe(true);
    expect(out).toContain("condbr v5, b1, b4");
    expect(out).toMatch(/b4:\n {2}store.8 v0, 0, v2\n {2}br b1\n/);
  });

  it("keeps blocks that differ in a constant or loop to themselves apart", () => {
    const text = `
      func @f(i64) -> i64 {
      b0(v0:i64):
        v1:i64 = const 0
        v2:i1 = icmp eq v0, v1
        condbr v2, b1, b2
      b1:
        v3:i64 = const 1
        ret v3
      b2:
        v4:i64 = const 2
        ret v4
      }`;
    const { out, changed } = runPass(mergeIdenticalBlocks, text);
    expect(changed).toBe(false);
    expect(out).toBe(dedent(text));
  });
});
