/**
 * Differential testing of the compiled examples (examples/*.ts through compiler/driver.ts): every
 * example whose program type BPF_PROG_TEST_RUN supports (XDP: xdp-counter, xdp-firewall; tc
 * sched_cls: tc-portcount; socket filter: sockfilter) runs a seeded corpus of frames
 * (examples/frames.ts) in the VM's interpreter, its JIT and, with root + bpf(), the live kernel.
 * All sides start from the same map entries and keep their maps across frames; after every frame
 * they must agree on r0 (low 32 bits: all the kernel reports), the packet and every entry of every
 * map, per-CPU slots included (the kernel run is pinned to one CPU and the VM told the same one).
 * The kernel is authoritative. syscount (a tracepoint, which test runs cannot drive) is attached
 * for real and compared with the VM on the system calls of a child process (examples/syscount.ts).
 *
 * TSBPF_EXAMPLES_DIFF_COUNT (frames per example, default 300) and TSBPF_EXAMPLES_DIFF_SEED (default
 * 1) select the corpus. A disagreement prints the example, the frame (label and hex) and both
 * outcomes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { possibleCpus } from "../../runtime/loader/index.ts";
import { buildExample } from "../examples/support.ts";
import { capability, hasKernelBpf } from "../support/env.ts";
import { allowedCpus, currentCpu, pinToCpu } from "../support/cpu-pin.ts";
import { edgeFrames, generateFrames, type Frame } from "./examples/frames.ts";
import { runLockstep, type LockstepReport } from "./examples/lockstep.ts";
import { expectedRefusal, kernelInput, kernelSide, vmSide } from "./examples/sides.ts";
import { PACKET_EXAMPLES, type ExampleSpec } from "./examples/specs.ts";
import { planSyscalls, runSyscountOnKernel, runSyscountOnVm } from "./examples/syscount.ts";

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) {
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return v;
}

const COUNT = intEnv("TSBPF_EXAMPLES_DIFF_COUNT", 300, 1);
const SEED = intEnv("TSBPF_EXAMPLES_DIFF_SEED", 1, 0);
const SLOW = { timeout: 300_000 };
/** At most this many disagreement reports are printed per comparison. */
const MAX_REPORTS = 5;
/** The VM-only comparison simulates two CPUs and runs on the second. */
const VM_CPUS = 2;
const VM_CPU = 1;
/** Below this many frames the corpus is not expected to reach every verdict and every map. */
const COVERAGE_MIN = 100;
const checkCoverage = COUNT >= COVERAGE_MIN;

const frames: readonly Frame[] = generateFrames(SEED, COUNT);

/** Prints the report's disagreements and timing; returns the disagreements. */
function summarise(example: string, r: LockstepReport): readonly string[] {
  for (const d of r.disagreements.slice(0, MAX_REPORTS)) process.stderr.write(`${d}\n\n`);
  const times = [...r.millis].map(([side, ms]) => `${side} ${ms.toFixed(0)} ms`).join(", ");
  process.stderr.write(
    `[examples-differential] ${example}: ${r.ran} frames compared, ${r.refused.length} refused by the reference; ${times}\n`,
  );
  return r.disagreements;
}

/** The return values of `spec.returns` the run never produced. */
function missingReturns(spec: ExampleSpec, r: LockstepReport): string[] {
  const seen = [...r.r0Seen.keys()];
  return spec.returns.flatMap((want) => {
    const hit = want === "other" ? seen.some((v) => !spec.returns.includes(v)) : r.r0Seen.has(want);
    return hit ? [] : [String(want)];
  });
}

describe("example input frames", () => {
  it("are deterministic per seed and differ between seeds", () => {
    const hexes = (fs: readonly Frame[]) => fs.map((f) => Buffer.from(f.bytes).toString("hex"));
    expect(hexes(generateFrames(SEED, COUNT))).toEqual(hexes(frames));
    const n = Math.max(COUNT, edgeFrames().length + 20);
    expect(hexes(generateFrames(SEED + 1, n))).not.toEqual(hexes(generateFrames(SEED, n)));
  });

  it("start with every kind of frame and a TCP frame cut at every header boundary", () => {
    const edges = edgeFrames();
    const labels = edges.map((f) => f.label).join("\n");
    for (const kind of ["ipv4 proto=6", "ipv4 proto=17", "ipv4 proto=1", "ipv4/vlan", "ipv6"]) {
      expect(labels).toContain(kind);
    }
    for (const kind of ["arp", "802.3", "ihl=0", "ihl=15"]) expect(labels).toContain(kind);
    const cuts = edges.flatMap((f) => (/cut@/.test(f.label) ? [f.bytes.length] : []));
    // Ethernet (6/12/14), IPv4 protocol byte (23), fixed header (34), options (42), ports (46).
    for (const at of [0, 6, 12, 13, 14, 15, 23, 34, 42, 46]) expect(cuts).toContain(at);
  });
});

describe("examples: VM interpreter vs JIT", () => {
  it.each(PACKET_EXAMPLES)(
    "$example agrees on r0, the packet and every map after every frame",
    async (spec) => {
      const bytes = await buildExample(spec.example);
      const sides = [
        vmSide(bytes, spec, "interpreter", VM_CPUS, VM_CPU),
        vmSide(bytes, spec, "jit", VM_CPUS, VM_CPU),
      ];
      try {
        const initial = sides[0]!.snapshot();
        const r = runLockstep(spec.example, frames, sides);
        expect(summarise(spec.example, r)).toEqual([]);
        expect(r.ran).toBe(frames.length);
        if (!checkCoverage) return;
        expect(missingReturns(spec, r), "return values the frames never produced").toEqual([]);
        // Every map must have changed, or the frames never exercised it.
        const final = sides[0]!.snapshot();
        const unchanged = [...initial].filter(
          ([m, e]) =>
            !spec.readOnly?.includes(m) &&
            final.get(m)?.size === e.size &&
            [...e].every(([k, v]) => final.get(m)?.get(k) === v),
        );
        expect(unchanged.map(([m]) => m)).toEqual([]);
      } finally {
        for (const s of sides) s.close();
      }
    },
    SLOW.timeout,
  );

  it("the comparison catches a run on another CPU (per-CPU slots are compared)", async () => {
    const spec = PACKET_EXAMPLES.find((s) => s.example === "xdp-counter")!;
    const bytes = await buildExample(spec.example);
    const sides = [
      vmSide(bytes, spec, "interpreter", VM_CPUS, 0),
      vmSide(bytes, spec, "jit", VM_CPUS, 1),
    ];
    try {
      const tcp = edgeFrames().slice(0, 1);
      const r = runLockstep(spec.example, tcp, sides);
      expect(r.disagreements).toHaveLength(1);
      expect(r.disagreements[0]).toMatch(/map byProtocol\[06000000\]: interpreter \w+\|\w+ \/ jit/);
    } finally {
      for (const s of sides) s.close();
    }
  });
});

const withKernel = capability("root + bpf()", hasKernelBpf(), "examples: VM vs kernel");

describe.runIf(withKernel)("examples: VM vs kernel (BPF_PROG_TEST_RUN, attach)", () => {
  let restore: (() => void) | undefined;
  let cpu = 0;
  const cpus = withKernel ? possibleCpus() : 0;
  beforeAll(() => {
    // The highest CPU allowed: not CPU 0, where a VM that ignored its `cpu` option would also write.
    cpu = allowedCpus().at(-1) ?? currentCpu();
    restore = pinToCpu(cpu);
  });
  afterAll(() => restore?.());

  it.each(PACKET_EXAMPLES)(
    "$example: kernel, interpreter and JIT agree after every frame",
    async (spec) => {
      const bytes = await buildExample(spec.example);
      const sides = [
        kernelSide(bytes, spec, cpus),
        vmSide(bytes, spec, "interpreter", cpus, cpu),
        vmSide(bytes, spec, "jit", cpus, cpu),
      ];
      try {
        const r = runLockstep(spec.example, frames, sides);
        expect(summarise(`${spec.example} (kernel on CPU ${cpu})`, r)).toEqual([]);
        // Refusals are exactly the documented ones (never an unexplained EINVAL).
        const expected = frames.filter((f) =>
          expectedRefusal(spec.hook, kernelInput(spec.hook, f.bytes)),
        );
        expect(r.refused.map((x) => x.frame.label)).toEqual(expected.map((f) => f.label));
        if (!checkCoverage) return;
        expect(r.ran).toBeGreaterThan(frames.length / 2);
        expect(missingReturns(spec, r), "return values the frames never produced").toEqual([]);
      } finally {
        for (const s of sides) s.close();
      }
    },
    SLOW.timeout,
  );

  it("syscount: attached for real, counts a child's system calls as the VM does", async () => {
    const bytes = await buildExample("syscount");
    const plan = planSyscalls(SEED, 60);
    const kernel = runSyscountOnKernel(bytes, plan);
    for (const engine of ["interpreter", "jit"] as const) {
      const vm = runSyscountOnVm(bytes, plan, kernel.pid, engine);
      expect(vm.bySyscall, `bySyscall (${engine})`).toEqual(kernel.bySyscall);
      expect(vm.byPid, `byPid (${engine})`).toBe(BigInt(plan.length));
    }
    expect([...kernel.bySyscall.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(plan.length));
    // The child's own start-up calls count too, so the kernel's total is larger.
    expect(kernel.byPid).toBeGreaterThan(BigInt(plan.length));
  });
});
