/**
 * Measures one tool on both compilers and turns the results into table rows.
 *
 * Consumes a `ToolSources` (the C twin, and the example if it exists) and the run's `Environment`
 * (which external capabilities are missing, and why); produces `CodegenRow`s, one per program. Each
 * side is measured independently (build, count, verifier, compile time) and every failure becomes an
 * "n/a" cell carrying its reason: nothing here throws for a tool that does not build or load.
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { ClangError, compileC } from "./clang-build.ts";
import { countInstructions, type ProgramSize } from "./count.ts";
import { pairPrograms } from "./pair.ts";
import { medianMs } from "./stats.ts";
import { na, type Cell, type CodegenRow } from "./table.ts";
import { buildWithTsbpf } from "./tsbpf-build.ts";
import { loadWithBpftool, type LoadReport } from "./verifier.ts";

/** The files of one tool. */
export interface ToolSources {
  /** `syscount`. */
  readonly tool: string;
  /** `bench/c/syscount.bpf.c`. */
  readonly cSource: string;
  /** `examples/syscount.ts`, or `bench/ts/<tool>.ts` for benchmark-only programs (may not exist yet). */
  readonly tsSource: string;
}

/** What this run can do, decided once by the caller. */
export interface Environment {
  readonly cacheDir: string;
  /** Timed runs per compile (after one warm-up). */
  readonly runs: number;
  /** Why clang cannot be used, if it cannot. */
  readonly clangUnavailable?: string;
  /** Why programs cannot be loaded on the kernel, if they cannot. */
  readonly kernelUnavailable?: string;
}

/** One side's results: the programs it produced, or the reason there are none. */
interface SideResult {
  readonly programs: readonly ProgramSize[];
  /** Why the side produced nothing (build or read failure). */
  readonly failure?: string;
  readonly compileMs: Cell;
  readonly load?: LoadReport;
  readonly loadUnavailable?: string;
}

function message(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0]!;
}

function failed(reason: string): SideResult {
  return { programs: [], failure: reason, compileMs: na(reason) };
}

/** Counts, times and loads an object both sides produced. */
async function finishSide(
  label: string,
  objectPath: string,
  bytes: Uint8Array,
  rebuild: () => unknown,
  env: Environment,
): Promise<SideResult> {
  let programs: ProgramSize[];
  try {
    programs = countInstructions(bytes);
  } catch (e) {
    return failed(`cannot read the ${label} object: ${message(e)}`);
  }
  let compileMs: Cell;
  try {
    compileMs = await medianMs(rebuild, env.runs);
  } catch (e) {
    compileMs = na(`${label} rebuild failed while timing: ${message(e)}`);
  }
  if (env.kernelUnavailable) return { programs, compileMs, loadUnavailable: env.kernelUnavailable };
  return { programs, compileMs, load: loadWithBpftool(objectPath) };
}

async function measureClang(src: ToolSources, env: Environment): Promise<SideResult> {
  if (env.clangUnavailable) return failed(env.clangUnavailable);
  try {
    const built = compileC(src.cSource, env.cacheDir);
    return await finishSide(
      "clang",
      built.path,
      built.bytes,
      () => compileC(src.cSource, env.cacheDir),
      env,
    );
  } catch (e) {
    return failed(e instanceof ClangError ? e.message : `clang build: ${message(e)}`);
  }
}

async function measureTsbpf(src: ToolSources, env: Environment): Promise<SideResult> {
  if (!existsSync(src.tsSource))
    return failed("examples/<tool>.ts (or bench/ts/<tool>.ts) is not written yet");
  const built = await buildWithTsbpf(src.tsSource, env.cacheDir);
  if (!built.ok) return failed(built.reason);
  return finishSide("tsbpf", built.path, built.bytes, built.rebuild, env);
}

/** fentry/fexit need BPF trampolines, which some kernels (lockdown) refuse even to root. */
function hint(section: string, error: string): string {
  return /^(fentry|fexit|fmod_ret)\//.test(section) && /not permitted/i.test(error)
    ? `${error} (this kernel refuses BPF trampolines, even to root)`
    : error;
}

function verifierCell(side: SideResult, prog: ProgramSize | undefined, label: string): Cell {
  if (!prog) return na(side.failure ?? `no matching ${label} program`);
  if (side.loadUnavailable) return na(side.loadUnavailable);
  const report = side.load!;
  const verdict = report.programs.get(prog.name);
  if (verdict && "processed" in verdict && !("error" in verdict)) return verdict.processed;
  if (verdict && "error" in verdict) return na(hint(prog.section, verdict.error));
  return na(
    report.error
      ? `${label} object did not load: ${report.error}`
      : `no verifier log for ${label} program '${prog.name}'`,
  );
}

/** Measures one tool; one row per program (matched across the two sides by section). */
export async function measureTool(src: ToolSources, env: Environment): Promise<CodegenRow[]> {
  const clang = await measureClang(src, env);
  const tsbpf = await measureTsbpf(src, env);
  const pairs = pairPrograms(tsbpf.programs, clang.programs);
  if (pairs.length === 0) pairs.push({});
  return pairs.map((p, i) => ({
    program: `${src.tool}/${p.clang?.name ?? p.tsbpf?.name ?? basename(src.cSource)}`,
    tsbpfInsns: p.tsbpf ? p.tsbpf.insns : na(tsbpf.failure ?? "no matching tsbpf program"),
    clangInsns: p.clang ? p.clang.insns : na(clang.failure ?? "no matching clang program"),
    tsbpfVerified: verifierCell(tsbpf, p.tsbpf, "tsbpf"),
    clangVerified: verifierCell(clang, p.clang, "clang"),
    ...(i === 0 ? { tsbpfCompileMs: tsbpf.compileMs, clangCompileMs: clang.compileMs } : {}),
  }));
}
