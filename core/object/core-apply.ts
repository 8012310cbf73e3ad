/**
 * Applying an object's CO-RE relocations (`.BTF.ext` core_relo) for a target kernel's BTF, as
 * libbpf's bpf_object__relocate_core does, before programs are linked and loaded. Shared by the
 * kernel loader (target: /sys/kernel/btf/vmlinux) and the VM (a BTF file it is given).
 *
 * Consumes a read `BpfObject` and the target `LazyBtf`; produces a copy of the object whose program
 * and subprogram instructions are patched, plus one `AppliedCoreRelo` per record (plain data: the
 * values, the field chain, the source line from line_info) for reports, tests and load errors.
 * Patching follows libbpf bpf_core_patch_insn: the immediate of an ALU/ALU64 K-form instruction,
 * the offset of a load/store, or the 64-bit constant of an ld_imm64; the instruction must hold the
 * value computed on the object's own BTF first. A relocation that does not resolve poisons its
 * instruction with libbpf's marker call (`call 0xbad2310`), so it fails only if the verifier
 * reaches it (a `coreFieldExists` guard may skip it); the loader names the relocation then.
 */
import { LazyBtf, encodeBtf, btfExtStrings, resolveCoreRelo } from "../btf/index.ts";
import { CORE_RELO_KIND_NAMES } from "../btf/core-relo.ts";
import {
  INSN_SIZE,
  InsnClass,
  insnSpec,
  makeInsn,
  slotOffsets,
  splitImm64,
  type Insn,
} from "../isa/index.ts";
import { ObjectError } from "./errors.ts";
import type { BpfObject, BpfProgram } from "./model.ts";

/** libbpf's poison marker: `call 0xbad2310` (its verifier log says `unknown#195896080`). */
export const CORE_POISON_HELPER = 0xbad2310;

/** One relocation as applied. */
export interface AppliedCoreRelo {
  readonly section: string;
  /** Index of the record in its section (libbpf's `relo #N`). */
  readonly index: number;
  /** The function holding the instruction, and the instruction's index and slot in it. */
  readonly func: string;
  readonly insnIndex: number;
  readonly slot: number;
  readonly kind: number;
  /** libbpf's name of the kind (`byte_off`, `field_exists`, ...). */
  readonly kindName: string;
  readonly chain: string;
  readonly accessStr: string;
  readonly localValue: bigint;
  /** null: unresolved, the instruction is poisoned. */
  readonly targetValue: bigint | null;
  readonly reason?: string;
  /** `file:line: source text` of the instruction, from line_info, when present. */
  readonly source?: string;
}

/** The patched object and what was done. */
export interface CoreApplyResult {
  readonly object: BpfObject;
  readonly relocations: readonly AppliedCoreRelo[];
}

/** True when the object has CO-RE relocations. */
export function hasCoreRelocations(obj: BpfObject): boolean {
  return (obj.btfExt?.coreRelo ?? []).some((s) => s.records.length > 0);
}

/** The object's own BTF as a lazy reader (the resolver's local side). */
function localBtf(obj: BpfObject): LazyBtf {
  if (!obj.btf) throw new ObjectError("object has CO-RE relocations but no .BTF section");
  return new LazyBtf(
    encodeBtf(obj.btf, obj.btfExt ? btfExtStrings(obj.btfExt) : []),
    "the object's BTF",
  );
}

function sourceLine(obj: BpfObject, section: string, insnOff: number): string | undefined {
  const lines = obj.btfExt?.lineInfo.find((s) => s.section === section)?.records ?? [];
  let best: (typeof lines)[number] | undefined;
  for (const l of lines) if (l.insnOff <= insnOff && (!best || l.insnOff >= best.insnOff)) best = l;
  return best ? `${best.fileName}:${best.lineNum}: ${best.line.trim()}` : undefined;
}

/** Patches one instruction with a resolved value (libbpf bpf_core_patch_insn). */
function patch(insn: Insn, value: bigint, local: bigint, validate: boolean, where: string): Insn {
  const s = insn.spec;
  if (s.kind === "lddw") {
    const { imm, imm2 } = splitImm64(value);
    return { ...insn, imm, imm2 };
  }
  const isAluK = (s.cls === InsnClass.ALU || s.cls === InsnClass.ALU64) && s.source === "imm";
  const isMem = s.cls === InsnClass.LDX || s.cls === InsnClass.ST || s.cls === InsnClass.STX;
  if (isAluK) {
    if (validate && BigInt(insn.imm) !== local)
      throw new ObjectError(`${where}: instruction has immediate ${insn.imm}, expected ${local}`);
    if (value < -(1n << 31n) || value >= 1n << 32n)
      throw new ObjectError(`${where}: value ${value} does not fit a 32-bit immediate`);
    return { ...insn, imm: Number(BigInt.asIntN(32, value)) };
  }
  if (isMem) {
    if (validate && BigInt(insn.off) !== local)
      throw new ObjectError(`${where}: instruction has offset ${insn.off}, expected ${local}`);
    if (value < -(1n << 15n) || value >= 1n << 15n)
      throw new ObjectError(`${where}: value ${value} does not fit a 16-bit offset`);
    return { ...insn, off: Number(value) };
  }
  throw new ObjectError(`${where}: CO-RE relocation on an instruction that takes no constant`);
}

/** Applies every CO-RE relocation of `obj` for `target`. */
export function applyCoreRelocations(obj: BpfObject, target: LazyBtf): CoreApplyResult {
  if (!hasCoreRelocations(obj)) return { object: obj, relocations: [] };
  const local = localBtf(obj);
  const relocations: AppliedCoreRelo[] = [];
  const patched = new Map<BpfProgram, Insn[]>();
  const funcs = [...obj.programs, ...obj.subprograms];
  for (const sec of obj.btfExt!.coreRelo) {
    sec.records.forEach((r, index) => {
      const owner = funcs.find((f) => {
        if (f.section !== sec.section) return false;
        const slots = slotOffsets(f.insns);
        const rel = r.insnOff - f.sectionOffset;
        return rel >= 0 && rel < slots[f.insns.length]! * INSN_SIZE;
      });
      if (!owner)
        throw new ObjectError(
          `CO-RE relocation #${index} of section ${sec.section} is at byte ${r.insnOff}, in no function`,
        );
      const slots = slotOffsets(owner.insns);
      const slot = (r.insnOff - owner.sectionOffset) / INSN_SIZE;
      const insnIndex = slots.indexOf(slot);
      if (insnIndex < 0)
        throw new ObjectError(
          `CO-RE relocation #${index} of section ${sec.section} points into the middle of an ld_imm64`,
        );
      const res = resolveCoreRelo(local, target, r);
      const source = sourceLine(obj, sec.section, r.insnOff);
      relocations.push({
        section: sec.section,
        index,
        func: owner.name,
        insnIndex,
        slot,
        kind: r.kind,
        kindName: CORE_RELO_KIND_NAMES[r.kind] ?? String(r.kind),
        chain: res.chain,
        accessStr: r.accessStr,
        localValue: res.localValue,
        targetValue: res.targetValue,
        ...(res.reason !== undefined ? { reason: res.reason } : {}),
        ...(source !== undefined ? { source } : {}),
      });
      const insns = patched.get(owner) ?? owner.insns.slice();
      patched.set(owner, insns);
      const where = `${owner.name}: CO-RE relocation #${index} (${res.chain})`;
      const insn = insns[insnIndex]!;
      if (res.targetValue !== null)
        insns[insnIndex] = patch(insn, res.targetValue, res.localValue, res.validate, where);
      else if (insn.spec.kind === "lddw")
        // A two-slot instruction cannot become the one-slot marker without moving every jump.
        throw new ObjectError(describeUnresolved(relocations.at(-1)!, target.source));
      else insns[insnIndex] = makeInsn(insnSpec("call_helper"), { imm: CORE_POISON_HELPER });
    });
  }
  const swap = (f: BpfProgram): BpfProgram => {
    const p = patched.get(f);
    return p ? { ...f, insns: p } : f;
  };
  return {
    object: { ...obj, programs: obj.programs.map(swap), subprograms: obj.subprograms.map(swap) },
    relocations,
  };
}

/** A readable account of an unresolved relocation, for load errors. */
export function describeUnresolved(r: AppliedCoreRelo, targetName: string): string {
  const at = r.source ? ` at ${r.source}` : "";
  return `CO-RE relocation of ${r.chain} (${r.kindName}, access ${r.accessStr})${at} cannot be resolved on ${targetName}: ${r.reason ?? "no match"}`;
}
