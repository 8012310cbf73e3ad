/**
 * Differential test: thousands of random programs (straight-line code with forward branches and
 * stack loads, stores and atomics, over every ALU/jump/memory row) run on the interpreter and the JIT;
 * r0, the executed count and the final stack contents must match. Seeded, so failures reproduce.
 */
import { describe, expect, it } from "vitest";
import { INSNS, insnSpec, makeInsn, splitImm64 } from "../../core/isa/index.ts";
import type { Insn, InsnSpec } from "../../core/isa/index.ts";
import type { HelperTable } from "../../runtime/vm/index.ts";
import { runOn } from "./support.ts";

/** xorshift32: a tiny deterministic generator. */
function rng(seed: number) {
  let x = seed | 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return {
    int: (n: number) => next() % n,
    pick: <T>(xs: readonly T[]): T => xs[next() % xs.length]!,
    u64: () => (BigInt(next()) << 32n) | BigInt(next()),
  };
}

const POOL = INSNS.filter((s) =>
  ["alu", "mov", "neg", "movsx", "end", "jcond", "ldx", "st", "stx", "atomic"].includes(s.kind),
);
const INTERESTING = [0, 1, -1, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 7, -3, 255];

function randomInsn(r: ReturnType<typeof rng>, spec: InsnSpec, remaining: number): Insn {
  const reg = () => r.int(10); // r0–r9: never writes r10
  const imm = () => (r.int(2) ? r.pick(INTERESTING) : Number(BigInt.asIntN(32, r.u64())));
  const size = spec.memSize || 8;
  const slot = -size * (1 + r.int(64 / size)); // aligned, inside [r10-64, r10)
  switch (spec.kind) {
    case "ldx":
      return makeInsn(spec, { dst: reg(), src: 10, off: slot });
    case "st":
      return makeInsn(spec, { dst: 10, off: slot, imm: imm() });
    case "stx":
    case "atomic":
      return makeInsn(spec, { dst: 10, src: reg(), off: slot, imm: spec.immMatch ?? 0 });
    case "jcond":
      return makeInsn(spec, { dst: reg(), src: reg(), imm: imm(), off: r.int(remaining + 1) });
    case "end":
      return makeInsn(spec, { dst: reg() });
    default:
      return makeInsn(spec, { dst: reg(), src: reg(), imm: imm() });
  }
}

/** A random body, then an epilogue that hands the stack to helper 1 and exits with the old r0. */
function randomProgram(seed: number): Insn[] {
  const r = rng(seed);
  const out: Insn[] = [];
  for (let reg = 0; reg < 10; reg++) {
    out.push(makeInsn(insnSpec("lddw"), { dst: reg, ...splitImm64(r.u64()) }));
  }
  const n = 5 + r.int(40);
  for (let i = 0; i < n; i++) out.push(randomInsn(r, r.pick(POOL), n - 1 - i));
  out.push(
    makeInsn(insnSpec("mov64_reg"), { dst: 6, src: 0 }),
    makeInsn(insnSpec("mov64_reg"), { dst: 1, src: 10 }),
    makeInsn(insnSpec("add64_imm"), { dst: 1, imm: -64 }),
    makeInsn(insnSpec("call_helper"), { imm: 1 }),
    makeInsn(insnSpec("mov64_reg"), { dst: 0, src: 6 }),
    makeInsn(insnSpec("exit")),
  );
  return out;
}

describe("interpreter vs JIT on random programs", () => {
  it("agree on r0, executed count and stack contents for 3000 programs", () => {
    let withStack = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const insns = randomProgram(seed * 7919);
      const stacks: string[] = [];
      const helpers: HelperTable = new Map([
        [
          1,
          {
            name: "dump_stack",
            fn: (call) => {
              stacks.push(Buffer.from(call.memory.read(call.args[0], 64)).toString("hex"));
              return 0n;
            },
          },
        ],
      ]);
      const a = runOn("interpreter", insns, helpers);
      const b = runOn("jit", insns, helpers);
      expect(b, `seed ${seed * 7919}`).toEqual(a);
      expect(stacks[1], `stack, seed ${seed * 7919}`).toBe(stacks[0]);
      if (stacks[0] && /[^0]/.test(stacks[0])) withStack++;
    }
    // The generator must actually exercise memory, or the stack comparison proves nothing.
    expect(withStack).toBeGreaterThan(1000);
  });
});
