/**
 * The `--emit asm` listing of an encoded function: slot numbers, instructions in llvm-objdump syntax
 * (core/isa disassembler, decimal numbers, w registers for 32-bit operands), relocation targets as
 * comments, and a `; file:line` comment wherever the source position changes.
 *
 * Consumes an `EncodedFunc`; produces text. Deterministic (golden tests compare it).
 */
import { formatInsn, slotOffsets } from "../../../core/isa/index.ts";
import type { EncodedFunc } from "./encode.ts";
import type { MReloc } from "./mir.ts";

function relocComment(r: MReloc): string {
  if (r.kind === "map") return `map ${r.map}`;
  if (r.kind === "global") return `global ${r.global}${r.offset ? ` + ${r.offset}` : ""}`;
  if (r.kind === "core") return `CO-RE ${r.relo.kind} t${r.relo.typeId} ${r.relo.access}`;
  return `call ${r.callee}`;
}

/** Formats one function's listing. */
export function formatEncoded(f: EncodedFunc): string {
  const slots = slotOffsets(f.insns);
  const relocs = new Map(f.relocs.map((r) => [r.insnIndex, r.reloc]));
  const lines = [`${f.name}:${f.section ? `  ; section ${f.section}` : ""}`];
  let last = "";
  f.insns.forEach((insn, k) => {
    const span = f.spans[k];
    if (span && span.line > 0) {
      const key = `${span.file}:${span.line}`;
      if (key !== last) lines.push(`; ${key}`);
      last = key;
    }
    const r = relocs.get(k);
    const text = formatInsn(insn, { alu32: true });
    lines.push(`${String(slots[k]).padStart(5)}: ${text}${r ? `  ; ${relocComment(r)}` : ""}`);
  });
  return lines.join("\n") + "\n";
}
