/**
 * `npm run bench:compile`: how long a user waits for `tsbpf build`, next to clang-19 on the example's C
 * twin (bench/c/<tool>.bpf.c, `clang-19 -O2 -g -target bpf -mcpu=v3`), all measured in this run.
 *
 * Per example: a build as a user starts it (a new `node bin/tsbpf.js build` process, the launcher's
 * bundle and V8 code cache already made, served by the build server that the warm-up run left
 * running: cli/build-server.ts), the same with `TSBPF_NO_SERVER=1` (the cold path: a fresh process
 * started from the launcher's V8 startup snapshot, bin/tsbpf-snapshot.cjs, which the bench waits
 * for first), the same with `TSBPF_NO_SNAPSHOT=1` too (every build loads TypeScript and parses the
 * stdlib in its own process), clang's time for the twin, and the `--watch` rebuild time (from
 * writing the edited file to the "built" line, edits starting once the watch's idle warm-up
 * compilations are done, as a user edits seconds after starting it, and each edit once the watch
 * has been idle for 300 ms, as a user saves seconds after the last build); each the median of RUNS runs
 * after a warm-up, with the ratios tsbpf / clang (below 1 = tsbpf is faster), and a last row with
 * each column's median over the examples (the goal: median build/clang at most 2). Also once: the very first build after a source change
 * (bundle rebuild, empty code cache) and the build through tsx without the bundle.
 *
 * A second table splits an in-process rebuild (what `--watch` does per edit, through the front end's
 * one persistent TypeScript project) into its stages: TypeScript's parse and check of the user's
 * file, tsbpf's subset check and lowering, the IR passes, the BPF back end (isel, regalloc, encoding)
 * and the object emitter, each the median over RUNS edits after WARM_EDITS warm-up edits.
 * `npm run bench:compile -- runqlat xdp-firewall` measures only the examples named.
 *
 * Not a test: it prints a table and exits 0 whatever it finds. Timings on a shared machine are noisy;
 * compare ratios from one run, not absolute numbers across runs.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CLANG,
  clangArgs,
  defaultCacheDir,
  ensureVmlinuxHeader,
  hasCommand,
} from "./codegen/clang-build.ts";
import { median } from "./codegen/stats.ts";
import { writeBpfObject } from "../core/object/write.ts";
import { buildObjectSpec } from "../compiler/emit/object.ts";
import { compileToIr } from "../compiler/frontend/index.ts";
import { runPipeline } from "../compiler/passes/pipeline.ts";
import { compileFunction, type EncodedFunc } from "../compiler/target/bpf/index.ts";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/tsbpf.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), "tsbpf-bench-compile-"));

/** Wall time of one process run, in ms; throws if it fails. */
function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr.trim().split("\n")[0]}`);
  return ms;
}

/** Median of RUNS timings after one warm-up run. */
function medianOf(fn: () => number): number {
  fn();
  return median(Array.from({ length: RUNS }, fn))!;
}

/**
 * Waits (120 s at most) until a cold build of `example` starts from the launcher's startup snapshot,
 * which the first cold build without one makes in the background; the ms waited, or undefined.
 */
async function startupSnapshotReady(
  example: string,
  env: NodeJS.ProcessEnv,
): Promise<number | undefined> {
  const t0 = performance.now();
  const args = [BIN, "build", `examples/${example}.ts`, "-o", join(work, `${example}.o`)];
  while (performance.now() - t0 < 120_000) {
    const r = spawnSync(process.execPath, args, {
      cwd: ROOT,
      env: { ...env, TSBPF_DEBUG: "1" },
      encoding: "utf8",
    });
    if (r.stderr.includes("built from the startup snapshot")) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

/** Median time from writing an edit to the watch process's "built" line. */
async function watchRebuildMs(example: string): Promise<number> {
  const src = join(work, `${example}.ts`);
  copyFileSync(join(ROOT, "examples", `${example}.ts`), src);
  const child = spawn(process.execPath, [BIN, "build", src, "-o", `${src}.o`, "--watch"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr.setEncoding("utf8");
  let text = "";
  let wake = (): void => {};
  child.stderr.on("data", (c: string) => {
    text += c;
    wake();
  });
  const builds = (): number => text.split("\n").filter((l) => l.startsWith("built ")).length;
  const waitForBuilds = (n: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watch timed out:\n${text}`)), 30_000);
      wake = () => {
        if (builds() >= n) {
          clearTimeout(timer);
          resolve();
        }
      };
      wake();
    });
  try {
    await waitForBuilds(1);
    // Like a user, who edits seconds later: the watch's idle warm-up compilations are done.
    await settled(child.pid!);
    const samples: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      // Each edit seconds after the last, as a user saves: the watch's after-build work (releasing
      // the last build's nodes, a collection) is done by then, as it is when a user saves again.
      if (i > 0) await settled(child.pid!);
      const before = builds();
      const t0 = performance.now();
      appendFileSync(src, `// edit ${i}\n`);
      await waitForBuilds(before + 1);
      if (i > 0) samples.push(performance.now() - t0); // the first edit is the warm-up
    }
    return median(samples)!;
  } finally {
    child.kill("SIGINT");
  }
}

/**
 * CPU time (clock ticks) that process `pid` and its descendants have used (the launcher runs the
 * watch in a child process: bin/tsbpf.js), or undefined without /proc.
 */
function cpuTicks(pid: number): number | undefined {
  let ticks: number;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      for (const child of children === "" ? [] : children.split(" ")) {
        ticks += cpuTicks(Number(child)) ?? 0;
      }
    }
  } catch {
    // a task or child that just ended
  }
  return ticks;
}

/** Resolves once process `pid` has used no CPU for 300 ms (20 s at most; 5 s without /proc). */
async function settled(pid: number): Promise<void> {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  if (cpuTicks(pid) === undefined) {
    await sleep(5000);
    return;
  }
  for (let waited = 0, last = -1; waited < 20_000; waited += 300) {
    const now = cpuTicks(pid);
    if (now === last) return;
    last = now ?? -1;
    await sleep(300);
  }
}

/** Edits compiled in-process before the breakdown's samples, so V8 has optimised the compiler. */
const WARM_EDITS = 10;
const STAGES = ["typescript", "check+lower", "passes", "backend", "emit"] as const;

/** Median stage times (ms) of an in-process rebuild of `example`, each edit a new comment line. */
function rebuildBreakdown(example: string): Record<(typeof STAGES)[number], number> {
  const source = readFileSync(join(ROOT, "examples", `${example}.ts`), "utf8");
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < WARM_EDITS + RUNS; i++) {
    const text = `${source}// edit ${i}\n`;
    const t: Record<string, number> = {};
    const fe = compileToIr(text, `examples/${example}.ts`, { timings: t, verify: false });
    if (!fe.module) throw new Error(`${example}: front-end errors`);
    let t0 = performance.now();
    const { module: opt } = runPipeline(fe.module, { optimize: true, verify: false });
    const passes = performance.now() - t0;
    t0 = performance.now();
    const encoded: EncodedFunc[] = [];
    for (const f of opt.functions) {
      const r = compileFunction(f, opt, { mcpu: 3, check: false });
      if (!r.encoded) throw new Error(`${example}: back-end errors`);
      encoded.push(r.encoded);
    }
    const backend = performance.now() - t0;
    t0 = performance.now();
    writeBpfObject(buildObjectSpec(opt, encoded, new Map([[`examples/${example}.ts`, text]])));
    const emit = performance.now() - t0;
    if (i < WARM_EDITS) continue;
    const row = {
      typescript: t.typescript!,
      "check+lower": t.check! + t.lower!,
      passes,
      backend,
      emit,
    };
    for (const [k, v] of Object.entries(row)) (samples[k] ??= []).push(v);
  }
  return Object.fromEntries(STAGES.map((k) => [k, median(samples[k]!)!])) as Record<
    (typeof STAGES)[number],
    number
  >;
}

const fmt = (ms: number | undefined): string => (ms === undefined ? "-" : `${Math.round(ms)}`);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? "-" : (a / b).toFixed(2);

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const examples = readdirSync(join(ROOT, "examples"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.replace(/\.ts$/, ""))
    .filter((e) => only.length === 0 || only.includes(e))
    .sort();
  if (examples.length === 0) throw new Error(`no example named ${only.join(", ")}`);
  const first = examples.includes("syscount") ? "syscount" : examples[0]!;
  const noServer: NodeJS.ProcessEnv = { ...process.env, TSBPF_NO_SERVER: "1" };
  delete noServer.TSBPF_NO_SNAPSHOT;
  const inProcess = { ...noServer, TSBPF_NO_SNAPSHOT: "1" };
  const build = (ex: string, env?: NodeJS.ProcessEnv) => () =>
    timeProcess(
      process.execPath,
      [BIN, "build", `examples/${ex}.ts`, "-o", join(work, `${ex}.o`)],
      env ?? process.env,
    );

  const freshCache = join(work, "fresh-cache");
  const firstRun = build(first, { ...noServer, TSBPF_CACHE_DIR: freshCache })();
  const viaTsx = medianOf(build(first, { ...noServer, TSBPF_NO_BUNDLE: "1" }));
  const snapshotMs = await startupSnapshotReady(first, noServer);
  console.log(
    `first build after a source change (${first}: bundling + empty code cache): ${fmt(firstRun)} ms`,
  );
  console.log(`cold build through tsx, no bundle (${first}): ${fmt(viaTsx)} ms`);
  console.log(
    snapshotMs === undefined
      ? "no startup snapshot: the no-server column builds in-process"
      : `startup snapshot ready ${fmt(snapshotMs)} ms after the first cold build (built in the background)`,
  );

  const cacheDir = defaultCacheDir();
  let clangMissing = hasCommand(CLANG) ? undefined : `${CLANG} not found`;
  if (clangMissing === undefined) {
    try {
      ensureVmlinuxHeader(cacheDir);
    } catch (e) {
      clangMissing = (e as Error).message;
    }
  }
  if (clangMissing) console.log(`clang column skipped: ${clangMissing}`);

  const rows: string[][] = [];
  const stageRows: string[][] = [];
  for (const ex of examples) {
    const b = rebuildBreakdown(ex);
    const total = STAGES.reduce((n, k) => n + b[k], 0);
    stageRows.push([ex, ...STAGES.map((k) => b[k].toFixed(1)), total.toFixed(1)]);
    const served = medianOf(build(ex));
    const cold = medianOf(build(ex, noServer));
    const own = medianOf(build(ex, inProcess));
    const twin = join(ROOT, "bench/c", `${ex}.bpf.c`);
    const clang =
      clangMissing === undefined && existsSync(twin)
        ? medianOf(() => timeProcess(CLANG, clangArgs(twin, join(work, `${ex}.clang.o`), cacheDir)))
        : undefined;
    const watch = await watchRebuildMs(ex);
    rows.push([
      ex,
      fmt(served),
      fmt(cold),
      fmt(own),
      fmt(clang),
      ratio(served, clang),
      ratio(cold, clang),
      ratio(own, clang),
      fmt(watch),
      ratio(watch, clang),
    ]);
    process.stderr.write(".");
  }
  process.stderr.write("\n");
  const head = [
    "example",
    "build ms",
    "no-server ms",
    "in-process ms",
    "clang ms",
    "build/clang",
    "no-server/clang",
    "in-process/clang",
    "watch rebuild ms",
    "watch/clang",
  ];
  console.log(`\nmedian of ${RUNS} runs after a warm-up; ratios below 1 mean tsbpf is faster`);
  printTable(head, [...rows, medianRow(head, rows)]);
  console.log(
    `\nin-process rebuild by stage, ms (median of ${RUNS} edits after ${WARM_EDITS} warm-up edits)`,
  );
  printTable(["example", ...STAGES, "total"], stageRows);
}

/** The median of each column over the examples (the ratio columns: the median ratio). */
function medianRow(head: string[], rows: string[][]): string[] {
  const column = (k: number): string => {
    const values = rows.map((r) => Number(r[k])).filter((v) => Number.isFinite(v));
    const m = median(values);
    return m === undefined ? "-" : head[k]!.includes("/") ? m.toFixed(2) : fmt(m);
  };
  return ["median", ...head.slice(1).map((_, k) => column(k + 1))];
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) => cells.map((c, k) => c.padStart(widths[k]!)).join("  ");
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
