/**
 * `tsbpf asm` and `tsbpf disasm`: raw bytecode to and from the llvm-objdump-style text of core/isa.
 *
 * Consumes a text file (asm) or a raw little-endian bytecode file (disasm, 8 bytes per slot, no ELF);
 * produces a bytecode file or text on stdout. User mistakes (missing file, assembler error with
 * file:line:col, malformed bytecode naming the slot, validator problems) end as one clear message.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import {
  assemble,
  decodeProgram,
  disassemble,
  encodeProgram,
  validateProgram,
  type McpuVersion,
} from "../../core/isa/index.ts";

/** A problem with the command's input files or options (shown without a stack trace). */
class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      `cannot read ${file}: ${code === "ENOENT" ? "no such file" : String(code)}`,
    );
  }
}

function parseMcpu(value: string): McpuVersion {
  const m = /^v?([1-4])$/.exec(value);
  if (!m) throw new InputError(`bad --mcpu '${value}': expected v1, v2, v3 or v4`);
  return Number(m[1]) as McpuVersion;
}

function defaultOutput(file: string): string {
  return file.replace(/\.[^./]*$/, "") + ".bin";
}

/** Registers `asm` and `disasm`. */
export function registerAsm(program: Command): void {
  program
    .command("asm")
    .description("assemble eBPF text (llvm-objdump syntax, see core/isa/README.md) to raw bytecode")
    .argument("<file>", "assembly source (.s)")
    .option("-o, --output <file>", "output bytecode file (default: <file> with .bin)")
    .option("--mcpu <version>", "also validate the program for this ISA version (v1-v4)")
    .action((file: string, opts: { output?: string; mcpu?: string }) => {
      const bytes = readInput(file);
      // A NUL byte means bytecode or an executable: the assembler would quote it back as garbage.
      if (bytes.includes(0)) {
        throw new InputError(`${file} is binary, not assembly text (bytecode: tsbpf disasm)`);
      }
      const insns = assemble(bytes.toString("utf8"), { file });
      if (opts.mcpu !== undefined) {
        const problems = validateProgram(insns, { mcpu: parseMcpu(opts.mcpu) });
        if (problems.length > 0) {
          const list = problems.map(
            (p) => `  instruction ${p.index} (slot ${p.slot}): ${p.message}`,
          );
          throw new InputError(`${file}: invalid program:\n${list.join("\n")}`);
        }
      }
      const out = opts.output ?? defaultOutput(file);
      try {
        writeFileSync(out, encodeProgram(insns));
      } catch (e) {
        throw new InputError(`cannot write ${out}: ${String((e as NodeJS.ErrnoException).code)}`);
      }
    });
  program
    .command("disasm")
    .description("disassemble raw eBPF bytecode (8 bytes per slot, no ELF) to text")
    .argument("<file>", "bytecode file")
    .option("--hex", "hex numbers, as llvm-objdump-19 prints them (default: decimal)")
    .option("--alu32", "w registers for sub-64-bit loads/stores, like llvm-objdump --mattr=+alu32")
    .option("--slots", "prefix each line with its slot number")
    .option("--bytes", "show the raw bytes of each instruction")
    .action(
      (
        file: string,
        opts: { hex?: boolean; alu32?: boolean; slots?: boolean; bytes?: boolean },
      ) => {
        const bytes = new Uint8Array(readInput(file));
        process.stdout.write(disassemble(decodeProgram(bytes), opts));
      },
    );
}
