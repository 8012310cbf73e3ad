/**
 * Map definitions of a BPF object, the way libbpf finds them (tools/lib/bpf/libbpf.c, init_*_maps):
 * 1. legacy maps: symbols in the `maps` section, each a `struct bpf_map_def` (type, key_size,
 *    value_size, max_entries, map_flags as u32s; the definition size is section size / symbol count);
 * 2. BTF-defined maps: the VARs of the `.maps` DATASEC, each a struct whose members are encoded by the
 *    bpf_helpers.h macros: `__uint(name, N)` is `int (*name)[N]` (pointer to an array of N elements), and
 *    `__type(name, T)` is `T *name` (pointer to the key or value type); decl tags on the VAR
 *    (`btf_decl_tag`) become `BpfMapDef.tags`;
 * 3. global data: one single-entry ARRAY map per `.data*`, `.rodata*` and `.bss*` section, named after
 *    the section (loaders add libbpf's object-name prefix when creating it);
 * 4. struct_ops maps: the VARs of `.struct_ops` / `.struct_ops.link` (struct-ops.ts).
 *
 * Consumes `ElfFile` and the decoded `Btf`; produces `BpfMapDef[]` (index = position) plus, for each map,
 * where it lives (section index and offset) so relocations can be matched to maps.
 */
import { btfSizeof, btfType, resolveType, type Btf, type BtfComposite } from "../btf/index.ts";
import { SHF, SHT, STT, type ElfFile, type ElfSection } from "../elf/index.ts";
import { BPF_CONSTANTS, BPF_MAP_TYPE } from "../kernel/index.ts";
import { LEGACY_MAP_DEF_FIELDS, ObjectError } from "./errors.ts";
import type { BpfMapDef } from "./model.ts";
import { structOpsMaps } from "./struct-ops.ts";

/** Largest global data section accepted (the kernel caps array values at KMALLOC_MAX_SIZE, 4 MiB). */
export const MAX_DATA_SECTION = 1 << 25;

/** A map plus where its definition lives in the ELF file. */
export interface LocatedMap {
  readonly def: BpfMapDef;
  /** ELF section index of the definition (`maps`, `.maps`) or of the data (global data maps). */
  readonly sectionIndex: number;
  /** Byte offset of the definition inside that section (0 for global data maps). */
  readonly offset: number;
}

/** True for sections whose contents become a global data map (`.data*`, `.rodata*`, `.bss*`). */
export function isGlobalDataSection(s: ElfSection): boolean {
  if ((s.flags & SHF.ALLOC) === 0 || (s.flags & SHF.EXECINSTR) !== 0) return false;
  const n = s.name;
  const is = (base: string) => n === base || n.startsWith(base + ".");
  if (s.type === SHT.NOBITS) return is(".bss");
  return s.type === SHT.PROGBITS && (is(".data") || is(".rodata"));
}

/** Longest kernel object name, NUL included (BPF_OBJ_NAME_LEN in linux/bpf.h). */
const OBJ_NAME_LEN = 16;

/**
 * libbpf's name for an object opened from `path`: the file's base name up to its first `.`
 * (bpf_object__new), so `out/xdp-firewall.o` is `xdp-firewall`.
 */
export function objectNameOf(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.indexOf(".");
  return dot < 0 ? base : base.slice(0, dot);
}

/**
 * The kernel name libbpf gives the global data map of `section` (internal_map_name): up to 8
 * characters of the object name, then the section name (`xdp_fire.bss`); a section with a second
 * dot (`.rodata.str1.1`, `.data.counters`) gets no prefix. Characters the kernel refuses become `_`.
 * Without an object name (bytes loaded from memory) the name is the section's.
 */
export function internalMapName(objectName: string | undefined, section: string): string {
  const suffix = Math.max(7, section.length);
  const prefix = !objectName || section.indexOf(".", 1) >= 0 ? 0 : OBJ_NAME_LEN - suffix - 1;
  const name = ((objectName ?? "").slice(0, Math.max(0, prefix)) + section).slice(
    0,
    OBJ_NAME_LEN - 1,
  );
  return name.replace(/[^A-Za-z0-9_.]/g, "_");
}

function legacyMaps(elf: ElfFile, firstIndex: number): LocatedMap[] {
  const sec = elf.sections.find((s) => s.name === "maps");
  if (!sec) return [];
  const syms = elf.symbols
    .filter((s) => s.shndx === sec.index && s.type !== STT.SECTION && s.name !== "")
    .sort((a, b) => a.value - b.value);
  if (syms.length === 0) return [];
  const defSize = Math.floor(sec.size / syms.length);
  if (defSize < LEGACY_MAP_DEF_FIELDS * 4 || sec.size % syms.length !== 0) {
    throw new ObjectError(
      `legacy maps section: size ${sec.size} does not divide into ${syms.length} map definitions`,
    );
  }
  const v = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
  return syms.map((sym, i) => {
    if (sym.value % defSize !== 0 || sym.value + defSize > sec.size) {
      throw new ObjectError(
        `legacy map ${sym.name}: offset ${sym.value} is not a definition boundary`,
      );
    }
    const f = (k: number) => v.getUint32(sym.value + k * 4, true);
    return {
      def: {
        index: firstIndex + i,
        name: sym.name,
        type: f(0),
        keySize: f(1),
        valueSize: f(2),
        maxEntries: f(3),
        flags: f(4),
        keyTypeId: 0,
        valueTypeId: 0,
      },
      sectionIndex: sec.index,
      offset: sym.value,
    };
  });
}

/** `__uint(name, N)`: member type is a pointer to an array of N elements. */
function uintField(btf: Btf, typeId: number, map: string, field: string): number {
  const ptr = btfType(btf, resolveType(btf, typeId));
  if (ptr.kind !== "ptr")
    throw new ObjectError(
      `map ${map}: field ${field} is ${ptr.kind}, expected __uint (pointer to array)`,
    );
  const arr = btfType(btf, resolveType(btf, ptr.type));
  if (arr.kind !== "array")
    throw new ObjectError(`map ${map}: field ${field} points to ${arr.kind}, expected an array`);
  return arr.nelems;
}

/** `__type(name, T)`: member type is a pointer to T. Returns T's id and size. */
function typeField(
  btf: Btf,
  typeId: number,
  map: string,
  field: string,
): { id: number; size: number } {
  const ptr = btfType(btf, resolveType(btf, typeId));
  if (ptr.kind !== "ptr")
    throw new ObjectError(`map ${map}: field ${field} is ${ptr.kind}, expected __type (pointer)`);
  return { id: ptr.type, size: btfSizeof(btf, ptr.type) };
}

/** Decodes one BTF-defined map from its struct type. */
export function decodeBtfMap(btf: Btf, name: string, structId: number, index: number): BpfMapDef {
  const t = btfType(btf, resolveType(btf, structId));
  if (t.kind !== "struct")
    throw new ObjectError(`map ${name}: definition is ${t.kind}, expected a struct`);
  const def = {
    index,
    name,
    type: 0,
    keySize: 0,
    valueSize: 0,
    maxEntries: 0,
    flags: 0,
    keyTypeId: 0,
    valueTypeId: 0,
    pinning: 0,
  };
  let hasType = false;
  let inner: BpfMapDef | undefined;
  for (const m of (t as BtfComposite).members) {
    switch (m.name) {
      case "type":
        def.type = uintField(btf, m.type, name, m.name);
        hasType = true;
        break;
      case "max_entries":
        def.maxEntries = uintField(btf, m.type, name, m.name);
        break;
      case "map_flags":
        def.flags = uintField(btf, m.type, name, m.name);
        break;
      case "pinning":
        def.pinning = uintField(btf, m.type, name, m.name);
        break;
      case "key_size":
      case "value_size": {
        const size = uintField(btf, m.type, name, m.name);
        const prev = m.name === "key_size" ? def.keySize : def.valueSize;
        if (prev !== 0 && prev !== size)
          throw new ObjectError(
            `map ${name}: ${m.name} ${size} conflicts with the ${m.name.slice(0, -5)} type's size ${prev}`,
          );
        if (m.name === "key_size") def.keySize = size;
        else def.valueSize = size;
        break;
      }
      case "key":
      case "value": {
        const { id, size } = typeField(btf, m.type, name, m.name);
        const prev = m.name === "key" ? def.keySize : def.valueSize;
        if (prev !== 0 && prev !== size)
          throw new ObjectError(
            `map ${name}: ${m.name} type size ${size} conflicts with ${m.name}_size ${prev}`,
          );
        if (m.name === "key") {
          def.keySize = size;
          def.keyTypeId = id;
        } else {
          def.valueSize = size;
          def.valueTypeId = id;
        }
        break;
      }
      case "values":
        inner = innerMapDef(btf, m.type, name);
        // libbpf (parse_btf_map_def): slots of a map of maps or prog array hold 4-byte fds.
        def.valueSize ||= 4;
        break;
      case "numa_node":
      case "map_extra":
        break; // accepted, not modelled (NUMA placement, bloom filter hashes)
      default:
        throw new ObjectError(`map ${name}: unknown field ${m.name}`);
    }
  }
  if (!hasType) throw new ObjectError(`map ${name}: missing __uint(type, ...)`);
  return inner ? { ...def, inner } : def;
}

/**
 * `__array(values, T)`: an array of pointers to T. T a map definition struct is the inner map
 * template of a map of maps; T a function prototype (a prog array's programs) has no template.
 */
function innerMapDef(btf: Btf, typeId: number, map: string): BpfMapDef | undefined {
  const arr = btfType(btf, resolveType(btf, typeId));
  if (arr.kind !== "array")
    throw new ObjectError(`map ${map}: values is ${arr.kind}, expected __array`);
  const ptr = btfType(btf, resolveType(btf, arr.type));
  if (ptr.kind !== "ptr")
    throw new ObjectError(`map ${map}: values holds ${ptr.kind}, expected pointers`);
  const target = btfType(btf, resolveType(btf, ptr.type));
  if (target.kind === "func_proto") return undefined;
  return decodeBtfMap(btf, `${map}.inner`, ptr.type, -1);
}

/**
 * The `values` member of a map definition struct: its byte offset and slot count (a flexible
 * array: the slots are the VAR's bytes past the struct, `varSize`), if any.
 */
function valuesMember(
  btf: Btf,
  structId: number,
  varSize: number,
): { offset: number; slots: number } | undefined {
  const t = btfType(btf, resolveType(btf, structId)) as BtfComposite & { size: number };
  const m = t.members.find((x) => x.name === "values");
  if (!m) return undefined;
  return { offset: m.bitOffset / 8, slots: Math.max(0, Math.floor((varSize - t.size) / 8)) };
}

/**
 * Initial values of the BTF-defined maps (libbpf `.values`), by map: the R_BPF_64_ABS64
 * relocations of `.rel.maps`, each naming the map or program that one slot of the map's `values`
 * array holds.
 */
function initialValues(
  elf: ElfFile,
  btf: Btf,
  sectionIndex: number,
  maps: readonly { name: string; structId: number; offset: number; size: number }[],
): Map<string, (string | null)[]> {
  const out = new Map<string, (string | null)[]>();
  for (const rs of elf.relocations) {
    if (rs.target !== sectionIndex) continue;
    for (const e of rs.entries) {
      const sym = elf.symbols[e.symbol];
      // The map whose definition holds the relocated slot: the last one starting at or before it.
      const m = [...maps].reverse().find((x) => x.offset <= e.offset);
      const values = m && valuesMember(btf, m.structId, m.size);
      const slot = m && values ? (e.offset - m.offset - values.offset) / 8 : -1;
      if (!m || !values || !sym || !Number.isInteger(slot) || slot < 0 || slot >= values.slots)
        throw new ObjectError(
          `.rel.maps: relocation at ${e.offset} is not a slot of a map's values`,
        );
      const list = out.get(m.name) ?? new Array<string | null>(values.slots).fill(null);
      list[slot] = sym.name;
      out.set(m.name, list);
    }
  }
  return out;
}

function btfMaps(elf: ElfFile, btf: Btf | undefined, firstIndex: number): LocatedMap[] {
  const sec = elf.sections.find((s) => s.name === ".maps");
  if (!sec) return [];
  if (!btf) throw new ObjectError("section .maps needs BTF, but the object has no .BTF section");
  const ds = btf.types.find((t) => t.kind === "datasec" && t.name === ".maps");
  if (!ds || ds.kind !== "datasec") throw new ObjectError("section .maps has no DATASEC in .BTF");
  // Decl tags on a whole VAR (component -1), by VAR id, in BTF order.
  const varTags = new Map<number, string[]>();
  for (const t of btf.types) {
    if (t.kind !== "decl_tag" || t.componentIdx !== -1) continue;
    const list = varTags.get(t.type) ?? [];
    list.push(t.name);
    varTags.set(t.type, list);
  }
  const located = ds.vars.map((vi, i) => {
    const v = btfType(btf, vi.type);
    if (v.kind !== "var")
      throw new ObjectError(`.maps DATASEC entry ${i} is ${v.kind}, expected a VAR`);
    // clang leaves DATASEC offsets 0 (libbpf fixes them up from symbols): prefer the symbol's value.
    const sym = elf.symbols.find((s) => s.shndx === sec.index && s.name === v.name);
    const offset = sym ? sym.value : vi.offset;
    const def = decodeBtfMap(btf, v.name, v.type, firstIndex + i);
    const tags = varTags.get(vi.type);
    return {
      def: tags ? { ...def, tags } : def,
      sectionIndex: sec.index,
      offset,
      structId: v.type,
      size: vi.size,
    };
  });
  const values = initialValues(
    elf,
    btf,
    sec.index,
    located.map((m) => ({ name: m.def.name, ...m })),
  );
  return located.map(({ structId: _, size: __, ...m }) => {
    const init = values.get(m.def.name);
    return init ? { ...m, def: { ...m.def, initialValues: init } } : m;
  });
}

function dataMaps(elf: ElfFile, btf: Btf | undefined, firstIndex: number): LocatedMap[] {
  const out: LocatedMap[] = [];
  for (const s of elf.sections) {
    if (!isGlobalDataSection(s) || s.size === 0) continue;
    const ds = btf?.types.findIndex((t) => t.kind === "datasec" && t.name === s.name) ?? -1;
    if (s.size > MAX_DATA_SECTION) {
      throw new ObjectError(
        `global data section ${s.name} is ${s.size} bytes (at most ${MAX_DATA_SECTION})`,
      );
    }
    const isRodata = s.name === ".rodata" || s.name.startsWith(".rodata.");
    out.push({
      def: {
        index: firstIndex + out.length,
        name: s.name,
        type: BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY,
        keySize: 4,
        valueSize: s.size,
        maxEntries: 1,
        flags: isRodata ? BPF_CONSTANTS.BPF_F_RDONLY_PROG : 0,
        keyTypeId: 0,
        valueTypeId: ds > 0 ? ds : 0,
        globalSection: s.name,
        initialValue: s.type === SHT.NOBITS ? new Uint8Array(s.size) : s.data.slice(),
      },
      sectionIndex: s.index,
      offset: 0,
    });
  }
  return out;
}

/** All maps of the object, in libbpf's order: legacy, BTF-defined, global data, struct_ops. */
export function readMaps(elf: ElfFile, btf: Btf | undefined): LocatedMap[] {
  const legacy = legacyMaps(elf, 0);
  const defined = btfMaps(elf, btf, legacy.length);
  const data = dataMaps(elf, btf, legacy.length + defined.length);
  const ops = structOpsMaps(elf, btf, legacy.length + defined.length + data.length);
  return [...legacy, ...defined, ...data, ...ops];
}
