/**
 * `tsbpf golden check|update FILES…`: bytecode golden files without vitest, for any CI.
 *
 * Each FILE is a golden (`*.bpf.golden`: its header names the probe, relative to the project root,
 * and how it was built) or a probe (`*.ts`: its golden is `<name>.bpf.golden` next to it, or
 * `--golden <file>` for a single probe). `check` rebuilds every probe and compares (exit 1 with the
 * diff when any differs, is missing or is unreadable); `update` rewrites the goldens that differ.
 * Probes are built through tsbpf/test's `compileProbe`, so goldens made here and by the vitest
 * matcher are the same files.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { findProject, ProjectConfigError } from "../../compiler/project-config.ts";
import type { Mcpu } from "../../compiler/target/bpf/index.ts";
import { compileProbe, ProbeCompileError } from "../../testing/compile-probe.ts";
import { GoldenFormatError, parseGolden } from "../../testing/golden.ts";
import {
  checkGolden,
  displayPath,
  readGoldenFile,
  updateGolden,
} from "../../testing/golden-file.ts";

/** Command-line options of `tsbpf golden`. */
interface GoldenCliOptions {
  readonly golden?: string;
  readonly mcpu?: string;
  readonly verifier?: boolean;
}

/** A mistake in the command line or a file that cannot be used: one message, exit 1. */
class GoldenUsageError extends Error {
  override name = "GoldenUsageError";
}

/** One probe and its golden, with how to build it. */
interface Job {
  readonly probe: string;
  readonly golden: string;
  readonly mcpu?: Mcpu;
  readonly verifier?: boolean;
}

const GOLDEN_EXT = ".bpf.golden";

function parseMcpu(text: string): Mcpu {
  const m = /^v?([1-4])$/.exec(text.trim());
  if (!m) throw new GoldenUsageError(`--mcpu must be one of v1, v2, v3, v4 (got '${text}')`);
  return Number(m[1]) as Mcpu;
}

/** What FILE means: a probe and its golden (the golden's header supplies the probe). */
function jobFor(file: string, opts: GoldenCliOptions, single: boolean, verb: string): Job {
  const abs = resolve(file);
  const mcpu = opts.mcpu !== undefined ? { mcpu: parseMcpu(opts.mcpu) } : {};
  const verifier = opts.verifier ? { verifier: true } : {};
  if (abs.endsWith(".ts")) {
    if (opts.golden !== undefined && !single)
      throw new GoldenUsageError("--golden names the golden of one probe; give one probe with it");
    const golden =
      opts.golden !== undefined ? resolve(opts.golden) : abs.replace(/\.ts$/, GOLDEN_EXT);
    const text = readGoldenFile(golden);
    const meta = text !== undefined ? tryMeta(text, golden) : undefined;
    return {
      probe: abs,
      golden,
      ...(meta ? { mcpu: meta.mcpu as Mcpu, verifier: meta.verifier } : {}),
      ...mcpu,
      ...verifier,
    };
  }
  if (opts.golden !== undefined)
    throw new GoldenUsageError("--golden goes with a probe (.ts), not with a golden file");
  const text = readGoldenFile(abs);
  if (text === undefined) {
    throw new GoldenUsageError(
      `no golden ${displayPath(abs)}; create it with: tsbpf golden update <probe.ts> --golden ${displayPath(abs)}`,
    );
  }
  let meta;
  try {
    meta = parseGolden(text, displayPath(abs)).meta;
  } catch (e) {
    if (!(e instanceof GoldenFormatError)) throw e;
    throw new GoldenUsageError(
      `${e.message}\nIts probe is named in the header, so ${verb === "update" ? "it cannot be updated by its name" : "it cannot be checked"}; regenerate it with: tsbpf golden update <probe.ts> --golden ${displayPath(abs)}`,
    );
  }
  const probe = join(findProject(abs).root, meta.source);
  if (!existsSync(probe))
    throw new GoldenUsageError(
      `${displayPath(abs)} was made from ${meta.source}, which is not in the project (looked for ${displayPath(probe)})`,
    );
  return {
    probe,
    golden: abs,
    mcpu: meta.mcpu as Mcpu,
    verifier: meta.verifier !== null,
    ...mcpu,
    ...verifier,
  };
}

/** The build options a readable golden records, or undefined for an unreadable one. */
function tryMeta(text: string, file: string): { mcpu: number; verifier: boolean } | undefined {
  try {
    const m = parseGolden(text, file).meta;
    return { mcpu: m.mcpu, verifier: m.verifier !== null };
  } catch {
    return undefined;
  }
}

/** Runs `tsbpf golden <verb>` over FILES; returns the exit code. */
export async function runGolden(
  verb: "check" | "update",
  files: readonly string[],
  opts: GoldenCliOptions,
): Promise<number> {
  let failed = 0;
  for (const file of files) {
    try {
      const job = jobFor(file, opts, files.length === 1, verb);
      const probe = await compileProbe(job.probe, {
        ...(job.mcpu !== undefined ? { mcpu: job.mcpu } : {}),
        ...(job.verifier ? { verifier: true } : {}),
      });
      const name = displayPath(job.golden);
      if (verb === "update") {
        const changed = updateGolden(probe, job.golden);
        process.stdout.write(`${changed ? "updated" : "unchanged"} ${name}\n`);
        continue;
      }
      const update = `tsbpf golden update ${displayPath(job.probe)}${job.golden === job.probe.replace(/\.ts$/, GOLDEN_EXT) ? "" : ` --golden ${name}`}`;
      const r = checkGolden(probe, job.golden, update);
      if (r.pass) {
        process.stdout.write(`ok ${name}\n`);
      } else {
        failed++;
        process.stderr.write(`FAIL ${name}\n${r.message}\n`);
      }
    } catch (e) {
      if (
        e instanceof GoldenUsageError ||
        e instanceof GoldenFormatError ||
        e instanceof ProbeCompileError ||
        e instanceof ProjectConfigError
      ) {
        failed++;
        process.stderr.write(`tsbpf golden ${verb}: ${e.message}\n`);
        continue;
      }
      throw e;
    }
  }
  if (verb === "check" && files.length > 1)
    process.stdout.write(`${files.length - failed} of ${files.length} goldens match\n`);
  return failed > 0 ? 1 : 0;
}

/** Registers `tsbpf golden`. */
export function registerGolden(program: Command): void {
  const golden = program
    .command("golden")
    .description(
      "bytecode golden files: check probes against them, or update them (no vitest needed)",
    );
  for (const verb of ["check", "update"] as const) {
    golden
      .command(verb)
      .description(
        verb === "check"
          ? "rebuild each probe and compare with its golden; exit 1 with the diff on any mismatch"
          : "rebuild each probe and rewrite its golden where it differs (review the diff)",
      )
      .argument("<files...>", "goldens (.bpf.golden) or probes (.ts, golden next to it)")
      .option("--golden <file>", "the golden of the one probe given (default <probe>.bpf.golden)")
      .option("--mcpu <version>", "BPF ISA version v1..v4 (default: the golden's, else v3)")
      .option("--verifier", "load into the kernel and record verifier counts (root)")
      .action(async (files: string[], o: GoldenCliOptions) => {
        process.exitCode = await runGolden(verb, files, o);
      });
  }
}
