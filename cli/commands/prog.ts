/**
 * `tsbpf prog load obj.o [--log-level N] [--attach] [--iface IF] [-d SEC] [-p NAME]...`: loads a BPF object
 * into the live kernel with runtime/loader (no libbpf), prints each program's type, section and the
 * verifier's processed-instruction count; with --attach, attaches every program by its section,
 * waits, then prints the non-empty entries of every map, and detaches. Everything is closed on exit.
 *
 * User mistakes (missing file, bad numbers, unknown section, verifier rejection, no root) are one
 * clear line through cli/report.ts: loader errors carry the errno name, a hint and the verifier log.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { programTypeById } from "../../core/kernel/index.ts";
import { objectNameOf } from "../../core/object/index.ts";
import {
  LoaderError,
  loadObject,
  parseVerifierLog,
  programInfo,
} from "../../runtime/loader/index.ts";
import { namingFile } from "../file-errors.ts";
import { durationOption, progOption } from "../options.ts";

interface LoadFlags {
  logLevel: string;
  attach?: boolean;
  iface?: string;
  duration: string;
  prog?: string[];
}

function intOption(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new LoaderError(`${what} must be an integer from ${min} to ${max}, got ${text}`);
  }
  return n;
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");
}

async function runLoad(file: string, flags: LoadFlags): Promise<void> {
  const logLevel = intOption(flags.logLevel, "--log-level", 0, 7);
  const seconds = intOption(flags.duration, "--duration", 0, 86_400);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new LoaderError(`cannot read object file ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const obj = namingFile(file, () =>
    loadObject(bytes, { logLevel, programs: flags.prog, objectName: objectNameOf(file) }),
  );
  try {
    for (const w of obj.warnings) process.stderr.write(`tsbpf: warning: ${w}\n`);
    for (const [name, p] of obj.programs) {
      const info = programInfo(p.program.fd);
      const type = programTypeById(info.type)?.type ?? String(info.type);
      process.stdout.write(
        `${name}: ${type} (section ${p.section}), id ${info.id}, ${info.verifiedInsns} insns verified\n`,
      );
      if (logLevel > 0) {
        const facts = parseVerifierLog(p.program.log);
        if (facts.processedInsns >= 0)
          process.stdout.write(`  processed ${facts.processedInsns} insns\n`);
        if (logLevel & 3) process.stdout.write(p.program.log.replace(/^/gm, "  | ") + "\n");
      }
    }
    if (!flags.attach) return;
    namingFile(file, () => {
      for (const name of obj.programs.keys()) obj.attach(name, { iface: flags.iface });
    });
    process.stdout.write(`attached; waiting ${seconds}s\n`);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    for (const map of obj.maps.values()) {
      const entries = map.keySize > 0 ? [...map.entries()].filter(([, v]) => v.some((b) => b)) : [];
      process.stdout.write(`map ${map.name}: ${entries.length} non-zero entries\n`);
      for (const [k, v] of entries.slice(0, 50)) process.stdout.write(`  ${hex(k)} => ${hex(v)}\n`);
    }
  } finally {
    obj.close();
  }
}

/** Registers `tsbpf prog`. */
export function registerProg(program: Command): void {
  const prog = program.command("prog").description("load BPF objects into the live kernel (root)");
  const load = prog
    .command("load <object>")
    .description("load an object's maps and programs; optionally attach them for a while")
    .option("--log-level <n>", "verifier log level (1 = insns, 2 = states, 4 = stats)", "0")
    .option("--attach", "attach every program by its SEC() name")
    .option("--iface <name>", "interface for XDP programs");
  durationOption(load, "--attach: how long to stay attached", "5");
  progOption(load, "load only this program").action((file: string, flags: LoadFlags) =>
    runLoad(file, flags),
  );
}
