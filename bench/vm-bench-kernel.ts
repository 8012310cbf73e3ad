/**
 * The kernel's figure for the VM benchmark's workloads: the same programs loaded as socket filters
 * and run by the kernel's JIT through BPF_PROG_TEST_RUN (`repeat` runs, the kernel reports the mean
 * duration), next to the bundled VM's JIT on the identical program in the same process.
 *
 * Consumes runtime/loader (bpf() via koffi). Produces `BenchRow`s with engine "kernel" and a matching
 * "jit" row, so the ratio is measured in one run. Only as root: otherwise one line says why not.
 *
 * The loop counts are small (1000 iterations) because the verifier walks every iteration of a bounded
 * loop; the kernel repeats the program instead. Executed instructions are counted by our interpreter
 * on the same program, so both sides divide by the same number.
 */
import { existsSync } from "node:fs";
import { INSN_BY_NAME, PseudoSrc, lddwValue, makeInsn, type Insn } from "../core/isa/index.ts";
import { BPF_MAP_TYPE, BPF_PROG_TYPE } from "../core/kernel/index.ts";
import { createMap as createKernelMap, loadProgram, testRun } from "../runtime/loader/index.ts";
import { buildHelperTable, createHelperEnv } from "../runtime/helpers/index.ts";
import { MapRegistry, createMap } from "../runtime/maps/index.ts";
import {
  createMemory,
  getEngine,
  type EngineProgram,
  type HelperTable,
} from "../runtime/vm/index.ts";
import { hashProgram } from "./vm-bench-maps.ts";
import { xorshiftProgram, type BenchRow } from "./vm-bench.ts";

const ITERATIONS = 1000;
const REPEAT = 2_000;
/** Marker address the hash program is built with; replaced by the map fd (kernel) or handle (VM). */
const MARKER = 0x7a7a_0000_0000n;

function canRunKernel(): boolean {
  return process.getuid?.() === 0 && existsSync("/sys/kernel/btf/vmlinux");
}

const NO_HELPERS: HelperTable = new Map();

/**
 * The VM's side measured the way BPF_PROG_TEST_RUN measures the kernel's: the same short program run
 * `REPEAT` times back to back (after enough warm-up runs for V8 to optimise the JIT's function), best
 * CPU time of several batches, divided by the instructions executed.
 */
function measureRepeated(
  program: EngineProgram,
  helpers: HelperTable,
  memory: ReturnType<typeof createMemory>,
): { nsPerInsn: number; executed: number; r0: bigint } {
  const engine = getEngine("jit");
  let last = engine.run(program, memory, helpers, { budget: 1e9 });
  for (let i = 0; i < 2000; i++) last = engine.run(program, memory, helpers, { budget: 1e9 });
  let best = Infinity;
  for (let b = 0; b < 5; b++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < REPEAT; i++) last = engine.run(program, memory, helpers, { budget: 1e9 });
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / (REPEAT * last.executed));
  }
  return { nsPerInsn: best, executed: last.executed, r0: last.r0 };
}

/** Replaces lddw of the marker by a BPF_PSEUDO_MAP_FD load of `fd`. */
function withMapFd(insns: readonly Insn[], fd: number): Insn[] {
  const lddw = INSN_BY_NAME.get("lddw")!;
  return insns.map((i) =>
    i.spec === lddw && lddwValue(i) === MARKER
      ? makeInsn(lddw, { dst: i.dst, src: PseudoSrc.MAP_FD, imm: fd, imm2: 0 })
      : i,
  );
}

function kernelNsPerRun(insns: readonly Insn[], name: string): number {
  const prog = loadProgram({ name, type: BPF_PROG_TYPE.BPF_PROG_TYPE_SOCKET_FILTER, insns });
  try {
    const data = new Uint8Array(64);
    testRun(prog, { data, repeat: 100 }); // warm-up
    let best = Infinity;
    for (let i = 0; i < 5; i++)
      best = Math.min(best, testRun(prog, { data, repeat: REPEAT }).duration);
    return best;
  } finally {
    prog.close();
  }
}

function rowPair(
  workload: string,
  vmProgram: EngineProgram,
  helpers: HelperTable | undefined,
  kernelInsns: readonly Insn[],
  memory = createMemory(),
): BenchRow[] {
  const vm = measureRepeated(vmProgram, helpers ?? NO_HELPERS, memory);
  const ns = kernelNsPerRun(kernelInsns, workload.replace(/\W+/g, "_").slice(0, 15));
  return [
    { workload, engine: "jit", instructions: vm.executed, nsPerInsn: vm.nsPerInsn, r0: vm.r0 },
    {
      workload,
      engine: "kernel",
      instructions: vm.executed,
      nsPerInsn: ns / vm.executed,
      r0: vm.r0,
    },
  ];
}

/** Kernel rows (and same-run VM JIT rows) for the xorshift and hash workloads; [] without root. */
export function kernelRows(): BenchRow[] {
  if (!canRunKernel()) {
    console.error("bench:vm: not root (or no BTF): kernel BPF_PROG_TEST_RUN figures skipped");
    return [];
  }
  const rows: BenchRow[] = [];
  const xs = xorshiftProgram(ITERATIONS);
  rows.push(...rowPair(`xorshift64 x${ITERATIONS} (kernel cmp)`, xs, undefined, xs.insns));

  const memory = createMemory();
  const cpus = { count: 1, current: 0 };
  const maps = new MapRegistry({ memory, cpus });
  const spec = { name: "counts", type: BPF_MAP_TYPE.BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8 };
  const vmMap = createMap(
    { ...spec, maxEntries: 1024, flags: 0 },
    { memory, cpus },
    () => undefined,
  );
  const handle = maps.add(vmMap);
  const helpers = buildHelperTable(createHelperEnv(maps, cpus));
  const marked = hashProgram(MARKER, ITERATIONS).insns;
  const lddw = INSN_BY_NAME.get("lddw")!;
  const vmInsns = marked.map((i) =>
    i.spec === lddw && lddwValue(i) === MARKER
      ? makeInsn(lddw, {
          dst: i.dst,
          imm: Number(BigInt.asIntN(32, handle)),
          imm2: Number(handle >> 32n),
        })
      : i,
  );
  const kmap = createKernelMap({ ...spec, maxEntries: 1024 });
  try {
    rows.push(
      ...rowPair(
        `hash lookup/update x${ITERATIONS} (kernel cmp)`,
        { name: "hash", insns: vmInsns },
        helpers,
        withMapFd(marked, kmap.fd),
        memory,
      ),
    );
  } finally {
    kmap.close();
  }
  return rows;
}
