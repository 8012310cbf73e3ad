/**
 * `tsbpf conformance-plugin [memory-hex] [--interpret] [--budget N]`: a bpf_conformance plugin
 * (protocol: shared/conformance/PLUGIN-PROTOCOL.md), also reachable without the full CLI through
 * bin/tsbpf-conformance-plugin, which the upstream runner starts once per test.
 *
 * Consumes the program as "base16" hex bytes on stdin (`b7  00  00 ...`), the optional memory as the
 * first argument in the same framing; produces r0 as unsigned hex on stdout and exit 0, or one error
 * line on stderr and exit 1. r1/r2 = a private copy of the memory and its length (0/0 without memory),
 * r10 = a 512-byte stack, helpers 0–255 are no-ops returning 0 (the suite only needs helpers that
 * return). The run has its own instruction budget, since the runner has no timeout.
 */
import type { Command } from "commander";
import { decodeProgram } from "../../core/isa/index.ts";
import { runWithInput } from "../../runtime/vm/index.ts";

/**
 * The plugin's budget: the runner feeds it test programs (some loop for ever on purpose), so it
 * stops after 10M instructions, well under the runner's timeout, instead of the VM's default.
 */
export const PLUGIN_BUDGET = 10_000_000;
import type { HelperTable } from "../../runtime/vm/index.ts";

/** Options of one plugin invocation. */
export interface PluginRequest {
  readonly programHex: string;
  readonly memoryHex: string | null;
  readonly interpret: boolean;
  readonly budget: number;
  readonly elf: boolean;
}

/** What the plugin prints and its exit code. */
export interface PluginResponse {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A mistake in the plugin's input (bad hex, unknown option, ...). */
export class PluginInputError extends Error {
  override name = "PluginInputError";
}

const NOOP_HELPERS: HelperTable = new Map(
  Array.from({ length: 256 }, (_, i) => [i, { name: `noop_${i}`, fn: () => 0n }] as const),
);

/** Decodes the runner's hex framing: two hex digits per byte, separated by any whitespace. */
export function decodeHex(text: string, what: string): Uint8Array {
  const tokens = text.split(/\s+/).filter((t) => t !== "");
  const out = new Uint8Array(tokens.length);
  tokens.forEach((t, i) => {
    if (!/^[0-9a-fA-F]{1,2}$/.test(t)) {
      throw new PluginInputError(`${what}: byte ${i} is "${t}", expected two hex digits`);
    }
    out[i] = parseInt(t, 16);
  });
  return out;
}

/** Runs one request; never throws for bad input or a failing program (they become exit code 1). */
export function runPlugin(req: PluginRequest): PluginResponse {
  try {
    if (req.elf)
      throw new PluginInputError("ELF input (--elf) is not supported; pass raw bytecode");
    const bytes = decodeHex(req.programHex, "program");
    if (bytes.length === 0) throw new PluginInputError("program: no instructions on stdin");
    const insns = decodeProgram(bytes);
    const mem = req.memoryHex === null ? null : decodeHex(req.memoryHex, "memory");
    const r = runWithInput(insns, mem, NOOP_HELPERS, {
      engine: req.interpret ? "interpreter" : "jit",
      budget: req.budget,
    });
    return { code: 0, stdout: `${r.r0.toString(16)}\n`, stderr: "" };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { code: 1, stdout: "", stderr: `${msg.split("\n")[0]}\n` };
  }
}

/**
 * Parses the runner's argv (after the program name): the memory comes first when it does not start
 * with `--`, then the plugin options, then `--elf`.
 */
export function parsePluginArgv(argv: readonly string[], programHex: string): PluginRequest {
  let i = 0;
  let memoryHex: string | null = null;
  if (argv.length > 0 && !argv[0]!.startsWith("--")) memoryHex = argv[i++]!;
  let interpret = false;
  let elf = false;
  let budget = PLUGIN_BUDGET;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--interpret") interpret = true;
    else if (a === "--elf") elf = true;
    else if (a === "--budget") budget = parseBudget(argv[++i]);
    else if (a !== "") throw new PluginInputError(`unknown plugin option "${a}"`);
  }
  return { programHex, memoryHex, interpret, budget, elf };
}

function parseBudget(text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isSafeInteger(n) || n <= 0) {
    throw new PluginInputError(`--budget needs a positive integer, got "${text ?? ""}"`);
  }
  return n;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function emit(res: PluginResponse): void {
  process.stdout.write(res.stdout);
  process.stderr.write(res.stderr);
  process.exitCode = res.code;
}

/** Entry point of bin/tsbpf-conformance-plugin: `argv` excludes node and the script. */
export async function pluginMain(argv: readonly string[]): Promise<void> {
  const stdin = await readStdin();
  try {
    emit(runPlugin(parsePluginArgv(argv, stdin)));
  } catch (err) {
    emit({ code: 1, stdout: "", stderr: `${(err as Error).message}\n` });
  }
}

/** Registers `tsbpf conformance-plugin`. */
export function registerConformancePlugin(program: Command): void {
  program
    .command("conformance-plugin")
    .description(
      "bpf_conformance plugin: program hex on stdin, optional memory hex argument; prints r0 in hex",
    )
    .argument("[memory]", "input memory as hex bytes (one argument), passed in r1/r2")
    .option("--interpret", "use the reference interpreter instead of the JIT")
    .option("--budget <n>", "instruction budget", String(PLUGIN_BUDGET))
    .option("--elf", "input is an ELF object (not supported; reported as an error)")
    .action(
      async (
        memory: string | undefined,
        opts: { interpret?: boolean; budget: string; elf?: boolean },
      ) => {
        const argv = [
          ...(memory !== undefined ? [memory] : []),
          ...(opts.interpret ? ["--interpret"] : []),
          "--budget",
          opts.budget,
          ...(opts.elf ? ["--elf"] : []),
        ];
        await pluginMain(argv);
      },
    );
}
