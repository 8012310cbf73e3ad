/**
 * The `.BTF.ext` core_relo records of an object being written: each function's CO-RE relocations
 * (`BpfFunctionSpec.coreRelos`, by instruction index) placed at their byte offset in the section,
 * grouped per section and sorted by offset, as clang emits them.
 *
 * Consumes the placed functions (core/object/write-btf.ts `PlacedFunction`); produces the
 * `coreRelo` part of `BtfExt`. Access strings become `.BTF` strings through `btfExtStrings`.
 */
import type { BtfCoreRelo, BtfExtSection } from "../btf/index.ts";
import { INSN_SIZE, slotOffsets } from "../isa/index.ts";
import { ObjectError } from "./errors.ts";
import type { BpfFunctionSpec } from "./spec.ts";

/** Builds the core_relo sections of the placed functions. */
export function coreReloSections(
  placed: readonly {
    readonly fn: BpfFunctionSpec;
    readonly section: string;
    readonly offset: number;
  }[],
): BtfExtSection<BtfCoreRelo>[] {
  const bySection = new Map<string, BtfCoreRelo[]>();
  for (const p of placed) {
    const relos = p.fn.coreRelos ?? [];
    if (relos.length === 0) continue;
    const slots = slotOffsets(p.fn.insns);
    const list = bySection.get(p.section) ?? [];
    for (const r of relos) {
      if (r.insnIndex < 0 || r.insnIndex >= p.fn.insns.length)
        throw new ObjectError(
          `function ${p.fn.name}: CO-RE relocation of instruction ${r.insnIndex}, which does not exist`,
        );
      list.push({
        insnOff: p.offset + slots[r.insnIndex]! * INSN_SIZE,
        typeId: r.typeId,
        accessStr: r.accessStr,
        kind: r.kind,
      });
    }
    bySection.set(p.section, list);
  }
  return [...bySection].map(([section, records]) => ({
    section,
    records: [...records].sort((a, b) => a.insnOff - b.insnOff),
  }));
}
