/**
 * `tsbpf build <input>`: compiles a TypeScript program (or IR text, `.ir`) to a BPF ELF object, or
 * prints the IR / optimised IR / assembly with `--emit`; `--watch` rebuilds on every change
 * (build-watch.ts).
 *
 * Diagnostics are printed with code frames; the exit code is 1 when any is an error. Options mirror
 * clang's where they overlap (`--mcpu v1..v4`, default v3). User mistakes (bad options, unreadable
 * input) are `UsageError`s: one line, exit 1, never a stack trace.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { Command } from "commander";
import {
  BACKEND_STAGES,
  compileModule,
  compileSource,
  type CompileOptions,
  type CompileOutput,
  type EmitKind,
} from "../../compiler/driver.ts";
import { formatDiagnostics, hasErrors } from "../../compiler/diag/index.ts";
import { parseModule, IrParseError } from "../../compiler/ir/index.ts";
import { PASSES } from "../../compiler/passes/pipeline.ts";
import {
  findProject,
  ProjectConfigError,
  projectSourceName,
} from "../../compiler/project-config.ts";
import type { Mcpu } from "../../compiler/target/bpf/index.ts";

const EMITS: readonly EmitKind[] = ["ir", "ir-opt", "asm", "obj"];

/** Command-line options of `tsbpf build`, as commander parses them. */
export interface BuildCliOptions {
  readonly output?: string;
  readonly emit: string;
  readonly mcpu: string;
  readonly dumpAfter?: string;
  readonly opt: boolean;
  readonly watch?: boolean;
  readonly btf?: string;
}

/** A checked build request: the input plus compiler options and where the result goes. */
export interface BuildRequest {
  readonly input: string;
  readonly emit: EmitKind;
  /** Output file; text goes to stdout when absent, an object to `<input>.o`. */
  readonly output?: string;
  readonly compile: CompileOptions;
}

/** The outcome of one build: exit code and, on success, a one-line summary. */
export interface BuildResult {
  readonly code: number;
  /** e.g. "built probe.o: 39 insns in 412 ms" (objects only). */
  readonly summary?: string;
}

/** A mistake in the command line or the input file: printed as one line, exit 1. */
export class UsageError extends Error {
  override name = "UsageError";
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "is a directory",
  EACCES: "permission denied",
};

function parseMcpu(text: string): Mcpu {
  const m = /^v?([1-4])$/.exec(text.trim());
  if (!m) throw new UsageError(`--mcpu must be one of v1, v2, v3, v4 (got '${text}')`);
  return Number(m[1]) as Mcpu;
}

/** Checks the command-line options; throws `UsageError` for a bad one. */
export function parseBuildOptions(input: string, opts: BuildCliOptions): BuildRequest {
  if (!EMITS.includes(opts.emit as EmitKind)) {
    throw new UsageError(`--emit must be one of ${EMITS.join(", ")} (got '${opts.emit}')`);
  }
  const passes = [...PASSES.map((p) => p.name), ...BACKEND_STAGES];
  if (opts.dumpAfter !== undefined && !passes.includes(opts.dumpAfter)) {
    throw new UsageError(
      `--dump-after: unknown pass '${opts.dumpAfter}'; one of ${passes.join(", ")}`,
    );
  }
  const emit = opts.emit as EmitKind;
  return {
    input,
    emit,
    ...(opts.output !== undefined ? { output: opts.output } : {}),
    compile: {
      mcpu: parseMcpu(opts.mcpu),
      emit,
      optimize: opts.opt,
      ...(opts.btf !== undefined ? { btf: opts.btf } : {}),
      ...(opts.dumpAfter !== undefined ? { dumpAfter: opts.dumpAfter } : {}),
    },
  };
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  return ERRNO_TEXT[code] ?? (code || String(e));
}

/**
 * Reads the input file; an unreadable one, or one holding binary data (a NUL byte: an object file
 * or executable, which the TypeScript parser would echo back as screens of garbage), is a
 * `UsageError` naming the reason.
 */
export function readInput(input: string): string {
  let text: string;
  try {
    text = readFileSync(input, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${input}: ${errnoText(e)}`);
  }
  if (text.includes("\0")) {
    throw new UsageError(
      `${input} is binary, not TypeScript or IR source (objects: tsbpf objdump)`,
    );
  }
  return text;
}

/** Writes an output file; an unwritable path is a `UsageError` naming the reason. */
function writeOutput(file: string, data: string | Uint8Array): void {
  try {
    writeFileSync(file, data);
  } catch (e) {
    throw new UsageError(`cannot write ${file}: ${errnoText(e)}`);
  }
}

/**
 * The name a TypeScript input compiles under and its options: inside a project with a tsbpf.json,
 * the project's pinned BTF and the input's name relative to the project root (so the object does not
 * depend on the working directory); elsewhere the input as given.
 */
function projectInput(req: BuildRequest): { name: string; compile: CompileOptions } {
  let project;
  try {
    project = findProject(req.input);
  } catch (e) {
    if (e instanceof ProjectConfigError) throw new UsageError(e.message);
    throw e;
  }
  if (project.file === undefined) return { name: req.input, compile: req.compile };
  return { name: projectSourceName(project, req.input), compile: { ...req.compile, project } };
}

/** Compiles the source text of `req.input` (TypeScript, or IR text for `.ir`). */
async function compileInput(
  req: BuildRequest,
  source: string,
): Promise<CompileOutput & { name: string }> {
  if (extname(req.input) !== ".ir") {
    const { name, compile } = projectInput(req);
    return { ...(await compileSource(source, name, compile)), name };
  }
  try {
    const m = parseModule(source);
    return { ...compileModule(m, new Map([[m.source, source]]), req.compile), name: req.input };
  } catch (e) {
    if (e instanceof IrParseError) throw new UsageError(`${req.input}:${e.message}`);
    throw e;
  }
}

/**
 * Runs one build: prints diagnostics and dumps to stderr, writes the output. Throws `UsageError`
 * for an unreadable input; compile errors are printed and give code 1.
 */
export async function buildOnce(req: BuildRequest): Promise<BuildResult> {
  const t0 = performance.now();
  const source = readInput(req.input);
  const out = await compileInput(req, source);
  if (out.diagnostics.length > 0) {
    process.stderr.write(formatDiagnostics(out.diagnostics, new Map([[out.name, source]])) + "\n");
  }
  for (const d of out.dumps) process.stderr.write(d + "\n");
  if (hasErrors(out.diagnostics)) return { code: 1 };
  const text = { ir: out.ir, "ir-opt": out.irOpt, asm: out.asm, obj: undefined }[req.emit];
  if (req.emit !== "obj") {
    if (req.output) writeOutput(req.output, text ?? "");
    else process.stdout.write(text ?? "");
    return { code: 0 };
  }
  const file = req.output ?? `${basename(req.input, extname(req.input))}.o`;
  writeOutput(file, out.object!);
  const insns = out.stats.reduce((n, s) => n + s.insns, 0);
  const ms = Math.round(performance.now() - t0);
  return { code: 0, summary: `built ${file}: ${insns} insns in ${ms} ms` };
}

/** Runs `tsbpf build` once (no watch); returns the exit code. */
export async function runBuild(input: string, opts: BuildCliOptions): Promise<number> {
  const result = await buildOnce(parseBuildOptions(input, opts));
  if (result.summary) process.stderr.write(result.summary + "\n");
  return result.code;
}

/** Registers `tsbpf build`. */
export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("compile a TypeScript eBPF program (or .ir) to a BPF object file")
    .argument("<input>", "source file (.ts, or .ir for IR text)")
    .option("-o, --output <file>", "output file (default: <input>.o, or stdout for text)")
    .option("--emit <kind>", "what to produce: ir, ir-opt, asm, obj", "obj")
    .option("--mcpu <version>", "BPF ISA version v1..v4, like clang -mcpu", "v3")
    .option(
      "--dump-after <pass>",
      "print the IR after this pass (or isel/regalloc machine code) to stderr",
    )
    .option("--no-opt", "skip optimisation passes")
    .option(
      "--btf <file>",
      "kernel BTF for typed fentry/kprobe/tp_btf arguments (default /sys/kernel/btf/vmlinux)",
    )
    .option("-w, --watch", "rebuild whenever the input (or the tsbpf stdlib) changes; Ctrl-C stops")
    .action(async (input: string, o: BuildCliOptions) => {
      try {
        if (o.watch) {
          const { watchBuild } = await import("./build-watch.ts");
          process.exitCode = await watchBuild(parseBuildOptions(input, o));
        } else {
          process.exitCode = await runBuild(input, o);
        }
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`tsbpf build: ${e.message}\n`);
        process.exitCode = 1;
      }
    });
}
