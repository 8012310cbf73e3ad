/**
 * Each pass text-in/text-out on IR snippets (parse → pass → print, compared with the expected text),
 * the verifier after every pass, and the pipeline's ordering constraints.
 */
import { describe, expect, it } from "vitest";
import { printFunc } from "../../compiler/ir/index.ts";
import { eliminateCommonSubexpressions } from "../../compiler/passes/eliminate-common-subexpressions.ts";
import { eliminateDeadCode } from "../../compiler/passes/eliminate-dead-code.ts";
import { foldConstants } from "../../compiler/passes/fold-constants.ts";
import { PASSES, PASS_ORDER, runPipeline } from "../../compiler/passes/pipeline.ts";
import { removeRedundantParams } from "../../compiler/passes/remove-redundant-params.ts";
import { simplifyCfg } from "../../compiler/passes/simplify-cfg.ts";
import { dedent, moduleOf, parseChecked, runPass } from "./support.ts";

describe("fold-constants", () => {
  it("folds arithmetic with eBPF semantics (x / 0 = 0) and identities", () => {
    const { out, changed } = runPass(
      foldConstants,
      `
      func @f(i64) -> i64 {
      b0(v0:i64):
        v1:i64 = const 6
        v2:i64 = const 7
        v3:i64 = mul v1, v2
        v4:i64 = const 0
        v5:i64 = udiv v3, v4
        v6:i64 = add v0, v4
        v7:i64 = add v6, v5
        ret v7
      }`,
    );
    expect(changed).toBe(true);
    expect(out).toContain("v3:i64 = const 42");
    expect(out).toContain("v5:i64 = const 0");
    expect(out).not.toContain("v6:i64 = add");
    // v7 = v6 + v5 = (v0 + 0) + 0: both identities fold within one run.
    expect(out).not.toContain("v7:i64");
    expect(out).toContain("ret v0");
  });

  it("folds comparisons of constants and reports no change when there is nothing to do", () => {
    const { out } = runPass(
      foldConstants,
      `
      func @f() -> i32 {
      b0:
        v1:i32 = const -1
        v2:i32 = const 1
        v3:i1 = icmp ult v1, v2
        v4:i1 = icmp slt v1, v2
        v5:i32 = zext v4
        ret v5
      }`,
    );
    expect(out).toContain("v3:i1 = const 0");
    expect(out).toContain("v4:i1 = const 1");
    expect(out).toContain("v5:i32 = const 1");
    const again = runPass(foldConstants, "func @g(i64) -> i64 {\nb0(v0:i64):\n  ret v0\n}");
    expect(again.changed).toBe(false);
  });
});

describe("dce", () => {
  it("removes unused pure values transitively but keeps calls and stores", () => {
    const { out } = runPass(
      eliminateDeadCode,
      `
      func @f(ptr) -> i64 {
      b0(v0:ptr):
        v1:i64 = const 1
        v2:i64 = add v1, v1
        v3:i64 = load.8 v0, 0
        v4:i64 = callhelper ktime_get_ns#5()
        store.8 v0, 8, v1
        ret v1
      }`,
    );
    expect(out).not.toContain("add");
    expect(out).not.toContain("load");
    expect(out).toContain("callhelper ktime_get_ns#5()");
    expect(out).toContain("store.8 v0, 8, v1");
  });
});

describe("simplify-cfg", () => {
  it("folds a constant branch, drops the dead block and merges the straight line", () => {
    const { out } = runPass(
      simplifyCfg,
      `
      func @f(i64) -> i64 {
      b0(v0:i64):
        v1:i1 = const 1
        condbr v1, b1(v0), b2
      b1(v2:i64):
        v3:i64 = add v2, v2
        ret v3
      b2:
        ret v0
      }`,
    );
    expect(out).toBe(
      dedent(`
      func @f(i64) -> i64 {
      b0(v0:i64):
        v1:i1 = const 1
        v3:i64 = add v0, v0
        ret v3
      }`),
    );
  });
});

describe("remove-redundant-params", () => {
  it("replaces a parameter that always receives the same value (loop back edge ignored)", () => {
    const { out } = runPass(
      removeRedundantParams,
      `
      func @f(i64) -> i64 {
      b0(v0:i64):
        br b1(v0, v0)
      b1(v1:i64, v2:i64):
        v3:i64 = add v2, v1
        v4:i1 = icmp ult v3, v1
        condbr v4, b1(v1, v3), b2
      b2:
        ret v3
      }`,
    );
    expect(out).toContain("b1(v2:i64):");
    expect(out).toContain("v3:i64 = add v2, v0");
    expect(out).toContain("condbr v4, b1(v3), b2");
  });
});

describe("cse", () => {
  it("merges equal pure computations in dominated blocks, not loads", () => {
    const { out } = runPass(
      eliminateCommonSubexpressions,
      `
      func @f(ptr, i64) -> i64 {
      b0(v0:ptr, v1:i64):
        v2:i64 = mul v1, v1
        v3:i64 = load.8 v0, 0
        br b1
      b1:
        v4:i64 = mul v1, v1
        v5:i64 = load.8 v0, 0
        v6:i64 = add v4, v5
        v7:i64 = add v6, v3
        v8:i64 = add v7, v2
        ret v8
      }`,
    );
    expect(out).not.toContain("v4:i64 = mul");
    expect(out).toContain("v6:i64 = add v2, v5");
    expect(out).toContain("v5:i64 = load.8 v0, 0");
  });
});

describe("pipeline", () => {
  it("satisfies every ordering constraint, each of which names known passes and a reason", () => {
    const index = new Map(PASSES.map((p, i) => [p.name, i]));
    for (const c of PASS_ORDER) {
      expect(index.has(c.before), c.before).toBe(true);
      expect(index.has(c.after), c.after).toBe(true);
      expect(index.get(c.before)!).toBeLessThan(index.get(c.after)!);
      expect(c.reason.length).toBeGreaterThan(10);
    }
    expect(new Set(PASSES.map((p) => p.name)).size).toBe(PASSES.length);
  });

  it("optimises to a fixed point with the verifier on, and dumps after a named pass", () => {
    const f = parseChecked(`
      func @f(i64) -> i64 {
      b0(v0:i64):
        v1:i64 = const 2
        v2:i64 = const 3
        v3:i64 = add v1, v2
        v4:i1 = icmp eq v3, v2
        condbr v4, b1, b2(v3)
      b1:
        ret v0
      b2(v5:i64):
        v6:i64 = mul v0, v5
        ret v6
      }`);
    const m = moduleOf(f);
    const { module, dumps } = runPipeline(m, { optimize: true, verify: true, dumpAfter: "dce" });
    const out = printFunc(module.functions[0]!);
    expect(out).toContain("mul v0, v3");
    expect(out).not.toContain("b1");
    expect(out).not.toContain("icmp");
    expect(dumps.length).toBeGreaterThan(0);
    expect(() => runPipeline(m, { optimize: true, dumpAfter: "nope" })).toThrow(
      /unknown pass 'nope'/,
    );
  });
});
