/**
 * The core map kinds on the live kernel and in the VM (test/kernel/kinds/core-maps.ts, which
 * test/kernel/program-kinds.test.ts also loads): a ProgArray's load-time slots are tail-called
 * (drop, bounce, an empty slot falling through), a PerfEventArray's samples are read back from the
 * per-CPU perf rings (PerfBufferReader), a PerCpuHash keeps one count per CPU (raw_tp runs pinned
 * with BPF_F_TEST_RUN_ON_CPU), and a full LruHash evicts its least recently used keys. The VM (both
 * engines) gives the same verdicts, samples, per-CPU values and survivors.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { loadObject, testRun, type LoadedObject } from "../../runtime/loader/index.ts";
import { PerfBufferReader } from "../../runtime/user/perf-buffer.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("core map kinds");
const [XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX] = [0, 1, 2, 3];
const BPF_F_TEST_RUN_ON_CPU = 1;
const frame = (first: number, len = 64) => {
  const f = new Uint8Array(len);
  f[0] = first;
  return f;
};
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: number) => new Uint8Array(new BigUint64Array([BigInt(n)]).buffer);
const num = (v: Uint8Array | undefined) =>
  v === undefined ? undefined : Number(new DataView(v.buffer, v.byteOffset).getBigUint64(0, true));
/** (len, first byte) of a sample. */
const sample = (d: Uint8Array) => {
  const v = new DataView(d.buffer, d.byteOffset);
  return [v.getUint32(0, true), v.getUint32(4, true)];
};
/** Raw tracepoint arguments (regs, id) as BPF_PROG_TEST_RUN's ctx. */
const args = (id: number) => new Uint8Array(new BigUint64Array([0n, BigInt(id)]).buffer);
const KEYS = Array.from({ length: 10 }, (_, i) => i);
const cpus = Math.min(2, availableParallelism());

let bytes: Uint8Array;
beforeAll(async () => {
  const src = readFileSync(join(import.meta.dirname, "kinds", "core-maps.ts"), "utf8");
  const out = await compileSource(src, "test/kernel/kinds/core-maps.ts", { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  bytes = out.object!;
});

/** Which of KEYS an LRU hash still holds. */
const survivors = (has: (k: number) => boolean) => KEYS.filter(has);

for (const engine of ["interpreter", "jit"] as const) {
  describe(`core map kinds in the VM (${engine})`, () => {
    it("tail calls, perf samples, per-CPU counts and LRU eviction", () => {
      const vm = VmObject.load(bytes, { engine, cpus: 2 });
      const xdp = (p: string, f: Uint8Array) => Number(vm.program(p).run({ packet: f }).r0);
      expect([0, 1, 2, 7].map((b) => xdp("dispatch", frame(b)))).toEqual([
        XDP_DROP,
        XDP_TX,
        XDP_PASS,
        XDP_PASS,
      ]);
      expect([xdp("report", frame(5, 60)), xdp("report", frame(6, 80))]).toEqual([
        XDP_PASS,
        XDP_PASS,
      ]);
      expect(vm.drainPerf().map((r) => sample(r.data))).toEqual([
        [60, 5],
        [80, 6],
      ]);
      const perCpu = (cpu: number) => Number(vm.program("perCpu").run({ args: [0, 0], cpu }).r0);
      expect([perCpu(0), perCpu(0), perCpu(1), perCpu(0)]).toEqual([1, 2, 1, 3]);
      expect(vm.map("runs").getAllCpus(u32(0))?.map(num)).toEqual([3, 1]);
      for (const k of KEYS) vm.program("remember").run({ args: [0, k] });
      expect(survivors((k) => vm.map("recent").get(u64(k)) !== undefined)).toEqual([6, 7, 8, 9]);
      expect(num(vm.map("recent").get(u64(9)))).toBe(109);
      vm.dispose();
    });
  });
}

describe.runIf(run)("core map kinds on the live kernel", () => {
  let obj: LoadedObject;
  beforeAll(() => {
    obj = loadObject(bytes);
  });
  afterAll(() => obj?.close());

  it("ProgArray: the load-time slots are tail-called; an empty slot falls through", () => {
    const k = [0, 1, 2, 7].map((b) => testRun(obj.program("dispatch"), { data: frame(b) }).retval);
    expect(k).toEqual([XDP_DROP, XDP_TX, XDP_PASS, XDP_PASS]);
  });

  it("PerfEventArray: no ring, -ENOENT; with the reader's rings, the samples come back", () => {
    const report = (f: Uint8Array) => testRun(obj.program("report"), { data: f }).retval;
    expect(report(frame(5, 60))).toBe(XDP_ABORTED);
    const reader = new PerfBufferReader(obj.map("events"), 8);
    try {
      expect([report(frame(5, 60)), report(frame(6, 80))]).toEqual([XDP_PASS, XDP_PASS]);
      expect(reader.consume().map((s) => sample(s.data))).toEqual([
        [60, 5],
        [80, 6],
      ]);
      expect(reader.lost).toBe(0n);
    } finally {
      reader.close();
    }
  });

  it.runIf(cpus === 2)("PerCpuHash: one count per CPU, as in the VM", () => {
    const perCpu = (cpu: number) =>
      testRun(obj.program("perCpu"), { ctx: args(0), cpu, flags: BPF_F_TEST_RUN_ON_CPU }).retval;
    const vm = VmObject.load(bytes, { cpus: 2 });
    const inVm = (cpu: number) => Number(vm.program("perCpu").run({ args: [0, 0], cpu }).r0);
    const order = [0, 0, 1, 0];
    expect(order.map(perCpu)).toEqual([1, 2, 1, 3]);
    expect(order.map(inVm)).toEqual([1, 2, 1, 3]);
    expect(obj.map("runs").lookupPerCpu(u32(0))?.map(num).slice(0, 2)).toEqual([3, 1]);
    vm.dispose();
  });

  it("LruHash: a full map evicts the least recently used keys, never the newest", () => {
    for (const k of KEYS) testRun(obj.program("remember"), { ctx: args(k) });
    const m = obj.map("recent");
    const left = survivors((k) => m.lookup(u64(k)) !== undefined);
    // The kernel's LRU frees a batch of nodes at a time: at most maxEntries keys stay, the newest
    // among them, and every survivor is newer than every evicted key (the VM keeps exactly 6..9).
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThanOrEqual(4);
    expect(left).toContain(9);
    expect(left).toEqual(KEYS.slice(KEYS.length - left.length));
    expect(num(m.lookup(u64(9)))).toBe(109);
  });
});
