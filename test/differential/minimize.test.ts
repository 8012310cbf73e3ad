/**
 * The minimiser must keep programs valid (jump targets on instruction starts, inside the program)
 * and runnable, and must shrink to what the predicate needs.
 */
import { describe, expect, it } from "vitest";
import { validateProgram } from "../../core/isa/index.ts";
import { generateProgram } from "../support/gen/program-gen.ts";
import { minimizeProgram, withoutInsn } from "./minimize.ts";
import { runOnVm } from "./vm-runner.ts";

describe("withoutInsn", () => {
  it("keeps every single-deletion variant valid and runnable", () => {
    for (const seed of [3, 17, 29]) {
      const p = generateProgram(seed, { minBody: 20, maxBody: 30, maxIfs: 6 });
      for (let i = p.body.start; i < p.body.end; i++) {
        const v = withoutInsn(p, i);
        expect(v.insns.length).toBe(p.insns.length - 1);
        expect(validateProgram(v.insns), `seed ${seed} without ${i}`).toEqual([]);
        expect(runOnVm(v, "interpreter").error).toBeUndefined();
      }
    }
  });

  it("refuses to delete outside the body", () => {
    const p = generateProgram(5);
    expect(() => withoutInsn(p, 0)).toThrow(/outside the body/);
    expect(() => withoutInsn(p, p.body.end)).toThrow(/outside the body/);
  });
});

describe("minimizeProgram", () => {
  it("shrinks the body to the one instruction a predicate needs", () => {
    const p = generateProgram(11, { minBody: 40, maxBody: 40 });
    const wanted = p.insns.slice(p.body.start, p.body.end).find((i) => i.spec.kind === "alu");
    expect(wanted).toBeDefined();
    const name = wanted!.spec.name;
    const has = (q: typeof p) =>
      q.insns.slice(q.body.start, q.body.end).some((i) => i.spec.name === name);
    const m = minimizeProgram(p, has);
    expect(m.body.end - m.body.start).toBe(1);
    expect(m.insns[m.body.start]!.spec.name).toBe(name);
    expect(validateProgram(m.insns)).toEqual([]);
  });

  it("returns the program unchanged when no deletion keeps the predicate", () => {
    const p = generateProgram(12);
    const size = p.insns.length;
    expect(minimizeProgram(p, (q) => q.insns.length === size)).toBe(p);
  });
});
