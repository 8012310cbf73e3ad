/**
 * Register allocation on many generated functions, validated by the independent checker; plus checks
 * that the checker itself rejects broken assignments (so it can fail).
 */
import { describe, expect, it } from "vitest";
import { allocateRegisters } from "../../compiler/target/bpf/regalloc.ts";
import { checkAllocation } from "../../compiler/target/bpf/regalloc-check.ts";
import {
  VREG_BASE,
  isVirtual,
  minst,
  operandsOf,
  type MBlock,
  type MFunc,
  type MInst,
} from "../../compiler/target/bpf/mir.ts";

const span = { file: "gen.ts", line: 1, col: 1 };

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random function: block 0 defines `globals` values used everywhere; later blocks compute with them
 * and with their own locals, make helper calls, and branch forward (plus occasional back edges).
 */
function generate(seed: number, globals: number): MFunc {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  let next = VREG_BASE;
  const fresh = () => next++;
  const nblocks = 2 + Math.floor(r() * 6);
  const blocks: MBlock[] = [];
  const shared: number[] = [];
  const entry: MInst[] = [];
  const ctx = fresh();
  entry.push(minst("mov64_reg", { dst: ctx, src: 1 }));
  shared.push(ctx);
  for (let g = 0; g < globals; g++) {
    const v = fresh();
    entry.push(minst("mov64_imm", { dst: v, imm: g }));
    shared.push(v);
  }
  for (let b = 0; b < nblocks; b++) {
    const insts: MInst[] = b === 0 ? entry : [];
    const local = [...shared];
    const n = 1 + Math.floor(r() * 10);
    for (let k = 0; k < n; k++) {
      const choice = r();
      if (choice < 0.3) {
        const d = fresh();
        insts.push(minst("mov64_reg", { dst: d, src: pick(local) }));
        insts.push(
          minst(pick(["add64_reg", "xor64_reg", "mul64_reg"]), { dst: d, src: pick(local) }),
        );
        local.push(d);
      } else if (choice < 0.45) {
        const nargs = 1 + Math.floor(r() * 5);
        for (let a = 0; a < nargs; a++)
          insts.push(minst("mov64_reg", { dst: a + 1, src: pick(local) }));
        insts.push(minst("call_helper", { imm: 14, nargs }));
        const d = fresh();
        insts.push(minst("mov64_reg", { dst: d, src: 0 }));
        local.push(d);
      } else if (choice < 0.6) {
        insts.push(minst("stxdw", { dst: 10, src: pick(local), off: -8 }));
      } else if (choice < 0.7) {
        const d = fresh();
        insts.push(minst("ldxw", { dst: d, src: pick(local), off: 4 }));
        local.push(d);
      } else if (choice < 0.8) {
        const d = pick(local.slice(shared.length).length ? local.slice(shared.length) : [fresh()]);
        insts.push(minst("mov32_imm", { dst: d, imm: k }));
        if (!local.includes(d)) local.push(d);
      } else {
        const d = fresh();
        insts.push(minst("mov64_reg", { dst: d, src: pick(local) }));
        local.push(d);
      }
    }
    if (b === nblocks - 1) {
      insts.push(minst("mov64_reg", { dst: 0, src: pick(local) }));
      insts.push(minst("exit"));
    } else {
      const t =
        r() < 0.15 && b > 1
          ? 1 + Math.floor(r() * (b - 1))
          : b + 1 + Math.floor(r() * (nblocks - b - 1));
      insts.push(minst("jeq64_imm", { dst: pick(local), imm: 0, target: t }));
      insts.push(minst("ja", { target: b + 1 }));
    }
    blocks.push({ id: b, insts });
  }
  return {
    name: `gen${seed}`,
    section: "xdp",
    blocks,
    slots: [],
    spillSlots: 0,
    nextVreg: next,
    span,
  };
}

describe("register allocation", () => {
  it("produces assignments the checker accepts on 300 generated functions", () => {
    let spilled = 0;
    let coalesced = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const f = generate(seed, seed % 3 === 0 ? 14 : 4);
      const a = allocateRegisters(f);
      expect(checkAllocation(a), `seed ${seed}`).toEqual([]);
      for (const b of a.func.blocks) {
        for (const i of b.insts) {
          expect(isVirtual(i.dst) || isVirtual(i.src)).toBe(false);
          const ops = operandsOf(i);
          expect(ops.defs.every((d) => d >= 0 && d <= 9)).toBe(true);
        }
      }
      spilled += a.spilled;
      coalesced += a.coalesced;
    }
    // Heavy functions (14 values live everywhere, calls in between) must spill; copies must coalesce.
    expect(spilled).toBeGreaterThan(0);
    expect(coalesced).toBeGreaterThan(0);
  });

  it("keeps values live across a call out of r0-r5", () => {
    const v = VREG_BASE;
    const f: MFunc = {
      name: "f",
      section: "xdp",
      slots: [],
      spillSlots: 0,
      nextVreg: v + 1,
      span,
      blocks: [
        {
          id: 0,
          insts: [
            minst("mov64_reg", { dst: v, src: 1 }),
            minst("call_helper", { imm: 5, nargs: 0 }),
            minst("mov64_reg", { dst: 0, src: v }),
            minst("exit"),
          ],
        },
      ],
    };
    const a = allocateRegisters(f);
    expect(checkAllocation(a)).toEqual([]);
    expect(a.assignment.get(v)).toBeGreaterThanOrEqual(6);
  });

  it("checker rejects a value clobbered by a call, and two live values sharing a register", () => {
    const v = VREG_BASE;
    const f: MFunc = {
      name: "f",
      section: "xdp",
      slots: [],
      spillSlots: 0,
      nextVreg: v + 2,
      span,
      blocks: [
        {
          id: 0,
          insts: [
            minst("mov64_imm", { dst: v, imm: 1 }),
            minst("mov64_imm", { dst: v + 1, imm: 2 }),
            minst("call_helper", { imm: 5, nargs: 0 }),
            minst("add64_reg", { dst: v, src: v + 1 }),
            minst("mov64_reg", { dst: 0, src: v }),
            minst("exit"),
          ],
        },
      ],
    };
    const good = allocateRegisters(f);
    expect(checkAllocation(good)).toEqual([]);
    // r1 is clobbered by the call; r7 cannot hold both live values at once.
    const clobbered: [number, number][] = [
      [v, 1],
      [v + 1, 7],
    ];
    const shared: [number, number][] = [
      [v, 7],
      [v + 1, 7],
    ];
    for (const assignment of [clobbered, shared]) {
      const bad = { ...good, assignment: new Map(assignment) };
      expect(checkAllocation(bad).join("\n")).toMatch(/does not hold/);
    }
  });
});
