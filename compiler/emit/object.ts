/**
 * Assembles the object spec (core/object/spec.ts) of a compiled module, the input of
 * `writeBpfObject`.
 *
 * Consumes the IR module (maps, globals, license, types), the encoded functions and the source texts;
 * produces a `BpfObjectSpec`. Decisions:
 * - programs go to the ELF section named by their IR `section`; subprograms to `.text`;
 * - maps: BTF-defined maps first (module order), then one data entry per non-empty global data section
 *   (.bss, .data, .rodata); relocation map indices count maps then data entries, as the spec says;
 * - every map carries its facts as decl tags (core/object/map-facts.ts): the record type of a ring
 *   buffer / perf event array, and its histogram shape (`none` when it is not one);
 * - globals are placed in their section in declaration order at their alignment;
 * - struct_ops maps become `.struct_ops` / `.struct_ops.link` data entries after the global data,
 *   each variable its ops struct (BTF copied from the kernel's), function members relocated to
 *   their programs;
 * - local calls name the callee's section and byte offset (the writer turns them into R_BPF_64_32 or
 *   pc-relative immediates).
 */
import type {
  BpfDataSpec,
  BpfFunctionSpec,
  BpfMapSpec,
  BpfObjectSpec,
} from "../../core/object/spec.ts";
import type { BpfReloc } from "../../core/object/model.ts";
import { mapFactTags } from "../../core/object/map-facts.ts";
import type { Btf } from "../../core/btf/index.ts";
import { mapKind } from "../../core/kernel/kinds.ts";
import type { MapTemplate, Module } from "../ir/types.ts";
import type { EncodedFunc } from "../target/bpf/index.ts";
import { buildModuleBtf, lineInfoOf } from "./btf.ts";
import { coreRelosOf } from "./core-relo.ts";

const GLOBAL_SECTIONS = [".bss", ".data", ".rodata"] as const;

/**
 * How a `tsbpf.record` tag names a BTF type (`struct event`, `u64`), or undefined for an anonymous
 * type, which no name can find again.
 */
function cSpelling(btf: Btf, id: number): string | undefined {
  const t = btf.types[id];
  if (!t || !("name" in t) || t.name === "") return undefined;
  const tagged: Partial<Record<string, string>> = {
    struct: "struct",
    union: "union",
    enum: "enum",
  };
  const prefix = tagged[t.kind];
  return prefix ? `${prefix} ${t.name}` : t.name;
}

/** Builds the writer's input from the encoded functions of a module. */
export function buildObjectSpec(
  m: Module,
  funcs: readonly EncodedFunc[],
  sources: ReadonlyMap<string, string>,
): BpfObjectSpec {
  const mb = buildModuleBtf(m);
  /** A map's (or inner template's) type, sizes, flags and BTF key/value types, as libbpf reads them. */
  const mapShapeSpec = (map: MapTemplate) => {
    const kind = mapKind(map.kind);
    if (kind === undefined) throw new Error(`internal: unknown map kind '${map.kind}'`);
    const typed = kind.btfKeyValue;
    return {
      type: kind.id,
      maxEntries: map.maxEntries,
      keySize: map.keySize,
      valueSize: map.valueSize,
      ...(typed && map.keyType !== null ? { keyTypeId: mb.typeId(map.keyType) } : {}),
      ...(typed && map.valueType !== null ? { valueTypeId: mb.typeId(map.valueType) } : {}),
      ...(map.flags !== 0 ? { flags: map.flags } : {}),
    };
  };
  const maps: BpfMapSpec[] = m.maps.map((map) => {
    const kind = mapKind(map.kind);
    if (kind === undefined)
      throw new Error(`internal: unknown map kind '${map.kind}' of ${map.name}`);
    // Kinds the kernel describes without BTF key/value types (record streams, stack traces, fd
    // arrays: the record's `btfKeyValue`) get sizes only: libbpf would size the map from
    // `__type(value, ...)` and the kernel requires key = value = 0 for BPF_MAP_TYPE_RINGBUF
    // (kernel/bpf/ringbuf.c ringbuf_map_alloc). A record type reaches user space as a decl tag.
    // The key and value types of other such maps (a SockHash's key, a devmap's struct
    // bpf_devmap_val) reach it the same way.
    const typed = kind.btfKeyValue;
    const spell = (t: MapTemplate["keyType"]) =>
      !typed && t !== null ? cSpelling(mb.btf, mb.typeId(t)) : undefined;
    const [key, value] = [spell(map.keyType), spell(map.valueType)];
    // Record streams (ring buffers, perf event arrays, user ring buffers) carry records, not values.
    const records = kind.stdlib?.shape === "record";
    const tags = mapFactTags({
      ...(records && value !== undefined ? { record: value } : {}),
      ...(!records && key !== undefined ? { key } : {}),
      ...(!records && value !== undefined ? { value } : {}),
      histogram: map.histogram,
    });
    return {
      name: map.name,
      ...mapShapeSpec(map),
      ...(map.inner ? { inner: { name: "", ...mapShapeSpec(map.inner) } } : {}),
      ...(map.values ? { values: map.values } : {}),
      ...(map.pinning ? { pinning: map.pinning } : {}),
      tags,
    };
  });
  const placement = new Map<string, { index: number; offset: number }>();
  const data: BpfDataSpec[] = [];
  for (const sec of GLOBAL_SECTIONS) {
    const globals = m.globals.filter((g) => g.section === sec);
    if (globals.length === 0) continue;
    let at = 0;
    const vars = globals.map((g) => {
      at = Math.ceil(at / g.align) * g.align;
      const v = {
        name: g.name,
        offset: at,
        size: g.size,
        ...(g.type !== null ? { typeId: mb.typeId(g.type) } : {}),
        ...(g.isStatic ? { isStatic: true } : {}),
      };
      placement.set(g.name, { index: maps.length + data.length, offset: at });
      at += g.size;
      return v;
    });
    const bytes = new Uint8Array(at);
    globals.forEach((g, k) => bytes.set(g.init, vars[k]!.offset));
    data.push({ name: sec, data: bytes, vars });
  }
  // struct_ops maps: each section's variables back to back (8-aligned), their function pointers
  // relocated to the programs (libbpf bpf_object__init_struct_ops / collect_st_ops_relos).
  for (const sec of [".struct_ops", ".struct_ops.link"] as const) {
    const decls = (m.structOps ?? []).filter((d) => d.section === sec);
    if (decls.length === 0) continue;
    let at = 0;
    const placed = decls.map((d) => {
      at = Math.ceil(at / 8) * 8;
      const here = at;
      at += d.data.length;
      return here;
    });
    const bytes = new Uint8Array(Math.ceil(at / 8) * 8);
    decls.forEach((d, i) => bytes.set(d.data, placed[i]));
    data.push({
      name: sec,
      data: bytes,
      vars: decls.map((d, i) => ({
        name: d.name,
        offset: placed[i]!,
        size: d.data.length,
        typeId: d.typeId,
      })),
      funcRelocs: decls.flatMap((d, i) =>
        d.funcs.map((f) => ({ offset: placed[i]! + f.offset, program: f.program })),
      ),
    });
  }
  // Byte offset of each function in its section (subprograms back to back in `.text`).
  const where = new Map<string, { section: string; offset: number }>();
  const cursor = new Map<string, number>();
  const ordered = [
    ...funcs.filter((f) => f.section === null),
    ...funcs.filter((f) => f.section !== null),
  ];
  for (const f of ordered) {
    const section = f.section ?? ".text";
    const at = cursor.get(section) ?? 0;
    where.set(f.name, { section, offset: at });
    let slots = 0;
    for (const i of f.insns) slots += i.spec.kind === "lddw" ? 2 : 1;
    cursor.set(section, at + slots * 8);
  }
  const mapIndex = new Map(m.maps.map((map, i) => [map.name, i]));
  const toSpec = (f: EncodedFunc): BpfFunctionSpec => {
    const coreRelos = coreRelosOf(f, m);
    const relocs: BpfReloc[] = f.relocs.flatMap(({ insnIndex, reloc }): BpfReloc[] => {
      switch (reloc.kind) {
        case "core":
          return [];
        case "map": {
          const idx = mapIndex.get(reloc.map);
          if (idx === undefined)
            throw new Error(`internal: unknown map '${reloc.map}' in ${f.name}`);
          return [{ kind: "map", insnIndex, mapIndex: idx }];
        }
        case "global": {
          const g = placement.get(reloc.global);
          if (!g) throw new Error(`internal: unknown global '${reloc.global}' in ${f.name}`);
          return [
            { kind: "global", insnIndex, mapIndex: g.index, offset: g.offset + reloc.offset },
          ];
        }
        case "call": {
          const t = where.get(reloc.callee);
          if (!t)
            throw new Error(`internal: unknown function '${reloc.callee}' called from ${f.name}`);
          return [{ kind: "call", insnIndex, targetSection: t.section, targetOffset: t.offset }];
        }
      }
    });
    return {
      name: f.name,
      section: f.section ?? ".text",
      insns: f.insns,
      relocs,
      funcTypeId: mb.funcIds.get(f.name)!,
      lineInfo: lineInfoOf(f, sources),
      ...(coreRelos.length > 0 ? { coreRelos } : {}),
    };
  };
  return {
    programs: funcs.filter((f) => f.section !== null).map(toSpec),
    subprograms: funcs.filter((f) => f.section === null).map(toSpec),
    maps,
    data,
    license: m.license,
    btf: mb.btf,
  };
}
