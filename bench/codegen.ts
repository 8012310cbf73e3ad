/**
 * Codegen benchmark (`npm run bench:codegen [-- --runs N] [tool...]`): tsbpf's bytecode against
 * clang -O2's, program by program. Not a test: it prints a table and exits 0 whatever it finds.
 *
 * For every C twin `bench/c/<tool>.bpf.c` (written to be equivalent to `examples/<tool>.ts`, or to
 * `bench/ts/<tool>.ts` for the benchmark-only programs of codegen shapes no example has: same maps,
 * same logic) it reports, per program: instructions emitted by each compiler and their ratio
 * (tsbpf / clang, below 1 = tsbpf is tighter), the kernel verifier's "processed N insns" for each (as
 * root, via bpftool), and the median compile time of the whole tool by each, measured in this run
 * (tsbpf in-process through compiler/driver.ts, clang as a process, as a user would run each). Sums
 * and geometric means of the ratios close the table. Anything that cannot be measured (no example
 * yet, a build failure, no root) shows as "n/a" with a numbered reason below the table.
 *
 * The pieces live in bench/codegen/: clang-build (C side), tsbpf-build (TS side), count (instructions
 * per program), verifier (kernel load), pair (matching programs), measure-tool, table, stats.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CLANG, defaultCacheDir, ensureClang, ensureVmlinuxHeader } from "./codegen/clang-build.ts";
import { measureTool, type Environment, type ToolSources } from "./codegen/measure-tool.ts";
import { formatTable, na, type CodegenRow } from "./codegen/table.ts";
import { kernelLoadUnavailable } from "./codegen/verifier.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const C_DIR = join(ROOT, "bench", "c");
const EXAMPLES_DIR = join(ROOT, "examples");
/** Benchmark-only programs (codegen shapes no example has), twins in bench/c like the examples'. */
const BENCH_TS_DIR = join(ROOT, "bench", "ts");
const C_SUFFIX = ".bpf.c";

interface Args {
  readonly runs: number;
  readonly tools: readonly string[];
}

const USAGE = "usage: npm run bench:codegen [-- --runs N] [tool...]";

function parseArgs(argv: readonly string[]): Args | string {
  let runs = 5;
  const tools: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") return USAGE;
    if (a === "--runs") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 100)
        return `--runs needs an integer from 1 to 100\n${USAGE}`;
      runs = n;
    } else if (a.startsWith("-")) return `unknown option ${a}\n${USAGE}`;
    else tools.push(a);
  }
  return { runs, tools };
}

/** The TS side of a twin: the example of that name, else the benchmark-only program. */
function tsSourceOf(tool: string): string {
  const bench = join(BENCH_TS_DIR, `${tool}.ts`);
  return existsSync(bench) ? bench : join(EXAMPLES_DIR, `${tool}.ts`);
}

/** Every tool with a C twin, in name order, optionally filtered. */
function listTools(filter: readonly string[]): ToolSources[] | string {
  const all = readdirSync(C_DIR)
    .filter((f) => f.endsWith(C_SUFFIX))
    .map((f) => f.slice(0, -C_SUFFIX.length))
    .sort();
  const unknown = filter.filter((t) => !all.includes(t));
  if (unknown.length > 0) return `no C twin for ${unknown.join(", ")} (have: ${all.join(", ")})`;
  return all
    .filter((t) => filter.length === 0 || filter.includes(t))
    .map((tool) => ({
      tool,
      cSource: join(C_DIR, `${tool}${C_SUFFIX}`),
      tsSource: tsSourceOf(tool),
    }));
}

/** Examples that have no C twin yet (listed so nobody forgets to write one). */
function examplesWithoutTwin(): string[] {
  if (!existsSync(EXAMPLES_DIR)) return [];
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3))
    .filter((t) => !existsSync(join(C_DIR, `${t}${C_SUFFIX}`)));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === "string") {
    process.stderr.write(`${args}\n`);
    process.exitCode = args === USAGE ? 0 : 2;
    return;
  }
  const tools = listTools(args.tools);
  if (typeof tools === "string") {
    process.stderr.write(`bench:codegen: ${tools}\n`);
    process.exitCode = 2;
    return;
  }
  const log = (line: string): void => void process.stderr.write(`[bench:codegen] ${line}\n`);
  const cacheDir = defaultCacheDir();
  let clangUnavailable = ensureClang(log);
  if (clangUnavailable === undefined) {
    try {
      ensureVmlinuxHeader(cacheDir);
    } catch (e) {
      clangUnavailable = (e as Error).message;
    }
  }
  const kernelUnavailable = kernelLoadUnavailable();
  const env: Environment = {
    cacheDir,
    runs: args.runs,
    ...(clangUnavailable !== undefined ? { clangUnavailable } : {}),
    ...(kernelUnavailable !== undefined ? { kernelUnavailable } : {}),
  };
  const rows: CodegenRow[] = [];
  for (const t of tools) {
    log(`measuring ${t.tool}`);
    try {
      rows.push(...(await measureTool(t, env)));
    } catch (e) {
      // measureTool reports failures as n/a cells; this only catches a bug in the benchmark itself.
      const reason = na(`benchmark error: ${(e as Error).message}`);
      rows.push({
        program: t.tool,
        tsbpfInsns: reason,
        clangInsns: reason,
        tsbpfVerified: reason,
        clangVerified: reason,
      });
    }
  }
  const out = [
    `codegen: tsbpf vs ${CLANG} -O2 -g -target bpf -mcpu=v3; compile time = median of ${args.runs} ` +
      `runs after a warm-up (tsbpf in-process, clang as a process); objects in ${cacheDir}/objects`,
    "",
    formatTable(rows),
  ];
  const orphans = examplesWithoutTwin();
  if (orphans.length > 0)
    out.push("", `examples without a C twin (not compared): ${orphans.join(", ")}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

await main();
