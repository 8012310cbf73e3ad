/**
 * The `tsbpf` command line: one commander program; each subcommand lives in cli/commands/ and
 * registers itself through a `register*` function listed here.
 *
 * User mistakes reach the user as one clear message (exit 1), never a stack trace; a stack trace is
 * shown only for internal errors, and only with TSBPF_DEBUG=1.
 */
import { Command } from "commander";
import { registerAsm } from "./commands/asm.ts";
import { reportFatal } from "./report.ts";
import { tsbpfVersion } from "../compiler/version.ts";
import { registerProg } from "./commands/prog.ts";
import { registerBuild } from "./commands/build.ts";
import { registerObjdump } from "./commands/objdump.ts";
import { registerFeatures } from "./commands/features.ts";
import { registerGen } from "./commands/gen.ts";
import { registerRun } from "./commands/run.ts";
import { registerPackage } from "./commands/package.ts";
import { registerVmCommand } from "./commands/vm.ts";
import { registerConformancePlugin } from "./commands/conformance-plugin.ts";
import { registerGolden } from "./commands/golden.ts";

const COMMANDS: ((program: Command) => void)[] = [
  // Each subcommand module adds one line here.
  registerProg,
  registerConformancePlugin,
  registerAsm,
  registerVmCommand,
  registerBuild,
  registerObjdump,
  registerRun,
  registerPackage,
  registerFeatures,
  registerGolden,
  registerGen,
];

/** Builds the CLI program with every subcommand registered. */
export function buildCli(): Command {
  const program = new Command("tsbpf")
    .description(
      "Write eBPF programs in TypeScript: build, run in the kernel or the bundled VM, inspect",
    )
    .version(tsbpfVersion())
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Entry point used by bin/tsbpf.js. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    process.exitCode = reportFatal(err);
  }
}
