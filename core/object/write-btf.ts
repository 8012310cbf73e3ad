/**
 * The BTF half of `writeBpfObject()`: extends the program's BTF with what libbpf needs to load the
 * object, and builds the `.BTF.ext` func_info / line_info records.
 *
 * Consumes the spec and the layout decided by write.ts (function offsets, data sections); produces
 * the final `Btf` plus `BtfExt`. Adds, as clang does:
 * - per map, an anonymous struct whose members follow bpf_helpers.h: `__uint(f, N)` is
 *   `int (*f)[N]`, `__type(f, T)` is `T *f`; a GLOBAL VAR of it with the map's decl tags (clang's
 *   `btf_decl_tag` on the variable, component -1); the `.maps` DATASEC;
 * - per data section, VARs (reused by name from an existing DATASEC) and a DATASEC with real sizes
 *   and offsets (clang leaves them 0 for libbpf to fix up; we write the fixed-up values directly);
 * - `char LICENSE[n]` as a VAR in a `license` DATASEC;
 * - a line record at instruction 0 of each function lacking one, once any function has line info;
 * - a FUNC per function lacking `funcTypeId`: `int f(void *ctx)` (global) for programs and
 *   `int f(void)` (static) for subprograms.
 */
import {
  BtfBuilder,
  BtfLinkage,
  type Btf,
  type BtfExt,
  type BtfFuncInfo,
  type BtfLineInfo,
} from "../btf/index.ts";
import { slotOffsets, INSN_SIZE } from "../isa/index.ts";
import type {
  BpfDataSpec,
  BpfFunctionSpec,
  BpfLineSpec,
  BpfMapSpec,
  BpfObjectSpec,
} from "./spec.ts";
import { ObjectError } from "./errors.ts";
import { coreReloSections } from "./core-relos.ts";

/** A function placed in a section at a byte offset. */
export interface PlacedFunction {
  readonly fn: BpfFunctionSpec;
  readonly section: string;
  readonly offset: number;
  readonly isSubprogram: boolean;
}

/** Result of `buildObjectBtf`. */
export interface ObjectBtf {
  readonly btf: Btf;
  readonly ext: BtfExt;
  /** Per map (same order as `spec.maps`): definition size in `.maps`. */
  readonly mapSizes: readonly number[];
  /** Per map: offset of the last member in its definition (the `values` array, when it has one). */
  readonly valuesOffsets: readonly number[];
}

/**
 * The members of a map definition struct, each 8 bytes except a trailing `values` flexible array
 * (libbpf `__array(values, T)`: `T *values[]`; its initial values, 8 bytes each, extend the map's
 * VAR past the struct): T is the inner map's definition struct for a map of maps, `int (void *)`
 * for a prog array.
 */
function mapMembers(b: BtfBuilder, m: BpfMapSpec): { name: string; type: number; size: number }[] {
  const int = b.int("int", 4, { signed: true });
  const uint = (n: number) => b.ptr(b.array(int, n));
  const members: { name: string; type: number; size?: number }[] = [
    { name: "type", type: uint(m.type) },
  ];
  members.push({ name: "max_entries", type: uint(m.maxEntries) });
  if (m.keyTypeId) members.push({ name: "key", type: b.ptr(m.keyTypeId) });
  else if (m.keySize) members.push({ name: "key_size", type: uint(m.keySize) });
  if (m.valueTypeId) members.push({ name: "value", type: b.ptr(m.valueTypeId) });
  else if (m.valueSize) members.push({ name: "value_size", type: uint(m.valueSize) });
  if (m.flags) members.push({ name: "map_flags", type: uint(m.flags) });
  if (m.pinning) members.push({ name: "pinning", type: uint(m.pinning) });
  if (m.inner || m.values) {
    const target = m.inner
      ? mapStruct(b, m.inner).id
      : b.funcProto(int, [{ name: "", type: b.ptr(0) }]);
    // A flexible array (`T *values[]`), as libbpf requires; the initial values follow the struct.
    members.push({ name: "values", type: b.array(b.ptr(target), 0), size: 0 });
  }
  return members.map((x) => ({ ...x, size: x.size ?? 8 }));
}

/** The anonymous struct of a map definition: its id, size and the offset of its last member. */
function mapStruct(b: BtfBuilder, m: BpfMapSpec): { id: number; size: number; last: number } {
  const members = mapMembers(b, m);
  let at = 0;
  let last = 0;
  const placed = members.map(({ name, type, size }) => {
    last = at;
    at += size;
    return { name, type, bitOffset: last * 8 };
  });
  return { id: b.struct("", at, placed), size: at, last };
}

/** Ids of the VARs listed by an existing DATASEC named `name`, by variable name. */
function existingVars(
  b: BtfBuilder,
  name: string,
): { datasec?: number; vars: Map<string, number> } {
  const vars = new Map<string, number>();
  for (let id = 1; id < b.count; id++) {
    const t = b.get(id);
    if (t?.kind !== "datasec" || t.name !== name) continue;
    for (const vi of t.vars) {
      const v = b.get(vi.type);
      if (v?.kind === "var") vars.set(v.name, vi.type);
    }
    return { datasec: id, vars };
  }
  return { vars };
}

function setDatasec(
  b: BtfBuilder,
  name: string,
  size: number,
  vars: { type: number; offset: number; size: number }[],
) {
  const { datasec } = existingVars(b, name);
  const t = { kind: "datasec" as const, name, size, vars };
  if (datasec !== undefined) b.replace(datasec, t);
  else b.add(t);
}

function dataVars(b: BtfBuilder, d: BpfDataSpec) {
  const { vars } = existingVars(b, d.name);
  const u8 = () => b.int("unsigned char", 1);
  return [...d.vars]
    .sort((x, y) => x.offset - y.offset)
    .map((v) => {
      const linkage = v.isStatic ? BtfLinkage.STATIC : BtfLinkage.GLOBAL;
      const type = vars.get(v.name) ?? b.var(v.name, v.typeId ?? b.array(u8(), v.size), linkage);
      return { type, offset: v.offset, size: v.size };
    });
}

/**
 * `char LICENSE[n]` (n counts the NUL), a GLOBAL VAR in a `license` DATASEC, as clang emits for
 * `char LICENSE[] SEC("license")`: libbpf's static linker (`bpftool gen object`) needs BTF for every
 * global symbol. Reuses an existing `license` DATASEC's VAR (a spec read back from an object).
 */
function licenseVar(b: BtfBuilder, license: string) {
  const size = new TextEncoder().encode(license + "\0").length;
  const { vars } = existingVars(b, "license");
  const type =
    vars.get("LICENSE") ?? b.var("LICENSE", b.array(b.int("char", 1, { signed: true }), size));
  setDatasec(b, "license", size, [{ type, offset: 0, size }]);
}

/**
 * The function's line records, starting with one at instruction 0 when any function has line info:
 * libbpf and the kernel (check_btf_line) require every function of a program to have a line record at
 * its first instruction once line info is present at all. The added record repeats the function's
 * first known position (or is empty).
 */
function withEntryLine(fn: BpfFunctionSpec, anyLines: boolean): BpfLineSpec[] {
  const lines = [...(fn.lineInfo ?? [])].sort((a, b) => a.insnIndex - b.insnIndex);
  if (!anyLines || lines[0]?.insnIndex === 0) return lines;
  const first = lines[0] ?? { fileName: "", line: "", lineNum: 0, column: 0 };
  return [{ ...first, insnIndex: 0 }, ...lines];
}

function funcInfoAndLines(b: BtfBuilder, placed: readonly PlacedFunction[]) {
  const anyLines = placed.some((p) => (p.fn.lineInfo ?? []).length > 0);
  const func = new Map<string, BtfFuncInfo[]>();
  const line = new Map<string, BtfLineInfo[]>();
  for (const p of placed) {
    let typeId = p.fn.funcTypeId;
    if (!typeId) {
      const int = b.int("int", 4, { signed: true });
      const proto = p.isSubprogram
        ? b.funcProto(int, [])
        : b.funcProto(int, [{ name: "ctx", type: b.ptr(0) }]);
      typeId = b.func(p.fn.name, proto, p.isSubprogram ? BtfLinkage.STATIC : BtfLinkage.GLOBAL);
    }
    const list = func.get(p.section) ?? [];
    list.push({ insnOff: p.offset, typeId });
    func.set(p.section, list);
    const slots = slotOffsets(p.fn.insns);
    for (const l of withEntryLine(p.fn, anyLines)) {
      if (l.insnIndex < 0 || l.insnIndex >= p.fn.insns.length) {
        throw new ObjectError(
          `function ${p.fn.name}: line info for instruction ${l.insnIndex}, which does not exist`,
        );
      }
      const lines = line.get(p.section) ?? [];
      lines.push({
        insnOff: p.offset + slots[l.insnIndex]! * INSN_SIZE,
        fileName: l.fileName,
        line: l.line,
        lineNum: l.lineNum,
        column: l.column,
      });
      line.set(p.section, lines);
    }
  }
  const bySection = <T extends { insnOff: number }>(m: Map<string, T[]>) =>
    [...m].map(([section, records]) => ({
      section,
      records: [...records].sort((x, y) => x.insnOff - y.insnOff),
    }));
  return { funcInfo: bySection(func), lineInfo: bySection(line) };
}

/** Builds the object's BTF and BTF.ext for the given layout. */
export function buildObjectBtf(
  spec: BpfObjectSpec,
  placed: readonly PlacedFunction[],
  data: readonly BpfDataSpec[],
): ObjectBtf {
  const b = new BtfBuilder(spec.btf);
  const mapSizes: number[] = [];
  const valuesOffsets: number[] = [];
  const mapVars: { type: number; offset: number; size: number }[] = [];
  let offset = 0;
  for (const m of spec.maps) {
    const { id: type, size: structSize, last } = mapStruct(b, m);
    const size = structSize + 8 * (m.values?.length ?? 0);
    valuesOffsets.push(last);
    const v = b.var(m.name, type);
    for (const tag of m.tags ?? [])
      b.add({ kind: "decl_tag", name: tag, type: v, componentIdx: -1 });
    mapVars.push({ type: v, offset, size });
    mapSizes.push(size);
    offset += size;
  }
  if (spec.maps.length > 0) setDatasec(b, ".maps", offset, mapVars);
  for (const d of data) setDatasec(b, d.name, d.data.length, dataVars(b, d));
  licenseVar(b, spec.license);
  const { funcInfo, lineInfo } = funcInfoAndLines(b, placed);
  const coreRelo = coreReloSections(placed);
  return { btf: b.build(), ext: { funcInfo, lineInfo, coreRelo }, mapSizes, valuesOffsets };
}
