/**
 * VM benchmark (`npm run bench:vm`): nanoseconds per executed BPF instruction for the JIT and the
 * reference interpreter, printed as a table.
 *
 * Consumes nothing; produces a table on stdout. Workloads are functions returning `BenchRow`s, listed
 * in `WORKLOADS`; the map-heavy workload and the kernel BPF_PROG_TEST_RUN comparison plug in there
 * (see "EXTENSION POINT" below). Each measurement warms up first (so the JIT's compile time and V8's
 * tiering are excluded), then takes the best CPU time (process.cpuUsage) of several runs.
 */
import { assembleText } from "../core/conformance/index.ts";
import type { EngineProgram, HelperTable } from "../runtime/vm/index.ts";
import { createMemory, getEngine } from "../runtime/vm/index.ts";
import type { Engine } from "../runtime/vm/index.ts";
import { mapRows } from "./vm-bench-maps.ts";
import { kernelRows } from "./vm-bench-kernel.ts";

/** One line of the result table. */
export interface BenchRow {
  readonly workload: string;
  readonly engine: string;
  readonly instructions: number;
  readonly nsPerInsn: number;
  readonly r0: bigint;
}

/** A 12-instruction xorshift64 loop body (ALU/branch heavy), run `iterations` times. */
export function xorshiftProgram(iterations: number): EngineProgram {
  const insns = assembleText(`
    lddw %r1, 0x2545f4914f6cdd1d
    mov %r2, ${iterations}
    mov %r0, 0
  loop:
    mov %r3, %r1
    lsh %r3, 13
    xor %r1, %r3
    mov %r3, %r1
    rsh %r3, 7
    xor %r1, %r3
    mov %r3, %r1
    lsh %r3, 17
    xor %r1, %r3
    add %r0, %r1
    sub %r2, 1
    jne %r2, 0, loop
    exit`);
  return { name: `xorshift_${iterations}`, insns };
}

const NO_HELPERS: HelperTable = new Map();

/** Times `runs` executions after `warmups`; returns the best ns/insn. */
export function measure(
  engine: Engine,
  program: EngineProgram,
  helpers: HelperTable = NO_HELPERS,
  warmups = 3,
  runs = 10,
  memory = createMemory(),
): { nsPerInsn: number; executed: number; r0: bigint } {
  const once = () => engine.run(program, memory, helpers, { budget: 1e9 });
  for (let i = 0; i < warmups; i++) once();
  let best = Infinity;
  let last = once();
  for (let i = 0; i < runs; i++) {
    // CPU time, not wall time: the machine is shared, and time spent descheduled is not ours.
    const c0 = process.cpuUsage();
    last = once();
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / last.executed);
  }
  return { nsPerInsn: best, executed: last.executed, r0: last.r0 };
}

function xorshiftRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  const cases: [Engine["kind"], number][] = [
    ["jit", 2_000_000],
    ["interpreter", 20_000],
  ];
  for (const [kind, iterations] of cases) {
    const m = measure(getEngine(kind), xorshiftProgram(iterations));
    rows.push({
      workload: `xorshift64 x${iterations}`,
      engine: kind,
      ...m,
      instructions: m.executed,
    });
  }
  // Same iteration count on both engines must give the same r0: a cheap sanity check of the numbers.
  const check = xorshiftProgram(1000);
  const a = getEngine("jit").run(check, createMemory(), NO_HELPERS).r0;
  const b = getEngine("interpreter").run(check, createMemory(), NO_HELPERS).r0;
  if (a !== b) throw new Error(`engines disagree on xorshift: jit ${a} vs interpreter ${b}`);
  return rows;
}

/**
 * EXTENSION POINT: the workloads of the table. Add the map-heavy benchmark (runtime/maps + helpers)
 * and the kernel BPF_PROG_TEST_RUN comparison (runtime/loader) as further functions here; each returns
 * rows in the same shape (engine "kernel" for the latter).
 */
export const WORKLOADS: readonly (() => BenchRow[])[] = [xorshiftRows, mapRows, kernelRows];

function printTable(rows: readonly BenchRow[]): void {
  const header = ["workload", "engine", "instructions", "ns/insn", "r0"];
  const lines = rows.map((r) => [
    r.workload,
    r.engine,
    String(r.instructions),
    r.nsPerInsn.toFixed(3),
    `0x${r.r0.toString(16)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printTable(WORKLOADS.flatMap((w) => w()));
}
