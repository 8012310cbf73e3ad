/**
 * The disassembly listing of a BPF object, as `tsbpf objdump` prints it and the playground shows it:
 * every program and subprogram, with the source lines from `.BTF.ext` line_info interleaved (like
 * `llvm-objdump -S`) and relocations named.
 *
 * Consumes a read `BpfObject` (ours or clang's); produces text.
 */
import { formatInsn, slotOffsets, type Insn } from "../isa/index.ts";
import type { BpfObject, BpfProgram, BpfReloc } from "./model.ts";

/** What a relocation patches, named: `map counts`, `.bss + 8`, `call .text + 0`, `extern bpf_foo`. */
export function relocText(obj: BpfObject, r: BpfReloc): string {
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

/** One row of a function's listing: a source line, or an instruction with its slot. */
export type ListingRow =
  | { readonly kind: "source"; readonly text: string }
  | {
      readonly kind: "insn";
      /** Slot number inside the function (an lddw takes two). */
      readonly slot: number;
      /** The instruction in llvm-objdump syntax (alu32 register names). */
      readonly text: string;
      /** What a relocation patches into it (`map counts`), if any. */
      readonly reloc?: string;
      readonly insn: Insn;
    };

/**
 * The rows of one function's listing. Source lines follow `llvm-objdump -S` on BTF-only objects: a
 * line is given before an instruction that has a line_info record, unless the previous instruction
 * had a record for the same file and line; an instruction without a record breaks the run, so the
 * next record gives its line again.
 */
export function programRows(
  obj: BpfObject,
  p: BpfProgram,
  opts: ObjdumpOptions = {},
): ListingRow[] {
  const lines = obj.btfExt?.lineInfo.find((s) => s.section === p.section)?.records ?? [];
  const byOff = new Map(lines.map((l) => [l.insnOff, l]));
  const relocs = new Map(p.relocs.map((r) => [r.insnIndex, r]));
  const slots = slotOffsets(p.insns);
  const rows: ListingRow[] = [];
  let last: string | undefined;
  p.insns.forEach((insn, k) => {
    const li = byOff.get(p.sectionOffset + slots[k]! * 8);
    const key = li ? `${li.fileName}:${li.lineNum}` : undefined;
    if (li && key !== last) rows.push({ kind: "source", text: li.line.trimEnd() || `(${key})` });
    last = key;
    const r = relocs.get(k);
    rows.push({
      kind: "insn",
      slot: slots[k]!,
      text: formatInsn(insn, { alu32: true, hex: opts.hex ?? false }),
      ...(r ? { reloc: relocText(obj, r) } : {}),
      insn,
    });
  });
  return rows;
}

/**
 * Formats the disassembly of one function with its line info (`programRows`), like objdump: slots
 * are numbered from the start of the section, so a second subprogram of `.text` goes on counting.
 */
export function formatProgram(obj: BpfObject, p: BpfProgram, opts: ObjdumpOptions = {}): string {
  const out = [`${p.sectionOffset.toString(16).padStart(16, "0")} <${p.name}>:`];
  const base = p.sectionOffset / 8;
  for (const row of programRows(obj, p, opts)) {
    out.push(
      row.kind === "source"
        ? `; ${row.text}`
        : `${String(base + row.slot).padStart(8)}:\t${row.text}${row.reloc ? `\t; ${row.reloc}` : ""}`,
    );
  }
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
