/**
 * Rebasing `.BTF.ext` func_info and line_info records onto a linked program, and packing them as the
 * kernel's `struct bpf_func_info` {insn_off, type_id} and `struct bpf_line_info` {insn_off,
 * file_name_off, line_off, line_col} arrays (Documentation/bpf/btf.rst §4.2 and §3.3).
 *
 * Consumes: the object's decoded BTF.ext (offsets in bytes from section start), the linked program's
 * pieces, and a lookup from string to offset in the BTF string table that was loaded. Produces: the
 * packed arrays (offsets in slots from the program start, sorted, as the kernel requires) and a
 * slot → source-line function for annotating verifier logs.
 */
import type { BtfExt, BtfLineInfo } from "../../core/btf/index.ts";
import type { LinkedPiece } from "./link-program.ts";

/** Packed BTF records for PROG_LOAD plus a source lookup. */
export interface ProgramBtfRecords {
  readonly funcInfo?: { readonly bytes: Uint8Array; readonly recSize: 8 };
  readonly lineInfo?: { readonly bytes: Uint8Array; readonly recSize: 16 };
  /** `file:line: text` of the line covering `slot`, or undefined. */
  readonly sourceOf: (slot: number) => string | undefined;
}

function rebase<T extends { readonly insnOff: number }>(
  sections: readonly { readonly section: string; readonly records: readonly T[] }[],
  pieces: readonly LinkedPiece[],
): { slot: number; rec: T }[] {
  const out: { slot: number; rec: T }[] = [];
  for (const pc of pieces) {
    const start = pc.fn.sectionOffset;
    const end = start + pc.slots * 8;
    for (const s of sections) {
      if (s.section !== pc.fn.section) continue;
      for (const rec of s.records) {
        if (rec.insnOff < start || rec.insnOff >= end) continue;
        out.push({ slot: pc.startSlot + (rec.insnOff - start) / 8, rec });
      }
    }
  }
  return out.sort((a, b) => a.slot - b.slot);
}

/** Builds the func_info / line_info arrays of a linked program. */
export function programBtfRecords(
  ext: BtfExt,
  pieces: readonly LinkedPiece[],
  stringOffset: (s: string) => number,
): ProgramBtfRecords {
  const funcs = rebase(ext.funcInfo, pieces);
  const lines = rebase(ext.lineInfo, pieces);
  const sourceOf = (slot: number): string | undefined => {
    let best: BtfLineInfo | undefined;
    for (const l of lines) {
      if (l.slot > slot) break;
      best = l.rec;
    }
    return best && `${best.line.trim()}  @ ${best.fileName}:${best.lineNum}`;
  };
  // bpf_func_info {insn_off, type_id} and bpf_line_info {insn_off, file_name_off, line_off,
  // line_col} (include/uapi/linux/bpf.h), as the kernel reads them: arrays of little-endian u32s.
  const funcInfo = packU32Records(funcs, 8, (f) => [f.slot, f.rec.typeId]);
  const lineInfo = packU32Records(lines, 16, (l) => [
    l.slot,
    stringOffset(l.rec.fileName),
    stringOffset(l.rec.line),
    (l.rec.lineNum << 10) | (l.rec.column & 0x3ff),
  ]);
  return { funcInfo, lineInfo, sourceOf };
}

/** Packs one `recSize`-byte record of u32 fields per item; undefined for no items (attr fields 0). */
function packU32Records<T, S extends number>(
  items: readonly T[],
  recSize: S,
  fields: (item: T) => readonly number[],
): { bytes: Uint8Array; recSize: S } | undefined {
  if (items.length === 0) return undefined;
  const bytes = new Uint8Array(items.length * recSize);
  const v = new DataView(bytes.buffer);
  items.forEach((item, i) =>
    fields(item).forEach((x, k) => v.setUint32(i * recSize + k * 4, x >>> 0, true)),
  );
  return { bytes, recSize };
}
