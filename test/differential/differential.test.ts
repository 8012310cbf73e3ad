/**
 * Differential testing of the bundled VM: random verifier-accepted programs (test/support/gen) run in
 * the reference interpreter, in the JIT and, with root + bpf(), on the live kernel through
 * BPF_PROG_TEST_RUN; every pair must agree on r0, the output packet and the map value (which holds
 * all 64 bits of every scalar register and the stack area). The kernel is authoritative.
 *
 * Seeds are fixed so a failure reproduces: TSBPF_DIFF_SEED (first seed, default 1) and
 * TSBPF_DIFF_COUNT (number of programs, default 300) select them; e.g.
 * `TSBPF_DIFF_COUNT=5000 TSBPF_DIFF_SEED=1000 npx vitest run test/differential`.
 * TSBPF_DIFF_KERNEL_BUGS=1 turns off the generator's workarounds for known kernel verifier bugs
 * (README.md), to check whether a kernel still has them.
 * A disagreement prints the seed, the differences, both results and the disassembly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSNS, encodeProgram, validateProgram } from "../../core/isa/index.ts";
import type { KernelMap } from "../../runtime/loader/index.ts";
import { capability, hasKernelBpf } from "../support/env.ts";
import { DIFF_LAYOUT, generateProgram, type GeneratedProgram } from "../support/gen/program-gen.ts";
import { createDiffMap, runOnKernel, type KernelResult } from "./kernel-runner.ts";
import { compareOutcomes, formatDisagreement, type Outcome } from "./outcome.ts";
import { minimizeProgram } from "./minimize.ts";
import { runOnVm } from "./vm-runner.ts";

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) {
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return v;
}

const COUNT = intEnv("TSBPF_DIFF_COUNT", 300, 1);
const FIRST_SEED = intEnv("TSBPF_DIFF_SEED", 1, 0);
/** TSBPF_DIFF_KERNEL_BUGS=1 drops the generator's kernel-bug workarounds (see README.md). */
const GEN_OPTIONS = { avoidKernelBugs: process.env.TSBPF_DIFF_KERNEL_BUGS !== "1" };
const SLOW = { timeout: 600_000 };
/** At most this many full disagreement reports are printed per comparison. */
const MAX_REPORTS = 5;

const programs: GeneratedProgram[] = Array.from({ length: COUNT }, (_, i) =>
  generateProgram(FIRST_SEED + i, GEN_OPTIONS),
);

/** Runs every program on one side once, timing it; later tests reuse the results. */
function timed<T>(label: string, run: (p: GeneratedProgram) => T): () => T[] {
  let results: T[] | undefined;
  return () => {
    if (results) return results;
    const start = performance.now();
    results = programs.map(run);
    const ms = performance.now() - start;
    process.stderr.write(
      `[differential] ${label}: ${COUNT} programs (seeds ${FIRST_SEED}..${FIRST_SEED + COUNT - 1}) in ${ms.toFixed(0)} ms\n`,
    );
    return results;
  };
}

const interpreterRuns = timed("interpreter", (p) => runOnVm(p, "interpreter"));
const jitRuns = timed("jit", (p) => runOnVm(p, "jit"));

/** Re-runs one program on both sides of a comparison (for minimisation); undefined if rejected. */
type Rerun = (p: GeneratedProgram) => [Outcome, Outcome] | undefined;

/**
 * Compares side `a` with side `b` on every program; prints reports (the first one also minimised,
 * with `rerun`) and returns the failing seeds.
 */
function disagreements(
  a: readonly (Outcome | undefined)[],
  b: readonly Outcome[],
  rerun: Rerun,
): number[] {
  const failing: number[] = [];
  programs.forEach((p, i) => {
    const x = a[i];
    if (!x) return; // rejected by the kernel: counted by the rejection test
    const diff = compareOutcomes(x, b[i]!);
    if (diff.length === 0) return;
    failing.push(p.seed);
    if (failing.length <= MAX_REPORTS) {
      process.stderr.write(`${formatDisagreement(p, x, b[i]!, diff)}\n\n`);
    }
    if (failing.length === 1) {
      const stillDiffers = (q: GeneratedProgram) => {
        const r = rerun(q);
        return r !== undefined && compareOutcomes(...r).length > 0;
      };
      const m = minimizeProgram(p, stillDiffers);
      const [mx, my] = rerun(m)!;
      process.stderr.write(
        `minimised:\n${formatDisagreement(m, mx, my, compareOutcomes(mx, my))}\n\n`,
      );
    }
  });
  return failing;
}

describe("generated programs", () => {
  it("are deterministic per seed and differ between seeds", () => {
    const again = generateProgram(FIRST_SEED, GEN_OPTIONS);
    expect(encodeProgram(again.insns)).toEqual(encodeProgram(programs[0]!.insns));
    expect(again.packet).toEqual(programs[0]!.packet);
    expect(again.mapValue).toEqual(programs[0]!.mapValue);
    const distinct = new Set(
      programs.map((p) => Buffer.from(encodeProgram(p.insns)).toString("hex")),
    );
    expect(distinct.size).toBe(COUNT);
  });

  it("are well formed for -mcpu=v4 and have inputs of the documented sizes", () => {
    for (const p of programs) {
      expect(validateProgram(p.insns, { mcpu: 4 }), `seed ${p.seed}`).toEqual([]);
      expect(p.packet.length).toBeGreaterThanOrEqual(DIFF_LAYOUT.packetBytes);
      expect(p.mapValue.length).toBe(DIFF_LAYOUT.valueSize);
    }
  });

  it.runIf(COUNT >= 200)("together use every ALU, jump, load, store and atomic row", () => {
    const used = new Set(programs.flatMap((p) => p.insns.map((i) => i.spec.name)));
    const kinds = new Set([
      "alu",
      "neg",
      "mov",
      "movsx",
      "end",
      "ldx",
      "st",
      "stx",
      "atomic",
      "jcond",
      "ja",
    ]);
    const missing = INSNS.filter((s) => kinds.has(s.kind) && !used.has(s.name)).map((s) => s.name);
    expect(missing).toEqual([]);
  });
});

describe("VM interpreter vs JIT on generated programs", () => {
  it("agree on r0 (64 bits), the packet and the map value", SLOW, () => {
    const interp = interpreterRuns();
    const jit = jitRuns();
    expect(interp.filter((o) => o.error !== undefined).map((o) => o.error)).toEqual([]);
    const rerun: Rerun = (p) => [runOnVm(p, "interpreter"), runOnVm(p, "jit")];
    expect(disagreements(interp, jit, rerun)).toEqual([]);
    // Instruction counts must agree too: both engines follow the same path.
    expect(jit.map((o) => o.executed)).toEqual(interp.map((o) => o.executed));
  });
});

const withKernel = capability("root + bpf()", hasKernelBpf(), "VM vs kernel differential tests");

describe.runIf(withKernel)("VM vs kernel (BPF_PROG_TEST_RUN) on generated programs", () => {
  let map: KernelMap;
  let kernel: KernelResult[] = [];
  beforeAll(() => {
    map = createDiffMap();
    const start = performance.now();
    kernel = programs.map((p) => runOnKernel(p, map));
    process.stderr.write(
      `[differential] kernel load + test run: ${COUNT} programs in ${(performance.now() - start).toFixed(0)} ms\n`,
    );
  }, SLOW.timeout);
  afterAll(() => map?.close());

  const kernelOutcomes = () => kernel.map((k) => (k.accepted ? k.outcome : undefined));
  const rerunWith =
    (engine: "interpreter" | "jit"): Rerun =>
    (p) => {
      const k = runOnKernel(p, map);
      return k.accepted ? [k.outcome, runOnVm(p, engine)] : undefined;
    };

  it("the verifier accepts every generated program (generator rejection rate 0)", () => {
    const rejected = kernel.flatMap((k, i) =>
      k.accepted ? [] : [`seed ${programs[i]!.seed}: ${k.reason}`],
    );
    expect(rejected.length, `rejected ${rejected.length}/${COUNT}`).toBe(0);
  });

  it("the interpreter matches the kernel", SLOW, () => {
    expect(disagreements(kernelOutcomes(), interpreterRuns(), rerunWith("interpreter"))).toEqual(
      [],
    );
  });

  it("the JIT matches the kernel", SLOW, () => {
    expect(disagreements(kernelOutcomes(), jitRuns(), rerunWith("jit"))).toEqual([]);
  });
});
