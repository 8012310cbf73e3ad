/**
 * `objectToSpec()`: a read `BpfObject` → the `BpfObjectSpec` that writes an equivalent object.
 *
 * Consumes `BpfObject` (from clang or from us); produces the writer's input: functions with their
 * relocations, func_info type ids and line info (converted from byte offsets to instruction indices),
 * `.maps`/legacy maps as BTF-defined map specs, global data maps as data sections whose variables come
 * from the (fixed-up) DATASEC of the same name. Used for round-trip tests and for re-emitting objects.
 */
import { slotOffsets, INSN_SIZE } from "../isa/index.ts";
import type { BpfMapDef, BpfObject, BpfProgram } from "./model.ts";
import type {
  BpfCoreReloSpec,
  BpfDataSpec,
  BpfFunctionSpec,
  BpfLineSpec,
  BpfMapSpec,
  BpfObjectSpec,
} from "./spec.ts";

function toFunction(obj: BpfObject, p: BpfProgram): BpfFunctionSpec {
  const slots = slotOffsets(p.insns);
  const size = slots[p.insns.length]! * INSN_SIZE;
  const funcTypeId = obj.btfExt?.funcInfo
    .find((s) => s.section === p.section)
    ?.records.find((r) => r.insnOff === p.sectionOffset)?.typeId;
  const lineInfo: BpfLineSpec[] = [];
  for (const r of obj.btfExt?.lineInfo.find((s) => s.section === p.section)?.records ?? []) {
    const rel = r.insnOff - p.sectionOffset;
    if (rel < 0 || rel >= size) continue;
    const insnIndex = slots.indexOf(rel / INSN_SIZE);
    if (insnIndex >= 0)
      lineInfo.push({
        insnIndex,
        fileName: r.fileName,
        line: r.line,
        lineNum: r.lineNum,
        column: r.column,
      });
  }
  const coreRelos: BpfCoreReloSpec[] = [];
  for (const r of obj.btfExt?.coreRelo.find((s) => s.section === p.section)?.records ?? []) {
    const rel = r.insnOff - p.sectionOffset;
    if (rel < 0 || rel >= size) continue;
    const insnIndex = slots.indexOf(rel / INSN_SIZE);
    if (insnIndex >= 0)
      coreRelos.push({ insnIndex, typeId: r.typeId, accessStr: r.accessStr, kind: r.kind });
  }
  return {
    name: p.name,
    section: p.section,
    insns: p.insns,
    relocs: p.relocs,
    ...(funcTypeId ? { funcTypeId } : {}),
    ...(lineInfo.length ? { lineInfo } : {}),
    ...(coreRelos.length ? { coreRelos } : {}),
  };
}

/** Derives writer input from a read object (see file header). */
export function objectToSpec(obj: BpfObject): BpfObjectSpec {
  const maps: BpfMapSpec[] = [];
  const data: BpfDataSpec[] = [];
  const mapSpec = (m: BpfMapDef): BpfMapSpec => ({
    name: m.name,
    type: m.type,
    maxEntries: m.maxEntries,
    keySize: m.keySize,
    valueSize: m.valueSize,
    ...(m.keyTypeId ? { keyTypeId: m.keyTypeId } : {}),
    ...(m.valueTypeId ? { valueTypeId: m.valueTypeId } : {}),
    ...(m.flags ? { flags: m.flags } : {}),
    ...(m.pinning ? { pinning: m.pinning } : {}),
    ...(m.tags?.length ? { tags: m.tags } : {}),
    ...(m.inner ? { inner: mapSpec(m.inner) } : {}),
    ...(m.initialValues ? { values: m.initialValues } : {}),
  });
  for (const m of obj.maps) {
    if (m.structOps) {
      const section = m.structOps.link ? ".struct_ops.link" : ".struct_ops";
      const prev = data.find((d) => d.name === section);
      const at = prev ? Math.ceil(prev.data.length / 8) * 8 : 0;
      const bytes = new Uint8Array(at + m.valueSize);
      if (prev) bytes.set(prev.data);
      bytes.set(m.initialValue ?? new Uint8Array(m.valueSize), at);
      const entry: BpfDataSpec = {
        name: section,
        data: bytes,
        vars: [
          ...(prev?.vars ?? []),
          { name: m.name, offset: at, size: m.valueSize, typeId: m.valueTypeId },
        ],
        funcRelocs: [
          ...(prev?.funcRelocs ?? []),
          ...m.structOps.funcs.map((f) => ({ offset: at + f.offset, program: f.program })),
        ],
      };
      if (prev) data[data.indexOf(prev)] = entry;
      else data.push(entry);
      continue;
    }
    if (m.globalSection === undefined) {
      maps.push(mapSpec(m));
      continue;
    }
    const ds = obj.btf?.types[m.valueTypeId];
    const vars =
      ds?.kind === "datasec"
        ? ds.vars.flatMap((vi) => {
            const v = obj.btf!.types[vi.type];
            return v?.kind === "var"
              ? [
                  {
                    name: v.name,
                    offset: vi.offset,
                    size: vi.size,
                    typeId: v.type,
                    isStatic: v.linkage === 0,
                  },
                ]
              : [];
          })
        : [];
    data.push({ name: m.globalSection, data: m.initialValue ?? new Uint8Array(m.valueSize), vars });
  }
  return {
    programs: obj.programs.map((p) => toFunction(obj, p)),
    subprograms: obj.subprograms.map((p) => toFunction(obj, p)),
    maps,
    data,
    license: obj.license,
    ...(obj.kernelVersion ? { kernelVersion: obj.kernelVersion } : {}),
    ...(obj.btf ? { btf: obj.btf } : {}),
  };
}
