/**
 * `npm run bench:btf`: how long the kernel-BTF readers take on the running kernel's vmlinux BTF
 * (/sys/kernel/btf/vmlinux, or the path given as the first argument): indexing the blob, then the
 * lookups a build (a FUNC's prototype, a tracepoint's typedef) and an attach (FUNC / TYPEDEF ids)
 * make. Each figure is the median of RUNS fresh indexings of bytes already in memory (the file read
 * is timed apart), so the cache of the readers is not what is measured.
 *
 * Before core/btf's lazy reader replaced the two quick readers (same machine, same vmlinux):
 * compiler index 5.0 ms, index + both lookups 6.6 ms; loader name index 25.0 ms, + lookups 25.3 ms.
 *
 * Not a test: it prints a table and exits 0. Timings on a shared machine are noisy; compare figures
 * from one run.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { nodeHost } from "../compiler/frontend/host.ts";
import { loadKernelBtf } from "../compiler/frontend/kernel-btf.ts";
import { LazyBtf } from "../core/btf/index.ts";
import { median } from "./codegen/stats.ts";

const RUNS = 15;
const host = nodeHost();
const path = process.argv[2] ?? "/sys/kernel/btf/vmlinux";

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const readMs: number[] = [];
let bytes = new Uint8Array(0);
for (let i = 0; i < RUNS; i++)
  readMs.push(time(() => (bytes = new Uint8Array(readFileSync(path)))));

const rows: [string, number[]][] = [
  ["read file", readMs],
  ["compiler: index", []],
  ["compiler: index + func(vfs_read) + tracepoint(sys_enter)", []],
  ["core/btf LazyBtf (loader): index", []],
  ["core/btf LazyBtf (loader): index + FUNC + TYPEDEF id", []],
];
let types = 0;
for (let i = 0; i < RUNS + 2; i++) {
  const warm = i < 2;
  const a = time(() => void loadKernelBtf(bytes, host));
  const b = time(() => {
    const k = loadKernelBtf(bytes, host);
    types = k.typeCount;
    if (!k.func("vfs_read") || !k.tracepoint("sys_enter")) throw new Error("lookup failed");
  });
  const c = time(() => void new LazyBtf(bytes));
  const d = time(() => {
    const idx = new LazyBtf(bytes);
    if (idx.find("func", "vfs_read") === undefined) throw new Error("lookup failed");
    if (idx.find("typedef", "btf_trace_sys_enter") === undefined) throw new Error("lookup failed");
  });
  if (warm) continue;
  rows[1]![1].push(a);
  rows[2]![1].push(b);
  rows[3]![1].push(c);
  rows[4]![1].push(d);
}
console.log(`${path}: ${bytes.length} bytes, ${types} types; median of ${RUNS} runs`);
for (const [name, ms] of rows)
  console.log(`${name.padEnd(60)} ${median(ms)!.toFixed(1).padStart(8)} ms`);
