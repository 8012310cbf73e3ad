/**
 * The `tsbpf` command line: one commander program; each subcommand lives in cli/commands/ and
 * registers itself through a `register*` function listed here.
 *
 * Each command's module is imported only when needed: `main` registers just the command that argv
 * names (so `tsbpf build` never loads the live-kernel loader, its native FFI module, the VM or the
 * YAML parser), and every command for anything else (`--help`, `help <cmd>`, `--version`, a
 * mistyped name), so help texts and commander's suggestions are those of the whole program.
 *
 * User mistakes reach the user as one clear message (exit 1), never a stack trace; a stack trace is
 * shown only for internal errors, and only with TSBPF_DEBUG=1.
 */
import { Command } from "commander";
import { reportFatal } from "./report.ts";
import { tsbpfVersion } from "../compiler/version.ts";

type Register = (program: Command) => void;

/** A command module: the command names it registers and how to load its `register*` function. */
interface CommandModule {
  readonly names: readonly string[];
  readonly load: () => Promise<Register>;
}

const COMMANDS: readonly CommandModule[] = [
  // Each subcommand module adds one entry here (literal specifiers, so the bundle can see them).
  { names: ["prog"], load: async () => (await import("./commands/prog.ts")).registerProg },
  {
    names: ["conformance-plugin"],
    load: async () => (await import("./commands/conformance-plugin.ts")).registerConformancePlugin,
  },
  { names: ["asm", "disasm"], load: async () => (await import("./commands/asm.ts")).registerAsm },
  { names: ["vm"], load: async () => (await import("./commands/vm.ts")).registerVmCommand },
  { names: ["build"], load: async () => (await import("./commands/build.ts")).registerBuild },
  { names: ["objdump"], load: async () => (await import("./commands/objdump.ts")).registerObjdump },
  { names: ["run"], load: async () => (await import("./commands/run.ts")).registerRun },
  { names: ["package"], load: async () => (await import("./commands/package.ts")).registerPackage },
  {
    names: ["features"],
    load: async () => (await import("./commands/features.ts")).registerFeatures,
  },
  { names: ["golden"], load: async () => (await import("./commands/golden.ts")).registerGolden },
  { names: ["gen"], load: async () => (await import("./commands/gen.ts")).registerGen },
];

/**
 * Builds the CLI program with every subcommand registered, or with only the module of `command`
 * when that names one. With `exitOverride`, commander throws a `CommanderError` where it would end
 * the process (help, a bad option): the build server's case.
 */
export async function buildCli(command?: string, exitOverride = false): Promise<Command> {
  const program = new Command("tsbpf")
    .description(
      "Write eBPF programs in TypeScript: build, run in the kernel or the bundled VM, inspect",
    )
    .version(tsbpfVersion())
    .showHelpAfterError();
  if (exitOverride) program.exitOverride();
  const only = COMMANDS.filter((c) => command !== undefined && c.names.includes(command));
  const modules = only.length > 0 ? only : COMMANDS;
  const registers = await Promise.all(modules.map((c) => c.load()));
  for (const register of registers) register(program);
  return program;
}

/** Entry point used by bin/tsbpf.js. */
export async function main(argv: string[]): Promise<void> {
  try {
    await (await buildCli(argv[2])).parseAsync(argv);
  } catch (err) {
    process.exitCode = reportFatal(err);
  }
}

/** Serves `tsbpf build` requests on `socket` until idle (cli/build-server.ts; bin/tsbpf.js starts it). */
export async function serveBuilds(socket: string): Promise<void> {
  const { serveBuilds: serve } = await import("./build-server.ts");
  await serve(socket, (command) => buildCli(command, true));
}

/**
 * Readies this process for a V8 startup snapshot (bin/tsbpf-snapshot.cjs): loads the `build`
 * command, the compiler and the front end, and compiles each of `samples` ([file name, source]) twice
 * in memory, so the snapshot holds the front end's project with the stdlib parsed. Writes nothing.
 */
export async function primeForSnapshot(samples: readonly [string, string][]): Promise<void> {
  await buildCli("build");
  const { compileSource } = await import("../compiler/driver.ts");
  for (const [file, source] of samples) {
    for (let round = 0; round < 2; round++) {
      const out = await compileSource(`${source}\n// snapshot warm-up ${round}\n`, file, {});
      if (out.object === undefined) throw new Error(`snapshot warm-up: ${file} did not build`);
    }
  }
}

/**
 * Run first in a process started from the startup snapshot: drops the snapshot's parsed stdlib when
 * the stdlib files on disk no longer have the texts it was parsed from.
 */
export async function resumeFromSnapshot(): Promise<void> {
  const { dropStaleStdlib } = await import("../compiler/frontend/project.ts");
  dropStaleStdlib();
}
