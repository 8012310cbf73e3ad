/**
 * `tsbpf objdump <file.o>`: disassembles every program and subprogram of a BPF object, with the source
 * lines from `.BTF.ext` line_info interleaved (like `llvm-objdump -S`) and relocations named.
 *
 * Consumes ELF bytes (ours or clang's) through core/object's reader; prints text. A malformed file is
 * one clear error line and exit 1.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { formatInsn, slotOffsets } from "../../core/isa/index.ts";
import {
  readBpfObject,
  type BpfObject,
  type BpfProgram,
  type BpfReloc,
} from "../../core/object/index.ts";

function relocText(obj: BpfObject, r: BpfReloc): string {
  switch (r.kind) {
    case "map":
      return `map ${obj.maps[r.mapIndex]?.name ?? `#${r.mapIndex}`}`;
    case "global":
      return `${obj.maps[r.mapIndex]?.name ?? `#${r.mapIndex}`} + ${r.offset}`;
    case "call":
      return `call ${r.targetSection} + ${r.targetOffset}`;
    case "extern":
      return `extern ${r.symbol}`;
  }
}

/** Output options of `tsbpf objdump`. */
export interface ObjdumpOptions {
  /** Numbers in llvm-objdump's signed hex instead of decimal. */
  readonly hex?: boolean;
}

/**
 * Formats the disassembly of one function with its line info. Source lines follow `llvm-objdump -S`
 * on BTF-only objects: a line is printed before an instruction that has a line_info record, unless the
 * previous instruction had a record for the same file and line; an instruction without a record
 * breaks the run, so the next record prints its line again.
 */
export function formatProgram(obj: BpfObject, p: BpfProgram, opts: ObjdumpOptions = {}): string {
  const lines = obj.btfExt?.lineInfo.find((s) => s.section === p.section)?.records ?? [];
  const byOff = new Map(lines.map((l) => [l.insnOff, l]));
  const relocs = new Map(p.relocs.map((r) => [r.insnIndex, r]));
  const slots = slotOffsets(p.insns);
  const out = [`${p.sectionOffset.toString(16).padStart(16, "0")} <${p.name}>:`];
  let last: string | undefined;
  p.insns.forEach((insn, k) => {
    const li = byOff.get(p.sectionOffset + slots[k]! * 8);
    const key = li ? `${li.fileName}:${li.lineNum}` : undefined;
    if (li && key !== last) out.push(`; ${li.line.trimEnd() || `(${key})`}`);
    last = key;
    const r = relocs.get(k);
    out.push(
      `${String(slots[k]).padStart(8)}:\t${formatInsn(insn, { alu32: true, hex: opts.hex ?? false })}${r ? `\t; ${relocText(obj, r)}` : ""}`,
    );
  });
  return out.join("\n");
}

/** Formats a whole object: one block per section, functions in order. */
export function formatObject(obj: BpfObject, opts: ObjdumpOptions = {}): string {
  const parts: string[] = [];
  const all = [...obj.subprograms, ...obj.programs];
  const sections = [...new Set(all.map((p) => p.section))];
  for (const s of sections) {
    parts.push(`Disassembly of section ${s}:\n`);
    for (const p of all.filter((x) => x.section === s))
      parts.push(formatProgram(obj, p, opts) + "\n");
  }
  return parts.join("\n");
}

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
