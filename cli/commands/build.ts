/**
 * `tsbpf build <input>`: compiles a TypeScript program (or IR text, `.ir`) to a BPF ELF object, or
 * prints the IR / optimised IR / assembly with `--emit`.
 *
 * Diagnostics are printed with code frames; the exit code is 1 when any is an error. Options mirror
 * clang's where they overlap (`--mcpu v1..v4`, default v3).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { Command } from "commander";
import {
  compileModule,
  compileSource,
  type CompileOutput,
  type EmitKind,
} from "../../compiler/driver.ts";
import { formatDiagnostics, hasErrors } from "../../compiler/diag/index.ts";
import { parseModule, IrParseError } from "../../compiler/ir/index.ts";
import { PASSES } from "../../compiler/passes/pipeline.ts";
import type { Mcpu } from "../../compiler/target/bpf/index.ts";

const EMITS: readonly EmitKind[] = ["ir", "ir-opt", "asm", "obj"];
/** Back-end stages that `--dump-after` also accepts. */
const BACKEND_DUMPS = ["isel", "regalloc"];

/** A mistake in the command line or the input file: printed as one line, exit 1. */
class UsageError extends Error {
  override name = "UsageError";
}

function parseMcpu(text: string): Mcpu {
  const m = /^v?([1-4])$/.exec(text.trim());
  if (!m) throw new UsageError(`--mcpu must be one of v1, v2, v3, v4 (got '${text}')`);
  return Number(m[1]) as Mcpu;
}

/** Runs the build; returns the exit code. */
export async function runBuild(
  input: string,
  opts: { output?: string; emit: string; mcpu: string; dumpAfter?: string; opt: boolean },
): Promise<number> {
  if (!EMITS.includes(opts.emit as EmitKind)) {
    throw new UsageError(`--emit must be one of ${EMITS.join(", ")} (got '${opts.emit}')`);
  }
  const emit = opts.emit as EmitKind;
  const mcpu = parseMcpu(opts.mcpu);
  if (
    opts.dumpAfter !== undefined &&
    ![...PASSES.map((p) => p.name), ...BACKEND_DUMPS].includes(opts.dumpAfter)
  ) {
    throw new UsageError(
      `--dump-after: unknown pass '${opts.dumpAfter}'; one of ${[...PASSES.map((p) => p.name), ...BACKEND_DUMPS].join(", ")}`,
    );
  }
  let source: string;
  try {
    source = readFileSync(input, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const copts = {
    mcpu,
    emit,
    optimize: opts.opt,
    ...(opts.dumpAfter !== undefined ? { dumpAfter: opts.dumpAfter } : {}),
  };
  let out: CompileOutput;
  if (extname(input) === ".ir") {
    let m;
    try {
      m = parseModule(source);
    } catch (e) {
      if (e instanceof IrParseError) throw new UsageError(`${input}:${e.message}`);
      throw e;
    }
    out = compileModule(m, new Map([[m.source, source]]), copts);
  } else {
    out = await compileSource(source, input, copts);
  }
  if (out.diagnostics.length > 0) {
    process.stderr.write(formatDiagnostics(out.diagnostics, new Map([[input, source]])) + "\n");
  }
  for (const d of out.dumps) process.stderr.write(d + "\n");
  if (hasErrors(out.diagnostics)) return 1;
  const text =
    emit === "ir" ? out.ir : emit === "ir-opt" ? out.irOpt : emit === "asm" ? out.asm : undefined;
  if (text !== undefined) {
    if (opts.output) writeFileSync(opts.output, text);
    else process.stdout.write(text);
    return 0;
  }
  const file = opts.output ?? `${basename(input, extname(input))}.o`;
  writeFileSync(file, out.object!);
  const total = out.stats.reduce((n, s) => n + s.insns, 0);
  process.stderr.write(`wrote ${file}: ${out.stats.length} function(s), ${total} instructions\n`);
  return 0;
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
    .action(
      async (
        input: string,
        o: { output?: string; emit: string; mcpu: string; dumpAfter?: string; opt: boolean },
      ) => {
        try {
          process.exitCode = await runBuild(input, o);
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          process.stderr.write(`tsbpf build: ${e.message}\n`);
          process.exitCode = 1;
        }
      },
    );
}
