/**
 * `tsbpf objdump <file.o>`: disassembles every program and subprogram of a BPF object, with the source
 * lines from `.BTF.ext` line_info interleaved (like `llvm-objdump -S`) and relocations named.
 *
 * Consumes ELF bytes (ours or clang's) through core/object's reader; prints text. A malformed file is
 * one clear error line and exit 1.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import {
  formatObject,
  readBpfObject,
  type BpfObject,
  type ObjdumpOptions,
} from "../../core/object/index.ts";

/** Registers `tsbpf objdump`. */
export function registerObjdump(program: Command): void {
  program
    .command("objdump")
    .description("disassemble a BPF object file, with source lines from BTF line info")
    .argument("<file>", "ELF object (.o)")
    .option("--hex", "print numbers in hex, like llvm-objdump")
    .action((file: string, opts: ObjdumpOptions) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        process.stderr.write(
          `tsbpf objdump: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`,
        );
        process.exitCode = 1;
        return;
      }
      let obj: BpfObject;
      try {
        obj = readBpfObject(bytes);
      } catch (e) {
        process.stderr.write(`tsbpf objdump: ${file}: ${(e as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(formatObject(obj, opts));
    });
}
