/**
 * `tsbpf gen types [--btf FILE] [--types a,b] -o FILE.d.ts`: TypeScript declarations of the kernel's
 * structs, unions, enums and typedefs from BTF (core/btf/ts-decls.ts), for the editor; the analogue
 * of `bpftool btf dump file vmlinux format c > vmlinux.h`. Include the file in your tsconfig: it
 * fills in the stdlib's `KernelTypes`, so `currentTask()` and `kernelPtr("sock", p)` are typed.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { openBtfFile } from "../../core/btf/file.ts";
import { BtfError } from "../../core/btf/index.ts";
import { kernelTypeDeclarations } from "../../core/btf/ts-decls.ts";

/** Registers `tsbpf gen`. */
export function registerGen(program: Command): void {
  const gen = program.command("gen").description("generate files from kernel facts");
  gen
    .command("types")
    .description("TypeScript declarations of kernel types from BTF (like vmlinux.h)")
    .option("--btf <file>", "BTF to read", "/sys/kernel/btf/vmlinux")
    .option("--types <names>", "only these types (comma-separated) and what they embed by value")
    .option("-o, --output <file>", "output .d.ts (default stdout)")
    .action((opts: { btf: string; types?: string; output?: string }) => {
      let text: string;
      try {
        const btf = openBtfFile(opts.btf);
        text = kernelTypeDeclarations(btf, {
          source: opts.btf,
          ...(opts.types ? { roots: opts.types.split(",").map((s) => s.trim()) } : {}),
        });
      } catch (e) {
        const code = (e as { code?: string }).code;
        const why =
          code === "ENOENT"
            ? "no such file"
            : e instanceof BtfError || e instanceof Error
              ? e.message
              : String(e);
        process.stderr.write(`tsbpf gen types: ${opts.btf}: ${why}\n`);
        process.exitCode = 1;
        return;
      }
      if (opts.output) writeFileSync(opts.output, text);
      else process.stdout.write(text);
    });
}
