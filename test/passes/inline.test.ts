/**
 * The inliner (a module pass): IR module text in, calls replaced by the callee's body, the module
 * verified after; plus the whole pipeline on the result.
 */
import { describe, expect, it } from "vitest";
import { parseModule, printFunc, verifyModule } from "../../compiler/ir/index.ts";
import { inlineFunctions } from "../../compiler/passes/inline-functions.ts";
import { runPipeline } from "../../compiler/passes/pipeline.ts";
import { dedent } from "./support.ts";

const MODULE = `
      module "t.ts"
      license "GPL"

      func @twice(i64) -> i64 {
        slot s0 size 8 align 8
      b0(v0:i64):
        v1:i64 = add v0, v0
        v2:ptr = stackslot s0
        store.8 v2, 0, v1
        ret v1
      }

      func @prog(ptr) -> i64 section "xdp" {
        slot s0 size 4 align 4
      b0(v0:ptr):
        v1:i64 = const 21
        v2:i64 = call @twice(v1)
        v3:i64 = const 40
        v4:i64 = sub v2, v3
        ret v4
      }`;

describe("inline", () => {
  it("replaces a call by the callee's blocks, slots and values, and drops the callee", () => {
    const m = parseModule(dedent(MODULE));
    expect(verifyModule(m)).toEqual([]);
    const { module, changed } = inlineFunctions(m);
    expect(changed).toBe(true);
    expect(verifyModule(module)).toEqual([]);
    expect(module.functions.map((f) => f.name)).toEqual(["prog"]);
    const out = printFunc(module.functions[0]!);
    expect(out).not.toContain("call @twice");
    // The callee's slot joins the caller's frame after its own.
    expect(out).toContain("slot s1 size 8 align 8");
    expect(out).toMatch(/stackslot s1/);
    // The call's result becomes the continuation block's parameter.
    expect(out).toMatch(/b\d+\(v2:i64\):\n {2}v3:i64 = const 40/);
  });

  it("feeds constants through the inlined body in the full pipeline", () => {
    const m = parseModule(dedent(MODULE));
    const { module } = runPipeline(m, { optimize: true, verify: true });
    const out = printFunc(module.functions[0]!);
    expect(out).toContain("const 2");
    expect(out).not.toContain("sub");
  });

  it("leaves recursive-looking and oversized callees alone", () => {
    const text = MODULE.replace("v1:i64 = add v0, v0", "v1:i64 = call @twice(v0)");
    const m = parseModule(dedent(text));
    const r = inlineFunctions(m);
    expect(r.changed).toBe(false);
    const big = inlineFunctions(parseModule(dedent(MODULE)), {
      maxInsts: 1,
      twoSiteMaxInsts: 1,
      maxRounds: 4,
    });
    // One call site: inlining cannot grow the program, so size does not matter.
    expect(big.changed).toBe(true);
  });

  it("inlines a callee too big for every site when it has two call sites, not three", () => {
    const sites = (n: number) =>
      MODULE.replace(
        "v2:i64 = call @twice(v1)",
        Array.from({ length: n }, (_, k) => `v${10 + k}:i64 = call @twice(v1)`).join("\n        ") +
          "\n        v2:i64 = call @twice(v1)",
      );
    const opts = { maxInsts: 1, twoSiteMaxInsts: 8, maxRounds: 4 };
    const two = inlineFunctions(parseModule(dedent(sites(1))), opts);
    expect(verifyModule(two.module)).toEqual([]);
    expect(two.module.functions.map((f) => f.name)).toEqual(["prog"]);
    const three = inlineFunctions(parseModule(dedent(sites(2))), opts);
    expect(three.changed).toBe(false);
    // over twoSiteMaxInsts: left alone even with two sites
    const small = { ...opts, twoSiteMaxInsts: 3 };
    expect(inlineFunctions(parseModule(dedent(sites(1))), small).changed).toBe(false);
  });
});
